/**
 * `learnfile import programme <file.csv>`: gives learners their programme from an MIS
 * export, over the v2.1 API: standards (a learning aim each), units, framework templates,
 * the learning aim's dates and status, and the staff who assess them (levels 3, 2 and 1 of
 * User/{id}/Assign). Each row names a learner by MISID. What the learner already has is read
 * first, so a row only calls for what is missing or different, and running the same file
 * again calls nothing. Invalid rows go to an error report and the run goes on.
 */
import { Option, type Command } from 'commander';
import { ApiError, type ApiClient } from '../../packages/client/src/index.js';
import { CliError } from './args.js';
import { errorFileFor, readCsv, writeErrorReport, type CsvRow } from './csv.js';
import { readMapping, resolveOrganisation } from './import.js';
import { examples, note, print, setExitStatus } from './output.js';
import { addRemoteOptions, parseConcurrency, pool, progress, remoteClient, sameValue, type RemoteOptions } from './remote.js';

/** The columns a programme file may have (any case; --mapping renames others to these). */
export const PROGRAMME_COLUMNS = [
  'LearnerMISID',
  'LearnerID',
  'StandardID',
  'Standard',
  'UnitID',
  'FrameworkTemplateID',
  'FrameworkTemplate',
  'OnlyChangeAssigned',
  'StartDate',
  'PlannedEnd',
  'Status',
  'RegistrationNumber',
  'RegistrationDate',
  'CertificateAppliedDate',
  'AchievedDate',
  'AssessorMISID',
  'IQAMISID',
  'UnitAssessorMISID',
  'UnitIQAMISID',
  'AdditionalMISID',
] as const;
type Column = (typeof PROGRAMME_COLUMNS)[number];

const AIM_DATES = ['StartDate', 'PlannedEnd', 'RegistrationDate', 'CertificateAppliedDate', 'AchievedDate'] as const;
/** Fields of a learning aim only its full record has (the search answers the rest). */
const FULL_AIM_FIELDS = ['RegistrationNumber', 'RegistrationDate', 'CertificateAppliedDate', 'AchievedDate'];
const ASSESSORS = [5, 4];
const IQAS = [10];
const ADDITIONAL = [5, 4, 10, 40, 45];
const ROLE_LABEL: Record<number, string> = { 1: 'learner', 4: 'Trainee Assessor', 5: 'Assessor', 10: 'IQA', 40: 'Employer', 45: 'Observer' };
/** With more learners than this in a file, their aims and units are downloaded in one streamed search each. */
const DOWNLOAD_ALL_ABOVE = 25;

export interface ProgrammeOptions extends RemoteOptions {
  organisation?: string;
  mapping?: string;
  dryRun?: boolean;
  errors?: string;
  concurrency?: number;
  onlyChangeAssigned?: boolean;
  quiet?: boolean;
  /** Above this many learners in the file, their aims and units are read by one download each (default 25). */
  downloadAllAbove?: number;
}

export type ProgrammeOutcome =
  | { kind: 'change'; line: number; misid: string; learnerId: number; actions: string[] }
  | { kind: 'unchanged'; line: number; misid: string; learnerId: number }
  | { kind: 'invalid'; line: number; misid: string; reason: string; code?: number };

export interface ProgrammeResult {
  outcomes: ProgrammeOutcome[];
  errorFile?: string;
}

class RowProblem extends Error {}

interface Person {
  ID: number;
  Role: number;
  MISID: string | null;
  Email: string;
  organisationId: number;
}
interface StandardRow {
  ID: number;
  Title: string;
  Reference?: string | null;
}
interface TemplateRow {
  ID: number;
  Title: string;
  OrganisationID?: number | null;
}
interface Aim {
  ID: number;
  StandardID: number;
  values: Record<string, unknown>;
  full?: Record<string, unknown>;
}
interface Summary {
  ID: number;
  StandardID: number | null;
  UnitID: string;
  AssessorID: number | null;
  IQAID: number | null;
}
interface Held {
  UserID: number;
  Role: number;
  Kind: string;
  StandardID: number | null;
  UnitID: string | null;
}

/** What a learner has now, as this run knows it (updated as the run changes it). */
interface LearnerState {
  aims: Map<number, Aim>;
  units: Map<string, Summary>;
  /** Undefined when the server does not list assignments: then every assignment is sent (the server ignores repeats). */
  held: Held[] | undefined;
}

