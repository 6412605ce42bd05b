/**
 * Benchmark: the operator's bulk import of learners (`learnfile bulk-import users`, the
 * users.bulkImport operation), timed from the CSV file to the last committed chunk, beside a
 * same-run COPY of the same file into a scratch table: the fastest way PostgreSQL takes
 * those bytes, so the ratio says what the checks, the Keychains, the audit trail and the
 * events cost on top, whatever the machine.
 *
 * Usage: npx tsx bench/bulk.ts [--rows 100000] [--chunk-size 5000] [--logins] [--mail]
 * Runs on a fresh database of the PostgreSQL server named by DATABASE_URL (created and
 * dropped by the run), or on in-memory PGlite (its COPY baseline then runs in a second
 * in-memory PGlite, as the first is reached only through the app's own interface).
 * `benchBulk()` is exported for the main benchmark.
 */
import { parseArgs } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../src/server/config.js';
import { openDatabase, type Database } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { createServices } from '../src/server/resources/registry.js';
import { runOperation } from '../src/server/resources/admin/admin.operations.js';
import type { BulkImportResult } from '../src/server/resources/users/users.bulk.service.js';
import { bulkImportFile } from '../src/cli/bulk-import.js';
import { csvLine } from '../src/cli/csv.js';
import { newToken, tokenHash } from '../src/server/domain/secrets.js';
import { ulnCheckDigit } from '../src/server/domain/uk-data.js';
import * as customers from '../src/server/resources/customers/customers.repository.js';
import * as orgs from '../src/server/resources/organisations/organisations.repository.js';

/** A customer with a token and one centre, written straight to the database. */
async function tenant(db: Database): Promise<{ customerId: number; token: string; organisationId: number }> {
  const customerId = await customers.insertCustomer(db, 'Bench customer');
  const token = newToken();
  await customers.insertApiToken(db, customerId, tokenHash(token), 'bench');
  const organisationId = await orgs.insertOrganisation(db, customerId, { name: 'Bench centre' });
  return { customerId, token, organisationId };
}

export interface BulkOptions {
  rows?: number;
  chunkSize?: number;
  /** A centre that gives logins instead of Keychains (default: Keychains, every learner linked). */
  logins?: boolean;
  /** Queue the Keychain verification emails too (default: the centre suppresses them). */
  mail?: boolean;
  databaseUrl?: string | undefined;
  log?: (message: string) => void;
}

export interface BulkFigures {
  engine: string;
  rows: number;
  chunks: number;
  importMs: number;
  copyMs: number;
  /** importMs / copyMs */
  ratio: number;
  rowsPerSecond: number;
  keychains: boolean;
  mails: number;
  /** CPU time the import took: this process's (checks, JSON, the driver), and the PostgreSQL backends' where they run on this machine. */
  cpu: { nodeMs: number; databaseMs: number | null };
}

/** CPU milliseconds of the local PostgreSQL backends serving this database (from /proc), or null when they are not local. */
async function backendCpuMs(db: Database): Promise<Map<number, number> | null> {
  const { readFile } = await import('node:fs/promises');
  const rows = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 of /proc/<pid>/stat (after the command in parentheses): user and system time in ticks.
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      return null;
    }
  }
  return out;
}

const noop = () => {};
const silent: FastifyBaseLogger = pino({ level: 'silent' });

/** A valid ULN (10 digits, not starting with 0, weighted sum 10 mod 11) for each n. */
function uln(n: number): string {
  for (let k = n; ; k += 1_000_003) {
    const nine = String(100_000_000 + ((k * 7919) % 900_000_000));
    const check = ulnCheckDigit(nine);
    if (check !== null) return nine + check;
  }
}

const HEADER = [
  'MISID',
  'Role',
  'FirstName',
  'LastName',
  'Email',
  'Classroom',
  'Placement',
  'DefaultAssessor',
  'ULN',
  'NINO',
  'DOB',
  'StartOn',
  'PlannedEndDate',
  'L12',
  'L13',
  'MobileNumber',
];

