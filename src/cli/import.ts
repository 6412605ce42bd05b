/**
 * `learnfile import users <file.csv>`: an idempotent, re-runnable upsert of learners and
 * staff from an MIS export, over the v2.1 API. Each row is keyed by MISID: the
 * organisation's users are downloaded once, then each row is created, or updated with only
 * the fields that differ, or left alone. Invalid rows go to an error report and the run goes on.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { ApiError, type ApiClient } from '../../packages/client/src/index.js';
import { CreateUserBody, RoleLabels, Roles } from '../contract/users.js';
import { ninoProblem, ulnProblem } from '../server/domain/uk-data.js';
import { CliError } from './args.js';
import { errorFileFor, readCsv, writeErrorReport, type CsvRow } from './csv.js';
import { examples, note, print, setExitStatus } from './output.js';
import { addRemoteOptions, changedFields, parseConcurrency, pool, progress, remoteClient, type RemoteOptions } from './remote.js';

/** A Role column may hold the number or a name: each role's label, without spaces, or a common alias. */
const ROLE_NAMES: Record<string, number> = Object.fromEntries([
  ...Object.entries(RoleLabels).flatMap(([n, label]) => [
    [label.toLowerCase(), Number(n)],
    [label.toLowerCase().replace(/\s+/g, ''), Number(n)],
  ]),
  ['assessor', Roles.Assessor],
  ['tutor', Roles.Assessor],
  ['iv', Roles.IQA],
  ['iv/iqa', Roles.IQA],
]);
const ROLE_LABEL = RoleLabels as Record<number, string>;

/** The API's own field names (case-insensitive in the header), from the contract's create body. */
const API_FIELDS = Object.keys(CreateUserBody.properties);
/** Columns that name a related record by MISID, name or email instead of its ID. */
const REFERENCE_FIELDS = ['Classroom', 'Placement', 'DefaultAssessor', 'DefaultEmployer', 'LearnerStatus'];
const INTEGER_FIELDS = new Set(['OrganisationID', 'ProviderID']);
const BOOLEAN_FIELDS = new Set(['SupportFunding']);
const LIST_FIELDS = new Set(['SecondaryLLDDCodes']);
/** Reference field -> the API field it fills. */
const REFERENCE_TARGET: Record<string, string> = {
  Classroom: 'ClassroomID',
  ClassroomID: 'ClassroomID',
  Placement: 'PlacementID',
  PlacementID: 'PlacementID',
  DefaultAssessor: 'DefaultAssessorID',
  DefaultAssessorID: 'DefaultAssessorID',
  DefaultEmployer: 'DefaultEmployerID',
  DefaultEmployerID: 'DefaultEmployerID',
  LearnerStatus: 'LearnerStatusID',
  LearnerStatusID: 'LearnerStatusID',
};

export interface ImportOptions extends RemoteOptions {
  organisation: string;
  mapping?: string;
  dryRun?: boolean;
  errors?: string;
  concurrency?: number;
  role?: string;
  quiet?: boolean;
}

export type Outcome =
  | { kind: 'create'; line: number; misid: string; label: string; id?: number }
  | { kind: 'update'; line: number; misid: string; id: number; fields: string[] }
  | { kind: 'unchanged'; line: number; misid: string; id: number }
  | { kind: 'invalid'; line: number; misid: string; reason: string; code?: number };

export interface ImportResult {
  outcomes: Outcome[];
  errorFile?: string;
}

interface Named {
  ID: number;
  Name?: string | null;
  MISID?: string | null;
}
interface Person {
  ID: number;
  MISID?: string | null;
  Role?: number;
  Email?: string;
}

class RowProblem extends Error {}

