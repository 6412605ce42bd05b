/**
 * Test harness: every test file gets its own fresh database (an in-memory PGlite, or a new
 * database on the PostgreSQL server named by DATABASE_URL), and every test starts from
 * empty tables. Tests talk to the app only over HTTP (Fastify's inject).
 *
 * Fresh databases are copies of one migrated template per set of migrations: a dump file in
 * the temporary directory for PGlite (starting PGlite from a dump skips its initdb, about
 * half its start-up), a template database on the PostgreSQL server. Either is rebuilt when a
 * migration changes, since its name carries a digest of the migration files.
 */
import { after, before, beforeEach } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/program.js';
import { buildApp, type AppDeps } from '../src/server/app.js';
import { boundPort, loadConfig, type Config } from '../src/server/config.js';
import { openDatabase, type Database } from '../src/server/db/client.js';
import { MIGRATIONS_DIR, migrate, migrationFiles } from '../src/server/db/migrate.js';
import * as orgs from '../src/server/resources/organisations/organisations.repository.js';
import * as customers from '../src/server/resources/customers/customers.repository.js';
import { newToken, tokenHash } from '../src/server/domain/secrets.js';
import type { MailSender } from '../src/server/mail/sender.js';
import type { SessionCache } from '../src/server/resources/authentication/session-cache.js';

export const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDb {
  db: Database;
  drop(): Promise<void>;
}

/** A digest of the migrations (names and contents) and the PGlite version: names the templates. */
function schemaDigest(): string {
  const hash = createHash('sha256');
  for (const file of migrationFiles()) hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  hash.update(JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version);
  return hash.digest('hex').slice(0, 16);
}

let pgliteTemplate: Promise<Blob> | undefined;

/** The migrated PGlite dump, made once per schema and kept in the temporary directory. */
function migratedPgliteDump(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const file = join(tmpdir(), `learnfile-test-template-${schemaDigest()}.tar.gz`);
    if (!existsSync(file)) {
      const db = await openDatabase({ dataDir: 'memory://' });
      try {
        await migrate(db);
        const dump = await db.backup!();
        // Written aside and renamed: a test process starting alongside never reads half a file.
        const partial = `${file}.${process.pid}.partial`;
        writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
        renameSync(partial, file);
      } finally {
        await db.close();
      }
    }
    return new Blob([readFileSync(file)]);
  })();
  return pgliteTemplate;
}

async function onServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The migrated template database on the DATABASE_URL server, built once per schema (under an
 * advisory lock, so test processes starting together build it once) and copied per test file.
 */
