import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { centreWithPeople, engine, newLearningAimStatus, newStandard, newTemplate, harnessPerSuite } from '../helpers.js';

describe(`standards, units, templates, learning aims and unit summaries (${engine})`, () => {
  const h = harnessPerSuite();

  test('standards are searched by organisation and title, read with their units, and listed as AssignedStandards', async () => {
    const c = await centreWithPeople(h);
    const ba = await newStandard(h.db, c.customerId, { units: ['KS_COMM1', 'KS_ORG2'], organisationIds: [c.organisationId] });
    const cs = await newStandard(h.db, c.customerId, { title: 'Customer Service Practitioner', reference: 'ST0072', level: 2 });
    const all = await c.client.post('/Standard/Search');
    assert.deepEqual(
      all.json().map((s: { ID: number }) => s.ID),
      [ba.id, cs.id],
    );
    assert.deepEqual((await c.client.form('/standard/search/', { organisationid: String(c.organisationId) })).json(), [
      { ID: ba.id, Title: 'Business Administrator', Reference: 'ST0070', Level: 3 },
    ]);
    assert.equal((await c.client.post('/Standard/Search', { Title: 'customer*' })).json()[0].ID, cs.id);
    assert.equal((await c.client.post('/Standard/Search', { Title: 'nothing' })).statusCode, 204);
    const page = await c.client.post('/Standard/Search/2/1');
    assert.equal(page.headers['x-total-count'], '2');
    assert.equal(page.json()[0].ID, cs.id);
    assert.deepEqual((await c.client.get(`/Standard/${ba.id}`)).json(), {
      ID: ba.id,
      Title: 'Business Administrator',
      Reference: 'ST0070',
      Version: '1.0',
      Level: 3,
      OTJHours: 372,
      Units: ['KS_COMM1', 'KS_ORG2'],
    });
    assert.equal((await c.client.get('/Standard/999')).statusCode, 404);
    assert.deepEqual((await c.client.get(`/Organisation/${c.organisationId}/AssignedStandards`)).json(), [{ ID: ba.id, Title: 'Business Administrator' }]);
  });

  test('units have string IDs: searched by standard, organisation and title, read with odd URL-encoded IDs', async () => {
    const c = await centreWithPeople(h);
    const odd = ['A/B 1', 'Search', 'ünït%2F', 'KS_COMM1'];
    const s = await newStandard(h.db, c.customerId, { units: odd, organisationIds: [c.organisationId] });
    await newStandard(h.db, c.customerId, { title: 'Other', reference: 'ST0001', units: ['OTHER1'] });
    for (const id of odd) {
      const res = await c.client.get(`/Unit/${encodeURIComponent(id)}`);
      assert.equal(res.statusCode, 200, id);
      assert.equal(res.json().ID, id);
      assert.deepEqual(res.json().StandardIDs, [s.id]);
    }
    assert.equal((await c.client.get('/Unit/ks_comm1')).statusCode, 404, 'unit IDs are case-sensitive values');
    const byStandard = (await c.client.post('/Unit/Search', { StandardID: s.id })).json();
    assert.deepEqual(
      byStandard.map((u: { ID: string }) => u.ID),
      [...odd].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)),
    );
    assert.deepEqual(Object.keys(byStandard[0]).sort(), ['Display', 'ID', 'NDAQCode', 'Title']);
    assert.equal((await c.client.post('/Unit/Search', { OrganisationID: c.organisationId })).json().length, 4);
    assert.deepEqual(
      (await c.client.post('/Unit/Search', { Title: 'unit other1' })).json().map((u: { ID: string }) => u.ID),
      ['OTHER1'],
    );
    // Paging walks string keys: every unit exactly once.
    const seen: string[] = [];
    for (let p = 1; ; p++) {
      const res = await c.client.post(`/Unit/Search/${p}/2`);
      if (res.statusCode === 204) break;
      seen.push(...res.json().map((u: { ID: string }) => u.ID));
    }
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
  });

  test("Standard and Unit Assign answer bare integers, create once, and move the learner's LastModified", async () => {
    const c = await centreWithPeople(h);
    const s = await newStandard(h.db, c.customerId, { units: ['KS_COMM1'] });
    const other = await newStandard(h.db, c.customerId, { title: 'Other', reference: 'ST0002', units: ['OTHER1'] });
    const before = (await c.client.get(`/User/${c.learner}`)).json().LastModified;
    const first = await c.client.post(`/Standard/${s.id}/Assign/${c.learner}`);
    assert.equal(first.statusCode, 200);
    assert.match(first.headers['content-type'] as string, /json/);
    assert.ok(Number.isInteger(JSON.parse(first.body)));
    const aimId = JSON.parse(first.body) as number;
    assert.equal(JSON.parse((await c.client.post(`/standard/${s.id}/assign/${c.learner}/`)).body), aimId);
    const after1 = (await c.client.get(`/User/${c.learner}`)).json().LastModified;
    assert.ok(after1 > before, 'LastModified moved');
    const unit = await c.client.post(`/Unit/KS_COMM1/Assign/${c.learner}/${s.id}`);
    assert.equal(unit.statusCode, 200);
    const summaryId = JSON.parse(unit.body) as number;
    assert.equal(JSON.parse((await c.client.post(`/Unit/KS_COMM1/Assign/${c.learner}/${s.id}`)).body), summaryId);
    // A unit of another standard: 400; the unit brings its standard's aim when missing.
    assert.equal((await c.client.post(`/Unit/OTHER1/Assign/${c.learner}/${s.id}`)).json().code, -139);
    const viaUnit = JSON.parse((await c.client.post(`/Unit/OTHER1/Assign/${c.learner}/${other.id}`)).body) as number;
    const aims = (await c.client.post('/LearningAim/Search', { UserID: c.learner })).json();
    assert.deepEqual(
      aims.map((a: { StandardID: number }) => a.StandardID),
      [s.id, other.id],
    );
    assert.deepEqual(
      (await c.client.get(`/User/${c.learner}/UnitSummary`)).json().map((u: { ID: number; UnitID: string }) => [u.ID, u.UnitID]),
      [
        [summaryId, 'KS_COMM1'],
        [viaUnit, 'OTHER1'],
      ],
    );
    // Wrong kinds of target.
    assert.equal((await c.client.post(`/Standard/${s.id}/Assign/${c.assessor}`)).json().code, -132);
    assert.equal((await c.client.post(`/Standard/999/Assign/${c.learner}`)).statusCode, 404);
    assert.equal((await c.client.post(`/Standard/${s.id}/Assign/99999`)).statusCode, 404);
    assert.equal((await c.client.post(`/Unit/NOPE/Assign/${c.learner}/${s.id}`)).statusCode, 404);
    await c.client.post(`/User/${c.learner}/Archive`);
    assert.equal((await c.client.post(`/Standard/${other.id}/Assign/${c.learner}`)).json().code, -109);
    const audit = await h.db.query<{ entity: string; action: string }>(
      `SELECT entity, action FROM audit_log WHERE entity IN ('learning_aim', 'unit_summary') ORDER BY id`,
    );
    assert.deepEqual(
      audit.map((a) => `${a.entity}:${a.action}`),
      ['learning_aim:create', 'unit_summary:create', 'learning_aim:create', 'unit_summary:create'],
    );
  });

  test('learning aims: search filters, read, partial update with Status checked', async () => {
    const c = await centreWithPeople(h);
    const s = await newStandard(h.db, c.customerId);
    const status = await newLearningAimStatus(h.db, c.organisationId, 'On programme');
    const aimId = JSON.parse((await c.client.post(`/Standard/${s.id}/Assign/${c.learner}`)).body) as number;
    assert.deepEqual((await c.client.get(`/Organisation/${c.organisationId}/LearningAimStatuses`)).json(), [{ ID: status, Name: 'On programme' }]);
    const bad = await c.client.post(`/LearningAim/${aimId}`, { Status: 999, StartDate: 'not a date' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      bad
        .json()
        .errors.map((e: { field: string; code: number }) => [e.field, e.code])
        .sort(),
      [
        ['StartDate', -100],
        ['Status', -140],
      ],
    );
    const ok = await c.client.form(`/learningaim/${aimId}`, {
      status: String(status),
      startdate: '2025-09-01',
      plannedend: '2027-03-01T00:00:00+01:00',
      registrationnumber: 'REG-1',
      achieveddate: '2027-02-01',
    });
    assert.equal(ok.statusCode, 204);
    const aim = (await c.client.get(`/LearningAim/${aimId}`)).json();
    assert.equal(aim.Status, status);
    assert.equal(aim.StartDate, '2025-09-01T00:00:00.000Z');
    assert.equal(aim.PlannedEnd, '2027-02-28T23:00:00.000Z');
    assert.equal(aim.RegistrationNumber, 'REG-1');
    assert.equal(aim.Progress, 0);
    assert.deepEqual((await c.client.post('/LearningAim/Search', { Status: status, StandardID: s.id })).json(), [
      {
        ID: aimId,
        UserID: c.learner,
        StandardID: s.id,
        Status: status,
        StartDate: '2025-09-01T00:00:00.000Z',
        PlannedEnd: '2027-02-28T23:00:00.000Z',
        Progress: 0,
      },
    ]);
    const achieved = (body: object) => c.client.post('/LearningAim/Search', { LearningAimCompletionStatus: 1, ...body });
    assert.equal((await achieved({ DateFrom: '2027-01-01', DateTo: '2027-03-01' })).json()[0].ID, aimId);
    assert.equal((await achieved({ DateFrom: '2027-02-02' })).statusCode, 204);
    assert.equal((await c.client.post('/LearningAim/Search', { LearningAimCompletionStatus: 0 })).statusCode, 204);
    assert.equal((await c.client.post('/LearningAim/Search', { DateFrom: '2025-08-01', DateTo: '2025-09-01' })).json().length, 1);
    assert.equal((await c.client.get('/LearningAim/999')).statusCode, 404);
    const audit = await h.db.query<{ changes: Record<string, unknown> }>(`SELECT changes FROM audit_log WHERE entity = 'learning_aim' AND action = 'update'`);
    assert.deepEqual(Object.keys(audit[0]!.changes).sort(), ['AchievedDate', 'PlannedEnd', 'RegistrationNumber', 'StartDate', 'Status']);
  });

  test('a framework template creates every aim and unit with its defaults in one call; onlyChangeAssigned changes only what exists', async () => {
    const c = await centreWithPeople(h);
    const a = await newStandard(h.db, c.customerId, { units: ['KS_COMM1', 'KS_ORG2'] });
    const b = await newStandard(h.db, c.customerId, { title: 'Functional skills', reference: 'FS01', units: ['FS_MATHS'] });
    const template = await newTemplate(h.db, c.customerId, c.organisationId, 'BA L3 with maths', [
      { standardId: a.id, weighting: 80, startOffsetDays: 0, endOffsetDays: 540 },
      { standardId: a.id, unitId: 'KS_COMM1', weighting: 50, startOffsetDays: 0, endOffsetDays: 180 },
      { standardId: a.id, unitId: 'KS_ORG2', weighting: 50, startOffsetDays: 180, endOffsetDays: 360 },
      { standardId: b.id, unitId: 'FS_MATHS', weighting: 20 },
    ]);
    assert.deepEqual((await c.client.post('/FrameworkTemplate/Search', { OrganisationID: c.organisationId })).json(), [
      { ID: template, Title: 'BA L3 with maths', OrganisationID: c.organisationId },
    ]);
    assert.equal((await c.client.get(`/FrameworkTemplate/${template}`)).json().Items.length, 5);
    // onlyChangeAssigned=true on a learner with nothing: nothing happens.
    assert.equal((await c.client.post(`/FrameworkTemplate/${template}/Assign/${c.learner}/TRUE`)).statusCode, 204);
    assert.equal((await c.client.post('/LearningAim/Search', { UserID: c.learner })).statusCode, 204);
    assert.equal((await c.client.post(`/FrameworkTemplate/${template}/Assign/${c.learner}/false`)).statusCode, 204);
    const aims = (await c.client.post('/LearningAim/Search', { UserID: c.learner })).json();
    assert.deepEqual(
      aims.map((x: { StandardID: number }) => x.StandardID),
      [a.id, b.id],
    );
    const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000;
    assert.equal(days(aims[0].StartDate, aims[0].PlannedEnd), 540);
    const units = (await c.client.post('/UnitSummary/Search', { UserID: c.learner })).json();
    assert.deepEqual(
      units.map((u: { UnitID: string; Weighting: number }) => [u.UnitID, u.Weighting]),
      [
        ['KS_COMM1', 50],
        ['KS_ORG2', 50],
        ['FS_MATHS', 20],
      ],
    );
    assert.equal(days(units[1].StartDate, units[1].PlannedEnd), 180);
    // Applying again creates nothing.
    await c.client.post(`/FrameworkTemplate/${template}/Assign/${c.learner}/0`);
    assert.equal((await c.client.post('/UnitSummary/Search', { UserID: c.learner })).json().length, 3);
    // Another learner with one aim: only that aim is changed.
    const other = await c.person(1, 'Olive', c.learnerFields);
    await c.client.post(`/Standard/${b.id}/Assign/${other}`);
    await c.client.post(`/FrameworkTemplate/${template}/Assign/${other}/true`);
    const otherAims = await c.client.get(`/User/${other}/UnitSummary`);
    assert.equal(otherAims.statusCode, 204);
    assert.equal((await c.client.post('/LearningAim/Search', { UserID: other })).json().length, 1);
    assert.equal((await c.client.post(`/FrameworkTemplate/${template}/Assign/${c.learner}/maybe`)).statusCode, 400);
    assert.equal((await c.client.post(`/FrameworkTemplate/999/Assign/${c.learner}/false`)).statusCode, 404);
  });
});
