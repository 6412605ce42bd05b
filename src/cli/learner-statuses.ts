import type { Command } from 'commander';
import { parseId, parseName } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, table } from './output.js';

export function registerLearnerStatuses(program: Command): void {
  const status = program
    .command('learner-status')
    .description('Add and list the learner statuses an organisation offers (Continuing, Withdrawn...)')
    .addHelpText('after', examples('learnfile learner-status add 4 "Break in learning"', 'learnfile learner-status list 4'));

  status
    .command('add')
    .description('Add a learner status to an organisation')
    .argument('<organisationId>', "the organisation's ID", parseId)
    .argument('<name>', 'the status as learners and staff see it', parseName)
    .addHelpText('after', examples('learnfile learner-status add 4 "Break in learning"'))
    .action(async (organisationId: number, name: string, _opts: object, cmd: Command) => {
      const { id } = await operate(cmd, 'learnerStatus.add', { organisationId, name });
      print(`Learner status ${id} added to organisation ${organisationId}: ${name}`);
    });

  status
    .command('list')
    .description("List an organisation's learner statuses")
    .argument('<organisationId>', "the organisation's ID", parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile learner-status list 4'))
    .action(async (organisationId: number, opts: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'learnerStatus.list', { organisationId });
      if (opts.json) {
        printJson(rows);
      } else if (rows.length === 0) {
        print(`Organisation ${organisationId} has no learner statuses. Add one with: learnfile learner-status add ${organisationId} <name>`);
      } else {
        print(
          table(
            ['ID', 'Name'],
            rows.map((s) => [s.id, s.name]),
          ),
        );
      }
    });
}
