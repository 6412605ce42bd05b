/**
 * `learnfile bulk-import users <file.csv> --organisation <id>`: the operator's path for very
 * large centres. The same CSV as `import users`, but sent in chunks to the operator
 * operation users.bulkImport (in-process on the database, or through the server that holds
 * the embedded one), which checks every row as POST /User would and writes a chunk with a
 * few set-based statements in one transaction. Create only: rows whose MISID is already
 * there are skipped, so the command can be run again after fixing bad rows.
 */
import { Option, type Command } from 'commander';
import type { BulkImportResult } from '../server/resources/users/users.bulk.service.js';
import type { OperationInput } from '../server/resources/admin/admin.operations.js';
import { CliError, parseId } from './args.js';
import { errorFileFor, readCsv, writeErrorReport, type CsvRow, type RowFailure } from './csv.js';
import { mapHeaders, parseRole, readMapping } from './import.js';
import { withOperator } from './operate.js';
import { examples, note, print, setExitStatus } from './output.js';
import { parseConcurrency, pool, progress } from './remote.js';

export interface BulkOptions {
  organisation: number;
  mapping?: string;
  role?: string;
  dryRun?: boolean;
  errors?: string;
  /** commander's --no-mail */
  mail?: boolean;
  chunkSize?: number;
  /** Chunks in flight at once (default 2). */
  concurrency?: number;
  quiet?: boolean;
}

export interface BulkSummary {
  rows: number;
  created: number;
  existing: number;
  invalid: RowFailure[];
  warnings: { line: number; misid: string; message: string }[];
  keychains: { created: number; linked: number };
  mails: number;
  chunks: number;
  errorFile?: string;
}

type Input = OperationInput<'users.bulkImport'>;
export type BulkRun = (input: Input) => Promise<BulkImportResult>;

/** At most this much JSON per call: the admin door takes bodies up to 2 MB. */
const MAX_CHUNK_BYTES = 1_500_000;

