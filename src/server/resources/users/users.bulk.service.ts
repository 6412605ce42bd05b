/**
 * Bulk import of learners and staff for the operator (`users.bulkImport`, `learnfile
 * bulk-import users`): a chunk of up to 5,000 rows per call, each row judged by the same
 * rules as POST /User (the contract's schema through the API's own normalising and
 * validator, users.rules.ts, the provider check), and the chunk written by a handful of
 * set-based statements in one transaction: the users, their audit records and change
 * events, their Keychains and, where the organisation sends them, the verification mail.
 *
 * What differs from POST /User, on purpose (README, "Import, export and mirror"):
 * - Create only, keyed by MISID: a row whose MISID the organisation already has is
 *   skipped and reported, so re-running a file (after fixing its bad rows, or after an
 *   interruption) creates only what is missing. Changes to existing users go through
 *   `learnfile import users`, which compares field by field.
 * - No generated password. A centre that gives logins gets each user's login name as POST
 *   /User makes it (`jsmith42`), but no password: none is generated, hashed or shown, so
 *   none can leak from a log or a terminal, and the account cannot be signed in to until
 *   a password is set for it. POST /User shows its password once, to the caller that
 *   asked; a bulk load would have to print or file thousands of them, where they leak.
 */
import type { Database, Queryable } from '../../db/client.js';
import { queueEvents } from '../events/events.repository.js';
import { CreateUserBody, Roles } from '../../../contract/users.js';
import { ErrorCodes } from '../../../contract/errors.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import { newToken, tokenHash } from '../../domain/secrets.js';
import { ilrWarnings } from '../../domain/uk-data.js';
import { bodyChecker } from '../../http/validator.js';
import { keychainVerificationMail } from '../../mail/templates.js';
import { VERIFY_PATH } from '../keychain/keychain.service.js';
import { checkProvider, providerToCheck } from '../providers/providers.service.js';
import * as repo from './users.bulk.repository.js';
import {
  ASSESSOR_ROLES,
  carries,
  checkRole,
  checkUserValues,
  forRole,
  referencesToCheck,
  usernameBase,
  type OwnedTable,
  type UserRef,
  type Values,
} from './users.rules.js';
import { VERIFICATION_DAYS } from './users.service.js';

export const BULK_MAX_ROWS = 5000;

const LIST_FIELDS = new Set(
  Object.entries(CreateUserBody.properties)
    .filter(([, schema]) => (schema as { type?: unknown }).type === 'array')
    .map(([field]) => field.toLowerCase()),
);

/** Columns that name a record by MISID, name or email instead of its ID, and the field each fills. */
export const REFERENCE_COLUMNS = {
  Classroom: 'ClassroomID',
  Placement: 'PlacementID',
  LearnerStatus: 'LearnerStatusID',
  DefaultAssessor: 'DefaultAssessorID',
  DefaultEmployer: 'DefaultEmployerID',
} as const;
type RefColumn = keyof typeof REFERENCE_COLUMNS;
const REF_BY_KEY = new Map<string, RefColumn>(
  (Object.entries(REFERENCE_COLUMNS) as [RefColumn, string][]).flatMap(([col, field]) => [
    [col.toLowerCase(), col],
    [field.toLowerCase(), col],
  ]),
);
const OWNED: Partial<
  Record<RefColumn, { table: OwnedTable; what: string; error: 'CLASSROOM_NOT_FOUND' | 'PLACEMENT_NOT_FOUND' | 'LEARNER_STATUS_NOT_FOUND' }>
> = {
  Classroom: { table: 'classrooms', what: 'class', error: 'CLASSROOM_NOT_FOUND' },
  Placement: { table: 'placements', what: 'placement', error: 'PLACEMENT_NOT_FOUND' },
  LearnerStatus: { table: 'learner_statuses', what: 'learner status', error: 'LEARNER_STATUS_NOT_FOUND' },
};
const PEOPLE: Partial<Record<RefColumn, { roles: number[]; what: string; error: 'DEFAULT_ASSESSOR_INVALID' | 'DEFAULT_EMPLOYER_INVALID' }>> = {
  DefaultAssessor: { roles: ASSESSOR_ROLES, what: 'Assessor/Tutor or Trainee Assessor', error: 'DEFAULT_ASSESSOR_INVALID' },
  DefaultEmployer: { roles: [Roles.Employer], what: 'Employer', error: 'DEFAULT_EMPLOYER_INVALID' },
};

