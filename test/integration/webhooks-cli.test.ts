// `learnfile webhook ...`, run in-process as the command line would, on the file's own database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb, engine, runLearnfile, type CliRun as Run, type TestDb } from '../helpers.js';

describe(`learnfile webhook (${engine})`, () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => {
    await t.drop();
  });
  const cli = (...args: string[]) => runLearnfile(args, { database: t.db });
  const ok = (run: Run) => {
    assert.equal(run.code, 0, run.stderr);
    return run;
  };

  test('add prints the secret once; list, pause, replay, resume and remove manage the subscription; mistakes are one line', async () => {
    ok(await cli('customer', 'create', 'Northgate'));
    const added = ok(await cli('webhook', 'add', '1', 'https://mis.example.com/hook', '--events', 'user.*, keychain.verified'));
    assert.match(added.stdout, /Webhook 1 for customer 1: https:\/\/mis\.example\.com\/hook \(user\.\*, keychain\.verified\), from sequence 1/);
    assert.match(added.stdout, /Signing secret .*: whsec_[A-Za-z0-9+/]+=*/);

    const listed = JSON.parse(ok(await cli('webhook', 'list', '--json')).stdout) as { id: number; status: string; secret?: string }[];
    assert.deepEqual(
      listed.map((s) => [s.id, s.status, s.secret]),
      [[1, 'active', undefined]],
    );
    assert.match(ok(await cli('webhook', 'pause', '1')).stdout, /Webhook 1 is paused\./);
    assert.match(ok(await cli('webhook', 'replay', '1', '--from', '1')).stdout, /from sequence 1 \(paused\)/);
    assert.match(ok(await cli('webhook', 'resume', '1')).stdout, /Webhook 1 is active\./);
    assert.match(ok(await cli('webhook', 'list')).stdout, /1\s+1\s+active\s+0\/0/);

    const bad = await cli('webhook', 'add', '1', 'mailto:x@example.com', '--events', 'everything');
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^learnfile: url must be an absolute http or https URL; eventTypes everything: use an event name \(user\.updated\), user\.\* or \*\n$/,
    );
    const missing = await cli('webhook', 'pause', '7');
    assert.match(missing.stderr, /^learnfile: no webhook subscription with ID 7\n$/);
    assert.match(ok(await cli('webhook', 'remove', '1')).stdout, /Webhook 1 removed\./);
    assert.match(ok(await cli('webhook', 'list')).stdout, /No webhook subscriptions\./);
  });
});
