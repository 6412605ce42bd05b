/**
 * The project's own property-based fuzz suite. For every operation in the live OpenAPI
 * document it generates malformed and boundary paths, query strings, bodies (JSON, forms,
 * and neither; generated from the body's schema or near-valid from its documented example)
 * and headers, and checks that no answer is a 5xx, that every error has the documented body,
 * and that the server still answers afterwards.
 *
 * CI runs a small fixed budget with a fixed seed (reproducible). Run it long with
 *   FUZZ_RUNS=10000 node --import tsx test/integration/fuzz.test.ts
 * (add DATABASE_URL=... for PostgreSQL; FUZZ_SEED=n for another sequence; FUZZ_ONLY='^POST /api/v2.1/User$'
 * for some operations only). Run directly like this (not under --test), each operation's
 * line is printed as it finishes: requests, 5xx, malformed error bodies, seconds, and the
 * answers by status. A run does not stop at the first failure: it counts every one, prints
 * the first few of each operation (with the request, to replay) and fails at the end.
 * docs/reliability.md records the long runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { engine, harness, newLearningAimStatus, newStandard, newTemplate, tenantWithCentre, testConfig, type Harness } from '../helpers.js';
import { OPERATOR_KEY, addEntry, operator } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
/** Only the operations whose "METHOD /path" matches this regular expression (for long runs on a few). */
const ONLY = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : undefined;

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  maxLength?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
}
/** What the generators know: the fixture's IDs (by the field names that carry them) and the document's named schemas. */
interface World {
  ids: number[];
  named: Record<string, number | undefined>;
  schemas: Record<string, Schema>;
}
interface Operation {
  method: string;
  path: string;
  params: string[];
  query: string[];
  body?: Schema;
  example?: Record<string, unknown>;
}
interface Tally {
  requests: number;
  fivexx: number;
  malformed: number;
  ms: number;
  statuses: Map<number, number>;
  failures: string[];
}

/** What is wrong with an answer, or undefined: no 5xx, and every error has the documented body. */
function problemWith(statusCode: number, body: string): string | undefined {
  if (statusCode >= 500) return `answered ${statusCode}`;
  if (statusCode < 400) return undefined;
  let parsed: { code?: unknown; message?: unknown; errors?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return `error body is not JSON`;
  }
  if (parsed === null || typeof parsed !== 'object') return 'error body is not an object';
  if (typeof parsed.code !== 'number' || parsed.code >= 0) return 'error code is not a negative number';
  if (typeof parsed.message !== 'string') return 'error message is not a string';
  if (parsed.errors !== undefined && !Array.isArray(parsed.errors)) return 'errors is not an array';
  return undefined;
}

function line(op: string, n: Tally): string {
  const statuses = [...n.statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([s, c]) => `${s}:${c}`)
    .join(' ');
  return `fuzz ${engine} ${op}: ${n.requests} requests, ${n.fivexx} 5xx, ${n.malformed} malformed, ${(n.ms / 1000).toFixed(1)} s [${statuses}]`;
}

const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

const oddScalars: unknown[] = [
  'Infinity',
  '-Infinity',
  'NaN',
  1.5,
  0.1,
  -0,
  1e308,
  2147483648,
  -2147483649,
  // biome-ignore lint/correctness/noPrecisionLoss: a number past float precision is the point
  9007199254740993,
  '1e400',
  '0x1F',
  '1e3',
  ' 7 ',
  '',
  ' ',
  null,
  true,
  false,
  'true',
  'FALSE',
  {},
  [],
  [[]],
  { 0: 'a', 1: 'b' },
  { a: { b: 1 } },
  '١٢٣',
  '\u0000',
  'a\u0000b',
  '\udc00',
  'é\udc00',
  '\ud800x',
  '€',
  '😀',
  '"',
  '\\',
  '%00',
  '<script>',
  "' OR 1=1 --",
  '2022-02-30',
  '2024-13-01',
  '2024-01-01T25:00:00Z',
  '2024-01-01T10:00:00+01:00',
  '2024-01-01',
  '99999-01-01',
  '9999999999',
  '1234567890',
  'AB123456C',
  'QQ123456C',
  '*',
  '**',
  '%',
  '_',
  'a@b.c',
  '@',
  'a@b',
  `${'a'.repeat(50_000)}@b.c`,
];

