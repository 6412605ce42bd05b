import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { OperationInput, OperationName, OperationResult } from '../server/resources/admin/admin.operations.js';
import type { Services } from '../server/resources/registry.js';
import { lockHolder } from '../server/db/lock.js';
import { CliError } from './args.js';
import { cliConfig, withDatabase } from './db.js';
import { givenDatabase, note } from './output.js';

/**
 * Runs one operator operation. While a server holds the embedded database only it may open
 * it, so the operation goes to that server's admin API (its address and a per-run key are in
 * its private lock file); otherwise it runs here, on the services the server itself uses.
 */
export async function operate<N extends OperationName>(cmd: Command, name: N, input: OperationInput<N>): Promise<OperationResult<N>> {
  return withOperator(cmd, (run) => run(name, input));
}

/** Runs one operation (see withOperator). */
export type RunOperation = <N extends OperationName>(name: N, input: OperationInput<N>) => Promise<OperationResult<N>>;

/**
 * Runs fn with a way to run operations on one open database (or one running server), for
 * work sent as many calls, such as a bulk import in chunks: the database is opened once,
 * not once per call.
 */
export async function withOperator<T>(cmd: Command, fn: (run: RunOperation) => Promise<T>): Promise<T> {
  const config = await cliConfig(cmd);
  if (!config.DATABASE_URL && !givenDatabase()) {
    const holder = lockHolder(resolve(config.DATA_DIR));
    if (holder) {
      if (!holder.url || !holder.operatorKey) {
        throw new CliError(
          `the embedded database in ${resolve(config.DATA_DIR)} is held by learnfile (pid ${holder.pid}), which is not listening yet; try again in a moment`,
        );
      }
      let told = false;
      return fn(async (name, input) => {
        const result = (await remote(holder as Required<typeof holder>, name, input)) as never;
        if (!told) {
          told = true;
          note(`(done by the running server, pid ${holder.pid})`);
        }
        return result;
      });
    }
  }
  const { runOperation } = await import('../server/resources/admin/admin.operations.js');
  const { AppError } = await import('../server/domain/app-error.js');
  return withServices(cmd, (services) =>
    fn(async (name, input) => {
      try {
        return (await runOperation(services, name, input)) as never;
      } catch (err) {
        if (err instanceof AppError) throw new CliError(explain(err.message, err.issues));
        throw err;
      }
    }),
  );
}

/** The server's services on the configured database, for work that is not an operation (serving, migrating). */
export async function withServices<T>(cmd: Command, fn: (services: Services) => Promise<T>): Promise<T> {
  const config = await cliConfig(cmd);
  const { createServices } = await import('../server/resources/registry.js');
  const { publicUrl } = await import('../server/config.js');
  return withDatabase(cmd, (db) =>
    fn(
      createServices({
        db,
        config,
        log: silent,
        publicUrl: () => publicUrl(config),
        mailQueued: () => {},
      }),
    ),
  );
}

async function remote(holder: { pid: number; url: string; operatorKey: string }, name: string, input: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${holder.url}/api/admin/ops/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'X-Operator-Key': holder.operatorKey, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
  } catch (err) {
    throw new CliError(`the server (pid ${holder.pid}) holds the database but does not answer at ${holder.url}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as { result?: unknown; message?: string; errors?: { field: string; message: string }[] } | undefined;
  if (!res.ok) throw new CliError(explain(body?.message ?? `the server (pid ${holder.pid}) refused the request: HTTP ${res.status}`, body?.errors ?? []));
  return body?.result;
}

/** Every field's problem on one line, so the operator can fix them all at once. */
const explain = (message: string, issues: { field: string; message: string }[]): string =>
  lowerFirst(issues.length > 1 ? issues.map((i) => `${i.field} ${i.message}`).join('; ') : message);

/** Messages are sentences on the wire; after "learnfile: " they read as a clause. */
const lowerFirst = (s: string): string => s.replace(/^([A-Z])(?=[a-z ])/, (c) => c.toLowerCase()).replace(/\.$/, '');

// Nothing here runs background work that would log; the limiter is built but never started.
const silent: FastifyBaseLogger = pino({ level: 'silent' });
