import type { Queryable } from '../../db/client.js';

export async function findCustomer(db: Queryable, customerId: number) {
  const rows = await db.query<{ ID: number; Name: string }>('SELECT id AS "ID", name AS "Name" FROM customers WHERE id = $1', [customerId]);
  return rows[0];
}

export async function insertCustomer(db: Queryable, name: string): Promise<number> {
  const rows = await db.query<{ id: number }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [name]);
  return rows[0]!.id;
}

export async function listCustomers(db: Queryable) {
  return db.query<{ id: number; name: string; created_at: Date; live_tokens: number; organisations: number }>(
    `SELECT c.id, c.name, c.created_at,
            (SELECT count(*) FROM api_tokens t WHERE t.customer_id = c.id AND t.revoked_at IS NULL) AS live_tokens,
            (SELECT count(*) FROM organisations o WHERE o.customer_id = c.id) AS organisations
       FROM customers c ORDER BY c.id`,
  );
}

export async function insertApiToken(db: Queryable, customerId: number, hash: Buffer, label: string | null): Promise<number> {
  const rows = await db.query<{ id: number }>('INSERT INTO api_tokens (customer_id, token_hash, label) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    hash,
    label,
  ]);
  return rows[0]!.id;
}

export async function revokeApiToken(db: Queryable, tokenId: number): Promise<boolean> {
  const rows = await db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [tokenId]);
  return rows.length > 0;
}

export async function listApiTokens(db: Queryable, customerId: number) {
  return db.query<{ id: number; label: string | null; created_at: Date; revoked_at: Date | null }>(
    'SELECT id, label, created_at, revoked_at FROM api_tokens WHERE customer_id = $1 ORDER BY id',
    [customerId],
  );
}

/**
 * Customers that are the demo: named like it, or holding its token. The demo token's hash is
 * unique, so replacing the demo has to remove the holder of that token too.
 */
export async function demoCustomers(db: Queryable, name: string, tokenHash: Buffer): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    `SELECT id FROM customers WHERE lower(btrim(name)) = lower($1)
     UNION SELECT customer_id FROM api_tokens WHERE token_hash = $2 ORDER BY 1`,
    [name, tokenHash],
  );
  return rows.map((r) => r.id);
}

/** Removes customers with everything they hold (every tenant table cascades from customers). */
export async function deleteCustomers(db: Queryable, ids: number[]): Promise<void> {
  await db.query('DELETE FROM customers WHERE id = ANY($1::int[])', [ids]);
}

/** Whether the database holds any customer at all (a fresh install does not). */
export async function anyCustomer(db: Queryable): Promise<boolean> {
  return (await db.query('SELECT 1 FROM customers LIMIT 1')).length > 0;
}

/** Whether an unrevoked API token has this hash. */
export async function liveTokenWithHash(db: Queryable, hash: Buffer): Promise<boolean> {
  return (await db.query('SELECT 1 FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hash])).length > 0;
}
