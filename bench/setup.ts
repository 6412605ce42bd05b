/**
 * The system under test for the benchmark: a fresh database (in-memory PGlite, or a new
 * database on the PostgreSQL server named by DATABASE_URL, dropped afterwards), one
 * customer with a token and an organisation, N classrooms, and the app listening on an
 * ephemeral loopback port.
 */
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { openDatabase, redactUrl, type Database } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import * as orgs from '../src/server/resources/organisations/organisations.repository.js';
import * as customers from '../src/server/resources/customers/customers.repository.js';
import { newToken, tokenHash } from '../src/server/domain/secrets.js';

export interface BenchDb { db: Database; where: string; drop(): Promise<void> }

/** A brand-new, migrated database, made the same way as the test harness makes one. */
export async function freshDatabase(databaseUrl: string | undefined): Promise<BenchDb> {
  if (!databaseUrl) {
    const db = await openDatabase({ dataDir: 'memory://' });
    await migrate(db);
    return { db, where: 'PGlite (in memory)', drop: () => db.close() };
  }
  const name = `learnfile_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(databaseUrl, `CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 20 });
    await migrate(db);
  } catch (err) {
    await adminQuery(databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    throw err;
  }
  return {
    db,
    where: `PostgreSQL ${redactUrl(url.toString())}`,
    async drop() {
      await db.close();
      await adminQuery(databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export interface Tenant { customerId: number; token: string; organisationId: number }

/** A customer with a live API token and one organisation (what the operator's CLI makes). */
export async function tenant(db: Database): Promise<Tenant> {
  const customerId = await customers.insertCustomer(db, 'Bench customer');
  const token = newToken();
  await customers.insertApiToken(db, customerId, tokenHash(token), 'bench');
  const organisationId = await orgs.insertOrganisation(db, customerId, { name: 'Bench centre' });
  return { customerId, token, organisationId };
}

/** N classrooms in one statement; answers how long it took. */
export async function seedClassrooms(db: Database, t: Tenant, rows: number): Promise<number> {
  const started = performance.now();
  await db.query(
    `INSERT INTO classrooms (customer_id, organisation_id, name, mis_id, start_on)
     SELECT $1, $2, 'Class ' || g, 'MIS-' || g, timestamptz '2024-09-01' + (g % 365) * interval '1 day'
       FROM generate_series(1, $3::int) AS g`,
    [t.customerId, t.organisationId, rows]);
  // Fresh statistics, as a server that has been running a while would have.
  await db.exec('ANALYZE classrooms');
  return performance.now() - started;
}

export interface Server { app: FastifyInstance; url: string }

/** The real app on an ephemeral loopback port, with the rate limit raised out of the way. */
export async function startApp(db: Database): Promise<Server> {
  const config = loadConfig({
    DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '1000000000',
  });
  const app = await buildApp({ db, config, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: origin(app) };
}

export function origin(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('the server is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}
