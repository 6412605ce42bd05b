import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { centreWithPeople, engine, newLearningAimStatus, newStandard, newTemplate, harnessPerSuite } from '../helpers.js';

describe(`assignment endpoints keep tenants apart (${engine})`, () => {
  const h = harnessPerSuite();

  test("another customer's standards, units, templates, aims, summaries, users and placements are indistinguishable from missing ones", async () => {
    const a = await centreWithPeople(h, { name: 'A' });
    const b = await centreWithPeople(h, { name: 'B' });
    // Both customers have a unit called KS_COMM1; B's is only B's.
    const sa = await newStandard(h.db, a.customerId, { units: ['KS_COMM1'], organisationIds: [a.organisationId] });
    const sb = await newStandard(h.db, b.customerId, { units: ['KS_COMM1', 'B_ONLY'], organisationIds: [b.organisationId] });
    await newLearningAimStatus(h.db, b.organisationId, 'B status');
    const statusB = await newLearningAimStatus(h.db, b.organisationId, 'B status 2');
    const tb = await newTemplate(h.db, b.customerId, b.organisationId, 'B template', [{ standardId: sb.id, unitId: 'B_ONLY' }]);
    const aimB = JSON.parse((await b.client.post(`/Standard/${sb.id}/Assign/${b.learner}`)).body) as number;
    await b.client.post(`/Unit/B_ONLY/Assign/${b.learner}/${sb.id}`);
    await b.client.post(`/User/${b.assessor}/Assign`, { LearnerID: b.learner, Level: 3, StandardID: sb.id });
    const aimA = JSON.parse((await a.client.post(`/Standard/${sa.id}/Assign/${a.learner}`)).body) as number;
    await a.client.post(`/Unit/KS_COMM1/Assign/${a.learner}/${sa.id}`);

    const A = a.client;
    // Reads.
    assert.equal((await A.get(`/Standard/${sb.id}`)).statusCode, 404);
    assert.equal((await A.get('/Unit/B_ONLY')).statusCode, 404);
    assert.deepEqual((await A.get('/Unit/KS_COMM1')).json().StandardIDs, [sa.id]);
    assert.equal((await A.get(`/FrameworkTemplate/${tb}`)).statusCode, 404);
    assert.equal((await A.get(`/LearningAim/${aimB}`)).statusCode, 404);
    assert.equal((await A.get(`/User/${b.learner}/UnitSummary`)).statusCode, 404);
    assert.equal((await A.get(`/User/${b.learner}/Assignments`)).statusCode, 404);
    assert.equal((await A.get(`/Organisation/${b.organisationId}/AssignedStandards`)).statusCode, 404);
    assert.equal((await A.get(`/Organisation/${b.organisationId}/LearningAimStatuses`)).statusCode, 404);
    // Searches, even when filtering on the other customer's IDs.
    assert.deepEqual(
      (await A.post('/Standard/Search')).json().map((s: { ID: number }) => s.ID),
      [sa.id],
    );
    assert.equal((await A.post('/Standard/Search', { OrganisationID: b.organisationId })).statusCode, 204);
    assert.deepEqual(
      (await A.post('/Unit/Search')).json().map((u: { ID: string }) => u.ID),
      ['KS_COMM1'],
    );
    assert.equal((await A.post('/Unit/Search', { StandardID: sb.id })).statusCode, 204);
    assert.equal((await A.post('/Unit/Search/1/10', { OrganisationID: b.organisationId })).statusCode, 204);
    assert.equal((await A.post('/FrameworkTemplate/Search')).statusCode, 204);
    assert.deepEqual(
      (await A.post('/LearningAim/Search')).json().map((x: { ID: number }) => x.ID),
      [aimA],
    );
    assert.equal((await A.post('/LearningAim/Search', { UserID: b.learner })).statusCode, 204);
    assert.equal((await A.post('/UnitSummary/Search', { UserID: b.learner })).statusCode, 204);
    assert.equal((await A.post('/UnitSummary/Search')).json().length, 1);
    // Writes naming B's records.
    assert.equal((await A.post(`/Standard/${sb.id}/Assign/${a.learner}`)).statusCode, 404);
    assert.equal((await A.post(`/Standard/${sa.id}/Assign/${b.learner}`)).statusCode, 404);
    assert.equal((await A.post(`/Unit/B_ONLY/Assign/${a.learner}/${sa.id}`)).statusCode, 404);
    assert.equal((await A.post(`/Unit/KS_COMM1/Assign/${a.learner}/${sb.id}`)).statusCode, 404);
    assert.equal((await A.post(`/Unit/KS_COMM1/Assign/${b.learner}/${sa.id}`)).statusCode, 404);
    assert.equal((await A.post(`/FrameworkTemplate/${tb}/Assign/${a.learner}/false`)).statusCode, 404);
    assert.equal((await A.post(`/LearningAim/${aimB}`, { RegistrationNumber: 'x' })).statusCode, 404);
    assert.equal((await A.post(`/LearningAim/${aimA}`, { Status: statusB })).json().code, -140);
    assert.equal((await A.post(`/User/${b.assessor}/Assign`, { LearnerID: a.learner, Level: 1 })).statusCode, 404);
    assert.equal((await A.post(`/User/${a.assessor}/Assign`, { LearnerID: b.learner, Level: 1 })).json().code, -132);
    assert.equal((await A.post(`/User/${a.assessor}/Assign`, { LearnerID: a.learner, Level: 3, StandardID: sb.id })).json().code, -135);
    assert.equal((await A.post(`/User/${a.assessor}/Assign`, { LearnerID: a.learner, Level: 2, UnitID: 'B_ONLY' })).json().code, -137);
    assert.equal((await A.post(`/User/${b.assessor}/Unassign`, { LearnerID: b.learner, Level: 3, StandardID: sb.id })).statusCode, 404);
    assert.equal((await A.post(`/User/${b.employer}/AssignPlacement/${a.placementId}/true`)).statusCode, 404);
    assert.equal((await A.post(`/User/${a.employer}/AssignPlacement/${b.placementId}/true`)).json().code, -57);
    // B's data is untouched.
    assert.equal((await b.client.get(`/User/${b.learner}/Assignments`)).json().length, 2);
    assert.equal((await b.client.get(`/LearningAim/${aimB}`)).json().RegistrationNumber, null);
  });
});
