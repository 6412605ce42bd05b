import { PGlite, parse as pgliteParse, protocol as pgliteProtocol } from '@electric-sql/pglite';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { lockDataDir } from './lock.js';
import { secureDataDir } from '../ops/data-dir.js';

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Only inside a transaction: runs fn after the transaction's own work, just before COMMIT
   * (in the order registered; a failure rolls everything back). Change events take their
   * sequence numbers here, so the lock that orders them is held for the shortest time.
   */
  beforeCommit?(fn: () => Promise<void>): void;
  /**
   * NOTIFY channel with payload once what this has written is committed: on the database at
   * once, in a transaction after its COMMIT (never after a rollback). Never waited for, and
   * never inside a write's own transaction: a NOTIFY there makes the server take one lock for
   * every committing transaction of the whole database (to queue the notification), held
   * until the commit is on disk, so every write would commit one at a time. Alike
   * announcements made while one is being sent are sent once more after it, not once each.
   */
  announce(channel: string, payload: string): void;
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
   * missed). onLost, when given, is called as soon as the listening connection is found
   * broken (notifications may be missed from then until the next onNotify(undefined)).
   * Answers the function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string | undefined) => void, onLost?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /**
   * Embedded only: the whole data directory as a gzipped tar, taken with every other
   * statement and transaction held back, after a checkpoint, so the copy is consistent.
   */
  backup?(): Promise<Blob>;
  /** PostgreSQL only: the connection pool's state, for the metrics. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

/**
 * For a write made by one statement outside a transaction (a checked create or update):
 * a deadlock or serialisation failure answers undefined, so that the caller writes again in
 * a transaction; anything else is thrown on.
 */
export function unlessLostRace(err: unknown): undefined {
  const code = (err as { code?: unknown }).code;
  if (code === '40P01' || code === '40001') return undefined;
  throw err;
}

/**
 * Runs a transaction body, then its before-commit steps, on one connection's queryable.
 * Answers the body's result and the announcements it made, which the caller sends once it
 * has committed (announceAll).
 */
async function runTransaction<T>(query: Queryable['query'], fn: (tx: Queryable) => Promise<T>): Promise<{ result: T; announcements: [string, string][] }> {
  const steps: (() => Promise<void>)[] = [];
  const announcements: [string, string][] = [];
  const result = await fn({
    query,
    beforeCommit: (step) => {
      steps.push(step);
    },
    announce: (channel, payload) => {
      announcements.push([channel, payload]);
    },
  });
  // A step may register another (it runs after the ones before it).
  for (let i = 0; i < steps.length; i++) await steps[i]!();
  return { result, announcements };
}

/** After COMMIT: sends what the transaction announced, and answers its result. */
function announceAll<T>(announce: Queryable['announce'], done: { result: T; announcements: [string, string][] }): T {
  for (const [channel, payload] of done.announcements) announce(channel, payload);
  return done.result;
}

/**
 * Queryable.announce over a function that sends one NOTIFY: sends are not awaited by the
 * caller, and while one for a channel and payload is on its way, more alike are folded into
 * one more send after it (which still follows every commit that asked for it). A send that
 * fails is dropped: listeners re-read after their connection comes back (Database.listen).
 */
function announcer(send: (channel: string, payload: string) => Promise<unknown>): Queryable['announce'] {
  // For each channel and payload being sent: whether another send was asked for meanwhile.
  const sending = new Map<string, { again: boolean }>();
  return (channel, payload) => {
    const key = `${channel}\u0000${payload}`;
    const current = sending.get(key);
    if (current) {
      current.again = true;
      return;
    }
    const state = { again: false };
    sending.set(key, state);
    const go = (): void => {
      send(channel, payload)
        .catch(() => {})
        .finally(() => {
          if (!state.again) {
            sending.delete(key);
            return;
          }
          state.again = false;
          go();
        });
    };
    go();
  };
}

const NOTIFY_SQL = 'SELECT pg_notify($1, $2)';

