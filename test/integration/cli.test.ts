/**
 * The operator CLI, run in-process on the test file's own database (what it writes is checked
 * through the HTTP app built on the same database), and on fresh data directories or
 * PostgreSQL databases where opening one is the point. Two smoke tests run the real entry
 * point as a child process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildApp } from '../../src/server/app.js';
import { openDatabase, type Database } from '../../src/server/db/client.js';
import { migrate } from '../../src/server/db/migrate.js';
import * as orgs from '../../src/server/resources/organisations/organisations.repository.js';
import * as customers from '../../src/server/resources/customers/customers.repository.js';
import { DEMO_TOKEN } from '../../src/server/demo/demo.js';
import { Client, createTestDb, engine, newCustomer, operatorEnv, runLearnfile, testConfig, type CliRun as Run, type TestDb } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Store {
  /** The global flags that point the CLI at this database. */
  flags: string[];
  /** Opens the database in this process; close it before the next CLI run (PGlite is single-process). */
  use<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

async function freshStore(): Promise<Store> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = await mkdtemp(join(tmpdir(), 'learnfile-cli-'));
    return {
      flags: ['--data-dir', dir],
      use: (fn) => using(openDatabase({ dataDir: dir }), fn),
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `learnfile_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    flags: ['--database-url', url.toString()],
    use: (fn) => using(openDatabase({ databaseUrl: url.toString(), dataDir: '' }), fn),
    drop: () => admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function using<T>(opening: Promise<Database>, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await opening;
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** `learnfile <args>` in this process, opening the database its flags name. */
const learnfile = (...args: string[]): Promise<Run> => runLearnfile(args);

/** Runs the real `learnfile` command as a child process (a few smoke tests: the entry point itself). */
function spawnLearnfile(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: operatorEnv() as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function succeeded(run: Run): Run {
  assert.equal(run.code, 0, `expected success, got exit ${run.code}: ${run.stderr}`);
  return run;
}

/** A refusal is exactly one line on stderr, exit 1, and no stack trace. */
function oneLineError(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 1, `expected exit 1, got ${run.code}; stdout: ${run.stdout}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${run.stderr}`);
  assert.match(lines[0]!, /^learnfile: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

/** The HTTP status POST /Authentication answers for each token, from an app on this database. */
async function authenticate(db: Database, ...tokens: string[]): Promise<number[]> {
  const app = await buildApp({ db, config: testConfig(), logger: false });
  try {
    const statuses: number[] = [];
    for (const token of tokens) {
      const res = await app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': token } });
      statuses.push(res.statusCode);
    }
    return statuses;
  } finally {
    await app.close();
  }
}

describe(`learnfile CLI (${engine})`, () => {
  let t: TestDb;
  /** `learnfile <args>` on this file's database. */
  const cli = (...args: string[]) => runLearnfile(args, { database: t.db });
  const store = { use: <T>(fn: (db: Database) => Promise<T>): Promise<T> => fn(t.db) };
  before(async () => {
    t = await createTestDb();
  });
  after(async () => {
    await t.drop();
  });

  test("--help lists every command group, and a subcommand's --help shows its options and an example", async () => {
    // The real entry point, once: the rest of the suite runs the same program in-process.
    const [main, sub] = await Promise.all([spawnLearnfile('--help'), learnfile('organisation', 'update', '--help')]);
    succeeded(main);
    for (const command of ['serve', 'migrate', 'seed', 'customer', 'token', 'organisation', 'learner-status', 'mail', 'audit']) {
      assert.match(main.stdout, new RegExp(`^  ${command}\\b`, 'm'), `main help lists ${command}`);
    }
    assert.match(main.stdout, /--data-dir <dir>/);
    assert.match(main.stdout, /--database-url <url>/);
    succeeded(sub);
    assert.match(sub.stdout, /Usage: learnfile organisation update \[options\] <organisationId>/);
    assert.match(sub.stdout, /--keychain <on\|off>/);
    assert.match(sub.stdout, /--suppress-email <on\|off>/);
    assert.match(sub.stdout, /Examples:\n {2}\$ learnfile organisation update 4/);
  });

  test('customer create prints a token that authenticates; token create adds another; revoking one answers 401 for it only; customer list counts live tokens', async () => {
    const created = succeeded(await cli('customer', 'create', 'Acme Training'));
    const customerId = Number(/^Customer (\d+) created: Acme Training$/m.exec(created.stdout)?.[1]);
    const [, firstId, first] = /^API token (\d+): (\S+)$/m.exec(created.stdout) ?? [];
    assert.ok(customerId > 0 && first, created.stdout);
    assert.match(created.stdout, /cannot be shown again/);

    const second = succeeded(await cli('token', 'create', String(customerId), '--label', 'MIS sync'));
    const secondToken = second.stdout.trim();
    assert.match(second.stdout, /^[\w-]{20,}\n$/, 'stdout holds the token alone');
    assert.match(second.stderr, /cannot be shown again/);

    assert.deepEqual(await store.use((db) => authenticate(db, first!, secondToken)), [200, 200]);

    assert.match(succeeded(await cli('token', 'revoke', firstId!)).stdout, new RegExp(`Token ${firstId} revoked`));
    oneLineError(await cli('token', 'revoke', firstId!), /no live token with ID \d+/);

    assert.deepEqual(await store.use((db) => authenticate(db, first!, secondToken)), [401, 200]);

    const listed = succeeded(await cli('token', 'list', String(customerId), '--json'));
    assert.ok(!listed.stdout.includes(first!) && !listed.stdout.includes(secondToken), 'token values are never listed');
    const tokens = JSON.parse(listed.stdout) as { id: number; label: string | null; revokedAt: string | null }[];
    assert.deepEqual(
      tokens.map((t) => [t.id, t.label, t.revokedAt !== null]),
      [
        [Number(firstId), 'initial', true],
        [tokens[1]!.id, 'MIS sync', false],
      ],
    );

    const customers = JSON.parse(succeeded(await cli('customer', 'list', '--json')).stdout) as {
      id: number;
      name: string;
      liveTokens: number;
      organisations: number;
    }[];
    const row = customers.find((c) => c.id === customerId);
    assert.deepEqual(row && [row.name, row.liveTokens, row.organisations], ['Acme Training', 1, 0]);
  });

  test('organisation create and update set the Keychain flags that organisation list --json shows', async () => {
    const customerId = await store.use(async (db) => (await newCustomer(db, 'Keychain Co')).customerId);
    const created = succeeded(await cli('organisation', 'create', String(customerId), 'Riverside', '--keychain', 'on'));
    const id = Number(/^Organisation (\d+) created: Riverside .*Keychain creation on, email suppression off/m.exec(created.stdout)?.[1]);
    assert.ok(id > 0, created.stdout);

    succeeded(await cli('organisation', 'update', String(id), '--name', 'Riverside Centre', '--keychain', 'off', '--suppress-email', 'on'));
    const listed = JSON.parse(succeeded(await cli('organisation', 'list', '--customer', String(customerId), '--json')).stdout);
    assert.deepEqual(listed, [{ id, customerId, name: 'Riverside Centre', keychainCreation: false, keychainEmailSuppression: true }]);
  });

  test("learner-status add then list shows the organisation's statuses in the order added", async () => {
    const organisationId = await store.use(async (db) => {
      const { customerId } = await newCustomer(db, 'Statuses Ltd');
      return orgs.insertOrganisation(db, customerId, { name: 'Centre' });
    });
    assert.match(
      succeeded(await cli('learner-status', 'add', String(organisationId), 'Break in learning')).stdout,
      new RegExp(`^Learner status \\d+ added to organisation ${organisationId}: Break in learning$`, 'm'),
    );
    const listed = succeeded(await cli('learner-status', 'list', String(organisationId)));
    assert.match(listed.stdout, /^ID +Name\n +\d+ +Break in learning\n$/);
    oneLineError(await cli('learner-status', 'add', '2000000000', 'Withdrawn'), /no organisation with ID 2000000000/);
  });

  test('mail list shows the outbox newest first with the full text body, and filters by status', async () => {
    await store.use(async (db) => {
      const { customerId } = await newCustomer(db, 'Mail Ltd');
      const insert = (to: string, subject: string, body: string, status: string, error: string | null) =>
        db.query(`INSERT INTO mail_outbox (customer_id, to_address, subject, body_text, status, attempts, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          customerId,
          to,
          subject,
          body,
          status,
          error ? 3 : 0,
          error,
        ]);
      await insert('ann@example.com', 'Verify your email', 'Hello Ann,\n\nOpen http://127.0.0.1:3000/verify?token=abc123 to join.\n', 'pending', null);
      await insert('bob@example.com', 'Welcome', 'Hello Bob', 'failed', 'connect ECONNREFUSED');
    });
    const text = succeeded(await cli('mail', 'list', '--limit', '2')).stdout;
    assert.ok(text.indexOf('bob@example.com') < text.indexOf('ann@example.com'), 'newest first');
    assert.match(text, /^#\d+ +pending.*attempts 0/m);
    assert.match(text, /^Subject: +Verify your email$/m);
    assert.match(text, /^ +Open http:\/\/127\.0\.0\.1:3000\/verify\?token=abc123 to join\.$/m);

    const failed = JSON.parse(succeeded(await cli('mail', 'list', '--status', 'failed', '--limit', '1', '--json')).stdout);
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0].to, failed[0].status, failed[0].attempts, failed[0].lastError], ['bob@example.com', 'failed', 3, 'connect ECONNREFUSED']);
  });

  test('mail retry puts failed messages back in the queue with fresh attempts, by ID or all at once', async () => {
    const ids = await store.use(async (db) => {
      const { customerId } = await newCustomer(db, 'Retry Ltd');
      const insert = async (to: string, status: string) =>
        (
          await db.query<{ id: number }>(
            `INSERT INTO mail_outbox (customer_id, to_address, subject, body_text, status, attempts, last_error, next_attempt_at)
         VALUES ($1, $2, 'Hi', 'Hello', $3, 8, 'gave up', now() + interval '1 day') RETURNING id`,
            [customerId, to, status],
          )
        )[0]!.id;
      return [await insert('a@example.com', 'failed'), await insert('b@example.com', 'failed'), await insert('c@example.com', 'sent')];
    });
    const [a, b, c] = ids as [number, number, number];
    assert.match(succeeded(await cli('mail', 'retry', String(a))).stdout, new RegExp(`^Re-queued 1 message\\(s\\): ${a}$`, 'm'));
    oneLineError(await cli('mail', 'retry', String(c)), new RegExp(`not failed \\(or no such message\\): ${c}`));
    // Earlier tests in this file share the database, so other failed messages may go too.
    assert.match(succeeded(await cli('mail', 'retry', '--all-failed')).stdout, new RegExp(`Re-queued \\d+ message\\(s\\): (.*, )?${b}(,|$)`, 'm'));
    const rows = await store.use((db) =>
      db.query<{ id: number; status: string; attempts: number; due: boolean }>(
        'SELECT id, status, attempts, next_attempt_at <= now() AS due FROM mail_outbox WHERE id = ANY($1) ORDER BY id',
        [ids],
      ),
    );
    assert.deepEqual(
      rows.map((r) => [r.status, r.attempts, r.due]),
      [
        ['pending', 0, true],
        ['pending', 0, true],
        ['sent', 8, false],
      ],
    );
    oneLineError(await cli('mail', 'retry'), /name the failed messages to retry, or give --all-failed/);
  });

  test('audit shows each change as Field: old -> new, newest first, filtered by customer, entity and id', async () => {
    const { customerId, classroomId } = await store.use(async (db) => {
      const tenant = await newCustomer(db, 'Audited Ltd');
      const organisationId = await orgs.insertOrganisation(db, tenant.customerId, { name: 'Centre' });
      const app = await buildApp({ db, config: testConfig(), logger: false });
      try {
        const client = await Client.for(app, tenant.token);
        const created = (await client.create('/Classroom', { OrganisationID: organisationId, Name: 'Class A' })).json<{ ID: number }>();
        assert.equal((await client.post(`/Classroom/${created.ID}`, { Name: 'Class B' })).statusCode, 200);
        return { customerId: tenant.customerId, classroomId: created.ID };
      } finally {
        await app.close();
      }
    });
    const filter = ['--customer', String(customerId), '--entity', 'classroom', '--id', String(classroomId)];
    const lines = succeeded(await cli('audit', ...filter))
      .stdout.trimEnd()
      .split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`customer ${customerId} +classroom ${classroomId} +update .*Name: "Class A" -> "Class B"`));
    assert.match(lines[1]!, /create .*Name: null -> "Class A"/);

    const latest = JSON.parse(succeeded(await cli('audit', ...filter, '--limit', '1', '--json')).stdout);
    assert.deepEqual(
      latest.map((r: { action: string; changes: unknown }) => [r.action, r.changes]),
      [['update', { Name: { old: 'Class A', new: 'Class B' } }]],
    );
  });

  test('seed demo prints the demo token, refuses a second time, and --force replaces the demo customer', async () => {
    const first = succeeded(await cli('seed', 'demo'));
    assert.match(first.stdout, new RegExp(`Demo token .*: ${DEMO_TOKEN}$`, 'm'));
    const firstId = Number(/^Demo customer (\d+) loaded/m.exec(first.stdout)?.[1]);
    oneLineError(await cli('seed', 'demo'), new RegExp(`already loaded \\(customer ${firstId}\\).*--force`));

    const forced = succeeded(await cli('seed', 'demo', '--force'));
    const secondId = Number(/^Demo customer (\d+) loaded/m.exec(forced.stdout)?.[1]);
    assert.ok(secondId > firstId);
    await store.use(async (db) => {
      assert.deepEqual(
        (await customers.listCustomers(db)).filter((c) => c.name === 'Demo Training Ltd').map((c) => c.id),
        [secondId],
      );
      assert.deepEqual(await authenticate(db, DEMO_TOKEN), [200]);
    });
  });

  test('bad arguments are a one-line error naming the argument, with exit code 1', async () => {
    // The first through the real entry point (exit code and stderr of the process itself).
    const id = await spawnLearnfile('token', 'list', 'abc');
    const onOff = await learnfile('organisation', 'update', '4', '--keychain', 'maybe');
    const option = await learnfile('audit', '--id', '1.5');
    const missing = await learnfile('organisation', 'update', '4');
    oneLineError(id, /'abc' is invalid for argument 'customerId'/);
    oneLineError(onOff, /option '--keychain <on\|off>' argument 'maybe' is invalid\. Expected on or off/);
    oneLineError(option, /option '--id <n>' argument '1\.5' is invalid/);
    oneLineError(missing, /nothing to change/);
    oneLineError(await cli('token', 'create', '2000000000'), /no customer with ID 2000000000/);
  });

  test('migrate on a fresh database applies every migration, then is up to date; its outbox is empty', async () => {
    const fresh = await freshStore();
    try {
      const first = succeeded(await learnfile(...fresh.flags, 'migrate'));
      assert.match(first.stdout, /^applied 0001_foundation\.sql$/m);
      const [, applied, total] = /^(\d+) applied, (\d+) in all$/m.exec(first.stdout) ?? [];
      assert.ok(Number(applied) >= 2 && applied === total, first.stdout);
      assert.equal(succeeded(await learnfile(...fresh.flags, 'migrate')).stdout, `up to date (${total} in all)\n`);
      assert.equal(succeeded(await learnfile(...fresh.flags, 'mail', 'list')).stdout, 'The outbox is empty.\n');
    } finally {
      await fresh.drop();
    }
  });

  test('a folder with no database is refused with how to create one, and nothing is created there', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'learnfile-none-'));
    const dir = join(parent, 'data');
    try {
      oneLineError(
        await learnfile('--data-dir', dir, 'customer', 'list'),
        new RegExp(`there is no learnfile database in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*learnfile --data-dir .* migrate`),
      );
      assert.equal(existsSync(dir), false, 'the command must not create the folder');
      succeeded(await learnfile('--data-dir', dir, 'migrate'));
      assert.equal(statSync(dir).mode & 0o777, 0o700, 'a new data directory is private to its owner');
      assert.equal(statSync(join(dir, 'PG_VERSION')).mode & 0o777, 0o600);
      assert.equal(succeeded(await learnfile('--data-dir', dir, 'customer', 'list')).code, 0);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('a data directory another live process holds is refused for direct work, and operations wait for it to listen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'learnfile-busy-'));
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, 'learnfile.pid'), String(holder.pid));
      // --data-dir picks the embedded database even when DATABASE_URL points at a server.
      oneLineError(await learnfile('--data-dir', dir, 'migrate'), new RegExp(`open in another learnfile process \\(pid ${holder.pid}\\); stop it first`));
      oneLineError(await learnfile('--data-dir', dir, 'customer', 'list'), new RegExp(`held by learnfile \\(pid ${holder.pid}\\), which is not listening yet`));
    } finally {
      holder.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
