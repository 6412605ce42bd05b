import type { Queryable } from './client.js';

export interface TokenRow { id: number; customer_id: number; token_hash: Buffer }
export interface SessionRow { id: number; customer_id: number; api_token_id: number; token_hash: Buffer; calls: number; window_start: Date }

export async function findLiveApiToken(db: Queryable, hash: Buffer): Promise<TokenRow | undefined> {
  const rows = await db.query<TokenRow>(
    'SELECT id, customer_id, token_hash FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hash]);
  return rows[0];
}

export async function insertSession(db: Queryable, customerId: number, apiTokenId: number, hash: Buffer, hours: number): Promise<void> {
  await db.query(
    `INSERT INTO sessions (customer_id, api_token_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
    [customerId, apiTokenId, hash, hours * 3600]);
}

/** Expired sessions and old rate windows are dead weight; dropped whenever someone authenticates. */
export async function pruneExpired(db: Queryable, customerId: number): Promise<void> {
  await db.query('DELETE FROM sessions WHERE customer_id = $1 AND expires_at < now()', [customerId]);
  await db.query(`DELETE FROM rate_windows WHERE customer_id = $1 AND window_start < now() - interval '10 minutes'`, [customerId]);
}

/**
 * Finds a live session and counts one call against its customer's current minute, in
 * one round trip. A revoked customer token ends its sessions too.
 */
export async function resolveSessionAndCount(db: Queryable, hash: Buffer): Promise<SessionRow | undefined> {
  const rows = await db.query<SessionRow>(
    `WITH s AS (
       SELECT s.id, s.customer_id, s.api_token_id, s.token_hash
         FROM sessions s JOIN api_tokens t ON t.id = s.api_token_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND t.revoked_at IS NULL
     ), r AS (
       INSERT INTO rate_windows (customer_id, window_start, calls)
       SELECT customer_id, date_trunc('minute', now()), 1 FROM s
       ON CONFLICT (customer_id, window_start) DO UPDATE SET calls = rate_windows.calls + 1
       RETURNING calls, window_start
     )
     SELECT s.id, s.customer_id, s.api_token_id, s.token_hash, r.calls, r.window_start FROM s, r`,
    [hash]);
  return rows[0];
}

export async function countCall(db: Queryable, customerId: number): Promise<{ calls: number; window_start: Date }> {
  const rows = await db.query<{ calls: number; window_start: Date }>(
    `INSERT INTO rate_windows (customer_id, window_start, calls) VALUES ($1, date_trunc('minute', now()), 1)
     ON CONFLICT (customer_id, window_start) DO UPDATE SET calls = rate_windows.calls + 1
     RETURNING calls, window_start`, [customerId]);
  return rows[0]!;
}
