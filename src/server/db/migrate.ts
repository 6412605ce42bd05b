import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './client.js';
import { packagePath } from '../paths.js';

export const MIGRATIONS_DIR = packagePath('src/server/db/migrations');
// Any constant works; it keeps two processes starting at once from migrating together.
const MIGRATION_LOCK = 7_262_001;

export interface MigrationResult {
  applied: string[];
  total: number;
}

/** The migration files this build ships, in the order they apply. */
export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();
}

/** Applies, in name order, every migration file not yet recorded. Each file is its own transaction. */
export async function migrate(db: Database): Promise<MigrationResult> {
  const files = migrationFiles();
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  // Up to date (every start but the first after an upgrade): one read, no locks taken.
  const recorded = new Set((await db.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  if (files.every((f) => recorded.has(f))) return { applied: [], total: files.length };
  const applied: string[] = [];
  for (const file of files) {
    const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [file]);
      if (seen.length > 0) return false;
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      return true;
    });
    if (done) applied.push(file);
  }
  return { applied, total: files.length };
}

/** Migration files are plain statements separated by semicolons at line ends (no function bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
