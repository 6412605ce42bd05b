/**
 * What an operator's tools see: /health and /ready for process managers and load
 * balancers, /metrics for Prometheus, and an embedded data directory only its owner can read.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, engine, newCustomer, testConfig, harnessPerSuite } from '../helpers.js';
import { openDatabase } from '../../src/server/db/client.js';
import { buildApp } from '../../src/server/app.js';
import { describeSecured, secureDataDir } from '../../src/server/ops/data-dir.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** Every path under dir whose mode lets anyone but the owner in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.mode & 0o077) found.push(`${(stat.mode & 0o777).toString(8)} ${path}`);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(dir);
  return found;
}

describe(`health, readiness and metrics (${engine})`, () => {
  const h = harnessPerSuite(testConfig({ METRICS_TOKEN, RATE_LIMIT_PER_MINUTE: '2' }));

  test('/health answers 200 without a session; /ready answers 503 naming a migration not applied, then 200 once it is', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });

    const [last] = await h.db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1');
    await h.db.query('DELETE FROM schema_migrations WHERE version = $1', [last!.version]);
    try {
      const pending = await h.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(pending.statusCode, 503);
      assert.deepEqual(pending.json(), { status: 'migrations pending', pending: [last!.version] });
    } finally {
      await h.db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [last!.version]);
    }
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  test('/metrics needs the bearer token, then counts requests by route pattern and status, refusals, queries and the outbox', async () => {
    const tenant = await newCustomer(h.db);
    const client = await Client.for(h.app, tenant.token);
    assert.equal((await client.get('/Classroom/4242')).statusCode, 404);
    assert.equal((await client.get('/Classroom/4243')).statusCode, 429, 'the third call this minute is over the limit of 2');

    assert.equal((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    assert.equal((await h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode, 401);
    const res = await h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const text = res.body;
    assert.match(text, /^learnfile_http_requests_total\{method="POST",route="\/api\/v2\.1\/Authentication",status="200"\} 1$/m);
    assert.match(
      text,
      /^learnfile_http_requests_total\{method="GET",route="\/api\/v2\.1\/Classroom\/:id",status="404"\} 1$/m,
      'routes are labelled by pattern, not by the ID in the path',
    );
    assert.match(text, /^learnfile_http_request_duration_seconds_count\{method="GET",route="\/api\/v2\.1\/Classroom\/:id",status="429"\} 1$/m);
    assert.match(text, /^learnfile_rate_limit_refusals_total 1$/m);
    assert.match(text, /^learnfile_db_query_duration_seconds_count\{kind="statement"\} [1-9]\d*$/m);
    assert.match(text, /^learnfile_mail_outbox_messages\{status="pending"\} 0$/m);
    assert.match(text, /^learnfile_mail_send_failures_total 0$/m);
    if (engine === 'postgres') assert.match(text, /^learnfile_db_pool_connections\{state="total"\} [1-9]\d*$/m);
  });

  test('without METRICS_TOKEN there is no /metrics route at all', async () => {
    const plain = { app: await buildApp({ db: h.db, config: testConfig(), logger: false }) };
    try {
      const res = await plain.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json<{ code: number }>().code, -120);
    } finally {
      await plain.app.close();
    }
  });
});

describe('the embedded data directory is private to its owner', () => {
  test('a new database is created with folders 0700 and files 0600, and a loosened one is tightened and reported', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'learnfile-perm-'));
    const dir = join(parent, 'data');
    try {
      const created = secureDataDir(dir);
      assert.deepEqual(describeSecured(dir, created), { level: 'info', text: `created data directory ${dir} (owner-only)` });
      const db = await openDatabase({ dataDir: dir });
      await db.close();
      assert.deepEqual(openToOthers(dir), []);

      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'PG_VERSION'), 0o644);
      writeFileSync(join(dir, 'stray.txt'), 'x', { mode: 0o666 });
      chmodSync(join(dir, 'stray.txt'), 0o666);
      const tightened = secureDataDir(dir);
      assert.deepEqual(tightened.tightened.sort(), [dir, join(dir, 'PG_VERSION'), join(dir, 'stray.txt')].sort());
      assert.match(describeSecured(dir, tightened)!.text, /was readable by others: made 3 entries owner-only/);
      assert.deepEqual(openToOthers(dir), []);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
