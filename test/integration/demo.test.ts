import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, engine, harness, type Harness } from '../helpers.js';
import { DEMO_TOKEN, seedDemo } from '../../src/server/demo/demo.js';

describe(`the demo seed (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  before(async () => {
    h = await harness();
    await seedDemo(h.db);
  });
  after(async () => {
    await h.close();
  });

  test('the demo token opens a customer with one Keychain centre and one login centre', async () => {
    const c = await Client.for(h.app, DEMO_TOKEN);
    const orgs = (await c.post('/Organisation/Search')).json<{ ID: number; KeychainCreationForNewUserActive: boolean }[]>();
    assert.deepEqual(orgs.map((o) => o.KeychainCreationForNewUserActive).sort(), [false, true]);
  });

  test('each centre has classes, placements, learner statuses, staff of every role and learners', async () => {
    const c = await Client.for(h.app, DEMO_TOKEN);
    const orgs = (await c.post('/Organisation/Search')).json<{ ID: number }[]>();
    for (const org of orgs) {
      assert.ok((await c.post('/Classroom/Search', { OrganisationID: org.ID })).json().length >= 2);
      assert.ok((await c.post('/Placement/Search', { OrganisationID: org.ID })).json().length >= 2);
      assert.ok((await c.get(`/Organisation/${org.ID}/LearnerStatuses`)).json().length >= 2);
      const roles = new Set((await c.post('/User/Search', { OrganisationID: org.ID })).json<{ Role: number }[]>().map((u) => u.Role));
      assert.deepEqual(
        [...roles].sort((a, b) => a - b),
        [1, 4, 5, 10, 40, 45],
      );
    }
  });
});
