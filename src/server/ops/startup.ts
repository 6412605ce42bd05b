import { createServer } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { openDatabase, redactUrl, type Database } from '../db/client.js';

/**
 * Fails at once when the port is taken, before anything touches the database: a server that
 * cannot listen must not initialise (or seed) a data directory on its way to failing.
 * PORT=0 always succeeds, so it is not probed.
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `learnfile: port ${port} on ${host} is already in use by another program; stop it or choose another PORT`
            : `learnfile: cannot listen on ${host}:${port}: ${err.code ?? err.message}`,
        ),
      );
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Errors that mean "PostgreSQL is not up yet" rather than "this will never work". */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', '57P03', '53300']);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: string; errors?: { code?: string }[]; cause?: unknown; name?: string };
  // The database client reports an outage as DatabaseUnavailable, with the driver's error as its cause.
  if (e.name === 'DatabaseUnavailable' && e.cause) return codeOf(e.cause) ?? 'ECONNREFUSED';
  return e.code ?? e.errors?.[0]?.code;
}

export function describeDbError(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { message?: string }; name?: string };
  // An outage reported by the database client: the driver's own words say more.
  if (e.name === 'DatabaseUnavailable' && e.cause?.message) return e.cause.message;
  return e.message || codeOf(err) || String(err);
}

export interface WaitOptions {
  databaseUrl: string;
  waitSeconds: number;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  /** Injected in tests; real time otherwise. */
  sleep?: (ms: number) => Promise<void>;
  open?: typeof openDatabase;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/**
 * Opens PostgreSQL, waiting for it to accept connections for up to `waitSeconds` (a server
 * and its database started together, as by a container runtime, come up in either order).
 * Errors that waiting cannot fix (wrong password, no such database) fail at once.
 */
export async function openPostgresWaiting(opts: WaitOptions): Promise<Database> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const open = opts.open ?? openDatabase;
  const where = redactUrl(opts.databaseUrl);
  const deadline = Date.now() + opts.waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await open({
        databaseUrl: opts.databaseUrl,
        dataDir: '',
        statementTimeoutMs: opts.statementTimeoutMs,
        connectTimeoutMs: opts.connectTimeoutMs,
      });
    } catch (err) {
      const code = codeOf(err);
      const left = deadline - Date.now();
      if (!code || !TRANSIENT.has(code)) throw new Error(`learnfile: cannot use PostgreSQL at ${where}: ${describeDbError(err)}`);
      if (left <= 0) {
        throw new Error(
          `learnfile: PostgreSQL at ${where} did not accept connections within ${opts.waitSeconds} s (DATABASE_WAIT_SECONDS): ${describeDbError(err)}`,
        );
      }
      const delay = Math.min(2000, 250 * 2 ** Math.min(attempt - 1, 3), left);
      opts.log.warn(
        `waiting for PostgreSQL at ${where} to accept connections (attempt ${attempt}, ${describeDbError(err)}); giving up in ${Math.ceil(left / 1000)} s`,
      );
      await sleep(delay);
    }
  }
}
