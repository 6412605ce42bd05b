// Tenancy of users: customer A's session can neither see, change, archive, delete nor
// refer to customer B's users and records, cannot tell that they exist, and leaves no
// trace in B's data or audit trail while trying.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { engine, harness, tenantWithCentre, type Harness } from '../helpers.js';
import { insertLearnerStatus } from '../../src/server/resources/organisations/organisations.repository.js';

type H = Harness & { reset(): Promise<void> };
type Centre = Awaited<ReturnType<typeof tenantWithCentre>>;
type Fields = Record<string, unknown>;

const ROLE = { Learner: 1, Assessor: 5, IQA: 10, Employer: 40 } as const;

async function createUser(t: Centre, role: number, fields: Fields): Promise<number> {
  const res = await t.client.post('/User', { OrganisationID: t.organisationId, Role: role, ...fields });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ ID: number }>().ID;
}
const createAssessor = (t: Centre, first: string, last: string, email: string) =>
  createUser(t, ROLE.Assessor, { FirstName: first, LastName: last, Email: email });
const createEmployer = (t: Centre, first: string, last: string, email: string) =>
  createUser(t, ROLE.Employer, { FirstName: first, LastName: last, Email: email, PlacementID: t.placementId });
const createLearner = (t: Centre, assessorId: number, first: string, last: string, email: string, extra: Fields = {}) =>
  createUser(t, ROLE.Learner, {
    FirstName: first,
    LastName: last,
    Email: email,
    DefaultAssessorID: assessorId,
    ClassroomID: t.classroomId,
    PlacementID: t.placementId,
    ...extra,
  });

/** Words that belong to B only: none may appear in anything A is answered. */
const B_SECRETS = [
  'Brunhilde',
  'Quaxley',
  'brunhilde.q@bravo.example',
  'Bartholomew',
  'Zephyrine',
  'bart.z@bravo.example',
  'Employa',
  'Bossworth',
  'boss@bravo.example',
  'Bravo Centre',
];

