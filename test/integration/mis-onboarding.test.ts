import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, newStandard, newTemplate, tenantWithCentre, harnessPerSuite } from '../helpers.js';

/** The calls an MIS onboarding script makes, as it makes them: form bodies, lower-case keys and paths, trailing slashes. */
describe(`a scripted MIS onboarding (${engine})`, () => {
  const h = harnessPerSuite();

  test('employer, placement link, learner, framework template, assessor per aim, IQA per unit, observer; then read back', async () => {
    const t = await tenantWithCentre(h);
    const ba = await newStandard(h.db, t.customerId, { units: ['KS_COMM1', 'KS_ORG2'], organisationIds: [t.organisationId] });
    const fs = await newStandard(h.db, t.customerId, {
      title: 'Functional Skills Maths',
      reference: 'FSM2',
      level: 2,
      units: ['FS_MATHS'],
      organisationIds: [t.organisationId],
    });
    await newTemplate(h.db, t.customerId, t.organisationId, 'Business Admin L3 + maths', [
      { standardId: ba.id, weighting: 90, endOffsetDays: 548 },
      { standardId: ba.id, unitId: 'KS_COMM1' },
      { standardId: ba.id, unitId: 'KS_ORG2' },
      { standardId: fs.id, weighting: 10, endOffsetDays: 180 },
      { standardId: fs.id, unitId: 'FS_MATHS' },
    ]);
    const c = t.client;
    const create = async (fields: Record<string, string>) => {
      const res = await c.form('/user/', { organisationid: String(t.organisationId), ...fields });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ ID: number }>().ID;
    };
    const assessor = await create({ role: '5', firstname: 'Asha', lastname: 'Patel', email: 'asha@provider.example' });
    const iqa = await create({ role: '10', firstname: 'Ivan', lastname: 'Quinn', email: 'ivan@provider.example' });
    // 1. The employer, and its link to the placement.
    const employer = await create({ role: '40', firstname: 'Erin', lastname: 'Boss', email: 'erin@acme.example', placementid: String(t.placementId) });
    assert.equal((await c.form(`/user/${employer}/assignplacement/${t.placementId}/true`, {})).statusCode, 204);
    // 2. The learner.
    const learner = await create({
      role: '1',
      firstname: 'Lee',
      lastname: 'Learner',
      email: 'lee@example.com',
      defaultassessorid: String(assessor),
      defaultemployerid: String(employer),
      classroomid: String(t.classroomId),
      placementid: String(t.placementId),
      uln: '9999999999',
    });
    // 3. The framework template chosen in the MIS.
    const templates = (await c.form('/frameworktemplate/search/', { organisationid: String(t.organisationId) })).json();
    assert.equal((await c.form(`/frameworktemplate/${templates[0].ID}/assign/${learner}/false`, {})).statusCode, 204);
    // 4. An assessor per aim and an IQA per unit, found through the learner's aims and units.
    const aims = (await c.form('/learningaim/search', { userid: String(learner) })).json();
    for (const aim of aims) {
      const res = await c.form(`/user/${assessor}/assign`, { learnerid: String(learner), level: '3', standardid: String(aim.StandardID) });
      assert.equal(res.statusCode, 204, res.body);
    }
    const units = (await c.get(`/user/${learner}/unitsummary`)).json();
    for (const unit of units) {
      const res = await c.form(`/user/${iqa}/assign/`, { LEARNERID: String(learner), Level: '2', unitid: unit.UnitID });
      assert.equal(res.statusCode, 204, res.body);
    }
    // 5. An observer from the employer.
    const observer = await create({ role: '45', firstname: 'Olu', lastname: 'Watcher', email: 'olu@acme.example', placementid: String(t.placementId) });
    assert.equal((await c.form(`/user/${observer}/assign`, { learnerid: String(learner), level: '1' })).statusCode, 204);

    // Read back.
    const assignments = (await c.get(`/user/${learner}/assignments/`)).json();
    assert.deepEqual(assignments, [
      { UserID: assessor, Role: 5, Kind: 'DefaultAssessor', Level: null, StandardID: null, UnitID: null },
      { UserID: employer, Role: 40, Kind: 'DefaultEmployer', Level: null, StandardID: null, UnitID: null },
      { UserID: assessor, Role: 5, Kind: 'LearningAim', Level: 3, StandardID: ba.id, UnitID: null },
      { UserID: assessor, Role: 5, Kind: 'LearningAim', Level: 3, StandardID: fs.id, UnitID: null },
      { UserID: iqa, Role: 10, Kind: 'UnitSummary', Level: 2, StandardID: ba.id, UnitID: 'KS_COMM1' },
      { UserID: iqa, Role: 10, Kind: 'UnitSummary', Level: 2, StandardID: ba.id, UnitID: 'KS_ORG2' },
      { UserID: iqa, Role: 10, Kind: 'UnitSummary', Level: 2, StandardID: fs.id, UnitID: 'FS_MATHS' },
      { UserID: observer, Role: 45, Kind: 'Additional', Level: 1, StandardID: null, UnitID: null },
    ]);
    const readAims = (await c.form('/learningaim/search/1/50', { userid: String(learner) })).json();
    assert.deepEqual(
      readAims.map((a: { StandardID: number; Progress: number }) => [a.StandardID, a.Progress]),
      [
        [ba.id, 0],
        [fs.id, 0],
      ],
    );
    assert.ok(readAims.every((a: { StartDate: string | null; PlannedEnd: string | null }) => a.StartDate && a.PlannedEnd));
    const readUnits = (await c.get(`/user/${learner}/unitsummary`)).json();
    assert.deepEqual(
      readUnits.map((u: { UnitID: string; IQAID: number; LearningAimID: number }) => [u.UnitID, u.IQAID]),
      [
        ['KS_COMM1', iqa],
        ['KS_ORG2', iqa],
        ['FS_MATHS', iqa],
      ],
    );
    // An incremental sync sees the learner as changed after the onboarding began.
    const changed = (await c.form('/user/search', { organisationid: String(t.organisationId), role: '1', lastmodified: readAims[0].StartDate })).json();
    assert.deepEqual(
      changed.map((u: { ID: number }) => u.ID),
      [learner],
    );
  });
});