export interface BulkImportInput {
  organisationId: number;
  /** Cells keyed by API field names (any case) and the reference columns above; empty cells are "not given". */
  rows: Record<string, string>[];
  /** Judge every row and report, writing nothing. */
  dryRun?: boolean;
  /** Queue the verification mail a Keychain organisation sends (unless it suppresses it); false sends none. */
  mail?: boolean;
  actor?: string;
  /** Dry run: staff that earlier chunks of the same file would create, so later rows may name them. */
  plannedStaff?: { misid?: string | undefined; email?: string | undefined; role: number }[];
}

export interface BulkRowProblem {
  index: number;
  misid: string;
  code: number;
  message: string;
  errors: { field: string; message: string }[];
}

export interface BulkImportResult {
  /** Rows created (in a dry run: that would be). */
  created: number;
  /** Rows whose MISID the organisation already has: skipped. */
  existing: { index: number; misid: string; id: number; archived: boolean }[];
  invalid: BulkRowProblem[];
  /** ILR code warnings of rows that were (or would be) created, as POST /User answers them in Warning. */
  warnings: { index: number; misid: string; message: string }[];
  keychains: { created: number; linked: number };
  mails: number;
  /** Staff this chunk creates, for a dry run's next chunk (plannedStaff). */
  staff: { misid: string; email: string; role: number }[];
}

interface Row {
  index: number;
  misid: string;
  values: Values;
  refs: Partial<Record<RefColumn, string>>;
  issues: FieldIssue[];
  role: number | undefined;
}

interface BulkDeps {
  db: Database;
  publicUrl: () => string;
  mailQueued: () => void;
}

let checkBody: ReturnType<typeof bodyChecker> | undefined;

export class UsersBulkService {
  constructor(private readonly deps: BulkDeps) {}

  async import(input: BulkImportInput): Promise<BulkImportResult> {
    if (input.rows.length > BULK_MAX_ROWS) throw AppError.invalid([issue('rows', `must hold at most ${BULK_MAX_ROWS} rows; send a large file in chunks`)]);
    // Checked against the schema before the transaction: it is the chunk's main work in
    // JavaScript, and another chunk's statements may run meanwhile.
    const rows = input.rows.map((cells, index) => prepare(cells, index, input.organisationId));
    const result = await this.deps.db.transaction(async (tx) => {
      const org = await repo.organisationWithCustomer(tx, input.organisationId);
      if (!org) throw AppError.notFound(`No organisation with ID ${input.organisationId} (see: learnfile organisation list).`);
      const chunk = new Chunk(tx, org, rows, input);
      await chunk.readFacts();
      const staff = rows.filter((r) => r.role !== Roles.Learner);
      const learners = rows.filter((r) => r.role === Roles.Learner);
      // Staff first, so a learner may name a default assessor or employer from the same chunk.
      await chunk.admit(staff);
      await chunk.admit(learners);
      if (!input.dryRun) await chunk.write(this.deps.publicUrl());
      return chunk.result();
    });
    if (result.mails > 0) this.deps.mailQueued();
    return result;
  }
}

/** A row's cells as a body checked against the contract's schema, and its reference columns aside. */
/** What a column of the rows is: a reference column (by name, or an ID column), a list field, or a plain field. */
interface ColumnKind {
  ref: RefColumn | undefined;
  byNameOnly: boolean;
  list: boolean;
}
const columnKinds = new Map<string, ColumnKind>();
function kindOf(key: string): ColumnKind {
  let kind = columnKinds.get(key);
  if (!kind) {
    const k = key.trim().toLowerCase();
    const ref = REF_BY_KEY.get(k);
    kind = { ref, byNameOnly: ref !== undefined && k === ref.toLowerCase(), list: LIST_FIELDS.has(k) };
    // The keys are a file's column names: few, and the same in every row.
    if (columnKinds.size < 1000) columnKinds.set(key, kind);
  }
  return kind;
}