describe(`tenancy of users (${engine})`, () => {
  let h: H;
  let a: Centre;
  let b: Centre;
  let bAssessor: number;
  let bLearner: number;
  let bEmployer: number;
  let bArchived: number;
  let bStatus: number;
  let aAssessor: number;
  /** Every answer A got, checked for B's names and emails at the end of each test. */
  let answers: LightMyRequestResponse[];

  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
    a = await tenantWithCentre(h, { name: 'Alpha' });
    b = await tenantWithCentre(h, { name: 'Bravo Centre' });
    bStatus = (await insertLearnerStatus(h.db, b.organisationId, 'Bravo status'))!;
    bAssessor = await createAssessor(b, 'Brunhilde', 'Quaxley', 'brunhilde.q@bravo.example');
    bEmployer = await createEmployer(b, 'Employa', 'Bossworth', 'boss@bravo.example');
    bLearner = await createLearner(b, bAssessor, 'Bartholomew', 'Zephyrine', 'bart.z@bravo.example', {
      DefaultEmployerID: bEmployer,
      LearnerStatusID: bStatus,
      MISID: 'B-MIS-1',
    });
    bArchived = await createAssessor(b, 'Brunhilde', 'Quaxley', 'brunhilde.q@bravo.example');
    const archived = await b.client.post(`/User/${bArchived}/Archive`);
    assert.equal(archived.statusCode, 204, archived.body);
    aAssessor = await createAssessor(a, 'Ann', 'Alpha', 'ann@alpha.example');
    answers = [];
  });

  const bUsers = () => [bAssessor, bEmployer, bLearner, bArchived];

  /** B's users as B reads them, B's searches, and the audit rows of both customers. */
  async function snapshot() {
    const users: Record<number, string> = {};
    for (const id of bUsers()) {
      const res = await b.client.get(`/User/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      users[id] = res.body;
    }
    const searchB = (await b.client.post('/User/Search', {})).body;
    const searchBArchived = (await b.client.post('/User/Search', { Archived: true })).body;
    const audit = await h.db.query<{ customer_id: number; n: number }>(
      'SELECT customer_id, count(*)::int AS n FROM audit_log GROUP BY customer_id ORDER BY customer_id',
    );
    const usersInA = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE customer_id = $1', [a.customerId]);
    return { users, searchB, searchBArchived, audit, usersInA: usersInA[0]!.n };
  }

  /** A's call, remembered so that its answer can be checked for B's data. */
  async function asA(call: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
    const res = await call;
    answers.push(res);
    return res;
  }

  function assertNothingLeaked(): void {
    assert.ok(answers.length > 0);
    for (const res of answers) {
      for (const secret of B_SECRETS) {
        assert.ok(!res.body.toLowerCase().includes(secret.toLowerCase()), `answer ${res.statusCode} ${res.body} names ${secret}`);
      }
    }
  }

  function assertNotFound(res: LightMyRequestResponse, label: string): void {
    assert.equal(res.statusCode, 404, `${label}: ${res.body}`);
    assert.equal(res.json<{ code: number }>().code, -404, label);
  }

  function assertRefused(res: LightMyRequestResponse, code: number, label: string): void {
    assert.equal(res.statusCode, 400, `${label}: ${res.body}`);
    assert.equal(res.json<{ code: number }>().code, code, `${label}: ${res.body}`);
  }

  function assertNoContent(res: LightMyRequestResponse, label: string): void {
    assert.equal(res.statusCode, 204, `${label}: ${res.body}`);
    assert.equal(res.body, '', label);
  }

  test("A cannot read B's users: GET answers 404 like an unknown ID", async () => {
    for (const id of bUsers()) assertNotFound(await asA(a.client.get(`/User/${id}`)), `GET ${id}`);
    const unknown = await asA(a.client.get('/User/999999'));
    const foreign = await asA(a.client.get(`/User/${bLearner}`));
    assert.deepEqual(foreign.json(), unknown.json(), 'a foreign user is indistinguishable from a missing one');
    assertNothingLeaked();
  });

  test("A's updates of B's users answer 404 and change nothing in B", async () => {
    const before = await snapshot();
    for (const id of bUsers()) {
      assertNotFound(await asA(a.client.post(`/User/${id}`, { LastName: 'Hijacked', Email: 'evil@alpha.example' })), `update ${id}`);
    }
    assertNotFound(await asA(a.client.form(`/User/${bLearner}`, { lastname: 'Hijacked' })), 'form update');
    assert.deepEqual(await snapshot(), before);
    assertNothingLeaked();
  });

  test("A cannot archive or unarchive B's users (404) and their archived state stays", async () => {
    const before = await snapshot();
    for (const id of bUsers()) {
      assertNotFound(await asA(a.client.post(`/User/${id}/Archive`)), `archive ${id}`);
      assertNotFound(await asA(a.client.post(`/User/${id}/Unarchive`)), `unarchive ${id}`);
    }
    assert.deepEqual(await snapshot(), before);
    const learner = await b.client.get(`/User/${bLearner}`);
    const archived = await b.client.get(`/User/${bArchived}`);
    assert.equal(learner.json<{ Archived: boolean }>().Archived, false);
    assert.equal(archived.json<{ Archived: boolean }>().Archived, true);
    assertNothingLeaked();
  });

  test("A cannot delete B's users (404), even those that B could delete", async () => {
    const before = await snapshot();
    // bArchived has no learners and no progress: B itself may delete it.
    for (const id of [bArchived, bLearner, bEmployer, bAssessor]) assertNotFound(await asA(a.client.delete(`/User/${id}`)), `delete ${id}`);
    assert.deepEqual(await snapshot(), before);
    assertNothingLeaked();
  });

  test("A's searches never find B's users, by organisation, email, name or MISID", async () => {
    const filters: Fields[] = [
      { OrganisationID: b.organisationId },
      { OrganisationID: b.organisationId, Archived: true },
      { Email: 'brunhilde.q@bravo.example' },
      { Email: 'BART.Z@BRAVO.EXAMPLE' },
      { FirstName: 'Bartholomew' },
      { LastName: 'zephyrine' },
      { FirstName: 'Brunhilde', LastName: 'Quaxley', Archived: true },
      { FirstName: 'B*' },
      { MISID: 'B-MIS-1' },
      { Role: ROLE.Employer },
      { Role: ROLE.Learner },
    ];
    for (const filter of filters) {
      assertNoContent(await asA(a.client.post('/User/Search', filter)), `search ${JSON.stringify(filter)}`);
      const paged = await asA(a.client.post('/User/Search/1/50', filter));
      assertNoContent(paged, `paged search ${JSON.stringify(filter)}`);
      assert.equal(paged.headers['x-total-count'], '0');
    }
    // With no filter A finds its own user only.
    const all = await asA(a.client.post('/User/Search', { FirstName: '*' }));
    assert.equal(all.statusCode, 200, all.body);
    assert.deepEqual(
      all.json<{ ID: number }[]>().map((u) => u.ID),
      [aAssessor],
    );
    const archived = await asA(a.client.post('/User/Search', { Archived: true }));
    assertNoContent(archived, 'A has no archived users');
    assertNothingLeaked();
  });

  test("creating a user in B's organisation is refused with -11 and creates nothing", async () => {
    const before = await snapshot();
    const res = await asA(
      a.client.post('/User', {
        OrganisationID: b.organisationId,
        FirstName: 'Mallory',
        LastName: 'Intruder',
        Email: 'm@alpha.example',
        Role: ROLE.IQA,
      }),
    );
    assertRefused(res, -11, "B's organisation");
    const learner = await asA(
      a.client.post('/User', {
        OrganisationID: b.organisationId,
        FirstName: 'Mallory',
        LastName: 'Intruder',
        Email: 'm@alpha.example',
        Role: ROLE.Learner,
        DefaultAssessorID: bAssessor,
        ClassroomID: b.classroomId,
        PlacementID: b.placementId,
      }),
    );
    assertRefused(learner, -11, "a learner wholly inside B's organisation");
    assert.deepEqual(await snapshot(), before);
    assertNothingLeaked();
  });

  test("creating a learner in A's organisation that names B's class, placement, assessor or status is refused and creates nothing", async () => {
    const before = await snapshot();
    const good = {
      OrganisationID: a.organisationId,
      FirstName: 'Lena',
      LastName: 'Learner',
      Email: 'lena@alpha.example',
      Role: ROLE.Learner,
      DefaultAssessorID: aAssessor,
      ClassroomID: a.classroomId,
      PlacementID: a.placementId,
    };
    const cases: [string, Fields, number][] = [
      ['ClassroomID', { ClassroomID: b.classroomId }, -58],
      ['PlacementID', { PlacementID: b.placementId }, -57],
      ['DefaultAssessorID', { DefaultAssessorID: bAssessor }, -104],
      ['LearnerStatusID', { LearnerStatusID: bStatus }, -106],
      ['DefaultEmployerID', { DefaultEmployerID: bEmployer }, -105],
    ];
    for (const [field, change, code] of cases) {
      const res = await asA(a.client.post('/User', { ...good, ...change }));
      assertRefused(res, code, field);
      assert.deepEqual(
        res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field),
        [field],
        field,
      );
    }
    assert.deepEqual(await snapshot(), before, 'no user was created in A and nothing changed in B');
    // The same body with A's own references is accepted, so the refusals were about B's records.
    const ok = await a.client.post('/User', { ...good, LearnerStatusID: undefined });
    assert.equal(ok.statusCode, 200, ok.body);
    assertNothingLeaked();
  });

  test("A cannot point its own learner at B's class, placement, assessor, employer or status", async () => {
    const learner = await createLearner(a, aAssessor, 'Lena', 'Learner', 'lena@alpha.example');
    const own = (await a.client.get(`/User/${learner}`)).body;
    const before = await snapshot();
    const cases: [Fields, number][] = [
      [{ ClassroomID: b.classroomId }, -58],
      [{ PlacementID: b.placementId }, -57],
      [{ DefaultAssessorID: bAssessor }, -104],
      [{ DefaultEmployerID: bEmployer }, -105],
      [{ LearnerStatusID: bStatus }, -106],
    ];
    for (const [change, code] of cases) assertRefused(await asA(a.client.post(`/User/${learner}`, change)), code, JSON.stringify(change));
    assert.equal((await a.client.get(`/User/${learner}`)).body, own, "A's learner is unchanged");
    assert.deepEqual(await snapshot(), before);
    assertNothingLeaked();
  });

  test("A's attempts leave no audit row in B and none under A's session", async () => {
    const before = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    for (const id of bUsers()) {
      await asA(a.client.get(`/User/${id}`));
      await asA(a.client.post(`/User/${id}`, { LastName: 'Hijacked' }));
      await asA(a.client.post(`/User/${id}/Archive`));
      await asA(a.client.post(`/User/${id}/Unarchive`));
      await asA(a.client.delete(`/User/${id}`));
    }
    await asA(a.client.post('/User', { OrganisationID: b.organisationId, FirstName: 'M', LastName: 'I', Email: 'm@alpha.example', Role: ROLE.IQA }));
    assert.ok(
      answers.every((r) => r.statusCode === 404 || r.statusCode === 400),
      'every attempt was refused',
    );
    const afterwards = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    assert.equal(afterwards[0]!.n, before[0]!.n);
    const aboutB = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE entity = 'user' AND entity_id = ANY($1::bigint[]) AND customer_id <> $2`,
      [bUsers(), b.customerId],
    );
    assert.equal(aboutB[0]!.n, 0, "no customer but B has audit rows about B's users");
    assertNothingLeaked();
  });

  test("B still manages its own users after A's attempts", async () => {
    await asA(a.client.post(`/User/${bLearner}`, { LastName: 'Hijacked' }));
    await asA(a.client.delete(`/User/${bArchived}`));
    const update = await b.client.post(`/User/${bLearner}`, { LastName: 'Renamed' });
    assertNoContent(update, 'B updates its learner');
    assert.equal((await b.client.get(`/User/${bLearner}`)).json<{ LastName: string }>().LastName, 'Renamed');
    assertNoContent(await b.client.delete(`/User/${bArchived}`), 'B deletes its archived assessor');
    const rows = await h.db.query<{ customer_id: number; action: string }>(
      `SELECT customer_id, action FROM audit_log WHERE entity = 'user' AND entity_id = $1 ORDER BY id`,
      [bLearner],
    );
    assert.deepEqual(
      rows.map((r) => [r.customer_id, r.action]),
      [
        [b.customerId, 'create'],
        [b.customerId, 'update'],
      ],
    );
    assertNothingLeaked();
  });
});
