import type { Queryable } from '../../db/client.js';
import { insertAudit } from '../../db/audit.repository.js';
import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const users: RecordSpec = {
  table: 'users',
  entity: 'user',
  fields: {
    ID: 'id', OrganisationID: 'organisation_id', Role: 'role', FirstName: 'first_name', LastName: 'last_name', Email: 'email',
    Username: 'username', KeychainID: 'keychain_id',
    KeychainVerified: 'coalesce((SELECT k.verified_at IS NOT NULL FROM keychains k WHERE k.id = keychain_id), false)',
    DefaultAssessorID: 'default_assessor_id', DefaultEmployerID: 'default_employer_id', ClassroomID: 'classroom_id',
    PlacementID: 'placement_id', MISID: 'mis_id', CreatedOn: 'created_on', CompanyName: 'company_name',
    MobileNumber: 'mobile_number', Telephone: 'telephone', Website: 'website', WorkAddress: 'work_address',
    HomeAddress: 'home_address', ProviderID: 'provider_id', ULN: 'uln', NINO: 'nino', EpisodeName: 'episode_name',
    CentreRegister: 'centre_register', DOB: 'dob', StartOn: 'start_on', PlannedEndDate: 'planned_end_date',
    L12: 'l12', L13: 'l13', L14: 'l14', L15: 'l15', L16: 'l16', PrimaryLLDDCode: 'primary_lldd_code',
    SecondaryLLDDCodes: 'secondary_lldd_codes', SupportFunding: 'support_funding', LearnerStatusID: 'learner_status_id',
    Archived: 'archived_at IS NOT NULL', LastModified: 'updated_at',
  },
  readOnly: ['Username', 'KeychainID', 'KeychainVerified', 'Archived', 'LastModified'],
};

export interface UserRef { id: number; organisation_id: number; role: number; archived: boolean }

/**
 * The users a create or update refers to, by id, limited to the caller's customer. The rows
 * are locked against deletion (KEY SHARE) until the write commits: a concurrent delete of a
 * referenced user then either waits and sees the new reference (-111), or wins and the
 * write finds no such user (-104), never a foreign-key failure.
 */
export async function findUserRefs(db: Queryable, customerId: number, ids: number[]): Promise<Map<number, UserRef>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<UserRef>(
    `SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users
      WHERE customer_id = $1 AND id = ANY($2::int[]) ORDER BY id FOR KEY SHARE`,
    [customerId, ids]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Whether a classroom, placement or learner status of that id belongs to that organisation. */
export async function inOrganisation(
  db: Queryable, table: 'classrooms' | 'placements' | 'learner_statuses', customerId: number, organisationId: number, id: number,
): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM ${table} WHERE customer_id = $1 AND organisation_id = $2 AND id = $3`, [customerId, organisationId, id]);
  return rows.length > 0;
}

/** Sets a login name that is unique by construction: letters from the name, then the unique user id. */
export async function assignUsername(db: Queryable, id: number, base: string, passwordHash: string): Promise<string> {
  const rows = await db.query<{ username: string }>(
    'UPDATE users SET username = $2 || id::text, password_hash = $3 WHERE id = $1 RETURNING username', [id, base, passwordHash]);
  return rows[0]!.username;
}

/**
 * The Keychain for an email within a customer, made if it does not exist. One statement, so
 * that concurrent creates with the same new email all land on one Keychain.
 */
export async function upsertKeychain(db: Queryable, customerId: number, email: string): Promise<{ id: number; created: boolean; verified: boolean }> {
  const rows = await db.query<{ id: number; created: boolean; verified: boolean }>(
    `INSERT INTO keychains (customer_id, email, email_key) VALUES ($1, $2, $3)
     ON CONFLICT (customer_id, email_key) DO UPDATE SET email_key = EXCLUDED.email_key
     RETURNING id, (xmax = 0) AS created, verified_at IS NOT NULL AS verified`,
    [customerId, email, email.trim().toLowerCase()]);
  return rows[0]!;
}

export async function insertVerification(db: Queryable, customerId: number, keychainId: number, userId: number, hash: Buffer, days: number): Promise<void> {
  await db.query(
    `INSERT INTO keychain_verifications (customer_id, keychain_id, user_id, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))`, [customerId, keychainId, userId, hash, days]);
}

export interface VerificationRow {
  id: number; customer_id: number; keychain_id: number; expired: boolean; used: boolean; keychain_verified: boolean; email: string;
}

export async function findVerification(db: Queryable, hash: Buffer, lock = false): Promise<VerificationRow | undefined> {
  const rows = await db.query<VerificationRow>(
    `SELECT v.id, v.customer_id, v.keychain_id, v.expires_at < now() AS expired, v.used_at IS NOT NULL AS used,
            k.verified_at IS NOT NULL AS keychain_verified, k.email
       FROM keychain_verifications v JOIN keychains k ON k.id = v.keychain_id
      WHERE v.token_hash = $1${lock ? ' FOR UPDATE OF v, k' : ''}`, [hash]);
  return rows[0];
}

/** Marks the Keychain verified; its accounts' LastModified moves so that sync jobs see the change. */
export async function markVerified(db: Queryable, v: VerificationRow, actor: string): Promise<void> {
  await db.query('UPDATE keychain_verifications SET used_at = now() WHERE id = $1', [v.id]);
  await db.query('UPDATE keychains SET verified_at = now() WHERE id = $1 AND verified_at IS NULL', [v.keychain_id]);
  await db.query('UPDATE users SET updated_at = now() WHERE keychain_id = $1', [v.keychain_id]);
  await insertAudit(db, v.customer_id, actor, 'keychain', v.keychain_id, 'verify', { Verified: { old: false, new: true } });
}

export async function setArchived(db: Queryable, customerId: number, id: number, archived: boolean): Promise<boolean> {
  const rows = await db.query(
    `UPDATE users SET archived_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE customer_id = $1 AND id = $2 AND (archived_at IS NOT NULL) <> $3 RETURNING id`, [customerId, id, archived]);
  return rows.length > 0;
}

/** Why a user cannot be deleted yet: learning aims with progress, or learners that name them as default staff. */
export async function deleteBlockers(db: Queryable, id: number): Promise<{ progress: number; dependants: number }> {
  const rows = await db.query<{ progress: number; dependants: number }>(
    `SELECT (SELECT count(*) FROM learning_aims WHERE user_id = $1 AND progress > 0) AS progress,
            (SELECT count(*) FROM users WHERE default_assessor_id = $1 OR default_employer_id = $1) AS dependants`, [id]);
  return rows[0]!;
}

export function userListing(customerId: number, f: {
  OrganisationID?: number | undefined; Role?: number | undefined; FirstName?: string | undefined; LastName?: string | undefined;
  MISID?: string | undefined; Email?: string | undefined; LastModified?: string | undefined; Archived?: boolean | undefined;
}): Listing {
  return new Filters(customerId)
    .eq('organisation_id', f.OrganisationID)
    .eq('role', f.Role)
    .text('first_name', f.FirstName)
    .text('last_name', f.LastName)
    .eq('mis_id', f.MISID)
    .text('email', f.Email)
    .atLeast('updated_at', f.LastModified)
    .raw(f.Archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL')
    .listing('users', 'id AS "ID", first_name AS "FirstName", last_name AS "LastName", mis_id AS "MISID", role AS "Role", email AS "Email"');
}
