// The life of a user after creation: searching, partial updates, archive and unarchive,
// delete, and the audit trail each write leaves. Everything goes through HTTP; the
// audit_log table is read directly only where the audit itself is the subject.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { engine, harness, tenantWithCentre, type Harness } from '../helpers.js';
import { insertLearnerStatus } from '../../src/server/resources/organisations/organisations.repository.js';
import { tokenHash } from '../../src/server/domain/secrets.js';

type H = Harness & { reset(): Promise<void> };
type Centre = Awaited<ReturnType<typeof tenantWithCentre>>;
type Fields = Record<string, unknown>;
interface UserRecord extends Fields {
  ID: number;
  LastModified: string;
  Archived: boolean;
}
interface Summary {
  ID: number;
  FirstName: string;
  LastName: string;
  MISID: string | null;
  Role: number;
  Email: string;
}
interface AuditRow {
  entity: string;
  entity_id: number;
  action: string;
  actor: string;
  changes: Record<string, { old: unknown; new: unknown }>;
}

const ROLE = { Learner: 1, TraineeAssessor: 4, Assessor: 5, IQA: 10, Employer: 40, Observer: 45 } as const;

const person = (t: Centre, role: number, extra: Fields = {}): Fields => ({
  OrganisationID: t.organisationId,
  FirstName: 'Sam',
  LastName: 'Jones',
  Email: 'sam@example.com',
  Role: role,
  ...extra,
});

async function createUser(t: Centre, role: number, extra: Fields = {}): Promise<number> {
  const res = await t.client.post('/User', person(t, role, extra));
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ ID: number }>().ID;
}

const createAssessor = (t: Centre, extra: Fields = {}) =>
  createUser(t, ROLE.Assessor, { FirstName: 'Alex', LastName: 'Assessor', Email: 'alex@example.com', ...extra });
const createEmployer = (t: Centre, extra: Fields = {}) =>
  createUser(t, ROLE.Employer, { FirstName: 'Erin', LastName: 'Employer', Email: 'erin@example.com', PlacementID: t.placementId, ...extra });
const createLearner = (t: Centre, assessorId: number, extra: Fields = {}) =>
  createUser(t, ROLE.Learner, { DefaultAssessorID: assessorId, ClassroomID: t.classroomId, PlacementID: t.placementId, ...extra });