let pgTemplate: Promise<string> | undefined;
function migratedPgTemplate(base: string): Promise<string> {
  pgTemplate ??= onServer(base, async (admin) => {
    const name = `learnfile_template_${schemaDigest()}`;
    await admin.query(`SELECT pg_advisory_lock(hashtext('learnfile test template'))`);
    try {
      const [found] = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows;
      if (!found) {
        const building = `${name}_building`;
        await admin.query(`DROP DATABASE IF EXISTS ${building}`);
        await admin.query(`CREATE DATABASE ${building}`);
        const url = new URL(base);
        url.pathname = `/${building}`;
        const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 1 });
        try {
          await migrate(db);
        } finally {
          await db.close();
        }
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      }
      return name;
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(hashtext('learnfile test template'))`);
    }
  });
  return pgTemplate;
}

/**
 * A new PostgreSQL database on the DATABASE_URL server, for tests that start the real server:
 * empty, or a copy of the migrated template when `migrated` is asked for.
 */
export async function freshDatabaseUrl(opts: { migrated?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL!;
  const name = `learnfile_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = opts.migrated ? await migratedPgTemplate(base) : undefined;
  await onServer(base, (admin) => admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`));
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
  if (!base) return pooledPglite();
  const fresh = await freshDatabaseUrl({ migrated: true });
  const db = await openDatabase({ databaseUrl: fresh.url, dataDir: '', poolSize: 40 });
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      await fresh.drop();
    },
  };
}

/**
 * In-memory PGlite databases this process has finished with, emptied for the next test file:
 * the suite runs many files in one process (test/shards), and opening PGlite costs seconds.
 */
const idlePglite: Database[] = [];
// After every test of this process (a root-level hook): a PGlite started from a dump holds a
// timer that would otherwise keep the process alive.
after(async () => {
  await Promise.all(idlePglite.splice(0).map((db) => db.close()));
});

async function pooledPglite(): Promise<TestDb> {
  const db = idlePglite.pop() ?? (await openDatabase({ dataDir: 'memory://', loadDataDir: await migratedPgliteDump() }));
  await migrate(db);
  await resetDb(db);
  let closed = false;
  // A test that closes its database (an outage, say) ends it; one still open goes back to the pool.
  const handle: Database = {
    ...db,
    close: async () => {
      closed = true;
      await db.close();
    },
  };
  return {
    db: handle,
    async drop() {
      if (closed) return;
      closed = true;
      idlePglite.push(db);
    },
  };
}

/** Empties every table, so each test starts from nothing. */
export async function resetDb(db: Database): Promise<void> {
  const tables = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
  );
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

/**
 * One database and one app for a test file; call `reset()` in beforeEach. `close()` fails
 * the file when any answer carried an error code its operation does not declare in the
 * OpenAPI document (the route's `schema.errors`), so the declarations stay honest.
 */
export async function harness(
  config: Config = testConfig(),
  extra: Pick<AppDeps, 'operatorKey' | 'clock' | 'pageMarks'> = {},
): Promise<Harness & { reset(): Promise<void> }> {
  const { db, drop } = await createTestDb();
  const undeclared = new Set<string>();
  const app = await buildApp({ db, config, logger: false, ...extra, onUndeclaredError: (problem) => undeclared.add(problem) });
  return {
    db,
    app,
    async reset() {
      const internals = app as unknown as { forgetCaches(): Promise<void>; whileBackgroundPaused(fn: () => Promise<void>): Promise<void> };
      await internals.forgetCaches();
      await internals.whileBackgroundPaused(() => resetDb(db));
    },
    async close() {
      await app.close();
      await drop();
      if (undeclared.size > 0) throw new Error(`undeclared error answers:\n${[...undeclared].join('\n')}`);
    },
  };
}

/**
 * The usual life of a harness in a `describe`: made before its tests, emptied before each
 * test, closed after them. Call it in the describe's body; the object it answers is filled
 * in by the `before` hook, so use it in tests and hooks only.
 */
export function harnessPerSuite(config?: Config, extra?: Parameters<typeof harness>[1]): Harness & { reset(): Promise<void> } {
  const h = {} as Harness & { reset(): Promise<void> };
  before(async () => {
    Object.assign(h, await harness(config, extra));
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
  });
  return h;
}

/** Starts the app listening on a free local port, for clients that speak real HTTP; answers its base URL. */
export async function listening(h: Harness): Promise<string> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${boundPort(h.app.server)}`;
}

/** The new ID a create answers as a bare JSON number (`42`); throws on anything else. */
export function createdId(res: LightMyRequestResponse): number {
  const id: unknown = res.statusCode === 200 ? JSON.parse(res.body) : undefined;
  if (!Number.isInteger(id)) throw new Error(`expected 200 with a bare integer, got ${res.statusCode} ${res.body}`);
  return id as number;
}

export interface Tenant {
  customerId: number;
  token: string;
}

/** A customer with a live API token (what the operator's CLI makes). */
export async function newCustomer(db: Database, name = 'Customer'): Promise<Tenant> {
  const customerId = await customers.insertCustomer(db, name);
  const token = newToken();
  await customers.insertApiToken(db, customerId, tokenHash(token), 'test');
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
  constructor(
    readonly app: FastifyInstance,
    readonly session: string,
  ) {}

  static async for(app: FastifyInstance, token: string): Promise<Client> {
    return new Client(app, await authenticate(app, token));
  }

  get(path: string): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: 'GET', url: `/api/v2.1${path}`, headers: { 'x-tokenid': this.session } });
  }

  post(path: string, body?: unknown): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST',
      url: `/api/v2.1${path}`,
      headers: { 'x-tokenid': this.session },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  }

  form(path: string, fields: Record<string, string>, method: 'POST' | 'GET' = 'POST'): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method,
      url: `/api/v2.1${path}`,
      payload: new URLSearchParams(fields).toString(),
      headers: { 'x-tokenid': this.session, 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /**
   * A create that answers the new ID (classes, placements), then `GET {path}/{id}`: answers
   * the record as stored, or the create's own answer when that is not a 200.
   */
  async create(path: string, body: unknown): Promise<LightMyRequestResponse> {
    return this.readBack(path, await this.post(path, body));
  }

  /** `create()` with a form body. */
  async createForm(path: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.readBack(path, await this.form(path, fields));
  }

  private async readBack(path: string, created: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    return created.statusCode === 200 ? this.get(`${path}/${createdId(created)}`) : created;
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
  const classroomId = createdId(await client.post('/Classroom', { OrganisationID: organisationId, Name: 'Class A' }));
  const placementId = createdId(await client.post('/Placement', { OrganisationID: organisationId, Name: 'Employer A' }));
  return { ...tenant, organisationId, client, classroomId, placementId };
}

// ---- programme content (standards, units, learning-aim statuses), written through the server's own services ----

/** A standard with units (string IDs) in a customer's catalogue, offered to the organisations given. */
export async function newStandard(
  db: Database,
  customerId: number,
  opts: {
    title?: string;
    reference?: string;
    units?: string[];
    organisationIds?: number[];
    otjHours?: number;
    level?: number;
  } = {},
): Promise<{ id: number; units: string[] }> {
  const { createStandard } = await import('../src/server/resources/standards/standards.service.js');
  const { saveUnit } = await import('../src/server/resources/units/units.service.js');
  return db.transaction(async (tx) => {
    const row = await createStandard(
      tx,
      customerId,
      {
        title: opts.title ?? 'Business Administrator',
        reference: opts.reference ?? 'ST0070',
        version: '1.0',
        level: opts.level ?? 3,
        otjHours: opts.otjHours ?? 372,
        organisationIds: opts.organisationIds ?? [],
      },
      'test',
    );
    const units = opts.units ?? [];
    for (const [i, id] of units.entries())
      await saveUnit(tx, customerId, { id, title: `Unit ${id}`, ndaqCode: `600/${i}`, display: i + 1, standardIds: [row.ID] }, 'test');
    return { id: row.ID, units };
  });
}

export async function newLearningAimStatus(db: Database, organisationId: number, name: string): Promise<number> {
  const { insertLearningAimStatus } = await import('../src/server/resources/learning-aims/learning-aims.repository.js');
  return (await insertLearningAimStatus(db, organisationId, name))!.id;
}

/** A framework template over the customer's standards and units. */
export async function newTemplate(
  db: Database,
  customerId: number,
  organisationId: number | null,
  title: string,
  items: {
    standardId: number;
    unitId?: string;
    weighting?: number;
    startOffsetDays?: number;
    endOffsetDays?: number;
  }[],
): Promise<number> {
  const { createTemplate } = await import('../src/server/resources/framework-templates/framework-templates.service.js');
  return db.transaction((tx) => createTemplate(tx, customerId, organisationId, title, items, 'test'));
}

/** A user created over HTTP in a centre (`Role`, first name, extra fields); answers the new ID or throws with the answer. */
export function personMaker(client: Client, organisationId: number, lastName = 'Test') {
  return async (role: number, first: string, extra: Record<string, unknown> = {}): Promise<number> => {
    const res = await client.post('/User', {
      OrganisationID: organisationId,
      Role: role,
      FirstName: first,
      LastName: lastName,
      Email: `${first.toLowerCase()}@example.com`,
      ...extra,
    });
    if (res.statusCode !== 200) throw new Error(`creating ${first}: ${res.statusCode} ${res.body}`);
    return res.json<{ ID: number }>().ID;
  };
}

/** Staff of each role and a learner in a tenant's centre, created over HTTP. */
export async function centreWithPeople(h: Harness, opts: { name?: string } = {}) {
  const t = await tenantWithCentre(h, opts);
  const person = personMaker(t.client, t.organisationId);
  const assessor = await person(5, 'Asha');
  const trainee = await person(4, 'Tariq');
  const iqa = await person(10, 'Iris');
  const employer = await person(40, 'Emma', { PlacementID: t.placementId });
  const observer = await person(45, 'Omar', { PlacementID: t.placementId });
  const learnerFields = { DefaultAssessorID: assessor, ClassroomID: t.classroomId, PlacementID: t.placementId };
  const learner = await person(1, 'Lena', learnerFields);
  return { ...t, assessor, trainee, iqa, employer, observer, learner, person, learnerFields };
}

// ---- the learner's journey: a furnished centre, standards and aims as fixtures, the operator door ----

export const OPERATOR_KEY = 'test-operator-key-0123456789';

export interface JourneyCentre {
  customerId: number;
  organisationId: number;
  client: Client;
  classroomId: number;
  placementId: number;
  assessor: number;
  trainee: number;
  iqa: number;
  employer: number;
  learner: number;
}

/** A customer with one centre, an assessor, a trainee assessor, an IQA, an employer and a learner. */
export async function journeyCentre(h: Harness, name = 'Customer', learner: Record<string, unknown> = {}): Promise<JourneyCentre> {
  const tenant = await newCustomer(h.db, name);
  const organisationId = await newOrganisation(h.db, tenant.customerId, { name: `${name} centre` });
  const client = await Client.for(h.app, tenant.token);
  return { ...tenant, ...(await furnish(client, organisationId, learner)), organisationId, client };
}

/** Another centre of the same customer, furnished the same way. */
export async function secondCentre(h: Harness, c: JourneyCentre): Promise<Omit<JourneyCentre, 'client' | 'customerId'>> {
  const organisationId = await newOrganisation(h.db, c.customerId, { name: 'Second centre' });
  return { organisationId, ...(await furnish(c.client, organisationId, {})) };
}

async function furnish(client: Client, organisationId: number, learner: Record<string, unknown>) {
  const classroomId = createdId(await client.post('/Classroom', { OrganisationID: organisationId, Name: 'Class A' }));
  const placementId = createdId(await client.post('/Placement', { OrganisationID: organisationId, Name: 'Employer A' }));
  const person = personMaker(client, organisationId, 'Person');
  const assessor = await person(5, 'Asha');
  const trainee = await person(4, 'Theo');
  const iqa = await person(10, 'Ivy');
  const employer = await person(40, 'Evan', { PlacementID: placementId });
  const learnerId = await person(1, 'Lena', { DefaultAssessorID: assessor, ClassroomID: classroomId, PlacementID: placementId, ...learner });
  return { classroomId, placementId, assessor, trainee, iqa, employer, learner: learnerId };
}

/** A standard in a customer's catalogue with only a title and off-the-job hours, written straight to the table. */
export async function insertStandard(db: Database, customerId: number, title: string, otjHours: number | null): Promise<number> {
  const rows = await db.query<{ id: number }>('INSERT INTO standards (customer_id, title, otj_hours) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    title,
    otjHours,
  ]);
  return rows[0]!.id;
}