/** Maps each header to an API field or reference column, using the mapping file first. */
export function mapHeaders(headers: string[], mapping: Record<string, string>): { fieldOf: Map<string, string>; ignored: string[] } {
  const known = new Map([...API_FIELDS, ...REFERENCE_FIELDS].map((f) => [f.toLowerCase(), f]));
  const mapped = new Map(Object.entries(mapping).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
  const fieldOf = new Map<string, string>();
  const ignored: string[] = [];
  for (const header of headers) {
    const target = mapped.get(header.trim().toLowerCase()) ?? header.trim();
    const field = known.get(target.toLowerCase());
    if (field) fieldOf.set(header, field);
    else ignored.push(header);
  }
  return { fieldOf, ignored };
}

export function readMapping(file: string | undefined): Record<string, string> {
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read the mapping file ${file}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new CliError(`the mapping file ${file} must be a JSON object of "CSV header": "API field" pairs`);
  }
  return parsed as Record<string, string>;
}

export function parseRole(value: string): number | undefined {
  const v = value.trim().toLowerCase();
  if (/^\d+$/.test(v)) return ROLE_LABEL[Number(v)] ? Number(v) : undefined;
  return ROLE_NAMES[v];
}

function pick<T extends Named>(rows: T[], value: string, byId: boolean, what: string): number {
  const v = value.trim();
  const lower = v.toLowerCase();
  const tiers: T[][] = [
    byId && /^\d+$/.test(v) ? rows.filter((r) => r.ID === Number(v)) : [],
    rows.filter((r) => (r.MISID ?? '').toLowerCase() === lower),
    rows.filter((r) => (r.Name ?? '').toLowerCase() === lower),
  ];
  for (const tier of tiers) {
    if (tier.length === 1) return tier[0]!.ID;
    if (tier.length > 1) throw new RowProblem(`${what} "${v}" matches ${tier.length} records; use its ID`);
  }
  if (byId && /^\d+$/.test(v)) return Number(v); // not seen here: let the server judge the ID
  throw new RowProblem(`${what} "${v}" matches no ${what.toLowerCase()} of the organisation by ID, MISID or name`);
}

/** The run's view of the organisation: its records, and the users this run creates. */
class Directory {
  classrooms: Named[] = [];
  placements: Named[] = [];
  statuses: Named[] = [];
  /** MISID (lower case) -> users with it; archived users kept apart. */
  readonly byMisid = new Map<string, Person[]>();
  readonly archivedMisid = new Map<string, Person[]>();
  /** MISIDs this run will create (dry run) or has created without learning the ID yet. */
  readonly pending = new Set<string>();
  private readonly byEmail = new Map<string, Promise<Person[]>>();

  constructor(
    private readonly client: ApiClient,
    readonly organisationId: number,
  ) {}

  async load(): Promise<void> {
    const org = { OrganisationID: this.organisationId };
    this.classrooms = await collect(this.client.download('/Classroom/Search', org));
    this.placements = await collect(this.client.download('/Placement/Search', org));
    try {
      this.statuses = ((await this.client.get('/Organisation/{id}/LearnerStatuses', { id: this.organisationId })) ?? []) as Named[];
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err; // a server without the look-up
    }
    for await (const u of this.client.download('/User/Search', org)) this.remember(u);
    for await (const u of this.client.download('/User/Search', { ...org, Archived: true })) {
      if (u.MISID) push(this.archivedMisid, u.MISID.toLowerCase(), u);
    }
  }

  remember(user: Person): void {
    if (user.MISID) push(this.byMisid, user.MISID.toLowerCase(), user);
  }

