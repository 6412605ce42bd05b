import type { Queryable } from '../db/client.js';

/** The migrations recorded as applied, by file name. */
export async function appliedMigrations(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ version: string }>(`SELECT version FROM schema_migrations ORDER BY version`);
  return rows.map((r) => r.version);
}

/** One round trip: the database answers. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/** Messages in the mail outbox by state (pending, sent, failed), for the metrics. */
export async function outboxDepth(db: Queryable): Promise<{ status: string; count: number }[]> {
  return db.query<{ status: string; count: number }>(`SELECT status, COUNT(*)::int AS count FROM mail_outbox GROUP BY status`);
}
