// test-runner: own-process (it measures or starts processes of its own; see test/run.mjs)
/**
 * The server as an operator runs it: `npm start` (the compiled server, as the README says),
 * stopped with SIGTERM as a process manager or container runtime does it; start-up refusals;
 * and a backup taken while it runs, restored, with the same users read back.
 * These start real processes, so they are few; they wait on log lines, never on time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp } from '../../src/server/app.js';
import { openDatabase } from '../../src/server/db/client.js';
import { DEMO_TOKEN } from '../../src/server/demo/demo.js';
import { engine, freshDatabaseUrl, testConfig } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Newest modification time of the TypeScript sources the build compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm start` runs dist/: build it when it is missing or older than the sources (CI has built it already). */
function ensureBuilt(): void {
  const main = join(ROOT, 'dist/src/server/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  text(): string;
  exit: Promise<number | null>;
  waitFor(re: RegExp, since?: number): Promise<string>;
}

/** Starts a command and keeps its output as log records (JSON lines, or {msg} for plain ones). */
function launch(command: string, args: string[], env: Record<string, string | undefined>): Proc {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { re: RegExp; resolve(msg: string): void }[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const line of parts) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        record = { msg: line };
      }
      lines.push(record);
      const msg = String(record.msg ?? '');
      for (const w of [...waiters])
        if (w.re.test(msg)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(msg);
        }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const text = () => lines.map((l) => String(l.msg ?? '')).join('\n');
  return {
    child,
    lines,
    exit,
    text,
    /** The first line matching re among those logged from line `since` on (earlier ones are ignored). */
    waitFor(re, since = 0) {
      const seen = lines
        .slice(since)
        .map((l) => String(l.msg ?? ''))
        .find((m) => re.test(m));
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ re, resolve })),
        exit.then((code) => {
          throw new Error(`exited with ${code} before logging ${re}:\n${text()}`);
        }),
      ]);
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function usersVia(url: string): Promise<unknown> {
  const session = await (await fetch(`${url}/api/v2.1/Authentication`, { method: 'POST', headers: { 'X-CustomerToken': DEMO_TOKEN } })).text();
  return (await fetch(`${url}/api/v2.1/User/Search`, { method: 'POST', headers: { 'X-TokenID': session } })).json();
}

