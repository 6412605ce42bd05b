import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonArray } from '../../packages/client/src/json-array-stream.js';

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(text: string, size: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of parseJsonArray(chunked(text, size))) out.push(v);
  return out;
}

test('the streaming parser yields each element of a JSON array, however the bytes are split', async () => {
  const value = [{ ID: 1, Name: 'Zoë "Z" O\'Neil', Tags: ['a,b', '[x]', '{y}'], Nested: { a: [1, { b: '\\' }] } }, 42, 'KS_COMM1', null, true, -1.5e3, [], {}];
  const text = ` \n${JSON.stringify(value, null, 2)}\n`;
  for (const size of [1, 2, 3, 7, 64, 100_000]) assert.deepEqual(await collect(text, size), value, `chunks of ${size}`);
  assert.deepEqual(await collect('[]', 1), []);
  assert.deepEqual(await collect('', 1), [], 'an empty body is no rows');
});

test('the streaming parser refuses what is not one whole JSON array', async () => {
  await assert.rejects(collect('{"a":1}', 3), SyntaxError);
  await assert.rejects(collect('[{"a":1},', 3), /ended early/);
  await assert.rejects(collect('[1] x', 3), SyntaxError);
  await assert.rejects(collect('[1,,2]', 3), SyntaxError);
});
