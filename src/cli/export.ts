/**
 * `learnfile export users|classes|placements|learning-aims`: rows from a v2.1 server as CSV
 * or JSON Lines, read from the unpaged (streaming) search so memory stays flat whatever the size.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import type { ApiClient } from '../../packages/client/src/index.js';
import { CliError } from './args.js';
import { csvLine } from './csv.js';
import { resolveOrganisation, parseRole } from './import.js';
import { examples, note } from './output.js';
import { addRemoteOptions, parseConcurrency, progress, remoteClient, type RemoteOptions } from './remote.js';

export const EXPORTS = {
  users: { path: '/User/Search', record: '/User/{id}' },
  classes: { path: '/Classroom/Search', record: '/Classroom/{id}' },
  placements: { path: '/Placement/Search', record: '/Placement/{id}' },
  'learning-aims': { path: '/LearningAim/Search', record: '/LearningAim/{id}' },
} as const;
export type ExportKind = keyof typeof EXPORTS;

export interface ExportOptions extends RemoteOptions {
  organisation?: string;
  format?: 'csv' | 'jsonl';
  output?: string;
  role?: string;
  full?: boolean;
  concurrency?: number;
  quiet?: boolean;
}

/**
 * The learning aims of one organisation. LearningAim/Search has no organisation filter, so
 * the organisation's learners (archived ones too, as the unfiltered export has them) are
 * listed first, IDs only, and the customer's aims are streamed and kept when their learner is
 * one of them: two calls whatever the size, where a search per learner would be one each.
 */
async function* aimsOfOrganisation(client: ApiClient, organisationId: number): AsyncGenerator<Record<string, unknown>> {
  const learners = new Set<number>();
  for (const Archived of [false, true]) {
    for await (const u of client.download('/User/Search', { OrganisationID: organisationId, Role: 1, Archived })) learners.add(u.ID);
  }
  for await (const aim of client.download('/LearningAim/Search', {})) if (learners.has(aim.UserID)) yield aim;
}

/** Writes every row to `out`; answers how many. */
export async function exportRows(client: ApiClient, kind: ExportKind, opts: ExportOptions, out: NodeJS.WritableStream): Promise<number> {
  const filter: Record<string, unknown> = {};
  const organisationId = opts.organisation === undefined ? undefined : await resolveOrganisation(client, opts.organisation);
  if (organisationId !== undefined && kind !== 'learning-aims') filter.OrganisationID = organisationId;
  if (opts.role !== undefined) {
    if (kind !== 'users') throw new CliError('--role applies to users only');
    const role = parseRole(opts.role);
    if (role === undefined) throw new CliError(`--role "${opts.role}" is not one of 1, 4, 5, 10, 40, 45 or their names`);
    filter.Role = role;
  }
  const { path, record } = EXPORTS[kind];
  const bar = progress(`export ${kind}`, undefined, { quiet: opts.quiet });
  const format = opts.format ?? 'csv';
  let columns: string[] | undefined;
  let dropped = false;
  let count = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const emit = async (row: Record<string, unknown>) => {
    if (format === 'jsonl') {
      await write(`${JSON.stringify(row)}\n`);
    } else {
      if (!columns) {
        columns = Object.keys(row);
        await write(csvLine(columns));
      }
      if (!dropped && Object.keys(row).some((k) => !columns!.includes(k))) {
        dropped = true;
        note(
          `export: some rows carry fields the first row did not (${Object.keys(row)
            .filter((k) => !columns!.includes(k))
            .join(', ')}); CSV keeps the first row's columns, JSON Lines keeps everything`,
        );
      }
      await write(csvLine(columns.map((c) => row[c])));
    }
    count++;
    bar.tick();
  };

  const rows =
    kind === 'learning-aims' && organisationId !== undefined
      ? aimsOfOrganisation(client, organisationId)
      : (client.download(path, filter as never) as AsyncIterable<Record<string, unknown>>);
  if (!opts.full) {
    for await (const row of rows) await emit(row);
  } else {
    // The search answers summaries; the whole record is one GET each, a few in flight at once,
    // written in the search's order.
    const inFlight: Promise<Record<string, unknown>>[] = [];
    const limit = opts.concurrency ?? 4;
    for await (const row of rows) {
      const fetching = client.get(record, { id: Number(row.ID) }) as Promise<Record<string, unknown>>;
      fetching.catch(() => {}); // awaited in order below; this only keeps an early failure from going unhandled
      inFlight.push(fetching);
      if (inFlight.length >= limit) await emit(await inFlight.shift()!);
    }
    while (inFlight.length > 0) await emit(await inFlight.shift()!);
  }
  bar.done();
  return count;
}

const COLUMNS_HELP = `CSV columns are the API's field names, so an export of users can be edited and imported
again with \`learnfile import users\`. Lists (SecondaryLLDDCodes) are joined with ";".`;
const AIMS_HELP = `Every learning aim of the customer's learners, archived learners' included: ID, UserID
(the learner), StandardID, Status (a learning-aim status ID of the learner's organisation),
StartDate, PlannedEnd and Progress; --full adds OrganisationID, the registration and
achievement dates, Weighting, AssessorID and IQAID. The API cannot filter aims by
organisation, so --organisation lists that organisation's learners first and keeps their aims.`;

export function registerExport(program: Command): void {
  const group = program
    .command('export')
    .description('Write users, classes, placements or learning aims of a v2.1 server (learnfile or any compatible server) as CSV or JSON Lines')
    .addHelpText(
      'after',
      examples(
        'learnfile export users --organisation "Northgate College" --output users.csv',
        'learnfile export placements --format jsonl > placements.jsonl',
        'learnfile export learning-aims --organisation 4 --full --output aims.csv',
      ),
    );

  for (const kind of Object.keys(EXPORTS) as ExportKind[]) {
    const cmd = addRemoteOptions(group.command(kind))
      .description(`Export ${kind.replace('-', ' ')}: the search's columns, or every field with --full`)
      .option('--organisation <id|name>', 'only this organisation (default: every organisation of the customer)')
      .addOption(new Option('--format <format>', 'csv or jsonl (JSON Lines)').choices(['csv', 'jsonl']).default('csv'))
      .option('--output <file>', 'write here instead of stdout')
      .option('--full', "every field of each record (one extra call per row) instead of the search's summary")
      .addOption(new Option('--concurrency <n>', 'calls in flight with --full').argParser(parseConcurrency).default(4))
      .option('--quiet', 'no progress output');
    if (kind === 'users') cmd.option('--role <role>', 'only this role: 1 or Learner, 5 or Assessor, 10 or IQA, 40 or Employer, 45 or Observer');
    cmd
      .addHelpText(
        'after',
        `
${kind === 'learning-aims' ? AIMS_HELP : COLUMNS_HELP}
${examples(
  `learnfile export ${kind} --organisation 4 --output ${kind}.csv`,
  `learnfile export ${kind} --format jsonl --full --url http://localhost:3000 --token $LEARNFILE_TOKEN > ${kind}.jsonl`,
)}`,
      )
      .action(async (opts: ExportOptions) => {
        const client = remoteClient(opts.url, opts.token);
        const out: NodeJS.WritableStream = opts.output ? createWriteStream(opts.output) : process.stdout;
        const count = await exportRows(client, kind, opts, out);
        if (opts.output) {
          (out as WriteStream).end();
          await once(out, 'finish');
          note(`export: ${count} ${kind.replace('-', ' ')} written to ${opts.output}`);
        }
      });
  }
}
