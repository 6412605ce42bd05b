import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, harness, newCustomer, engine } from '../helpers.js';

describe(`smoke (${engine})`, () => {
  let h: Awaited<ReturnType<typeof harness>>;
  before(async () => { h = await harness(); });
  after(async () => { await h.close(); });
  beforeEach(async () => { await h.reset(); });

  test('a customer token buys a session that reads the customer', async () => {
    const t = await newCustomer(h.db, 'Acme');
    const c = await Client.for(h.app, t.token);
    const res = await c.get('/Customer');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ID: t.customerId, Name: 'Acme' });
  });
});
