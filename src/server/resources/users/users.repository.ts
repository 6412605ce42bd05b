import type { Queryable } from '../../db/client.js';
import { Statement, auditJson, changesJson, selectList, writable, type RecordSpec } from '../../db/records.js';
import { announceEvents, statementChanges } from '../events/events.repository.js';
import { ORGANISATION_COLUMNS, type OrganisationRow } from '../organisations/organisations.repository.js';
import type { User } from '../../../contract/users.js';
import { Filters, type Listing } from '../../db/search.js';

export const users: RecordSpec = {
  table: 'users',
  entity: 'user',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    Role: 'role',
    FirstName: 'first_name',
    LastName: 'last_name',
    Email: 'email',
    Username: 'username',
    KeychainID: 'keychain_id',
    KeychainVerified: 'coalesce((SELECT k.verified_at IS NOT NULL FROM keychains k WHERE k.id = keychain_id), false)',
    DefaultAssessorID: 'default_assessor_id',
    DefaultEmployerID: 'default_employer_id',
    ClassroomID: 'classroom_id',
    PlacementID: 'placement_id',
    MISID: 'mis_id',
    CreatedOn: 'created_on',
    CompanyName: 'company_name',
    MobileNumber: 'mobile_number',
    Telephone: 'telephone',
    Website: 'website',
    WorkAddress: 'work_address',
    HomeAddress: 'home_address',
    ProviderID: 'provider_id',
    ULN: 'uln',
    NINO: 'nino',
    EpisodeName: 'episode_name',
    CentreRegister: 'centre_register',
    DOB: 'dob',
    StartOn: 'start_on',
    PlannedEndDate: 'planned_end_date',
    L12: 'l12',
    L13: 'l13',
    L14: 'l14',
    L15: 'l15',
    L16: 'l16',
    PrimaryLLDDCode: 'primary_lldd_code',
    SecondaryLLDDCodes: 'secondary_lldd_codes',
    SupportFunding: 'support_funding',
    LearnerStatusID: 'learner_status_id',
    ContractedHours: 'contracted_hours',
    Archived: 'archived_at IS NOT NULL',
    LastModified: 'updated_at',
  },
  readOnly: ['Username', 'KeychainID', 'KeychainVerified', 'Archived', 'LastModified'],
  timestamps: ['CreatedOn', 'DOB', 'StartOn', 'PlannedEndDate'],
};

export interface UserRef {
  id: number;
  organisation_id: number;
  role: number;
  archived: boolean;
}

/** What a create or update needs to look up about the records its body names. */
export interface ReferenceQuery {
  /** The organisation the classroom, placement and learner status must belong to. */
  organisationId?: number | undefined;
  /** Read the organisation's row as well (a create names it in the body). */
  readOrganisation?: boolean;
  classroomId?: number | undefined;
  placementId?: number | undefined;
  learnerStatusId?: number | undefined;
  /** Default assessor and employer. */
  staffIds: number[];
  providerId?: number | undefined;
}

/** The answers: null where nothing was asked. */
export interface ReferenceFacts {
  organisation: OrganisationRow | null;
  classroom: boolean | null;
  placement: boolean | null;
  learnerStatus: boolean | null;
  staff: Map<number, UserRef>;
  provider: boolean | null;
}

/**
 * Everything a user write checks about the records it names, in one statement, limited to the
 * caller's customer ($1..$8, see factsParams). The organisation, class, placement, learner
 * status, users and provider named are locked against deletion (KEY SHARE) until the write
 * commits: a concurrent delete of a referenced user then either waits and sees the new
 * reference (-111), or wins and the write finds no such user (-104), never a foreign-key
 * failure. Locking them here also takes those locks before anything else the write locks
 * (the customer's event counter last), whichever way the write is made.
 */
