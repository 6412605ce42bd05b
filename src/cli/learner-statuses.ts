import type { Command } from 'commander';
import { insertLearnerStatus, learnerStatuses } from '../server/resources/organisations/organisations.repository.js';
import { CliError, parseId, parseName } from './args.js';
import { withDatabase } from './db.js';
import { examples, print, printJson, table } from './output.js';
import { requireOrganisation } from './organisations.js';

export function registerLearnerStatuses(program: Command): void {
  const status = program.command('learner-status')
    .description('Add and list the learner statuses an organisation offers (Continuing, Withdrawn...)')
    .addHelpText('after', examples('learnfile learner-status add 4 "Break in learning"', 'learnfile learner-status list 4'));

  status.command('add')
    .description('Add a learner status to an organisation')
    .argument('<organisationId>', 'the organisation\'s ID', parseId)
    .argument('<name>', 'the status as learners and staff see it', parseName)
    .addHelpText('after', examples('learnfile learner-status add 4 "Break in learning"'))
    .action(async (organisationId: number, name: string, _opts: object, cmd: Command) => withDatabase(cmd, async (db) => {
      const id = await insertLearnerStatus(db, organisationId, name);
      if (id === undefined) throw new CliError(`no organisation with ID ${organisationId} (see: learnfile organisation list)`);
      print(`Learner status ${id} added to organisation ${organisationId}: ${name}`);
    }));

  status.command('list')
    .description('List an organisation\'s learner statuses')
    .argument('<organisationId>', 'the organisation\'s ID', parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile learner-status list 4'))
    .action(async (organisationId: number, opts: { json?: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      const org = await requireOrganisation(db, organisationId);
      const rows = await learnerStatuses(db, org.customer_id, organisationId);
      if (opts.json) {
        printJson(rows.map((s) => ({ id: s.ID, name: s.Name })));
      } else if (rows.length === 0) {
        print(`Organisation ${organisationId} has no learner statuses. Add one with: learnfile learner-status add ${organisationId} <name>`);
      } else {
        print(table(['ID', 'Name'], rows.map((s) => [s.ID, s.Name])));
      }
    }));
}
