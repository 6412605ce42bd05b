// Spec section 5.5: reviews, visits, plans, timesheets, off-the-job summary, episodes and
// providers, through the HTTP surface (and the operator door for what only people write).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, testConfig, harnessPerSuite } from '../helpers.js';
import { OtjMethods } from '../../src/contract/offthejob.js';
import { OPERATOR_KEY, addEntry, insertAim, insertStandard, journeyCentre, operator, secondCentre, type JourneyCentre } from '../helpers.js';

describe(`the learner's journey (${engine})`, () => {
  const h = harnessPerSuite(testConfig({ OPERATOR_KEY }));

  const audit = (entity: string, id: number) =>
    h.db.query<{ actor: string; action: string; changes: Record<string, { old: unknown; new: unknown }> }>(
      'SELECT actor, action, changes FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id',
      [entity, id],
    );
  const lastModified = async (c: JourneyCentre, id: number) => (await c.client.get(`/User/${id}`)).json<{ LastModified: string }>().LastModified;
  /** An ID from a create's bare-integer answer. */
  const bareId = (res: { statusCode: number; body: string; headers: Record<string, unknown> }): number => {
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /^\d+$/);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    return JSON.parse(res.body) as number;
  };
  const book = (c: JourneyCentre, body: Record<string, unknown> = {}) =>
    c.client.post('/Review', { LearnerID: c.learner, AssessorID: c.assessor, ScheduledFor: '2026-10-05T10:00:00Z', ...body });
  const visit = (c: JourneyCentre, body: Record<string, unknown> = {}) =>
    c.client.post('/Visit', { LearnerID: c.learner, AssessorID: c.assessor, DateFrom: '2026-10-05T09:00:00Z', DateTo: '2026-10-05T11:00:00Z', ...body });

  describe('reviews', () => {
    test('POST /Review answers the new ID as a bare integer; GET /Review/{id} answers every field, Status 1 by default', async () => {
      const c = await journeyCentre(h);
      const id = bareId(await book(c, { EmployerID: c.employer, EndTime: '2026-10-05T12:00:00+01:00' }));
      const res = await c.client.get(`/Review/${id}`);
      assert.equal(res.statusCode, 200);
      const r = res.json<Record<string, unknown>>();
      assert.deepEqual(
        { ...r, CreatedOn: undefined, LastModified: undefined },
        {
          ID: id,
          OrganisationID: c.organisationId,
          LearnerID: c.learner,
          AssessorID: c.assessor,
          EmployerID: c.employer,
          Status: 1,
          CreatedOn: undefined,
          ScheduledFor: '2026-10-05T10:00:00.000Z',
          EndTime: '2026-10-05T11:00:00.000Z',
          StartedOn: null,
          AssessorSignedOn: null,
          LearnerSignedOn: null,
          EmployerSignedOn: null,
          VisitID: null,
          Progress: null,
          LastModified: undefined,
        },
      );
      assert.match(String(r.CreatedOn), /^\d{4}-\d{2}-\d{2}T/);
    });

    test('a form body with lower-case keys and a trailing slash books a review too', async () => {
      const c = await journeyCentre(h);
      const id = bareId(
        await c.client.form('/review/', { learnerid: String(c.learner), assessorid: String(c.assessor), status: '1', scheduledfor: '2026-10-05' }),
      );
      assert.equal((await c.client.get(`/Review/${id}`)).json<{ ScheduledFor: string }>().ScheduledFor, '2026-10-05T00:00:00.000Z');
    });

    test('every wrong reference is reported together with its own code, and nothing is written', async () => {
      const c = await journeyCentre(h);
      const other = await journeyCentre(h, 'Other');
      const visitOfOther = bareId(await visit(c, {}));
      const secondLearner = (
        await c.client.post('/User', {
          OrganisationID: c.organisationId,
          FirstName: 'Sam',
          LastName: 'Second',
          Email: 's@example.com',
          Role: 1,
          DefaultAssessorID: c.assessor,
          ClassroomID: c.classroomId,
          PlacementID: c.placementId,
        })
      ).json<{ ID: number }>().ID;
      const res = await c.client.post('/Review', {
        LearnerID: secondLearner,
        AssessorID: c.iqa,
        EmployerID: c.assessor,
        VisitID: visitOfOther,
        Status: 9,
        ScheduledFor: '2026-10-05T10:00:00Z',
        EndTime: '2026-10-05T09:00:00Z',
      });
      assert.equal(res.statusCode, 400);
      const codes = Object.fromEntries(res.json<{ errors: { field: string; code: number }[] }>().errors.map((e) => [e.field, e.code]));
      assert.deepEqual(codes, { AssessorID: -161, EmployerID: -162, VisitID: -163, Status: -164, EndTime: -166 });
      const notLearner = await c.client.post('/Review', { LearnerID: c.assessor, AssessorID: c.assessor });
      assert.equal(notLearner.json<{ code: number }>().code, -160);
      const otherCentreAssessor = await c.client.post('/Review', { LearnerID: c.learner, AssessorID: other.assessor });
      assert.equal(otherCentreAssessor.json<{ code: number }>().code, -161);
      const missing = await c.client.post('/Review', { AssessorID: c.assessor });
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(
        missing.json<{ errors: { field: string }[] }>().errors.map((e) => e.field),
        ['LearnerID'],
      );
      assert.equal((await h.db.query('SELECT 1 FROM reviews')).length, 0);
    });

    test('a trainee assessor may hold a review; an archived learner cannot be booked (-109)', async () => {
      const c = await journeyCentre(h);
      bareId(await book(c, { AssessorID: c.trainee }));
      assert.equal((await c.client.post(`/User/${c.learner}/Archive`)).statusCode, 204);
      assert.equal((await book(c)).json<{ code: number }>().code, -109);
    });

    test('POST /Review/Search filters on organisation, learner, assessor, status and the ScheduledFor window; pages; 204 on no match', async () => {
      const c = await journeyCentre(h);
      const second = await secondCentre(h, c);
      const a = bareId(await book(c, { ScheduledFor: '2026-10-01T09:00:00Z' }));
      const b = bareId(await book(c, { AssessorID: c.trainee, ScheduledFor: '2026-10-15T09:00:00Z', Status: 0 }));
      const d = bareId(await c.client.post('/Review', { LearnerID: second.learner, AssessorID: second.assessor, ScheduledFor: '2026-11-01T09:00:00Z' }));
      const ids = async (filter: Record<string, unknown>, path = '/Review/Search/') => {
        const res = await c.client.post(path, filter);
        return res.statusCode === 204 ? [] : res.json<{ ID: number }[]>().map((r) => r.ID);
      };
      assert.deepEqual(await ids({}), [a, b, d]);
      assert.deepEqual(await ids({ OrganisationID: c.organisationId }), [a, b]);
      assert.deepEqual(await ids({ LearnerID: second.learner }), [d]);
      assert.deepEqual(await ids({ AssessorID: c.trainee }), [b]);
      assert.deepEqual(await ids({ Status: 0 }), [b]);
      assert.deepEqual(await ids({ Status: 1 }), [a, d]);
      assert.deepEqual(await ids({ DateFrom: '2026-10-01T09:00:00Z', DateTo: '2026-10-15T09:00:00Z' }), [a, b]);
      assert.deepEqual(await ids({ DateFrom: '2026-10-02' }), [b, d]);
      assert.deepEqual(await ids({ DateTo: '2026-09-30' }), []);
      const first = await c.client.post('/Review/Search/1/2', {});
      assert.equal(first.headers['x-total-count'], '3');
      assert.deepEqual(first.json(), [
        { ID: a, LearnerID: c.learner, AssessorID: c.assessor, EmployerID: null, Status: 1, ScheduledFor: '2026-10-01T09:00:00.000Z' },
        { ID: b, LearnerID: c.learner, AssessorID: c.trainee, EmployerID: null, Status: 0, ScheduledFor: '2026-10-15T09:00:00.000Z' },
      ]);
      assert.deepEqual(await ids({}, '/review/search/2/2/'), [d]);
      assert.equal((await c.client.post('/Review/Search/3/2', {})).statusCode, 204);
      assert.equal((await c.client.post('/Review/Search', { LearnerID: 999 })).statusCode, 204);
    });

    test('signing moves the status forward: started 2, assessor 3, learner 4, employer 5; the assessor signs first', async () => {
      const c = await journeyCentre(h);
      const id = bareId(await book(c, { EmployerID: c.employer }));
      const status = async () => (await c.client.get(`/Review/${id}`)).json<{ Status: number }>().Status;
      const early = await c.client.post(`/Review/${id}`, { LearnerSignedOn: '2026-10-05T11:00:00Z', EmployerSignedOn: '2026-10-05T11:00:00Z' });
      assert.equal(early.statusCode, 400);
      assert.deepEqual(
        early.json<{ errors: { field: string; code: number }[] }>().errors.map((e) => [e.field, e.code]),
        [
          ['LearnerSignedOn', -165],
          ['EmployerSignedOn', -165],
        ],
      );
      assert.equal((await c.client.post(`/Review/${id}`, { StartedOn: '2026-10-05T10:00:00Z' })).statusCode, 204);
      assert.equal(await status(), 2);
      assert.equal((await c.client.post(`/Review/${id}`, { AssessorSignedOn: '2026-10-05T10:50:00Z', Progress: 35 })).statusCode, 204);
      assert.equal(await status(), 3);
      assert.equal((await c.client.post(`/Review/${id}`, { LearnerSignedOn: '2026-10-05T11:00:00Z' })).statusCode, 204);
      assert.equal(await status(), 4);
      assert.equal((await c.client.post(`/Review/${id}`, { EmployerSignedOn: '2026-10-06T08:00:00Z' })).statusCode, 204);
      assert.equal(await status(), 5);
      const r = (await c.client.get(`/Review/${id}`)).json<Record<string, unknown>>();
      assert.equal(r.Progress, 35);
      assert.equal(r.EmployerSignedOn, '2026-10-06T08:00:00.000Z');
    });

    test('an explicit Status wins; a cancelled review is not signed until reopened; a bad status is -164', async () => {
      const c = await journeyCentre(h);
      const id = bareId(await book(c));
      assert.equal((await c.client.post(`/Review/${id}`, { Status: 0 })).statusCode, 204);
      const signed = await c.client.post(`/Review/${id}`, { AssessorSignedOn: '2026-10-05T10:50:00Z' });
      assert.equal(signed.json<{ code: number }>().code, -165);
      assert.equal((await c.client.post(`/Review/${id}`, { Status: 7 })).json<{ code: number }>().code, -164);
      assert.equal((await c.client.post(`/Review/${id}`, { Status: 1, AssessorSignedOn: '2026-10-05T10:50:00Z' })).statusCode, 204);
      assert.equal((await c.client.get(`/Review/${id}`)).json<{ Status: number }>().Status, 1);
    });

    test('rescheduling checks the times against what is stored; the learner never changes; unknown review is 404', async () => {
      const c = await journeyCentre(h);
      const id = bareId(await book(c, { EndTime: '2026-10-05T11:00:00Z' }));
      assert.equal((await c.client.post(`/Review/${id}`, { ScheduledFor: '2026-10-05T12:00:00Z' })).json<{ code: number }>().code, -166);
      assert.equal(
        (await c.client.post(`/Review/${id}`, { ScheduledFor: '2026-10-06T10:00:00Z', EndTime: '2026-10-06T11:00:00Z', LearnerID: c.assessor })).statusCode,
        204,
      );
      const r = (await c.client.get(`/Review/${id}`)).json<{ LearnerID: number; ScheduledFor: string }>();
      assert.deepEqual([r.LearnerID, r.ScheduledFor], [c.learner, '2026-10-06T10:00:00.000Z']);
      assert.equal((await c.client.post('/Review/999', { Progress: 1 })).statusCode, 404);
      assert.equal((await c.client.get('/Review/999')).statusCode, 404);
    });

    test("booking and changing a review are audited in the change's transaction and move the learner's LastModified", async () => {
      const c = await journeyCentre(h);
      const before = await lastModified(c, c.learner);
      const id = bareId(await book(c));
      const afterBooking = await lastModified(c, c.learner);
      assert.ok(afterBooking > before);
      assert.equal((await c.client.post(`/Review/${id}`, { Progress: 10 })).statusCode, 204);
      assert.ok((await lastModified(c, c.learner)) > afterBooking);
      const trail = await audit('review', id);
      assert.deepEqual(
        trail.map((a) => a.action),
        ['create', 'update'],
      );
      assert.match(trail[0]!.actor, /^session:\d+ token:\d+$/);
      assert.deepEqual(trail[1]!.changes, { Progress: { old: null, new: 10 } });
      const same = await lastModified(c, c.learner);
      assert.equal((await c.client.post(`/Review/${id}`, { Progress: 10 })).statusCode, 204);
      assert.equal(await lastModified(c, c.learner), same, 'a change that changes nothing moves nothing');
      assert.equal((await audit('review', id)).length, 2);
    });
  });

  describe('visits', () => {
    test('POST /Visit answers a bare integer; the default type is 2; GET /Visit/{id} reads it back', async () => {
      const c = await journeyCentre(h);
      const id = bareId(await visit(c, { SMSReminder: 'true' }));
      const v = (await c.client.get(`/Visit/${id}`)).json<Record<string, unknown>>();
      assert.deepEqual(
        { ...v, LastModified: undefined },
        {
          ID: id,
          OrganisationID: c.organisationId,
          LearnerID: c.learner,
          AssessorID: c.assessor,
          DateFrom: '2026-10-05T09:00:00.000Z',
          DateTo: '2026-10-05T11:00:00.000Z',
          VisitTypeID: 2,
          SMSReminder: true,
          LastModified: undefined,
        },
      );
      assert.deepEqual(
        (await audit('visit', id)).map((a) => a.action),
        ['create'],
      );
    });

    test("DateTo must be after DateFrom; missing fields are named; the organisation, when given, must be the learner's", async () => {
      const c = await journeyCentre(h);
      const second = await secondCentre(h, c);
      assert.equal((await visit(c, { DateTo: '2026-10-05T09:00:00Z' })).json<{ code: number }>().code, -166);
      const missing = await c.client.post('/Visit', { LearnerID: c.learner });
      assert.deepEqual(
        missing
          .json<{ errors: { field: string }[] }>()
          .errors.map((e) => e.field)
          .sort(),
        ['AssessorID', 'DateFrom', 'DateTo'],
      );
      assert.equal((await visit(c, { OrganisationID: second.organisationId })).json<{ code: number }>().code, -160);
      assert.equal((await visit(c, { OrganisationID: 999 })).json<{ code: number }>().code, -11);
      bareId(await visit(c, { OrganisationID: c.organisationId }));
    });

    test("visit types: 1-3 built in for every organisation, a centre's own from 101, another centre's refused (-167)", async () => {
      const c = await journeyCentre(h);
      const second = await secondCentre(h, c);
      const added = await operator(h, 'visitType.add', { organisationId: c.organisationId, name: 'Exam practice' });
      assert.equal(added.status, 200);
      const own = (added.body.result as { id: number }).id;
      assert.equal(own, 101);
      const types = await c.client.get(`/Organisation/${c.organisationId}/VisitTypes`);
      assert.deepEqual(types.json(), [
        { ID: 1, Name: 'Face-to-face' },
        { ID: 2, Name: 'Remote session' },
        { ID: 3, Name: 'Workplace visit' },
        { ID: 101, Name: 'Exam practice' },
      ]);
      assert.equal((await c.client.get(`/Organisation/${second.organisationId}/VisitTypes`)).json<unknown[]>().length, 3);
      for (const type of [1, 3, own]) bareId(await visit(c, { VisitTypeID: type }));
      assert.equal(
        (
          await c.client.post('/Visit', {
            LearnerID: second.learner,
            AssessorID: second.assessor,
            DateFrom: '2026-10-05T09:00:00Z',
            DateTo: '2026-10-05T10:00:00Z',
            VisitTypeID: own,
          })
        ).json<{ code: number }>().code,
        -167,
      );
      assert.equal((await visit(c, { VisitTypeID: 4 })).json<{ code: number }>().code, -167);
    });

    test('POST /Visit/Search filters on learner, assessor and the start window; pages; 204 on no match', async () => {
      const c = await journeyCentre(h);
      const a = bareId(await visit(c));
      const b = bareId(await visit(c, { AssessorID: c.trainee, DateFrom: '2026-11-02T09:00:00Z', DateTo: '2026-11-02T10:00:00Z', VisitTypeID: 3 }));
      const ids = async (filter: Record<string, unknown>) => {
        const res = await c.client.post('/Visit/Search/', filter);
        return res.statusCode === 204 ? [] : res.json<{ ID: number }[]>().map((r) => r.ID);
      };
      assert.deepEqual(await ids({ LearnerID: c.learner }), [a, b]);
      assert.deepEqual(await ids({ AssessorID: c.trainee }), [b]);
      assert.deepEqual(await ids({ DateFrom: '2026-10-06' }), [b]);
      assert.deepEqual(await ids({ DateTo: '2026-10-06' }), [a]);
      assert.deepEqual(await ids({ LearnerID: c.assessor }), []);
      const page = await c.client.post('/Visit/Search/2/1', {});
      assert.equal(page.headers['x-total-count'], '2');
      assert.deepEqual(page.json(), [
        { ID: b, LearnerID: c.learner, AssessorID: c.trainee, DateFrom: '2026-11-02T09:00:00.000Z', DateTo: '2026-11-02T10:00:00.000Z', VisitTypeID: 3 },
      ]);
    });
  });

  describe('plans and timesheets', () => {
    test('the operator records plans; POST /Plan/Search and GET /Plan/{id} read them', async () => {
      const c = await journeyCentre(h);
      const second = await secondCentre(h, c);
      const made = await operator(h, 'plan.add', {
        customerId: c.customerId,
        learnerId: c.learner,
        title: 'Unit 3 observation',
        planOn: '2026-10-05',
        assessorId: c.assessor,
        details: 'Observe a call',
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const id = (made.body.result as { ID: number }).ID;
      const other = (await operator(h, 'plan.add', { customerId: c.customerId, learnerId: second.learner, title: 'Induction', planOn: '2026-09-01T09:00:00Z' }))
        .body.result as { ID: number };
      assert.deepEqual((await c.client.get(`/Plan/${id}`)).json(), {
        ID: id,
        OrganisationID: c.organisationId,
        Title: 'Unit 3 observation',
        PlanOn: '2026-10-05T00:00:00.000Z',
        LearnerID: c.learner,
        AssessorID: c.assessor,
        AssessorSignedOn: null,
        LearnerSignedOn: null,
        Details: 'Observe a call',
      });
      assert.deepEqual((await c.client.post('/Plan/Search/', { LearnerID: c.learner })).json(), [
        { ID: id, Title: 'Unit 3 observation', PlanOn: '2026-10-05T00:00:00.000Z', LearnerID: c.learner },
      ]);
      assert.deepEqual(
        (await c.client.post('/plan/search', { OrganisationID: second.organisationId })).json<{ ID: number }[]>().map((p) => p.ID),
        [other.ID],
      );
      assert.equal((await c.client.post('/Plan/Search/1/1', {})).headers['x-total-count'], '2');
      assert.equal((await c.client.post('/Plan/Search', { LearnerID: c.assessor })).statusCode, 204);
      assert.deepEqual(
        (await audit('plan', id)).map((a) => [a.actor, a.action]),
        [['operator', 'create']],
      );
    });

    test('the operator is told every problem with a plan or an entry, and nothing is written', async () => {
      const c = await journeyCentre(h);
      const plan = await operator(h, 'plan.add', { customerId: c.customerId, learnerId: c.assessor, title: 'X', planOn: 'soon', assessorId: c.iqa });
      assert.equal(plan.status, 400);
      assert.deepEqual(plan.body.errors!.map((e) => e.field).sort(), ['learnerId', 'planOn']);
      const entry = await operator(h, 'timesheet.add', {
        customerId: c.customerId,
        learnerId: c.learner,
        category: 'Work',
        from: '2026-10-05T10:00:00Z',
        to: '2026-10-05T09:00:00Z',
        offTheJob: 'maybe',
      });
      assert.deepEqual(
        entry.body.errors!.map((e) => [e.field, e.code]),
        [
          ['to', -166],
          ['offTheJob', -100],
        ],
      );
      assert.equal(
        (await operator(h, 'timesheet.add', { customerId: 999, learnerId: c.learner, category: 'Work', from: '2026-10-05', to: '2026-10-06' })).status,
        404,
      );
      assert.equal((await h.db.query('SELECT 1 FROM plans UNION ALL SELECT 1 FROM timesheet_entries')).length, 0);
    });

    test('GET /Timesheet/Learner/{id}: 204 when empty, then the entries with IsOffTheJob a boolean ("true" accepted from the operator)', async () => {
      const c = await journeyCentre(h);
      assert.equal((await c.client.get(`/Timesheet/Learner/${c.learner}`)).statusCode, 204);
      const before = await lastModified(c, c.learner);
      const made = await operator(h, 'timesheet.add', {
        customerId: c.customerId,
        learnerId: c.learner,
        category: 'Training course',
        from: '2026-10-05T09:00:00Z',
        to: '2026-10-05T15:30:00Z',
        offTheJob: 'TRUE',
        comments: 'Day release',
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const work = await addEntry(h, c, c.learner, '2026-10-06T09:00:00Z', '2026-10-06T17:00:00Z', false, 'Work');
      assert.ok((await lastModified(c, c.learner)) > before);
      const res = await c.client.get(`/timesheet/learner/${c.learner}/`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), [
        {
          ID: (made.body.result as { ID: number }).ID,
          TimesheetCategory: 'Training course',
          FromDate: '2026-10-05T09:00:00.000Z',
          ToDate: '2026-10-05T15:30:00.000Z',
          Comments: 'Day release',
          IsOffTheJob: true,
          Hours: 6.5,
        },
        {
          ID: work.ID,
          TimesheetCategory: 'Work',
          FromDate: '2026-10-06T09:00:00.000Z',
          ToDate: '2026-10-06T17:00:00.000Z',
          Comments: null,
          IsOffTheJob: false,
          Hours: 8,
        },
      ]);
      assert.deepEqual(
        (await audit('timesheet_entry', work.ID)).map((a) => a.action),
        ['create'],
      );
      assert.equal((await c.client.get(`/Timesheet/Learner/${c.assessor}`)).statusCode, 404);
      assert.equal((await c.client.get('/Timesheet/Learner/999')).statusCode, 404);
    });
  });

  describe('off-the-job and episodes', () => {
    test('GET /User/{id}/offthejob (any case) follows the rule of the start date and moves with each off-the-job entry', async () => {
      // Started 1 Sep 2025 (the 2025 rule) on a standard publishing 278 hours, with 48 hours of RPL: minimum 230 hours.
      const c = await journeyCentre(h, 'Customer', { StartOn: '2025-09-01', PlannedEndDate: '2027-08-30', ContractedHours: 37.5 });
      const standard = await insertStandard(h.db, c.customerId, 'Business Administrator L3', 278);
      await insertAim(h.db, c.customerId, c.learner, standard, { rpl: 48 });
      const otj = async (path = `/User/${c.learner}/offthejob`) => (await c.client.get(path)).json<Record<string, unknown>>();
      // 1 Sep 2025 to 30 Aug 2027 = 728 days = 104 weeks.
      assert.deepEqual(await otj(), {
        ID: c.learner,
        ContractedHours: 37.5,
        TargetPercentage: 6.61,
        PlannedOTJ: 230,
        Duration: 104,
        MethodOfCalculatingOTJ: OtjMethods.from2025,
        MinimumOTJ: 230,
        PercentOfPlanned: 0,
        CachedActualHours: 0,
      });
      // Target: 37.5 h x (104 - 11.2) weeks = 3480 h contracted; 230 / 3480 = 6.609...% -> 6.61.
      await addEntry(h, c, c.learner, '2026-10-05T09:00:00Z', '2026-10-05T15:54:00Z'); // 6.9 h
      const after = await otj(`/user/${c.learner}/OFFTHEJOB/`);
      assert.equal(after.CachedActualHours, 6.9);
      assert.equal(after.PercentOfPlanned, 3); // 6.9 / 230 = 3%
      await addEntry(h, c, c.learner, '2026-10-06T09:00:00Z', '2026-10-06T17:00:00Z', false, 'Work');
      assert.equal((await otj(`/User/${c.learner}/OffTheJob`)).CachedActualHours, 6.9, 'on-the-job work does not count');
    });

    test('ContractedHours is accepted on learner create and update; without an aim the 2025 start falls back to the weekly rule', async () => {
      const c = await journeyCentre(h, 'Customer', { StartOn: '2025-09-01', PlannedEndDate: '2026-08-31' });
      let s = (await c.client.get(`/User/${c.learner}/offthejob`)).json<Record<string, unknown>>();
      assert.equal(s.ContractedHours, 30);
      assert.equal(s.MethodOfCalculatingOTJ, OtjMethods.from2025Fallback);
      assert.equal(s.MinimumOTJ, 278.4); // 6 h x (52 - 5.6) weeks
      assert.equal((await c.client.get(`/User/${c.learner}`)).json<{ ContractedHours: unknown }>().ContractedHours, null);
      assert.equal((await c.client.post(`/User/${c.learner}`, { ContractedHours: '20' })).statusCode, 204);
      assert.equal((await c.client.get(`/User/${c.learner}`)).json<{ ContractedHours: unknown }>().ContractedHours, 20);
      s = (await c.client.get(`/User/${c.learner}/offthejob`)).json<Record<string, unknown>>();
      assert.equal(s.MinimumOTJ, 185.6); // 20% of 20 h = 4 h x 46.4 weeks
      assert.equal((await c.client.post(`/User/${c.learner}`, { ContractedHours: 0 })).json<{ code: number }>().code, -100);
    });

    test('a learner who started before August 2022 gets the uncapped 20% rule; staff have no summary (404)', async () => {
      const c = await journeyCentre(h, 'Customer', { StartOn: '2021-09-06', PlannedEndDate: '2022-09-05', ContractedHours: 37.5 });
      const s = (await c.client.get(`/User/${c.learner}/offthejob`)).json<Record<string, unknown>>();
      assert.deepEqual([s.MethodOfCalculatingOTJ, s.MinimumOTJ, s.TargetPercentage], [OtjMethods.before2022, 348, 20]);
      assert.equal((await c.client.get(`/User/${c.assessor}/offthejob`)).statusCode, 404);
      assert.equal((await c.client.get('/User/999/offthejob')).statusCode, 404);
    });

    test('GET /User/{id}/LearnerEpisodes answers the episode fields with the standards of the aims', async () => {
      const c = await journeyCentre(h, 'Customer', { EpisodeName: 'Business Admin 2026', StartOn: '2026-09-01', PlannedEndDate: '2028-08-31' });
      assert.deepEqual((await c.client.get(`/User/${c.learner}/LearnerEpisodes`)).json(), [
        { ID: c.learner, Name: 'Business Admin 2026', StartOn: '2026-09-01T00:00:00.000Z', PlannedEndDate: '2028-08-31T00:00:00.000Z', Standards: [] },
      ]);
      const s1 = await insertStandard(h.db, c.customerId, 'Business Administrator L3', 278);
      const s2 = await insertStandard(h.db, c.customerId, 'Functional Skills Maths L2', null);
      await insertAim(h.db, c.customerId, c.learner, s1);
      await insertAim(h.db, c.customerId, c.learner, s2);
      assert.deepEqual((await c.client.get(`/user/${c.learner}/learnerepisodes`)).json<{ Standards: unknown }[]>()[0]!.Standards, [
        { ID: s1, Title: 'Business Administrator L3' },
        { ID: s2, Title: 'Functional Skills Maths L2' },
      ]);
      assert.equal((await c.client.get(`/User/${c.employer}/LearnerEpisodes`)).statusCode, 404);
    });
  });

  describe('providers', () => {
    test('create answers a bare integer; GET, partial update (200 with the record) and search by name', async () => {
      const c = await journeyCentre(h);
      const id = bareId(await c.client.post('/Provider', { Name: 'Skills Partner Ltd', UKPRN: '10012345' }));
      const other = bareId(await c.client.form('/provider/', { name: 'Northern Training' }));
      assert.deepEqual(
        { ...(await c.client.get(`/Provider/${id}`)).json<object>(), LastModified: undefined },
        { ID: id, Name: 'Skills Partner Ltd', UKPRN: '10012345', MISID: null, LastModified: undefined },
      );
      const updated = await c.client.post(`/Provider/${id}`, { MISID: 'SP-1' });
      assert.equal(updated.statusCode, 200);
      assert.equal(updated.json<{ MISID: string; Name: string }>().Name, 'Skills Partner Ltd');
      assert.deepEqual((await c.client.post('/Provider/Search', {})).json(), [
        { ID: id, Name: 'Skills Partner Ltd' },
        { ID: other, Name: 'Northern Training' },
      ]);
      assert.deepEqual((await c.client.post('/Provider/Search/1/5', { Name: 'northern*' })).json(), [{ ID: other, Name: 'Northern Training' }]);
      assert.equal((await c.client.post('/Provider/Search', { UKPRN: '19999999' })).statusCode, 204);
      const bad = await c.client.post('/Provider', { UKPRN: '123' });
      assert.deepEqual(
        bad
          .json<{ errors: { field: string }[] }>()
          .errors.map((e) => e.field)
          .sort(),
        ['Name', 'UKPRN'],
      );
      assert.deepEqual(
        (await audit('provider', id)).map((a) => a.action),
        ['create', 'update'],
      );
    });

    test("a learner's ProviderID must name one of the customer's providers when set or changed; a stored unknown one keeps working", async () => {
      const c = await journeyCentre(h);
      const provider = bareId(await c.client.post('/Provider', { Name: 'Skills Partner Ltd' }));
      const learner = (extra: Record<string, unknown>) =>
        c.client.post('/User', {
          OrganisationID: c.organisationId,
          FirstName: 'Pat',
          LastName: 'Provided',
          Email: 'p@example.com',
          Role: 1,
          DefaultAssessorID: c.assessor,
          ClassroomID: c.classroomId,
          PlacementID: c.placementId,
          ...extra,
        });
      assert.equal((await learner({ ProviderID: 4242 })).json<{ code: number }>().code, -168);
      const ok = await learner({ ProviderID: provider });
      assert.equal(ok.json<{ ProviderID: number }>().ProviderID, provider);
      // A learner loaded before providers existed, with another system's provider ID.
      await h.db.query('UPDATE users SET provider_id = 777 WHERE id = $1', [c.learner]);
      assert.equal((await c.client.post(`/User/${c.learner}`, { ProviderID: 777, MISID: 'still-works' })).statusCode, 204);
      assert.equal((await c.client.get(`/User/${c.learner}`)).json<{ ProviderID: number }>().ProviderID, 777);
      assert.equal((await c.client.post(`/User/${c.learner}`, { ProviderID: 778 })).json<{ code: number }>().code, -168);
      assert.equal((await c.client.post(`/User/${c.learner}`, { ProviderID: provider })).statusCode, 204);
    });
  });
});
