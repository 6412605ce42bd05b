import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/server/app.js';
import { openDatabase } from '../../src/server/db/client.js';
import { Client, engine, harness, tenantWithCentre, testConfig, type Harness } from '../helpers.js';
import { insertSubscription, markDelivered } from '../../src/server/resources/webhooks/webhooks.repository.js';
import { newWebhookSecret } from '../../src/server/resources/webhooks/webhook-signature.js';
import { WebhookDispatcher } from '../../src/server/resources/webhooks/webhook-dispatcher.js';

const OPERATOR_KEY = 'operator-key-for-the-webhook-tests-0123456789';
type Tenant = Awaited<ReturnType<typeof tenantWithCentre>>;
interface Ev {
  Sequence: number;
  Type: string;
  RecordID: number;
}
interface View {
  id: number;
  status: string;
  cursor: number;
  attempts: number;
  nextAttemptAt: string;
  firstFailureAt: string | null;
  lastError: string | null;
  secret?: string;
}

/** What a receiver does with the signature, written from the specification, not from our code. */
function signatureValid(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(`v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
  return String(headers['webhook-signature'])
    .split(' ')
    .some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected));
}

interface Delivery {
  id: string;
  timestamp: number;
  status: number;
  events: Ev[];
  signed: boolean;
}

/** A real HTTP receiver: answers `answer()` to each POST and remembers what came. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  secret = '';
  answer: () => number = () => 200;
  /** When set, the next request waits for it before answering (a receiver that stalls). */
  holdFirst: Promise<void> | undefined;
  private arrivals = 0;
  private arrivalWaiters: (() => void)[] = [];
  private server: Server | undefined;

  /** Resolves once n requests have arrived (answered or not). */
  arrived(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.arrivals >= n) resolve();
        else this.arrivalWaiters.push(check);
      };
      check();
    });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', async () => {
        this.arrivals++;
        for (const w of this.arrivalWaiters.splice(0)) w();
        const hold = this.holdFirst;
        this.holdFirst = undefined;
        if (hold) await hold;
        const status = this.answer();
        this.deliveries.push({
          id: String(req.headers['webhook-id']),
          timestamp: Number(req.headers['webhook-timestamp']),
          status,
          events: (JSON.parse(body) as { data: { Events: Ev[] } }).data.Events,
          signed: signatureValid(this.secret, req.headers, body),
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
  }

  accepted(): Ev[] {
    return this.deliveries.filter((d) => d.status < 300).flatMap((d) => d.events);
  }
  clear(): void {
    this.deliveries.length = 0;
    this.answer = () => 200;
    this.holdFirst = undefined;
    this.arrivals = 0;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

describe(`webhooks (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  let now = Date.parse('2030-01-01T00:00:00Z');
  const receiver = new Receiver();
  let url = '';
  let dispatcher: WebhookDispatcher;

  before(async () => {
    // Only kicks run the deliverer: the poll timer is far away, and the clock is ours.
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '100000', WEBHOOK_POLL_MS: '3600000' }), { operatorKey: OPERATOR_KEY, clock: () => new Date(now) });
    dispatcher = (h.app as unknown as { webhookDispatcher: WebhookDispatcher }).webhookDispatcher;
    url = await receiver.start();
  });
  after(async () => {
    await h.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    await h.reset();
    receiver.clear();
  });

  const admin = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: object, key = OPERATOR_KEY) =>
    h.app.inject({ method, url: `/api/admin/webhooks${path}`, headers: { 'x-operator-key': key }, ...(body ? { payload: body } : {}) });
  const view = async (id: number) => (await admin('GET', `/${id}`)).json<View>();
  /** Moves the clock and lets the deliverer run to rest: no waiting on the wall clock. */
  const run = async (ms = 0) => {
    now += ms;
    dispatcher.kick();
    await dispatcher.idle();
  };
  const addUser = async (t: Tenant, extra: object = {}) => {
    const res = await t.client.post('/User', {
      OrganisationID: t.organisationId,
      FirstName: 'Alex',
      LastName: 'Assessor',
      Email: 'alex@example.com',
      Role: 5,
      ...extra,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ ID: number }>().ID;
  };

  async function subscribe(t: Tenant, eventTypes = ['user.*'], extra: object = {}): Promise<View> {
    const res = await admin('POST', '', { customerId: t.customerId, url, eventTypes, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    const sub = res.json<View>();
    receiver.secret = sub.secret!;
    return sub;
  }

  test('a receiver failing the first attempts gets every event once, in order, signed, after back-off retries', async () => {
    const t = await tenantWithCentre(h);
    const sub = await subscribe(t);
    assert.match(sub.secret!, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(sub.cursor, 2, 'a new subscription starts after the events it predates');
    let calls = 0;
    receiver.answer = () => (++calls <= 3 ? 503 : 204);
    const a = await addUser(t);
    await run();
    const b = await addUser(t);
    await t.client.post(`/User/${a}`, { LastName: 'Smith' });
    await run();
    assert.equal(receiver.deliveries.length, 1, 'a retry waits for its time');
    const failed = await view(sub.id);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.lastError, 'HTTP 503');
    const delay = Date.parse(failed.nextAttemptAt) - now;
    assert.ok(delay >= 3750 && delay <= 6250, `first retry after 5 s +-25%, not ${delay} ms`);
    for (let i = 0; i < 6 && receiver.accepted().length < 3; i++) await run(Date.parse((await view(sub.id)).nextAttemptAt) - now);

    assert.equal(receiver.deliveries.length, 4);
    assert.ok(
      receiver.deliveries.every((d) => d.signed),
      'every delivery carries a valid signature',
    );
    assert.deepEqual(
      receiver.accepted().map((e) => [e.Sequence, e.Type, e.RecordID]),
      [
        [3, 'user.created', a],
        [4, 'user.created', b],
        [5, 'user.updated', a],
      ],
    );
    const gaps = receiver.deliveries.slice(1).map((d, i) => d.timestamp - receiver.deliveries[i]!.timestamp);
    assert.ok(gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!, `delays grow: ${gaps.join(', ')} s`);
    const done = await view(sub.id);
    assert.deepEqual([done.status, done.cursor, done.attempts, done.lastError], ['active', 5, 0, null]);

    const c = await addUser(t);
    await run();
    assert.deepEqual(
      receiver
        .accepted()
        .map((e) => [e.Sequence, e.RecordID])
        .slice(3),
      [[6, c]],
      'the next event goes at once',
    );
  });

  test('only the subscribed event types are sent; the cursor still moves past the others', async () => {
    const t = await tenantWithCentre(h);
    const sub = await subscribe(t, ['user.updated', 'classroom.*']);
    const a = await addUser(t);
    await t.client.post(`/User/${a}`, { LastName: 'Smith' });
    await t.client.post(`/Classroom/${t.classroomId}`, { Name: 'B' });
    await addUser(t);
    await run();
    assert.deepEqual(
      receiver.accepted().map((e) => [e.Sequence, e.Type]),
      [
        [4, 'user.updated'],
        [5, 'classroom.updated'],
      ],
    );
    assert.equal((await view(sub.id)).cursor, 6);
  });

  test('after 24 hours of failures the subscription is failing; resume, replay, pause and resume do what they say', async () => {
    const t = await tenantWithCentre(h);
    const sub = await subscribe(t);
    receiver.answer = () => 500;
    await addUser(t);
    await run();
    const start = now;
    let v = await view(sub.id);
    while (v.status === 'active') {
      await run(Date.parse(v.nextAttemptAt) - now);
      v = await view(sub.id);
      assert.ok(receiver.deliveries.length < 100, 'gives up in the end');
    }
    assert.equal(v.status, 'failing');
    assert.ok(now - start >= 24 * 3_600_000, 'retried for at least 24 hours');
    assert.ok(now - start < 26 * 3_600_000, 'and marked failing at the first failure after that');
    const gaps = receiver.deliveries.slice(1).map((d, i) => d.timestamp - receiver.deliveries[i]!.timestamp);
    assert.ok(Math.max(...gaps) <= 3600 * 1.25, 'no gap longer than the cap with jitter');
    const attempts = receiver.deliveries.length;

    receiver.answer = () => 200;
    // A day has passed on the injected clock, so the session has ended, as it would for a real client.
    assert.equal((await t.client.post('/User', { OrganisationID: t.organisationId })).statusCode, 401);
    t.client = await Client.for(h.app, t.token);
    const b = await addUser(t);
    await run(7 * 24 * 3_600_000);
    assert.equal(receiver.deliveries.length, attempts, 'a failing subscription is not attempted');
    const list = (await admin('GET', `?customer=${t.customerId}`)).json<View[]>();
    assert.deepEqual(
      list.map((s) => [s.id, s.status]),
      [[sub.id, 'failing']],
      'the operator sees it failing',
    );
    assert.equal(list[0]!.secret, undefined, 'the secret is shown only once');

    assert.equal((await admin('POST', `/${sub.id}/resume`)).json<View>().status, 'active');
    await run();
    assert.deepEqual(
      receiver.accepted().map((e) => e.Sequence),
      [3, 4],
    );
    assert.equal(receiver.accepted()[1]!.RecordID, b);

    assert.equal((await admin('POST', `/${sub.id}/replay`, { from: 4 })).json<View>().cursor, 3);
    await run();
    assert.deepEqual(
      receiver.accepted().map((e) => e.Sequence),
      [3, 4, 4],
    );

    assert.equal((await admin('POST', `/${sub.id}/pause`)).json<View>().status, 'paused');
    t.client = await Client.for(h.app, t.token); // a week has passed since the last sign-in
    await addUser(t);
    await run();
    assert.deepEqual(
      receiver.accepted().map((e) => e.Sequence),
      [3, 4, 4],
      'paused: nothing sent',
    );
    await admin('POST', `/${sub.id}/resume`);
    await run();
    assert.deepEqual(
      receiver.accepted().map((e) => e.Sequence),
      [3, 4, 4, 5],
    );
    assert.equal((await admin('DELETE', `/${sub.id}`)).statusCode, 204);
    assert.equal((await admin('GET', `/${sub.id}`)).statusCode, 404);
  });

  test('a write never waits for delivery; a delivery stalled past its lease is made by another process, and the stalled one cannot move the cursor', async () => {
    const t = await tenantWithCentre(h);
    const sub = await subscribe(t);
    let release = () => {};
    receiver.holdFirst = new Promise((resolve) => {
      release = resolve;
    });
    const a = await addUser(t);
    await receiver.arrived(1);
    assert.ok(a > 0, 'the write has answered while its delivery hangs at the receiver');
    assert.equal(receiver.deliveries.length, 0);

    // A second process's deliverer: it must respect the live lease, then take over once it expires.
    const other = new WebhookDispatcher(
      h.db,
      {
        pollMs: 3_600_000,
        timeoutMs: 10_000,
        batchSize: 100,
        retryBaseMs: 5000,
        retryMaxMs: 3_600_000,
        retryHours: 24,
        concurrency: 2,
      },
      h.app.log,
      () => new Date(now),
    );
    other.kick();
    await other.idle();
    assert.equal(receiver.deliveries.length, 0, 'a live lease is respected');
    now += 61_000;
    other.kick();
    await other.idle();
    assert.deepEqual(
      receiver.accepted().map((e) => e.Sequence),
      [3],
      'delivered by the other process once the lease expired',
    );
    assert.equal((await view(sub.id)).cursor, 3);

    release();
    await dispatcher.idle();
    assert.deepEqual(
      receiver.deliveries.map((d) => d.id),
      ['msg_1_3_3', 'msg_1_3_3'],
      'at least once: the stalled delivery lands too, with the same webhook-id',
    );
    assert.equal(await markDelivered(h.db, sub.id, 'a-lease-long-gone', 1, new Date(now), true), false);
    const after = await view(sub.id);
    assert.deepEqual([after.cursor, after.status], [3, 'active'], 'the acknowledged position stands');
    await other.stop();
  });

  test('with no subscription the deliverer rests; one added by another process (no kick here, only its NOTIFY) gets the next write', async () => {
    const t = await tenantWithCentre(h);
    await addUser(t);
    await run();
    // As the CLI of another process adds it on PostgreSQL: straight into the table, no kick of this deliverer.
    receiver.secret = newWebhookSecret();
    const [{ last }] = (await h.db.query<{ last: number }>('SELECT last_seq::int AS last FROM event_counters WHERE customer_id = $1', [t.customerId])) as [
      { last: number },
    ];
    await h.db.transaction((tx) =>
      insertSubscription(
        tx,
        {
          customerId: t.customerId,
          url,
          eventTypes: ['user.*'],
          secret: receiver.secret,
          cursor: last,
        },
        new Date(now),
      ),
    );
    const b = await addUser(t);
    await receiver.arrived(1);
    await dispatcher.idle();
    assert.deepEqual(
      receiver.accepted().map((e) => [e.Type, e.RecordID]),
      [['user.created', b]],
    );
  });

  test('two API processes on one PostgreSQL database deliver each event once, in order', { skip: engine !== 'postgres' }, async () => {
    const t = await tenantWithCentre(h);
    await subscribe(t);
    const db2 = await openDatabase({ databaseUrl: h.db.location, dataDir: '' });
    const app2 = await buildApp({ db: db2, config: testConfig({ WEBHOOK_POLL_MS: '3600000' }), logger: false, clock: () => new Date(now) });
    const second = (app2 as unknown as { webhookDispatcher: WebhookDispatcher }).webhookDispatcher;
    try {
      const ids = await Promise.all(Array.from({ length: 20 }, () => addUser(t)));
      for (let i = 0; i < 3; i++) {
        dispatcher.kick();
        second.kick();
        await Promise.all([dispatcher.idle(), second.idle()]);
      }
      assert.deepEqual(
        receiver.accepted().map((e) => e.Sequence),
        Array.from({ length: 20 }, (_, i) => i + 3),
      );
      assert.deepEqual(
        receiver
          .accepted()
          .map((e) => e.RecordID)
          .sort((x, y) => x - y),
        ids.sort((x, y) => x - y),
      );
    } finally {
      await app2.close();
      await db2.close();
    }
  });

  test('the admin API names every bad field, refuses without the operator key, and 404s an unknown customer', async () => {
    const t = await tenantWithCentre(h);
    const bad = await admin('POST', '', { customerId: t.customerId, url: 'ftp://x', eventTypes: ['user.*', 'User Created'], secret: 'plain' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      bad.json().errors.map((e: { field: string; code: number }) => [e.field, e.code]),
      [
        ['url', -125],
        ['eventTypes', -126],
        ['secret', -100],
      ],
    );
    assert.equal((await admin('POST', '', { customerId: 999, url, eventTypes: ['*'] })).statusCode, 404);
    assert.equal((await admin('GET', '', undefined, 'wrong-key')).statusCode, 401);
    assert.equal((await admin('POST', '', { customerId: t.customerId, url, eventTypes: ['*'], from: 9 })).json().code, -127);
  });
});
