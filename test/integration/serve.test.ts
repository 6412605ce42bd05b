import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engine, freshDatabaseUrl } from '../helpers.js';
import { DEMO_TOKEN } from '../../src/server/domain/demo.js';

interface Started { child: ChildProcess; log: string[]; url: string }

/** Starts the real entry point and waits for its start-up log. */
async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('\n')}`)), 120_000);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        let msg = line;
        try { msg = JSON.parse(line).msg ?? line; } catch { /* plain line */ }
        log.push(msg);
        const m = /listening on (http:\/\/\S+)\/api\/v2\.1/.exec(msg);
        if (m) {
          // The remaining start-up lines follow synchronously; give them a moment.
          setTimeout(() => { clearTimeout(timer); resolve({ child, log, url: m[1]! }); }, 300);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log.join('\n')}`)); });
  });
}

async function stop(s: Started): Promise<void> {
  s.child.removeAllListeners('exit');
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

async function call(url: string, path: string, init: RequestInit = {}) {
  return fetch(`${url}/api/v2.1${path}`, init);
}

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
  after(async () => { await cleanup(); });

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
      classId = (await created.json() as { ID: number }).ID;
    } finally {
      await stop(first);
    }

    const second = await start(env);
    try {
      assert.match(second.log.join('\n'), /migrations: 0 applied now/);
      const session = await (await call(second.url, '/Authentication', { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
      const res = await call(second.url, `/Classroom/${classId}`, { headers: { 'X-TokenID': session } });
      assert.equal(res.status, 200);
      assert.equal((await res.json() as { Name: string }).Name, 'Survives restarts');
      const orgs = await call(second.url, '/Organisation/Search', { method: 'POST', headers: { 'X-TokenID': session } });
      assert.equal((await orgs.json() as unknown[]).length, 2, 'the demo is loaded once, not again on restart');
    } finally {
      await stop(second);
    }
  });

  test('while the server runs, `learnfile mail list` shows a queued verification email with its link', async () => {
    const server = await start(env);
    try {
      const session = await (await call(server.url, '/Authentication', { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
      const headers = { 'X-TokenID': session, 'Content-Type': 'application/json' };
      const orgs = await (await call(server.url, '/Organisation/Search', { method: 'POST', headers })).json() as { ID: number; KeychainCreationForNewUserActive: boolean }[];
      const keychainOrg = orgs.find((o) => o.KeychainCreationForNewUserActive)!;
      const created = await call(server.url, '/User', {
        method: 'POST', headers,
        body: JSON.stringify({ OrganisationID: keychainOrg.ID, Role: 5, FirstName: 'Kim', LastName: 'Lee', Email: 'kim.lee@example.com' }),
      });
      assert.equal(created.status, 200);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'mail', 'list', '--limit', '1'], {
        env: { ...process.env, ...env },
      });
      assert.match(stdout, /To: +kim\.lee@example\.com/);
      assert.match(stdout, /http:\/\/127\.0\.0\.1:\d+\/keychain\/verify\/[A-Za-z0-9_-]+/);
      const noKey = await fetch(`${server.url}/api/admin/mail`);
      assert.equal(noKey.status, engine === 'pglite' ? 401 : 404, 'the operator endpoint needs the key, and exists only on the embedded database');
    } finally {
      await stop(server);
    }
  });
});
