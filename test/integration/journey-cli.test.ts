// `learnfile plan add`, `timesheet add` and `visit-type add|list`, run in-process as the
// command line would, on the file's own database; the result is read back over HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/client.js';
import { DEMO_TOKEN } from '../../src/server/demo/demo.js';
import { Client, createTestDb, engine, runLearnfile, testConfig, type TestDb } from '../helpers.js';

describe(`learnfile plan, timesheet and visit-type commands (${engine})`, () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => {
    await t.drop();
  });

  const cli = (...args: string[]) => runLearnfile(args, { database: t.db });

  /** Reads through the HTTP app on the same database. */
  async function overHttp<T>(fn: (c: Client, db: Database) => Promise<T>): Promise<T> {
    const app = await buildApp({ db: t.db, config: testConfig(), logger: false });
    try {
      return await fn(await Client.for(app, DEMO_TOKEN), t.db);
    } finally {
      await app.close();
    }
  }

  test('plan add and timesheet add record what the API then reads; the OTJ summary moves; mistakes are one line', async () => {
    assert.equal((await cli('seed', 'demo')).code, 0);
    const { learner, assessor, organisation, hoursBefore } = await overHttp(async (c, db) => {
      const [row] = await db.query<{ id: number; default_assessor_id: number; organisation_id: number }>(
        'SELECT id, default_assessor_id, organisation_id FROM users WHERE role = 1 ORDER BY id LIMIT 1',
      );
      const otj = (await c.get(`/User/${row!.id}/offthejob`)).json<{ CachedActualHours: number }>();
      return { learner: row!.id, assessor: row!.default_assessor_id, organisation: row!.organisation_id, hoursBefore: otj.CachedActualHours };
    });

    const plan = await cli('plan', 'add', '1', String(learner), 'Mock end-point assessment', '--on', '2027-01-11', '--assessor', String(assessor));
    assert.equal(plan.code, 0, plan.stderr);
    const planId = Number(/^Plan (\d+) recorded/.exec(plan.stdout)?.[1]);
    const entry = await cli(
      'timesheet',
      'add',
      '1',
      String(learner),
      '--from',
      '2026-11-25T09:00:00Z',
      '--to',
      '2026-11-25T14:30:00Z',
      '--category',
      'Workshop',
      '--off-the-job',
    );
    assert.equal(entry.code, 0, entry.stderr);
    assert.match(entry.stdout, /^Timesheet entry \d+ recorded for learner \d+: 5\.5 h of Workshop \(off the job\)\n$/);

    const wrong = await cli('timesheet', 'add', '1', String(assessor), '--from', '2026-11-25T09:00:00Z', '--to', '2026-11-25T08:00:00Z', '--category', 'Work');
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trimEnd().split('\n').length, 1);
    assert.match(wrong.stderr, /^learnfile: learnerId .+; to .+/, 'every field named, each with its problem');

    assert.equal((await cli('visit-type', 'add', String(organisation), 'Exam practice')).code, 0);
    const types = await cli('visit-type', 'list', String(organisation), '--json');
    assert.deepEqual(
      JSON.parse(types.stdout).map((t: { name: string }) => t.name),
      ['Face-to-face', 'Remote session', 'Workplace visit', 'Exam practice'],
    );

    await overHttp(async (c) => {
      assert.equal((await c.get(`/Plan/${planId}`)).json<{ Title: string }>().Title, 'Mock end-point assessment');
      const otj = (await c.get(`/User/${learner}/offthejob`)).json<{ CachedActualHours: number }>();
      assert.equal(otj.CachedActualHours, hoursBefore + 5.5);
    });
  });
});
