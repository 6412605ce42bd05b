// Spec section 2: customer tokens buy sessions; sessions authorise every other call.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { Client, engine, harness, newCustomer, testConfig, harnessPerSuite, sessionCacheOf, sessionsAnnounced } from '../helpers.js';
import { tokenHash } from '../../src/server/domain/secrets.js';

type H = Awaited<ReturnType<typeof harness>>;

const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

function assertUnauthorised(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const body = res.json<Record<string, unknown>>();
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  assert.equal(body.code, -401);
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0);
}

describe(`authentication (${engine})`, () => {
  const h = harnessPerSuite();

  const authenticate = (headers: Record<string, string>, payload?: string) =>
    h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers, ...(payload === undefined ? {} : { payload }) });

  const getCustomer = (headers: Record<string, string>) => h.app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers });

  describe('POST /Authentication', () => {
    const bodies: [string, Record<string, string>, string | undefined][] = [
      ['no body', {}, undefined],
      ['an empty form', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
      ['a JSON []', { 'content-type': 'application/json' }, '[]'],
    ];
    for (const [label, headers, payload] of bodies) {
      test(`with ${label} answers 200 text/plain with the bare session token`, async () => {
        const t = await newCustomer(h.db, 'Acme');
        const res = await authenticate({ 'x-customertoken': t.token, ...headers }, payload);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
        assert.match(res.body, SESSION_TOKEN, 'no JSON quotes, no whitespace');
        const me = await getCustomer({ 'x-tokenid': res.body });
        assert.equal(me.statusCode, 200, me.body);
        assert.deepEqual(me.json(), { ID: t.customerId, Name: 'Acme' });
      });
    }

    test('without X-CustomerToken answers 401 with code and message', async () => {
      await newCustomer(h.db);
      assertUnauthorised(await authenticate({}));
    });

    test('with an unknown X-CustomerToken answers 401 with code and message', async () => {
      await newCustomer(h.db);
      assertUnauthorised(await authenticate({ 'x-customertoken': 'not-a-token-anyone-was-given' }));
    });

    test('with an empty X-CustomerToken answers 401', async () => {
      await newCustomer(h.db);
      assertUnauthorised(await authenticate({ 'x-customertoken': '' }));
    });

    test('each call issues a new session and both stay live', async () => {
      const t = await newCustomer(h.db);
      const first = (await authenticate({ 'x-customertoken': t.token })).body;
      const second = (await authenticate({ 'x-customertoken': t.token })).body;
      assert.notEqual(first, second);
      for (const session of [first, second, first]) {
        assert.equal((await getCustomer({ 'x-tokenid': session })).statusCode, 200);
      }
    });
  });

  describe('X-TokenID', () => {
    test('a missing X-TokenID answers 401 with code and message', async () => {
      await newCustomer(h.db);
      assertUnauthorised(await getCustomer({}));
    });

    test('an unknown X-TokenID answers 401', async () => {
      await newCustomer(h.db);
      assertUnauthorised(await getCustomer({ 'x-tokenid': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
    });

    test('the customer token itself is not a session token', async () => {
      const t = await newCustomer(h.db);
      assertUnauthorised(await getCustomer({ 'x-tokenid': t.token }));
    });

    test('an X-TokenID wrapped in double quotes is accepted', async () => {
      const t = await newCustomer(h.db, 'Quoted');
      const session = (await authenticate({ 'x-customertoken': t.token })).body;
      const res = await getCustomer({ 'x-tokenid': `"${session}"` });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { ID: t.customerId, Name: 'Quoted' });
    });

    test('every operation the OpenAPI document guards with a session refuses a call without one', async () => {
      // The route table itself, through the document it writes: a new route cannot be left out.
      const doc = h.app.swagger() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
      const guarded = Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([method, op]) => ['get', 'post', 'put', 'delete'].includes(method) && op.security === undefined)
          .map(([method]) => [method.toUpperCase() as 'GET' | 'POST', path.replace(/\{[^}]+\}/g, '1')] as const),
      );
      assert.ok(guarded.length >= 60, `only ${guarded.length} guarded operations found`);
      for (const [method, url] of guarded) {
        const res = await h.app.inject({ method, url });
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.equal(res.json<{ code: number }>().code, -401, `${method} ${url}`);
      }
    });

    test('a session past its lifetime is refused while a fresh one from the same token works', async () => {
      const t = await newCustomer(h.db);
      const old = (await authenticate({ 'x-customertoken': t.token })).body;
      const fresh = (await authenticate({ 'x-customertoken': t.token })).body;
      assert.equal((await getCustomer({ 'x-tokenid': old })).statusCode, 200, 'live, and now in the session cache');
      const heard = sessionsAnnounced(h.app);
      await h.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [tokenHash(old)]);
      assert.match(await heard, /^session:\d+$/);
      assertUnauthorised(await getCustomer({ 'x-tokenid': old }));
      assert.equal((await getCustomer({ 'x-tokenid': fresh })).statusCode, 200);
    });

    test('a session is issued for 24 hours', async () => {
      const t = await newCustomer(h.db);
      const session = (await authenticate({ 'x-customertoken': t.token })).body;
      const [row] = await h.db.query<{ hours: number }>(
        'SELECT extract(epoch FROM expires_at - created_at)::float8 / 3600 AS hours FROM sessions WHERE token_hash = $1',
        [tokenHash(session)],
      );
      assert.ok(row, 'the session is stored by its hash');
      assert.ok(Math.abs(Number(row.hours) - 24) < 0.01, `lifetime ${row.hours} h`);
    });

    test('revoking the customer token ends its live sessions and refuses new ones', async () => {
      const t = await newCustomer(h.db);
      const other = await newCustomer(h.db, 'Other');
      const session = (await authenticate({ 'x-customertoken': t.token })).body;
      const otherSession = (await authenticate({ 'x-customertoken': other.token })).body;
      assert.equal((await getCustomer({ 'x-tokenid': session })).statusCode, 200);
      // Revoked behind the server's back (an operator's SQL): the database itself announces it.
      const heard = sessionsAnnounced(h.app);
      await h.db.query('UPDATE api_tokens SET revoked_at = now() WHERE customer_id = $1', [t.customerId]);
      assert.match(await heard, /^token:\d+$/);
      assertUnauthorised(await getCustomer({ 'x-tokenid': session }));
      assertUnauthorised(await authenticate({ 'x-customertoken': t.token }));
      assert.equal((await getCustomer({ 'x-tokenid': otherSession })).statusCode, 200, 'another customer is unaffected');
    });
  });

  describe('storage', () => {
    test('the database holds neither the customer token nor the session token in plain text', async () => {
      const t = await newCustomer(h.db);
      const session = (await authenticate({ 'x-customertoken': t.token })).body;
      const tokens = await h.db.query<Record<string, unknown>>('SELECT * FROM api_tokens');
      const sessions = await h.db.query<Record<string, unknown>>('SELECT * FROM sessions');
      assert.equal(tokens.length, 1);
      assert.equal(sessions.length, 1);
      const seen = (rows: Record<string, unknown>[]) =>
        rows
          .flatMap((row) =>
            Object.values(row).flatMap((v) => {
              if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
                const b = Buffer.from(v);
                return [b.toString('utf8'), b.toString('hex'), b.toString('base64'), b.toString('base64url')];
              }
              return [v instanceof Date ? v.toISOString() : String(v)];
            }),
          )
          .join('\n');
      const everything = seen(tokens) + seen(sessions);
      for (const secret of [t.token, session]) assert.ok(!everything.includes(secret), 'a token is stored in plain text');
      for (const row of [...tokens, ...sessions]) {
        const hash = row.token_hash as Uint8Array;
        assert.ok(hash instanceof Uint8Array, 'token_hash is bytes');
        assert.equal(hash.length, 32);
      }
      const text = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT * FROM api_tokens) a, (SELECT * FROM sessions) s
          WHERE a::text LIKE '%' || $1 || '%' OR s::text LIKE '%' || $2 || '%'`,
        [t.token, session],
      );
      assert.equal(text[0]?.n, 0);
    });
  });
});

describe(`rate limit (${engine})`, () => {
  let h: H;
  // The limit counts calls per calendar minute, on the server's clock: each test starts 10 s into a
  // minute of its own on an injected clock, so no test waits and none straddles two windows.
  let now = Date.parse('2030-01-01T00:00:10Z');
  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '5' }), { clock: () => new Date(now) });
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    now += 60_000;
    await h.reset();
  });

  test('the 6th call in a minute answers 429 with Retry-After, and another customer is unaffected', async () => {
    const a = await newCustomer(h.db, 'A');
    const b = await newCustomer(h.db, 'B');
    const client = await Client.for(h.app, a.token); // call 1
    for (let call = 2; call <= 5; call++) {
      const res = await client.get('/Customer');
      assert.equal(res.statusCode, 200, `call ${call}`);
    }
    const limited = await client.get('/Customer'); // call 6
    assert.equal(limited.statusCode, 429, limited.body);
    const body = limited.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
    assert.equal(body.code, -429);
    const retryAfter = limited.headers['retry-after'];
    assert.equal(typeof retryAfter, 'string');
    assert.match(retryAfter as string, /^\d+$/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${String(retryAfter)}`);
    assert.equal(typeof limited.headers['x-request-id'], 'string');

    const other = await Client.for(h.app, b.token);
    const res = await other.get('/Customer');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ID: b.customerId, Name: 'B' });
  });

  test('authentication counts against the limit and is refused with 429 once it is spent', async () => {
    const a = await newCustomer(h.db, 'A');
    for (let call = 1; call <= 5; call++) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': a.token } });
      assert.equal(res.statusCode, 200, `call ${call}`);
    }
    const limited = await h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': a.token } });
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.json<{ code: number }>().code, -429);
    assert.match(String(limited.headers['retry-after']), /^([1-9]|[1-5]\d|60)$/);
  });

  test('all sessions of one customer share one limit', async () => {
    const a = await newCustomer(h.db, 'A');
    const first = await Client.for(h.app, a.token); // 1
    const second = await Client.for(h.app, a.token); // 2
    for (const c of [first, second, first]) assert.equal((await c.get('/Customer')).statusCode, 200); // 3-5
    assert.equal((await second.get('/Customer')).statusCode, 429);
    assert.equal((await first.get('/Customer')).statusCode, 429);
  });
});