const factsSql = (lock: string) => `WITH staff AS (
       SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users
        WHERE customer_id = $1 AND id = ANY($7::int[]) ORDER BY id${lock}),
     provider AS (SELECT id FROM providers WHERE customer_id = $1 AND id = $8::int${lock}),
     org AS (SELECT ${ORGANISATION_COLUMNS} FROM organisations WHERE $3::boolean AND customer_id = $1 AND id = $2${lock}),
     classroom AS (SELECT 1 FROM classrooms WHERE customer_id = $1 AND organisation_id = $2 AND id = $4::int${lock}),
     placement AS (SELECT 1 FROM placements WHERE customer_id = $1 AND organisation_id = $2 AND id = $5::int${lock}),
     learner_status AS (SELECT 1 FROM learner_statuses WHERE customer_id = $1 AND organisation_id = $2 AND id = $6::int${lock})
     SELECT (SELECT row_to_json(o) FROM org o) AS organisation,
            CASE WHEN $4::int IS NOT NULL THEN EXISTS (SELECT 1 FROM classroom) END AS classroom,
            CASE WHEN $5::int IS NOT NULL THEN EXISTS (SELECT 1 FROM placement) END AS placement,
            CASE WHEN $6::int IS NOT NULL THEN EXISTS (SELECT 1 FROM learner_status) END AS "learnerStatus",
            (SELECT coalesce(json_agg(s ORDER BY s.id), '[]'::json) FROM staff s) AS staff,
            CASE WHEN $8::int IS NOT NULL THEN EXISTS (SELECT 1 FROM provider) END AS provider`;
const FACTS = factsSql(' FOR KEY SHARE');
/**
 * The same facts without the locks, read before a checked create (outside a transaction,
 * locking rows would make the read a write of its own, with a commit to flush): the checked
 * statement reads them again with the locks.
 */
const FACTS_UNLOCKED = factsSql('');

/** FACTS's parameters. */
function factsParams(customerId: number, q: ReferenceQuery): unknown[] {
  return [
    customerId,
    q.organisationId ?? null,
    q.readOrganisation ?? false,
    q.classroomId ?? null,
    q.placementId ?? null,
    q.learnerStatusId ?? null,
    q.staffIds,
    q.providerId ?? null,
  ];
}

/** A digest of the facts row `f`, the same in any statement that reads the same facts. */
const FACTS_DIGEST = 'md5(row_to_json(f)::text)';

/** The facts, and their digest: a create may then be written by one statement that re-reads them (CheckedCreate). */
export async function referenceFacts(
  db: Queryable,
  customerId: number,
  q: ReferenceQuery,
  opts: { lock: boolean },
): Promise<ReferenceFacts & { digest: string }> {
  const rows = await db.query<Omit<ReferenceFacts, 'staff'> & { staff: UserRef[]; digest: string }>(
    `SELECT f.*, ${FACTS_DIGEST} AS digest FROM (${opts.lock ? FACTS : FACTS_UNLOCKED}) f`,
    factsParams(customerId, q),
  );
  const row = rows[0]!;
  return { ...row, staff: new Map(row.staff.map((r) => [r.id, r])) };
}

/**
 * The unlocked facts of recent creates and updates, kept per process so that the next write
 * naming the same records need not read them first: a cohort's creates name the same
 * organisation, classes, placements and assessors again and again. Kept facts are only ever
 * a guess. The checked statement reads them again under its locks and writes only if their
 * digest is the kept one; when it is not, the caller forgets them (forget) and writes in a
 * transaction, which reads them afresh. And a write about to be refused, for whatever
 * reason, is judged again on fresh ones first (users.service.ts checkValues), so a 400 names
 * what fresh facts find wrong. Keyed by customer: one customer's facts are never another's.
 */
export class FactsCache {
  private readonly entries = new Map<string, ReferenceFacts & { digest: string }>();
  /** How often kept facts were used, and forgotten (found stale), since the process started. */
  readonly counts = { reused: 0, forgotten: 0 };

  constructor(private readonly max = 1_000) {}

