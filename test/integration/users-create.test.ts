import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, harness, newOrganisation, tenantWithCentre, type Harness } from '../helpers.js';
import { verifyPassword } from '../../src/server/domain/secrets.js';
import * as users from '../../src/server/resources/users/users.repository.js';

type Centre = Awaited<ReturnType<typeof tenantWithCentre>>;

const person = (t: Centre, role: number, extra: Record<string, unknown> = {}) => ({
  OrganisationID: t.organisationId,
  FirstName: 'Sam',
  LastName: 'Jones',
  Email: 'sam@example.com',
  Role: role,
  ...extra,
});

async function createUser(t: Centre, role: number, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await t.client.post('/User', person(t, role, extra));
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ ID: number }>().ID;
}

const learner = (t: Centre, assessorId: number, extra: Record<string, unknown> = {}) =>
  person(t, 1, { DefaultAssessorID: assessorId, ClassroomID: t.classroomId, PlacementID: t.placementId, ...extra });

describe(`creating users (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
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

  test('every role can be created with its mandatory fields, answering a username and a one-time password', async () => {
    const assessor = await createUser(t, 5);
    const bodies = [
      learner(t, assessor),
      person(t, 4),
      person(t, 5),
      person(t, 10),
      person(t, 40, { PlacementID: t.placementId }),
      person(t, 45, { PlacementID: t.placementId }),
    ];
    for (const body of bodies) {
      const res = await t.client.post('/User', body);
      assert.equal(res.statusCode, 200, res.body);
      const user = res.json();
      assert.equal(user.Role, body.Role);
      assert.match(user.Username, /^sjones\d+$/);
      assert.equal(typeof user.Password, 'string');
      assert.ok(user.Password.length >= 12);
    }
  });

  test('only a salted hash of the generated password is stored, it verifies, and reading the user never shows it', async () => {
    const res = await t.client.post('/User', person(t, 5));
    const { ID, Password } = res.json<{ ID: number; Password: string }>();
    const [row] = await h.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [ID]);
    assert.match(row!.password_hash, /^hmac-sha256\$/);
    assert.ok(!row!.password_hash.includes(Password));
    assert.ok(await verifyPassword(Password, row!.password_hash));
    assert.ok(!(await verifyPassword(`${Password}x`, row!.password_hash)));
    const read = await t.client.get(`/User/${ID}`);
    assert.equal(read.statusCode, 200);
    assert.ok(!('Password' in read.json()));
    assert.ok(!read.body.includes(Password) && !read.body.includes('hmac-sha256'));
  });

  test('two people with the same name get different usernames', async () => {
    const a = (await t.client.post('/User', person(t, 5))).json();
    const b = (await t.client.post('/User', person(t, 5))).json();
    assert.notEqual(a.Username, b.Username);
  });

  test('an unknown role answers 400 with code -103', async () => {
    const res = await t.client.post('/User', person(t, 7));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, -103);
  });

  test('creating a learner without a classroom answers 400 with code -58', async () => {
    const assessor = await createUser(t, 5);
    const body = learner(t, assessor);
    delete (body as Record<string, unknown>).ClassroomID;
    const res = await t.client.post('/User', body);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, -58);
    assert.deepEqual(
      res.json().errors.map((e: { field: string }) => e.field),
      ['ClassroomID'],
    );
  });

  test('a learner without placement or default assessor answers -57 and -104 for those fields', async () => {
    const res = await t.client.post('/User', person(t, 1, { ClassroomID: t.classroomId }));
    assert.equal(res.statusCode, 400);
    const codes = Object.fromEntries(res.json().errors.map((e: { field: string; code: number }) => [e.field, e.code]));
    assert.deepEqual(codes, { DefaultAssessorID: -104, PlacementID: -57 });
  });

  test('employers and observers without a placement answer 400 with code -57', async () => {
    for (const role of [40, 45]) {
      const res = await t.client.post('/User', person(t, role));
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, -57);
    }
  });

  test('a body with five problems gets one 400 naming all five', async () => {
    const res = await t.client.post('/User', {
      OrganisationID: t.organisationId,
      Role: 1,
      FirstName: 'Sam',
      LastName: 'Jones',
      Email: 'not-an-email',
      ClassroomID: 987654,
      PlacementID: 'abc',
      ULN: '1234567890',
      NINO: 'QQ123456A',
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    const fields = body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['ClassroomID', 'DefaultAssessorID', 'Email', 'NINO', 'PlacementID', 'ULN']);
    assert.match(body.message, /6 fields are invalid/);
    const codes = Object.fromEntries(body.errors.map((e: { field: string; code: number }) => [e.field, e.code]));
    assert.equal(codes.ClassroomID, -58);
    assert.equal(codes.ULN, -107);
    assert.equal(codes.NINO, -108);
    assert.equal(codes.PlacementID, -100);
    assert.equal((await h.db.query('SELECT 1 FROM users')).length, 0);
  });

  test('an unknown organisation is answered with -11 alone', async () => {
    const res = await t.client.post('/User', { OrganisationID: 999999, Role: 1, FirstName: '', Email: 'x' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, -11);
    assert.equal(res.json().errors, undefined);
  });

  test('references must be in the same organisation and of the right kind', async () => {
    const iqa = await createUser(t, 10);
    const assessor = await createUser(t, 5);
    const otherOrg = await newOrganisation(h.db, t.customerId, { name: 'Other centre' });
    const otherClass = (await t.client.create('/Classroom', { OrganisationID: otherOrg, Name: 'Elsewhere' })).json().ID;
    const otherStatus = (
      await h.db.query<{ id: number }>("INSERT INTO learner_statuses (customer_id, organisation_id, name) VALUES ($1, $2, 'x') RETURNING id", [
        t.customerId,
        otherOrg,
      ])
    )[0]!.id;
    const res = await t.client.post('/User', learner(t, iqa, { ClassroomID: otherClass, DefaultEmployerID: assessor, LearnerStatusID: otherStatus }));
    assert.equal(res.statusCode, 400);
    const codes = Object.fromEntries(res.json().errors.map((e: { field: string; code: number }) => [e.field, e.code]));
    assert.deepEqual(codes, { DefaultAssessorID: -104, ClassroomID: -58, DefaultEmployerID: -105, LearnerStatusID: -106 });
  });

  test('a trainee assessor may be a default assessor, an employer a default employer, and a learner status of the centre is accepted', async () => {
    const trainee = await createUser(t, 4);
    const employer = await createUser(t, 40, { PlacementID: t.placementId });
    const status = (
      await h.db.query<{ id: number }>("INSERT INTO learner_statuses (customer_id, organisation_id, name) VALUES ($1, $2, 'Continuing') RETURNING id", [
        t.customerId,
        t.organisationId,
      ])
    )[0]!.id;
    const res = await t.client.post('/User', learner(t, trainee, { DefaultEmployerID: employer, LearnerStatusID: status }));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().DefaultEmployerID, employer);
    assert.equal(res.json().LearnerStatusID, status);
  });

  test('every optional learner field comes back from GET as sent, dates in UTC ISO', async () => {
    const assessor = await createUser(t, 5);
    const provider = (await t.client.post('/Provider', { Name: 'Humber Skills Partnership' })).json<number>();
    const optional = {
      MISID: 'MIS-42',
      CreatedOn: '2022-02-23T12:49:33+01:00',
      CompanyName: 'Acme',
      MobileNumber: '07700 900123',
      Telephone: '0113 496 0000',
      Website: 'https://example.com',
      WorkAddress: '1 Work St',
      HomeAddress: '2 Home Rd',
      ProviderID: provider,
      ULN: '9276308686',
      NINO: 'AB123456C',
      EpisodeName: 'Episode 1',
      CentreRegister: 'Reg A',
      DOB: '2001-02-03',
      StartOn: '2022-09-01T00:00:00.00Z',
      PlannedEndDate: '2024-08-31T23:59:59.999Z',
      L12: '31',
      L13: 'F',
      L14: '1',
      L15: '4',
      L16: '12',
      PrimaryLLDDCode: '12',
      SecondaryLLDDCodes: ['4', '9'],
      SupportFunding: true,
    };
    const created = await t.client.post('/User', learner(t, assessor, optional));
    assert.equal(created.statusCode, 200, created.body);
    assert.equal(created.headers.warning, undefined);
    const user = (await t.client.get(`/User/${created.json().ID}`)).json();
    assert.deepEqual(Object.fromEntries(Object.keys(optional).map((k) => [k, user[k]])), {
      ...optional,
      CreatedOn: '2022-02-23T11:49:33.000Z',
      DOB: '2001-02-03T00:00:00.000Z',
      StartOn: '2022-09-01T00:00:00.000Z',
      PlannedEndDate: '2024-08-31T23:59:59.999Z',
    });
    assert.equal(user.DefaultAssessorID, assessor);
    assert.equal(user.ClassroomID, t.classroomId);
    assert.equal(user.PlacementID, t.placementId);
    assert.equal(user.Archived, false);
    assert.match(user.LastModified, /Z$/);
  });

  test('a form body with lower-case keys creates a learner, PHP arrays and TRUE included', async () => {
    const assessor = await createUser(t, 5);
    const res = await t.client.form('/user/', {
      organisationid: String(t.organisationId),
      firstname: 'Lee',
      lastname: 'Smith',
      email: 'lee@example.com',
      role: '1',
      defaultassessorid: String(assessor),
      classroomid: String(t.classroomId),
      placementid: String(t.placementId),
      'secondaryllddcodes[0]': '4',
      'secondaryllddcodes[1]': '5',
      supportfunding: 'TRUE',
      uln: '',
      nino: 'ab 12 34 56 c',
    });
    assert.equal(res.statusCode, 200, res.body);
    const user = (await t.client.get(`/User/${res.json().ID}`)).json();
    assert.deepEqual(user.SecondaryLLDDCodes, ['4', '5']);
    assert.equal(user.SupportFunding, true);
    assert.equal(user.ULN, null);
    assert.equal(user.NINO, 'AB123456C');
  });

  test('the ULN placeholder 9999999999 is accepted and a ULN with a bad check digit is refused with -107', async () => {
    const assessor = await createUser(t, 5);
    assert.equal((await t.client.post('/User', learner(t, assessor, { ULN: '9999999999' }))).statusCode, 200);
    const bad = await t.client.post('/User', learner(t, assessor, { ULN: '9276308687' }));
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, -107);
  });

  test('a NINO with a prefix that is never issued is refused with -108', async () => {
    const assessor = await createUser(t, 5);
    const res = await t.client.post('/User', learner(t, assessor, { NINO: 'GB123456A' }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, -108);
  });

  test('ILR codes outside the lists are stored as given and named in a Warning header', async () => {
    const assessor = await createUser(t, 5);
    const res = await t.client.post('/User', learner(t, assessor, { L12: '77', L15: '3' }));
    assert.equal(res.statusCode, 200);
    const warning = String(res.headers.warning);
    assert.match(warning, /^199 learnfile "L12 value/);
    assert.match(warning, /L15/);
    const user = (await t.client.get(`/User/${res.json().ID}`)).json();
    assert.equal(user.L12, '77');
    assert.equal(user.L15, '3');
  });

  test('learner-only fields sent for staff are ignored like unknown keys', async () => {
    const res = await t.client.post('/User', person(t, 5, { ULN: 'rubbish', ClassroomID: 424242, MISID: 'S1' }));
    assert.equal(res.statusCode, 200, res.body);
    const user = (await t.client.get(`/User/${res.json().ID}`)).json();
    assert.equal(user.ULN, null);
    assert.equal(user.ClassroomID, null);
    assert.equal(user.MISID, 'S1');
  });

  describe('one statement: the user, its audit records and events', () => {
    const auditOf = (entity: string, id: number) =>
      h.db.query<{ action: string; actor: string; changes: Record<string, { old: unknown; new: unknown }> }>(
        'SELECT action, actor, changes FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id',
        [entity, id],
      );
    const eventsOf = (customerId: number) =>
      h.db.query<{ seq: number; type: string; entity: string; entity_id: number; organisation_id: number | null; fields: unknown }>(
        'SELECT seq::int AS seq, type, entity, entity_id::int AS entity_id, organisation_id, fields FROM events WHERE customer_id = $1 ORDER BY seq',
        [customerId],
      );

    test('a learner with every field is audited with each written field as stored, and announced once', async () => {
      const assessor = await createUser(t, 5);
      const provider = (await t.client.post('/Provider', { Name: 'Humber Skills Partnership' })).json<number>();
      const before = (await eventsOf(t.customerId)).length;
      const body = learner(t, assessor, {
        MISID: 'MIS-42',
        CreatedOn: '2022-02-23T12:49:33.123456+01:00',
        ProviderID: provider,
        ULN: '9276308686',
        DOB: '2001-02-03',
        StartOn: '2022-09-01T00:00:00.00Z',
        PlannedEndDate: '2024-08-31T23:59:59.999Z',
        SecondaryLLDDCodes: ['4', '9'],
        SupportFunding: false,
        ContractedHours: 37.5,
      });
      const created = await t.client.post('/User', body);
      assert.equal(created.statusCode, 200, created.body);
      const id = created.json<{ ID: number }>().ID;
      const user = (await t.client.get(`/User/${id}`)).json<Record<string, unknown>>();
      const [row, ...more] = await auditOf('user', id);
      assert.equal(more.length, 0);
      assert.equal(row!.action, 'create');
      assert.match(row!.actor, /^session:\d+ token:\d+$/);
      // Exactly what the audit of a create has always held: every field sent, as GET answers it.
      assert.deepEqual(row!.changes, Object.fromEntries(Object.keys(body).map((k) => [k, { old: null, new: user[k] }])));
      assert.equal(user.CreatedOn, '2022-02-23T11:49:33.123Z');
      const events = (await eventsOf(t.customerId)).slice(before);
      assert.deepEqual(
        events.map(({ seq: _, ...e }) => e),
        [{ type: 'user.created', entity: 'user', entity_id: id, organisation_id: t.organisationId, fields: null }],
      );
      assert.equal(events[0]!.seq, before + 1);
    });

    test('on a Keychain centre, a new Keychain and the user are audited and announced in that order', async () => {
      const k = await tenantWithCentre(h, { keychain: true, name: 'Keychain customer' });
      // On a Keychain centre a create answers its user's URL in Location.
      const idOf = (res: { statusCode: number; body: string; headers: Record<string, unknown> }) => {
        assert.equal(res.statusCode, 200, res.body);
        return Number(/\/User\/(\d+)$/.exec(String(res.headers.location))![1]);
      };
      const assessor = idOf(await k.client.post('/User', { OrganisationID: k.organisationId, Role: 5, FirstName: 'A', LastName: 'B', Email: 'a@example.com' }));
      const before = (await eventsOf(k.customerId)).length;
      const id = idOf(await k.client.post('/User', learner(k as unknown as Centre, assessor, { Email: 'New.Person@Example.com' })));
      const [user] = await h.db.query<{ keychain_id: number }>('SELECT keychain_id FROM users WHERE id = $1', [id]);
      const keychain = await auditOf('keychain', user!.keychain_id);
      assert.deepEqual(
        keychain.map((r) => [r.action, r.changes]),
        [['create', { Email: { old: null, new: 'New.Person@Example.com' } }]],
      );
      assert.equal((await auditOf('user', id)).length, 1);
      const events = (await eventsOf(k.customerId)).slice(before);
      assert.deepEqual(
        events.map((e) => [e.seq - before, e.type, e.entity_id, e.organisation_id]),
        [
          [1, 'keychain.created', user!.keychain_id, null],
          [2, 'user.created', id, k.organisationId],
        ],
      );
      // A second account on the same email reuses the Keychain: only the user is new.
      idOf(await k.client.post('/User', learner(k as unknown as Centre, assessor, { Email: 'new.person@example.com' })));
      assert.deepEqual(
        (await eventsOf(k.customerId)).slice(before + 2).map((e) => e.type),
        ['user.created'],
      );
    });

    test('the statement writes nothing when what the checks read has changed since (the service then retries in a transaction)', async () => {
      const assessor = await createUser(t, 5);
      const query = { organisationId: t.organisationId, readOrganisation: true, classroomId: t.classroomId, placementId: t.placementId, staffIds: [assessor] };
      const facts = await users.referenceFacts(h.db, t.customerId, query, { lock: false });
      const values = learner(t, assessor);
      const counts = async () =>
        (
          await h.db.query<{ users: number; audit: number; events: number }>(
            `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM events)::int AS events`,
          )
        )[0]!;
      // The assessor is archived between the checks and the write.
      assert.equal((await t.client.post(`/User/${assessor}/Archive`, {})).statusCode, 204);
      const was = await counts();
      assert.equal(await users.insertLoginUser(h.db, t.customerId, values, 'sjones', 'x', { query, digest: facts.digest, actor: 'test' }), undefined);
      assert.deepEqual(await counts(), was);
      // Checked again, the same write goes through (with its audit record and event).
      const now = await users.referenceFacts(h.db, t.customerId, query, { lock: false });
      assert.notEqual(now.digest, facts.digest);
      assert.equal(now.staff.get(assessor)?.archived, true);
      const written = await users.insertLoginUser(h.db, t.customerId, values, 'sjones', 'x', { query, digest: now.digest, actor: 'test' });
      assert.ok(written);
      assert.deepEqual(await counts(), { users: was.users + 1, audit: was.audit + 1, events: was.events + 1 });
    });

    test("a cohort's creates reuse the facts the first one read; a change to them is caught by the statement and refused as before", async () => {
      const kept = (h.app as unknown as { userFacts: { counts: { reused: number; forgotten: number } } }).userFacts.counts;
      const assessor = await createUser(t, 5);
      const userCount = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE customer_id = $1', [t.customerId]))[0]!.n;
      assert.equal((await t.client.post('/User', learner(t, assessor))).statusCode, 200);
      const reused = kept.reused;
      assert.equal((await t.client.post('/User', learner(t, assessor))).statusCode, 200);
      assert.equal(kept.reused, reused + 1, "the second create used the first one's facts");
      // The assessor is archived: the kept facts say otherwise, and the statement sees through them.
      assert.equal((await t.client.post(`/User/${assessor}/Archive`, {})).statusCode, 204);
      const users = await userCount();
      const forgotten = kept.forgotten;
      const refused = await t.client.post('/User', learner(t, assessor));
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, /DefaultAssessorID/);
      assert.match(refused.body, /archived/);
      assert.equal(kept.forgotten, forgotten + 1);
      assert.equal(await userCount(), users);
      // Refused on fresh facts now kept; unarchived, the kept refusal is read again before it is answered.
      assert.equal((await t.client.post('/User', learner(t, assessor))).statusCode, 400);
      assert.equal((await t.client.post(`/User/${assessor}/Unarchive`, {})).statusCode, 204);
      const again = await t.client.post('/User', learner(t, assessor));
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(await userCount(), users + 1);
    });

    test('a 400 made with kept facts names every field that fresh facts find wrong', async () => {
      const assessor = await createUser(t, 5);
      assert.equal((await t.client.post('/User', learner(t, assessor))).statusCode, 200);
      // The kept facts still say the assessor is active; the body is malformed besides (a schema issue).
      assert.equal((await t.client.post(`/User/${assessor}/Archive`, {})).statusCode, 204);
      const res = await t.client.post('/User', learner(t, assessor, { DOB: 'yesterday' }));
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.body, /DOB/);
      assert.match(res.body, /DefaultAssessorID/);
    });

    test("kept facts are one customer's alone", async () => {
      const other = await tenantWithCentre(h, { name: 'Other customer' });
      const assessor = await createUser(t, 5);
      assert.equal((await t.client.post('/User', learner(t, assessor))).statusCode, 200);
      // The same IDs from another customer find nothing of the first one's.
      const res = await other.client.post('/User', { ...learner(t, assessor), OrganisationID: t.organisationId });
      assert.equal(res.statusCode, 400, res.body);
      const elsewhere = await other.client.post('/User', learner(other, assessor));
      assert.equal(elsewhere.statusCode, 400, elsewhere.body);
      assert.match(elsewhere.body, /DefaultAssessorID/);
    });

    test('an update is audited with old and new values as stored, and its event names the changed fields', async () => {
      const assessor = await createUser(t, 5);
      const id = (await t.client.post('/User', learner(t, assessor, { DOB: '2001-02-03', ContractedHours: 30, SecondaryLLDDCodes: ['4'] }))).json<{
        ID: number;
      }>().ID;
      const before = (await t.client.get(`/User/${id}`)).json<Record<string, unknown>>();
      const seen = (await eventsOf(t.customerId)).length;
      const res = await t.client.post(`/User/${id}`, {
        DOB: '2001-02-04T12:00:00.5+01:00',
        ContractedHours: 37.5,
        SecondaryLLDDCodes: ['4', '9'],
        MISID: null,
        FirstName: 'Sam',
      });
      assert.equal(res.statusCode, 204, res.body);
      const after = (await t.client.get(`/User/${id}`)).json<Record<string, unknown>>();
      const changed = ['DOB', 'ContractedHours', 'SecondaryLLDDCodes'];
      const rows = (await auditOf('user', id)).filter((r) => r.action === 'update');
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0]!.changes, Object.fromEntries(changed.map((k) => [k, { old: before[k], new: after[k] }])));
      assert.equal(after.DOB, '2001-02-04T11:00:00.500Z');
      const events = (await eventsOf(t.customerId)).slice(seen);
      assert.deepEqual(
        events.map((e) => [e.seq - seen, e.type, e.entity_id, e.organisation_id, e.fields]),
        [[1, 'user.updated', id, t.organisationId, changed]],
      );
    });

    test('an update statement writes nothing when the user changed after it was read', async () => {
      const assessor = await createUser(t, 5);
      const id = (await t.client.post('/User', learner(t, assessor))).json<{ ID: number }>().ID;
      const read = (await users.findUserWithDigest(h.db, t.customerId, id))!;
      assert.equal((await t.client.post(`/User/${id}`, { MobileNumber: '07700 900001' })).statusCode, 204);
      const counts = async () =>
        (
          await h.db.query<{ audit: number; events: number }>(
            `SELECT (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM events)::int AS events`,
          )
        )[0]!;
      const was = await counts();
      const change: [string, string, unknown][] = [['Telephone', 'telephone', '0113 496 0000']];
      assert.equal(await users.updateUserChecked(h.db, t.customerId, read, change, { actor: 'test' }), false);
      assert.deepEqual(await counts(), was);
      assert.equal((await t.client.get(`/User/${id}`)).json().Telephone, null);
      const fresh = (await users.findUserWithDigest(h.db, t.customerId, id))!;
      assert.equal(await users.updateUserChecked(h.db, t.customerId, fresh, change, { actor: 'test' }), true);
      assert.deepEqual(await counts(), { audit: was.audit + 1, events: was.events + 1 });
      assert.equal((await t.client.get(`/User/${id}`)).json().Telephone, '0113 496 0000');
    });
  });
});