/** Bodies are named schemas in the document (`$ref`): follow them, or there are no properties to fuzz. */
function resolve(schema: Schema, w: World): Schema {
  let s = schema;
  for (let depth = 0; s.$ref && depth < 10; depth++) s = w.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {};
  return s;
}

function valueFor(given: Schema, w: World): fc.Arbitrary<unknown> {
  const schema = resolve(given, w);
  const odd = fc.constantFrom(...oddScalars);
  if (schema.anyOf?.length) return fc.oneof(...schema.anyOf.map((s) => valueFor(s, w)), odd);
  const max = schema.maxLength ?? 100;
  const text = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('x'.repeat(max), 'é'.repeat(max), 'x'.repeat(max + 1), '😀'.repeat(max), `${'*'.repeat(max - 1)}a`),
  );
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return fc.oneof(fc.constantFrom(...w.ids), fc.integer({ min: -3, max: 60 }), fc.integer().map(String), odd);
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('TRUE', '0', '1', 'yes', 2), odd);
    case 'array':
      return fc.oneof(fc.array(valueFor(schema.items ?? {}, w), { maxLength: 60 }), odd);
    case 'object':
      return fc.oneof(recordFor(schema, w), odd);
    case 'string':
      return fc.oneof(text, odd);
    default:
      return fc.oneof(text, odd, fc.integer());
  }
}

/** Most keys of the schema (in any letter case), each with a generated value, and some unknown keys. */
function recordFor(given: Schema, w: World): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(resolve(given, w).properties ?? {});
  return fc
    .tuple(
      ...entries.map(([name, prop]) =>
        fc.option(fc.tuple(fc.constantFrom(name, name.toLowerCase(), name.toUpperCase()), valueFor(prop, w)), { nil: undefined }),
      ),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.constantFrom(...oddScalars), { maxKeys: 3 }),
    )
    .map((parts) => {
      const extra = parts.pop() as Record<string, unknown>;
      const out: Record<string, unknown> = { ...extra };
      for (const p of parts as ([string, unknown] | undefined)[]) if (p) out[p[0]] = p[1];
      return out;
    });
}

/**
 * The operation's documented example, its IDs swapped for the fixture's, with up to two
 * fields changed to generated values or left out: bodies that get past validation, so the
 * rules behind it (references, states, uniqueness, the writes) meet odd input too.
 */
function nearValid(given: Schema, example: Record<string, unknown>, w: World): fc.Arbitrary<Record<string, unknown>> {
  const base: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(example)) {
    if (!(k in w.named) || typeof v !== 'number') base[k] = v;
    else if (w.named[k] !== undefined) base[k] = w.named[k];
  }
  const props = Object.entries(resolve(given, w).properties ?? {});
  if (props.length === 0) return fc.constant(base);
  return fc
    .array(fc.tuple(fc.constantFrom(...props), fc.boolean()), { maxLength: 2 })
    .chain((changes) =>
      fc.tuple(...changes.map(([[name, prop], drop]) => (drop ? fc.constant([name, undefined] as const) : valueFor(prop, w).map((v) => [name, v] as const)))),
    )
    .map((changes) => {
      const out = { ...base };
      for (const [name, value] of changes) {
        if (value === undefined) delete out[name];
        else out[name] = value;
      }
      return out;
    });
}