async function getUser(t: Centre, id: number): Promise<UserRecord> {
  const res = await t.client.get(`/User/${id}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json<UserRecord>();
}

async function update(t: Centre, id: number, body: Fields): Promise<LightMyRequestResponse> {
  return t.client.post(`/User/${id}`, body);
}

function assertNoContent(res: LightMyRequestResponse, label = ''): void {
  assert.equal(res.statusCode, 204, `${label} ${res.body}`);
  assert.equal(res.body, '', label);
}

function assertRefused(res: LightMyRequestResponse, code: number, label = ''): void {
  assert.equal(res.statusCode, 400, `${label} ${res.body}`);
  assert.equal(res.json<{ code: number }>().code, code, `${label} ${res.body}`);
}

/** The matches of a search, [] for a 204 (whose body must then be empty). */
async function search(t: Centre, filter: Fields, path = '/User/Search'): Promise<Summary[]> {
  const res = await t.client.post(path, filter);
  if (res.statusCode === 204) {
    assert.equal(res.body, '');
    return [];
  }
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Summary[]>();
}
const ids = (rows: { ID: number }[]) => rows.map((r) => r.ID);

/**
 * Moves users' last change an hour into the past, in the table: a later change is then later
 * on any clock, without waiting for the database's clock to move on.
 */
async function ageUsers(h: H, ...ids: number[]): Promise<void> {
  await h.db.query(`UPDATE users SET updated_at = updated_at - interval '1 hour' WHERE id = ANY($1::int[])`, [ids]);
}

describe(`the user lifecycle (${engine})`, () => {
  let h: H;
  let t: Centre;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
    t = await tenantWithCentre(h);
  });

  async function audit(entityId: number, customerId = t.customerId): Promise<AuditRow[]> {
    return h.db.query<AuditRow>(
      `SELECT entity, entity_id::int AS entity_id, action, actor, changes FROM audit_log
        WHERE customer_id = $1 AND entity = 'user' AND entity_id = $2 ORDER BY id`,
      [customerId, entityId],
    );
  }
  async function auditCount(): Promise<number> {
    const [row] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    return row!.n;
  }
  /** The actor label the server writes for t's session: `session:<id> token:<id>`. */
  async function actorLabel(): Promise<string> {
    const [row] = await h.db.query<{ id: number; api_token_id: number }>('SELECT id::int AS id, api_token_id FROM sessions WHERE token_hash = $1', [
      tokenHash(t.client.session),
    ]);
    assert.ok(row, 'the session is stored');
    return `session:${row.id} token:${row.api_token_id}`;
  }

  describe('searching', () => {
    test('OrganisationID and Role filter the users, answering ID, FirstName, LastName, MISID, Role and Email', async () => {
      const other = await h.db.query<{ id: number }>(`INSERT INTO organisations (customer_id, name) VALUES ($1, 'Second centre') RETURNING id`, [t.customerId]);
      const otherOrg = other[0]!.id;
      const assessor = await createAssessor(t, { MISID: 'A-1' });
      const learner = await createLearner(t, assessor, { MISID: 'L-1' });
      const iqa = await createUser(t, ROLE.IQA);
      const elsewhere = await createUser(t, ROLE.IQA, { OrganisationID: otherOrg });

      assert.deepEqual(ids(await search(t, { OrganisationID: t.organisationId })), [assessor, learner, iqa]);
      assert.deepEqual(ids(await search(t, { OrganisationID: otherOrg })), [elsewhere]);
      assert.deepEqual(ids(await search(t, { Role: ROLE.IQA })), [iqa, elsewhere]);
      assert.deepEqual(ids(await search(t, { OrganisationID: t.organisationId, Role: ROLE.IQA })), [iqa]);
      const [row] = await search(t, { Role: ROLE.Learner });
      assert.deepEqual(row, { ID: learner, FirstName: 'Sam', LastName: 'Jones', MISID: 'L-1', Role: 1, Email: 'sam@example.com' });
    });

    test('FirstName and LastName match case-insensitively and exactly', async () => {
      const a = await createAssessor(t, { FirstName: 'John', LastName: 'Smith' });
      await createAssessor(t, { FirstName: 'Johnny', LastName: 'Smithson' });
      await createAssessor(t, { FirstName: 'Jon', LastName: 'Smith-Jones' });
      assert.deepEqual(ids(await search(t, { FirstName: 'JOHN' })), [a]);
      assert.deepEqual(ids(await search(t, { LastName: 'smith' })), [a]);
      assert.deepEqual(ids(await search(t, { firstname: 'john', LASTNAME: 'SMITH' })), [a], 'filter keys are case-insensitive');
      assert.deepEqual(await search(t, { FirstName: 'Joh' }), []);
    });

    test('a * in a name filter is a wildcard, while _ and % stay literal', async () => {
      const john = await createAssessor(t, { FirstName: 'John', LastName: 'Smith' });
      const joanna = await createAssessor(t, { FirstName: 'JOANNA', LastName: 'Smythe' });
      const bjorn = await createAssessor(t, { FirstName: 'Bjorn', LastName: 'Borg' });
      const pct = await createAssessor(t, { FirstName: 'J%', LastName: 'Per_cent' });
      assert.deepEqual(ids(await search(t, { FirstName: 'jo*' })), [john, joanna]);
      assert.deepEqual(ids(await search(t, { LastName: 'Sm*th*' })), [john, joanna]);
      assert.deepEqual(ids(await search(t, { FirstName: '*n*' })), [john, joanna, bjorn]);
      assert.deepEqual(ids(await search(t, { FirstName: 'J_*' })), [], '_ is not a single-character wildcard');
      assert.deepEqual(ids(await search(t, { FirstName: 'J%*' })), [pct], '% is matched literally');
      assert.deepEqual(ids(await search(t, { LastName: 'per_*' })), [pct]);
    });

    test('MISID matches exactly and Email matches case-insensitively', async () => {
      const a = await createAssessor(t, { MISID: 'MIS-001', Email: 'Pat.Lee@Example.com' });
      const b = await createAssessor(t, { MISID: 'MIS-0010', Email: 'pat.lee@example.org' });
      assert.deepEqual(ids(await search(t, { MISID: 'MIS-001' })), [a]);
      assert.deepEqual(ids(await search(t, { MISID: 'MIS-0010' })), [b]);
      assert.deepEqual(ids(await search(t, { Email: 'pat.lee@example.com' })), [a]);
      assert.deepEqual(ids(await search(t, { Email: 'PAT.LEE@EXAMPLE.ORG' })), [b]);
      assert.deepEqual(await search(t, { Email: 'pat.lee@example' }), []);
    });

    test('LastModified finds only the users changed at or after that instant, updates and archives included', async () => {
      const a = await createAssessor(t);
      const b = await createAssessor(t, { FirstName: 'Bea' });
      const c = await createAssessor(t, { FirstName: 'Cal' });
      await ageUsers(h, a, b, c);
      const since = new Date(Date.now() - 1_800_000).toISOString(); // after the three, before any change made now
      assert.deepEqual(await search(t, { LastModified: since }), [], 'nobody changed yet');
      assertNoContent(await update(t, b, { LastName: 'Baker' }));
      assert.deepEqual(ids(await search(t, { LastModified: since })), [b]);
      const offset = new Date(Date.parse(since) + 3_600_000).toISOString().replace('Z', '+01:00');
      assert.deepEqual(ids(await search(t, { LastModified: offset })), [b], 'the same instant written with an offset');
      assertNoContent(await t.client.post(`/User/${c}/Archive`));
      assert.deepEqual(ids(await search(t, { LastModified: since, Archived: true })), [c]);
      assert.deepEqual(ids(await search(t, { LastModified: since })), [b]);
      // And a time before everything finds every unarchived user.
      assert.deepEqual(ids(await search(t, { LastModified: '2000-01-01' })), [a, b]);
    });

    test('LastModified is inclusive: the instant a user was modified finds it', async () => {
      const a = await createAssessor(t);
      assertNoContent(await update(t, a, { LastName: 'Later' }));
      const { LastModified } = await getUser(t, a);
      // The stored time may carry microseconds; the ms-truncated instant is at or before it.
      assert.deepEqual(ids(await search(t, { LastModified })), [a]);
    });

    test('archived users are hidden by default and Archived: true shows only them', async () => {
      const a = await createAssessor(t);
      const b = await createAssessor(t);
      const c = await createAssessor(t);
      assertNoContent(await t.client.post(`/User/${b}/Archive`));
      assert.deepEqual(ids(await search(t, {})), [a, c]);
      assert.deepEqual(ids(await search(t, { Archived: false })), [a, c]);
      assert.deepEqual(ids(await search(t, { Archived: true })), [b]);
      assert.deepEqual(ids(await search(t, { FirstName: 'ALEX', Archived: true })), [b]);
      assert.deepEqual(ids(await search(t, {}, '/User/Search/1/10')), [a, c]);
    });

    test('no match answers 204 with an empty body', async () => {
      await createAssessor(t);
      const res = await t.client.post('/User/Search', { LastName: 'Nobody' });
      assertNoContent(res);
      const paged = await t.client.post('/User/Search/1/10', { LastName: 'Nobody' });
      assertNoContent(paged);
    });

    test('paged searches walk the matches in ID order with X-Total-Count, and a page past the end is 204', async () => {
      const made: number[] = [];
      for (let i = 0; i < 5; i++) made.push(await createAssessor(t, { MISID: `P${i}` }));
      await createUser(t, ROLE.IQA);
      const seen: number[] = [];
      for (let page = 1; page <= 3; page++) {
        const res = await t.client.post(`/User/Search/${page}/2`, { Role: ROLE.Assessor });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['x-total-count'], '5');
        const rows = res.json<Summary[]>();
        assert.equal(rows.length, page < 3 ? 2 : 1);
        seen.push(...ids(rows));
      }
      assert.deepEqual(seen, made);
      assert.deepEqual(
        seen,
        [...seen].sort((x, y) => x - y),
      );
      const past = await t.client.post('/User/Search/4/2', { Role: ROLE.Assessor });
      assertNoContent(past);
    });
  });

  describe('partial update', () => {
    test('answers 204 with an empty body and changes only the fields present', async () => {
      const assessor = await createAssessor(t, { MISID: 'M1', Telephone: '0100', HomeAddress: '1 Road' });
      const before = await getUser(t, assessor);
      const res = await update(t, assessor, { LastName: 'Newname', Telephone: '0200' });
      assertNoContent(res);
      const after = await getUser(t, assessor);
      assert.equal(after.LastName, 'Newname');
      assert.equal(after.Telephone, '0200');
      const { LastName: _l, Telephone: _t, LastModified: _m, ...restBefore } = before;
      const { LastName: _l2, Telephone: _t2, LastModified: _m2, ...restAfter } = after;
      assert.deepEqual(restAfter, restBefore);
    });

    test('a form-encoded update with lower-case keys is read like JSON', async () => {
      const assessor = await createAssessor(t);
      assertNoContent(await t.client.form(`/User/${assessor}`, { lastname: 'Formed', mobileNumber: '07700 900000' }));
      const after = await getUser(t, assessor);
      assert.equal(after.LastName, 'Formed');
      assert.equal(after.MobileNumber, '07700 900000');
    });

    test('stray ID, Username, OrganisationID, Role, Archived and LastModified keys are ignored', async () => {
      const assessor = await createAssessor(t);
      const other = await tenantWithCentre(h, { name: 'Other' });
      const before = await getUser(t, assessor);
      assertNoContent(
        await update(t, assessor, {
          ID: assessor + 1,
          Username: 'hijack',
          OrganisationID: other.organisationId,
          Role: ROLE.Learner,
          Archived: true,
          LastModified: '2000-01-01',
          KeychainID: 1,
          LastName: 'Only',
        }),
      );
      const after = await getUser(t, assessor);
      assert.deepEqual({ ...after, LastName: before.LastName, LastModified: before.LastModified }, before);
      assert.equal(after.LastName, 'Only');
    });

    test('bumps LastModified', async () => {
      const assessor = await createAssessor(t);
      await ageUsers(h, assessor);
      const before = await getUser(t, assessor);
      assertNoContent(await update(t, assessor, { FirstName: 'Changed' }));
      const after = await getUser(t, assessor);
      assert.ok(Date.parse(after.LastModified) > Date.parse(before.LastModified), `${after.LastModified} > ${before.LastModified}`);
    });

    test("changes a learner's default assessor, default employer, class and placement", async () => {
      const first = await createAssessor(t);
      const trainee = await createUser(t, ROLE.TraineeAssessor, { FirstName: 'Tia' });
      const employer = await createEmployer(t);
      const learner = await createLearner(t, first);
      const classroom = (await t.client.create('/Classroom', { OrganisationID: t.organisationId, Name: 'Class B' })).json<{ ID: number }>().ID;
      const placement = (await t.client.create('/Placement', { OrganisationID: t.organisationId, Name: 'Employer B' })).json<{ ID: number }>().ID;
      assertNoContent(
        await update(t, learner, {
          DefaultAssessorID: trainee,
          DefaultEmployerID: employer,
          ClassroomID: classroom,
          PlacementID: placement,
        }),
      );
      const after = await getUser(t, learner);
      assert.equal(after.DefaultAssessorID, trainee);
      assert.equal(after.DefaultEmployerID, employer);
      assert.equal(after.ClassroomID, classroom);
      assert.equal(after.PlacementID, placement);
    });

    test("a learner's class of another organisation is refused with -58 and nothing changes", async () => {
      const assessor = await createAssessor(t);
      const learner = await createLearner(t, assessor);
      const otherOrg = (
        await h.db.query<{ id: number }>(`INSERT INTO organisations (customer_id, name) VALUES ($1, 'Second centre') RETURNING id`, [t.customerId])
      )[0]!.id;
      const foreignClass = (await t.client.create('/Classroom', { OrganisationID: otherOrg, Name: 'Elsewhere' })).json<{ ID: number }>().ID;
      const foreignPlacement = (await t.client.create('/Placement', { OrganisationID: otherOrg, Name: 'Elsewhere' })).json<{ ID: number }>().ID;
      const before = await getUser(t, learner);
      assertRefused(await update(t, learner, { ClassroomID: foreignClass, LastName: 'Moved' }), -58);
      assertRefused(await update(t, learner, { PlacementID: foreignPlacement }), -57);
      assertRefused(await update(t, learner, { ClassroomID: 999999 }), -58);
      assert.deepEqual(await getUser(t, learner), before);
    });

    test('a default assessor who is not an assessor is refused with -104', async () => {
      const assessor = await createAssessor(t);
      const iqa = await createUser(t, ROLE.IQA);
      const otherLearner = await createLearner(t, assessor);
      const learner = await createLearner(t, assessor);
      assertRefused(await update(t, learner, { DefaultAssessorID: iqa }), -104);
      assertRefused(await update(t, learner, { DefaultAssessorID: otherLearner }), -104);
      assertRefused(await update(t, learner, { DefaultAssessorID: 999999 }), -104);
      assert.equal((await getUser(t, learner)).DefaultAssessorID, assessor);
    });

    test('a default employer who is not an Employer (role 40) is refused with -105', async () => {
      const assessor = await createAssessor(t);
      const observer = await createUser(t, ROLE.Observer, { PlacementID: t.placementId });
      const learner = await createLearner(t, assessor);
      assertRefused(await update(t, learner, { DefaultEmployerID: assessor }), -105);
      assertRefused(await update(t, learner, { DefaultEmployerID: observer }), -105);
      assert.equal((await getUser(t, learner)).DefaultEmployerID, null);
    });

    test("an unknown learner status is refused with -106; one of the centre's statuses is accepted", async () => {
      const assessor = await createAssessor(t);
      const learner = await createLearner(t, assessor);
      const status = (await insertLearnerStatus(h.db, t.organisationId, 'Continuing'))!;
      assertRefused(await update(t, learner, { LearnerStatusID: status + 1000 }), -106);
      assert.equal((await getUser(t, learner)).LearnerStatusID, null);
      assertNoContent(await update(t, learner, { LearnerStatusID: status }));
      assert.equal((await getUser(t, learner)).LearnerStatusID, status);
    });

    test('an unknown user answers 404', async () => {
      const res = await update(t, 999999, { LastName: 'Ghost' });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json<{ code: number }>().code, -404);
    });

    test("another customer's user answers 404 and is not changed", async () => {
      const other = await tenantWithCentre(h, { name: 'Other' });
      const theirs = await createAssessor(other, { LastName: 'Theirs' });
      const res = await update(t, theirs, { LastName: 'Mine' });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal((await getUser(other, theirs)).LastName, 'Theirs');
    });
  });

  describe('archive and unarchive', () => {
    test('archive answers 204; the user can still be read and shows Archived: true', async () => {
      const a = await createAssessor(t);
      assert.equal((await getUser(t, a)).Archived, false);
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      assert.equal((await getUser(t, a)).Archived, true);
    });

    test('an archived user refuses updates with -109 and keeps its values', async () => {
      const a = await createAssessor(t);
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      const before = await getUser(t, a);
      assertRefused(await update(t, a, { LastName: 'Changed' }), -109);
      assert.deepEqual(await getUser(t, a), before);
    });

    test('archiving twice is harmless and bumps LastModified', async () => {
      const a = await createAssessor(t);
      await ageUsers(h, a);
      const before = await getUser(t, a);
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      const after = await getUser(t, a);
      assert.equal(after.Archived, true);
      assert.ok(Date.parse(after.LastModified) > Date.parse(before.LastModified));
    });

    test('unarchive answers 204 and the user is back in searches and updatable', async () => {
      const a = await createAssessor(t);
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      assert.deepEqual(await search(t, {}), []);
      assertNoContent(await t.client.post(`/User/${a}/Unarchive`));
      assert.equal((await getUser(t, a)).Archived, false);
      assert.deepEqual(ids(await search(t, {})), [a]);
      assert.deepEqual(await search(t, { Archived: true }), []);
      assertNoContent(await update(t, a, { LastName: 'Back' }));
      assert.equal((await getUser(t, a)).LastName, 'Back');
    });

    test('archive and unarchive of an unknown user answer 404', async () => {
      assert.equal((await t.client.post('/User/999999/Archive')).statusCode, 404);
      assert.equal((await t.client.post('/User/999999/Unarchive')).statusCode, 404);
    });
  });

  describe('delete', () => {
    test('answers 204, after which the user reads as 404', async () => {
      const a = await createAssessor(t);
      assertNoContent(await t.client.delete(`/User/${a}`));
      const res = await t.client.get(`/User/${a}`);
      assert.equal(res.statusCode, 404);
      assert.deepEqual(await search(t, {}), []);
      assert.equal((await t.client.delete(`/User/${a}`)).statusCode, 404, 'a second delete finds nothing');
    });

    test('is refused with -110 while the user has a learning aim with progress, and allowed at progress 0', async () => {
      const assessor = await createAssessor(t);
      const learner = await createLearner(t, assessor);
      const fresh = await createLearner(t, assessor);
      await h.db.query('INSERT INTO learning_aims (customer_id, user_id, progress) VALUES ($1,$2,50)', [t.customerId, learner]);
      await h.db.query('INSERT INTO learning_aims (customer_id, user_id, progress) VALUES ($1,$2,0)', [t.customerId, fresh]);
      assertRefused(await t.client.delete(`/User/${learner}`), -110);
      assert.equal((await t.client.get(`/User/${learner}`)).statusCode, 200);
      assertNoContent(await t.client.delete(`/User/${fresh}`));
      assert.equal((await t.client.get(`/User/${fresh}`)).statusCode, 404);
    });

    test("is refused with -111 while the user is some learner's default assessor, and allowed once changed", async () => {
      const assessor = await createAssessor(t);
      const next = await createAssessor(t);
      const learner = await createLearner(t, assessor);
      assertRefused(await t.client.delete(`/User/${assessor}`), -111);
      assert.equal((await t.client.get(`/User/${assessor}`)).statusCode, 200);
      assertNoContent(await update(t, learner, { DefaultAssessorID: next }));
      assertNoContent(await t.client.delete(`/User/${assessor}`));
    });

    test("is refused with -111 while the user is some learner's default employer", async () => {
      const assessor = await createAssessor(t);
      const employer = await createEmployer(t);
      await createLearner(t, assessor, { DefaultEmployerID: employer });
      assertRefused(await t.client.delete(`/User/${employer}`), -111);
      assert.equal((await t.client.get(`/User/${employer}`)).statusCode, 200);
    });

    test('a delete racing a write that names the deleted user as default assessor answers 204 or 400, never 500', async () => {
      const keep = await createAssessor(t);
      const statuses: string[] = [];
      for (let i = 0; i < 10; i++) {
        const doomed = await createAssessor(t);
        const learner = await createLearner(t, keep);
        const [upd, created, del] = await Promise.all([
          update(t, learner, { DefaultAssessorID: doomed }),
          t.client.post('/User', person(t, ROLE.Learner, { DefaultAssessorID: doomed, ClassroomID: t.classroomId, PlacementID: t.placementId })),
          t.client.delete(`/User/${doomed}`),
        ]);
        statuses.push(`${upd.statusCode}/${created.statusCode}/${del.statusCode}`);
        for (const res of [upd, created, del]) assert.ok([200, 204, 400].includes(res.statusCode), `${statuses.join(' ')}: ${res.body}`);
        if (del.statusCode === 204) {
          assert.notEqual((await getUser(t, learner)).DefaultAssessorID, doomed);
          assert.equal(created.statusCode, 400, 'a learner cannot be created with a deleted assessor');
        }
      }
    });

    test('a user on a Keychain with a queued verification mail can be deleted', async () => {
      const k = await tenantWithCentre(h, { keychain: true, name: 'Keychained' });
      const res = await k.client.post('/User', person(k, ROLE.Assessor, { Email: 'kay@example.com' }));
      assert.equal(res.statusCode, 200, res.body);
      const id = Number(String(res.headers.location).split('/').pop());
      assertNoContent(await k.client.delete(`/User/${id}`));
      assert.equal((await k.client.get(`/User/${id}`)).statusCode, 404);
    });
  });

  describe('the audit trail', () => {
    test('create writes one row naming the session, with every field sent as new values', async () => {
      const a = await createAssessor(t, { MISID: 'M-9' });
      const rows = await audit(a);
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.equal(row!.action, 'create');
      assert.equal(row!.actor, await actorLabel());
      assert.deepEqual(row!.changes, {
        OrganisationID: { old: null, new: t.organisationId },
        FirstName: { old: null, new: 'Alex' },
        LastName: { old: null, new: 'Assessor' },
        Email: { old: null, new: 'alex@example.com' },
        Role: { old: null, new: ROLE.Assessor },
        MISID: { old: null, new: 'M-9' },
      });
    });

    test('update writes one row holding old and new values of exactly the changed fields', async () => {
      const a = await createAssessor(t, { Telephone: '0100' });
      assertNoContent(await update(t, a, { LastName: 'Newname', FirstName: 'Alex', Telephone: '0100' }));
      const rows = (await audit(a)).filter((r) => r.action !== 'create');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.action, 'update');
      assert.equal(rows[0]!.actor, await actorLabel());
      assert.deepEqual(rows[0]!.changes, { LastName: { old: 'Assessor', new: 'Newname' } });
    });

    test("a learner's reassignment is audited with the old and new assessor", async () => {
      const first = await createAssessor(t);
      const second = await createAssessor(t);
      const learner = await createLearner(t, first);
      assertNoContent(await update(t, learner, { DefaultAssessorID: second }));
      const rows = (await audit(learner)).filter((r) => r.action === 'update');
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0]!.changes, { DefaultAssessorID: { old: first, new: second } });
    });

    test('an update that changes nothing writes no audit row and keeps LastModified', async () => {
      const a = await createAssessor(t, { DOB: '1990-05-01', MISID: 'X' });
      const before = await getUser(t, a);
      const count = await auditCount();
      assertNoContent(await update(t, a, { LastName: 'Assessor', DOB: '1990-05-01T00:00:00Z', MISID: 'X' }));
      assertNoContent(await update(t, a, {}));
      assert.equal(await auditCount(), count);
      assert.equal((await getUser(t, a)).LastModified, before.LastModified);
    });

    test("re-sending a learner's values in other spellings (dates, ULN/NINO spacing, numbers, arrays) writes no audit row", async () => {
      const assessor = await createAssessor(t);
      const provider = (await t.client.post('/Provider', { Name: 'Humber Skills Partnership' })).json<number>();
      const learner = await createLearner(t, assessor, {
        ProviderID: provider,
        ULN: '9276308686',
        NINO: 'AB123456C',
        DOB: '2001-02-03',
        StartOn: '2022-09-01T00:00:00.00Z',
        SecondaryLLDDCodes: ['4', '9'],
        SupportFunding: true,
        L12: '31',
      });
      const before = await getUser(t, learner);
      const count = await auditCount();
      assertNoContent(
        await update(t, learner, {
          ProviderID: String(provider),
          ULN: '9276 308 686',
          NINO: 'ab 12 34 56 c',
          DOB: '2001-02-03T01:00:00+01:00',
          StartOn: '2022-09-01',
          SecondaryLLDDCodes: { 0: '4', 1: '9' },
          SupportFunding: 'TRUE',
          L12: '31',
          DefaultAssessorID: assessor,
          ClassroomID: t.classroomId,
          PlacementID: t.placementId,
        }),
      );
      assert.equal(await auditCount(), count, JSON.stringify((await audit(learner)).at(-1)));
      assert.deepEqual(await getUser(t, learner), before);
    });

    test('archive and unarchive each write one row; a repeated archive writes none', async () => {
      const a = await createAssessor(t);
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      assertNoContent(await t.client.post(`/User/${a}/Unarchive`));
      const rows = (await audit(a)).filter((r) => r.action !== 'create');
      const label = await actorLabel();
      assert.deepEqual(
        rows.map((r) => [r.action, r.actor, r.changes]),
        [
          ['archive', label, { Archived: { old: false, new: true } }],
          ['unarchive', label, { Archived: { old: true, new: false } }],
        ],
      );
    });

    test('delete writes one row keeping the old values', async () => {
      const a = await createAssessor(t, { MISID: 'GONE' });
      assertNoContent(await t.client.delete(`/User/${a}`));
      const rows = (await audit(a)).filter((r) => r.action !== 'create');
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.equal(row!.action, 'delete');
      assert.equal(row!.entity, 'user');
      assert.equal(row!.actor, await actorLabel());
      assert.deepEqual(row!.changes.LastName, { old: 'Assessor', new: null });
      assert.deepEqual(row!.changes.Email, { old: 'alex@example.com', new: null });
      assert.deepEqual(row!.changes.MISID, { old: 'GONE', new: null });
      assert.ok(Object.values(row!.changes).every((c) => c.new === null));
    });

    test('the audit rows belong to the customer that made the change', async () => {
      const other = await tenantWithCentre(h, { name: 'Other' });
      const a = await createAssessor(t);
      assertNoContent(await update(t, a, { LastName: 'X' }));
      assert.equal((await audit(a)).length, 2);
      assert.equal((await audit(a, other.customerId)).length, 0);
    });

    test('refused writes change nothing and write no audit row', async () => {
      const assessor = await createAssessor(t);
      const learner = await createLearner(t, assessor);
      const iqa = await createUser(t, ROLE.IQA);
      await h.db.query('INSERT INTO learning_aims (customer_id, user_id, progress) VALUES ($1,$2,50)', [t.customerId, learner]);
      const before = { assessor: await getUser(t, assessor), learner: await getUser(t, learner) };
      const count = await auditCount();

      assertRefused(await update(t, learner, { LastName: 'Half', ClassroomID: 999999 }), -58, 'bad class with a good name');
      assertRefused(await update(t, learner, { FirstName: 'Half', DefaultAssessorID: iqa }), -104, 'IQA as assessor');
      assertRefused(await update(t, learner, { Email: 'not-an-email' }), -100, 'bad email');
      assertRefused(await update(t, learner, { ULN: '1234567890', LastName: 'Half' }), -107, 'bad ULN');
      assertRefused(await t.client.delete(`/User/${learner}`), -110, 'progress');
      assertRefused(await t.client.delete(`/User/${assessor}`), -111, 'in use');
      assertRefused(await t.client.post('/User', person(t, ROLE.Learner, { ClassroomID: t.classroomId })), -104, 'create');

      assert.equal(await auditCount(), count);
      assert.deepEqual(await getUser(t, assessor), before.assessor);
      assert.deepEqual(await getUser(t, learner), before.learner);
      assert.equal((await search(t, {})).length, 3, 'nothing was created');
    });

    test('a refused update of an archived user writes no audit row', async () => {
      const a = await createAssessor(t);
      assertNoContent(await t.client.post(`/User/${a}/Archive`));
      const count = await auditCount();
      assertRefused(await update(t, a, { LastName: 'Nope' }), -109);
      assert.equal(await auditCount(), count);
    });
  });
});
