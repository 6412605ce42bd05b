/**
 * A real PostgreSQL restart under a running server process. Opt-in: it restarts the
 * PostgreSQL server itself (every database on it, other users' too), so it runs only with
 * PG_RESTART_TEST=1 and DATABASE_URL pointing at a local cluster this machine's
 * `pg_ctlcluster` manages (as root or the postgres user):
 *
 *   PG_RESTART_TEST=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     node --import tsx --test test/integration/pg-restart.test.ts
 *
 * The cluster is the one under /etc/postgresql (PG_RESTART_CLUSTER="15 main" to name
 * another). db-outage.test.ts covers the same faults without a restart, in every run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { freshDatabaseUrl } from '../helpers.js';
import { DEMO_TOKEN } from '../../src/server/demo/demo.js';
import { call, start, stop, type Started } from '../server-process.js';

const run = promisify(execFile);
const enabled = process.env.PG_RESTART_TEST === '1' && Boolean(process.env.DATABASE_URL);
const skip = enabled ? false : 'restarts the PostgreSQL server (every database on it): set PG_RESTART_TEST=1 and DATABASE_URL to run it';

function cluster(): [string, string] {
  const named = process.env.PG_RESTART_CLUSTER?.split(/\s+/);
  if (named?.length === 2) return named as [string, string];
  const versions = readdirSync('/etc/postgresql');
  assert.equal(versions.length, 1, `one PostgreSQL version under /etc/postgresql, found ${versions.join(', ')}: set PG_RESTART_CLUSTER`);
  return [versions[0]!, 'main'];
}

const ready = async () => {
  try {
    await run('pg_isready', ['-h', '127.0.0.1']);
    return true;
  } catch {
    return false;
  }
};

interface Answer {
  status: number;
  code?: number;
  retryAfter: string | null;
  ms: number;
}

async function answer(res: Promise<Response>): Promise<Answer> {
  const started = Date.now();
  const r = await res;
  const text = await r.text();
  let code: number | undefined;
  try {
    code = (JSON.parse(text) as { code?: number }).code;
  } catch {
    /* a success body */
  }
  return { status: r.status, ...(code !== undefined ? { code } : {}), retryAfter: r.headers.get('retry-after'), ms: Date.now() - started };
}

describe('a real PostgreSQL restart under a running server (postgres)', { skip }, () => {
  let fresh: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let server: Started | undefined;
  before(async () => {
    fresh = await freshDatabaseUrl();
  });
  after(async () => {
    if (server) await stop(server);
    // Whatever happened above, leave PostgreSQL running for everyone else.
    if (!(await ready())) await run('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster(), 'start']);
    assert.ok(await ready(), 'PostgreSQL is accepting connections again');
    await fresh.drop();
  });

  test('calls in flight and during the restart answer 503 (-503), the process lives, and calls succeed once PostgreSQL is back', async (ctx) => {
    server = await start({
      DATABASE_URL: fresh.url,
      RATE_LIMIT_PER_MINUTE: '100000000',
      AUTH_FAILURES_PER_MINUTE: '100000',
      DB_CONNECT_TIMEOUT_MS: '2000',
    });
    const url = server.url;
    const session = await (await call(url, '/Authentication', { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
    const headers = { 'X-TokenID': session, 'Content-Type': 'application/json' };
    const createClass = (name: string) => call(url, '/Classroom', { method: 'POST', headers, body: JSON.stringify({ OrganisationID: 1, Name: name }) });
    assert.equal((await call(url, '/Customer', { headers })).status, 200);

    // A write in flight: it waits for a lock on classrooms when the restart ends its connection.
    const admin = new pg.Client({ connectionString: fresh.url });
    const holder = new pg.Client({ connectionString: fresh.url });
    for (const c of [admin, holder]) {
      c.on('error', () => {});
      await c.connect();
    }
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE classrooms IN ACCESS EXCLUSIVE MODE');
    const inFlight = answer(createClass('In flight'));
    for (;;) {
      const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if (rows.length > 0) break;
      await new Promise((r) => setImmediate(r));
    }

    // The restart, with reads and writes sent back to back until it has finished.
    const restartStarted = Date.now();
    let restarting = true;
    const restart = run('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster(), 'restart']).finally(() => {
      restarting = false;
    });
    const during: Answer[] = [];
    const written: string[] = [];
    const reads = (async () => {
      while (restarting) during.push(await answer(call(url, '/Customer', { headers })));
    })();
    const writes = (async () => {
      for (let i = 0; restarting; i++) {
        const a = await answer(createClass(`During ${i}`));
        during.push(a);
        if (a.status === 200) written.push(`During ${i}`);
      }
    })();
    await restart;
    const restartMs = Date.now() - restartStarted;
    await Promise.all([reads, writes]);
    for (const c of [admin, holder]) await c.end().catch(() => {});

    const first = await inFlight;
    assert.equal(first.status, 503, JSON.stringify(first));
    assert.equal(first.code, -503);
    assert.ok(first.retryAfter);
    // Every call during the restart answered: 200 before the shutdown reached it or after
    // PostgreSQL was back, otherwise 503 with the outage code. Nothing else, never a 500.
    const by = new Map<string, number>();
    for (const a of during) {
      const key = a.status === 503 ? `503 ${a.code}` : String(a.status);
      by.set(key, (by.get(key) ?? 0) + 1);
      if (a.status !== 200) {
        assert.equal(a.status, 503, JSON.stringify(a));
        assert.equal(a.code, -503, JSON.stringify(a));
        assert.ok(a.retryAfter, JSON.stringify(a));
      }
    }
    assert.ok((by.get('503 -503') ?? 0) > 0, 'some calls met the outage');
    assert.equal(server.child.exitCode, null, `the server process lives:\n${server.log.slice(-20).join('\n')}`);

    // Back: connections the restart ended are thrown away as they fail, so within a few
    // calls (at most one per pooled connection) everything answers again.
    let back = await answer(call(url, '/Customer', { headers }));
    let tries = 1;
    for (; back.status === 503 && tries <= 12; tries++) back = await answer(call(url, '/Customer', { headers }));
    assert.equal(back.status, 200, JSON.stringify(back));
    const after = await answer(createClass('After'));
    assert.equal(after.status, 200, JSON.stringify(after));
    assert.equal((await fetch(`${url}/ready`)).status, 200);

    // What answered 200 was written; the call in flight was not.
    const check = new pg.Client({ connectionString: fresh.url });
    await check.connect();
    const names = new Set((await check.query<{ name: string }>('SELECT name FROM classrooms')).rows.map((r) => r.name));
    await check.end();
    for (const name of [...written, 'After']) assert.ok(names.has(name), `${name} answered 200 and is stored`);
    assert.ok(!names.has('In flight'), 'the call in flight was rolled back');
    assert.equal(server.child.exitCode, null);
    const slowest = Math.max(...during.map((a) => a.ms));
    ctx.diagnostic(
      `restart took ${restartMs} ms; ${during.length} calls during it: ${[...by].map(([k, n]) => `${k}: ${n}`).join(', ')}; ` +
        `slowest answer ${slowest} ms; ${tries - 1} call(s) after it met an old connection before a 200`,
    );
  });
});
