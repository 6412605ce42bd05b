/**
 * The project's own property-based fuzz suite. For every operation in the live OpenAPI
 * document it generates malformed and boundary paths, bodies (JSON, forms, and neither) and
 * headers, and checks that no answer is a 5xx, that every error has the documented body,
 * and that the server still answers afterwards.
 *
 * CI runs a small fixed budget with a fixed seed (reproducible). Run it long with
 *   FUZZ_RUNS=10000 node --import tsx --test test/integration/fuzz.test.ts
 * (add DATABASE_URL=... for PostgreSQL; FUZZ_SEED=n for another sequence; FUZZ_ONLY='^POST /api/v2.1/User$'
 * for some operations only).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { engine, harness, tenantWithCentre, testConfig, type Harness } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
/** Only the operations whose "METHOD /path" matches this regular expression (for long runs on a few). */
const ONLY = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : undefined;

interface Schema {
  type?: string | string[];
  format?: string;
  maxLength?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
}
interface Operation { method: string; path: string; params: string[]; body?: Schema }

const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

const oddScalars: unknown[] = [
  // biome-ignore lint/correctness/noPrecisionLoss: a number past float precision is the point
  'Infinity', '-Infinity', 'NaN', 1.5, 0.1, -0, 1e308, 2147483648, -2147483649, 9007199254740993, '1e400', '0x1F', '1e3',
  ' 7 ', '', ' ', null, true, false, 'true', 'FALSE', {}, [], [[]], { 0: 'a', 1: 'b' }, { a: { b: 1 } }, '١٢٣',
  '\u0000', 'a\u0000b', '\udc00', 'é\udc00', '\ud800x', '€', '😀', '"', '\\', '%00', '<script>', "' OR 1=1 --",
  '2022-02-30', '2024-13-01', '2024-01-01T25:00:00Z', '2024-01-01T10:00:00+01:00', '2024-01-01', '99999-01-01',
  '9999999999', '1234567890', 'AB123456C', 'QQ123456C', '*', '**', '%', '_', 'a@b.c', '@', 'a@b', `${'a'.repeat(50_000)}@b.c`,
];

function valueFor(schema: Schema, ids: number[]): fc.Arbitrary<unknown> {
  const odd = fc.constantFrom(...oddScalars);
  const max = schema.maxLength ?? 100;
  const text = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('x'.repeat(max), 'é'.repeat(max), 'x'.repeat(max + 1), '😀'.repeat(max), `${'*'.repeat(max - 1)}a`),
  );
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return fc.oneof(fc.constantFrom(...ids), fc.integer({ min: -3, max: 60 }), fc.integer().map(String), odd);
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('TRUE', '0', '1', 'yes', 2), odd);
    case 'array':
      return fc.oneof(fc.array(valueFor(schema.items ?? {}, ids), { maxLength: 60 }), odd);
    case 'string':
      return fc.oneof(text, odd);
    default:
      return fc.oneof(text, odd, fc.integer());
  }
}

/** A body: most keys of the schema (in any letter case), some unknown ones, or no object at all. */
function bodyFor(schema: Schema | undefined, ids: number[]): fc.Arbitrary<unknown> {
  const entries = Object.entries(schema?.properties ?? {});
  const record = fc.tuple(
    ...entries.map(([name, prop]) => fc.option(fc.tuple(fc.constantFrom(name, name.toLowerCase(), name.toUpperCase()), valueFor(prop, ids)), { nil: undefined })),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.constantFrom(...oddScalars), { maxKeys: 3 }),
  ).map((parts) => {
    const extra = parts.pop() as Record<string, unknown>;
    const out: Record<string, unknown> = { ...extra };
    for (const p of parts as ([string, unknown] | undefined)[]) if (p) out[p[0]] = p[1];
    return out;
  });
  return fc.oneof({ weight: 6, arbitrary: record }, { weight: 1, arbitrary: fc.constantFrom(...oddScalars) });
}

const rawBodies = ['{', '{"a":', '[1,2]', '"text"', '123', 'null', 'a=1&a=2&b[]=x&c[0]=y', '%%%', '\u0000', '{"OrganisationID": 1e999}', `{"Name":"${'x'.repeat(300_000)}"}`];

function formOf(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return String(body);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) for (const item of v) form.append(`${k}[]`, typeof item === 'object' ? JSON.stringify(item) : String(item));
    else form.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  }
  return form.toString();
}

const pathValues = [
  '0', '-1', 'abc', '2147483647', '2147483648', '99999999999999999999', 'Infinity', '-Infinity', 'NaN', '1.5', '1e3', '%201',
  '%00', '%2e%2e', '%C0%AF', '0x10', 'null', '1%2F2', '%F0%9F%98%80', '%ED%B0%80', 'x'.repeat(5000),
];