describe(`session lifetime follows the server's clock (${engine})`, () => {
  let h: H;
  let offset = 0;
  const HOUR = 3_600_000;
  before(async () => {
    h = await harness(testConfig(), { clock: () => new Date(Date.now() + offset) });
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    offset = 0;
    await h.reset();
  });

  test('a session works until 24 hours have passed on the clock and is refused after, with no waiting', async () => {
    const t = await newCustomer(h.db);
    const client = await Client.for(h.app, t.token);
    assert.equal((await client.get('/Customer')).statusCode, 200);
    assert.equal(sessionCacheOf(h.app).size, 1, 'the session is served from memory');
    offset = 24 * HOUR - 60_000;
    assert.equal((await client.get('/Customer')).statusCode, 200, 'a minute before the end');
    offset = 24 * HOUR + 1_000;
    assertUnauthorised(await client.get('/Customer'));
    // Read from the database too, the session is over by the same clock.
    sessionCacheOf(h.app).forget();
    assertUnauthorised(await client.get('/Customer'));
    const fresh = await Client.for(h.app, t.token);
    assert.equal((await fresh.get('/Customer')).statusCode, 200, 'a session issued at the new time is live');
  });

  test('a session issued when the clock says so is stored with that time and 24 hours on', async () => {
    offset = 5 * HOUR;
    const t = await newCustomer(h.db);
    const session = (await h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': t.token } })).body;
    const [row] = await h.db.query<{ created_at: Date; expires_at: Date }>('SELECT created_at, expires_at FROM sessions WHERE token_hash = $1', [
      tokenHash(session),
    ]);
    assert.ok(Math.abs(row!.created_at.getTime() - (Date.now() + 5 * HOUR)) < 60_000, "issued at the clock's time");
    assert.equal(row!.expires_at.getTime() - row!.created_at.getTime(), 24 * HOUR);
  });
});

describe(`session lifetime from configuration (${engine})`, () => {
  let h: H;
  let offset = 0;
  before(async () => {
    h = await harness(testConfig({ SESSION_HOURS: '0.5' }), { clock: () => new Date(Date.now() + offset) });
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    offset = 0;
    await h.reset();
  });

  test('a session lives SESSION_HOURS and is refused once that has passed', async () => {
    const t = await newCustomer(h.db);
    const client = await Client.for(h.app, t.token);
    assert.equal((await client.get('/Customer')).statusCode, 200);
    offset = 29 * 60_000;
    assert.equal((await client.get('/Customer')).statusCode, 200);
    offset = 31 * 60_000;
    assertUnauthorised(await client.get('/Customer'));
  });
});
