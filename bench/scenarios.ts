/**
 * What the benchmark measures, in one place: each scenario's request to our server, the
 * same request to the bare Fastify baseline, and the equivalent SQL the raw driver runs.
 * Imported by the bench itself and by the baseline process (bench/baseline-server.ts), so
 * both sides draw their random arguments from the same fixture in the same way.
 */
import { randomInt } from 'node:crypto';

/** One centre (organisation) of the loaded customer, with samples of its people. */
export interface Centre {
  id: number;
  keychain: boolean;
  classroomIds: number[];
  placementIds: number[];
  assessorIds: number[];
  /** A random sample of the centre's learners (at most LEARNER_SAMPLE). */
  learnerIds: number[];
  learners: number;
}

/** What the load made, as the scenarios need it. */
export interface Fixture {
  customerId: number;
  customerToken: string;
  standardId: number;
  /** Rows in users after the load (none archived). */
  users: number;
  organisations: number;
  /** Keychain creation off. */
  plain: Centre;
  /** Keychain creation on (verification mail queued). */
  keychain: Centre;
}

export const LEARNER_SAMPLE = 5000;
export const PAGE_SIZE = 50;
/** Pages of a full download: the largest page the server allows by default (MAX_PAGE_SIZE). */
export const DOWNLOAD_PAGE_SIZE = 1000;
export const STREAM_BATCH = 1000;
export const API = '/api/v2.1';