/** Reads the file, sends it in chunks (staff first), and gathers what each chunk answered. */
export async function bulkImportFile(run: BulkRun, file: string, opts: BulkOptions): Promise<BulkSummary> {
  const { headers, rows } = readCsv(file);
  const { fieldOf, ignored } = mapHeaders(headers, readMapping(opts.mapping));
  if (ignored.length > 0) note(`bulk-import: ignoring columns that name no API field: ${ignored.join(', ')} (a --mapping file can name them)`);
  const defaultRole = opts.role === undefined ? undefined : parseRole(opts.role);
  if (opts.role !== undefined && defaultRole === undefined) throw new CliError(`--role "${opts.role}" is not one of 1, 4, 5, 10, 40, 45 or their names`);

  // Each row as the operation takes it: API field names, Role as a number where a name was written.
  const cellsOf = (row: CsvRow): Record<string, string> => {
    const cells: Record<string, string> = {};
    for (const [header, field] of fieldOf) {
      const value = row.cells[header] ?? '';
      if (value.trim() !== '') cells[field] = value;
    }
    if (cells.Role !== undefined) cells.Role = String(parseRole(cells.Role) ?? cells.Role);
    else if (defaultRole !== undefined) cells.Role = String(defaultRole);
    return cells;
  };
  // A MISID repeated in the file would be created once and then skipped as already there:
  // the repeats are reported instead, before anything is sent.
  const firstLine = new Map<string, number>();
  const repeated: RowFailure[] = [];
  const prepared = rows
    .map((row) => ({ row, cells: cellsOf(row) }))
    .filter(({ row, cells }) => {
      const misid = cells.MISID?.trim();
      if (!misid) return true;
      const first = firstLine.get(misid);
      if (first === undefined) {
        firstLine.set(misid, row.line);
        return true;
      }
      repeated.push({ line: row.line, message: `MISID ${misid} already appears on line ${first}` });
      return false;
    });
  type Prepared = (typeof prepared)[number];
  const limit = opts.chunkSize ?? 5000;
  const chunked = (list: Prepared[]): Prepared[][] => {
    const out: Prepared[][] = [];
    let current: Prepared[] = [];
    let bytes = 0;
    for (const p of list) {
      // About the JSON size of the row in bytes (quotes, colons, commas), without writing it.
      let size = 2;
      for (const key in p.cells) size += key.length + Buffer.byteLength(p.cells[key]!) + 6;
      if (current.length > 0 && (current.length >= limit || bytes + size > MAX_CHUNK_BYTES)) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(p);
      bytes += size;
    }
    if (current.length > 0) out.push(current);
    return out;
  };
  // Staff before learners, so learners may name assessors and employers from the same file:
  // every staff chunk is in before the first learner chunk is sent.
  const staffChunks = chunked(prepared.filter((p) => p.cells.Role !== '1'));
  const learnerChunks = chunked(prepared.filter((p) => p.cells.Role === '1'));
  const chunks = [...staffChunks, ...learnerChunks];

  const summary: BulkSummary = {
    rows: rows.length,
    created: 0,
    existing: 0,
    invalid: [...repeated],
    warnings: [],
    keychains: { created: 0, linked: 0 },
    mails: 0,
    chunks: chunks.length,
  };
  const planned: NonNullable<Input['plannedStaff']> = [];
  const bar = progress(opts.dryRun ? 'bulk-import (dry run)' : 'bulk-import', prepared.length, { quiet: opts.quiet });
  const send = async (chunk: (typeof chunks)[number]) => {
    const result = await run({
      organisationId: opts.organisation,
      rows: chunk.map((p) => p.cells),
      dryRun: !!opts.dryRun,
      mail: opts.mail !== false,
      actor: 'operator:cli',
      ...(opts.dryRun && planned.length > 0 ? { plannedStaff: planned } : {}),
    });
    const lineOf = (index: number) => chunk[index]!.row.line;
    summary.created += result.created;
    summary.existing += result.existing.length;
    summary.invalid.push(
      ...result.invalid.map((p) => ({ line: lineOf(p.index), code: p.code, message: p.errors.map((e) => `${e.field} ${e.message}`).join('; ') || p.message })),
    );
    summary.warnings.push(...result.warnings.map((w) => ({ line: lineOf(w.index), misid: w.misid, message: w.message })));
    summary.keychains.created += result.keychains.created;
    summary.keychains.linked += result.keychains.linked;
    summary.mails += result.mails;
    if (opts.dryRun) planned.push(...result.staff);
    bar.tick(chunk.length);
  };
  try {
    // Within each group a few chunks are in flight at once, so that on PostgreSQL one is
    // written while the next is checked.
    await pool(staffChunks, opts.concurrency ?? 2, send);
    await pool(learnerChunks, opts.concurrency ?? 2, send);
  } finally {
    bar.done();
  }
  summary.invalid.sort((a, b) => a.line - b.line);
  summary.warnings.sort((a, b) => a.line - b.line);
  if (summary.invalid.length > 0) summary.errorFile = writeErrorReport(errorFileFor(file, opts.errors), headers, rows, summary.invalid);
  return summary;
}

