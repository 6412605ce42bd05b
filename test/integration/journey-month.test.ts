// A month as an MIS runs it: book a visit, book a review on it, the assessor signs, then the
// learner; timesheet entries are recorded in the portfolio (here through the operator), and
// the MIS reads the off-the-job summary after each one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, testConfig, harnessPerSuite } from '../helpers.js';
import { OtjMethods } from '../../src/contract/offthejob.js';
import { OPERATOR_KEY, addEntry, insertAim, insertStandard, journeyCentre } from '../helpers.js';

describe(`a month of an MIS's journey calls (${engine})`, () => {
  const h = harnessPerSuite(testConfig({ OPERATOR_KEY }));

  test('visit, review on it, signatures in order, timesheet entries, and the OTJ summary after each entry', async () => {
    // A full-time learner (37.5 h) who started on 1 Sep 2025 on a standard publishing 187 hours of OTJ, 7 hours of RPL:
    // minimum 187 - 7 = 180 hours.
    const c = await journeyCentre(h, 'Northgate', { StartOn: '2025-09-01', PlannedEndDate: '2026-08-31', ContractedHours: 37.5 });
    const standard = await insertStandard(h.db, c.customerId, 'Customer Service Practitioner L2', 187);
    await insertAim(h.db, c.customerId, c.learner, standard, { rpl: 7 });
    const mis = c.client;

    // Week 1: book a workplace visit and a review on it (form-encoded, lower-case keys, as PHP clients send).
    const visitRes = await mis.form('/visit', {
      learnerid: String(c.learner),
      assessorid: String(c.assessor),
      datefrom: '2026-10-05T09:00:00+01:00',
      dateto: '2026-10-05T11:00:00+01:00',
      visittypeid: '3',
    });
    const visitId = JSON.parse(visitRes.body) as number;
    assert.ok(Number.isInteger(visitId));
    const reviewRes = await mis.form('/Review/', {
      LearnerID: String(c.learner),
      AssessorID: String(c.assessor),
      EmployerID: String(c.employer),
      Status: '1',
      VisitID: String(visitId),
      ScheduledFor: '2026-10-05T09:30:00+01:00',
      EndTime: '2026-10-05T10:30:00+01:00',
    });
    const reviewId = JSON.parse(reviewRes.body) as number;
    assert.ok(Number.isInteger(reviewId));
    const scheduled = (await mis.post('/Review/Search/', { LearnerID: c.learner, Status: 1 })).json<{ ID: number }[]>();
    assert.deepEqual(
      scheduled.map((r) => r.ID),
      [reviewId],
    );

    // The review takes place; the assessor signs, then the learner, then the employer.
    const review = () => mis.get(`/Review/${reviewId}`).then((r) => r.json<{ Status: number; VisitID: number }>());
    assert.equal((await mis.post(`/Review/${reviewId}`, { StartedOn: '2026-10-05T08:30:00Z' })).statusCode, 204);
    assert.equal((await mis.post(`/Review/${reviewId}`, { AssessorSignedOn: '2026-10-05T09:35:00Z', Progress: 20 })).statusCode, 204);
    assert.equal((await review()).Status, 3);
    assert.equal((await mis.post(`/Review/${reviewId}`, { LearnerSignedOn: '2026-10-05T09:40:00Z' })).statusCode, 204);
    assert.equal((await review()).Status, 4);
    assert.equal((await mis.post(`/Review/${reviewId}`, { EmployerSignedOn: '2026-10-07T16:00:00Z' })).statusCode, 204);
    assert.deepEqual(await review().then((r) => [r.Status, r.VisitID]), [5, visitId]);
    assert.deepEqual(
      (await mis.post('/Review/Search', { LearnerID: c.learner, Status: 5 })).json<{ ID: number }[]>().map((r) => r.ID),
      [reviewId],
    );

    // The month's timesheet: the summary moves after every off-the-job entry (180 h planned).
    const otj = () =>
      mis
        .get(`/User/${c.learner}/offthejob`)
        .then((r) => r.json<{ CachedActualHours: number; PercentOfPlanned: number; PlannedOTJ: number; MethodOfCalculatingOTJ: string }>());
    const beforeEntries = (await mis.get(`/User/${c.learner}`)).json<{ LastModified: string }>().LastModified;
    const sinceBefore = new Date(new Date(beforeEntries).getTime() + 1).toISOString();
    assert.equal((await mis.post('/User/Search', { OrganisationID: c.organisationId, Role: 1, LastModified: sinceBefore })).statusCode, 204);
    const start = await otj();
    assert.deepEqual([start.PlannedOTJ, start.CachedActualHours, start.PercentOfPlanned, start.MethodOfCalculatingOTJ], [180, 0, 0, OtjMethods.from2025]);
    const month: [string, string, boolean, number, number][] = [
      // from, to, off the job, expected actual hours, expected % of 180
      ['2026-10-06T09:00:00Z', '2026-10-06T15:00:00Z', true, 6, 3.33], // 6 / 180 = 3.333%
      ['2026-10-07T09:00:00Z', '2026-10-07T17:00:00Z', false, 6, 3.33], // on the job: no change
      ['2026-10-13T09:00:00Z', '2026-10-13T16:30:00Z', true, 13.5, 7.5], // 13.5 / 180 = 7.5%
      ['2026-10-20T13:00:00Z', '2026-10-20T17:30:00Z', true, 18, 10], // 18 / 180 = 10%
      ['2026-10-27T09:00:00Z', '2026-10-27T18:00:00Z', true, 27, 15], // 27 / 180 = 15%
    ];
    for (const [from, to, offTheJob, hours, percent] of month) {
      await addEntry(h, c, c.learner, from, to, offTheJob, offTheJob ? 'Training course' : 'Work');
      const s = await otj();
      assert.deepEqual([s.CachedActualHours, s.PercentOfPlanned], [hours, percent], `after the entry from ${from}`);
    }
    const timesheet = (await mis.get(`/Timesheet/Learner/${c.learner}`)).json<{ IsOffTheJob: boolean }[]>();
    assert.deepEqual(
      timesheet.map((e) => e.IsOffTheJob),
      [true, false, true, true, true],
    );

    // A sync job asking "who changed since before the entries" now sees the learner.
    const changed = (await mis.post('/User/Search', { OrganisationID: c.organisationId, Role: 1, LastModified: sinceBefore })).json<{ ID: number }[]>();
    assert.deepEqual(
      changed.map((u) => u.ID),
      [c.learner],
    );
  });
});
