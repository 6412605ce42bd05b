// `learnfile plan add`, `timesheet add` and `visit-type add|list`, run in-process as the
// command line would, against their own database; the result is read back over HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/server/app.js';
import { openDatabase, type Database } from '../../src/server/db/client.js';
import { DEMO_TOKEN } from '../../src/server/demo/demo.js';
import { runCli } from '../../src/cli/program.js';
import { Client, engine, freshDatabaseUrl, testConfig } from '../helpers.js';

interface Run { code: number; stdout: string; stderr: string }

describe(`learnfile plan, timesheet and visit-type commands (${engine})`, () => {
  let flags: string[];
  let open: () => Promise<Database>;
  let drop: () => Promise<void>;
  before(async () => {
    if (process.env.DATABASE_URL) {
      const fresh = await freshDatabaseUrl();
      flags = ['--database-url', fresh.url];
      open = () => openDatabase({ databaseUrl: fresh.url, dataDir: '' });
      drop = fresh.drop;
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'learnfile-journey-cli-'));
      flags = ['--data-dir', dir];
      open = () => openDatabase({ dataDir: dir });
      drop = () => rm(dir, { recursive: true, force: true });
    }
  });
  after(async () => { await drop(); });

  const cli = async (...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const env: NodeJS.ProcessEnv = { ...process.env, LEARNFILE_DEBUG: '' };
    delete env.DATABASE_URL;
    delete env.DATA_DIR;
    const code = await runCli([...flags, ...args], { env, out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
    return { code, stdout, stderr };
  };

  /** Reads through the HTTP app on the same database (closed again: PGlite is one process's). */
  async function overHttp<T>(fn: (c: Client, db: Database) => Promise<T>): Promise<T> {
    const db = await open();
    const app = await buildApp({ db, config: testConfig(), logger: false });
    try { return await fn(await Client.for(app, DEMO_TOKEN), db); } finally { await app.close(); await db.close(); }
  }

  test('plan add and timesheet add record what the API then reads; the OTJ summary moves; mistakes are one line', async () => {
    assert.equal((await cli('migrate')).code, 0, 'the CLI creates an embedded database only through migrate');
    assert.equal((await cli('seed', 'demo')).code, 0);
    const { learner, assessor, organisation, hoursBefore } = await overHttp(async (c, db) => {
      const [row] = await db.query<{ id: number; default_assessor_id: number; organisation_id: number }>(
        'SELECT id, default_assessor_id, organisation_id FROM users WHERE role = 1 ORDER BY id LIMIT 1');
      const otj = (await c.get(`/User/${row!.id}/offthejob`)).json<{ CachedActualHours: number }>();
      return { learner: row!.id, assessor: row!.default_assessor_id, organisation: row!.organisation_id, hoursBefore: otj.CachedActualHours };
    });

    const plan = await cli('plan', 'add', '1', String(learner), 'Mock end-point assessment', '--on', '2027-01-11', '--assessor', String(assessor));
    assert.equal(plan.code, 0, plan.stderr);
    const planId = Number(/^Plan (\d+) recorded/.exec(plan.stdout)?.[1]);
    const entry = await cli('timesheet', 'add', '1', String(learner), '--from', '2026-11-25T09:00:00Z', '--to', '2026-11-25T14:30:00Z', '--category', 'Workshop', '--off-the-job');
    assert.equal(entry.code, 0, entry.stderr);
    assert.match(entry.stdout, /^Timesheet entry \d+ recorded for learner \d+: 5\.5 h of Workshop \(off the job\)\n$/);

    const wrong = await cli('timesheet', 'add', '1', String(assessor), '--from', '2026-11-25T09:00:00Z', '--to', '2026-11-25T08:00:00Z', '--category', 'Work');
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trimEnd().split('\n').length, 1);
    assert.match(wrong.stderr, /^learnfile: learnerId .+; to .+/, 'every field named, each with its problem');

    assert.equal((await cli('visit-type', 'add', String(organisation), 'Exam practice')).code, 0);
    const types = await cli('visit-type', 'list', String(organisation), '--json');
    assert.deepEqual(JSON.parse(types.stdout).map((t: { name: string }) => t.name), ['Face-to-face', 'Remote session', 'Workplace visit', 'Exam practice']);

    await overHttp(async (c) => {
      assert.equal((await c.get(`/Plan/${planId}`)).json<{ Title: string }>().Title, 'Mock end-point assessment');
      const otj = (await c.get(`/User/${learner}/offthejob`)).json<{ CachedActualHours: number }>();
      assert.equal(otj.CachedActualHours, hoursBefore + 5.5);
    });
  });
});
