/**
 * `learnfile export users|classes|placements`: rows from a v2.1 server as CSV or JSON Lines,
 * read from the unpaged (streaming) search so memory stays flat whatever the size.
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

/** Writes every row to `out`; answers how many. */
export async function exportRows(client: ApiClient, kind: ExportKind, opts: ExportOptions, out: NodeJS.WritableStream): Promise<number> {
  const filter: Record<string, unknown> = {};
  if (opts.organisation !== undefined) filter.OrganisationID = await resolveOrganisation(client, opts.organisation);
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

  const rows = client.download(path, filter as never) as AsyncIterable<Record<string, unknown>>;
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

export function registerExport(program: Command): void {
  const group = program
    .command('export')
    .description('Write users, classes or placements of a v2.1 server (learnfile or any compatible server) as CSV or JSON Lines')
    .addHelpText(
      'after',
      examples('learnfile export users --organisation "Northgate College" --output users.csv', 'learnfile export placements --format jsonl > placements.jsonl'),
    );

  for (const kind of Object.keys(EXPORTS) as ExportKind[]) {
    const cmd = addRemoteOptions(group.command(kind))
      .description(`Export ${kind}: the search's columns, or every field with --full`)
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
CSV columns are the API's field names, so an export of users can be edited and imported
again with \`learnfile import users\`. Lists (SecondaryLLDDCodes) are joined with ";".
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
          note(`export: ${count} ${kind} written to ${opts.output}`);
        }
      });
  }
}