const unitKey = (standardId: number, unitId: string) => `${standardId}\u0000${unitId}`;
const lower = (s: string) => s.trim().toLowerCase();
const list = (cell: string) =>
  cell
    .split(/[;|]/)
    .map((v) => v.trim())
    .filter(Boolean);

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const l = map.get(key);
  if (l) l.push(value);
  else map.set(key, [value]);
}

/** A date cell as the API takes it: ISO 8601 (a plain date is midnight UTC). */
function isoDate(column: string, value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(value.trim());
  const ms = m ? Date.parse(m[4] ? value.trim() : `${value.trim()}T00:00:00Z`) : Number.NaN;
  const d = new Date(ms);
  if (!m || Number.isNaN(ms) || (!m[4] && d.getUTCDate() !== Number(m[3]))) throw new RowProblem(`${column} "${value}" is not an ISO 8601 date (2026-09-01)`);
  return d.toISOString();
}

function parseBoolean(column: string, value: string): boolean {
  const v = lower(value);
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new RowProblem(`${column} "${value}" is not true or false`);
}

/** The customer's records a programme file names, read once (or once per item, as needed). */
class Directory {
  readonly learnersByMisid = new Map<string, Person[]>();
  readonly learnersById = new Map<number, Person>();
  readonly archivedMisid = new Set<string>();
  private readonly staffByKey = new Map<string, Person[]>();
  standards: StandardRow[] = [];
  templates: TemplateRow[] = [];
  private readonly unitsOfStandard = new Map<number, Promise<Set<string>>>();
  private readonly standardsOfUnit = new Map<string, Promise<number[] | undefined>>();
  private readonly templateItems = new Map<number, Promise<{ StandardID: number; UnitID: string | null }[] | undefined>>();
  private readonly statuses = new Map<number, Promise<{ ID: number; Name: string }[]>>();

  constructor(private readonly client: ApiClient) {}

  async load(organisationIds: number[]): Promise<void> {
    for (const organisationId of organisationIds) {
      for await (const u of this.client.download('/User/Search', { OrganisationID: organisationId })) {
        const p: Person = { ID: u.ID, Role: Number(u.Role), MISID: u.MISID ?? null, Email: u.Email ?? '', organisationId };
        if (p.Role === 1) {
          if (p.MISID) push(this.learnersByMisid, lower(p.MISID), p);
          this.learnersById.set(p.ID, p);
        } else {
          if (p.MISID) push(this.staffByKey, `${organisationId}|misid|${lower(p.MISID)}`, p);
          if (p.Email) push(this.staffByKey, `${organisationId}|email|${lower(p.Email)}`, p);
        }
      }
      for await (const u of this.client.download('/User/Search', { OrganisationID: organisationId, Archived: true })) {
        if (u.MISID && Number(u.Role) === 1) this.archivedMisid.add(lower(u.MISID));
      }
    }
    this.standards = (await this.client.all('/Standard/Search')) as StandardRow[];
    this.templates = (await this.client.all('/FrameworkTemplate/Search')) as TemplateRow[];
  }

  learner(cells: Partial<Record<Column, string>>): Person {
    if (cells.LearnerID) {
      const p = /^\d+$/.test(cells.LearnerID) ? this.learnersById.get(Number(cells.LearnerID)) : undefined;
      if (!p) throw new RowProblem(`LearnerID ${cells.LearnerID} is not a learner of ${this.scope}`);
      return p;
    }
    const misid = cells.LearnerMISID ?? '';
    if (!misid) throw new RowProblem('LearnerMISID is required (or LearnerID)');
    const found = this.learnersByMisid.get(lower(misid)) ?? [];
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw new RowProblem(`LearnerMISID ${misid} matches ${found.length} learners (IDs ${found.map((p) => p.ID).join(', ')}); use LearnerID`);
    if (this.archivedMisid.has(lower(misid))) throw new RowProblem(`the learner with MISID ${misid} is archived; unarchive them to change their programme`);
    throw new RowProblem(`LearnerMISID ${misid} matches no learner of ${this.scope}`);
  }

  scope = 'the customer';

  /** A staff member of the learner's organisation by MISID or email, of one of the roles. */
  staff(column: string, value: string, organisationId: number, roles: number[]): Person {
    const fit = (kind: string) => (this.staffByKey.get(`${organisationId}|${kind}|${lower(value)}`) ?? []).filter((p) => roles.includes(p.Role));
    const byMisid = fit('misid');
    const found = byMisid.length > 0 ? byMisid : value.includes('@') ? fit('email') : [];
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw new RowProblem(`${column} "${value}" matches ${found.length} users`);
    const what = [...new Set(roles.map((r) => ROLE_LABEL[r]))].join(' or ');
    throw new RowProblem(`${column} "${value}" matches no ${what} of the learner's organisation by MISID or email`);
  }

