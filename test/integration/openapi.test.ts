// The OpenAPI document is a product: a generated client needs an operationId on every
// operation, named types, and each operation's error answers; "Try it out" on /docs needs
// examples that work against the demo. This walks the document the app serves and replays
// its examples against a freshly seeded demo.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, harness } from '../helpers.js';
import { ErrorCodes } from '../../src/contract/errors.js';
import { DEMO_TOKEN, seedDemo } from '../../src/server/demo/demo.js';

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId?: string;
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, { schema: Json; example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
  security?: Record<string, string[]>[];
  'x-error-codes'?: number[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const codeStatus = new Map<number, number>(Object.values(ErrorCodes).map((e) => [e.code, e.status]));

/** Every place below `node` that holds an object schema written out instead of referenced. */
function anonymousObjects(node: unknown, path: string, found: string[] = []): string[] {
  if (Array.isArray(node))
    node.forEach((n, i) => {
      anonymousObjects(n, `${path}/${i}`, found);
    });
  else if (typeof node === 'object' && node !== null) {
    const o = node as Json;
    if (o.type === 'object' || 'properties' in o) found.push(path);
    for (const [k, v] of Object.entries(o)) if (k !== 'example' && k !== 'examples') anonymousObjects(v, `${path}/${k}`, found);
  }
  return found;
}

describe(`the OpenAPI document (${engine})`, () => {
  let h: Awaited<ReturnType<typeof harness>>;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Json> } };
  const operations: { method: string; path: string; op: Operation }[] = [];
  before(async () => {
    h = await harness();
    const res = await h.app.inject({ method: 'GET', url: '/api/v2.1/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) if (item[method]) operations.push({ method, path, op: item[method] });
    }
  });
  after(async () => {
    await h.close();
  });

  test('every operation has a unique camelCase operationId', () => {
    assert.ok(operations.length >= 20);
    const ids = operations.map(({ method, path, op }) => {
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]*$/, `${method.toUpperCase()} ${path} has no operationId`);
      return op.operationId;
    });
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  test('request and response bodies name their object schemas, and every reference resolves', () => {
    const anonymous = operations.flatMap(({ method, path, op }) =>
      anonymousObjects({ requestBody: op.requestBody, responses: op.responses }, `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(anonymous, [], 'object schemas must have a title (they become #/components/schemas/<title>)');
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = ref.slice('"#/components/schemas/'.length, -1);
      assert.ok(doc.components.schemas[name], `${ref} resolves`);
    }
    assert.ok(doc.components.schemas.ErrorBody && doc.components.schemas.User && doc.components.schemas.CreateUserBody);
  });

  test('every operation declares its error codes, each under a response of its status with the ErrorBody schema', () => {
    for (const { method, path, op } of operations) {
      const where = `${op.operationId} (${method.toUpperCase()} ${path})`;
      const codes = op['x-error-codes'];
      assert.ok(Array.isArray(codes) && codes.length > 0, `${where} has x-error-codes`);
      for (const status of ['400', '429', '500', ...(path.includes('{id}') ? ['404'] : []), '401']) {
        assert.ok(op.responses[status], `${where} declares ${status}`);
      }
      for (const code of codes) {
        const status = codeStatus.get(code);
        assert.ok(status, `${where}: ${code} is in the code table`);
        const response = op.responses[String(status)];
        assert.ok(response?.description.includes(`\`${code}\``), `${where}: the ${status} response lists ${code}`);
        assert.deepEqual(response!.content?.['application/json']?.schema, { $ref: '#/components/schemas/ErrorBody' }, `${where} ${status}`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400)
          assert.ok(
            codes.some((c) => String(codeStatus.get(c)) === status),
            `${where}: ${status} has a code`,
          );
        else assert.ok(response.description.length > 0);
      }
    }
  });

  test('the creates of classes and placements declare a bare integer, and POST /User both of its answers', () => {
    for (const id of ['createClassroom', 'createPlacement']) {
      const op = operations.find((o) => o.op.operationId === id)!.op;
      assert.equal(op.responses['200']!.content!['application/json']!.schema.type, 'integer', id);
    }
    const user = operations.find((o) => o.op.operationId === 'createUser')!.op.responses['200']! as Json & { headers?: Json };
    assert.match(String(user.description), /no body/);
    assert.ok(user.headers?.Location, 'the Keychain answer names the user in Location');
  });

  test('every request body and path parameter has an example, and each example works against the demo', async () => {
    await h.reset();
    await seedDemo(h.db);
    const auth = await h.app.inject({ method: 'POST', url: '/api/v2.1/Authentication', headers: { 'x-customertoken': DEMO_TOKEN } });
    assert.equal(auth.statusCode, 200, auth.body);
    // Reads first, then writes, archive before unarchive, deletes last: the order a person trying them would follow.
    const rank = (id: string) =>
      ['authenticate', 'get', 'search', 'create', 'update', 'archive', 'unarchive', 'delete'].findIndex((verb) => id.startsWith(verb));
    const ordered = [...operations].sort((a, b) => rank(a.op.operationId!) - rank(b.op.operationId!));
    for (const { method, path, op } of ordered) {
      const where = `${op.operationId} (${method.toUpperCase()} ${path})`;
      let url = path;
      for (const p of op.parameters ?? []) {
        assert.notEqual(p.example, undefined, `${where}: parameter ${p.name} has an example`);
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(p.example)));
      }
      const media = op.requestBody?.content['application/json'];
      if (op.requestBody) assert.notEqual(media?.example, undefined, `${where}: the request body has an example`);
      const res = await h.app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: op.operationId === 'authenticate' ? { 'x-customertoken': DEMO_TOKEN } : { 'x-tokenid': auth.body },
        ...(media?.example === undefined ? {} : { payload: media.example as Json }),
      });
      const declared = Object.keys(op.responses);
      assert.ok(declared.includes(String(res.statusCode)), `${where} answered ${res.statusCode}, which it does not declare: ${res.body}`);
      // A delete may rightly be refused (the demo's records are in use); everything else must succeed.
      if (!op.operationId!.startsWith('delete')) assert.ok(res.statusCode < 300, `${where} with its examples answered ${res.statusCode}: ${res.body}`);
      if (op.operationId === 'createUser') assert.ok(res.json<{ Password?: string }>().Password, 'the demo learner gets a login');
      if (op.operationId === 'searchOrganisations') assert.equal(res.json<{ Name: string }[]>()[0]!.Name, 'Northgate College');
    }
  });
});
