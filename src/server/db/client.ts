import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { lockDataDir } from './lock.js';

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Only inside a transaction: runs fn after the transaction's own work, just before COMMIT
   * (in the order registered; a failure rolls everything back). Change events take their
   * sequence numbers here, so the lock that orders them is held for the shortest time.
   */
  beforeCommit?(fn: () => Promise<void>): void;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, for start-up logs (never includes a password). */
  readonly location: string;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Calls onNotify with the payload of each NOTIFY on channel once its transaction commits
   * (and with undefined after a lost connection is re-established: something may have been
   * missed). Answers the function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string | undefined) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Runs a transaction body, then its before-commit steps, on one connection's queryable. */
async function runTransaction<T>(query: Queryable['query'], fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const steps: (() => Promise<void>)[] = [];
  const result = await fn({ query, beforeCommit: (step) => { steps.push(step); } });
  // A step may register another (it runs after the ones before it).
  for (let i = 0; i < steps.length; i++) await steps[i]!();
  return result;
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
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const release = inMemory ? () => {} : lockDataDir(dataDir);
  const db = inMemory ? new PGlite() : new PGlite(dataDir);
  try {
    await db.waitReady;
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
    transaction: (fn) => db.transaction((tx) => runTransaction(async (sql, params) => (await tx.query(sql, params ?? [])).rows as never, fn)),
    exec: async (sql) => { await db.exec(sql); },
    listen: async (channel, onNotify) => {
      const stop = await db.listen(channel, (payload) => onNotify(payload));
      return async () => { if (!db.closed) await stop(); };
    },
    close: async () => { await db.close(); release(); },
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
        const result = await runTransaction(async (sql, params) => (await client.query(sql, params as unknown[])).rows as never, fn);
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
    listen: (channel, onNotify) => listenPostgres(url, channel, onNotify),
    close: () => pool.end(),
  };
}

/**
 * LISTEN needs a connection of its own, outside the pool, for as long as anyone listens.
 * A lost connection is re-opened after a second; listeners are then told "maybe missed".
 */
async function listenPostgres(url: string, channel: string, onNotify: (payload: string | undefined) => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (m) => { if (m.channel === channel) onNotify(m.payload); });
    c.on('error', () => {});
    c.on('end', () => { if (!stopped && client === c) { client = undefined; reconnectSoon(); } });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    if (stopped) { await c.end().catch(() => {}); return; }
    client = c;
  };
  const reconnectSoon = () => {
    retry = setTimeout(() => { connect().then(() => onNotify(undefined), () => { if (!stopped) reconnectSoon(); }); }, 1000);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const c = client;
    client = undefined;
    await c?.end().catch(() => {});
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
