import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { authenticate, engine, harness, newCustomer, testConfig, type Harness } from '../helpers.js';

// A fixed instant 10 s into a minute: the count cannot roll over to a new minute mid-test.
const minute = Math.floor(Date.now() / 60_000) * 60_000;
let now = minute + 10_000;
const clock = () => new Date(now);

describe(`rate limits (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  let second: FastifyInstance;
  before(async () => {
    const config = testConfig({ RATE_LIMIT_PER_MINUTE: '100', AUTH_FAILURES_PER_MINUTE: '5' });
    h = await harness(config, { clock });
    // A second API process: its own app (own memory, own limiter) on the same database.
    second = await buildApp({ db: h.db, config, logger: false, clock });
  });
  after(async () => {
    await second.close();
    await h.close();
  });
  beforeEach(async () => {
    now = minute + 10_000;
    await (second as unknown as { forgetCaches(): Promise<void> }).forgetCaches();
    await h.reset();
  });

  const customerCall = (app: FastifyInstance, session: string) => app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': session } });

  test('two API processes on one database together accept the limit within 5%, never more', async () => {
    const { token } = await newCustomer(h.db);
    const sessionA = await authenticate(h.app, token);
    const sessionB = await authenticate(second, token);
    // 300 calls at once, alternating between the processes (the two sign-ins count too).
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => customerCall(i % 2 ? second : h.app, i % 2 ? sessionB : sessionA)));
    const accepted = answers.filter((r) => r.statusCode === 200).length + 2;
    const refused = answers.filter((r) => r.statusCode === 429);
    assert.equal(accepted + refused.length, 302, 'every call is either accepted or refused with 429');
    assert.ok(accepted <= 100, `accepted ${accepted} calls with a limit of 100`);
    assert.ok(accepted >= 95, `accepted only ${accepted} calls with a limit of 100`);
    assert.equal(refused[0]!.json().code, -429);
    assert.equal(refused[0]!.headers['retry-after'], '50');
    // Both processes keep refusing until the minute ends; then the count starts again.
    assert.equal((await customerCall(h.app, sessionA)).statusCode, 429);
    now = minute + 60_000;
    assert.equal((await customerCall(h.app, sessionA)).statusCode, 200);
    assert.equal((await customerCall(second, sessionB)).statusCode, 200);
  });

  test('one process alone accepts exactly the limit', async () => {
    const { token } = await newCustomer(h.db);
    const session = await authenticate(h.app, token);
    const answers = await Promise.all(Array.from({ length: 150 }, () => customerCall(h.app, session)));
    assert.equal(answers.filter((r) => r.statusCode === 200).length + 1, 100);
  });

  test('failed authentications are limited per client address, for good tokens too once over', async () => {
    const { token } = await newCustomer(h.db);
    const from = (remoteAddress: string, headers: Record<string, string>) =>
      h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers, remoteAddress });
    for (let i = 0; i < 5; i++) {
      const guess = await from('203.0.113.7', { 'x-customertoken': `guess-${i}` });
      assert.equal(guess.statusCode, 401);
    }
    const blocked = await from('203.0.113.7', { 'x-customertoken': token });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, -112);
    assert.equal(blocked.headers['retry-after'], '50');
    // Session tokens are guarded the same way, by the same count.
    const call = await h.app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': 'guess' }, remoteAddress: '203.0.113.7' });
    assert.equal(call.json().code, -112);
    // Another address is not affected, and the next minute starts afresh.
    assert.equal((await from('198.51.100.1', { 'x-customertoken': token })).statusCode, 200);
    now = minute + 60_000;
    assert.equal((await from('203.0.113.7', { 'x-customertoken': token })).statusCode, 200);
  });
});
