import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { centreWithPeople, engine, newStandard, harnessPerSuite } from '../helpers.js';

// On PGlite the requests queue up (one transaction at a time); on PostgreSQL they really race.
describe(`assignments under concurrency (${engine})`, () => {
  const h = harnessPerSuite();

  test('32 simultaneous level-3 assigns leave one holder and an audit trail of the sequence; no 5xx', async () => {
    const c = await centreWithPeople(h);
    const s = await newStandard(h.db, c.customerId);
    const aimId = JSON.parse((await c.client.post(`/Standard/${s.id}/Assign/${c.learner}`)).body) as number;
    const assessors: number[] = [];
    for (let i = 0; i < 32; i++) assessors.push(await c.person(i % 2 ? 5 : 4, `Assessor${i}`));
    const answers = await Promise.all(assessors.map((id) => c.client.post(`/User/${id}/Assign`, { LearnerID: c.learner, Level: 3, StandardID: s.id })));
    assert.deepEqual([...new Set(answers.map((r) => r.statusCode))], [204]);
    const holder = (await c.client.get(`/LearningAim/${aimId}`)).json().AssessorID as number;
    assert.ok(assessors.includes(holder));
    const trail = await h.db.query<{ changes: { AssessorID: { old: number | null; new: number } } }>(
      `SELECT changes FROM audit_log WHERE entity = 'learning_aim' AND entity_id = $1 AND action = 'update' ORDER BY id`,
      [aimId],
    );
    assert.equal(trail.length, 32);
    // Each change starts from the previous one's result: a chain from empty to the holder.
    let previous: number | null = null;
    for (const t of trail) {
      assert.equal(t.changes.AssessorID.old, previous);
      previous = t.changes.AssessorID.new;
    }
    assert.equal(previous, holder);
    assert.deepEqual(new Set(trail.map((t) => t.changes.AssessorID.new)), new Set(assessors));
  });

  test('32 simultaneous Standard Assign calls for one learner create one learning aim and answer its ID', async () => {
    const c = await centreWithPeople(h);
    const s = await newStandard(h.db, c.customerId, { units: ['KS_COMM1'] });
    const answers = await Promise.all(Array.from({ length: 32 }, () => c.client.post(`/Standard/${s.id}/Assign/${c.learner}`)));
    assert.deepEqual([...new Set(answers.map((r) => r.statusCode))], [200]);
    const ids = new Set(answers.map((r) => JSON.parse(r.body) as number));
    assert.equal(ids.size, 1);
    assert.equal((await c.client.post('/LearningAim/Search', { UserID: c.learner })).json().length, 1);
    const units = await Promise.all(Array.from({ length: 32 }, () => c.client.post(`/Unit/KS_COMM1/Assign/${c.learner}/${s.id}`)));
    assert.deepEqual([...new Set(units.map((r) => r.statusCode))], [200]);
    assert.equal(new Set(units.map((r) => r.body)).size, 1);
    const audit = await h.db.query(`SELECT 1 FROM audit_log WHERE entity IN ('learning_aim', 'unit_summary') AND action = 'create'`);
    assert.equal(audit.length, 2);
  });
});
