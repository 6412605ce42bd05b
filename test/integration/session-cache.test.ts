// Sessions are served from each API process's memory, and whatever ends them early reaches
// every process at once through the database's announcements (LISTEN/NOTIFY).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { openDatabase, type Database, type Queryable } from '../../src/server/db/client.js';
import { migrate } from '../../src/server/db/migrate.js';
import type { SessionCache } from '../../src/server/resources/authentication/session-cache.js';
import { authenticate, engine, freshDatabaseUrl, newCustomer, resetDb, testConfig } from '../helpers.js';

const OPERATOR_KEY = 'session-cache-test-operator-key';
const cacheOf = (app: FastifyInstance) => (app as unknown as { sessionCache: SessionCache }).sessionCache;
const internals = (app: FastifyInstance) =>
  app as unknown as {
    forgetCaches(): Promise<void>;
    whileBackgroundPaused<T>(fn: () => Promise<T>): Promise<T>;
  };

/** A database handle that writes down every statement it is given (to see what a call costs). */
function recording(db: Database): Database & { statements: string[] } {
  const statements: string[] = [];
  const query: Queryable['query'] = (sql, params) => {
    statements.push(sql);
    return db.query(sql, params);
  };
  return Object.assign(Object.create(db) as Database, { query, statements });
}

/**
 * Two API processes on one database: on PostgreSQL two connection pools and two listening
 * connections, as two servers would have; PGlite is one process's database, so there the two
 * apps share it (and its in-process notifications).
 */
async function twoProcesses(config = testConfig()) {
  let dbs: Database[];
  let dropDb = async () => {};
  if (process.env.DATABASE_URL) {
    const fresh = await freshDatabaseUrl();
    dbs = [await openDatabase({ databaseUrl: fresh.url, dataDir: '' }), await openDatabase({ databaseUrl: fresh.url, dataDir: '' })];
    dropDb = fresh.drop;
  } else {
    const db = await openDatabase({ dataDir: 'memory://' });
    dbs = [db, db];
  }
  await migrate(dbs[0]!);
  const a = recording(dbs[0]!);
  const appA = await buildApp({ db: a, config, logger: false, operatorKey: OPERATOR_KEY });
  const appB = await buildApp({ db: dbs[1]!, config, logger: false, operatorKey: OPERATOR_KEY });
  return {
    db: dbs[0]!,
    a,
    appA,
    appB,
    async reset() {
      await internals(appA).forgetCaches();
      await internals(appB).forgetCaches();
      // Background work (webhook deliverers) of both processes waits while the tables empty.
      await internals(appA).whileBackgroundPaused(() => internals(appB).whileBackgroundPaused(() => resetDb(dbs[0]!)));
    },
    async close() {
      await appA.close();
      await appB.close();
      for (const db of new Set(dbs)) await db.close();
      await dropDb();
    },
  };
}

const getCustomer = (app: FastifyInstance, session: string) => app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': session } });

