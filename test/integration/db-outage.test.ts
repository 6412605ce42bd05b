/**
 * The database can blink: a connection ended by the server, a statement that runs too long,
 * a network that stops answering. None of it may end the process or hang a request: calls in
 * flight answer 503 (-503) and later calls succeed once the database is back. PostgreSQL only:
 * the embedded database lives inside the process and has no connection to lose.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { openDatabase, type Database } from '../../src/server/db/client.js';
import { migrate } from '../../src/server/db/migrate.js';
import { Client, freshDatabaseUrl, newCustomer, newOrganisation, testConfig } from '../helpers.js';

const onPostgres = Boolean(process.env.DATABASE_URL);

/** A TCP proxy in front of PostgreSQL that the test can cut off silently (no RST, no FIN). */
async function startProxy(target: URL) {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let partitioned = false;
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (partitioned) {
      pairs.add([client, client]);
      client.pause();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.add([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    /** From now on nothing crosses, in either direction; connections stay open but silent. */
    partition() {
      partitioned = true;
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    /** The network is back: new connections cross again (the old ones are gone, as after a real outage). */
    heal() {
      partitioned = false;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

describe('the database can blink (postgres)', { skip: onPostgres ? false : 'needs DATABASE_URL (PostgreSQL)' }, () => {
  let fresh: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let admin: pg.Client;
  before(async () => {
    fresh = await freshDatabaseUrl();
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir: '' });
    await migrate(db);
    await db.close();
    admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await fresh.drop();
  });

  async function appOn(url: string, env: Record<string, string> = {}): Promise<{ app: FastifyInstance; db: Database; client: Client; organisationId: number }> {
    const config = testConfig({ DATABASE_URL: url, ...env });
    const db = await openDatabase({
      databaseUrl: url,
      dataDir: '',
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    });
    const app = await buildApp({ db, config, logger: false });
    const tenant = await newCustomer(db);
    const organisationId = await newOrganisation(db, tenant.customerId);
    return { app, db, organisationId, client: await Client.for(app, tenant.token) };
  }

  /** Holds an exclusive lock on classrooms until the returned function is called. */
  async function lockClassrooms(): Promise<{ pid: number; release(): Promise<void> }> {
    const holder = new pg.Client({ connectionString: fresh.url });
    await holder.connect();
    const [{ pid }] = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE classrooms IN ACCESS EXCLUSIVE MODE');
    return {
      pid,
      release: async () => {
        await holder.query('ROLLBACK');
        await holder.end();
      },
    };
  }

  /** Resolves once some backend of this database waits for a lock (the request is in flight). */
  async function someoneWaitsForALock(): Promise<void> {
    for (;;) {
      const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      if (rows.length > 0) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  test('pg_terminate_backend under an open transaction: 503 for the call in flight, the process lives, the next calls succeed', async () => {
    const s = await appOn(fresh.url);
    try {
      const lock = await lockClassrooms();
      const inFlight = s.client.post('/Classroom', { OrganisationID: s.organisationId, Name: 'Class A' });
      await someoneWaitsForALock();
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1)', [
        lock.pid,
      ]);
      const res = await inFlight;
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().code, -503);
      assert.ok(res.headers['retry-after']);
      await lock.release();
      assert.equal((await s.client.get('/Customer')).statusCode, 200);
      const again = await s.client.post('/Classroom', { OrganisationID: s.organisationId, Name: 'Class A' });
      assert.equal(again.statusCode, 200, again.body);
      // Nothing of the failed call was written: one class, one audit row.
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM classrooms WHERE name = 'Class A'");
      assert.equal(rows[0].n, 1);
    } finally {
      await s.app.close();
      await s.db.close();
    }
  });

  test('a statement past DB_STATEMENT_TIMEOUT_MS is cancelled and answered 503, not left hanging', async () => {
    const s = await appOn(fresh.url, { DB_STATEMENT_TIMEOUT_MS: '300' });
    try {
      const lock = await lockClassrooms();
      const res = await s.client.post('/Classroom', { OrganisationID: s.organisationId, Name: 'Slow' });
      await lock.release();
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().code, -503);
      assert.match(res.json().message, /did not answer in time/);
      assert.equal((await s.client.post('/Classroom', { OrganisationID: s.organisationId, Name: 'Slow' })).statusCode, 200);
    } finally {
      await s.app.close();
      await s.db.close();
    }
  });

  test('a network partition: calls answer 503 within the timeouts instead of hanging, and succeed once it heals', async () => {
    const target = new URL(fresh.url);
    const proxy = await startProxy(target);
    const viaProxy = new URL(fresh.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const s = await appOn(viaProxy.toString(), { DB_STATEMENT_TIMEOUT_MS: '500', DB_CONNECT_TIMEOUT_MS: '500' });
    try {
      assert.equal((await s.client.get('/Customer')).statusCode, 200);
      proxy.partition();
      const answers = await Promise.all([
        s.client.get('/Customer'),
        s.client.post('/Classroom', { OrganisationID: s.organisationId, Name: 'Cut off' }),
        s.client.post('/Classroom/Search'),
      ]);
      for (const res of answers) {
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(res.json().code, -503);
      }
      proxy.heal();
      // Connections cut off mid-query are thrown away as they fail; the calls after them
      // (a bounded number: at most one per pooled connection) succeed.
      let after = await s.client.get('/Customer');
      for (let tries = 1; after.statusCode === 503 && tries <= 12; tries++) after = await s.client.get('/Customer');
      assert.equal(after.statusCode, 200, after.body);
      assert.equal((await s.client.post('/Classroom', { OrganisationID: s.organisationId, Name: 'Back' })).statusCode, 200);
    } finally {
      await s.app.close();
      await s.db.close();
      await proxy.close();
    }
  });
});
