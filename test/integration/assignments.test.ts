import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { centreWithPeople, engine, newStandard, harnessPerSuite } from '../helpers.js';
import * as assignments from '../../src/server/resources/assignments/assignments.repository.js';

describe(`assigning staff to learners (${engine})`, () => {
  const h = harnessPerSuite();

  async function withProgramme() {
    const c = await centreWithPeople(h);
    const s = await newStandard(h.db, c.customerId, { units: ['KS_COMM1', 'KS_ORG2'] });
    await c.client.post(`/Standard/${s.id}/Assign/${c.learner}`);
    await c.client.post(`/Unit/KS_COMM1/Assign/${c.learner}/${s.id}`);
    return { ...c, standardId: s.id };
  }
  const list = async (c: Awaited<ReturnType<typeof withProgramme>>) => await c.client.get(`/User/${c.learner}/Assignments`);

  test('levels 3, 2 and 1 fill slots and the additional set; Assignments lists them in the exact shape', async () => {
    const c = await withProgramme();
    assert.deepEqual((await list(c)).json(), [{ UserID: c.assessor, Role: 5, Kind: 'DefaultAssessor', Level: null, StandardID: null, UnitID: null }]);
    const assign = (staff: number, body: object) => c.client.post(`/User/${staff}/Assign`, { LearnerID: c.learner, ...body });
    assert.equal((await assign(c.assessor, { Level: 3, StandardID: c.standardId })).statusCode, 204);
    assert.equal((await assign(c.iqa, { Level: 3, StandardID: c.standardId })).statusCode, 204);
    assert.equal((await assign(c.trainee, { Level: 2, UnitID: 'KS_COMM1' })).statusCode, 204);
    assert.equal((await assign(c.iqa, { Level: 2, UnitID: 'KS_COMM1' })).statusCode, 204);
    assert.equal((await assign(c.observer, { Level: 1 })).statusCode, 204);
    assert.equal((await assign(c.observer, { Level: 1 })).statusCode, 204, 'twice is harmless');
    assert.equal((await c.client.post(`/User/${c.learner}`, { DefaultEmployerID: c.employer })).statusCode, 204);
    assert.deepEqual((await list(c)).json(), [
      { UserID: c.assessor, Role: 5, Kind: 'DefaultAssessor', Level: null, StandardID: null, UnitID: null },
      { UserID: c.employer, Role: 40, Kind: 'DefaultEmployer', Level: null, StandardID: null, UnitID: null },
      { UserID: c.assessor, Role: 5, Kind: 'LearningAim', Level: 3, StandardID: c.standardId, UnitID: null },
      { UserID: c.iqa, Role: 10, Kind: 'LearningAim', Level: 3, StandardID: c.standardId, UnitID: null },
      { UserID: c.trainee, Role: 4, Kind: 'UnitSummary', Level: 2, StandardID: c.standardId, UnitID: 'KS_COMM1' },
      { UserID: c.iqa, Role: 10, Kind: 'UnitSummary', Level: 2, StandardID: c.standardId, UnitID: 'KS_COMM1' },
      { UserID: c.observer, Role: 45, Kind: 'Additional', Level: 1, StandardID: null, UnitID: null },
    ]);
    // Replacing the holder: the trainee takes the aim's assessor slot.
    await assign(c.trainee, { Level: 3, StandardID: c.standardId });
    const aim = (await c.client.post('/LearningAim/Search', { UserID: c.learner })).json()[0];
    const full = (await c.client.get(`/LearningAim/${aim.ID}`)).json();
    assert.equal(full.AssessorID, c.trainee);
    assert.equal(full.IQAID, c.iqa);
    const summary = (await c.client.get(`/User/${c.learner}/UnitSummary`)).json()[0];
    assert.equal(summary.AssessorID, c.trainee);
    assert.equal(summary.IQAID, c.iqa);
    const audit = await h.db.query<{ changes: Record<string, { old: unknown; new: unknown }> }>(
      `SELECT changes FROM audit_log WHERE entity = 'learning_aim' AND action = 'update' ORDER BY id`,
    );
    assert.deepEqual(
      audit.map((a) => a.changes),
      [{ AssessorID: { old: null, new: c.assessor } }, { IQAID: { old: null, new: c.iqa } }, { AssessorID: { old: c.assessor, new: c.trainee } }],
    );
  });

  test('a level 3 assignment is one learning_aim.updated event naming the slot; a statement that finds the facts changed writes nothing', async () => {
    const c = await withProgramme();
    const events = () =>
      h.db.query<{ type: string; entity_id: number; organisation_id: number | null; fields: unknown }>(
        'SELECT type, entity_id::int AS entity_id, organisation_id, fields FROM events WHERE customer_id = $1 ORDER BY seq',
        [c.customerId],
      );
    const seen = (await events()).length;
    assert.equal((await c.client.post(`/User/${c.assessor}/Assign`, { LearnerID: c.learner, Level: 3, StandardID: c.standardId })).statusCode, 204);
    const aim = (await c.client.post('/LearningAim/Search', { UserID: c.learner })).json()[0].ID as number;
    assert.deepEqual((await events()).slice(seen), [{ type: 'learning_aim.updated', entity_id: aim, organisation_id: null, fields: ['AssessorID'] }]);
    // Read, then changed by another call (the IQA slot), then the stale statement: nothing written.
    const ids = [c.trainee, c.learner];
    const read = await assignments.readLevel3Facts(h.db, c.customerId, ids, c.learner, c.standardId);
    assert.equal((await c.client.post(`/User/${c.iqa}/Assign`, { LearnerID: c.learner, Level: 3, StandardID: c.standardId })).statusCode, 204);
    const count = (await events()).length;
    const change = { aimId: aim, slot: 'assessor_id' as const, field: 'AssessorID', old: c.assessor, target: c.trainee, actor: 'test' };
    const stale = { people: ids, learnerId: c.learner, standardId: c.standardId, digest: read.digest };
    assert.equal(await assignments.setAimSlotChecked(h.db, c.customerId, stale, change), false);
    assert.equal((await events()).length, count);
    assert.equal((await c.client.get(`/LearningAim/${aim}`)).json().AssessorID, c.assessor);
    const fresh = await assignments.readLevel3Facts(h.db, c.customerId, ids, c.learner, c.standardId);
    assert.equal(await assignments.setAimSlotChecked(h.db, c.customerId, { ...stale, digest: fresh.digest }, change), true);
    assert.equal((await c.client.get(`/LearningAim/${aim}`)).json().AssessorID, c.trainee);
    assert.equal((await events()).length, count + 1);
  });

  test('the swapped form (path is the learner, LearnerID the staff member) is accepted, with form bodies and lower-case keys', async () => {
    const c = await withProgramme();
    const res = await c.client.form(`/user/${c.learner}/assign/`, { learnerid: String(c.iqa), level: '3', standardid: String(c.standardId), ID: '5' });
    assert.equal(res.statusCode, 204);
    assert.deepEqual((await list(c)).json()[1], { UserID: c.iqa, Role: 10, Kind: 'LearningAim', Level: 3, StandardID: c.standardId, UnitID: null });
  });

  test('wrong role, unknown level, missing or unknown IDs, archived staff and other organisations answer 400 naming the problem', async () => {
    const c = await withProgramme();
    const assign = (staff: number, body: object) => c.client.post(`/User/${staff}/Assign`, { LearnerID: c.learner, ...body });
    const code = async (staff: number, body: object) => {
      const res = await assign(staff, body);
      assert.equal(res.statusCode, 400, res.body);
      return res.json().code;
    };
    assert.equal(await code(c.employer, { Level: 3, StandardID: c.standardId }), -131);
    assert.equal(await code(c.observer, { Level: 2, UnitID: 'KS_COMM1' }), -131);
    assert.equal(await code(c.assessor, { Level: 4 }), -130);
    assert.equal(await code(c.assessor, { Level: 3 }), -135);
    assert.equal(await code(c.assessor, { Level: 3, StandardID: 999 }), -135);
    const other = await newStandard(h.db, c.customerId, { title: 'Other', reference: 'ST9', units: ['OTHER1'] });
    assert.equal(await code(c.assessor, { Level: 3, StandardID: other.id }), -136);
    assert.equal(await code(c.assessor, { Level: 2 }), -137);
    assert.equal(await code(c.assessor, { Level: 2, UnitID: 'NOPE' }), -137);
    assert.equal(await code(c.assessor, { Level: 2, UnitID: 'KS_ORG2' }), -138);
    assert.equal(await code(c.assessor, { Level: 1, LearnerID: 99999 }), -132);
    assert.equal(await code(c.assessor, { Level: 1, LearnerID: c.iqa }), -132);
    const missing = await c.client.post(`/User/${c.assessor}/Assign`, { Level: 'x' });
    assert.deepEqual(
      missing
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
      ['LearnerID', 'Level'],
    );
    await c.client.post(`/User/${c.observer}/Archive`);
    assert.equal(await code(c.observer, { Level: 1 }), -133);
    const elsewhere = await h.db.query<{ id: number }>(`INSERT INTO organisations (customer_id, name) VALUES ($1, 'Second') RETURNING id`, [c.customerId]);
    const farAssessor = (
      await c.client.post('/User', { OrganisationID: elsewhere[0]!.id, Role: 5, FirstName: 'Far', LastName: 'Away', Email: 'far@example.com' })
    ).json().ID;
    assert.equal(await code(farAssessor, { Level: 1 }), -134);
    assert.equal((await assign(99999, { Level: 1 })).statusCode, 404);
    assert.equal(
      await h.db.query(`SELECT 1 FROM audit_log WHERE entity IN ('assignment') OR (entity = 'learning_aim' AND action = 'update')`).then((r) => r.length),
      0,
    );
  });

  test('Unassign empties a slot only for its holder and removes additional staff; LastModified moves only on change', async () => {
    const c = await withProgramme();
    await c.client.post(`/User/${c.assessor}/Assign`, { LearnerID: c.learner, Level: 3, StandardID: c.standardId });
    await c.client.post(`/User/${c.employer}/Assign`, { LearnerID: c.learner, Level: 1 });
    const stamp = async () => (await c.client.get(`/User/${c.learner}`)).json().LastModified as string;
    const t0 = await stamp();
    assert.equal((await c.client.post(`/User/${c.trainee}/Unassign`, { LearnerID: c.learner, Level: 3, StandardID: c.standardId })).statusCode, 204);
    assert.equal(await stamp(), t0, 'not the holder: nothing changes');
    assert.equal((await c.client.post(`/User/${c.assessor}/Unassign`, { LearnerID: c.learner, Level: 3, StandardID: c.standardId })).statusCode, 204);
    const t1 = await stamp();
    assert.ok(t1 > t0);
    await c.client.post(`/User/${c.employer}/Unassign`, { LearnerID: c.learner, Level: 1 });
    assert.deepEqual(
      (await list(c)).json().map((a: { Kind: string }) => a.Kind),
      ['DefaultAssessor'],
    );
  });

  test('AssignPlacement links an employer to a placement of their organisation, audited', async () => {
    const c = await withProgramme();
    const second = (await c.client.post('/Placement', { OrganisationID: c.organisationId, Name: 'Second site' })).json<number>();
    assert.equal((await c.client.post(`/User/${c.employer}/AssignPlacement/${second}/true`)).statusCode, 204);
    assert.equal((await c.client.post(`/user/${c.employer}/assignplacement/${second}/FALSE`)).statusCode, 204);
    assert.equal((await c.client.post(`/User/${c.employer}/AssignPlacement/${second}/false`)).statusCode, 204);
    const audit = await h.db.query<{ action: string; changes: { GrantAccess: { old: unknown; new: unknown } } }>(
      `SELECT action, changes FROM audit_log WHERE entity = 'employer_placement' ORDER BY id`,
    );
    assert.deepEqual(
      audit.map((a) => [a.action, a.changes.GrantAccess]),
      [
        ['create', { old: null, new: true }],
        ['update', { old: true, new: false }],
      ],
    );
    assert.equal((await c.client.post(`/User/${c.assessor}/AssignPlacement/${second}/true`)).json().code, -141);
    assert.equal((await c.client.post(`/User/${c.employer}/AssignPlacement/99999/true`)).json().code, -57);
    assert.equal((await c.client.post(`/User/${c.employer}/AssignPlacement/${second}/yes`)).statusCode, 400);
    assert.equal((await c.client.post(`/User/99999/AssignPlacement/${second}/true`)).statusCode, 404);
  });

  test('deleting a staff member empties their slots and additional assignments (audited); archiving keeps them', async () => {
    const c = await withProgramme();
    await c.client.post(`/User/${c.trainee}/Assign`, { LearnerID: c.learner, Level: 3, StandardID: c.standardId });
    await c.client.post(`/User/${c.trainee}/Assign`, { LearnerID: c.learner, Level: 2, UnitID: 'KS_COMM1' });
    await c.client.post(`/User/${c.trainee}/Assign`, { LearnerID: c.learner, Level: 1 });
    assert.equal((await c.client.post(`/User/${c.trainee}/Archive`)).statusCode, 204);
    assert.equal((await list(c)).json().length, 4, 'archived staff keep their assignments');
    await c.client.post(`/User/${c.trainee}/Unarchive`);
    const t0 = (await c.client.get(`/User/${c.learner}`)).json().LastModified;
    assert.equal((await c.client.delete(`/User/${c.trainee}`)).statusCode, 204);
    assert.deepEqual(
      (await list(c)).json().map((a: { Kind: string }) => a.Kind),
      ['DefaultAssessor'],
    );
    assert.ok((await c.client.get(`/User/${c.learner}`)).json().LastModified > t0);
    const audit = await h.db.query<{ entity: string; action: string }>(
      `SELECT entity, action FROM audit_log WHERE actor LIKE 'session:%' AND entity <> 'user' ORDER BY id DESC LIMIT 3`,
    );
    assert.deepEqual(audit.map((a) => `${a.entity}:${a.action}`).sort(), ['assignment:delete', 'learning_aim:update', 'unit_summary:update']);
    // A learner with no progress can be deleted, their programme with them; progress still blocks (-110).
    await h.db.query('UPDATE learning_aims SET progress = 10');
    assert.equal((await c.client.delete(`/User/${c.learner}`)).json().code, -110);
  });
});
