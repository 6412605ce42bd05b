import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCodes } from '../../src/contract/errors.js';

test('docs/errors.md lists every error code with its HTTP status and meaning, and no others', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| -\d+ \|/.test(l));
  const expected = Object.entries(ErrorCodes).map(([name, d]) => `| ${d.code} | ${d.status} | \`${name}\` | ${d.text} |`);
  assert.deepEqual(rows, expected);
});

test('error codes are unique and negative', () => {
  const codes = Object.values(ErrorCodes).map((d) => d.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.ok(codes.every((c) => c < 0));
});
