// Spec section 1: the wire conventions every endpoint keeps for clients written against
// the vendor's API (paths, body formats and keys, lenient scalars and dates, response shape).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { Client, engine, newCustomer, newOrganisation, harnessPerSuite } from '../helpers.js';

const CLASSROOM_KEYS = ['ID', 'OrganisationID', 'Name', 'MISID', 'StartOn', 'Archive', 'CompletionMessage', 'SendCompletionMessage', 'IVFinalSignOff'];

describe(`wire conventions (${engine})`, () => {
  const h = harnessPerSuite();

  /** A customer with one organisation and a logged-in client. */
  async function centre(name = 'Centre') {
    const t = await newCustomer(h.db, 'Customer');
    const organisationId = await newOrganisation(h.db, t.customerId, { name });
    const client = await Client.for(h.app, t.token);
    return { ...t, organisationId, client };
  }

  async function newClass(client: Client, organisationId: number, fields: Record<string, unknown> = {}) {
    const res = await client.create('/Classroom', { OrganisationID: organisationId, Name: 'Class', ...fields });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Record<string, unknown> & { ID: number }>();
  }

  function raw(method: 'GET' | 'POST', url: string, session: string | undefined, payload?: string, contentType?: string) {
    const headers: Record<string, string> = {};
    if (session !== undefined) headers['x-tokenid'] = session;
    if (contentType !== undefined) headers['content-type'] = contentType;
    return h.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  }

  describe('paths', () => {
    test('a lower-case search path with a trailing slash routes to the organisation search', async () => {
      const c = await centre('Northgate');
      const res = await c.client.post('/organisation/search/', {});
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), [{ ID: c.organisationId, Name: 'Northgate', KeychainCreationForNewUserActive: false, KeychainEmailSuppression: false }]);
    });

    test('an upper-case resource segment reads the class by id', async () => {
      const c = await centre();
      const cls = await newClass(c.client, c.organisationId, { Name: 'Upper' });
      const res = await c.client.get(`/CLASSROOM/${cls.ID}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ Name: string }>().Name, 'Upper');
    });

    test('an upper-case base path with a trailing slash after the id routes too', async () => {
      const c = await centre();
      const cls = await newClass(c.client, c.organisationId);
      const res = await raw('GET', `/API/V2.1/Classroom/${cls.ID}/`, c.client.session);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ ID: number }>().ID, cls.ID);
    });

    test('a mixed-case authentication path answers a session', async () => {
      const t = await newCustomer(h.db);
      const res = await h.app.inject({ method: 'POST', url: '/api/v2.1/authentication/', headers: { 'x-customertoken': t.token } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await new Client(h.app, res.body).get('/customer')).statusCode, 200);
    });
  });

  describe('bodies', () => {
    test('a form body with lower-case keys to a lower-case path with a trailing slash creates the class', async () => {
      const c = await centre();
      const res = await c.client.form('/classroom/', { organisationid: String(c.organisationId), name: 'Form class', misid: 'F-1' });
      assert.equal(res.statusCode, 200, res.body);
      const body = (await c.client.get(`/Classroom/${res.body}`)).json<Record<string, unknown>>();
      assert.equal(body.OrganisationID, c.organisationId);
      assert.equal(body.Name, 'Form class');
      assert.equal(body.MISID, 'F-1');
    });

    test('a form body with no content type at all is read as a form', async () => {
      const c = await centre();
      const res = await raw('POST', '/api/v2.1/Classroom', c.client.session, `OrganisationID=${c.organisationId}&Name=Untyped`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await c.client.get(`/Classroom/${res.body}`)).json<{ Name: string }>().Name, 'Untyped');
    });

    test('JSON keys in any case name the same fields', async () => {
      const c = await centre();
      const res = await c.client.create('/Classroom', { organisationID: c.organisationId, NAME: 'Shouted', misId: 'M-9', completionmessage: 'Well done' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<Record<string, unknown>>();
      assert.equal(body.OrganisationID, c.organisationId);
      assert.equal(body.Name, 'Shouted');
      assert.equal(body.MISID, 'M-9');
      assert.equal(body.CompletionMessage, 'Well done');
    });

    test('unknown keys such as a stray ID and Username are ignored', async () => {
      const c = await centre();
      const res = await c.client.create('/Classroom', { ID: 999, Username: 'bob', Colour: 'blue', OrganisationID: c.organisationId, Name: 'Plain' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<Record<string, unknown>>();
      assert.notEqual(body.ID, 999);
      assert.deepEqual(Object.keys(body), CLASSROOM_KEYS);
      assert.equal((await c.client.get('/Classroom/999')).statusCode, 404);
    });

    test('a GET with a JSON body is served and the body ignored', async () => {
      const c = await centre();
      const cls = await newClass(c.client, c.organisationId, { Name: 'Kept' });
      const res = await raw('GET', `/api/v2.1/Classroom/${cls.ID}`, c.client.session, JSON.stringify({ Name: 'Ignored', ID: 5 }), 'application/json');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), cls);
    });

    test('a GET with a form body is served', async () => {
      const c = await centre();
      const res = await raw('GET', '/api/v2.1/Customer', c.client.session, 'ID=3&Username=x', 'application/x-www-form-urlencoded');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { ID: c.customerId, Name: 'Customer' });
    });

    test('Content-Type application/json with an empty body authenticates', async () => {
      const t = await newCustomer(h.db);
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v2.1/Authentication',
        payload: '',
        headers: { 'x-customertoken': t.token, 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /^[A-Za-z0-9_-]{43}$/);
    });

    test('Content-Type application/json with an empty body searches with no filter', async () => {
      const c = await centre();
      const cls = await newClass(c.client, c.organisationId, { Name: 'Only', MISID: 'O-1' });
      const res = await raw('POST', '/api/v2.1/Classroom/Search', c.client.session, '', 'application/json');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), [{ ID: cls.ID, Name: 'Only', MISID: 'O-1' }]);
    });

    test('a POST that takes no body ignores a JSON body sent anyway', async () => {
      const t = await newCustomer(h.db);
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v2.1/Authentication',
        payload: JSON.stringify({ Username: 'x', Password: 'y' }),
        headers: { 'x-customertoken': t.token, 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('lenient scalars', () => {
    test('the strings "TRUE", "1" and "0" are read as booleans', async () => {
      const c = await centre();
      const res = await c.client.create('/Classroom', {
        OrganisationID: c.organisationId,
        Name: 'Bools',
        Archive: 'TRUE',
        IVFinalSignOff: '1',
        SendCompletionMessage: '0',
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<Record<string, unknown>>();
      assert.equal(body.Archive, true);
      assert.equal(body.IVFinalSignOff, true);
      assert.equal(body.SendCompletionMessage, false);
    });

    test('form values "true" and "false" in any case are read as booleans', async () => {
      const c = await centre();
      const res = await c.client.createForm('/Classroom', {
        OrganisationID: String(c.organisationId),
        Name: 'Form bools',
        Archive: 'False',
        IVFinalSignOff: 'tRuE',
        SendCompletionMessage: 'true',
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<Record<string, unknown>>();
      assert.equal(body.Archive, false);
      assert.equal(body.IVFinalSignOff, true);
      assert.equal(body.SendCompletionMessage, true);
    });

    test('a JSON false and a string "0" switch a placement off', async () => {
      const c = await centre();
      const off = await c.client.create('/Placement', { OrganisationID: c.organisationId, Name: 'Off', Active: false });
      assert.equal(off.statusCode, 200, off.body);
      assert.equal(off.json<{ Active: boolean }>().Active, false);
      const zero = await c.client.create('/Placement', { OrganisationID: c.organisationId, Name: 'Zero', Active: '0' });
      assert.equal(zero.statusCode, 200, zero.body);
      assert.equal(zero.json<{ Active: boolean }>().Active, false);
      const one = await c.client.post(`/Placement/${zero.json<{ ID: number }>().ID}`, { Active: '1' });
      assert.equal(one.statusCode, 200, one.body);
      assert.equal(one.json<{ Active: boolean }>().Active, true);
    });

    test('an integer string "49" is read as the organisation ID 49', async () => {
      const t = await newCustomer(h.db);
      await h.db.query('INSERT INTO organisations (id, customer_id, name) VALUES (49, $1, $2)', [t.customerId, 'Forty-nine']);
      const client = await Client.for(h.app, t.token);
      const res = await client.create('/Classroom', { OrganisationID: '49', Name: 'Coerced' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ OrganisationID: number }>().OrganisationID, 49);
    });

    test('a boolean field given a word that is not true/false/1/0 is refused with 400', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: c.organisationId, Name: 'Bad', Archive: 'yes please' });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json<{ code: number; errors: { field: string }[] }>();
      assert.equal(body.code, -100);
      assert.deepEqual(
        body.errors.map((e) => e.field),
        ['Archive'],
      );
    });
  });

  describe('dates', () => {
    const cases: [string, string][] = [
      ['2022-02-23T12:49:33.150Z', '2022-02-23T12:49:33.150Z'],
      ['2022-02-23T12:49:33Z', '2022-02-23T12:49:33.000Z'],
      ['2020-04-23T00:00:00.00Z', '2020-04-23T00:00:00.000Z'],
      ['2022-02-23T13:49:33+01:00', '2022-02-23T12:49:33.000Z'],
      ['2022-02-23', '2022-02-23T00:00:00.000Z'],
    ];
    for (const [given, expected] of cases) {
      test(`a StartOn of ${given} reads back as ${expected}`, async () => {
        const c = await centre();
        const created = await newClass(c.client, c.organisationId, { StartOn: given });
        assert.equal(created.StartOn, expected);
        const read = await c.client.get(`/Classroom/${created.ID}`);
        assert.equal(read.json<{ StartOn: string }>().StartOn, expected);
      });
    }

    test('a date given in a form body and in an update reads back as UTC ISO', async () => {
      const c = await centre();
      const res = await c.client.createForm('/Classroom', { OrganisationID: String(c.organisationId), Name: 'Dated', StartOn: '2022-02-23' });
      assert.equal(res.statusCode, 200, res.body);
      const id = res.json<{ ID: number }>().ID;
      const upd = await c.client.form(`/Classroom/${id}`, { StartOn: '2023-09-01T08:30:00-01:00' });
      assert.equal(upd.statusCode, 200, upd.body);
      assert.equal(upd.json<{ StartOn: string }>().StartOn, '2023-09-01T09:30:00.000Z');
    });

    test('an impossible date 2022-02-30 is refused with 400 naming StartOn', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: c.organisationId, Name: 'Never', StartOn: '2022-02-30' });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json<{ code: number; message: string; errors: { field: string; code: number }[] }>();
      assert.equal(body.code, -100);
      assert.deepEqual(
        body.errors.map((e) => [e.field, e.code]),
        [['StartOn', -100]],
      );
      const search = await c.client.post('/Classroom/Search', {});
      assert.equal(search.statusCode, 204, 'nothing was created');
    });

    test('a date that is not a date at all is refused with 400', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: c.organisationId, Name: 'Never', StartOn: 'next Tuesday' });
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(
        res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field),
        ['StartOn'],
      );
    });
  });

  describe('responses', () => {
    for (const path of ['/Classroom', '/Placement']) {
      test(`a form-body create of ${path} answers 200 with a bare integer body, as PHP json_decode reads it`, async () => {
        const c = await centre();
        // What a PHP client sends: http_build_query() as a form, then is_integer(json_decode($body)).
        const res = await c.client.form(path, { OrganisationID: String(c.organisationId), Name: 'From PHP' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        assert.match(res.body, /^[1-9][0-9]*$/, 'the body is the number alone: no object, quotes or spaces');
        const id: unknown = JSON.parse(res.body);
        assert.ok(Number.isInteger(id));
        const read = await c.client.get(`${path}/${String(id)}`);
        assert.deepEqual([read.statusCode, read.json<{ ID: number; Name: string }>().ID, read.json<{ Name: string }>().Name], [200, id, 'From PHP']);
      });
    }

    test('a class comes back with exactly the PascalCase keys of the contract', async () => {
      const c = await centre();
      const created = await newClass(c.client, c.organisationId);
      assert.deepEqual(Object.keys(created), CLASSROOM_KEYS);
      const read = await c.client.get(`/Classroom/${created.ID}`);
      assert.equal(read.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(Object.keys(read.json<object>()), CLASSROOM_KEYS);
      assert.equal(typeof created.ID, 'number');
      assert.equal(typeof created.OrganisationID, 'number');
    });

    test('an X-Request-ID header is on every response, success or error', async () => {
      const c = await centre();
      const answers: [string, LightMyRequestResponse, number][] = [
        ['200', await c.client.get('/Customer'), 200],
        ['401 missing session', await raw('GET', '/api/v2.1/Customer', undefined), 401],
        ['401 unknown session', await raw('GET', '/api/v2.1/Customer', 'nope'), 401],
        ['401 bad customer token', await h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': 'nope' } }), 401],
        ['404 record', await c.client.get('/Classroom/12345'), 404],
        ['404 route', await c.client.get('/NoSuchThing'), 404],
        ['404 route outside the API', await raw('GET', '/nowhere', undefined), 404],
        ['400', await c.client.post('/Classroom', {}), 400],
        ['204', await c.client.post('/Classroom/Search', {}), 204],
      ];
      for (const [label, res, status] of answers) {
        assert.equal(res.statusCode, status, label);
        const id = res.headers['x-request-id'];
        assert.equal(typeof id, 'string', label);
        assert.ok((id as string).length > 0, label);
      }
      const ids = new Set(answers.map(([, res]) => res.headers['x-request-id']));
      assert.equal(ids.size, answers.length, 'each response has its own request id');
    });

    test('an X-Request-ID sent by the client is echoed back', async () => {
      const c = await centre();
      const res = await h.app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': c.client.session, 'x-request-id': 'trace-abc-123' } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-request-id'], 'trace-abc-123');
    });
  });
});
