import type { Queryable } from '../db/client.js';
import { migrationFiles } from '../db/migrate.js';
import * as repo from './ops.repository.js';

/** The migrations this build knows that the database has not applied (empty: up to date). */
export async function pendingMigrations(db: Queryable): Promise<string[]> {
  const applied = new Set(await repo.appliedMigrations(db));
  return migrationFiles().filter((f) => !applied.has(f));
}

/** How many migrations the database (a restored backup, say) has applied. */
export async function appliedMigrationCount(db: Queryable): Promise<number> {
  return (await repo.appliedMigrations(db)).length;
}

/** One round trip: the database answers. */
export const ping = (db: Queryable): Promise<void> => repo.ping(db);

/** Messages in the mail outbox by state, for the metrics. */
export const outboxDepth = (db: Queryable): Promise<{ status: string; count: number }[]> => repo.outboxDepth(db);
