import type { Command } from 'commander';
import { withDatabase } from './db.js';
import { examples, note, print } from './output.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Create the database if there is none, and apply the migrations not yet applied (every command also does this first)')
    .addHelpText('after', examples('learnfile migrate', 'learnfile --data-dir /var/lib/learnfile migrate'))
    .action(async (_opts: object, cmd: Command) =>
      withDatabase(
        cmd,
        async (db, { applied, total }) => {
          note(`database: ${db.kind === 'pglite' ? `embedded PGlite in ${db.location}` : `PostgreSQL at ${db.location}`}`);
          for (const file of applied) print(`applied ${file}`);
          print(applied.length > 0 ? `${applied.length} applied, ${total} in all` : `up to date (${total} in all)`);
        },
        { create: true },
      ),
    );
}
