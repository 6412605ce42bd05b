// test-runner: own-process (it measures or starts processes of its own; see test/run.mjs)
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { engine, harness, tenantWithCentre, testConfig, type Harness } from '../helpers.js';
import { PageMarks } from '../../src/server/db/search.js';
import { TextLimits } from '../../src/contract/common.js';

/** A full collection on demand, without a command-line flag (so the file runs under plain `node --test`). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe(`page marks stay bounded whatever filters clients send (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  const capacity = 50;
  // The flood below is thousands of calls in a few seconds: the per-minute limit is not what is tested.
  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '1000000' }), { pageMarks: capacity });
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  test('a flood of distinct, longest-allowed matching filters keeps at most the capacity, each entry a fixed-size digest', async () => {
    const t = await tenantWithCentre(h);
    const marks = (h.app as unknown as { pageMarks: PageMarks }).pageMarks;
    // Every filter is distinct, as long as a filter may be, and matches "Class A", so each
    // page read leaves a mark.
    const filters = Array.from({ length: 4 * capacity }, (_, i) => {
      const head = '*'.repeat((i % 100) + 1);
      return `${head}a${'*'.repeat(TextLimits.name - head.length - 1 - Math.floor(i / 100))}`;
    });
    assert.equal(new Set(filters).size, filters.length);
    for (const Name of filters) {
      const res = await t.client.post('/Classroom/Search/1/10', { Name });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal(marks.size, capacity, 'older marks make way for newer ones');
    assert.ok(marks.maxBytes <= capacity * (PageMarks.ENTRY_BYTES + PageMarks.COUNT_BYTES));
    // The stored keys are digests, not the filters.
    const keys = [...(marks as unknown as { marks: Map<string, unknown> }).marks.keys()];
    assert.ok(
      keys.every((k) => k.length === 43),
      'keys are base64url SHA-256 digests',
    );
    // A filter longer than the limit never gets as far as a mark: it is a 400.
    const tooLong = await t.client.post('/Classroom/Search/1/10', { Name: `*${'x'.repeat(1_000_000)}` });
    assert.equal(tooLong.statusCode, 400);
    assert.equal(tooLong.json().errors[0].field, 'Name');
  });

  test('a flood of thousands of distinct, largest-allowed filters leaves the heap where it was: nothing keeps the filters', async (ctx) => {
    const t = await tenantWithCentre(h);
    // A user every filter below matches, so that every search leaves a mark. The names hold
    // characters outside Latin-1 (lower case, so that lower() agrees in any locale), so the
    // filters that match them take two bytes a character in the JavaScript heap.
    // MISID filters match exactly (no wildcards): the user's is as long as a MISID may be.
    const misId = 'ś'.repeat(TextLimits.name);
    const created = await t.client.post('/User', {
      OrganisationID: t.organisationId,
      Role: 5,
      FirstName: 'łucja',
      LastName: 'ńg',
      MISID: misId,
      Email: 'zoe@example.com',
    });
    assert.equal(created.statusCode, 200, created.body);
    const marks = (h.app as unknown as { pageMarks: PageMarks }).pageMarks;
    // `length` characters: `middle` with at least one wildcard either side, at one of length - 2 places.
    const wild = (length: number, i: number, middle: string) => {
      const head = 1 + (i % (length - 2));
      return `${'*'.repeat(head)}${middle}${'*'.repeat(length - 1 - head)}`;
    };
    // Every text field of the user filter at its limit, and every filter distinct.
    const filterOf = (i: number) => ({
      FirstName: wild(TextLimits.name, i, 'ł'),
      LastName: wild(TextLimits.name, Math.floor(i / (TextLimits.name - 2)), 'ń'),
      MISID: misId,
      Email: wild(TextLimits.email, i * 13, '@'),
    });
    const search = async (i: number) => {
      const res = await t.client.post('/User/Search/1/10', filterOf(i));
      assert.equal(res.statusCode, 200, `filter ${i}: ${JSON.stringify(filterOf(i))}`);
    };
    const gc = collector();
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    // Warm up first (compiled code, pools, the first marks: the heap settles after about a
    // thousand calls), then measure from there.
    for (let i = 0; i < 1000; i++) await search(100_000 + i);
    const before = heap();
    const flood = 2500;
    let filterBytes = 0;
    for (let i = 0; i < flood; i++) {
      const f = filterOf(i);
      // What keeping this filter would cost in the heap: a byte a character for Latin-1 text, two otherwise.
      filterBytes += Object.values(f).reduce((n, v) => n + v.length * ([...v].some((c) => c.charCodeAt(0) > 0xff) ? 2 : 1), 0);
      await search(i);
    }
    const grown = heap() - before;
    const MB = 1024 * 1024;
    ctx.diagnostic(
      `heap grew by ${(grown / MB).toFixed(2)} MB over ${flood} distinct filters carrying ${(filterBytes / MB).toFixed(2)} MB (marks: at most ${marks.maxBytes} bytes)`,
    );
    // Were every filter kept (as a key, a cached pattern, anything), the heap would grow by
    // at least filterBytes (about 3.6 MB); bounded marks cost at most maxBytes. The rest of
    // the bound is the collector's slack (measured: under 0.3 MB either way).
    assert.ok(filterBytes > 3.5 * MB, `the flood carries ${filterBytes} bytes of filters`);
    assert.ok(
      grown < marks.maxBytes + 1.5 * MB,
      `the heap grew by ${(grown / MB).toFixed(2)} MB after ${flood} distinct filters of ${(filterBytes / MB).toFixed(1)} MB in all`,
    );
    assert.equal(marks.size, capacity);
  });
});
