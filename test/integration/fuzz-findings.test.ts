/**
 * Requests the fuzz suite (fuzz.test.ts) found answering 500, kept as plain cases so that
 * they stay fixed whatever the fuzz's seed. Each was a value no check stopped before it
 * reached PostgreSQL. docs/reliability.md records the runs that found them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, newStandard, tenantWithCentre, testConfig, harnessPerSuite } from '../helpers.js';

describe(`what the fuzz found stays fixed (${engine})`, () => {
  const h = harnessPerSuite(testConfig());

  const refused = (res: { statusCode: number; body: string }, field: string) => {
    assert.equal(res.statusCode, 400, res.body);
    const body = JSON.parse(res.body) as { code: number; errors: { field: string }[] };
    assert.equal(body.code, -100, res.body);
    assert.deepEqual(
      body.errors.map((e) => e.field),
      [field],
      res.body,
    );
  };

  test('GET /Events: an `after` past any sequence, or a number that is not finite, is a 400 naming it (was 500)', async () => {
    const t = await tenantWithCentre(h);
    // Past PostgreSQL's bigint, past JavaScript's exact integers, and not finite at all.
    for (const after of ['1e20', '99999999999999999999', '9223372036854775808', '9007199254740992', 'Infinity', '-Infinity', '1e400']) {
      refused(await t.client.get(`/Events?after=${after}`), 'after');
    }
    for (const limit of ['1e400', 'Infinity']) refused(await t.client.get(`/Events?limit=${limit}`), 'limit');
    refused(await t.client.get('/Events?wait=-Infinity'), 'wait');
    // The largest exact integer is a well-formed `after`: beyond the last event (-127), as before.
    const edge = await t.client.get(`/Events?after=${Number.MAX_SAFE_INTEGER}`);
    assert.equal(edge.statusCode, 400);
    assert.equal(edge.json().code, -127);
    assert.equal((await t.client.get('/Events?after=0')).statusCode, 200);
  });

  test('POST /UnitSummary/Search: a Status no unit summary can have is a 400 naming it (was 500: out of range for the column)', async () => {
    const t = await tenantWithCentre(h);
    for (const Status of [32768, 1304775998, 2147483648, 1e15, -1]) {
      refused(await t.client.post('/UnitSummary/Search', { Status }), 'Status');
      refused(await t.client.post('/UnitSummary/Search/1/10', { Status: String(Status) }), 'Status');
    }
    assert.equal((await t.client.post('/UnitSummary/Search', { Status: 32767 })).statusCode, 204);
  });

  test('a NUL in a unit ID in the path follows the one rule for text (dropped), as in bodies (was 500)', async () => {
    const t = await tenantWithCentre(h);
    await newStandard(h.db, t.customerId, { units: ['KS_COMM1'], organisationIds: [t.organisationId] });
    const found = await t.client.get('/Unit/KS%00_COMM1');
    assert.equal(found.statusCode, 200, found.body);
    assert.equal(found.json().ID, 'KS_COMM1');
    for (const path of ['/Unit/%00', '/Unit/%00/', '/unit/a%00b']) {
      const res = await t.client.get(path);
      assert.equal(res.statusCode, 404, `${path}: ${res.body}`);
    }
    const assign = await t.client.post('/Unit/%00/Assign/1/1');
    assert.equal(assign.statusCode, 404, assign.body);
  });
});