  /** The kept facts for the query if any (cached: true), else the facts read now, kept. */
  async read(db: Queryable, customerId: number, q: ReferenceQuery): Promise<ReferenceFacts & { digest: string; cached: boolean }> {
    const key = factsKey(customerId, q);
    const kept = this.entries.get(key);
    if (kept) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, kept);
      this.counts.reused++;
      return { ...kept, cached: true };
    }
    const facts = await referenceFacts(db, customerId, q, { lock: false });
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, facts);
    return { ...facts, cached: false };
  }

  forget(customerId: number, q: ReferenceQuery): void {
    if (this.entries.delete(factsKey(customerId, q))) this.counts.forgotten++;
  }
}

const factsKey = (customerId: number, q: ReferenceQuery) => `${customerId}:${JSON.stringify(factsParams(customerId, q))}`;

/**
 * A create written by one statement, outside any transaction: the statement reads the facts
 * again and writes only if their digest is still the one the rules were checked against
 * (else it writes nothing and the caller falls back to a transaction); it also writes the
 * audit records and change events of what it creates (events.repository statementChanges).
 */
export interface CheckedCreate {
  query: ReferenceQuery;
  digest: string;
  actor: string;
}

/** The opening of a checked create's statement: the facts and the guard `ok` (one row when they still hold). */
function checkedStart(st: Statement, checked: CheckedCreate): string {
  return `f AS (${FACTS}),
     ok AS (SELECT 1 FROM f WHERE ${FACTS_DIGEST} = ${st.p(checked.digest)}),`;
}

const fieldsOf = (cols: [string, string, unknown][]) => cols.map(([field]) => field);

/**
 * Inserts a user with a login: the username is the name's letters and the new ID, so the ID
 * is drawn first and the whole row written by one statement. Answers the row as stored and
 * the columns written (for the audit row). Checked (see CheckedCreate): one statement with
 * the facts, the audit record and the event, answering undefined when the facts changed.
 */
export async function insertLoginUser(
  db: Queryable,
  customerId: number,
  values: Record<string, unknown>,
  usernameBase: string,
  passwordHash: string,
  checked?: CheckedCreate,
): Promise<{ row: User; cols: [string, string, unknown][] } | undefined> {
  const cols = writable(users, values);
  const st = new Statement(checked ? factsParams(customerId, checked.query) : [customerId]);
  const head = checked ? checkedStart(st, checked) : '';
  const id = `n AS (SELECT nextval(pg_get_serial_sequence('users', 'id'))::int AS id${checked ? ' FROM ok' : ''})`;
  const insert = `u AS (
       INSERT INTO users (id, username, password_hash, customer_id${cols.map(([, c]) => `, ${c}`).join('')})
       SELECT n.id, ${st.p(usernameBase)} || n.id::text, ${st.p(passwordHash)}, $1${cols.map(([, , v]) => `, ${st.p(v)}`).join('')} FROM n
       RETURNING ${selectList(users)})`;
  const tail = checked
    ? `, ${statementChanges(st, customerId, checked.actor, [{ entity: 'user', action: 'create', from: 'u', id: 'u."ID"', organisationId: 'u."OrganisationID"', changes: changesJson(users, fieldsOf(cols), 'u') }])}
     SELECT * FROM u`
    : ' SELECT * FROM u';
  const rows = await db.query<User>(`WITH ${head} ${id}, ${insert}${tail}`, st.params);
  if (checked && rows[0]) announceEvents(db, customerId);
  return rows[0] ? { row: rows[0], cols } : undefined;
}

/** A user as read before a checked update, with a digest of the row (see updateUserChecked). */
export async function findUserWithDigest(db: Queryable, customerId: number, id: number): Promise<(User & { digest: string }) | undefined> {
  const rows = await db.query<User & { digest: string }>(
    `SELECT r.*, md5(row_to_json(r)::text) AS digest FROM (SELECT ${selectList(users)} FROM users WHERE customer_id = $1 AND id = $2) r`,
    [customerId, id],
  );
  return rows[0];
}

/**
 * A partial update written by one statement outside any transaction: it locks the user,
 * and writes `changed` only if the row (compared by digest with `before`, as read by
 * findUserWithDigest) and, when given, the facts the rules were checked against are as
 * they were; with the audit record (old values from `before`) and the change event.
 * Answers false when something changed in between (nothing written).
 */
