/**
 * The client library (@learnfile/client) against a real learnfile server listening on a
 * real port: sessions, paging, streaming, errors, the rate limit and retries.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ApiClient, ApiError, createClient, Roles } from '../../packages/client/src/index.js';
import { engine, harness, newCustomer, newOrganisation, testConfig, type Harness, listening, sessionsAnnounced } from '../helpers.js';

type H = Harness & { reset(): Promise<void> };

/** Records every call (method and path) while passing it to the real network. */
function recording() {
  const calls: string[] = [];
  const fetcher = (request: Request) => {
    calls.push(`${request.method} ${new URL(request.url).pathname.replace('/api/v2.1', '')}`);
    return fetch(request);
  };
  return { calls, fetcher };
}

/** A centre with an assessor, so learners can be created. */
async function centre(client: ApiClient, organisationId: number) {
  const classroom = await client.create('/Classroom', { OrganisationID: organisationId, Name: 'Class A' });
  const placement = await client.create('/Placement', { OrganisationID: organisationId, Name: 'Employer A' });
  const assessor = await client.create('/User', {
    OrganisationID: organisationId,
    FirstName: 'Asha',
    LastName: 'Patel',
    Email: 'asha@example.ac.uk',
    Role: Roles.Assessor,
  });
  assert.ok(classroom.id && placement.id && assessor.id, 'every create answers the new ID');
  return { classroomId: classroom.id, placementId: placement.id, assessorId: assessor.id };
}