function prepare(cells: Record<string, string>, index: number, organisationId: number): Row {
  const body: Record<string, unknown> = {};
  const refs: Row['refs'] = {};
  for (const key in cells) {
    const raw = cells[key];
    if (typeof raw !== 'string' || raw.trim() === '') continue; // an empty cell is "not given"
    const kind = kindOf(key);
    // ClassroomID and friends take an ID; a value that is not a number names the record instead.
    if (kind.ref && (kind.byNameOnly || !/^\s*\d+\s*$/.test(raw))) refs[kind.ref] = raw.trim();
    // A list in one cell is written "4;5" (as exports write it), or "4|5".
    else if (kind.list)
      body[key] = raw
        .split(/[;|]/)
        .map((v) => v.trim())
        .filter(Boolean);
    else body[key] = raw;
  }
  checkBody ??= bodyChecker(CreateUserBody);
  body.OrganisationID = organisationId;
  const checked = checkBody(body);
  const values = checked.value as Values;
  const misid = typeof values.MISID === 'string' ? values.MISID : '';
  return { index, misid, values, refs, issues: checked.issues, role: typeof values.Role === 'number' ? values.Role : undefined };
}

interface Admitted {
  row: Row;
  values: Values;
  id: number;
  warnings: string[];
}

/** One chunk's work inside its transaction. */
class Chunk {
  private readonly byMisid = new Map<string, { id: number; archived: boolean }>();
  /** Per table: the organisation's rows a chunk may name, by lower-case MISID and by lower-case name. */
  private readonly named = new Map<OwnedTable, { byMisid: Map<string, number[]>; byName: Map<string, number[]> }>();
  private readonly ownedIds = new Set<string>();
  /** Staff rows may name: read from the database, planned by a dry run's earlier chunks, or made by this chunk. */
  private readonly staff = new Map<number, repo.StaffRow>();
  private readonly staffByKey = new Map<string, repo.StaffRow[]>();
  private providers = new Set<number>();
  private readonly admitted: Admitted[] = [];
  private readonly existing: BulkImportResult['existing'] = [];
  private readonly invalid: BulkRowProblem[] = [];
  private readonly seenMisid = new Map<string, number>();
  private keychains = { created: 0, linked: 0 };
  private mails = 0;
  private placeholder = 0;

  constructor(
    private readonly tx: Queryable,
    private readonly org: NonNullable<Awaited<ReturnType<typeof repo.organisationWithCustomer>>>,
    private readonly rows: Row[],
    private readonly input: BulkImportInput,
  ) {}

  private get customerId() {
    return this.org.customerId;
  }

  /** Everything the rules need to know about other records, in one statement per kind. */
  async readFacts(): Promise<void> {
    const { tx, customerId, rows } = this;
    const organisationId = this.org.ID;
    const misids = [...new Set(rows.map((r) => r.misid).filter(Boolean))];
    for (const u of await repo.usersByMisid(tx, customerId, organisationId, misids)) this.byMisid.set(u.mis_id, u);

    for (const [column, o] of Object.entries(OWNED) as [RefColumn, NonNullable<(typeof OWNED)[RefColumn]>][]) {
      const field = REFERENCE_COLUMNS[column];
      const ids = rows.map((r) => r.values[field]).filter((v): v is number => Number.isInteger(v));
      const keys = rows.map((r) => r.refs[column]).filter((v): v is string => v !== undefined);
      const found = await repo.namedRows(tx, o.table, customerId, organisationId, unique(ids), unique(keys));
      const byMisid = new Map<string, number[]>();
      const byName = new Map<string, number[]>();
      for (const n of found) {
        this.ownedIds.add(`${o.table}:${n.id}`);
        if (n.mis_id !== null) push(byMisid, n.mis_id.toLowerCase(), n.id);
        push(byName, n.name.toLowerCase(), n.id);
      }
      this.named.set(o.table, { byMisid, byName });
    }
    const staffIds = rows.flatMap((r) => referencesToCheck(r.values, r.issues).staffIds);
    const people = rows.flatMap((r) => [r.refs.DefaultAssessor, r.refs.DefaultEmployer]).filter((v): v is string => v !== undefined);
    const emails = people.filter((p) => p.includes('@'));
    for (const s of await repo.staffRows(tx, customerId, organisationId, unique(staffIds), unique(people), unique(emails))) this.addStaff(s);
    for (const p of this.input.plannedStaff ?? []) {
      this.addStaff({
        id: this.nextPlaceholder(),
        organisation_id: organisationId,
        role: p.role,
        archived: false,
        mis_id: p.misid ?? null,
        email: p.email ?? '',
      });
    }
    const providerIds = rows.map((r) => r.values.ProviderID).filter((v): v is number => typeof v === 'number');
    this.providers = await repo.existingProviders(tx, customerId, unique(providerIds));
  }