// COUNT(*) and other int8 results: numbers, as PGlite already answers them.
pg.types.setTypeParser(20, (v) => Number(v));

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; 'memory://' for a throwaway in-memory database. */
  dataDir: string;
  /**
   * In-memory PGlite only: start from this dump (`backup()`'s format) rather than an empty
   * cluster. The tests start every file from one migrated template this way, skipping initdb.
   */
  loadDataDir?: Blob;
  poolSize?: number;
  /** PostgreSQL: the longest one statement may run (DB_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /** PostgreSQL: the longest a new connection, or a wait for a free one, may take (DB_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

/**
 * The database cannot be reached or did not answer in time: a connection ended by the server
 * (restart, failover, pg_terminate_backend), a refused or timed-out connection, a statement
 * past its timeout. Answered as 503 (-503): the change was rolled back (or, if the connection
 * broke during COMMIT, its fate is unknown), and a retry may work.
 */
export class DatabaseUnavailable extends Error {
  constructor(
    readonly reason: 'unreachable' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(reason === 'timeout' ? 'The database did not answer in time.' : 'The database cannot be reached.', options);
    this.name = 'DatabaseUnavailable';
  }
}

// SQLSTATEs that say "the connection or the server went away", not "this statement is wrong".
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const NETWORK_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'is not queryable',
  'Client was closed',
  'Cannot use a pool after calling end',
];

/** The error to throw for `err`: DatabaseUnavailable when the fault is the connection's, else `err` itself. */
export function classifyDbError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailable || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (code === '57014') return new DatabaseUnavailable('timeout', { cause: err });
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || NETWORK_CODES.has(code))) {
    return new DatabaseUnavailable('unreachable', { cause: err });
  }
  if (err.message.includes('Query read timeout') || err.message.includes('timeout exceeded')) return new DatabaseUnavailable('timeout', { cause: err });
  if (NETWORK_MESSAGES.some((m) => err.message.includes(m))) return new DatabaseUnavailable('unreachable', { cause: err });
  return err;
}

async function guarded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw classifyDbError(err);
  }
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10, opts.statementTimeoutMs ?? 30_000, opts.connectTimeoutMs ?? 5_000)
    : openPglite(opts.dataDir, opts.loadDataDir);
}

async function openPglite(dataDir: string, loadDataDir?: Blob): Promise<Database> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = inMemory ? () => {} : lockDataDir(dataDir);
  const db = inMemory ? new PGlite(loadDataDir ? { loadDataDir } : {}) : new PGlite(dataDir);
  try {
    await db.waitReady;
    // A new database is unpacked with files mode 0666; learners' data is the owner's alone.
    if (!inMemory) secureDataDir(dataDir);
  } catch (err) {
    release();
    throw err;
  }
  const statements = new PgliteStatements(db);
  const announce = announcer((channel, payload) => (db.closed ? Promise.resolve() : statements.run(NOTIFY_SQL, [channel, payload], false)));
  return {
    kind: 'pglite',
    location: inMemory ? 'memory' : dataDir,
    query: (sql, params) => statements.run(sql, params ?? [], false) as never,
    announce,
    // PGlite runs one query at a time and its transaction() holds the instance until done,
    // so concurrent requests queue up here rather than interleave inside a transaction.
    // Its transaction() commits when the callback resolves: the announcements wait for that.
    transaction: async (fn) =>
      announceAll(announce, await db.transaction(() => runTransaction((sql, params) => statements.run(sql, params ?? [], true) as never, fn))),
    exec: async (sql) => {
      await db.exec(sql);
    },
    // In-process: the listener cannot lose its connection, so onLost is never called.
    listen: async (channel, onNotify) => {
      const stop = await db.listen(channel, (payload) => onNotify(payload));
      return async () => {
        if (!db.closed) await stop();
      };
    },
    close: async () => {
      await db.close();
      release();
    },
    // Inside a transaction nothing else runs; the dump waits only for the statement lock.
    backup: () =>
      db.transaction(async (tx) => {
        await tx.query('CHECKPOINT');
        return db.dumpDataDir('gzip');
      }),
  };
}