/** A body: a generated record, a near-valid one (where the document has an example), or no object at all. */
function bodyFor(op: Operation, w: World): fc.Arbitrary<unknown> {
  const record = recordFor(op.body ?? {}, w);
  return fc.oneof({ weight: 4, arbitrary: record }, ...(op.example ? [{ weight: 3, arbitrary: nearValid(op.body ?? {}, op.example, w) }] : []), {
    weight: 1,
    arbitrary: fc.constantFrom(...oddScalars),
  });
}

/** Percent-encoding that, like a careless client, also writes a lone surrogate (as the three bytes no decoder accepts). */
function encodeLoosely(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0xd800 || c > 0xdfff) {
      out += encodeURIComponent(ch);
      continue;
    }
    for (const byte of [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]) out += `%${byte.toString(16).toUpperCase()}`;
  }
  return out;
}

/**
 * A query string: the operation's own parameters (and unknown ones), repeated, in other
 * letter cases, with odd values. `wait` never asks to wait (that would only make the run slow).
 */
function queryFor(op: Operation): fc.Arbitrary<string> {
  const names = [...op.query, ...op.query.map((n) => n.toUpperCase()), ...op.query.map((n) => `${n}[]`), 'x'];
  const value = fc.oneof(
    fc.integer({ min: -3, max: 60 }).map(String),
    fc.constantFrom(...pathValues, '9007199254740992', '1e20', '', '1 2'),
    fc
      .constantFrom(...oddScalars)
      .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)))
      .map(encodeLoosely),
    fc.string({ unit: 'binary', maxLength: 12 }).map(encodeLoosely),
  );
  const waits = (v: string) => {
    try {
      return Number(decodeURIComponent(v)) > 0;
    } catch {
      return false;
    }
  };
  return fc
    .array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 4 })
    .map((pairs) => pairs.map(([n, v]) => `${n}=${n === 'wait' && waits(v) ? '0' : v}`).join('&'));
}

const rawBodies = [
  '{',
  '{"a":',
  '[1,2]',
  '"text"',
  '123',
  'null',
  'a=1&a=2&b[]=x&c[0]=y',
  '%%%',
  '\u0000',
  '{"OrganisationID": 1e999}',
  `{"Name":"${'x'.repeat(300_000)}"}`,
];

function formOf(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return String(body);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) for (const item of v) form.append(`${k}[]`, typeof item === 'object' ? JSON.stringify(item) : String(item));
    else form.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  }
  return form.toString();
}

/** The fixture's unit IDs (units are named by text, and are path values too). */
const unitIds = ['KS_COMM1', 'archive'];

const pathValues = [
  ...unitIds,
  '0',
  '-1',
  'abc',
  '2147483647',
  '2147483648',
  '99999999999999999999',
  'Infinity',
  '-Infinity',
  'NaN',
  '1.5',
  '1e3',
  '%201',
  '%00',
  '%2e%2e',
  '%C0%AF',
  '0x10',
  'null',
  '1%2F2',
  '%F0%9F%98%80',
  '%ED%B0%80',
  'x'.repeat(5000),
];