export async function updateUserChecked(
  db: Queryable,
  customerId: number,
  before: User & { digest: string },
  changed: [string, string, unknown][],
  check: { facts?: { query: ReferenceQuery; digest: string } | undefined; actor: string },
): Promise<boolean> {
  const st = new Statement(check.facts ? factsParams(customerId, check.facts.query) : [customerId]);
  const id = st.p(before.ID);
  const facts = check.facts ? `f AS (${FACTS}),` : '';
  const factsOk = check.facts ? ` AND (SELECT ${FACTS_DIGEST} FROM f) = ${st.p(check.facts.digest)}` : '';
  const old = before as unknown as Record<string, unknown>;
  const sql = `WITH ${facts}
     cur AS (SELECT ${selectList(users)} FROM users WHERE customer_id = $1 AND id = ${id} FOR UPDATE),
     ok AS (SELECT 1 FROM cur WHERE md5(row_to_json(cur)::text) = ${st.p(before.digest)}${factsOk}),
     u AS (
       UPDATE users SET ${changed.map(([, column, value]) => `${column} = ${st.p(value)}`).join(', ')}, updated_at = now()
        WHERE customer_id = $1 AND id = ${id} AND EXISTS (SELECT 1 FROM ok)
       RETURNING ${selectList(users)}),
     ${statementChanges(st, customerId, check.actor, [
       {
         entity: 'user',
         action: 'update',
         from: 'u',
         id: 'u."ID"',
         organisationId: 'u."OrganisationID"',
         changes: changesJson(users, fieldsOf(changed), 'u', (field) => `${st.p(auditJson(old[field]))}::jsonb`),
         fields: fieldsOf(changed),
       },
     ])}
     SELECT u."ID" FROM u`;
  const written = (await db.query(sql, st.params)).length > 0;
  if (written) announceEvents(db, customerId);
  return written;
}

export interface KeychainSignUp {
  email: string;
  /** The verification email, when the organisation sends one. */
  verification?: { tokenHash: Buffer; days: number; subject: string; text: string; html: string | null; secret: string } | undefined;
}

/**
 * Inserts a user on the Keychain of their email (made if the customer has none for it), and
 * the verification token and email when one is sent, in one statement. The Keychain upsert is
 * one statement so that concurrent creates with the same new email all land on one Keychain
 * (keychain.repository.ts upsertKeychain does the same alone); the outbox row is the one
 * mail/outbox.repository.ts enqueueMail writes. Checked (see CheckedCreate): with the facts,
 * the audit records and events of the Keychain (when new) and the user; undefined when the
 * facts changed.
 */