  standard(cells: Partial<Record<Column, string>>): StandardRow | undefined {
    if (cells.StandardID) {
      const s = this.standards.find((x) => /^\d+$/.test(cells.StandardID!) && x.ID === Number(cells.StandardID));
      if (!s) throw new RowProblem(`StandardID ${cells.StandardID} is not a standard of the customer's catalogue`);
      return s;
    }
    if (!cells.Standard) return undefined;
    const v = lower(cells.Standard);
    const tiers = [
      /^\d+$/.test(v) ? this.standards.filter((s) => s.ID === Number(v)) : [],
      this.standards.filter((s) => lower(s.Reference ?? '') === v),
      this.standards.filter((s) => lower(s.Title) === v),
    ];
    for (const tier of tiers) {
      if (tier.length === 1) return tier[0];
      if (tier.length > 1)
        throw new RowProblem(`Standard "${cells.Standard}" matches ${tier.length} standards (IDs ${tier.map((s) => s.ID).join(', ')}); use StandardID`);
    }
    throw new RowProblem(`Standard "${cells.Standard}" matches no standard of the customer's catalogue by ID, reference or title`);
  }

  template(cells: Partial<Record<Column, string>>, organisationId: number): TemplateRow | undefined {
    const usable = this.templates.filter((t) => t.OrganisationID === null || t.OrganisationID === undefined || t.OrganisationID === organisationId);
    if (cells.FrameworkTemplateID) {
      const t = this.templates.find((x) => /^\d+$/.test(cells.FrameworkTemplateID!) && x.ID === Number(cells.FrameworkTemplateID));
      if (!t) throw new RowProblem(`FrameworkTemplateID ${cells.FrameworkTemplateID} is not a framework template of the customer`);
      return t;
    }
    if (!cells.FrameworkTemplate) return undefined;
    const found = usable.filter((t) => lower(t.Title) === lower(cells.FrameworkTemplate!));
    if (found.length === 1) return found[0];
    if (found.length > 1) throw new RowProblem(`FrameworkTemplate "${cells.FrameworkTemplate}" matches ${found.length} templates; use FrameworkTemplateID`);
    throw new RowProblem(`FrameworkTemplate "${cells.FrameworkTemplate}" matches no framework template the learner's organisation may use`);
  }

  /** The unit IDs that belong to a standard (Unit/Search by StandardID). */
  unitsOf(standardId: number): Promise<Set<string>> {
    let p = this.unitsOfStandard.get(standardId);
    if (!p) {
      p = collect(this.client.download('/Unit/Search', { StandardID: standardId })).then((rows) => new Set(rows.map((u) => String(u.ID))));
      this.unitsOfStandard.set(standardId, p);
    }
    return p;
  }

  /** The standards a unit belongs to, when the server says (GET /Unit/{id} StandardIDs, an extension). */
  standardsOf(unitId: string): Promise<number[] | undefined> {
    let p = this.standardsOfUnit.get(unitId);
    if (!p) {
      p = this.client.get('/Unit/{id}', { id: unitId }).then(
        (u) => (u as { StandardIDs?: number[] } | undefined)?.StandardIDs,
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 404) throw new RowProblem(`UnitID ${unitId} is not a unit of the customer's catalogue`);
          throw err;
        },
      );
      this.standardsOfUnit.set(unitId, p);
    }
    return p;
  }

  /** A template's standards and units, when the server lists them (GET /FrameworkTemplate/{id}, an extension). */
  itemsOf(templateId: number): Promise<{ StandardID: number; UnitID: string | null }[] | undefined> {
    let p = this.templateItems.get(templateId);
    if (!p) {
      p = this.client.get('/FrameworkTemplate/{id}', { id: templateId }).then(
        (t) => (t as { Items?: { StandardID: number; UnitID: string | null }[] } | undefined)?.Items,
        () => undefined,
      );
      this.templateItems.set(templateId, p);
    }
    return p;
  }

  /** A learning-aim status of the organisation by ID or name. */
  async status(organisationId: number, value: string): Promise<number> {
    let p = this.statuses.get(organisationId);
    if (!p) {
      p = this.client.get('/Organisation/{id}/LearningAimStatuses', { id: organisationId }).then((r) => (r ?? []) as { ID: number; Name: string }[]);
      this.statuses.set(organisationId, p);
    }
    const all = await p;
    const found = /^\d+$/.test(value.trim()) ? all.filter((s) => s.ID === Number(value)) : all.filter((s) => lower(s.Name) === lower(value));
    if (found.length === 1) return found[0]!.ID;
    throw new RowProblem(
      `Status "${value}" is not one of the learning-aim statuses of the learner's organisation (${all.map((s) => `${s.ID} ${s.Name}`).join(', ') || 'it has none'})`,
    );
  }
}

