import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, engine, harness } from '../helpers.js';
import { DEMO_TOKEN, seedDemo } from '../../src/server/demo/demo.js';

describe(`the demo's programmes (${engine})`, () => {
  let h: Awaited<ReturnType<typeof harness>>;
  before(async () => {
    h = await harness();
    await seedDemo(h.db);
  });
  after(async () => {
    await h.close();
  });

  test('each centre offers two standards with units, learning-aim statuses and a template; every learner has a programme with staff', async () => {
    const c = await Client.for(h.app, DEMO_TOKEN);
    const orgs = (await c.post('/Organisation/Search')).json() as { ID: number }[];
    assert.equal(orgs.length, 2);
    for (const org of orgs) {
      const standards = (await c.get(`/Organisation/${org.ID}/AssignedStandards`)).json() as { ID: number }[];
      assert.equal(standards.length, 2);
      for (const s of standards) {
        const full = (await c.get(`/Standard/${s.ID}`)).json();
        assert.match(full.Reference, /^ST\d{4}$/);
        assert.ok(full.OTJHours >= 250 && full.OTJHours <= 450);
        assert.ok(full.Units.length >= 4);
        assert.equal((await c.get(`/Unit/${full.Units[0]}`)).statusCode, 200);
      }
      assert.ok((await c.get(`/Organisation/${org.ID}/LearningAimStatuses`)).json().length >= 4);
      assert.equal((await c.post('/FrameworkTemplate/Search', { OrganisationID: org.ID })).json().length, 1);
      const learners = (await c.post('/User/Search', { OrganisationID: org.ID, Role: 1 })).json() as { ID: number }[];
      for (const learner of learners) {
        const kinds = ((await c.get(`/User/${learner.ID}/Assignments`)).json() as { Kind: string }[]).map((a) => a.Kind);
        for (const kind of ['DefaultAssessor', 'DefaultEmployer', 'LearningAim', 'UnitSummary']) assert.ok(kinds.includes(kind), `${learner.ID} ${kind}`);
        assert.equal((await c.post('/LearningAim/Search', { UserID: learner.ID })).json().length, 1);
        assert.ok((await c.get(`/User/${learner.ID}/UnitSummary`)).json().length >= 2);
      }
    }
  });
});
