// The demo seed gives its learners a journey, so the journey calls answer something on a fresh start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, engine, harness, type Harness } from '../helpers.js';
import { DEMO_TOKEN, seedDemo } from '../../src/server/demo/demo.js';
import { OtjMethods } from '../../src/contract/offthejob.js';

describe(`the demo learners' journey (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  before(async () => {
    h = await harness();
    await seedDemo(h.db);
  });
  after(async () => {
    await h.close();
  });

  test('every demo learner has visits, reviews in several states, a plan, a term of timesheet entries and an OTJ position', async () => {
    const c = await Client.for(h.app, DEMO_TOKEN);
    const learners = (await c.post('/User/Search', { Role: 1 })).json<{ ID: number }[]>();
    assert.equal(learners.length, 6);
    const statuses = new Set<number>();
    for (const { ID } of learners) {
      assert.ok((await c.post('/Visit/Search', { LearnerID: ID })).json<unknown[]>().length >= 3);
      for (const r of (await c.post('/Review/Search', { LearnerID: ID })).json<{ Status: number }[]>()) statuses.add(r.Status);
      assert.equal((await c.post('/Plan/Search', { LearnerID: ID })).json<unknown[]>().length, 1);
      const entries = (await c.get(`/Timesheet/Learner/${ID}`)).json<{ IsOffTheJob: boolean }[]>();
      assert.equal(entries.filter((e) => e.IsOffTheJob).length, 11, 'one off-the-job day a week for the autumn term');
      const otj = (await c.get(`/User/${ID}/offthejob`)).json<{
        CachedActualHours: number;
        PlannedOTJ: number;
        PercentOfPlanned: number;
        MethodOfCalculatingOTJ: string;
      }>();
      assert.ok(otj.CachedActualHours === 66 || otj.CachedActualHours === 44, `11 weeks of 6 or 4 hours, got ${otj.CachedActualHours}`);
      assert.ok(otj.PlannedOTJ > 0 && otj.PercentOfPlanned > 0);
      assert.ok(([OtjMethods.from2025, OtjMethods.from2025Fallback] as string[]).includes(otj.MethodOfCalculatingOTJ));
      const user = (await c.get(`/User/${ID}`)).json<{ ProviderID: number; ContractedHours: number }>();
      assert.equal((await c.get(`/Provider/${user.ProviderID}`)).statusCode, 200);
      assert.ok(user.ContractedHours > 0);
    }
    assert.deepEqual([...statuses].sort(), [0, 1, 2, 3, 5]);
  });
});
