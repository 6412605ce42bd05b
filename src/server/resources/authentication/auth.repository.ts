import type { Queryable } from '../../db/client.js';

/** Where the database announces sessions ended early (migration 0030's triggers). */
export const SESSIONS_CHANNEL = 'learnfile_sessions';

export interface TokenRow {
  id: number;
  customer_id: number;
  token_hash: Buffer;
}
export interface SessionRow {
  id: number;
  customer_id: number;
  api_token_id: number;
  token_hash: Buffer;
  expires_at: Date;
}

export async function findLiveApiToken(db: Queryable, hash: Buffer): Promise<TokenRow | undefined> {
  const rows = await db.query<TokenRow>('SELECT id, customer_id, token_hash FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hash]);
  return rows[0];
}

/** Times are the application's clock (tests move it), not the database's `now()`. */
export async function insertSession(db: Queryable, customerId: number, apiTokenId: number, hash: Buffer, now: Date, expiresAt: Date): Promise<{ id: number }> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO sessions (customer_id, api_token_id, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [customerId, apiTokenId, hash, now, expiresAt],
  );
  return { id: Number(rows[0]!.id) };
}

/** Expired sessions and old rate windows are dead weight; dropped whenever someone authenticates. */
export async function pruneExpired(db: Queryable, customerId: number, now: Date): Promise<void> {
  await db.query('DELETE FROM sessions WHERE customer_id = $1 AND expires_at < $2', [customerId, now]);
  await db.query(`DELETE FROM rate_windows WHERE customer_id = $1 AND window_start < $2::timestamptz - interval '10 minutes'`, [customerId, now]);
}

/** A session live at `now` (its API token not revoked). */
export async function findLiveSession(db: Queryable, hash: Buffer, now: Date): Promise<SessionRow | undefined> {
  const rows = await db.query<SessionRow>(
    `SELECT s.id, s.customer_id, s.api_token_id, s.token_hash, s.expires_at
       FROM sessions s JOIN api_tokens t ON t.id = s.api_token_id
      WHERE s.token_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL`,
    [hash, now],
  );
  return rows[0];
}

/**
 * Grants up to `block` calls of a customer's minute, never letting the minute's total pass
 * `limit` (the row is locked by the upsert, so concurrent processes queue on it). Answers how
 * many were granted: `block`, or 1 when fewer than `block` are left, or 0 when none are.
 */
export async function claimCalls(db: Queryable, customerId: number, windowStart: Date, block: number, limit: number): Promise<number> {
  for (const n of block > 1 ? [block, 1] : [1]) {
    const rows = await db.query<{ calls: number }>(
      `INSERT INTO rate_windows (customer_id, window_start, calls) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, window_start) DO UPDATE SET calls = rate_windows.calls + EXCLUDED.calls
        WHERE rate_windows.calls + EXCLUDED.calls <= $4
       RETURNING calls`,
      [customerId, windowStart, n, limit],
    );
    if (rows.length > 0) return n;
  }
  return 0;
}