  private nextPlaceholder(): number {
    return -++this.placeholder;
  }

  private addStaff(s: repo.StaffRow): void {
    this.staff.set(s.id, s);
    if (s.organisation_id !== this.org.ID) return; // named by ID only
    if (s.mis_id !== null) push(this.staffByKey, `misid:${s.mis_id}`, s);
    if (s.email) push(this.staffByKey, `email:${emailKey(s.email)}`, s);
  }

  /** Judges the rows; the good ones get their IDs (placeholders in a dry run) and join the staff others may name. */
  async admit(rows: Row[]): Promise<void> {
    const good: Admitted[] = [];
    for (const row of rows) {
      const verdict = this.judge(row);
      if (verdict) good.push(verdict);
    }
    const ids = this.input.dryRun ? good.map(() => this.nextPlaceholder()) : await repo.allocateUserIds(this.tx, good.length);
    good.forEach((a, i) => {
      a.id = ids[i]!;
      if (a.row.role !== Roles.Learner) {
        this.addStaff({ id: a.id, organisation_id: this.org.ID, role: a.row.role!, archived: false, mis_id: a.row.misid, email: String(a.values.Email) });
      }
    });
    this.admitted.push(...good);
  }

  private judge(row: Row): Admitted | undefined {
    const found = row.misid ? this.byMisid.get(row.misid) : undefined;
    if (found) {
      this.existing.push({ index: row.index, misid: row.misid, id: found.id, archived: found.archived });
      return undefined;
    }
    const issues = row.issues;
    const values = row.values;
    if (!row.misid && !issues.some((i) => i.field === 'MISID')) {
      issues.push(issue('MISID', 'is required: it is what lets a re-run skip the users already imported'));
    }
    const earlier = this.seenMisid.get(row.misid);
    if (row.misid && earlier !== undefined) issues.push(issue('MISID', `${row.misid} already appears in row ${earlier + 1} of this chunk`));
    else if (row.misid) this.seenMisid.set(row.misid, row.index);
    for (const [column, text] of Object.entries(row.refs) as [RefColumn, string][]) {
      // A field the role does not carry is ignored, as POST /User ignores it, so it is not looked up either.
      if (carries(values.Role, REFERENCE_COLUMNS[column])) this.resolve(column, text, values, issues);
    }
    checkRole(values.Role, issues);
    const own = forRole(values.Role, values);
    const facts = { owns: (table: OwnedTable, id: number) => this.ownedIds.has(`${table}:${id}`), staff: this.staff as ReadonlyMap<number, UserRef> };
    checkUserValues(this.org.ID, values.Role, own, issues, true, facts);
    const provider = providerToCheck(own, undefined, issues);
    if (provider !== undefined) checkProvider(provider, this.providers.has(provider), issues);
    if (issues.length > 0) {
      const error = AppError.invalid(issues);
      this.invalid.push({
        index: row.index,
        misid: row.misid,
        code: ErrorCodes[error.error].code,
        message: error.message,
        errors: issues.map((i) => ({ field: i.field, message: i.message })),
      });
      return undefined;
    }
    return { row, values: own, id: 0, warnings: ilrWarnings(own as never) };
  }

