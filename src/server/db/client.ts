import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { lockDataDir } from './lock.js';
import { secureDataDir } from '../ops/data-dir.js';

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, for start-up logs (never includes a password). */
  readonly location: string;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /**
   * Embedded only: the whole data directory as a gzipped tar, taken with every other
   * statement and transaction held back, after a checkpoint, so the copy is consistent.
   */
  backup?(): Promise<Blob>;
  /** PostgreSQL only: the connection pool's state, for the metrics. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

// COUNT(*) and other int8 results: numbers, as PGlite already answers them.
pg.types.setTypeParser(20, (v) => Number(v));

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; 'memory://' for a throwaway in-memory database. */
  dataDir: string;
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPglite(opts.dataDir);
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = inMemory ? () => {} : lockDataDir(dataDir);
  const db = inMemory ? new PGlite() : new PGlite(dataDir);
  try {
    await db.waitReady;
    // A new database is unpacked with files mode 0666; learners' data is the owner's alone.
    if (!inMemory) secureDataDir(dataDir);
  } catch (err) {
    release();
    throw err;
  }
  const run: Queryable['query'] = async (sql, params) => (await db.query(sql, params ?? [])).rows as never;
  return {
    kind: 'pglite',
    location: inMemory ? 'memory' : dataDir,
    query: run,
    // PGlite runs one query at a time and its transaction() holds the instance until done,
    // so concurrent requests queue up here rather than interleave inside a transaction.
    transaction: (fn) => db.transaction((tx) => fn({ query: async (sql, params) => (await tx.query(sql, params ?? [])).rows as never })),
    exec: async (sql) => { await db.exec(sql); },
    close: async () => { await db.close(); release(); },
    // Inside a transaction nothing else runs; the dump waits only for the statement lock.
    backup: () => db.transaction(async (tx) => {
      await tx.query('CHECKPOINT');
      return db.dumpDataDir('gzip');
    }),
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const location = redactUrl(url);
  const run: Queryable['query'] = async (sql, params) => (await pool.query(sql, params as unknown[])).rows as never;
  await run('SELECT 1');
  return {
    kind: 'postgres',
    location,
    query: run,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: async (sql, params) => (await client.query(sql, params as unknown[])).rows as never });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => { await pool.query(sql); },
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
