/**
 * The system under test's data: a fresh database (an on-disk PGlite data directory in a
 * temporary directory, or a new database on the PostgreSQL server named by DATABASE_URL),
 * migrated, then loaded before any server starts:
 *
 * - the customer, its API token, its centres and the standard through the operator
 *   operations (src/server/resources/admin/admin.operations.ts), as an operator would;
 * - the bulk (classes, placements, staff, learners, one learning aim per learner, an audit
 *   row per user) with INSERT ... SELECT FROM generate_series, one statement per table and
 *   centre, which is far faster than any API and is not what is being measured.
 */
import pg from 'pg';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../src/server/config.js';
import { openDatabase, redactUrl, type Database } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { createServices } from '../src/server/resources/registry.js';
import { runOperation } from '../src/server/resources/admin/admin.operations.js';
import { LEARNER_SAMPLE, SQL_FIRST, SQL_LAST, type Centre, type Fixture } from './scenarios.js';

export type EngineKind = 'pglite' | 'postgres';

/** Where the loaded data lives, and how the two child processes reach it. */
export interface Prepared {
  engine: EngineKind;
  /** e.g. "PGlite 0.3.x (PostgreSQL 17.x) on disk" or "PostgreSQL 15.x". */
  engineVersion: string;
  where: string;
  /** The server's environment for its database. */
  serverEnv: Record<string, string>;
  baseline: { engine: 'pglite'; dataDir: string } | { engine: 'postgres'; databaseUrl: string };
  fixture: Fixture;
  load: LoadFacts;
  /** Drops the PostgreSQL database (the temporary directory is removed by the caller). */
  drop(): Promise<void>;
}

export interface LoadFacts {
  users: number;
  learners: number;
  staff: number;
  organisations: number;
  classrooms: number;
  placements: number;
  learningAims: number;
  auditRows: number;
  ms: number;
  method: string;
}

const silent: FastifyBaseLogger = pino({ level: 'silent' });

async function admin(databaseUrl: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/**
 * A fresh database loaded with `scale` users. On PGlite the server's directory is `tmp/server`
 * and the baseline gets a copy of it, `tmp/baseline`, made after the load (PGlite is one
 * process's database, so the baseline cannot share the server's).
 */
export async function prepare(o: { databaseUrl: string | undefined; scale: number; tmp: string; say: (m: string) => void }): Promise<Prepared> {
  let db: Database;
  let drop = async () => {};
  let url: string | undefined;
  const serverDir = join(o.tmp, 'server');
  if (o.databaseUrl) {
    const name = `learnfile_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin(o.databaseUrl, `CREATE DATABASE ${name}`);
    const u = new URL(o.databaseUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = () => admin(o.databaseUrl!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    try {
      db = await openDatabase({ databaseUrl: url, dataDir: '', poolSize: 2 });
    } catch (err) {
      await drop().catch(() => {});
      throw err;
    }
  } else {
    mkdirSync(serverDir, { recursive: true, mode: 0o700 });
    db = await openDatabase({ dataDir: serverDir });
  }
  try {
    o.say(`migrating ${o.databaseUrl ? redactUrl(url!) : serverDir}`);
    await migrate(db);
    const started = performance.now();
    const fixture = await load(db, o.scale, o.say);
    const ms = performance.now() - started;
    const counts = await db.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM users WHERE role = 1) AS learners,
              (SELECT count(*) FROM organisations) AS organisations, (SELECT count(*) FROM classrooms) AS classrooms,
              (SELECT count(*) FROM placements) AS placements, (SELECT count(*) FROM learning_aims) AS aims,
              (SELECT count(*) FROM audit_log) AS audit`,
    );
    const c = counts[0]!;
    const version = String((await db.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]?.v ?? '?');
    const engineVersion = o.databaseUrl ? `PostgreSQL ${version}` : `PGlite ${pgliteVersion()} (PostgreSQL ${version}, WebAssembly)`;
    await db.close();
    const facts: LoadFacts = {
      users: Number(c.users),
      learners: Number(c.learners),
      staff: Number(c.users) - Number(c.learners),
      organisations: Number(c.organisations),
      classrooms: Number(c.classrooms),
      placements: Number(c.placements),
      learningAims: Number(c.aims),
      auditRows: Number(c.audit),
      ms,
      method: 'customer, token, centres and standard by operator operations; the rest by INSERT ... SELECT FROM generate_series',
    };
    if (o.databaseUrl) {
      return {
        engine: 'postgres',
        engineVersion,
        where: `a new database on ${redactUrl(o.databaseUrl)}`,
        serverEnv: { DATABASE_URL: url! },
        baseline: { engine: 'postgres', databaseUrl: url! },
        fixture,
        load: facts,
        drop,
      };
    }
    const baselineDir = join(o.tmp, 'baseline');
    o.say('copying the data directory for the baseline');
    cpSync(serverDir, baselineDir, { recursive: true });
    return {
      engine: 'pglite',
      engineVersion,
      where: `an on-disk data directory in ${o.tmp}`,
      serverEnv: { DATA_DIR: serverDir },
      baseline: { engine: 'pglite', dataDir: baselineDir },
      fixture,
      load: facts,
      drop,
    };
  } catch (err) {
    await db.close().catch(() => {});
    await drop().catch(() => {});
    throw err;
  }
}

