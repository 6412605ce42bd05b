import { InvalidArgumentError, type Command } from 'commander';
import { parseId, parseName } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, table } from './output.js';

/** Dates stay strings here: the service checks them and names the field that is wrong. */
const parseDate = (value: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) throw new InvalidArgumentError('Expected an ISO date or date-time, e.g. 2026-09-01 or 2026-09-01T09:00:00Z.');
  return value;
};

/** Plans, timesheet entries and visit types: what people write in the portfolio, recorded by the operator. */
export function registerJourney(program: Command): void {
  const plan = program
    .command('plan')
    .description("Record learners' assessment plans (read by integrations through POST /Plan/Search and GET /Plan/{id})")
    .addHelpText('after', examples('learnfile plan add 1 12 "Unit 3 observation" --on 2026-10-05 --assessor 4'));

  plan
    .command('add')
    .description('Record an assessment plan for a learner of a customer')
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<learnerId>', "the learner's user ID", parseId)
    .argument('<title>', 'what the plan is for', parseName)
    .requiredOption('--on <date>', 'when the planned assessment takes place', parseDate)
    .option('--assessor <userId>', "an Assessor/Tutor of the learner's organisation", parseId)
    .option('--details <text>', 'what will be assessed and how')
    .option('--json', 'print JSON instead of a sentence')
    .addHelpText('after', examples('learnfile plan add 1 12 "Unit 3 observation" --on 2026-10-05 --assessor 4 --details "Observe a customer call"'))
    .action(
      async (customerId: number, learnerId: number, title: string, opts: { on: string; assessor?: number; details?: string; json?: boolean }, cmd: Command) => {
        const created = await operate(cmd, 'plan.add', {
          customerId,
          learnerId,
          title,
          planOn: opts.on,
          assessorId: opts.assessor,
          details: opts.details,
          actor: 'operator:cli',
        });
        if (opts.json) printJson(created);
        else print(`Plan ${created.ID} recorded for learner ${learnerId}: ${created.Title} on ${created.PlanOn}`);
      },
    );

  const timesheet = program
    .command('timesheet')
    .description("Record learners' timesheet entries (read through GET /Timesheet/Learner/{id}; off-the-job ones count in GET /User/{id}/offthejob)")
    .addHelpText(
      'after',
      examples('learnfile timesheet add 1 12 --from 2026-10-05T09:00:00Z --to 2026-10-05T15:00:00Z --category "Training course" --off-the-job'),
    );

  timesheet
    .command('add')
    .description('Record a timesheet entry for a learner of a customer')
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<learnerId>', "the learner's user ID", parseId)
    .requiredOption('--from <dateTime>', 'when the activity started', parseDate)
    .requiredOption('--to <dateTime>', 'when it ended (after --from)', parseDate)
    .requiredOption('--category <name>', 'the timesheet category, e.g. "Training course", "Shadowing"', parseName)
    .option('--off-the-job', "the activity is off-the-job training (counts towards the learner's OTJ hours)")
    .option('--comments <text>', 'a note on the activity')
    .option('--json', 'print JSON instead of a sentence')
    .addHelpText(
      'after',
      examples(
        'learnfile timesheet add 1 12 --from 2026-10-05T09:00:00Z --to 2026-10-05T15:00:00Z --category "Training course" --off-the-job',
        'learnfile timesheet add 1 12 --from 2026-10-06T09:00:00Z --to 2026-10-06T17:00:00Z --category Work',
      ),
    )
    .action(
      async (
        customerId: number,
        learnerId: number,
        opts: { from: string; to: string; category: string; offTheJob?: boolean; comments?: string; json?: boolean },
        cmd: Command,
      ) => {
        const created = await operate(cmd, 'timesheet.add', {
          customerId,
          learnerId,
          category: opts.category,
          from: opts.from,
          to: opts.to,
          offTheJob: opts.offTheJob ?? false,
          comments: opts.comments,
          actor: 'operator:cli',
        });
        if (opts.json) printJson(created);
        else
          print(
            `Timesheet entry ${created.ID} recorded for learner ${learnerId}: ${created.Hours} h of ${created.TimesheetCategory}${created.IsOffTheJob ? ' (off the job)' : ''}`,
          );
      },
    );

  const visitType = program
    .command('visit-type')
    .description('Add and list the visit types an organisation offers (1 Face-to-face, 2 Remote session, 3 Workplace visit are built in)')
    .addHelpText('after', examples('learnfile visit-type add 4 "Exam practice"', 'learnfile visit-type list 4'));

  visitType
    .command('add')
    .description("Add an organisation's own visit type")
    .argument('<organisationId>', "the organisation's ID", parseId)
    .argument('<name>', 'the visit type as staff see it', parseName)
    .addHelpText('after', examples('learnfile visit-type add 4 "Exam practice"'))
    .action(async (organisationId: number, name: string, _opts: object, cmd: Command) => {
      const { id } = await operate(cmd, 'visitType.add', { organisationId, name, actor: 'operator:cli' });
      print(`Visit type ${id} added to organisation ${organisationId}: ${name}`);
    });

  visitType
    .command('list')
    .description("List an organisation's visit types")
    .argument('<organisationId>', "the organisation's ID", parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile visit-type list 4'))
    .action(async (organisationId: number, opts: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'visitType.list', { organisationId });
      if (opts.json) printJson(rows);
      else
        print(
          table(
            ['ID', 'Name', 'Built in'],
            rows.map((t) => [t.id, t.name, t.builtIn ? 'yes' : 'no']),
          ),
        );
    });
}
