import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engine, freshDatabaseUrl } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
interface Run { code: number | null; stdout: string; stderr: string }

function learnfile(flags: string[], ...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LEARNFILE_DEBUG: '' };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...flags, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe(`learnfile webhook (${engine})`, () => {
  let flags: string[] = [];
  let drop = async () => {};
  before(async () => {
    if (process.env.DATABASE_URL) {
      const fresh = await freshDatabaseUrl();
      flags = ['--database-url', fresh.url];
      drop = fresh.drop;
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'learnfile-webhook-cli-'));
      flags = ['--data-dir', dir];
      drop = () => rm(dir, { recursive: true, force: true });
    }
  });
  after(async () => { await drop(); });
  const cli = (...args: string[]) => learnfile(flags, ...args);
  const ok = (run: Run) => { assert.equal(run.code, 0, run.stderr); return run; };

  test('add prints the secret once; list, pause, replay, resume and remove manage the subscription; mistakes are one line', async () => {
    ok(await cli('migrate'));
    ok(await cli('customer', 'create', 'Northgate'));
    const added = ok(await cli('webhook', 'add', '1', 'https://mis.example.com/hook', '--events', 'user.*, keychain.verified'));
    assert.match(added.stdout, /Webhook 1 for customer 1: https:\/\/mis\.example\.com\/hook \(user\.\*, keychain\.verified\), from sequence 1/);
    assert.match(added.stdout, /Signing secret .*: whsec_[A-Za-z0-9+/]+=*/);

    const listed = JSON.parse(ok(await cli('webhook', 'list', '--json')).stdout) as { id: number; status: string; secret?: string }[];
    assert.deepEqual(listed.map((s) => [s.id, s.status, s.secret]), [[1, 'active', undefined]]);
    assert.match(ok(await cli('webhook', 'pause', '1')).stdout, /Webhook 1 is paused\./);
    assert.match(ok(await cli('webhook', 'replay', '1', '--from', '1')).stdout, /from sequence 1 \(paused\)/);
    assert.match(ok(await cli('webhook', 'resume', '1')).stdout, /Webhook 1 is active\./);
    assert.match(ok(await cli('webhook', 'list')).stdout, /1\s+1\s+active\s+0\/0/);

    const bad = await cli('webhook', 'add', '1', 'mailto:x@example.com', '--events', 'everything');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^learnfile: url must be an absolute http or https URL; eventTypes everything: use an event name \(user\.updated\), user\.\* or \*\n$/);
    const missing = await cli('webhook', 'pause', '7');
    assert.match(missing.stderr, /^learnfile: no webhook subscription with ID 7\n$/);
    assert.match(ok(await cli('webhook', 'remove', '1')).stdout, /Webhook 1 removed\./);
    assert.match(ok(await cli('webhook', 'list')).stdout, /No webhook subscriptions\./);
  });
});
