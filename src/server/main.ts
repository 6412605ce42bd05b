import type { FastifyInstance } from 'fastify';
import { buildApp, API_PREFIX } from './app.js';
import { boundPort, loadConfig, localUrl, publicUrl, type Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { advertise } from './db/lock.js';
import { newToken } from './domain/secrets.js';
import { DEMO_TOKEN, demoTokenLive, isEmpty, seedDemo } from './demo/demo.js';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

export interface Running { app: FastifyInstance; db: Database; url: string; close(): Promise<void> }

/** Config -> database -> migrations -> (demo on an empty database) -> listen. */
export async function serve(config: Config = loadConfig()): Promise<Running> {
  const dataDir = resolve(config.DATA_DIR);
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL, dataDir,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
  });
  const migrations = await migrate(db);
  if (config.SEED_DEMO && (await isEmpty(db))) await seedDemo(db);
  // The embedded database needs one (the CLI cannot open it while we hold it); with
  // PostgreSQL the CLI opens the database itself, and the admin API is served only when
  // the operator sets OPERATOR_KEY.
  const operatorKey = config.OPERATOR_KEY ?? (db.kind === 'pglite' ? newToken() : undefined);
  const app = await buildApp({ db, config, ...(operatorKey ? { operatorKey } : {}) });
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    await app.close();
    await db.close();
    throw err;
  }
  const port = boundPort(app.server);
  const url = publicUrl(config, port);
  if (operatorKey) advertise(dataDir, localUrl(config, '127.0.0.1', port), operatorKey);
  const log = app.log;
  const demoLive = await demoTokenLive(db);
  // The start-up lines go out together, the migrations line last (tests and scripts wait for it).
  log.info(`learnfile is listening on ${url}${API_PREFIX}`);
  log.info(`API docs: ${url}/docs  (OpenAPI: ${url}${API_PREFIX}/openapi.json)`);
  log.info(db.kind === 'pglite'
    ? `database: embedded PGlite in ${db.location} (survives a killed process, not a power cut: PGlite does not fsync)`
    : `database: PostgreSQL at ${db.location}`);
  if (demoLive) log.info(`demo customer token (public, for trying things out): ${DEMO_TOKEN}`);
  log.info(`migrations: ${migrations.applied.length} applied now, ${migrations.total} in all`);
  let closed = false;
  return {
    app, db, url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await db.close();
    },
  };
}

/** Stops cleanly on Ctrl-C or a service manager's TERM, so PGlite closes its files. */
export function closeOnSignals(running: Running): void {
  const stop = async (signal: string) => {
    running.app.log.info(`${signal}: shutting down`);
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serve().then(closeOnSignals, (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