/** What each learner of the file has, read in bulk or one learner at a time. */
class States {
  private readonly states = new Map<number, Promise<LearnerState>>();
  private bulk: Promise<{ aims: Map<number, Aim[]>; units: Map<number, Summary[]> }> | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly learners: Set<number>,
    downloadAllAbove = DOWNLOAD_ALL_ABOVE,
  ) {
    if (learners.size > downloadAllAbove) this.bulk = this.downloadAll();
  }

  private async downloadAll() {
    const aims = new Map<number, Aim[]>();
    const units = new Map<number, Summary[]>();
    for await (const a of this.client.download('/LearningAim/Search', {})) {
      if (this.learners.has(a.UserID) && a.StandardID !== null)
        push(aims, a.UserID, { ID: a.ID, StandardID: a.StandardID, values: a as Record<string, unknown> });
    }
    for await (const u of this.client.download('/UnitSummary/Search', {})) {
      if (this.learners.has(u.UserID)) push(units, u.UserID, u as Summary);
    }
    return { aims, units };
  }

  of(learnerId: number, needHeld: boolean): Promise<LearnerState> {
    let p = this.states.get(learnerId);
    if (!p) {
      p = this.read(learnerId, needHeld);
      this.states.set(learnerId, p);
    }
    return p;
  }

  /** Forgets what is known of a learner (after a template made aims this run cannot predict). */
  forget(learnerId: number): void {
    this.states.delete(learnerId);
    this.stale.add(learnerId);
  }

  /** Learners changed since the bulk download: read one by one. */
  private readonly stale = new Set<number>();

  private async read(learnerId: number, needHeld: boolean): Promise<LearnerState> {
    let aims: Aim[];
    let units: Summary[];
    if (this.bulk && !this.stale.has(learnerId)) {
      const all = await this.bulk;
      aims = all.aims.get(learnerId) ?? [];
      units = all.units.get(learnerId) ?? [];
    } else {
      aims = (await this.client.all('/LearningAim/Search', { UserID: learnerId }))
        .filter((a) => a.StandardID !== null)
        .map((a) => ({ ID: a.ID, StandardID: a.StandardID!, values: a as Record<string, unknown> }));
      units = ((await this.client.get('/User/{id}/UnitSummary', { id: learnerId })) ?? []) as Summary[];
    }
    let held: Held[] | undefined;
    if (needHeld) {
      try {
        held = ((await this.client.get('/User/{id}/Assignments', { id: learnerId })) ?? []) as Held[];
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err; // a server without the list: assign regardless
      }
    }
    return {
      aims: new Map(aims.map((a) => [a.StandardID, a])),
      units: new Map(units.filter((u) => u.StandardID !== null).map((u) => [unitKey(u.StandardID!, String(u.UnitID)), { ...u, UnitID: String(u.UnitID) }])),
      held,
    };
  }
}

