import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp, API_PREFIX, loggerOptions } from './app.js';
import { boundPort, ConfigError, loadConfig, localUrl, publicUrl, type Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { advertise } from './db/lock.js';
import { newToken } from './domain/secrets.js';
import { DEMO_TOKEN, demoTokenLive, isEmpty, seedDemo } from './demo/demo.js';
import { describeSecured, secureDataDir } from './ops/data-dir.js';
import { loadEnvFile } from './ops/env-file.js';
import { ensurePortFree, openPostgresWaiting } from './ops/startup.js';
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Running {
  app: FastifyInstance;
  db: Database;
  url: string;
  close(): Promise<void>;
}

/**
 * Config -> port check -> database (waiting for PostgreSQL) -> migrations -> (demo on an
 * empty database) -> listen. Nothing is written before the port is known to be free.
 */
export async function serve(config: Config = loadConfig()): Promise<Running> {
  const log = pino(loggerOptions(config));
  await ensurePortFree(config.HOST, config.PORT);
  const dataDir = resolve(config.DATA_DIR);
  let db: Database;
  if (config.DATABASE_URL) {
    db = await openPostgresWaiting({
      databaseUrl: config.DATABASE_URL,
      waitSeconds: config.DATABASE_WAIT_SECONDS,
      log,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    });
  } else {
    const secured = describeSecured(dataDir, secureDataDir(dataDir));
    if (secured) log[secured.level](secured.text);
    db = await openDatabase({ dataDir });
  }
  let app: FastifyInstance | undefined;
  try {
    const migrations = await migrate(db);
    if (config.SEED_DEMO && (await isEmpty(db))) await seedDemo(db);
    // The embedded database needs one (the CLI cannot open it while we hold it); with
    // PostgreSQL the CLI opens the database itself, and the admin API is served only when
    // the operator sets OPERATOR_KEY.
    const operatorKey = config.OPERATOR_KEY ?? (db.kind === 'pglite' ? newToken() : undefined);
    app = await buildApp({ db, config, loggerInstance: log, ...(operatorKey ? { operatorKey } : {}) });
    await app.listen({ port: config.PORT, host: config.HOST });
    const port = boundPort(app.server);
    const url = publicUrl(config, port);
    if (operatorKey && db.kind === 'pglite') advertise(dataDir, localUrl(config, '127.0.0.1', port), operatorKey);
    const demoLive = await demoTokenLive(db);
    log.info(`learnfile is listening on ${url}${API_PREFIX}`);
    log.info(`API docs: ${url}/docs  (OpenAPI: ${url}${API_PREFIX}/openapi.json)`);
    log.info(
      db.kind === 'pglite'
        ? `database: embedded PGlite in ${db.location} (survives a killed process, not a power cut: PGlite does not fsync)`
        : `database: PostgreSQL at ${db.location}`,
    );
    if (config.METRICS_TOKEN) log.info(`metrics: ${url}/metrics (bearer METRICS_TOKEN)`);
    if (demoLive) log.info(`demo customer token (public, for trying things out): ${DEMO_TOKEN}`);
    // Last, so that scripts and tests can wait for it: every start-up line is out by then.
    log.info(`migrations: ${migrations.applied.length} applied now, ${migrations.total} in all`);
  } catch (err) {
    await app?.close();
    await db.close();
    throw err;
  }
  const started = app;
  const database = db;
  let closing: Promise<void> | undefined;
  return {
    app: started,
    db: database,
    url: publicUrl(config, boundPort(started.server)),
    close() {
      closing ??= (async () => {
        // Requests under way may finish; after the grace period their connections are cut.
        const force = setTimeout(() => {
          log.warn(`requests still running after ${config.SHUTDOWN_GRACE_MS} ms: closing their connections`);
          started.server.closeAllConnections();
        }, config.SHUTDOWN_GRACE_MS);
        force.unref();
        try {
          await started.close(); // stops listening, drains requests, stops the mail sender and the rate limiter's writer
        } finally {
          clearTimeout(force);
          await database.close(); // and releases the embedded data directory
        }
      })();
      return closing;
    },
  };
}

/**
 * Stops cleanly on Ctrl-C or a service manager's TERM: no new connections, requests under
 * way finish, background work stops, the database closes, exit 0. A second signal while
 * stopping exits at once (1).
 */
export function closeOnSignals(running: Running): void {
  const log = running.app.log;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: stopping (waiting for requests under way)`);
    running.close().then(
      () => {
        log.info('stopped');
        // pino writes asynchronously to pipes; let the last lines out before exiting.
        (log as { flush?: () => void }).flush?.();
        process.exitCode = 0;
        setImmediate(() => process.exit(0));
      },
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Whether this module is the program itself (also when started through a symlink, as npx does). */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const env = loadEnvFile();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    process.exit(1);
  }
  if (env && env.keys.length > 0) console.error(`learnfile: read ${env.keys.join(', ')} from ${env.file}`);
  serve(config).then(closeOnSignals, (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