describe(`fuzz: every operation, malformed and boundary input, no 5xx (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  let session: string;
  let ids: number[];
  let world: World;
  const operations: Operation[] = [];
  const tally = new Map<string, Tally>();
  const started = Date.now();

  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '1000000000', OPERATOR_KEY }));
    await h.reset();
    const t = await tenantWithCentre(h);
    const create = (body: Record<string, unknown>) =>
      t.client.post('/User', { OrganisationID: t.organisationId, FirstName: 'Fuzz', LastName: 'Case', Email: 'f@example.com', ...body });
    const assessor = (await create({ Role: 5 })).json<{ ID: number }>().ID;
    const employer = (await create({ Role: 40, PlacementID: t.placementId })).json<{ ID: number }>().ID;
    const learner = (await create({ Role: 1, ClassroomID: t.classroomId, PlacementID: t.placementId, DefaultAssessorID: assessor })).json<{ ID: number }>().ID;
    // One of everything a path or a body can name, so that generated IDs reach real records.
    const standard = await newStandard(h.db, t.customerId, { units: unitIds, organisationIds: [t.organisationId] });
    const aimStatus = await newLearningAimStatus(h.db, t.organisationId, 'On programme');
    const template = await newTemplate(h.db, t.customerId, t.organisationId, 'Fuzz template', [{ standardId: standard.id, unitId: unitIds[0]! }]);
    const aim = JSON.parse((await t.client.post(`/Standard/${standard.id}/Assign/${learner}`)).body) as number;
    const visit = JSON.parse(
      (await t.client.post('/Visit', { LearnerID: learner, AssessorID: assessor, DateFrom: '2026-10-05T09:00:00Z', DateTo: '2026-10-05T10:00:00Z' })).body,
    ) as number;
    const review = JSON.parse((await t.client.post('/Review', { LearnerID: learner, AssessorID: assessor, VisitID: visit })).body) as number;
    const provider = JSON.parse((await t.client.post('/Provider', { Name: 'Fuzz provider' })).body) as number;
    const plan = (
      (await operator(h, 'plan.add', { customerId: t.customerId, learnerId: learner, title: 'Plan', planOn: '2026-10-01' })).body.result as { ID: number }
    ).ID;
    await addEntry(h, t, learner, '2026-10-05T09:00:00Z', '2026-10-05T15:00:00Z');
    ids = [t.organisationId, t.classroomId, t.placementId, assessor, employer, learner, standard.id, aimStatus, template, aim, visit, review, provider, plan];
    assert.ok(
      ids.every((id) => Number.isInteger(id) && id > 0),
      `fixture IDs: ${ids.join(', ')}`,
    );
    const named = {
      OrganisationID: t.organisationId,
      ClassroomID: t.classroomId,
      PlacementID: t.placementId,
      DefaultAssessorID: assessor,
      AssessorID: assessor,
      EmployerID: employer,
      DefaultEmployerID: employer,
      LearnerID: learner,
      UserID: learner,
      StandardID: standard.id,
      Status: aimStatus,
      VisitID: visit,
      ReviewID: review,
      ProviderID: provider,
      LearnerStatusID: undefined,
    };
    session = t.client.session;
    type Doc = {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: Schema; example?: Record<string, unknown> }> } }
        >
      >;
      components: { schemas: Record<string, Schema> };
    };
    const doc = (h.app as unknown as { swagger(): Doc }).swagger();
    world = { ids, named, schemas: doc.components.schemas };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const content = op.requestBody?.content ?? {};
        const media = content['application/json'] ?? Object.values(content)[0];
        operations.push({
          method: method.toUpperCase(),
          path,
          params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
          query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          ...(media ? { body: media.schema } : {}),
          ...(media?.example ? { example: media.example } : {}),
        });
      }
    }
    // Deleting and archiving the fixture's people would leave later operations nothing real to name: those go last.
    const last = (op: Operation) => (op.method === 'DELETE' || /\/(Archive|Unarchive)$/.test(op.path) ? 1 : 0);
    operations.sort((a, b) => last(a) - last(b));
  });

  after(async () => {
    const total = [...tally.values()].reduce(
      (a, b) => ({ requests: a.requests + b.requests, fivexx: a.fivexx + b.fivexx, malformed: a.malformed + b.malformed }),
      { requests: 0, fivexx: 0, malformed: 0 },
    );
    console.log(
      `fuzz ${engine} total: ${tally.size} operations, ${total.requests} requests, ${total.fivexx} 5xx, ${total.malformed} malformed ` +
        `(seed ${SEED}, ${RUNS} runs per operation${ONLY ? `, FUZZ_ONLY ${ONLY.source}` : ''}, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
    await h.close();
  });

  test('every operation answers malformed input with 4xx (or 2xx), never 5xx, and keeps answering', async () => {
    assert.ok(operations.length >= 20, `only ${operations.length} operations in the OpenAPI document`);
    for (const op of operations) {
      const key = `${op.method} ${op.path}`;
      if (ONLY && !ONLY.test(key)) continue;
      const count: Tally = { requests: 0, fivexx: 0, malformed: 0, ms: 0, statuses: new Map(), failures: [] };
      tally.set(key, count);
      const opStarted = Date.now();
      const request = fc.record({
        params: fc.tuple(
          ...op.params.map(() =>
            fc.oneof(fc.constantFrom(...ids.map(String)), fc.constantFrom(...pathValues), fc.string({ maxLength: 12 }).map(encodeURIComponent)),
          ),
        ),
        body: bodyFor(op, world),
        encoding: fc.constantFrom('json', 'json', 'form', 'raw', 'none'),
        raw: fc.constantFrom(...rawBodies),
        contentType: fc.constantFrom<string | undefined>(
          undefined,
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
        ),
        token: fc.constantFrom<'good' | 'quoted' | 'bad' | 'none' | 'huge'>('good', 'good', 'good', 'good', 'good', 'quoted', 'bad', 'none', 'huge'),
        query: queryFor(op),
        trailingSlash: fc.boolean(),
        lowerCase: fc.boolean(),
      });
      // Failures are counted, not thrown: a long run reports all of them, not the first.
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          let url = op.path;
          op.params.forEach((name, i) => {
            url = url.replace(`{${name}}`, r.params[i] as string);
          });
          if (r.lowerCase) url = url.toLowerCase();
          if (r.trailingSlash) url += '/';
          if (r.query) url += `?${r.query}`;
          const headers: Record<string, string> = {};
          if (r.token === 'good') headers['x-tokenid'] = session;
          if (r.token === 'quoted') headers['x-tokenid'] = `"${session}"`;
          if (r.token === 'bad') headers['x-tokenid'] = 'not-a-token';
          if (r.token === 'huge') headers['x-tokenid'] = 'x'.repeat(8000);
          if (op.path.endsWith('/Authentication')) headers['x-customertoken'] = r.token === 'good' ? 'wrong' : (headers['x-tokenid'] ?? '');
          const payload = r.encoding === 'json' ? JSON.stringify(r.body) : r.encoding === 'form' ? formOf(r.body) : r.encoding === 'raw' ? r.raw : undefined;
          const contentType =
            r.contentType ?? (r.encoding === 'form' ? 'application/x-www-form-urlencoded' : r.encoding === 'json' ? 'application/json' : undefined);
          if (contentType && payload !== undefined) headers['content-type'] = contentType;
          const res = await h.app.inject({ method: op.method as 'GET', url, headers, ...(payload !== undefined && op.method !== 'GET' ? { payload } : {}) });
          count.requests++;
          count.statuses.set(res.statusCode, (count.statuses.get(res.statusCode) ?? 0) + 1);
          const problem = problemWith(res.statusCode, res.body);
          if (problem === undefined) return;
          if (res.statusCode >= 500) count.fivexx++;
          else count.malformed++;
          if (count.failures.length < 5) {
            count.failures.push(
              `${op.method} ${url} ${problem}: ${res.body.slice(0, 300)}\n  content-type: ${contentType ?? '(none)'}, token: ${r.token}, body: ${String(payload).slice(0, 300)}`,
            );
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      count.ms = Date.now() - opStarted;
      console.log(line(key, count));
      // Still answering, and still right.
      const alive = await h.app.inject({ method: 'GET', url: '/api/v2.1/Customer', headers: { 'x-tokenid': session } });
      assert.equal(alive.statusCode, 200, `after ${key}: ${alive.body}`);
    }
    const failed = [...tally].filter(([, n]) => n.failures.length > 0);
    assert.deepEqual(
      failed.map(([op, n]) => `${op}: ${n.fivexx} 5xx, ${n.malformed} malformed in ${n.requests} requests; first:\n${n.failures.join('\n')}`),
      [],
    );
  });
});
