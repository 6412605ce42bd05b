import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, harness, newCustomer, type Harness } from '../helpers.js';
import { RateLimiter, RateLimited } from '../../src/server/domain/rate-limiter.js';

const quiet = { warn() {} } as never;

describe(`the rate limit shared through the database (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); });
  beforeEach(async () => { await h.reset(); });

  test('two API processes on one database share one limit per customer', async () => {
    const { customerId } = await newCustomer(h.db);
    const a = new RateLimiter(h.db, 10, quiet);
    const b = new RateLimiter(h.db, 10, quiet);
    const now = Date.now();
    for (let i = 0; i < 6; i++) a.hit(customerId, now);
    await a.flush();
    b.hit(customerId, now);
    await b.flush();
    for (let i = 0; i < 3; i++) b.hit(customerId, now);
    assert.throws(() => b.hit(customerId, now), RateLimited, 'process B must count process A\'s six calls');
    const [row] = await h.db.query<{ calls: number }>('SELECT calls FROM rate_windows WHERE customer_id = $1', [customerId]);
    assert.equal(row!.calls, 7, 'flushed counts are added, not overwritten');
  });

  test('a new minute starts a new count, and Retry-After points at it', async () => {
    const { customerId } = await newCustomer(h.db);
    const limiter = new RateLimiter(h.db, 2, quiet);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    limiter.hit(customerId, minute + 1_000);
    limiter.hit(customerId, minute + 2_000);
    const err = (() => { try { limiter.hit(customerId, minute + 45_500); } catch (e) { return e; } })();
    assert.ok(err instanceof RateLimited);
    assert.equal(err.retryAfterSeconds, 15);
    limiter.hit(customerId, minute + 60_000);
  });
});