export async function insertKeychainUser(
  db: Queryable,
  customerId: number,
  values: Record<string, unknown>,
  signUp: KeychainSignUp,
  checked?: CheckedCreate,
): Promise<{ row: User; cols: [string, string, unknown][]; keychainId: number; keychainCreated: boolean } | undefined> {
  const cols = writable(users, values);
  const v = signUp.verification;
  const st = new Statement(checked ? factsParams(customerId, checked.query) : [customerId]);
  const head = checked ? checkedStart(st, checked) : '';
  const email = st.p(signUp.email);
  const send = st.p(v !== undefined);
  const sql = `WITH ${head} kc AS (
       INSERT INTO keychains (customer_id, email, email_key) SELECT $1, ${email}, ${st.p(signUp.email.trim().toLowerCase())}${checked ? ' FROM ok' : ''}
       ON CONFLICT (customer_id, email_key) DO UPDATE SET email_key = EXCLUDED.email_key
       RETURNING id, (xmax = 0) AS created),
     u AS (
       INSERT INTO users (customer_id, keychain_id${cols.map(([, c]) => `, ${c}`).join('')})
       SELECT $1, kc.id${cols.map(([, , value]) => `, ${st.p(value)}`).join('')} FROM kc
       RETURNING ${selectList(users)}),
     verification AS (
       INSERT INTO keychain_verifications (customer_id, keychain_id, user_id, token_hash, expires_at)
       SELECT $1, kc.id, u."ID", ${st.p(v?.tokenHash ?? null)}, now() + make_interval(days => ${st.p(v?.days ?? null)}::int) FROM kc, u WHERE ${send}::boolean),
     mail AS (
       INSERT INTO mail_outbox (customer_id, user_id, to_address, subject, body_text, body_html, secret)
       SELECT $1, u."ID", ${email}, ${st.p(v?.subject ?? null)}, ${st.p(v?.text ?? null)}, ${st.p(v?.html ?? null)}, ${st.p(v?.secret ?? null)} FROM u WHERE ${send}::boolean)${
         checked
           ? `, ${statementChanges(st, customerId, checked.actor, [
               {
                 entity: 'keychain',
                 action: 'create',
                 from: 'kc WHERE kc.created',
                 id: 'kc.id',
                 organisationId: 'NULL',
                 changes: `jsonb_build_object('Email', jsonb_build_object('old', NULL, 'new', to_jsonb(${email}::text)))`,
               },
               {
                 entity: 'user',
                 action: 'create',
                 from: 'u',
                 id: 'u."ID"',
                 organisationId: 'u."OrganisationID"',
                 changes: changesJson(users, fieldsOf(cols), 'u'),
               },
             ])}`
           : ''
       }
     SELECT u.*, kc.created AS "KeychainCreated" FROM u, kc`;
  const rows = await db.query<User & { KeychainCreated?: boolean }>(sql, st.params);
  if (!rows[0]) return undefined;
  if (checked) announceEvents(db, customerId);
  const { KeychainCreated, ...row } = rows[0];
  return { row, cols, keychainId: row.KeychainID!, keychainCreated: KeychainCreated! };
}

/** Sets a login name that is unique by construction: letters from the name, then the unique user id. */
export async function assignUsername(db: Queryable, id: number, base: string, passwordHash: string): Promise<string> {
  const rows = await db.query<{ username: string }>('UPDATE users SET username = $2 || id::text, password_hash = $3 WHERE id = $1 RETURNING username', [
    id,
    base,
    passwordHash,
  ]);
  return rows[0]!.username;
}

export async function setArchived(db: Queryable, customerId: number, id: number, archived: boolean): Promise<boolean> {
  const rows = await db.query(
    `UPDATE users SET archived_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE customer_id = $1 AND id = $2 AND (archived_at IS NOT NULL) <> $3 RETURNING id`,
    [customerId, id, archived],
  );
  return rows.length > 0;
}

/** Why a user cannot be deleted yet: learning aims with progress, or learners that name them as default staff. */
export async function deleteBlockers(db: Queryable, id: number): Promise<{ progress: number; dependants: number }> {
  const rows = await db.query<{ progress: number; dependants: number }>(
    `SELECT (SELECT count(*) FROM learning_aims WHERE user_id = $1 AND progress > 0) AS progress,
            (SELECT count(*) FROM users WHERE default_assessor_id = $1 OR default_employer_id = $1) AS dependants`,
    [id],
  );
  return rows[0]!;
}

export function userListing(
  customerId: number,
  f: {
    OrganisationID?: number | undefined;
    Role?: number | undefined;
    FirstName?: string | undefined;
    LastName?: string | undefined;
    MISID?: string | undefined;
    Email?: string | undefined;
    LastModified?: string | undefined;
    Archived?: boolean | undefined;
  },
): Listing {
  return new Filters(customerId)
    .eq('organisation_id', f.OrganisationID)
    .eq('role', f.Role)
    .text('first_name', f.FirstName)
    .text('last_name', f.LastName)
    .eq('mis_id', f.MISID)
    .text('email', f.Email)
    .atLeast('updated_at', f.LastModified)
    .raw(f.Archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL')
    .listing('users', 'id AS "ID", first_name AS "FirstName", last_name AS "LastName", mis_id AS "MISID", role AS "Role", email AS "Email"', {
      // Every write to users is an audited change (create, update, archive, delete, the bulk
      // import, and the LastModified moves made beside audited changes).
      evented: true,
    });
}
