// Tenant isolation for every journey endpoint: another customer's review, visit, plan,
// timesheet, off-the-job summary, episode, provider and visit types are indistinguishable
// from missing ones, and none of them can be named in a write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, testConfig, harnessPerSuite } from '../helpers.js';
import { OPERATOR_KEY, addEntry, insertAim, insertStandard, journeyCentre, operator } from '../helpers.js';

describe(`journey tenant isolation (${engine})`, () => {
  const h = harnessPerSuite(testConfig({ OPERATOR_KEY }));

  /** Customer A with one of everything; customer B, whose session tries to reach it. */
  async function twoTenants() {
    const a = await journeyCentre(h, 'A', { StartOn: '2025-09-01', PlannedEndDate: '2026-08-31' });
    const b = await journeyCentre(h, 'B');
    const visit = Number(
      (await a.client.post('/Visit', { LearnerID: a.learner, AssessorID: a.assessor, DateFrom: '2026-10-05T09:00:00Z', DateTo: '2026-10-05T10:00:00Z' })).body,
    );
    const review = Number((await a.client.post('/Review', { LearnerID: a.learner, AssessorID: a.assessor, VisitID: visit })).body);
    const plan = (
      (await operator(h, 'plan.add', { customerId: a.customerId, learnerId: a.learner, title: 'Plan', planOn: '2026-10-01' })).body.result as { ID: number }
    ).ID;
    await addEntry(h, a, a.learner, '2026-10-05T09:00:00Z', '2026-10-05T15:00:00Z');
    const provider = Number((await a.client.post('/Provider', { Name: 'A provider' })).body);
    await insertAim(h.db, a.customerId, a.learner, await insertStandard(h.db, a.customerId, 'A standard', 278));
    return { a, b, visit, review, plan, provider };
  }

  test("GETs of another customer's records answer 404, exactly like missing ones", async () => {
    const { a, b, visit, review, plan, provider } = await twoTenants();
    for (const path of [
      `/Review/${review}`,
      `/Visit/${visit}`,
      `/Plan/${plan}`,
      `/Provider/${provider}`,
      `/Timesheet/Learner/${a.learner}`,
      `/User/${a.learner}/offthejob`,
      `/User/${a.learner}/LearnerEpisodes`,
      `/Organisation/${a.organisationId}/VisitTypes`,
    ]) {
      const theirs = await b.client.get(path);
      const missing = await b.client.get(path.replace(/\/\d+(\/|$)/, '/99999$1'));
      assert.equal(theirs.statusCode, 404, path);
      assert.equal(theirs.body, missing.body, path);
      assert.equal((await a.client.get(path)).statusCode, 200, `${path} is readable by its owner`);
    }
  });

  test("searches never show another customer's rows, even when filtering on their IDs", async () => {
    const { a, b } = await twoTenants();
    for (const [path, filter] of [
      ['/Review/Search', { LearnerID: a.learner }],
      ['/Review/Search/1/10', { OrganisationID: a.organisationId }],
      ['/Review/Search', {}],
      ['/Visit/Search', { AssessorID: a.assessor }],
      ['/Visit/Search/1/10', {}],
      ['/Plan/Search', { LearnerID: a.learner }],
      ['/Plan/Search/1/10', { OrganisationID: a.organisationId }],
      ['/Provider/Search', {}],
      ['/Provider/Search/1/10', { Name: 'A provider' }],
    ] as const) {
      assert.equal((await b.client.post(path, filter)).statusCode, 204, path);
      assert.equal((await a.client.post(path, filter)).statusCode, 200, `${path} finds the owner's rows`);
    }
  });

  test("writes cannot name or change another customer's records", async () => {
    const { a, b, visit, review, provider } = await twoTenants();
    const code = async (res: Promise<{ json<T>(): T }>) => (await res).json<{ code: number }>().code;
    assert.equal(await code(b.client.post('/Review', { LearnerID: a.learner, AssessorID: b.assessor })), -160);
    assert.equal(await code(b.client.post('/Review', { LearnerID: b.learner, AssessorID: a.assessor })), -161);
    assert.equal(await code(b.client.post('/Review', { LearnerID: b.learner, AssessorID: b.assessor, EmployerID: a.employer })), -162);
    assert.equal(await code(b.client.post('/Review', { LearnerID: b.learner, AssessorID: b.assessor, VisitID: visit })), -163);
    assert.equal((await b.client.post(`/Review/${review}`, { Progress: 50 })).statusCode, 404);
    assert.equal(
      await code(b.client.post('/Visit', { LearnerID: a.learner, AssessorID: b.assessor, DateFrom: '2026-10-05T09:00:00Z', DateTo: '2026-10-05T10:00:00Z' })),
      -160,
    );
    assert.equal(
      await code(
        b.client.post('/Visit', {
          LearnerID: b.learner,
          AssessorID: b.assessor,
          OrganisationID: a.organisationId,
          DateFrom: '2026-10-05T09:00:00Z',
          DateTo: '2026-10-05T10:00:00Z',
        }),
      ),
      -11,
    );
    assert.equal((await b.client.post(`/Provider/${provider}`, { Name: 'Taken over' })).statusCode, 404);
    assert.equal(await code(b.client.post(`/User/${b.learner}`, { ProviderID: provider })), -168);
    // The operator names the customer: A's learner is not a learner of B.
    const wrong = await operator(h, 'timesheet.add', {
      customerId: b.customerId,
      learnerId: a.learner,
      category: 'Work',
      from: '2026-10-05',
      to: '2026-10-06',
    });
    assert.equal(wrong.body.code, -160);
    const wrongPlan = await operator(h, 'plan.add', {
      customerId: b.customerId,
      learnerId: b.learner,
      title: 'P',
      planOn: '2026-10-01',
      assessorId: a.assessor,
    });
    assert.equal(wrongPlan.body.code, -161);
    // Nothing of A's changed.
    assert.equal((await a.client.get(`/Review/${review}`)).json<{ Progress: unknown }>().Progress, null);
    assert.equal((await a.client.get(`/Provider/${provider}`)).json<{ Name: string }>().Name, 'A provider');
    assert.equal((await a.client.get(`/User/${a.learner}/offthejob`)).json<{ CachedActualHours: number }>().CachedActualHours, 6);
  });

  test("a provider, review or visit of one customer counts for nobody else's learner", async () => {
    const { a, b } = await twoTenants();
    await addEntry(h, b, b.learner, '2026-10-05T09:00:00Z', '2026-10-05T10:00:00Z');
    assert.equal((await b.client.get(`/User/${b.learner}/offthejob`)).json<{ CachedActualHours: number }>().CachedActualHours, 1);
    assert.deepEqual((await b.client.get(`/User/${b.learner}/LearnerEpisodes`)).json<{ Standards: unknown[] }[]>()[0]!.Standards, []);
    assert.equal((await a.client.get(`/Timesheet/Learner/${a.learner}`)).json<unknown[]>().length, 1);
  });
});
