// test-runner: own-process (it measures or starts processes of its own; see test/run.mjs)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engine, freshDatabaseUrl } from '../helpers.js';
import { DEMO_TOKEN } from '../../src/server/demo/demo.js';
import { call, start, stop } from '../server-process.js';

describe(`the server process (${engine})`, () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  before(async () => {
    if (process.env.DATABASE_URL) {
      const fresh = await freshDatabaseUrl();
      env = { DATABASE_URL: fresh.url };
      cleanup = fresh.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'learnfile-serve-'));
      env = { DATA_DIR: dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  after(async () => {
    await cleanup();
  });

  test('starts on an empty database with the demo, logs where everything is, and keeps data across a restart', async () => {
    const first = await start(env);
    let classId: number;
    try {
      const text = first.log.join('\n');
      assert.match(text, /API docs: http:\/\/127\.0\.0\.1:\d+\/docs/);
      assert.match(text, engine === 'pglite' ? /database: embedded PGlite in .*learnfile-serve-.*does not fsync/ : /database: PostgreSQL at postgres:/);
      assert.match(text, /migrations: \d+ applied now/);
      assert.ok(text.includes(`demo customer token (public, for trying things out): ${DEMO_TOKEN}`));
      const session = await (await call(first.url, '/Authentication', { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
      const headers = { 'X-TokenID': session, 'Content-Type': 'application/json' };
      const docs = await fetch(`${first.url}/docs`, { redirect: 'follow' });
      assert.equal(docs.status, 200);
      const created = await call(first.url, '/Classroom', { method: 'POST', headers, body: JSON.stringify({ OrganisationID: 1, Name: 'Survives restarts' }) });
      assert.equal(created.status, 200);
      classId = (await created.json()) as number;
      assert.ok(Number.isInteger(classId), 'a create answers the new ID as a bare integer');
    } finally {
      await stop(first);
    }

    const second = await start(env);
    try {
      assert.match(second.log.join('\n'), /migrations: 0 applied now/);
      const session = await (await call(second.url, '/Authentication', { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
      const res = await call(second.url, `/Classroom/${classId}`, { headers: { 'X-TokenID': session } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { Name: string }).Name, 'Survives restarts');
      const orgs = await call(second.url, '/Organisation/Search', { method: 'POST', headers: { 'X-TokenID': session } });
      assert.equal(((await orgs.json()) as unknown[]).length, 2, 'the demo is loaded once, not again on restart');
    } finally {
      await stop(second);
    }
  });

  test('while the server runs, the CLI works through it: `mail list` shows a queued verification link, `customer create` makes a customer', async () => {
    const server = await start(env);
    try {
      const session = await (await call(server.url, '/Authentication', { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
      const headers = { 'X-TokenID': session, 'Content-Type': 'application/json' };
      const orgs = (await (await call(server.url, '/Organisation/Search', { method: 'POST', headers })).json()) as {
        ID: number;
        KeychainCreationForNewUserActive: boolean;
      }[];
      const keychainOrg = orgs.find((o) => o.KeychainCreationForNewUserActive)!;
      const created = await call(server.url, '/User', {
        method: 'POST',
        headers,
        body: JSON.stringify({ OrganisationID: keychainOrg.ID, Role: 5, FirstName: 'Kim', LastName: 'Lee', Email: 'kim.lee@example.com' }),
      });
      assert.equal(created.status, 200);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'mail', 'list', '--limit', '1'], {
        env: { ...process.env, ...env },
      });
      assert.match(stdout, /To: +kim\.lee@example\.com/);
      assert.match(stdout, /http:\/\/127\.0\.0\.1:\d+\/keychain\/verify\/[A-Za-z0-9_-]+/);
      const created2 = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'customer', 'create', 'Held Ltd'], {
        env: { ...process.env, ...env },
      });
      assert.match(created2.stdout, /^Customer \d+ created: Held Ltd$/m);
      const noKey = await fetch(`${server.url}/api/admin/ops/customer.list`, { method: 'POST' });
      assert.equal(
        noKey.status,
        engine === 'pglite' ? 401 : 404,
        'the operator door needs the key, and without OPERATOR_KEY exists only on the embedded database',
      );
    } finally {
      await stop(server);
    }
  });
});
