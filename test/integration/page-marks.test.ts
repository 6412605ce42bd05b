import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, harness, tenantWithCentre, type Harness } from '../helpers.js';
import { PageMarks } from '../../src/server/db/search.js';
import { TextLimits } from '../../src/contract/common.js';

describe(`page marks stay bounded whatever filters clients send (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  const capacity = 50;
  before(async () => { h = await harness(undefined, { pageMarks: capacity }); });
  after(async () => { await h.close(); });
  beforeEach(async () => { await h.reset(); });

  test('a flood of distinct, longest-allowed matching filters keeps at most the capacity, each entry a fixed-size digest', async () => {
    const t = await tenantWithCentre(h);
    const marks = (h.app as unknown as { pageMarks: PageMarks }).pageMarks;
    // Every filter is distinct, as long as a filter may be, and matches "Class A", so each
    // page read leaves a mark.
    const filters = Array.from({ length: 4 * capacity }, (_, i) => {
      const head = '*'.repeat(i % 100 + 1);
      return `${head}a${'*'.repeat(TextLimits.name - head.length - 1 - Math.floor(i / 100))}`;
    });
    assert.equal(new Set(filters).size, filters.length);
    for (const Name of filters) {
      const res = await t.client.post('/Classroom/Search/1/10', { Name });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal(marks.size, capacity, 'older marks make way for newer ones');
    assert.ok(marks.maxBytes <= capacity * PageMarks.ENTRY_BYTES);
    // The stored keys are digests, not the filters.
    const keys = [...(marks as unknown as { marks: Map<string, unknown> }).marks.keys()];
    assert.ok(keys.every((k) => k.length === 43), 'keys are base64url SHA-256 digests');
    // A filter longer than the limit never gets as far as a mark: it is a 400.
    const tooLong = await t.client.post('/Classroom/Search/1/10', { Name: `*${'x'.repeat(1_000_000)}` });
    assert.equal(tooLong.statusCode, 400);
    assert.equal(tooLong.json().errors[0].field, 'Name');
  });
});