function pgliteVersion(): string {
  try {
    const main = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    // The package's own package.json sits above its dist/ folder.
    const dir = main.slice(0, main.lastIndexOf('/dist/'));
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const ids = (rows: { id: number }[]) => rows.map((r) => Number(r.id));

/**
 * `scale` users over max(2, scale / 10,000) centres: the first with Keychain creation off,
 * the second with it on. In each centre 8% are Assessor/Tutors, 2% IQAs, 5% employers and
 * the rest learners, each with a default assessor, a class and a placement of the centre and
 * a learning aim for the customer's standard (so that level-3 assignments have work to do).
 */
async function load(db: Database, scale: number, say: (m: string) => void): Promise<Fixture> {
  const config = loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SEED_DEMO: 'false' });
  const services = createServices({ db, config, log: silent, publicUrl: () => 'http://127.0.0.1', mailQueued: () => {} });
  const op = (name: string, input: unknown) => runOperation(services, name, input) as Promise<Record<string, unknown>>;

  const customer = await op('customer.create', { name: 'Bench Training Ltd' });
  const customerId = Number(customer.customerId);
  const organisations = Math.max(2, Math.ceil(scale / 10_000));
  const orgIds: number[] = [];
  for (let i = 0; i < organisations; i++) {
    const org = await op('organisation.create', { customerId, name: `Bench centre ${i + 1}`, keychain: i === 1 });
    orgIds.push(Number(org.id ?? org.ID));
  }
  const standard = await op('standard.create', {
    customerId,
    title: 'Software Developer',
    reference: 'ST0116',
    version: '1.1',
    level: 4,
    otjHours: 400,
    organisationIds: orgIds,
  });
  const standardId = Number(standard.id ?? standard.ID);
  if (!Number.isInteger(customerId) || orgIds.some((x) => !Number.isInteger(x)) || !Number.isInteger(standardId)) {
    throw new Error(`the operator operations answered unexpected shapes: ${JSON.stringify({ customer, standard })}`);
  }

  const centres: Centre[] = [];
  let left = scale;
  for (const [i, org] of orgIds.entries()) {
    const n = Math.floor(left / (organisations - i));
    left -= n;
    const assessors = Math.max(2, Math.round(n * 0.08));
    const iqas = Math.max(1, Math.round(n * 0.02));
    const employers = Math.max(1, Math.round(n * 0.05));
    const learners = Math.max(1, n - assessors - iqas - employers);
    if (i % 10 === 0 || i === organisations - 1) say(`loading centre ${i + 1} of ${organisations} (${n.toLocaleString('en-GB')} users)`);
    const classroomIds = ids(
      await db.query<{ id: number }>(
        `INSERT INTO classrooms (customer_id, organisation_id, name, mis_id, start_on)
       SELECT $1, $2, 'Class ' || g, 'CL-' || $2::int || '-' || g, timestamptz '2024-09-01' + (g % 365) * interval '1 day'
         FROM generate_series(1, $3::int) AS g RETURNING id`,
        [customerId, org, Math.max(5, Math.ceil(learners / 300))],
      ),
    );
    const placementIds = ids(
      await db.query<{ id: number }>(
        `INSERT INTO placements (customer_id, organisation_id, name, mis_id, telephone, email)
       SELECT $1, $2, 'Employer ' || g || ' Ltd', 'PL-' || $2::int || '-' || g, '0161 496 ' || lpad((g % 10000)::text, 4, '0'),
              'office' || g || '@employer.example'
         FROM generate_series(1, $3::int) AS g RETURNING id`,
        [customerId, org, Math.max(10, Math.ceil(learners / 50))],
      ),
    );
    const staff = await db.query<{ id: number; role: number }>(
      `INSERT INTO users (customer_id, organisation_id, role, first_name, last_name, email, username, mis_id, created_on, telephone)
       SELECT $1, $2, CASE WHEN g <= $3::int THEN 5 WHEN g <= $3::int + $4::int THEN 10 ELSE 40 END,
              (${SQL_FIRST})[1 + g % 20], (${SQL_LAST})[1 + (g / 20) % 20],
              'staff' || $2::int || '.' || g || '@centre.example', 'staff' || $2::int || '_' || g, 'STF-' || $2::int || '-' || g,
              timestamptz '2020-01-01' + (g % 1000) * interval '1 day', '0161 496 0000'
         FROM generate_series(1, $3::int + $4::int + $5::int) AS g RETURNING id, role`,
      [customerId, org, assessors, iqas, employers],
    );
    const assessorIds = staff.filter((s) => Number(s.role) === 5).map((s) => Number(s.id));
    await db.query(
      `INSERT INTO users (customer_id, organisation_id, role, first_name, last_name, email, username, default_assessor_id,
                          classroom_id, placement_id, mis_id, created_on, uln, dob, start_on, planned_end_date,
                          mobile_number, home_address, l12, l13, l14)
       SELECT $1, $2, 1, f, l, lower(f) || '.' || lower(l) || '.' || $2::int || '.' || g || '@example.org', 'learner' || $2::int || '_' || g,
              ($3::int[])[1 + g % cardinality($3::int[])], ($4::int[])[1 + g % cardinality($4::int[])],
              ($5::int[])[1 + g % cardinality($5::int[])], 'MIS' || $2::int || '-' || g,
              timestamptz '2022-01-01' + (g % 1000) * interval '1 day', '9999999999',
              timestamptz '2000-01-01' + (g % 3650) * interval '1 day', timestamptz '2024-09-01' + (g % 365) * interval '1 day',
              timestamptz '2026-08-31' + (g % 365) * interval '1 day', '07700 ' || lpad((g % 1000000)::text, 6, '0'),
              g || ' High Street, Manchester M1 1AA', '31', CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END, '2'
         FROM generate_series(1, $6::int) AS g,
              LATERAL (SELECT (${SQL_FIRST})[1 + g % 20] AS f, (${SQL_LAST})[1 + (g / 20) % 20] AS l) AS names`,
      [customerId, org, assessorIds, classroomIds, placementIds, learners],
    );
    centres.push({ id: org, keychain: i === 1, classroomIds, placementIds, assessorIds, learnerIds: [], learners });
  }
  say('learning aims and audit rows');
  await db.query(
    `INSERT INTO learning_aims (customer_id, user_id, standard_id, organisation_id, start_date, planned_end, assessor_id, weighting)
     SELECT customer_id, id, $2, organisation_id, start_on, planned_end_date, default_assessor_id, 100
       FROM users WHERE customer_id = $1 AND role = 1`,
    [customerId, standardId],
  );
  await db.query(
    `INSERT INTO audit_log (customer_id, at, actor, entity, entity_id, action, changes)
     SELECT customer_id, created_at, 'operator:import', 'user', id, 'create', jsonb_build_object('Role', jsonb_build_object('old', null, 'new', role))
       FROM users WHERE customer_id = $1`,
    [customerId],
  );
  // VACUUM as well as ANALYZE: the state autovacuum leaves a table in minutes after a bulk
  // load, with the visibility map set, so index-only scans (the deep-page jump) are measured
  // as a running database answers them, not as they are in the first seconds after a load.
  say('VACUUM ANALYZE');
  await db.exec('VACUUM ANALYZE');
  // The first two centres' learners, sampled: who the reads, updates and assignments pick from.
  for (const c of centres.slice(0, 2)) {
    c.learnerIds = ids(
      await db.query<{ id: number }>('SELECT id FROM users WHERE customer_id = $1 AND organisation_id = $2 AND role = 1 ORDER BY random() LIMIT $3', [
        customerId,
        c.id,
        LEARNER_SAMPLE,
      ]),
    );
  }
  const users = Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM users WHERE customer_id = $1', [customerId]))[0]!.n);
  return {
    customerId,
    customerToken: String(customer.token),
    standardId,
    users,
    organisations,
    plain: centres[0]!,
    keychain: centres[1]!,
  };
}