/** Maps each header to a programme column, using the mapping file first. */
function mapColumns(headers: string[], mapping: Record<string, string>): { columnOf: Map<string, Column>; ignored: string[] } {
  const known = new Map(PROGRAMME_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const mapped = new Map(Object.entries(mapping).map(([k, v]) => [lower(k), v.trim()]));
  const columnOf = new Map<string, Column>();
  const ignored: string[] = [];
  for (const header of headers) {
    const target = mapped.get(lower(header)) ?? header.trim();
    const column = known.get(target.toLowerCase());
    if (column) columnOf.set(header, column);
    else ignored.push(header);
  }
  return { columnOf, ignored };
}

export async function importProgramme(client: ApiClient, file: string, opts: ProgrammeOptions): Promise<ProgrammeResult> {
  const { headers, rows } = readCsv(file);
  const { columnOf, ignored } = mapColumns(headers, readMapping(opts.mapping));
  if (ignored.length > 0) note(`import: ignoring columns that are not programme columns: ${ignored.join(', ')} (a --mapping file can name them)`);
  if (![...columnOf.values()].some((c) => c === 'LearnerMISID' || c === 'LearnerID')) {
    throw new CliError(`${file} has no LearnerMISID (or LearnerID) column; the columns are ${PROGRAMME_COLUMNS.join(', ')}`);
  }
  const cellsOf = (row: CsvRow): Partial<Record<Column, string>> => {
    const cells: Partial<Record<Column, string>> = {};
    for (const [header, column] of columnOf) if ((row.cells[header] ?? '') !== '') cells[column] = row.cells[header];
    return cells;
  };

  const dir = new Directory(client);
  const all = await client.all('/Organisation/Search');
  const organisationIds = opts.organisation === undefined ? all.map((o) => o.ID) : [await resolveOrganisation(client, opts.organisation)];
  if (opts.organisation !== undefined) dir.scope = `organisation ${organisationIds[0]}`;
  await dir.load(organisationIds);

  // Rows are grouped by learner: one learner's rows run in file order, learners side by side.
  const outcomes: ProgrammeOutcome[] = [];
  const groups = new Map<number, { row: CsvRow; cells: Partial<Record<Column, string>>; learner: Person }[]>();
  for (const row of rows) {
    const cells = cellsOf(row);
    try {
      const learner = dir.learner(cells);
      push(groups, learner.ID, { row, cells, learner });
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      outcomes.push({ kind: 'invalid', line: row.line, misid: cells.LearnerMISID ?? cells.LearnerID ?? '', reason: err.message });
    }
  }
  const states = new States(client, new Set(groups.keys()), opts.downloadAllAbove);
  const bar = progress(opts.dryRun ? 'plan' : 'import', rows.length, { quiet: opts.quiet });
  bar.tick(outcomes.length);
  try {
    await pool([...groups.values()], opts.concurrency ?? 4, async (group) => {
      for (const { row, cells, learner } of group) {
        let outcome: ProgrammeOutcome;
        try {
          outcome = await handleRow(client, dir, states, cells, learner, row.line, opts);
        } catch (err) {
          const misid = learner.MISID ?? String(learner.ID);
          if (err instanceof RowProblem) {
            outcome = { kind: 'invalid', line: row.line, misid, reason: err.message };
          } else if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401) {
            outcome = {
              kind: 'invalid',
              line: row.line,
              misid,
              reason: err.describe().replace(/^\d+ \(code -?\d+\): /, ''),
              ...(err.code === undefined ? {} : { code: err.code }),
            };
            states.forget(learner.ID); // part of the row may have been done: read the learner again for the next row
          } else {
            throw err;
          }
        }
        outcomes.push(outcome);
        bar.tick();
      }
    });
  } finally {
    bar.done();
  }
  outcomes.sort((a, b) => a.line - b.line);
  const invalid = outcomes.filter((o): o is Extract<ProgrammeOutcome, { kind: 'invalid' }> => o.kind === 'invalid');
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

/** One row: check everything it names, then make (or, in a dry run, list) only what differs. */
async function handleRow(
  client: ApiClient,
  dir: Directory,
  states: States,
  cells: Partial<Record<Column, string>>,
  learner: Person,
  line: number,
  opts: ProgrammeOptions,
): Promise<ProgrammeOutcome> {
  const org = learner.organisationId;
  const misid = learner.MISID ?? String(learner.ID);
  // Everything the row names, checked before anything is sent.
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RowProblem) {
        problems.push(err.message);
        return undefined;
      }
      throw err;
    }
  };
  const attemptAsync = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RowProblem) {
        problems.push(err.message);
        return undefined;
      }
      throw err;
    }
  };
  const standard = attempt(() => dir.standard(cells));
  const template = attempt(() => dir.template(cells, org));
  const onlyChange = cells.OnlyChangeAssigned
    ? (attempt(() => parseBoolean('OnlyChangeAssigned', cells.OnlyChangeAssigned!)) ?? false)
    : !!opts.onlyChangeAssigned;
  const unitIds = cells.UnitID ? list(cells.UnitID) : [];
  let standardId = standard?.ID;
  if (unitIds.length > 0 && standardId === undefined && (cells.StandardID || cells.Standard) === undefined) {
    // Units without a standard: the one standard they all belong to, when the server says.
    const owners = await Promise.all(unitIds.map((u) => attemptAsync(() => dir.standardsOf(u))));
    const common = owners.every((o) => o !== undefined)
      ? owners.reduce<number[]>((acc, o, i) => (i === 0 ? [...o!] : acc.filter((s) => o!.includes(s))), [])
      : [];
    if (common.length === 1) standardId = common[0];
    else if (problems.length === 0) problems.push(`UnitID ${unitIds.join(';')}: name the standard the units are taken within (Standard or StandardID)`);
  }
  if (standardId !== undefined && unitIds.length > 0) {
    const units = await dir.unitsOf(standardId);
    for (const u of unitIds) if (!units.has(u)) problems.push(`UnitID ${u} does not belong to standard ${standardId}`);
  }
  const aimFields: Record<string, unknown> = {};
  for (const f of AIM_DATES)
    if (cells[f]) {
      const v = attempt(() => isoDate(f, cells[f]!));
      if (v) aimFields[f] = v;
    }
  if (cells.RegistrationNumber) aimFields.RegistrationNumber = cells.RegistrationNumber;
  if (cells.Status) {
    const s = await attemptAsync(() => dir.status(org, cells.Status!));
    if (s !== undefined) aimFields.Status = s;
  }
  if (Object.keys(aimFields).length > 0 && standardId === undefined && problems.length === 0) {
    problems.push(`${Object.keys(aimFields).join(', ')} belong to a learning aim: name its standard (Standard or StandardID)`);
  }
  const person = (column: 'AssessorMISID' | 'IQAMISID' | 'UnitAssessorMISID' | 'UnitIQAMISID', roles: number[]) =>
    cells[column] ? attempt(() => dir.staff(column, cells[column]!, org, roles)) : undefined;
  const assessor = person('AssessorMISID', ASSESSORS);
  const iqa = person('IQAMISID', IQAS);
  const unitAssessor = person('UnitAssessorMISID', ASSESSORS);
  const unitIqa = person('UnitIQAMISID', IQAS);
  const additional = cells.AdditionalMISID ? list(cells.AdditionalMISID).map((v) => attempt(() => dir.staff('AdditionalMISID', v, org, ADDITIONAL))) : [];
  if ((assessor || iqa) && standardId === undefined && !template && problems.length === 0)
    problems.push("AssessorMISID and IQAMISID fill a learning aim's slots: name its standard or a framework template");
  if ((unitAssessor || unitIqa) && unitIds.length === 0 && problems.length === 0)
    problems.push('UnitAssessorMISID and UnitIQAMISID fill unit slots: name the units (UnitID)');
  if (standardId === undefined && !template && unitIds.length === 0 && additional.length === 0 && problems.length === 0) {
    problems.push('the row names nothing to give: a Standard or StandardID, UnitID, FrameworkTemplate or FrameworkTemplateID, or staff');
  }
  if (problems.length > 0) throw new RowProblem(problems.join('; '));

  const needHeld = !!(assessor || iqa || additional.length > 0);
  let state = await states.of(learner.ID, needHeld);
  const actions: string[] = [];
  const dry = !!opts.dryRun;

  // The template first: it makes aims and units (with its dates and weightings) that the
  // row's other columns may then change.
  const templateStandards: number[] = [];
  if (template) {
    const items = await dir.itemsOf(template.ID);
    if (items) templateStandards.push(...new Set(items.map((i) => i.StandardID)));
    const missing = items?.filter((i) => (i.UnitID === null ? !state.aims.has(i.StandardID) : !state.units.has(unitKey(i.StandardID, i.UnitID))));
    if (!items || missing!.length > 0) {
      if (!dry) {
        await client.post(
          '/FrameworkTemplate/{id}/Assign/{userId}/{onlyChangeAssigned}',
          {},
          { id: template.ID, userId: learner.ID, onlyChangeAssigned: String(onlyChange) },
        );
        states.forget(learner.ID);
        state = await states.of(learner.ID, needHeld);
      } else if (missing && !onlyChange) {
        for (const i of missing) {
          if (i.UnitID === null) state.aims.set(i.StandardID, { ID: 0, StandardID: i.StandardID, values: {} });
          else state.units.set(unitKey(i.StandardID, i.UnitID), { ID: 0, StandardID: i.StandardID, UnitID: i.UnitID, AssessorID: null, IQAID: null });
        }
      }
      actions.push(`apply template ${template.ID} "${template.Title}"${onlyChange ? ' (only what the learner has)' : ''}`);
    }
  }

  if (standardId !== undefined && !state.aims.has(standardId)) {
    const id = dry ? 0 : ((await client.create('/Standard/{id}/Assign/{learnerId}', {} as never, { id: standardId, learnerId: learner.ID })).id ?? 0);
    state.aims.set(standardId, { ID: id, StandardID: standardId, values: {} });
    actions.push(`give standard ${standardId}${standard?.Reference ? ` ${standard.Reference}` : ''}`);
  }
  for (const unitId of unitIds) {
    if (standardId === undefined || state.units.has(unitKey(standardId, unitId))) continue;
    const id = dry
      ? 0
      : ((await client.create('/Unit/{unitId}/Assign/{learnerId}/{standardId}', {} as never, { unitId, learnerId: learner.ID, standardId })).id ?? 0);
    state.units.set(unitKey(standardId, unitId), { ID: id, StandardID: standardId, UnitID: unitId, AssessorID: null, IQAID: null });
    actions.push(`give unit ${unitId}`);
  }

  // The aim's dates, status and registration: only the fields that differ.
  if (standardId !== undefined && Object.keys(aimFields).length > 0) {
    const aim = state.aims.get(standardId)!;
    let current = aim.values;
    if (aim.ID > 0 && Object.keys(aimFields).some((f) => FULL_AIM_FIELDS.includes(f))) {
      aim.full ??= (await client.get('/LearningAim/{id}', { id: aim.ID })) as Record<string, unknown>;
      current = aim.full;
    }
    const changes: Record<string, unknown> = {};
    for (const [f, v] of Object.entries(aimFields)) if (!sameValue(f, v, current[f])) changes[f] = v;
    if (Object.keys(changes).length > 0) {
      if (!dry) await client.update('/LearningAim/{id}', { id: aim.ID }, changes as never);
      Object.assign(aim.values, changes);
      if (aim.full) Object.assign(aim.full, changes);
      actions.push(`set ${Object.keys(changes).join(', ')} of the standard ${standardId} aim`);
    }
  }

  // Staff. The server puts an IQA in the IQA slot and anyone else in the assessor slot.
  const assign = async (staff: Person, body: { Level: number; StandardID?: number; UnitID?: string }, what: string) => {
    if (!dry) await client.post('/User/{id}/Assign', { LearnerID: learner.ID, ...body } as never, { id: staff.ID });
    actions.push(`${what} ${staff.MISID ?? staff.Email}`);
  };
  const slotOf = (p: Person) => (IQAS.includes(p.Role) ? 'iqa' : 'assessor');
  const holders = (kind: 'LearningAim' | 'UnitSummary', slot: 'assessor' | 'iqa', standard: number, unit?: string) =>
    state.held
      ?.filter(
        (h) =>
          h.Kind === kind &&
          h.StandardID === standard &&
          (unit === undefined || h.UnitID === unit) &&
          (slot === 'iqa' ? IQAS.includes(h.Role) : !IQAS.includes(h.Role)),
      )
      .map((h) => h.UserID);
  const aimStandards = standardId !== undefined ? [standardId] : templateStandards;
  for (const s of aimStandards) {
    for (const p of [assessor, iqa]) {
      if (!p) continue;
      const now = state.aims.get(s)?.ID === 0 ? [] : holders('LearningAim', slotOf(p), s);
      if (now && now.length === 1 && now[0] === p.ID) continue;
      await assign(p, { Level: 3, StandardID: s }, `${slotOf(p) === 'iqa' ? 'IQA' : 'assessor'} of the standard ${s} aim:`);
      if (state.held) {
        const sameSlot = (h: Held) => h.Kind === 'LearningAim' && h.StandardID === s && IQAS.includes(h.Role) === IQAS.includes(p.Role);
        state.held = [...state.held.filter((h) => !sameSlot(h)), { UserID: p.ID, Role: p.Role, Kind: 'LearningAim', StandardID: s, UnitID: null }];
      }
    }
  }
  if (standardId !== undefined) {
    for (const unitId of unitIds) {
      const summary = state.units.get(unitKey(standardId, unitId))!;
      for (const p of [unitAssessor, unitIqa]) {
        if (!p) continue;
        if ((slotOf(p) === 'iqa' ? summary.IQAID : summary.AssessorID) === p.ID) continue;
        await assign(p, { Level: 2, UnitID: unitId, StandardID: standardId }, `${slotOf(p) === 'iqa' ? 'IQA' : 'assessor'} of unit ${unitId}:`);
        if (slotOf(p) === 'iqa') summary.IQAID = p.ID;
        else summary.AssessorID = p.ID;
      }
    }
  }
  for (const p of additional) {
    if (!p) continue;
    if (state.held?.some((h) => h.Kind === 'Additional' && h.UserID === p.ID)) continue;
    await assign(p, { Level: 1 }, 'additional staff:');
    state.held?.push({ UserID: p.ID, Role: p.Role, Kind: 'Additional', StandardID: null, UnitID: null });
  }

  return actions.length > 0 ? { kind: 'change', line, misid, learnerId: learner.ID, actions } : { kind: 'unchanged', line, misid, learnerId: learner.ID };
}