  async person(value: string, byId: boolean, roles: number[], what: string): Promise<number> {
    const v = value.trim();
    if (byId && /^\d+$/.test(v)) return Number(v);
    const byMisid = (this.byMisid.get(v.toLowerCase()) ?? []).filter((u) => u.Role === undefined || roles.includes(u.Role));
    if (byMisid.length === 1) return byMisid[0]!.ID;
    if (byMisid.length > 1) throw new RowProblem(`${what} "${v}" matches ${byMisid.length} users by MISID`);
    if (v.includes('@')) {
      const key = v.toLowerCase();
      if (!this.byEmail.has(key)) {
        this.byEmail.set(key, collect(this.client.download('/User/Search', { OrganisationID: this.organisationId, Email: v })));
      }
      const found = (await this.byEmail.get(key)!).filter((u) => u.Role === undefined || roles.includes(u.Role));
      if (found.length === 1) return found[0]!.ID;
      if (found.length > 1) throw new RowProblem(`${what} "${v}" matches ${found.length} users by email; use a MISID or ID`);
    }
    if (this.pending.has(v.toLowerCase())) return -1; // a dry run's user that this file would create
    throw new RowProblem(`${what} "${v}" matches no ${roles.map((r) => ROLE_LABEL[r]).join(' or ')} of the organisation by MISID or email`);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

/** A row's cells as an API body (references resolved), its role and MISID. */
async function toBody(row: CsvRow, fieldOf: Map<string, string>, dir: Directory, defaultRole: number | undefined) {
  const body: Record<string, unknown> = {};
  const problems: string[] = [];
  let role = defaultRole;
  for (const [header, raw] of Object.entries(row.cells)) {
    const field = fieldOf.get(header);
    const value = raw.trim();
    if (!field || value === '') continue; // an empty cell means "not given": it never clears a field
    try {
      if (field === 'Role') {
        role = parseRole(value);
        if (role === undefined) throw new RowProblem(`Role "${value}" is not one of 1, 4, 5, 10, 40, 45 or their names`);
      } else if (field === 'OrganisationID') {
        if (Number(value) !== dir.organisationId)
          throw new RowProblem(`OrganisationID ${value} is not the organisation being imported into (${dir.organisationId})`);
      } else if (REFERENCE_TARGET[field]) {
        const target = REFERENCE_TARGET[field]!;
        const byId = field.endsWith('ID');
        if (target === 'ClassroomID') body[target] = pick(dir.classrooms, value, byId, 'Classroom');
        else if (target === 'PlacementID') body[target] = pick(dir.placements, value, byId, 'Placement');
        else if (target === 'LearnerStatusID') body[target] = pick(dir.statuses, value, byId, 'Learner status');
        else if (target === 'DefaultAssessorID') body[target] = await dir.person(value, byId, [5, 4], 'Default assessor');
        else body[target] = await dir.person(value, byId, [40], 'Default employer');
      } else if (INTEGER_FIELDS.has(field)) {
        if (!/^-?\d+$/.test(value)) throw new RowProblem(`${field} "${value}" is not a whole number`);
        body[field] = Number(value);
      } else if (BOOLEAN_FIELDS.has(field)) {
        const v = value.toLowerCase();
        if (!['true', 'false', '1', '0', 'yes', 'no'].includes(v)) throw new RowProblem(`${field} "${value}" is not true or false`);
        body[field] = ['true', '1', 'yes'].includes(v);
      } else if (LIST_FIELDS.has(field)) {
        body[field] = value
          .split(/[;|]/)
          .map((s) => s.trim())
          .filter(Boolean);
      } else {
        body[field] = value;
      }
    } catch (err) {
      if (err instanceof RowProblem) problems.push(err.message);
      else throw err;
    }
  }
  const misid = typeof body.MISID === 'string' ? body.MISID : '';
  if (!misid) problems.push('MISID is required: it is what makes a re-run update instead of duplicating');
  if (role === undefined && !problems.some((p) => p.startsWith('Role'))) problems.push('Role is required (a Role column or --role)');
  return { body, role, misid, problems };
}

/** What a create needs, checked before the server is asked (the dry run cannot ask it). */
function createProblems(body: Record<string, unknown>, role: number): string[] {
  const need = ['FirstName', 'LastName', 'Email'];
  if (role === 1) need.push('DefaultAssessorID', 'ClassroomID', 'PlacementID');
  if (role === 40 || role === 45) need.push('PlacementID');
  const problems = need.filter((f) => body[f] === undefined).map((f) => `${f.replace(/ID$/, '')} is required for a new ${ROLE_LABEL[role]}`);
  if (typeof body.ULN === 'string') {
    const p = ulnProblem(body.ULN);
    if (p) problems.push(`ULN ${p}`);
  }
  if (typeof body.NINO === 'string') {
    const p = ninoProblem(body.NINO);
    if (p) problems.push(`NINO ${p}`);
  }
  return problems;
}

export async function importUsers(client: ApiClient, file: string, opts: ImportOptions): Promise<ImportResult> {
  const { headers, rows } = readCsv(file);
  const { fieldOf, ignored } = mapHeaders(headers, readMapping(opts.mapping));
  if (ignored.length > 0) note(`import: ignoring columns that name no API field: ${ignored.join(', ')} (a --mapping file can name them)`);
  const defaultRole = opts.role === undefined ? undefined : parseRole(opts.role);
  if (opts.role !== undefined && defaultRole === undefined) throw new CliError(`--role "${opts.role}" is not one of 1, 4, 5, 10, 40, 45 or their names`);

  const organisationId = await resolveOrganisation(client, opts.organisation);
  const dir = new Directory(client, organisationId);
  await dir.load();

  // Staff before learners, so a learner's default assessor or employer created by this same
  // file exists by the time the learner needs it. The file's order is kept within each group.
  const roleOf = (r: CsvRow) => {
    const header = [...fieldOf].find(([, f]) => f === 'Role')?.[0];
    return header ? (parseRole(r.cells[header] ?? '') ?? defaultRole) : defaultRole;
  };
  const misidHeader = [...fieldOf].find(([, f]) => f === 'MISID')?.[0];
  const misidOf = (r: CsvRow) => (misidHeader ? (r.cells[misidHeader] ?? '').trim() : '');
  const staff = rows.filter((r) => roleOf(r) !== 1);
  const learners = rows.filter((r) => roleOf(r) === 1);
  const seen = new Map<string, number>();
  const outcomes: Outcome[] = [];
  const bar = progress(opts.dryRun ? 'plan' : 'import', rows.length, { quiet: opts.quiet });

  const handle = async (row: CsvRow): Promise<Outcome> => {
    const { body, role, misid, problems } = await toBody(row, fieldOf, dir, defaultRole);
    const key = misid.toLowerCase();
    if (misid && seen.has(key) && seen.get(key) !== row.line) problems.push(`MISID ${misid} already appears on line ${seen.get(key)}`);
    if (problems.length > 0 || role === undefined) return { kind: 'invalid', line: row.line, misid, reason: problems.join('; ') };
    const existing = dir.byMisid.get(key) ?? [];
    if (existing.length > 1)
      return {
        kind: 'invalid',
        line: row.line,
        misid,
        reason: `MISID ${misid} matches ${existing.length} users (IDs ${existing.map((u) => u.ID).join(', ')}); fix them first`,
      };
    if (existing.length === 0) {
      if (dir.archivedMisid.has(key))
        return { kind: 'invalid', line: row.line, misid, reason: `the user with MISID ${misid} is archived; unarchive it to update it` };
      const label = `${ROLE_LABEL[role]} ${String(body.FirstName ?? '')} ${String(body.LastName ?? '')}`.trim();
      if (opts.dryRun) {
        const local = createProblems(body, role);
        if (local.length > 0) return { kind: 'invalid', line: row.line, misid, reason: local.join('; ') };
        dir.pending.add(key);
        if (typeof body.Email === 'string') dir.pending.add(body.Email.toLowerCase());
        return { kind: 'create', line: row.line, misid, label };
      }
      const created = await client.create('/User', { ...body, OrganisationID: organisationId, Role: role } as never);
      let id = created.id;
      if (id === undefined) {
        // a Keychain organisation may answer an empty body: find the new user
        const found = await collect(client.download('/User/Search', { OrganisationID: organisationId, MISID: misid }));
        id = found.length === 1 ? found[0]!.ID : undefined;
      }
      if (id !== undefined) dir.remember({ ID: id, MISID: misid, Role: role });
      return { kind: 'create', line: row.line, misid, label, ...(id === undefined ? {} : { id }) };
    }
    const current = existing[0]!;
    const record = (await client.get('/User/{id}', { id: current.ID })) as unknown as Record<string, unknown>;
    if (record.Role !== undefined && Number(record.Role) !== role) {
      return {
        kind: 'invalid',
        line: row.line,
        misid,
        reason: `the existing user ${current.ID} with MISID ${misid} is ${ROLE_LABEL[Number(record.Role)] ?? `role ${String(record.Role)}`}; a role cannot change`,
      };
    }
    const changes = changedFields(body, record, ['OrganisationID', 'Role']);
    const fields = Object.keys(changes);
    if (fields.length === 0) return { kind: 'unchanged', line: row.line, misid, id: current.ID };
    if (!opts.dryRun) await client.update('/User/{id}', { id: current.ID }, changes as never);
    return { kind: 'update', line: row.line, misid, id: current.ID, fields };
  };

  const run = async (row: CsvRow) => {
    let outcome: Outcome;
    try {
      outcome = await handle(row);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401 || err.status === 0 || err.status >= 500) {
        bar.done();
        throw err;
      }
      const misid = misidOf(row);
      outcome = {
        kind: 'invalid',
        line: row.line,
        misid,
        reason: err.describe().replace(/^\d+ \(code -?\d+\): /, ''),
        ...(err.code === undefined ? {} : { code: err.code }),
      };
    }
    outcomes.push(outcome);
    bar.tick();
  };
  for (const r of rows) {
    const misid = misidOf(r).toLowerCase();
    if (misid && !seen.has(misid)) seen.set(misid, r.line);
  }
  await pool(staff, opts.concurrency ?? 4, run);
  await pool(learners, opts.concurrency ?? 4, run);
  bar.done();
  outcomes.sort((a, b) => a.line - b.line);

  const invalid = outcomes.filter((o) => o.kind === 'invalid');
  const errorFile =
    invalid.length === 0
      ? undefined
      : writeErrorReport(
          errorFileFor(file, opts.errors),
          headers,
          rows,
          invalid.map((o) => ({ line: o.line, code: o.code, message: o.reason })),
        );
  return { outcomes, ...(errorFile ? { errorFile } : {}) };
}

/** An organisation by ID, or by its exact name (case-insensitive). */
export async function resolveOrganisation(client: ApiClient, value: string): Promise<number> {
  const all = await client.all('/Organisation/Search');
  const v = value.trim();
  const byId = /^\d+$/.test(v) ? all.filter((o) => o.ID === Number(v)) : [];
  const matches = byId.length > 0 ? byId : all.filter((o) => o.Name.toLowerCase() === v.toLowerCase());
  if (matches.length === 1) return matches[0]!.ID;
  const names = all.map((o) => `${o.ID} ${o.Name}`).join('; ');
  if (matches.length > 1) throw new CliError(`organisation "${v}" matches ${matches.length} organisations; use its ID (${names})`);
  throw new CliError(`no organisation "${v}" for this customer token${names ? ` (there are: ${names})` : ''}`);
}

export function planLines(outcomes: Outcome[]): string[] {
  return outcomes.map((o) => {
    const where = `line ${o.line}${o.misid ? ` MISID ${o.misid}` : ''}`;
    switch (o.kind) {
      case 'create':
        return `create     ${where}: ${o.label}`;
      case 'update':
        return `update     ${where} (user ${o.id}): ${o.fields.join(', ')}`;
      case 'unchanged':
        return `unchanged  ${where} (user ${o.id})`;
      default:
        return `invalid    ${where}: ${o.code === undefined ? '' : `[${o.code}] `}${o.reason}`;
    }
  });
}

export function summary(outcomes: Outcome[], dryRun: boolean): string {
  const n = (k: Outcome['kind']) => outcomes.filter((o) => o.kind === k).length;
  return dryRun
    ? `Plan: ${n('create')} to create, ${n('update')} to update, ${n('unchanged')} unchanged, ${n('invalid')} invalid. Dry run: nothing was changed.`
    : `Imported: ${n('create')} created, ${n('update')} updated, ${n('unchanged')} unchanged, ${n('invalid')} invalid.`;
}

/** The `import` command group, with `import users`; answers the group for the commands other files add. */
export function registerImport(program: Command): Command {
  const group = program
    .command('import')
    .description("Load data into a v2.1 server over its API (learnfile or any compatible server): users, and learners' programmes")
    .addHelpText(
      'after',
      examples(
        'learnfile import users learners.csv --url https://eportfolio.example.ac.uk --token $TOKEN --organisation "Northgate College"',
        'LEARNFILE_URL=http://localhost:3000 LEARNFILE_TOKEN=... learnfile import users staff.csv --organisation 4 --dry-run',
        'learnfile import programme enrolments.csv --url http://localhost:3000 --token $TOKEN --dry-run',
      ),
    );

  addRemoteOptions(group.command('users'))
    .description('Create or update learners and staff from a CSV file, one user per row, keyed by MISID')
    .argument('<file>', "CSV with a header line; columns named like the API's fields (any case)")
    .requiredOption('--organisation <id|name>', 'the organisation (centre) to import into')
    .option('--mapping <file>', 'JSON object mapping your CSV headers to API field names, e.g. {"Forename": "FirstName"}')
    .option(
      '--role <role>',
      'role for rows without a Role column: 1 or Learner, 5 or Assessor, 10 or IQA, 40 or Employer, 45 or Observer, 4 or "Trainee Assessor"',
    )
    .option('--dry-run', 'print the plan (create, update with the fields that change, unchanged, invalid with the reason) and change nothing')
    .option('--errors <file>', "where to write the rows that failed, with the server's code and message (default <file>.errors.csv)")
    .addOption(new Option('--concurrency <n>', "calls in flight at once (the server's rate limit is always respected)").argParser(parseConcurrency).default(4))
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Columns: the API's field names in any case (FirstName, LastName, Email, Role, MISID, ULN,
NINO, DOB, StartOn, ...). References may be IDs or, in the columns Classroom, Placement,
DefaultAssessor, DefaultEmployer and LearnerStatus, a MISID or name (an email for people).
ClassroomID-style columns take an ID, or a MISID/name when the value is not a number.
Empty cells are "not given": an update never clears a field. MISID is required.
Staff rows are loaded before learners, so learners can name assessors from the same file.
Exit status: 0 when every row was loaded, 2 when some rows were invalid, 1 on failure.
${examples(
  'learnfile import users learners.csv --organisation "Northgate College" --dry-run',
  'learnfile import users mis-export.csv --organisation 4 --mapping mis-columns.json --errors failed.csv',
  'learnfile import users tutors.csv --organisation 4 --role Assessor --url http://localhost:3000 --token $LEARNFILE_TOKEN',
)}`,
    )
    .action(async (file: string, opts: ImportOptions) => {
      const client = remoteClient(opts.url, opts.token);
      const result = await importUsers(client, file, opts);
      const show = opts.dryRun ? result.outcomes : result.outcomes.filter((o) => o.kind !== 'unchanged');
      for (const line of planLines(show)) print(line);
      print(summary(result.outcomes, !!opts.dryRun));
      if (result.errorFile) {
        print(`Rows that failed are in ${result.errorFile}; fix them and run the same command again (loaded rows are skipped).`);
        setExitStatus(2);
      }
    });

  return group;
}