export type Query = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export interface Req {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const pick = <T>(xs: T[]): T => xs[randomInt(xs.length)]!;

const FIRST = [
  'Sam',
  'Alex',
  'Priya',
  'Jordan',
  'Chloe',
  'Mohammed',
  'Aisha',
  'Liam',
  'Olivia',
  'Noah',
  'Emma',
  'Oliver',
  'Amelia',
  'Jack',
  'Isla',
  'Harry',
  'Ava',
  'George',
  'Mia',
  'Leo',
];
const LAST = [
  'Patel',
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Khan',
];
/** The same names in SQL, for the bulk load. */
export const SQL_FIRST = `ARRAY[${FIRST.map((n) => `'${n}'`).join(',')}]`;
export const SQL_LAST = `ARRAY[${LAST.map((n) => `'${n}'`).join(',')}]`;

/** A new learner as a client sends it: the fields a MIS import typically fills. */
export function learnerBody(c: Centre): Record<string, unknown> {
  const first = pick(FIRST);
  const last = pick(LAST);
  const n = randomInt(1e12);
  return {
    OrganisationID: c.id,
    Role: 1,
    FirstName: first,
    LastName: last,
    Email: `${first}.${last}.${n}@example.org`.toLowerCase(),
    DefaultAssessorID: pick(c.assessorIds),
    ClassroomID: pick(c.classroomIds),
    PlacementID: pick(c.placementIds),
    MISID: `MIS${n}`,
    ULN: '9999999999',
    DOB: '2006-05-04T00:00:00.000Z',
    StartOn: '2026-09-01T00:00:00.000Z',
    PlannedEndDate: '2028-08-31T00:00:00.000Z',
    MobileNumber: '07700 900123',
  };
}

const mobile = () => `07700 ${String(randomInt(1e6)).padStart(6, '0')}`;

/** The SQL the baselines run: what a hand-written server would send for the same call. */
export const sql = {
  insertUser: (q: Query, customerId: number, b: Record<string, unknown>) =>
    q(
      `INSERT INTO users (customer_id, organisation_id, role, first_name, last_name, email, default_assessor_id,
       classroom_id, placement_id, mis_id, uln, dob, start_on, planned_end_date, mobile_number)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
      [
        customerId,
        b.OrganisationID,
        b.Role,
        b.FirstName,
        b.LastName,
        b.Email,
        b.DefaultAssessorID,
        b.ClassroomID,
        b.PlacementID,
        b.MISID,
        b.ULN,
        b.DOB,
        b.StartOn,
        b.PlannedEndDate,
        b.MobileNumber,
      ],
    ),
  updateUser: (q: Query, customerId: number, id: number, mobileNumber: string) =>
    q('UPDATE users SET mobile_number = $3, updated_at = now() WHERE customer_id = $1 AND id = $2', [customerId, id, mobileNumber]),
  selectUser: (q: Query, customerId: number, id: number) => q('SELECT * FROM users WHERE customer_id = $1 AND id = $2', [customerId, id]),
  selectCustomer: (q: Query, customerId: number) => q('SELECT id AS "ID", name AS "Name" FROM customers WHERE id = $1', [customerId]),
  assignAim: (q: Query, customerId: number, staffId: number, learnerId: number, standardId: number) =>
    q(
      `UPDATE learning_aims SET assessor_id = $2, updated_at = now()
      WHERE customer_id = $1 AND user_id = $3 AND standard_id = $4`,
      [customerId, staffId, learnerId, standardId],
    ),
  /** A page by OFFSET: the straightforward way, and the only one for a jump to a page never visited. */
  page: (q: Query, customerId: number, organisationId: number | undefined, role: number | undefined, offset: number, size: number) =>
    q(
      `SELECT id AS "ID", first_name AS "FirstName", last_name AS "LastName", mis_id AS "MISID", role AS "Role", email AS "Email"
       FROM users WHERE customer_id = $1 AND ($2::int IS NULL OR organisation_id = $2) AND ($3::int IS NULL OR role = $3)
        AND archived_at IS NULL ORDER BY id LIMIT $4 OFFSET $5`,
      [customerId, organisationId ?? null, role ?? null, size, offset],
    ),
  /** The next rows after a key: how a full walk or a stream reads. */
  after: (q: Query, customerId: number, afterId: number, size: number) =>
    q(
      `SELECT id AS "ID", first_name AS "FirstName", last_name AS "LastName", mis_id AS "MISID", role AS "Role", email AS "Email"
       FROM users WHERE customer_id = $1 AND archived_at IS NULL AND id > $2 ORDER BY id LIMIT $3`,
      [customerId, afterId, size],
    ),
};

/** Far pages of the unfiltered user list, all of one parity so that no page's predecessor is ever read (no page mark helps). */
export function farPages(users: number): number[] {
  const last = Math.max(1, Math.floor(users / PAGE_SIZE));
  const from = Math.max(1, Math.floor(last * 0.8));
  const pages: number[] = [];
  for (let p = last; p >= from; p -= 2) pages.push(p);
  return pages;
}

interface LoadScenarioBase {
  id: string;
  title: string;
  /** autocannon connections; undefined: --connections. */
  connections?: number;
  /** Expected status from our server / from the baseline. */
  expect: number;
  expectBaseline: number;
  /** What the raw driver runs, in words (for the report). */
  rawSql: string;
  ours(f: Fixture): () => Req;
  fastify(f: Fixture): () => Req;
  raw(f: Fixture, q: Query): () => Promise<unknown>;
}
export interface LoadScenario extends LoadScenarioBase {
  kind: 'load';
}
export interface WalkScenario {
  kind: 'walk';
  id: 'paged-download' | 'stream';
  title: string;
  rawSql: string;
}
export type Scenario = LoadScenario | WalkScenario;

const createScenario = (keychain: boolean, connections: number): LoadScenario => ({
  kind: 'load',
  id: `create-learner${keychain ? '-keychain' : ''}-c${connections}`,
  title: `POST /User, learner, Keychain ${keychain ? 'on' : 'off'} (${connections} conn.)`,
  connections,
  expect: 200,
  expectBaseline: 200,
  rawSql: 'one-row INSERT INTO users ... RETURNING id',
  ours: (f) => () => ({ method: 'POST', path: `${API}/User`, body: learnerBody(keychain ? f.keychain : f.plain) }),
  fastify: (f) => () => ({ method: 'POST', path: '/users', body: learnerBody(keychain ? f.keychain : f.plain) }),
  raw: (f, q) => () => sql.insertUser(q, f.customerId, learnerBody(keychain ? f.keychain : f.plain)),
});

export const SCENARIOS: Scenario[] = [
  createScenario(false, 1),
  createScenario(false, 32),
  createScenario(true, 1),
  createScenario(true, 32),
  {
    kind: 'load',
    id: 'update-user',
    title: 'POST /User/{id}, partial update',
    expect: 204,
    expectBaseline: 204,
    rawSql: 'UPDATE users SET mobile_number, updated_at WHERE customer_id AND id',
    ours: (f) => () => ({ method: 'POST', path: `${API}/User/${pick(f.plain.learnerIds)}`, body: { MobileNumber: mobile() } }),
    fastify: (f) => () => ({ method: 'POST', path: `/users/${pick(f.plain.learnerIds)}`, body: { MobileNumber: mobile() } }),
    raw: (f, q) => () => sql.updateUser(q, f.customerId, pick(f.plain.learnerIds), mobile()),
  },
  {
    kind: 'load',
    id: 'get-user',
    title: 'GET /User/{id}',
    expect: 200,
    expectBaseline: 200,
    rawSql: 'SELECT * FROM users WHERE customer_id AND id',
    ours: (f) => () => ({ method: 'GET', path: `${API}/User/${pick(f.plain.learnerIds)}` }),
    fastify: (f) => () => ({ method: 'GET', path: `/users/${pick(f.plain.learnerIds)}` }),
    raw: (f, q) => () => sql.selectUser(q, f.customerId, pick(f.plain.learnerIds)),
  },
  {
    kind: 'load',
    id: 'get-customer',
    title: 'GET /Customer',
    expect: 200,
    expectBaseline: 200,
    rawSql: 'SELECT id, name FROM customers WHERE id',
    ours: () => () => ({ method: 'GET', path: `${API}/Customer` }),
    fastify: () => () => ({ method: 'GET', path: '/customer' }),
    raw: (f, q) => () => sql.selectCustomer(q, f.customerId),
  },
  {
    kind: 'load',
    id: 'assign-level3',
    title: 'POST /User/{id}/Assign, level 3',
    expect: 204,
    expectBaseline: 204,
    rawSql: 'UPDATE learning_aims SET assessor_id WHERE customer_id AND user_id AND standard_id',
    ours: (f) => () => ({
      method: 'POST',
      path: `${API}/User/${pick(f.plain.assessorIds)}/Assign`,
      body: { LearnerID: pick(f.plain.learnerIds), Level: 3, StandardID: f.standardId },
    }),
    fastify: (f) => () => ({
      method: 'POST',
      path: `/users/${pick(f.plain.assessorIds)}/assign`,
      body: { LearnerID: pick(f.plain.learnerIds), StandardID: f.standardId },
    }),
    raw: (f, q) => () => sql.assignAim(q, f.customerId, pick(f.plain.assessorIds), pick(f.plain.learnerIds), f.standardId),
  },
  {
    kind: 'load',
    id: 'search-page1',
    title: `POST /User/Search/1/${PAGE_SIZE}, a centre's learners`,
    expect: 200,
    expectBaseline: 200,
    rawSql: `SELECT ... WHERE customer_id AND organisation_id AND role ORDER BY id LIMIT ${PAGE_SIZE}`,
    ours: (f) => () => ({ method: 'POST', path: `${API}/User/Search/1/${PAGE_SIZE}`, body: { OrganisationID: f.plain.id, Role: 1 } }),
    fastify: (f) => () => ({ method: 'POST', path: `/search/1/${PAGE_SIZE}`, body: { OrganisationID: f.plain.id, Role: 1 } }),
    raw: (f, q) => () => sql.page(q, f.customerId, f.plain.id, 1, 0, PAGE_SIZE),
  },
  {
    kind: 'load',
    id: 'search-deep-cold',
    title: `POST /User/Search/{far page}/${PAGE_SIZE}, a jump, every user`,
    expect: 200,
    expectBaseline: 200,
    rawSql: `SELECT ... WHERE customer_id ORDER BY id LIMIT ${PAGE_SIZE} OFFSET (80-100% of the rows)`,
    ours: (f) => {
      const pages = farPages(f.users);
      return () => ({ method: 'POST', path: `${API}/User/Search/${pick(pages)}/${PAGE_SIZE}`, body: {} });
    },
    fastify: (f) => {
      const pages = farPages(f.users);
      return () => ({ method: 'POST', path: `/search/${pick(pages)}/${PAGE_SIZE}`, body: {} });
    },
    raw: (f, q) => {
      const pages = farPages(f.users);
      return () => sql.page(q, f.customerId, undefined, undefined, (pick(pages) - 1) * PAGE_SIZE, PAGE_SIZE);
    },
  },
  {
    kind: 'walk',
    id: 'paged-download',
    title: `Full paged download, POST /User/Search/{1..n}/${DOWNLOAD_PAGE_SIZE}`,
    rawSql: `SELECT ... WHERE customer_id AND id > last ORDER BY id LIMIT ${DOWNLOAD_PAGE_SIZE}, until a short page`,
  },
  {
    kind: 'walk',
    id: 'stream',
    title: 'Unpaged stream, POST /User/Search (every user)',
    rawSql: `the same key walk in batches of ${STREAM_BATCH}`,
  },
];

export const SCENARIO_IDS = SCENARIOS.map((s) => s.id);

/** Scenarios whose id starts with one of the given names (create-learner picks both connection counts). */
export function selectScenarios(only: string[] | undefined): Scenario[] {
  if (!only || only.length === 0) return SCENARIOS;
  const unknown = only.filter((o) => !SCENARIOS.some((s) => s.id.startsWith(o)));
  if (unknown.length > 0) throw new Error(`--only: no scenario named ${unknown.join(', ')}; the scenarios are ${SCENARIO_IDS.join(', ')}`);
  return SCENARIOS.filter((s) => only.some((o) => s.id === o || s.id.startsWith(o)));
}