export function programmeLines(outcomes: ProgrammeOutcome[]): string[] {
  return outcomes.map((o) => {
    const where = `line ${o.line}${o.misid ? ` MISID ${o.misid}` : ''}`;
    switch (o.kind) {
      case 'change':
        return `change     ${where} (learner ${o.learnerId}): ${o.actions.join('; ')}`;
      case 'unchanged':
        return `unchanged  ${where} (learner ${o.learnerId})`;
      default:
        return `invalid    ${where}: ${o.code === undefined ? '' : `[${o.code}] `}${o.reason}`;
    }
  });
}

export function programmeSummary(outcomes: ProgrammeOutcome[], dryRun: boolean): string {
  const n = (k: ProgrammeOutcome['kind']) => outcomes.filter((o) => o.kind === k).length;
  const actions = outcomes.flatMap((o) => (o.kind === 'change' ? o.actions : []));
  const count = (prefix: string) => actions.filter((a) => a.startsWith(prefix)).length;
  const detail =
    `${count('give standard')} learning aims, ${count('give unit')} units, ${count('apply template')} templates, ` +
    `${count('set ')} aim updates, ${actions.filter((a) => / of the standard \d+ aim:| of unit |^additional/.test(a)).length} staff assignments`;
  return dryRun
    ? `Plan: ${n('change')} rows to change (${detail}), ${n('unchanged')} unchanged, ${n('invalid')} invalid. Dry run: nothing was changed.`
    : `Imported: ${n('change')} rows changed (${detail}), ${n('unchanged')} unchanged, ${n('invalid')} invalid.`;
}