describe(`fuzz: every operation, malformed and boundary input, no 5xx (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  let session: string;
  let ids: number[];
  const operations: Operation[] = [];
  const tally = new Map<string, { requests: number; fivexx: number }>();

  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '1000000000' }));
    await h.reset();
    const t = await tenantWithCentre(h);
    const create = (body: Record<string, unknown>) => t.client.post('/User', { OrganisationID: t.organisationId, FirstName: 'Fuzz', LastName: 'Case', Email: 'f@example.com', ...body });
    const assessor = (await create({ Role: 5 })).json<{ ID: number }>().ID;
    const employer = (await create({ Role: 40, PlacementID: t.placementId })).json<{ ID: number }>().ID;
    const learner = (await create({ Role: 1, ClassroomID: t.classroomId, PlacementID: t.placementId, DefaultAssessorID: assessor })).json<{ ID: number }>().ID;
    ids = [t.organisationId, t.classroomId, t.placementId, assessor, employer, learner];
    session = t.client.session;
    const doc = (h.app as unknown as { swagger(): { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>> } }).swagger();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const content = op.requestBody?.content ?? {};
        const body = content['application/json']?.schema ?? Object.values(content)[0]?.schema;
        operations.push({ method: method.toUpperCase(), path, params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), ...(body ? { body } : {}) });
      }
    }
  });

  after(async () => {
    const total = [...tally.values()].reduce((a, b) => ({ requests: a.requests + b.requests, fivexx: a.fivexx + b.fivexx }), { requests: 0, fivexx: 0 });
    // One line per operation, for the record of a long run.
    for (const [op, n] of tally) console.log(`fuzz ${engine} ${op}: ${n.requests} requests, ${n.fivexx} 5xx`);
    console.log(`fuzz ${engine} total: ${total.requests} requests, ${total.fivexx} 5xx (seed ${SEED}, ${RUNS} runs per operation)`);
    await h.close();
  });

  test('every operation answers malformed input with 4xx (or 2xx), never 5xx, and keeps answering', async () => {
    assert.ok(operations.length >= 20, `only ${operations.length} operations in the OpenAPI document`);
    for (const op of operations) {
      const key = `${op.method} ${op.path}`;
      if (ONLY && !ONLY.test(key)) continue;
      const count = { requests: 0, fivexx: 0 };
      tally.set(key, count);
      const request = fc.record({
        params: fc.tuple(...op.params.map(() => fc.oneof(fc.constantFrom(...ids.map(String)), fc.constantFrom(...pathValues), fc.string({ maxLength: 12 }).map(encodeURIComponent)))),
        body: bodyFor(op.body, ids),
        encoding: fc.constantFrom('json', 'json', 'form', 'raw', 'none'),
        raw: fc.constantFrom(...rawBodies),
        contentType: fc.constantFrom<string | undefined>(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'),
        token: fc.constantFrom<'good' | 'quoted' | 'bad' | 'none' | 'huge'>('good', 'good', 'good', 'quoted', 'bad', 'none', 'huge'),
        trailingSlash: fc.boolean(),
        lowerCase: fc.boolean(),
      });
      await fc.assert(fc.asyncProperty(request, async (r) => {
        let url = op.path;
        op.params.forEach((name, i) => { url = url.replace(`{${name}}`, r.params[i] as string); });
        if (r.lowerCase) url = url.toLowerCase();
        if (r.trailingSlash) url += '/';
        const headers: Record<string, string> = {};
        if (r.token === 'good') headers['x-tokenid'] = session;
        if (r.token === 'quoted') headers['x-tokenid'] = `"${session}"`;
        if (r.token === 'bad') headers['x-tokenid'] = 'not-a-token';
        if (r.token === 'huge') headers['x-tokenid'] = 'x'.repeat(8000);
        if (op.path.endsWith('/Authentication')) headers['x-customertoken'] = r.token === 'good' ? 'wrong' : headers['x-tokenid'] ?? '';
        const payload = r.encoding === 'json' ? JSON.stringify(r.body) : r.encoding === 'form' ? formOf(r.body) : r.encoding === 'raw' ? r.raw : undefined;
        const contentType = r.contentType ?? (r.encoding === 'form' ? 'application/x-www-form-urlencoded' : r.encoding === 'json' ? 'application/json' : undefined);
        if (contentType && payload !== undefined) headers['content-type'] = contentType;
        const res = await h.app.inject({ method: op.method as 'GET', url, headers, ...(payload !== undefined && op.method !== 'GET' ? { payload } : {}) });
        count.requests++;
        if (res.statusCode >= 500) count.fivexx++;
        assert.ok(res.statusCode < 500, `${op.method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}\nbody: ${String(payload).slice(0, 300)}`);
        if (res.statusCode >= 400) {
          const body = JSON.parse(res.body) as { code?: unknown; message?: unknown; errors?: unknown };
          assert.equal(typeof body.code, 'number', res.body);
          assert.ok((body.code as number) < 0, res.body);
          assert.equal(typeof body.message, 'string', res.body);
          if (body.errors !== undefined) assert.ok(Array.isArray(body.errors), res.body);
        }
      }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
      // Still answering, and still right.
      const alive = await h.app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': session } });
      assert.equal(alive.statusCode, 200, `after ${key}: ${alive.body}`);
    }
  });
});
