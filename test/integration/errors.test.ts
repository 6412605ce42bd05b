// Spec section 3: one error shape, the vendor's codes where they exist, every problem
// reported together, 404 for records that are missing or someone else's, and no internals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { Client, engine, newCustomer, newOrganisation, harnessPerSuite } from '../helpers.js';

interface ErrorAnswer {
  code: number;
  message: string;
  errors?: { field: string; message: string; code: number }[];
}

/** Things an error body must never show: stack frames, file paths, SQL, driver messages. */
const INTERNALS = [
  /\bat\s+\S+\s+\(/,
  /\.(ts|js):\d+/,
  /node_modules/,
  /\bSELECT\b/i,
  /\bINSERT\s+INTO\b/i,
  /\bUPDATE\s+\w+\s+SET\b/i,
  /\bFROM\s+\w+\s+WHERE\b/i,
  /\brelation\b/i,
  /\bsyntax error\b/i,
  /\bout of range\b/i,
  /\bpg_/,
  /stack/i,
  /Error:/,
];

function assertNoInternals(res: LightMyRequestResponse, label = ''): void {
  for (const pattern of INTERNALS) assert.doesNotMatch(res.body, pattern, `${label} leaks ${String(pattern)}: ${res.body}`);
}

function errorBody(res: LightMyRequestResponse, status: number): ErrorAnswer {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const body = res.json<ErrorAnswer>();
  assert.ok(Number.isInteger(body.code) && body.code < 0, `code ${body.code}`);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.trim().length > 0);
  assertNoInternals(res);
  return body;
}