export function registerImportProgramme(group: Command): void {
  addRemoteOptions(group.command('programme'))
    .description('Give learners standards, units or framework templates, and their assessors, IQAs and other staff, from a CSV file keyed by LearnerMISID')
    .argument('<file>', 'CSV with a header line; one learner and programme item per row (see the columns below)')
    .option('--organisation <id|name>', 'only learners of this organisation (default: every organisation of the customer)')
    .option('--mapping <file>', 'JSON object mapping your CSV headers to the column names below, e.g. {"Student Ref": "LearnerMISID"}')
    .option('--only-change-assigned', 'templates change only the aims and units the learner has (onlyChangeAssigned=true) unless a row says otherwise')
    .option('--dry-run', 'print the plan (what each row would give, set or assign) and change nothing')
    .option('--errors <file>', "where to write the rows that failed, with the server's code and message (default <file>.errors.csv)")
    .addOption(
      new Option('--concurrency <n>', "learners worked on at once (the server's rate limit is always respected)").argParser(parseConcurrency).default(4),
    )
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Columns (any case; empty cells are "not given"):
  LearnerMISID (or LearnerID)   the learner; required
  Standard or StandardID        the standard (ID, reference such as ST0070, or title): a learning aim
  UnitID                        unit IDs within that standard, separated by ";"
  FrameworkTemplate(ID)         a framework template (title or ID); OnlyChangeAssigned true/false
  StartDate, PlannedEnd, Status, RegistrationNumber, RegistrationDate, CertificateAppliedDate,
  AchievedDate                  the standard's learning aim (Status: a learning-aim status name or ID)
  AssessorMISID, IQAMISID       the aim's assessor and IQA (level 3; with a template, every standard in it)
  UnitAssessorMISID, UnitIQAMISID  the assessor and IQA of each unit of the row (level 2)
  AdditionalMISID               other staff (level 1: assessors, IQAs, employers, observers), ";"-separated
Staff are named by MISID or email within the learner's organisation. What the learner has
already is left alone and a holder already in a slot is not assigned again, so running the
same file twice changes nothing the second time. Exit status: 0 when every row was done or
already so, 2 when some rows were invalid, 1 on failure.
${examples(
  'learnfile import programme docs/examples/programme.csv --url http://localhost:3000 --token learnfile-demo-customer-token --dry-run',
  'learnfile import programme enrolments.csv --organisation "Northgate College" --mapping mis-columns.json --errors failed.csv',
)}`,
    )
    .action(async (file: string, opts: ProgrammeOptions) => {
      const client = remoteClient(opts.url, opts.token);
      const result = await importProgramme(client, file, opts);
      const show = opts.dryRun ? result.outcomes : result.outcomes.filter((o) => o.kind !== 'unchanged');
      for (const l of programmeLines(show)) print(l);
      print(programmeSummary(result.outcomes, !!opts.dryRun));
      if (result.errorFile) {
        print(`Rows that failed are in ${result.errorFile}; fix them and run the same command again (what was done is skipped).`);
        setExitStatus(2);
      }
    });
}