const { serialize } = pgliteProtocol;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * PGlite's query() parses and plans every statement anew and makes six calls into the engine
 * for it (Parse, Describe, Bind, Describe, Execute, Sync, each awaited). Here each statement
 * text is prepared once, as a named statement, and later runs are one call (Bind, Describe,
 * Execute, Sync) on the saved statement: three to eight times faster per statement, which is
 * most of a write's time on the embedded engine. Parameters are converted and rows parsed by
 * PGlite's own serializers and parsers, exactly as its query() does. The mutexes are PGlite's
 * too: outside a transaction a statement waits for any transaction (as query() does); inside
 * one it runs under the transaction PGlite's transaction() holds. At most `max` statements are
 * kept; the least recently used is closed when a new one needs its place.
 */
class PgliteStatements {
  private readonly saved = new Map<string, { name: string; types: number[] }>();
  private counter = 0;

  constructor(
    private readonly db: PGlite,
    private readonly max = 300,
  ) {}

  run(sql: string, params: unknown[], inTransaction: boolean): Promise<unknown[]> {
    const work = () => this.db._runExclusiveQuery(() => this.execute(sql, params, !inTransaction));
    return inTransaction ? work() : this.db._checkReady().then(() => this.db._runExclusiveTransaction(work));
  }

  private async execute(sql: string, params: unknown[], syncToFs: boolean): Promise<unknown[]> {
    const statement = await this.prepare(sql);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.db.serializers[statement.types[i]!];
      return serializer ? serializer(value) : String(value);
    });
    try {
      const result = await this.db.execProtocol(
        concat([
          serialize.bind({ statement: statement.name, values: values as (string | null)[] }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs },
      );
      return pgliteParse.parseResults(result.messages, this.db.parsers)[0]?.rows ?? [];
    } catch (err) {
      // A table changed under a saved statement (not in normal running): prepare it afresh next time.
      if ((err as { code?: string }).code === '0A000') this.saved.delete(sql);
      throw err;
    }
  }

  private async prepare(sql: string): Promise<{ name: string; types: number[] }> {
    const known = this.saved.get(sql);
    if (known) {
      // Most recently used last: Map keeps insertion order.
      this.saved.delete(sql);
      this.saved.set(sql, known);
      return known;
    }
    const messages: Uint8Array[] = [];
    if (this.saved.size >= this.max) {
      const [oldest, { name }] = this.saved.entries().next().value as [string, { name: string }];
      this.saved.delete(oldest);
      messages.push(serialize.close({ type: 'S', name }));
    }
    const name = `learnfile_${++this.counter}`;
    messages.push(serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync());
    const result = await this.db.execProtocol(concat(messages), { syncToFs: false });
    const statement = { name, types: pgliteParse.parseDescribeStatementResults(result.messages) };
    this.saved.set(sql, statement);
    return statement;
  }
}

/** How many distinct statement texts are prepared by name on each connection (the rest are parsed each time). */
const NAMED_STATEMENTS = 400;

/**
 * Statements by name: each connection parses and plans a statement text the first time it
 * runs it and reuses that from then on (PostgreSQL keeps it until the connection closes), so
 * a write's several statements are not each parsed and planned again on every request.
 * Statement texts are built from fixed parts, but a few vary with the fields a body names,
 * so only the first NAMED_STATEMENTS distinct texts are named; later ones run unnamed.
 */
function preparedStatements(): (sql: string, params?: unknown[]) => pg.QueryConfig {
  const names = new Map<string, string>();
  return (text, params) => {
    let name = names.get(text);
    if (name === undefined && names.size < NAMED_STATEMENTS && params !== undefined) {
      name = `learnfile_${names.size + 1}`;
      names.set(text, name);
    }
    return name === undefined ? { text, values: params as unknown[] } : { name, text, values: params as unknown[] };
  };
}

