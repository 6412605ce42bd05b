import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../server/config.js';
import type { Database } from '../server/db/client.js';
import type { MigrationResult } from '../server/db/migrate.js';
import { DataDirBusy, lockHolder } from '../server/db/lock.js';
import { holdsDatabase, secureDataDir } from '../server/ops/data-dir.js';
import { CliError } from './args.js';
import { cliEnv, givenDatabase } from './output.js';

/*
 * The configuration schema and the database drivers are loaded on first use, not at start:
 * together they take longer to load than the rest of the CLI, and `--help` or a mistyped
 * argument should answer at once.
 */

export interface GlobalOptions {
  dataDir?: string;
  databaseUrl?: string;
}

/**
 * The environment with the global flags laid over it. `--data-dir` alone means the embedded
 * database even when DATABASE_URL is exported: naming a directory on the command line is
 * the more deliberate choice.
 */
export async function cliConfig(cmd: Command, overrides: Record<string, string | undefined> = {}): Promise<Config> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  if (globals.dataDir !== undefined && globals.databaseUrl !== undefined) {
    throw new CliError('give --data-dir or --database-url, not both');
  }
  const env: Record<string, string | undefined> = { ...cliEnv() };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) env[key] = value;
  if (globals.databaseUrl !== undefined) env.DATABASE_URL = globals.databaseUrl;
  if (globals.dataDir !== undefined) {
    env.DATA_DIR = globals.dataDir;
    env.DATABASE_URL = undefined;
  }
  const { loadConfig } = await import('../server/config.js');
  try {
    return loadConfig(env);
  } catch (err) {
    const { ConfigError } = await import('../server/config.js');
    // One line per bad variable reads best; the CLI's errors are otherwise one line.
    if (err instanceof ConfigError) throw new CliError(`bad configuration: ${err.problems.join('; ')}`);
    throw new CliError((err as Error).message.replace(/^learnfile: /, ''));
  }
}

export interface OpenHow {
  /**
   * Whether an embedded database may be created where none is. Only `migrate` (and the
   * server) create one: any other command run from the wrong folder would otherwise make a
   * new, empty database there and answer as if it were the real one.
   */
  create?: boolean;
}

/** Opens the configured database, brings its schema up to date, runs fn, and always closes it. */
export async function withDatabase<T>(cmd: Command, fn: (db: Database, migrations: MigrationResult) => Promise<T>, how: OpenHow = {}): Promise<T> {
  const config = await cliConfig(cmd);
  const { migrate } = await import('../server/db/migrate.js');
  const given = givenDatabase();
  if (given) return fn(given, await migrate(given));
  const db = await open(config, how);
  try {
    return await fn(db, await migrate(db));
  } finally {
    await db.close();
  }
}

/** Refuses an embedded directory that is not (yet) a database, unless creating is allowed; makes it owner-only. */
export function checkDataDir(config: Config, how: OpenHow = {}): void {
  if (config.DATABASE_URL) return;
  const dir = resolve(config.DATA_DIR);
  const holder = lockHolder(dir);
  if (holder) throw new CliError(new DataDirBusy(dir, holder).message);
  if (!holdsDatabase(dir)) {
    if (!how.create) {
      throw new CliError(
        `there is no learnfile database in ${dir}: point at yours with --data-dir or DATA_DIR, or create one with \`learnfile --data-dir ${dir} migrate\``,
      );
    }
  }
  secureDataDir(dir);
}

async function open(config: Config, how: OpenHow): Promise<Database> {
  const { openDatabase, redactUrl } = await import('../server/db/client.js');
  const where = config.DATABASE_URL ? `PostgreSQL at ${redactUrl(config.DATABASE_URL)}` : `the embedded database in ${resolve(config.DATA_DIR)}`;
  checkDataDir(config, how);
  try {
    // A command runs its statements one after another; two connections leave room for a
    // statement issued outside an open transaction without waiting on it.
    return await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: resolve(config.DATA_DIR),
      poolSize: 2,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    if (err instanceof DataDirBusy) throw new CliError(err.message);
    throw new CliError(`cannot open ${where}: ${describe(err)}`);
  }
}

/** pg reports a refused connection as an AggregateError with an empty message but a code. */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return e.message || e.code || String(err);
}