describe(`sessions cached in each process (${engine})`, () => {
  let p: Awaited<ReturnType<typeof twoProcesses>>;
  before(async () => {
    p = await twoProcesses();
  });
  after(async () => {
    await p.close();
  });
  beforeEach(async () => {
    await p.reset();
  });

  test('a session used again is authenticated from memory, without reading the database', async () => {
    const t = await newCustomer(p.db);
    const session = await authenticate(p.appA, t.token);
    assert.equal((await getCustomer(p.appA, session)).statusCode, 200);
    p.a.statements.length = 0;
    for (let i = 0; i < 5; i++) assert.equal((await getCustomer(p.appA, session)).statusCode, 200);
    const sessionReads = p.a.statements.filter((sql) => /\bsessions\b/.test(sql));
    assert.deepEqual(sessionReads, [], 'no statement touched the sessions table');
  });

  test('a token revoked through one process is refused by the other as soon as it hears of it', async () => {
    const t = await newCustomer(p.db);
    const other = await newCustomer(p.db, 'Other');
    const session = await authenticate(p.appA, t.token);
    const otherSession = await authenticate(p.appB, other.token);
    for (const app of [p.appA, p.appB]) assert.equal((await getCustomer(app, session)).statusCode, 200);
    assert.ok(cacheOf(p.appB).size >= 1, 'process B holds the session in memory');
    const [token] = await p.db.query<{ id: number }>('SELECT id FROM api_tokens WHERE customer_id = $1', [t.customerId]);

    const heardByB = once(cacheOf(p.appB), 'message');
    const revoked = await p.appA.inject({
      method: 'POST',
      url: '/api/admin/ops/token.revoke',
      headers: { 'x-operator-key': OPERATOR_KEY },
      payload: { tokenId: token!.id },
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    // The process that revoked refuses at once, before any announcement could arrive.
    assert.equal((await getCustomer(p.appA, session)).statusCode, 401);
    assert.deepEqual(await heardByB, [`token:${token!.id}`]);
    assert.equal((await getCustomer(p.appB, session)).statusCode, 401);
    const again = await p.appB.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': t.token } });
    assert.equal(again.statusCode, 401, 'no new session either');
    assert.equal((await getCustomer(p.appB, otherSession)).statusCode, 200, 'another customer is unaffected');
  });

  test('deleting a customer ends its sessions in every process', async () => {
    const t = await newCustomer(p.db);
    const session = await authenticate(p.appA, t.token);
    for (const app of [p.appA, p.appB]) assert.equal((await getCustomer(app, session)).statusCode, 200);
    const heard = [once(cacheOf(p.appA), 'message'), once(cacheOf(p.appB), 'message')];
    await p.db.query('DELETE FROM customers WHERE id = $1', [t.customerId]);
    assert.deepEqual(await Promise.all(heard), [['all'], ['all']]);
    for (const app of [p.appA, p.appB]) assert.equal((await getCustomer(app, session)).statusCode, 401);
  });
});

describe(`the session cache is bounded (${engine})`, () => {
  let p: Awaited<ReturnType<typeof twoProcesses>>;
  before(async () => {
    p = await twoProcesses(testConfig({ SESSION_CACHE_SIZE: '3' }));
  });
  after(async () => {
    await p.close();
  });
  beforeEach(async () => {
    await p.reset();
  });

  test('past its capacity the least recently used sessions make way, and still work from the database', async () => {
    const t = await newCustomer(p.db);
    const sessions: string[] = [];
    for (let i = 0; i < 6; i++) sessions.push(await authenticate(p.appA, t.token));
    assert.equal(cacheOf(p.appA).size, 3);
    for (const s of sessions) assert.equal((await getCustomer(p.appA, s)).statusCode, 200);
    assert.equal(cacheOf(p.appA).size, 3);
  });
});

describe(`a lost listening connection (${engine})`, {
  skip: engine === 'pglite' && 'PGlite delivers notifications in-process: there is no connection to lose',
}, () => {
  let p: Awaited<ReturnType<typeof twoProcesses>>;
  before(async () => {
    p = await twoProcesses();
  });
  after(async () => {
    await p.close();
  });
  beforeEach(async () => {
    await p.reset();
  });

  test('empties the cache and reads every session from the database until the subscription is back', async () => {
    const t = await newCustomer(p.db);
    const session = await authenticate(p.appA, t.token);
    assert.equal((await getCustomer(p.appA, session)).statusCode, 200);
    const cache = cacheOf(p.appA);
    assert.ok(cache.size >= 1);

    const lost = once(cache, 'lost');
    const back = once(cache, 'subscribed');
    await p.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'learnfile listen learnfile_sessions' AND datname = current_database()`,
    );
    await lost;
    assert.equal(cache.size, 0, 'nothing is trusted while deaf');
    assert.equal(cache.active, false);
    // Revoked while no process can hear it: the database lookup still refuses the session.
    await p.db.query('UPDATE api_tokens SET revoked_at = now() WHERE customer_id = $1', [t.customerId]);
    p.a.statements.length = 0;
    assert.equal((await getCustomer(p.appA, session)).statusCode, 401);
    assert.ok(
      p.a.statements.some((sql) => /\bsessions\b/.test(sql)),
      'read from the database',
    );

    await back;
    assert.equal(cache.active, true);
    const fresh = await newCustomer(p.db, 'Fresh');
    const freshSession = await authenticate(p.appA, fresh.token);
    assert.equal((await getCustomer(p.appA, freshSession)).statusCode, 200);
    p.a.statements.length = 0;
    assert.equal((await getCustomer(p.appA, freshSession)).statusCode, 200);
    assert.ok(!p.a.statements.some((sql) => /\bsessions\b/.test(sql)), 'served from memory again');
  });
});
