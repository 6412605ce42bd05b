import type { Queryable } from '../../db/client.js';
import { insertAudit } from '../../db/audit.repository.js';

/**
 * The Keychain for an email within a customer, made if it does not exist. One statement, so
 * that concurrent creates with the same new email all land on one Keychain.
 */
export async function upsertKeychain(db: Queryable, customerId: number, email: string): Promise<{ id: number; created: boolean; verified: boolean }> {
  const rows = await db.query<{ id: number; created: boolean; verified: boolean }>(
    `INSERT INTO keychains (customer_id, email, email_key) VALUES ($1, $2, $3)
     ON CONFLICT (customer_id, email_key) DO UPDATE SET email_key = EXCLUDED.email_key
     RETURNING id, (xmax = 0) AS created, verified_at IS NOT NULL AS verified`,
    [customerId, email, email.trim().toLowerCase()],
  );
  return rows[0]!;
}

export interface VerificationRow {
  id: number;
  customer_id: number;
  keychain_id: number;
  expired: boolean;
  used: boolean;
  keychain_verified: boolean;
  email: string;
}

export async function findVerification(db: Queryable, hash: Buffer, lock = false): Promise<VerificationRow | undefined> {
  const rows = await db.query<VerificationRow>(
    `SELECT v.id, v.customer_id, v.keychain_id, v.expires_at < now() AS expired, v.used_at IS NOT NULL AS used,
            k.verified_at IS NOT NULL AS keychain_verified, k.email
       FROM keychain_verifications v JOIN keychains k ON k.id = v.keychain_id
      WHERE v.token_hash = $1${lock ? ' FOR UPDATE OF v, k' : ''}`,
    [hash],
  );
  return rows[0];
}

/** Marks the Keychain verified; its accounts' LastModified moves so that sync jobs see the change. */
export async function markVerified(db: Queryable, v: VerificationRow, actor: string): Promise<void> {
  await db.query('UPDATE keychain_verifications SET used_at = now() WHERE id = $1', [v.id]);
  await db.query('UPDATE keychains SET verified_at = now() WHERE id = $1 AND verified_at IS NULL', [v.keychain_id]);
  await db.query('UPDATE users SET updated_at = now() WHERE keychain_id = $1', [v.keychain_id]);
  await insertAudit(db, v.customer_id, actor, 'keychain', v.keychain_id, 'verify', { Verified: { old: false, new: true } });
}