/** The file an MIS would export: staff, then learners naming their class, placement and assessor by name or MISID. */
function csv(rows: number, assessors: number): string {
  const parts = [csvLine(HEADER)];
  for (let a = 1; a <= assessors; a++)
    parts.push(csvLine([`T-${a}`, 'Assessor', 'Tutor', `Number${a}`, `tutor${a}@example.ac.uk`, '', '', '', '', '', '', '', '', '', '', '']));
  for (let i = 1; i <= rows; i++) {
    const month = String((i % 12) + 1).padStart(2, '0');
    parts.push(
      csvLine([
        `L-${i}`,
        '1',
        `Learner${i}`,
        `Surname${i % 977}`,
        `learner${i}@example.org`,
        `Class ${i % 20}`,
        `Employer ${i % 50}`,
        `T-${(i % assessors) + 1}`,
        uln(i),
        `AB${String(i % 1_000_000).padStart(6, '0')}C`,
        `2006-${month}-1${i % 10}`,
        '2025-09-01',
        '2027-03-01',
        '31',
        i % 2 ? 'M' : 'F',
        '07700 900123',
      ]),
    );
  }
  return parts.join('');
}

interface Engine {
  db: Database;
  name: string;
  copy(file: string): Promise<number>;
  drop(): Promise<void>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const SCRATCH = `CREATE TABLE bulk_copy_scratch (${HEADER.map((h) => `${h.toLowerCase()} text`).join(', ')})`;

/** A fresh database and a COPY of a CSV file into a scratch table beside it. */
async function engine(databaseUrl: string | undefined): Promise<Engine> {
  if (!databaseUrl) {
    const db = await openDatabase({ dataDir: 'memory://' });
    await migrate(db);
    return {
      db,
      name: 'PGlite (in memory)',
      async copy(file) {
        const { PGlite } = await import('@electric-sql/pglite');
        const { readFile } = await import('node:fs/promises');
        const scratch = new PGlite();
        await scratch.exec(SCRATCH);
        const blob = new Blob([await readFile(file)]);
        const started = performance.now();
        await scratch.query(`COPY bulk_copy_scratch FROM '/dev/blob' WITH (FORMAT csv, HEADER true)`, [], { blob });
        const ms = performance.now() - started;
        await scratch.close();
        return ms;
      },
      drop: () => db.close(),
    };
  }
  const name = `learnfile_bulk_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(databaseUrl, `CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 4 });
  await migrate(db);
  return {
    db,
    name: `PostgreSQL (${name})`,
    async copy(file) {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        await c.query(SCRATCH);
        const started = performance.now();
        await pipeline(createReadStream(file), c.query(copyStreams.from('COPY bulk_copy_scratch FROM STDIN WITH (FORMAT csv, HEADER true)')));
        return performance.now() - started;
      } finally {
        await c.end();
      }
    },
    async drop() {
      await db.close();
      await adminQuery(databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Imports `rows` learners (after a few assessors) through the operator path, and COPYs the same file. */
export async function benchBulk(o: BulkOptions = {}): Promise<BulkFigures> {
  const rows = o.rows ?? 100_000;
  const log = o.log ?? noop;
  const dir = await mkdtemp(join(tmpdir(), 'learnfile-bulk-'));
  const e = await engine(o.databaseUrl);
  try {
    const t = await tenant(e.db);
    await e.db.query('UPDATE organisations SET keychain_creation_active = $2, keychain_email_suppression = $3 WHERE id = $1', [
      t.organisationId,
      !o.logins,
      !o.mail,
    ]);
    await e.db.query(`INSERT INTO classrooms (customer_id, organisation_id, name) SELECT $1, $2, 'Class ' || g FROM generate_series(0, 19) g`, [
      t.customerId,
      t.organisationId,
    ]);
    await e.db.query(`INSERT INTO placements (customer_id, organisation_id, name) SELECT $1, $2, 'Employer ' || g FROM generate_series(0, 49) g`, [
      t.customerId,
      t.organisationId,
    ]);
    const file = join(dir, 'learners.csv');
    await writeFile(file, csv(rows, 25));
    log(`wrote ${rows.toLocaleString('en-GB')} learners and 25 assessors to a CSV file; COPY baseline on ${e.name}`);

    const copyMs = await e.copy(file);
    log(`COPY of the file: ${(copyMs / 1000).toFixed(2)} s; now the bulk import`);

    const config = loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SEED_DEMO: 'false' });
    const services = createServices({ db: e.db, config, log: silent, publicUrl: () => 'http://127.0.0.1:3000', mailQueued: noop });
    const run = (input: Parameters<typeof runOperation>[2]) => runOperation(services, 'users.bulkImport', input) as Promise<BulkImportResult>;
    const local = o.databaseUrl ? await backendCpuMs(e.db) : null;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const summary = await bulkImportFile(run, file, { organisation: t.organisationId, chunkSize: o.chunkSize ?? 5000, quiet: true, mail: true });
    const importMs = performance.now() - started;
    const cpu1 = process.cpuUsage(cpu0);
    const after = local ? await backendCpuMs(e.db) : null;
    const databaseMs = local && after ? [...after].reduce((sum, [pid, ms]) => sum + ms - (local.get(pid) ?? 0), 0) : null;

    const [counts] = await e.db.query<{ users: number; audits: number; events: number; keychains: number }>(
      `SELECT (SELECT count(*) FROM users WHERE customer_id = $1) AS users,
              (SELECT count(*) FROM audit_log WHERE customer_id = $1 AND entity = 'user') AS audits,
              (SELECT count(*) FROM events WHERE customer_id = $1 AND type = 'user.created') AS events,
              (SELECT count(*) FROM keychains WHERE customer_id = $1) AS keychains`,
      [t.customerId],
    );
    const expected = rows + 25;
    if (
      summary.invalid.length > 0 ||
      summary.created !== expected ||
      counts!.users !== expected ||
      counts!.audits !== expected ||
      counts!.events !== expected ||
      counts!.keychains !== (o.logins ? 0 : expected)
    ) {
      throw new Error(`the import did not do what it should: ${JSON.stringify({ created: summary.created, invalid: summary.invalid.slice(0, 3), counts })}`);
    }
    return {
      engine: e.name,
      rows: expected,
      chunks: summary.chunks,
      importMs,
      copyMs,
      ratio: importMs / copyMs,
      rowsPerSecond: expected / (importMs / 1000),
      keychains: !o.logins,
      mails: summary.mails,
      cpu: { nodeMs: (cpu1.user + cpu1.system) / 1000, databaseMs },
    };
  } finally {
    await e.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      'chunk-size': { type: 'string', default: '5000' },
      logins: { type: 'boolean', default: false },
      mail: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npx tsx bench/bulk.ts [--rows N (100000)] [--chunk-size N (5000)] [--logins] [--mail]');
    return;
  }
  const rows = Number(values.rows);
  const chunkSize = Number(values['chunk-size']);
  if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000) throw new Error(`--rows must be a whole number from 1 to 10000000, not ${values.rows}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 5000)
    throw new Error(`--chunk-size must be a whole number from 1 to 5000, not ${values['chunk-size']}`);
  const t0 = performance.now();
  const f = await benchBulk({
    rows,
    chunkSize,
    logins: values.logins,
    mail: values.mail,
    databaseUrl: process.env.DATABASE_URL,
    log: (m) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}`),
  });
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `bulk import on ${f.engine}: ${f.rows.toLocaleString('en-GB')} users (${f.keychains ? 'Keychain centre, every user linked' : 'centre with logins'}` +
      `${f.mails > 0 ? `, ${f.mails.toLocaleString('en-GB')} verification emails queued` : ''}) in ${f.chunks} chunks`,
  );
  console.log(
    `  bulk import (checks, users, Keychains, audit, events)  ${s(f.importMs).padStart(9)}  ${Math.round(f.rowsPerSecond).toLocaleString('en-GB')} rows/s`,
  );
  console.log(`  COPY of the same file into a scratch table (baseline)  ${s(f.copyMs).padStart(9)}`);
  console.log(`  ratio                                                  ${f.ratio.toFixed(1).padStart(7)} x`);
  console.log(
    `  CPU during the import: this process ${s(f.cpu.nodeMs)}` +
      `${f.cpu.databaseMs === null ? '' : `, PostgreSQL backends ${s(f.cpu.databaseMs)}`} (${s(f.importMs)} of wall time)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/bulk.ts')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
