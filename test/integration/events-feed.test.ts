import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, tenantWithCentre, testConfig, harnessPerSuite } from '../helpers.js';

interface Ev {
  Sequence: number;
  Type: string;
  Time: string;
  RecordType: string;
  RecordID: number;
  OrganisationID: number | null;
  Actor: string;
  Fields?: string[];
}
type Tenant = Awaited<ReturnType<typeof tenantWithCentre>>;

const OPERATOR_KEY = 'operator-key-for-the-events-tests-0123456789';
const assessor = (t: Tenant, extra: Record<string, unknown> = {}) => ({
  OrganisationID: t.organisationId,
  FirstName: 'Alex',
  LastName: 'Assessor',
  Email: 'alex@example.com',
  Role: 5,
  ...extra,
});

async function feed(t: Tenant, query: string): Promise<Ev[]> {
  const res = await t.client.get(`/Events?${query}`);
  if (res.statusCode === 204) return [];
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Ev[]>();
}

describe(`change events and the feed (${engine})`, () => {
  const h = harnessPerSuite(testConfig({ RATE_LIMIT_PER_MINUTE: '100000' }), { operatorKey: OPERATOR_KEY });

  test("a user's life yields created, updated (naming the fields), archived, unarchived and deleted, in order", async () => {
    const t = await tenantWithCentre(h);
    const id = (await t.client.post('/User', assessor(t))).json<{ ID: number }>().ID;
    assert.equal((await t.client.post(`/User/${id}`, { LastName: 'Smith', Telephone: '01234 567890' })).statusCode, 204);
    assert.equal((await t.client.post(`/User/${id}/Archive`)).statusCode, 204);
    assert.equal((await t.client.post(`/User/${id}/Unarchive`)).statusCode, 204);
    assert.equal((await t.client.delete(`/User/${id}`)).statusCode, 204);

    const events = await feed(t, 'after=0');
    assert.deepEqual(
      events.map((e) => e.Sequence),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      events.map((e) => e.Type),
      ['classroom.created', 'placement.created', 'user.created', 'user.updated', 'user.archived', 'user.unarchived', 'user.deleted'],
    );
    const userEvents = events.slice(2);
    for (const e of userEvents) {
      assert.equal(e.RecordType, 'user');
      assert.equal(e.RecordID, id);
      assert.equal(e.OrganisationID, t.organisationId, `${e.Type} names the organisation`);
      assert.match(e.Actor, /^session:\d+ token:\d+$/);
      assert.ok(!Number.isNaN(Date.parse(e.Time)));
    }
    assert.deepEqual(userEvents[1]!.Fields?.sort(), ['LastName', 'Telephone']);
    assert.deepEqual(userEvents[2]!.Fields, ['Archived']);
    assert.equal(userEvents[0]!.Fields, undefined, 'created carries no field list');
    assert.equal(userEvents[4]!.Fields, undefined, 'deleted carries no field list');
    const text = JSON.stringify(events);
    for (const personal of ['Alex', 'Smith', 'alex@example.com', '01234']) assert.ok(!text.includes(personal), `${personal} must not be in events`);
  });

  test('classes and placements have events naming their organisation; an update changing nothing has none', async () => {
    const t = await tenantWithCentre(h);
    assert.equal((await t.client.post(`/Classroom/${t.classroomId}`, { Name: 'Class B' })).statusCode, 200);
    assert.equal((await t.client.post(`/Classroom/${t.classroomId}`, { Name: 'Class B' })).statusCode, 200);
    assert.equal((await t.client.post(`/Placement/${t.placementId}`, { Active: false })).statusCode, 200);
    const events = await feed(t, 'after=2');
    assert.deepEqual(
      events.map((e) => [e.Sequence, e.Type, e.RecordID, e.OrganisationID, e.Fields]),
      [
        [3, 'classroom.updated', t.classroomId, t.organisationId, ['Name']],
        [4, 'placement.updated', t.placementId, t.organisationId, ['Active']],
      ],
    );
  });

  test('a refused write leaves no event and uses no sequence number', async () => {
    const t = await tenantWithCentre(h);
    const bad = await t.client.post('/User', { ...assessor(t), Email: 'not an email' });
    assert.equal(bad.statusCode, 400);
    await t.client.post('/User', assessor(t));
    const events = await feed(t, 'after=2');
    assert.deepEqual(
      events.map((e) => [e.Sequence, e.Type]),
      [[3, 'user.created']],
    );
  });

  test('after and limit page through the feed; nothing new answers 204; after beyond the last event answers 400 -127', async () => {
    const t = await tenantWithCentre(h);
    for (let i = 0; i < 3; i++) await t.client.post('/User', assessor(t));
    assert.deepEqual(
      (await feed(t, 'after=1&limit=2')).map((e) => e.Sequence),
      [2, 3],
    );
    assert.deepEqual(
      (await feed(t, 'after=3&limit=2')).map((e) => e.Sequence),
      [4, 5],
    );
    const none = await t.client.get('/Events?after=5');
    assert.equal(none.statusCode, 204);
    assert.equal(none.body, '');
    const beyond = await t.client.get('/Events?after=9');
    assert.equal(beyond.statusCode, 400);
    assert.equal(beyond.json().code, -127);
    const badLimit = await t.client.get('/Events?limit=0&wait=61');
    assert.equal(badLimit.statusCode, 400);
    assert.deepEqual(
      badLimit
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
      ['limit', 'wait'],
    );
  });

  test("a customer sees only its own events, numbered from 1; another's session cannot read or wait on them", async () => {
    const a = await tenantWithCentre(h, { name: 'A' });
    const b = await tenantWithCentre(h, { name: 'B' });
    await a.client.post('/User', assessor(a));
    const ofA = await feed(a, 'after=0');
    const ofB = await feed(b, 'after=0');
    assert.deepEqual(
      ofA.map((e) => [e.Sequence, e.Type]),
      [
        [1, 'classroom.created'],
        [2, 'placement.created'],
        [3, 'user.created'],
      ],
    );
    assert.deepEqual(
      ofB.map((e) => [e.Sequence, e.Type, e.RecordID]),
      [
        [1, 'classroom.created', b.classroomId],
        [2, 'placement.created', b.placementId],
      ],
    );
    assert.ok(ofB.every((e) => e.OrganisationID === b.organisationId));
    // B, waiting, is not woken by A's write: its answer is A-free once B writes.
    const waiting = feed(b, 'after=2&wait=30');
    await a.client.post('/User', assessor(a));
    await b.client.post('/User', assessor(b));
    assert.deepEqual(
      (await waiting).map((e) => [e.Sequence, e.Type, e.OrganisationID]),
      [[3, 'user.created', b.organisationId]],
    );
    assert.equal((await b.client.get('/Events?after=3')).statusCode, 204);
    assert.equal((await b.client.get('/Events?after=4')).json().code, -127, "A's higher sequence is not B's");
  });

  test('with wait, the feed answers as soon as a change commits', async () => {
    const t = await tenantWithCentre(h);
    const waiting = feed(t, 'after=2&wait=60');
    const id = (await t.client.post('/User', assessor(t))).json<{ ID: number }>().ID;
    assert.deepEqual(
      (await waiting).map((e) => [e.Sequence, e.Type, e.RecordID]),
      [[3, 'user.created', id]],
    );
  });

  test('verifying a Keychain is a keychain.verified event (its creation a keychain.created), with no organisation', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    const created = await t.client.post('/User', assessor(t, { Email: 'kim@example.com' }));
    assert.equal(created.statusCode, 200);
    const mail = await h.app.inject({ method: 'POST', url: '/api/admin/ops/mail.list', headers: { 'x-operator-key': OPERATOR_KEY }, payload: {} });
    const link = /\/keychain\/verify\/[A-Za-z0-9_-]+/.exec(mail.json<{ result: { bodyText: string }[] }>().result[0]!.bodyText)![0];
    assert.equal((await h.app.inject({ method: 'POST', url: link })).statusCode, 200);
    const events = await feed(t, 'after=2');
    assert.deepEqual(
      events.map((e) => [e.Type, e.RecordType, e.OrganisationID]),
      [
        ['keychain.created', 'keychain', null],
        ['user.created', 'user', t.organisationId],
        ['keychain.verified', 'keychain', null],
      ],
    );
    assert.match(events[2]!.Actor, /^keychain-link:\d+$/);
    assert.equal(events[0]!.RecordID, events[2]!.RecordID);
  });

  test('a consumer reading from its last sequence while 8 writers create and update users sees every event once, in order', async () => {
    const t = await tenantWithCentre(h);
    const writers = 8;
    const perWriter = 12;
    const total = 2 + writers * perWriter * 2;
    const seen: Ev[] = [];
    const consumer = (async () => {
      let last = 2;
      while (last < total) {
        const batch = await feed(t, `after=${last}&limit=7&wait=30`);
        assert.ok(batch.length > 0, `the feed went quiet at ${last} of ${total}`);
        for (const e of batch) {
          assert.equal(e.Sequence, last + 1, `after ${last} the next event must be ${last + 1}, not ${e.Sequence}`);
          last = e.Sequence;
          seen.push(e);
        }
      }
    })();
    const written = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const ids: number[] = [];
        for (let i = 0; i < perWriter; i++) {
          const res = await t.client.post('/User', assessor(t, { MISID: `W${w}-${i}` }));
          assert.equal(res.statusCode, 200, res.body);
          const id = res.json<{ ID: number }>().ID;
          assert.equal((await t.client.post(`/User/${id}`, { MISID: `W${w}-${i}-changed` })).statusCode, 204);
          ids.push(id);
        }
        return ids;
      }),
    );
    await consumer;
    assert.equal((await t.client.get(`/Events?after=${total}`)).statusCode, 204, "nothing beyond the writers' events");
    const ids = written.flat();
    assert.equal(seen.length, writers * perWriter * 2);
    assert.deepEqual(
      seen.map((e) => e.Sequence),
      Array.from({ length: seen.length }, (_, i) => i + 3),
    );
    const key = (e: Ev) => `${e.Type}:${e.RecordID}`;
    const expected = [...ids.map((id) => `user.created:${id}`), ...ids.map((id) => `user.updated:${id}`)];
    assert.deepEqual(seen.map(key).sort(), expected.sort());
    for (const id of ids) {
      const mine = seen.filter((e) => e.RecordID === id && e.RecordType === 'user').map((e) => e.Type);
      assert.deepEqual(mine, ['user.created', 'user.updated'], `user ${id}: created before updated`);
    }
  });
  test('events are announced once their write commits, by a NOTIFY of their own; a rolled-back transaction announces nothing', async () => {
    const heard: string[] = [];
    let next: (() => void) | undefined;
    const stop = await h.db.listen('learnfile_test_announce', (payload) => {
      heard.push(String(payload));
      next?.();
    });
    const arrival = () =>
      new Promise<void>((resolve) => {
        next = resolve;
      });
    try {
      await assert.rejects(
        h.db.transaction(async (tx) => {
          tx.announce!('learnfile_test_announce', 'rolled back');
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      const committed = arrival();
      await h.db.transaction(async (tx) => {
        tx.announce!('learnfile_test_announce', 'committed');
        // Not before COMMIT: the transaction still holds nothing the listener has heard.
        await tx.query('SELECT 1');
        assert.deepEqual(heard, []);
      });
      await committed;
      assert.deepEqual(heard, ['committed']);
      // Announced outside a transaction: at once, by a statement of its own.
      const direct = arrival();
      h.db.announce!('learnfile_test_announce', 'direct');
      await direct;
      assert.deepEqual(heard, ['committed', 'direct']);
    } finally {
      await stop();
    }
  });
});