export function registerBulkImport(program: Command): void {
  const group = program
    .command('bulk-import')
    .description('Create very many users at once, straight into the database (operator): the same CSV as `import users`')
    .addHelpText(
      'after',
      examples(
        'learnfile bulk-import users learners.csv --organisation 4',
        'learnfile --database-url postgres://learnfile@db/learnfile bulk-import users all-learners.csv --organisation 4 --dry-run',
      ),
    );

  group
    .command('users')
    .description('Create learners and staff from a CSV file in chunks of set-based writes; rows whose MISID the organisation already has are skipped')
    .argument('<file>', "CSV with a header line; columns named like the API's fields (any case), as for `import users`")
    .requiredOption('--organisation <id>', 'the organisation (centre) to import into, by ID', parseId)
    .option('--mapping <file>', 'JSON object mapping your CSV headers to API field names, e.g. {"Forename": "FirstName"}')
    .option(
      '--role <role>',
      'role for rows without a Role column: 1 or Learner, 5 or Assessor, 10 or IQA, 40 or Employer, 45 or Observer, 4 or "Trainee Assessor"',
    )
    .option('--dry-run', 'check every row and report, writing nothing')
    .option('--errors <file>', 'where to write the rows that failed, with the code and message (default <file>.errors.csv)')
    .option('--no-mail', 'queue no verification email, even where the organisation sends them (e.g. loading people who already use their accounts)')
    .addOption(
      new Option('--chunk-size <n>', 'rows per transaction (at most 5000)')
        .argParser((v: string) => {
          if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 5000) throw new CliError('--chunk-size must be a whole number from 1 to 5000');
          return Number(v);
        })
        .default(5000),
    )
    .addOption(
      new Option('--concurrency <n>', 'chunks in flight at once (PostgreSQL writes one while the next is checked; the embedded database takes them in turn)')
        .argParser(parseConcurrency)
        .default(2),
    )
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Every row is checked as POST /User checks a body: the same schema, role rules, references,
ULN and NINO checks; a bad row is written to the error file and the rest are loaded.
References may be IDs, or in the columns Classroom, Placement and LearnerStatus a MISID or
name, in DefaultAssessor and DefaultEmployer a MISID or email; staff rows are loaded first.
MISID is required and compared as written; users whose MISID the organisation already has
are left as they are (use \`import users\` to update them). Each chunk is one transaction.
Users get no password: a centre that gives logins gets login names, and passwords are set
later. A Keychain centre links every user to the Keychain of their email and, unless it
suppresses them (or --no-mail), queues the verification emails.
Exit status: 0 when every row was loaded or already there, 2 when some rows were invalid.
${examples(
  'learnfile bulk-import users learners.csv --organisation 4 --dry-run',
  'learnfile bulk-import users mis-export.csv --organisation 4 --mapping mis-columns.json --errors failed.csv',
  'learnfile --data-dir /var/lib/learnfile bulk-import users backfill.csv --organisation 2 --no-mail',
)}`,
    )
    .action(async (file: string, opts: BulkOptions, cmd: Command) => {
      const summary = await withOperator(cmd, (run) => bulkImportFile((input) => run('users.bulkImport', input) as Promise<BulkImportResult>, file, opts));
      for (const f of summary.invalid.slice(0, 20)) print(`invalid    line ${f.line}: ${f.code === undefined ? '' : `[${f.code}] `}${f.message}`);
      if (summary.invalid.length > 20) print(`... and ${summary.invalid.length - 20} more invalid rows (all are in the error file)`);
      for (const w of summary.warnings.slice(0, 20)) print(`warning    line ${w.line} MISID ${w.misid}: ${w.message}`);
      if (summary.warnings.length > 20) print(`... and ${summary.warnings.length - 20} more warnings`);
      const verb = opts.dryRun ? 'Plan' : 'Imported';
      print(
        `${verb}: ${summary.created} ${opts.dryRun ? 'to create' : 'created'}, ${summary.existing} already there (skipped), ${summary.invalid.length} invalid, of ${summary.rows} rows in ${summary.chunks} chunk(s).` +
          (summary.keychains.linked > 0 ? ` Keychains: ${summary.keychains.created} new, ${summary.keychains.linked} accounts linked.` : '') +
          (summary.mails > 0 ? ` Verification emails queued: ${summary.mails}.` : '') +
          (opts.dryRun ? ' Dry run: nothing was changed.' : ''),
      );
      if (summary.errorFile) {
        print(`Rows that failed are in ${summary.errorFile}; fix them and run the same command again (rows already loaded are skipped).`);
        setExitStatus(2);
      }
    });
}