async function openPostgres(url: string, max: number, statementTimeoutMs: number, connectTimeoutMs: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // Nothing may hang past these: a new connection (or a wait for a free one), a statement on
    // the server, and, for a network that silently drops packets, the wait for any answer.
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    keepAlive: true,
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const location = redactUrl(url);
  const statement = preparedStatements();
  const run: Queryable['query'] = async (sql, params) => (await guarded(pool.query(statement(sql, params)))).rows as never;
  await run('SELECT 1');
  let closed = false;
  const announce = announcer((channel, payload) => (closed ? Promise.resolve() : run(NOTIFY_SQL, [channel, payload])));
  return {
    kind: 'postgres',
    location,
    query: run,
    announce,
    async transaction(fn) {
      const client = await guarded(pool.connect());
      // A client checked out of the pool has no error listener of the pool's: without this one,
      // a connection ended by the server mid-transaction is an unhandled 'error' event, which
      // ends the process. The failure reaches the caller through the query that was running.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      const q = async (sql: string, params?: unknown[]) => (await guarded(client.query(statement(sql, params)))).rows;
      try {
        await q('BEGIN');
        const done = await runTransaction(async (sql, params) => (await q(sql, params)) as never, fn);
        await q('COMMIT');
        return announceAll(announce, done);
      } catch (err) {
        if (!broken && !(err instanceof DatabaseUnavailable)) await client.query('ROLLBACK').catch(() => {});
        if (err instanceof DatabaseUnavailable) broken ??= err;
        throw err;
      } finally {
        client.off('error', onError);
        // A broken connection is destroyed rather than handed to the next request.
        client.release(broken);
      }
    },
    exec: async (sql) => {
      await guarded(pool.query(sql));
    },
    listen: (channel, onNotify, onLost) => listenPostgres(url, channel, onNotify, onLost),
    close: () => {
      closed = true;
      return pool.end();
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** How often a listening connection proves it still reaches the server, and how long the proof may take. */
export const LISTEN_HEARTBEAT_MS = 5_000;
const LISTEN_HEARTBEAT_TIMEOUT_MS = 5_000;

/**
 * LISTEN needs a connection of its own, outside the pool, for as long as anyone listens.
 * A lost connection is reported at once (onLost) and re-opened after a second; listeners
 * are then told "maybe missed". A connection the server dropped while the network was cut
 * looks idle, not broken, until something is sent on it: a heartbeat query every few
 * seconds finds it (a session cache must never trust a deaf listener for long).
 */
async function listenPostgres(
  url: string,
  channel: string,
  onNotify: (payload: string | undefined) => void,
  onLost?: () => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const dead = new WeakSet<pg.Client>();
  const lose = (c: pg.Client) => {
    if (dead.has(c)) return;
    dead.add(c);
    if (stopped || client !== c) return;
    client = undefined;
    if (heartbeat) clearInterval(heartbeat);
    onLost?.();
    // Ending the socket ourselves makes sure no late notification arrives after onLost.
    c.end().catch(() => {});
    reconnectSoon();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: url,
      keepAlive: true,
      query_timeout: LISTEN_HEARTBEAT_TIMEOUT_MS,
      // Named, so an operator (or a test) can tell it apart in pg_stat_activity.
      application_name: `learnfile listen ${channel}`,
    });
    c.on('notification', (m) => {
      if (m.channel === channel && !dead.has(c) && !stopped) onNotify(m.payload);
    });
    c.on('error', () => lose(c));
    c.on('end', () => lose(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    heartbeat = setInterval(() => {
      c.query('SELECT 1').catch(() => lose(c));
    }, LISTEN_HEARTBEAT_MS);
    heartbeat.unref();
  };
  const reconnectSoon = () => {
    retry = setTimeout(() => {
      connect().then(
        () => {
          if (!stopped) onNotify(undefined);
        },
        () => {
          if (!stopped) reconnectSoon();
        },
      );
    }, 1000);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (heartbeat) clearInterval(heartbeat);
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