  /** A reference column's MISID, name or email as the ID its field takes (or an issue naming it). */
  private resolve(column: RefColumn, text: string, values: Values, issues: FieldIssue[]): void {
    const field = REFERENCE_COLUMNS[column];
    const key = text.toLowerCase();
    const owned = OWNED[column];
    let matches: number[];
    let what: string;
    let error: FieldIssue['error'];
    if (owned) {
      const rows = this.named.get(owned.table)!;
      // The MISID first, then the name, as import users picks them.
      matches = rows.byMisid.get(key) ?? rows.byName.get(key) ?? [];
      what = `no ${owned.what} of the organisation by MISID or name`;
      error = owned.error;
    } else {
      const people = PEOPLE[column]!;
      const fit = (k: string) => (this.staffByKey.get(k) ?? []).filter((s) => people.roles.includes(s.role));
      const byMisid = fit(`misid:${text}`);
      matches = (byMisid.length > 0 ? byMisid : text.includes('@') ? fit(`email:${emailKey(text)}`) : []).map((s) => s.id);
      what = `no ${people.what} of the organisation by MISID or email`;
      error = people.error;
    }
    // The issue names the field the column fills, so the rules do not also call it missing.
    if (matches.length === 1) values[field] = matches[0];
    else issues.push(issue(field, matches.length === 0 ? `"${text}" matches ${what}` : `"${text}" matches ${matches.length} records; use its ID`, error));
  }

  /** The chunk's writes: Keychains, users, audit records and events, then verification mail. */
  async write(publicUrl: string): Promise<void> {
    const { tx, customerId, org } = this;
    const actor = this.input.actor ?? 'operator';
    const keychainOf = new Map<string, number>();
    if (org.KeychainCreationForNewUserActive && this.admitted.length > 0) {
      const spelling = new Map<string, string>();
      for (const a of this.admitted) {
        const email = String(a.values.Email);
        const key = emailKey(email);
        if (!spelling.has(key)) spelling.set(key, email);
      }
      const made: number[] = [];
      for (const k of await repo.upsertKeychainsAudited(tx, customerId, actor, [...spelling.values()], [...spelling.keys()])) {
        keychainOf.set(k.email_key, k.id);
        if (k.created) made.push(k.id);
      }
      this.keychains.created = made.length;
      await queueEvents(tx, { customerId, actor, entity: 'keychain', action: 'create', organisationId: null, fields: [] }, made);
      this.keychains.linked = this.admitted.length;
    }
    const newRows: repo.NewUserRow[] = this.admitted.map((a) => ({
      id: a.id,
      values: a.values,
      keychainId: org.KeychainCreationForNewUserActive ? keychainOf.get(emailKey(String(a.values.Email)))! : null,
      username: org.KeychainCreationForNewUserActive ? null : `${usernameBase(String(a.values.FirstName), String(a.values.LastName))}${a.id}`,
    }));
    await repo.insertUsersAudited(tx, customerId, actor, newRows);
    await queueEvents(
      tx,
      { customerId, actor, entity: 'user', action: 'create', organisationId: org.ID, fields: [] },
      this.admitted.map((a) => a.id),
    );

    if (org.KeychainCreationForNewUserActive && !org.KeychainEmailSuppression && this.input.mail !== false) {
      const verifications: { keychainId: number; userId: number; hash: Buffer }[] = [];
      const mails: Parameters<typeof repo.insertMails>[2] = [];
      for (const [i, a] of this.admitted.entries()) {
        const token = newToken();
        const keychainId = newRows[i]!.keychainId!;
        verifications.push({ keychainId, userId: a.id, hash: tokenHash(token) });
        const mail = keychainVerificationMail({
          firstName: String(a.values.FirstName),
          organisation: org.Name,
          days: VERIFICATION_DAYS,
          link: `${publicUrl}${VERIFY_PATH}/${token}`,
        });
        mails.push({ userId: a.id, to: String(a.values.Email), ...mail, secret: token });
      }
      await repo.insertVerifications(tx, customerId, verifications, VERIFICATION_DAYS);
      await repo.insertMails(tx, customerId, mails);
      this.mails = mails.length;
    }
  }

  result(): BulkImportResult {
    const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
    return {
      created: this.admitted.length,
      existing: this.existing.sort(byIndex),
      invalid: this.invalid.sort(byIndex),
      warnings: this.admitted.flatMap((a) => a.warnings.map((message) => ({ index: a.row.index, misid: a.row.misid, message }))).sort(byIndex),
      keychains: this.keychains,
      mails: this.mails,
      staff: this.admitted.filter((a) => a.row.role !== Roles.Learner).map((a) => ({ misid: a.row.misid, email: String(a.values.Email), role: a.row.role! })),
    };
  }
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

/** A Keychain's key for an email, as upsertKeychain computes it. */
const emailKey = (email: string): string => email.trim().toLowerCase();

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