/** A learning aim written straight to the table: dates and RPL hours no API call sets. */
export async function insertAim(
  db: Database,
  customerId: number,
  learnerId: number,
  standardId: number,
  o: { start?: string; end?: string; rpl?: number } = {},
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO learning_aims (customer_id, user_id, standard_id, start_date, planned_end, rpl_hours) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [customerId, learnerId, standardId, o.start ?? null, o.end ?? null, o.rpl ?? 0],
  );
  return rows[0]!.id;
}

/** Runs an operator operation through the admin door (POST /api/admin/ops/{name}); answers status and body. */
export async function operator(h: Harness, name: string, input: Record<string, unknown>) {
  const res = await h.app.inject({
    method: 'POST',
    url: `/api/admin/ops/${name}`,
    headers: { 'x-operator-key': OPERATOR_KEY },
    payload: input,
  });
  return {
    status: res.statusCode,
    body: res.json<{ result?: Record<string, unknown>; code?: number; message?: string; errors?: { field: string; code: number }[] }>(),
  };
}

/** Records a timesheet entry through the operator door and answers the new entry. */
export async function addEntry(
  h: Harness,
  c: { customerId: number },
  learnerId: number,
  from: string,
  to: string,
  offTheJob = true,
  category = 'Training course',
) {
  const res = await operator(h, 'timesheet.add', { customerId: c.customerId, learnerId, from, to, offTheJob, category });
  if (res.status !== 200) throw new Error(`timesheet.add failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.result as { ID: number; Hours: number };
}

// ---- mail ----

/** The mail sender of an app built with SMTP_URL set. */
export const sessionCacheOf = (app: FastifyInstance): SessionCache => (app as unknown as { sessionCache: SessionCache }).sessionCache;

/**
 * Resolves when the app has heard the database announce an early end of sessions. Changes
 * made behind the app's back (SQL) reach its session cache this way; call before the change.
 */
export function sessionsAnnounced(app: FastifyInstance): Promise<string> {
  return new Promise((resolve) => sessionCacheOf(app).once('message', resolve));
}

export const mailSenderOf = (app: FastifyInstance): MailSender => (app as unknown as { mailSender: MailSender }).mailSender;

/**
 * Reads the outbox with `sql` until `until` holds for the rows, reading again after each
 * outcome any of the senders records: it waits on the senders, never on a timer (the signal
 * only bounds a test that would otherwise hang).
 */
export async function whenOutbox<T>(db: Database, senders: MailSender[], sql: string, until: (rows: T[]) => boolean): Promise<T[]> {
  const signal = AbortSignal.timeout(30_000);
  for (;;) {
    // Listening before reading: an outcome recorded between the two is not missed.
    const listening = new AbortController();
    const waits = senders.map((s) => once(s.outcomes, 'outcome', { signal: AbortSignal.any([signal, listening.signal]) }));
    for (const w of waits) w.catch(() => {});
    const rows = await db.query<T>(sql);
    if (until(rows)) {
      listening.abort();
      return rows;
    }
    await Promise.race(waits);
    listening.abort();
  }
}

// ---- the CLI, in-process ----

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment an operator's shell would give, with no database settings inherited from the test's own. */
export function operatorEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, LEARNFILE_DEBUG: '', ...extra };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  return env;
}

/**
 * Runs `learnfile <args>` in this process as the command line would, capturing its output and
 * exit code. With `database`, commands work on that open database (the test's own) instead of
 * opening one from flags; a few subprocess smoke tests cover the real entry point.
 */
export async function runLearnfile(args: string[], opts: { database?: Database; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: opts.env ?? operatorEnv(),
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    ...(opts.database ? { database: opts.database } : {}),
  });
  return { code, stdout, stderr };
}