describe(`running the server like real server software (${engine})`, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'learnfile-life-'));
  const dataDir = join(scratch, 'data');
  const drops: (() => Promise<void>)[] = [];
  let env: Record<string, string | undefined>;
  before(async () => {
    ensureBuilt();
    if (process.env.DATABASE_URL) {
      const fresh = await freshDatabaseUrl();
      drops.push(fresh.drop);
      env = { DATABASE_URL: fresh.url };
    } else {
      env = { DATABASE_URL: undefined, DATA_DIR: dataDir };
    }
  });
  after(async () => {
    for (const drop of drops) await drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('npm start: SIGTERM lets the request under way finish, stops, releases the data directory and exits 0; a backup taken meanwhile restores the same users', async () => {
    const server = launch('npm', ['start'], { ...env, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'true' });
    const listening = await server.waitFor(/learnfile is listening on/);
    await server.waitFor(/demo customer token/);
    const url = /on (http:\/\/\S+)\/api\/v2\.1/.exec(listening)![1]!;
    const nodePid = Number(server.lines.find((l) => String(l.msg).includes('listening'))!.pid);
    assert.notEqual(nodePid, server.child.pid, 'npm runs node as its own child');
    assert.equal((await fetch(`${url}/ready`)).status, 200);
    const users = await usersVia(url);
    assert.ok(Array.isArray(users) && users.length > 0, 'the demo has users');

    // A backup while the server runs: through the server on the embedded database, pg_dump on PostgreSQL.
    const backup = join(scratch, engine === 'pglite' ? 'learnfile.tar.gz' : 'learnfile.dump');
    if (engine === 'pglite') {
      const { stdout } = await run(process.execPath, ['dist/src/cli/main.js', 'backup', backup], {
        cwd: ROOT,
        env: { ...process.env, ...env } as NodeJS.ProcessEnv,
      });
      assert.match(stdout, /^backed up .* \(\d+ bytes\)$/m);
      assert.equal(statSync(backup).mode & 0o777, 0o600);
    } else {
      await run('pg_dump', ['--format=custom', `--file=${backup}`, env.DATABASE_URL!]);
    }

    // A request whose body is still arriving when the signal comes must still be answered.
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    const closed = new Promise((r) => socket.on('close', r));
    const before = server.lines.length;
    socket.write(
      `POST /api/v2.1/Authentication HTTP/1.1\r\nHost: x\r\nX-CustomerToken: ${DEMO_TOKEN}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n.`,
    );
    await server.waitFor(/incoming request/, before);
    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM: stopping/);
    socket.write('.'); // not end(): a client that half-closes has its request aborted by Node
    await closed;
    assert.match(answer, /^HTTP\/1\.1 200 /, `${answer}\n${server.text()}`);
    assert.equal(await server.exit, 0, server.text());
    assert.match(server.text(), /^stopped$/m);
    assert.throws(() => process.kill(nodePid, 0), { code: 'ESRCH' }, 'the node server has exited too');
    if (engine === 'pglite') assert.equal(existsSync(join(dataDir, 'learnfile.pid')), false, 'the data directory is released');

    // Restored elsewhere, the backup holds the same users.
    if (engine === 'pglite') {
      const restored = join(scratch, 'restored');
      const { stdout } = await run(process.execPath, ['dist/src/cli/main.js', '--data-dir', restored, 'restore', backup], { cwd: ROOT });
      assert.match(stdout, /^restored /m);
      const db = await openDatabase({ dataDir: restored });
      await assertSameUsers(db, users);
    } else {
      const target = await freshDatabaseUrl();
      drops.push(target.drop);
      await run('pg_restore', ['--no-owner', `--dbname=${target.url}`, backup]);
      const db = await openDatabase({ databaseUrl: target.url, dataDir: '' });
      await assertSameUsers(db, users);
    }
  });

  test('a busy port fails at once, before a data directory is created', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    const dir = join(scratch, 'never-created');
    try {
      const server = launch(process.execPath, ['dist/src/server/main.js'], { DATABASE_URL: undefined, DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1' });
      assert.equal(await server.exit, 1);
      assert.match(server.text(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.equal(existsSync(dir), false);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  test('start-up waits for PostgreSQL, saying what it waits for, and gives up after DATABASE_WAIT_SECONDS', async () => {
    const port = await freePort();
    const where = `postgres://postgres@127.0.0.1:${port}/learnfile`;
    const server = launch(process.execPath, ['dist/src/server/main.js'], { DATABASE_URL: where, DATABASE_WAIT_SECONDS: '1', PORT: '0' });
    assert.equal(await server.exit, 1);
    const text = server.text();
    assert.match(text, new RegExp(`waiting for PostgreSQL at ${where.replace(/[.]/g, '\\.')} to accept connections \\(attempt 1, connect ECONNREFUSED`));
    assert.match(text, /did not accept connections within 1 s \(DATABASE_WAIT_SECONDS\)/);
  });

  test('bad configuration stops start-up with one line per variable', async () => {
    const server = launch(process.execPath, ['dist/src/server/main.js'], { LOG_LEVEL: 'verbose', SMTP_URL: 'http://mail', PORT: '0' });
    assert.equal(await server.exit, 1);
    assert.equal(
      server.text(),
      [
        'learnfile: bad configuration:',
        '  SMTP_URL="http://mail" has the scheme http:// : expected smtp:// or smtps://',
        '  LOG_LEVEL="verbose" is not allowed: expected one of fatal, error, warn, info, debug, trace, silent',
      ].join('\n'),
    );
  });
});

async function assertSameUsers(db: Awaited<ReturnType<typeof openDatabase>>, expected: unknown): Promise<void> {
  const app = await buildApp({ db, config: testConfig(), logger: false });
  try {
    const session = (await app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': DEMO_TOKEN } })).body;
    const res = await app.inject({ method: 'POST', url: '/api/v2.1/User/Search', headers: { 'x-tokenid': session } });
    assert.deepEqual(res.json(), expected);
  } finally {
    await app.close();
    await db.close();
  }
}
