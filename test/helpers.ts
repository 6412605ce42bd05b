/**
 * Test harness: every test file gets its own fresh database (an in-memory PGlite, or a new
 * database on the PostgreSQL server named by DATABASE_URL), and every test starts from
 * empty tables. Tests talk to the app only over HTTP (Fastify's inject).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/server/app.js';
import { loadConfig, type Config } from '../src/server/config.js';
import { openDatabase, type Database } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import * as orgs from '../src/server/db/organisations.repository.js';
import { newToken, tokenHash } from '../src/server/domain/secrets.js';

export const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDb { db: Database; drop(): Promise<void> }

/** A new, empty PostgreSQL database on the DATABASE_URL server, for tests that start the real server. */
export async function freshDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL!;
  const name = `learnfile_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A brand-new, migrated database for one test file. */
export async function createTestDb(): Promise<TestDb> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const db = await openDatabase({ dataDir: 'memory://' });
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const fresh = await freshDatabaseUrl();
  const db = await openDatabase({ databaseUrl: fresh.url, dataDir: '', poolSize: 40 });
  await migrate(db);
  return { db, async drop() { await db.close(); await fresh.drop(); } };
}

/** Empties every table, so each test starts from nothing. */
export async function resetDb(db: Database): Promise<void> {
  const tables = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`);
  await db.exec(`TRUNCATE ${tables.map((t) => t.tablename).join(', ')} RESTART IDENTITY CASCADE`);
}

export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  // Tests sign in with wrong tokens on purpose, all from one address: only the test of
  // that limit (rate-limit.test.ts) sets it low.
  return loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SEED_DEMO: 'false', AUTH_FAILURES_PER_MINUTE: '100000', ...overrides });
}

export interface Harness {
  db: Database;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** One database and one app for a test file; call `reset()` in beforeEach. */
export async function harness(config: Config = testConfig(), extra: { clock?: () => number; pageMarks?: number } = {}): Promise<Harness & { reset(): Promise<void> }> {
  const { db, drop } = await createTestDb();
  const app = await buildApp({ db, config, logger: false, ...extra });
  return {
    db, app,
    async reset() {
      await (app as unknown as { forgetCaches(): Promise<void> }).forgetCaches();
      await resetDb(db);
    },
    async close() { await app.close(); await drop(); },
  };
}

export interface Tenant { customerId: number; token: string }

/** A customer with a live API token (what the operator's CLI makes). */
export async function newCustomer(db: Database, name = 'Customer'): Promise<Tenant> {
  const customerId = await orgs.insertCustomer(db, name);
  const token = newToken();
  await orgs.insertApiToken(db, customerId, tokenHash(token), 'test');
  return { customerId, token };
}

export async function newOrganisation(db: Database, customerId: number, opts: { name?: string; keychain?: boolean; suppressEmail?: boolean } = {}) {
  return orgs.insertOrganisation(db, customerId, { name: opts.name ?? 'Centre', keychain: opts.keychain ?? false, suppressEmail: opts.suppressEmail ?? false });
}

export async function authenticate(app: FastifyInstance, token: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': token } });
  if (res.statusCode !== 200) throw new Error(`authentication failed: ${res.statusCode} ${res.body}`);
  return res.body;
}

/** A small client bound to one session, sending JSON unless told otherwise. */
export class Client {
  constructor(readonly app: FastifyInstance, readonly session: string) {}

  static async for(app: FastifyInstance, token: string): Promise<Client> {
    return new Client(app, await authenticate(app, token));
  }

  get(path: string): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'GET', url: `/api/v2.1${path}`, headers: { 'x-tokenid': this.session } });
  }

  post(path: string, body?: unknown): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST', url: `/api/v2.1${path}`, headers: { 'x-tokenid': this.session },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  }

  form(path: string, fields: Record<string, string>, method: 'POST' | 'GET' = 'POST'): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method, url: `/api/v2.1${path}`, payload: new URLSearchParams(fields).toString(),
      headers: { 'x-tokenid': this.session, 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  delete(path: string): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'DELETE', url: `/api/v2.1${path}`, headers: { 'x-tokenid': this.session } });
  }
}

/** A tenant with an organisation, a class and a placement, and a logged-in client. */
export async function tenantWithCentre(h: Harness, opts: { keychain?: boolean; suppressEmail?: boolean; name?: string } = {}) {
  const tenant = await newCustomer(h.db, opts.name ?? 'Customer');
  const organisationId = await newOrganisation(h.db, tenant.customerId, opts);
  const client = await Client.for(h.app, tenant.token);
  const classroom = (await client.post('/Classroom', { OrganisationID: organisationId, Name: 'Class A' })).json<{ ID: number }>();
  const placement = (await client.post('/Placement', { OrganisationID: organisationId, Name: 'Employer A' })).json<{ ID: number }>();
  return { ...tenant, organisationId, client, classroomId: classroom.ID, placementId: placement.ID };
}
