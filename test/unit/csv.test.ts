import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { plainRecords } from '../../src/cli/csv.js';

const parsed = (text: string) => parse(text, { bom: true, relax_column_count: true }) as string[][];

test('a file without quotes is split exactly as the CSV parser reads it', () => {
  const cell = fc.string({ unit: fc.constantFrom('a', 'Z', '7', ' ', ';', '@', '-', 'é', '\t') });
  const file = fc.record({
    rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 8 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    trailing: fc.boolean(),
  });
  fc.assert(
    fc.property(file, ({ rows, crlf, bom, trailing }) => {
      const eol = crlf ? '\r\n' : '\n';
      const text = `${bom ? '\ufeff' : ''}${rows.map((r) => r.join(',')).join(eol)}${trailing && rows.length > 0 ? eol : ''}`;
      assert.deepEqual(plainRecords(text), parsed(text));
    }),
    { seed: 20_261_203, numRuns: 500 },
  );
});

test('a quote or a bare carriage return leaves the file to the parser', () => {
  assert.equal(plainRecords('a,"b,c"\n'), undefined);
  assert.equal(plainRecords('a,b\rc,d\r'), undefined);
  assert.deepEqual(plainRecords('a,b\r\nc,d\r\n'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
});