describe(`errors (${engine})`, () => {
  const h = harnessPerSuite();

  async function centre(name = 'Customer') {
    const t = await newCustomer(h.db, name);
    const organisationId = await newOrganisation(h.db, t.customerId, { name: `${name} centre` });
    const client = await Client.for(h.app, t.token);
    return { ...t, organisationId, client };
  }

  const countClasses = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM classrooms'))[0]!.n;

  describe('unknown organisation', () => {
    test('creating a class with an unknown OrganisationID answers 400 with code -11 alone', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: 9999, Name: 'Orphan' });
      const body = errorBody(res, 400);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
      assert.equal(body.code, -11);
      assert.equal(await countClasses(), 0);
    });

    test('creating a placement with an unknown OrganisationID answers 400 with code -11', async () => {
      const c = await centre();
      const body = errorBody(await c.client.post('/Placement', { OrganisationID: 9999, Name: 'Orphan' }), 400);
      assert.equal(body.code, -11);
    });

    test("creating a class in another customer's organisation answers -11, as if it did not exist", async () => {
      const a = await centre('A');
      const b = await centre('B');
      const theirs = errorBody(await a.client.post('/Classroom', { OrganisationID: b.organisationId, Name: 'Intruder' }), 400);
      const nobodys = errorBody(await a.client.post('/Classroom', { OrganisationID: 9999, Name: 'Intruder' }), 400);
      assert.equal(theirs.code, -11);
      assert.deepEqual(Object.keys(theirs).sort(), ['code', 'message']);
      assert.equal(await countClasses(), 0);
      assert.equal(nobodys.code, -11);
    });

    test('an unknown organisation together with other problems answers -11 alone', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: 9999, Archive: 'perhaps', StartOn: '2022-02-30' });
      const body = errorBody(res, 400);
      assert.equal(body.code, -11);
      assert.equal(body.errors, undefined);
    });

    test('an OrganisationID too large for any record answers -11, not a server fault', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: 99_999_999_999, Name: 'Huge' });
      assertNoInternals(res);
      assert.equal(errorBody(res, 400).code, -11);
    });
  });

  describe('validation', () => {
    test('a missing Name and badly typed fields answer one 400 naming every field', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', {
        OrganisationID: c.organisationId,
        Archive: 'perhaps',
        IVFinalSignOff: 'sometimes',
        StartOn: 'not a date',
      });
      const body = errorBody(res, 400);
      assert.equal(body.code, -100);
      assert.ok(body.errors, 'an errors array');
      assert.deepEqual(body.errors.map((e) => e.field).sort(), ['Archive', 'IVFinalSignOff', 'Name', 'StartOn']);
      for (const e of body.errors) {
        assert.deepEqual(Object.keys(e).sort(), ['code', 'field', 'message']);
        assert.equal(e.code, -100);
        assert.ok(e.message.length > 0);
        assert.doesNotMatch(e.message, /must have required property|instancePath|\//, 'not a raw validator message');
      }
      assert.equal(body.errors.find((e) => e.field === 'Name')?.message, 'is required');
      // One human sentence that names the fields, not a validator dump.
      for (const field of ['Name', 'Archive', 'IVFinalSignOff', 'StartOn']) assert.match(body.message, new RegExp(`\\b${field}\\b`));
      assert.doesNotMatch(body.message, /[{}[\]"]|body\//);
      assert.equal(await countClasses(), 0);
    });

    test('a badly typed OrganisationID is reported as a field problem together with the rest, not as -11', async () => {
      const c = await centre();
      const res = await c.client.post('/Placement', { OrganisationID: 'north', Active: 'maybe' });
      const body = errorBody(res, 400);
      assert.equal(body.code, -100);
      assert.deepEqual(body.errors?.map((e) => e.field).sort(), ['Active', 'Name', 'OrganisationID']);
    });

    test('a fractional OrganisationID is refused as a field problem', async () => {
      const c = await centre();
      const body = errorBody(await c.client.post('/Classroom', { OrganisationID: '1.5', Name: 'Half' }), 400);
      assert.equal(body.code, -100);
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ['OrganisationID'],
      );
    });

    test('a single problem is reported with a message naming the field', async () => {
      const c = await centre();
      const body = errorBody(await c.client.post('/Classroom', { OrganisationID: c.organisationId }), 400);
      assert.equal(body.code, -100);
      assert.deepEqual(body.errors, [{ field: 'Name', message: 'is required', code: -100 }]);
      assert.match(body.message, /\bName\b/);
    });

    test('an empty Name is refused', async () => {
      const c = await centre();
      const body = errorBody(await c.client.post('/Classroom', { OrganisationID: c.organisationId, Name: '' }), 400);
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ['Name'],
      );
    });

    test('an update with a badly typed field answers 400 and changes nothing', async () => {
      const c = await centre();
      const created = (await c.client.create('/Classroom', { OrganisationID: c.organisationId, Name: 'Stable' })).json<{ ID: number }>();
      const res = await c.client.post(`/Classroom/${created.ID}`, { Name: 'Changed', Archive: 'perhaps' });
      const body = errorBody(res, 400);
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ['Archive'],
      );
      assert.equal((await c.client.get(`/Classroom/${created.ID}`)).json<{ Name: string }>().Name, 'Stable');
    });
  });

  describe('not found', () => {
    test('reading a class that does not exist answers 404 with code -404', async () => {
      const c = await centre();
      const body = errorBody(await c.client.get('/Classroom/4242'), 404);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
      assert.equal(body.code, -404);
    });

    test('reading a placement or organisation that does not exist answers 404 with code -404', async () => {
      const c = await centre();
      for (const path of ['/Placement/4242', '/Organisation/4242', '/Organisation/4242/LearnerStatuses']) {
        assert.equal(errorBody(await c.client.get(path), 404).code, -404, path);
      }
    });

    test('updating a class that does not exist answers 404', async () => {
      const c = await centre();
      assert.equal(errorBody(await c.client.post('/Classroom/4242', { Name: 'Ghost' }), 404).code, -404);
    });

    test('reading /Classroom/abc answers 404 with the same shape', async () => {
      const c = await centre();
      const body = errorBody(await c.client.get('/Classroom/abc'), 404);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
      assert.equal(body.code, -404);
    });

    test('reading /Classroom/0 and an id beyond any integer column answer 404', async () => {
      const c = await centre();
      assert.equal(errorBody(await c.client.get('/Classroom/0'), 404).code, -404);
      const huge = await c.client.get('/Classroom/99999999999');
      assertNoInternals(huge);
      assert.equal(errorBody(huge, 404).code, -404);
    });

    test('an unknown route answers 404 with its own code -120 and the same shape, with or without a session', async () => {
      const c = await centre();
      const withSession = errorBody(await c.client.get('/Nothing/Here'), 404);
      assert.deepEqual(Object.keys(withSession).sort(), ['code', 'message']);
      assert.equal(withSession.code, -120);
      assert.equal(withSession.message, 'There is no route GET /api/v2.1/Nothing/Here.');
      const anonymous = errorBody(await h.app.inject({ method: 'POST', url: '/api/v2.1/Nothing' }), 404);
      assert.equal(anonymous.code, -120);
      const wrongMethod = errorBody(await c.client.delete('/Classroom/1'), 404);
      assert.equal(wrongMethod.code, -120);
      assert.equal(wrongMethod.message, 'There is no route DELETE /api/v2.1/Classroom/1; that path answers GET, POST.');
    });

    test('a misspelt route names the route it nearly matches, whatever the case', async () => {
      const c = await centre();
      const plural = errorBody(await c.client.get('/Users/5'), 404);
      assert.equal(plural.code, -120);
      assert.equal(plural.message, 'There is no route GET /api/v2.1/Users/5. Did you mean GET /api/v2.1/User/5?');
      const typo = errorBody(await c.client.post('/clasroom/search'), 404);
      assert.match(typo.message, /Did you mean POST \/api\/v2\.1\/Classroom\/Search\?$/);
      const record = errorBody(await c.client.get('/User/4242'), 404);
      assert.equal(record.code, -404, 'a missing record keeps its own code');
    });
  });

  describe('unreadable bodies and faults', () => {
    test('malformed JSON answers 400 with a code, not 500', async () => {
      const c = await centre();
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v2.1/Classroom',
        payload: '{"OrganisationID": 1, "Name": ',
        headers: { 'x-tokenid': c.client.session, 'content-type': 'application/json' },
      });
      const body = errorBody(res, 400);
      assert.equal(body.code, -101);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
    });

    test('malformed JSON with no content type answers 400 too', async () => {
      const c = await centre();
      const res = await h.app.inject({ method: 'POST', url: '/api/v2.1/Classroom/Search', payload: '{Name: x}', headers: { 'x-tokenid': c.client.session } });
      assert.equal(errorBody(res, 400).code, -101);
    });

    test('a JSON body that is not an object is read as no fields', async () => {
      const c = await centre();
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v2.1/Classroom',
        payload: '"just a string"',
        headers: { 'x-tokenid': c.client.session, 'content-type': 'application/json' },
      });
      const body = errorBody(res, 400);
      assert.deepEqual(body.errors?.map((e) => e.field).sort(), ['Name', 'OrganisationID']);
    });

    test('a server fault answers 500 with the same shape and no stack trace or SQL', async () => {
      const c = await centre();
      await h.db.query('ALTER TABLE classrooms RENAME TO classrooms_away');
      let res: LightMyRequestResponse;
      try {
        res = await c.client.get('/Classroom/1');
      } finally {
        await h.db.query('ALTER TABLE classrooms_away RENAME TO classrooms');
      }
      const body = errorBody(res, 500);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
      assert.equal(body.code, -500);
      assert.doesNotMatch(body.message, /classrooms/);
    });

    test('no error answer across the API shows a stack trace or SQL text', async () => {
      const c = await centre();
      const answers: LightMyRequestResponse[] = [
        await c.client.post('/Classroom', { OrganisationID: 'x', Name: 5, StartOn: '2022-13-01' }),
        await c.client.post('/Classroom', { OrganisationID: 9999, Name: 'x' }),
        await c.client.post('/Placement', { OrganisationID: c.organisationId, Name: "'; DROP TABLE placements; --" }),
        await c.client.post('/Classroom/Search', { Name: "%' OR 1=1 --" }),
        await c.client.post('/Classroom/Search/0/10', {}),
        await c.client.post('/Classroom/Search/x/y', {}),
        await c.client.get('/Organisation/abc/LearnerStatuses'),
        await c.client.get('/Placement/-1'),
        await h.app.inject({
          method: 'POST',
          url: '/api/v2.1/Placement',
          payload: '[1,2',
          headers: { 'x-tokenid': c.client.session, 'content-type': 'application/json' },
        }),
        await h.app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': "' OR ''='" } }),
      ];
      for (const [i, res] of answers.entries()) {
        if (res.statusCode < 400) continue;
        assertNoInternals(res, `answer ${i}`);
        const body = res.json<ErrorAnswer>();
        assert.ok(Number.isInteger(body.code) && body.code < 0, `answer ${i}: ${res.body}`);
        assert.notEqual(res.statusCode, 500, `answer ${i}: ${res.body}`);
      }
      assert.equal((await h.db.query('SELECT 1 FROM placements')).length, 1, 'the quoted name was stored as text');
    });
  });
});
