import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../server/config.js';
import { lockHolder } from '../server/db/lock.js';
import { holdsDatabase, secureDataDir } from '../server/ops/data-dir.js';
import { CliError } from './args.js';
import { checkDataDir, cliConfig } from './db.js';
import { examples, note, print } from './output.js';

const PG_DUMP_HINT = 'for PostgreSQL use pg_dump and pg_restore (README, "Backups")';

function embeddedOnly(config: Config, what: string): string {
  if (config.DATABASE_URL) throw new CliError(`learnfile ${what} works on the embedded database only; ${PG_DUMP_HINT}`);
  return resolve(config.DATA_DIR);
}

/** Writes the file owner-only, through a temporary name, so a failed backup never leaves half a file under the real name. */
function writePrivate(file: string, bytes: Buffer): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.part`);
  writeFileSync(temp, bytes, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Copy the embedded database to one file (consistent; works while the server runs)')
    .argument('<file>', 'where to write the backup (a gzipped tar of the data directory)')
    .option('--force', 'overwrite the file if it exists')
    .addHelpText('after', examples('learnfile backup learnfile-$(date +%F).tar.gz', 'learnfile --data-dir /var/lib/learnfile backup /backups/learnfile.tar.gz'))
    .action(async (fileArg: string, opts: { force?: boolean }, cmd: Command) => {
      const config = await cliConfig(cmd);
      const dir = embeddedOnly(config, 'backup');
      const file = resolve(fileArg);
      if (existsSync(file) && !opts.force) throw new CliError(`${file} exists; choose another name or add --force to overwrite it`);
      const holder = lockHolder(dir);
      let bytes: Buffer;
      if (holder) {
        // Only the process holding the directory can copy it consistently: ask it.
        if (!holder.url || !holder.operatorKey) throw new CliError(`the server (pid ${holder.pid}) holding ${dir} is still starting; try again in a moment`);
        let res: Response;
        try {
          res = await fetch(`${holder.url}/api/admin/backup`, { headers: { 'X-Operator-Key': holder.operatorKey } });
        } catch (err) {
          throw new CliError(`the server (pid ${holder.pid}) holds the database but does not answer at ${holder.url}: ${(err as Error).message}`);
        }
        if (!res.ok) throw new CliError(`the server (pid ${holder.pid}) refused the backup: HTTP ${res.status}`);
        bytes = Buffer.from(await res.arrayBuffer());
        note(`(taken by the running server, pid ${holder.pid})`);
      } else {
        checkDataDir(config);
        const { openDatabase } = await import('../server/db/client.js');
        const db = await openDatabase({ dataDir: dir });
        try {
          bytes = Buffer.from(await (await db.backup!()).arrayBuffer());
        } finally {
          await db.close();
        }
      }
      writePrivate(file, bytes);
      print(`backed up ${dir} to ${file} (${bytes.length} bytes)`);
    });

  program
    .command('restore')
    .description('Replace the embedded database with a backup (the server must be stopped)')
    .argument('<file>', 'a file written by `learnfile backup`')
    .option('--force', 'replace a database that is already there (it is kept beside it, renamed)')
    .addHelpText(
      'after',
      examples('learnfile restore learnfile-2026-09-01.tar.gz', 'learnfile --data-dir /var/lib/learnfile restore --force /backups/learnfile.tar.gz'),
    )
    .action(async (fileArg: string, opts: { force?: boolean }, cmd: Command) => {
      const config = await cliConfig(cmd);
      const dir = embeddedOnly(config, 'restore');
      const file = resolve(fileArg);
      if (!existsSync(file)) throw new CliError(`there is no backup file ${file}`);
      const holder = lockHolder(dir);
      if (holder) throw new CliError(`the server (pid ${holder.pid}) holds ${dir}; stop it before restoring, then start it again`);
      const existing = holdsDatabase(dir);
      if (existing && !opts.force) throw new CliError(`${dir} already holds a database; add --force to replace it (it is kept as ${dir}.replaced-<time>)`);

      // Unpacked and checked beside the target first: a bad file leaves the database as it was.
      mkdirSync(dirname(dir), { recursive: true });
      process.umask(0o077);
      const staging = mkdtempSync(`${dir}.restoring-`);
      try {
        const { PGlite } = await import('@electric-sql/pglite');
        const pglite = new PGlite(staging, { loadDataDir: new Blob([readFileSync(file)]) });
        try {
          await pglite.waitReady;
          const { appliedMigrationCount } = await import('../server/ops/ops.service.js');
          const migrations = await appliedMigrationCount({
            query: async (sql, params) => (await pglite.query(sql, params ?? [])).rows as never,
            // Only read here: nothing to announce.
            announce: () => {},
          });
          note(`backup holds a learnfile database with ${migrations} migrations applied`);
        } finally {
          await pglite.close();
        }
      } catch (err) {
        rmSync(staging, { recursive: true, force: true });
        throw new CliError(`${file} is not a learnfile backup that can be restored: ${(err as Error).message || String(err)}`);
      }
      let kept: string | undefined;
      if (existsSync(dir)) {
        kept = `${dir}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(dir, kept);
      }
      renameSync(staging, dir);
      secureDataDir(dir);
      print(`restored ${file} into ${dir}${kept ? `; the database that was there is in ${kept}` : ''}`);
    });
}