describe(`the client library against a running server (${engine})`, () => {
  let h: H;
  let url: string;
  before(async () => {
    h = await harness();
    url = await listening(h);
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  test('authenticates, creates, pages through a search and streams the same rows', async () => {
    const tenant = await newCustomer(h.db);
    const organisationId = await newOrganisation(h.db, tenant.customerId);
    const { calls, fetcher } = recording();
    const client = createClient({ baseUrl: `${url}/api/v2.1/`, customerToken: tenant.token, fetch: fetcher });

    assert.deepEqual(await client.get('/Customer'), { ID: tenant.customerId, Name: 'Customer' });
    const { classroomId, placementId, assessorId } = await centre(client, organisationId);
    for (let i = 1; i <= 5; i++) {
      const created = await client.create('/User', {
        OrganisationID: organisationId,
        FirstName: `Learner${i}`,
        LastName: 'Jones',
        Email: `l${i}@example.com`,
        Role: Roles.Learner,
        DefaultAssessorID: assessorId,
        ClassroomID: classroomId,
        PlacementID: placementId,
        MISID: `M${i}`,
      });
      assert.equal(typeof created.id, 'number');
      assert.equal(created.record?.MISID, `M${i}`, 'the record the server sent comes back too');
    }
    calls.length = 0;
    const learners = await client.all('/User/Search', { OrganisationID: organisationId, Role: Roles.Learner }, { pageSize: 2 });
    assert.deepEqual(
      learners.map((u) => u.MISID),
      ['M1', 'M2', 'M3', 'M4', 'M5'],
    );
    assert.deepEqual(
      calls,
      ['POST /User/Search/1/2', 'POST /User/Search/2/2', 'POST /User/Search/3/2'],
      'paged under the hood, stopping at the short page, on one session',
    );

    const streamed = [];
    for await (const row of client.download('/User/Search', { OrganisationID: organisationId, Role: Roles.Learner })) streamed.push(row);
    assert.deepEqual(streamed, learners);

    // 204 (no match) is an empty list, paged or streamed.
    assert.deepEqual(await client.all('/User/Search', { MISID: 'nobody' }), []);
    for await (const row of client.download('/Classroom/Search', { Name: 'nothing' })) assert.fail(`unexpected ${JSON.stringify(row)}`);

    // A partial update, then the typed openapi-fetch client over the same session.
    await client.update('/User/{id}', { id: learners[0]!.ID }, { Telephone: '01632 960001' });
    const { data } = await client.api.GET('/api/v2.1/User/{id}', { params: { path: { id: learners[0]!.ID } } });
    assert.equal(data?.Telephone, '01632 960001');
    assert.ok(!calls.includes('POST /Authentication'), 'the session made at the start served every call');
  });

  test('a refused call raises one ApiError with status, code, message and every field', async () => {
    const tenant = await newCustomer(h.db);
    const organisationId = await newOrganisation(h.db, tenant.customerId);
    const client = createClient({ baseUrl: url, customerToken: tenant.token });
    const err = await client
      .create('/User', { OrganisationID: organisationId, FirstName: 'A', LastName: 'B', Email: 'a@example.com', Role: Roles.Learner, ULN: '1234' })
      .then(
        () => assert.fail('should be refused'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.equal(typeof err.code, 'number');
    assert.ok(err.code! < 0);
    const fields = err.errors.map((e) => e.field).sort();
    for (const f of ['ClassroomID', 'DefaultAssessorID', 'PlacementID', 'ULN']) assert.ok(fields.includes(f), `${f} is named: ${fields}`);
    assert.match(err.describe(), /^400 \(code -\d+\): /);

    const missing = await client.get('/User/{id}', { id: 999999 }).catch((e: unknown) => e);
    assert.ok(missing instanceof ApiError);
    assert.equal(missing.status, 404);

    const stranger = createClient({ baseUrl: url, customerToken: 'not-a-token' });
    const refused = await stranger.get('/Customer').catch((e: unknown) => e);
    assert.ok(refused instanceof ApiError && refused.status === 401 && refused.code === -401);
  });

  test('renews the session before it is 24 hours old, and once when the server says 401', async () => {
    const tenant = await newCustomer(h.db);
    const { calls, fetcher } = recording();
    let now = Date.now();
    const client = createClient({ baseUrl: url, customerToken: tenant.token, fetch: fetcher, now: () => now });
    const first = await client.session();
    await client.get('/Customer');
    now += 23 * 3_600_000;
    await client.get('/Customer');
    assert.equal(calls.filter((c) => c === 'POST /Authentication').length, 1, 'a 23-hour-old session is still used');
    now += 50 * 60_000;
    await client.get('/Customer');
    assert.equal(calls.filter((c) => c === 'POST /Authentication').length, 2, 'renewed before the 24th hour');
    assert.notEqual(await client.session(), first);

    // The server forgets every session (say, an operator revoked them): one 401, one new session, the call succeeds.
    const heard = sessionsAnnounced(h.app);
    await h.db.exec('DELETE FROM sessions');
    await heard;
    calls.length = 0;
    assert.equal((await client.get('/Customer'))?.ID, tenant.customerId);
    assert.deepEqual(calls, ['GET /Customer', 'POST /Authentication', 'GET /Customer']);
  });

  test('retries idempotent calls after a network failure, with back-off, but never a create', async () => {
    const tenant = await newCustomer(h.db);
    const organisationId = await newOrganisation(h.db, tenant.customerId);
    const slept: number[] = [];
    let dropNext = 0;
    // A transport that loses the connection before the request reaches the server.
    const flaky = (request: Request) => {
      if (dropNext > 0 && !request.url.endsWith('/Authentication')) {
        dropNext--;
        return Promise.reject(new TypeError('fetch failed'));
      }
      return fetch(request);
    };
    const client = createClient({
      baseUrl: url,
      customerToken: tenant.token,
      fetch: flaky,
      retryBaseMs: 100,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    dropNext = 2;
    assert.deepEqual(await client.all('/Organisation/Search'), [
      { ID: organisationId, Name: 'Centre', KeychainCreationForNewUserActive: false, KeychainEmailSuppression: false },
    ]);
    assert.equal(slept.length, 2);
    assert.ok(slept[0]! >= 50 && slept[0]! <= 100 && slept[1]! >= 100 && slept[1]! <= 200, `doubling back-off: ${slept}`);

    dropNext = 1;
    const err = await client.create('/Classroom', { OrganisationID: organisationId, Name: 'X' }).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError && err.status === 0, 'a create is not sent twice');
    assert.deepEqual(await client.all('/Classroom/Search'), []);

    const nowhere = createClient({ baseUrl: 'http://127.0.0.1:9', customerToken: tenant.token, retries: 2, sleep: async () => {} });
    const gone = await nowhere.get('/Customer').catch((e: unknown) => e);
    assert.ok(gone instanceof ApiError && gone.status === 0 && /No answer from/.test(gone.message));
  });
});

describe(`the client library and the rate limit (${engine})`, () => {
  let h: H;
  let url: string;
  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '4' }));
    url = await listening(h);
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  /** What the minute rolling over does to the server's counts, without waiting for it. */
  async function nextMinute(): Promise<void> {
    await (h.app as unknown as { forgetCaches(): Promise<void> }).forgetCaches();
    await h.db.exec('DELETE FROM rate_windows');
  }

  test('waits out a 429 for Retry-After, pausing every call of the client, then succeeds', async () => {
    const tenant = await newCustomer(h.db);
    const slept: number[] = [];
    const waits: string[] = [];
    const { calls, fetcher } = recording();
    const client = createClient({
      baseUrl: url,
      customerToken: tenant.token,
      fetch: fetcher,
      sleep: async (ms) => {
        slept.push(ms);
        await nextMinute();
      },
      onWait: (e) => waits.push(`${e.reason} ${e.path}`),
    });
    // Authentication counts too: 1 + 3 calls use the minute up; the next three must wait.
    const results = await Promise.all(Array.from({ length: 6 }, () => client.get('/Customer')));
    assert.ok(results.every((r) => r?.ID === tenant.customerId));
    assert.ok(slept.length >= 1, 'it waited');
    assert.ok(
      slept.every((ms) => ms >= 1000 && ms <= 60_000),
      `waits follow Retry-After (whole seconds): ${slept}`,
    );
    assert.ok(waits.length >= 1 && waits.every((w) => w === 'rate-limit /Customer'));
    const limited = calls.length - 7; // 1 authentication + 6 successful calls
    assert.ok(limited >= 1 && limited <= 3, `each refused call was retried once after the pause, not spun: ${calls.length} calls`);
  });

  test('gives up with a 429 ApiError when told not to wait', async () => {
    const tenant = await newCustomer(h.db);
    const client = createClient({ baseUrl: url, customerToken: tenant.token, rateLimitWaits: 0 });
    for (let i = 0; i < 3; i++) await client.get('/Customer');
    const err = await client.get('/Customer').catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 429);
    assert.equal(err.code, -429);
  });
});
