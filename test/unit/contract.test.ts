// The guard every API route passes (http/contract.ts): what it refuses at start-up, what
// it declares, and how titled schemas become named components of the document.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { contractGuard, nameSchemas, routeErrors } from '../../src/server/http/contract.js';

async function appWith(register: (app: ReturnType<typeof Fastify>) => void) {
  const app = Fastify();
  app.addHook('onRoute', contractGuard());
  register(app);
  await app.ready();
  return app;
}

describe('the contract guard', () => {
  test('a route without an operationId stops the app from starting, naming the route', async () => {
    await assert.rejects(
      appWith((app) => app.get('/Thing/:id', { schema: { summary: 'x' } }, async () => 'x')),
      /GET \/Thing\/:id: every API route needs schema\.operationId/,
    );
  });

  test('an operationId that is not camelCase, or used twice, is refused', async () => {
    await assert.rejects(
      appWith((app) => app.get('/a', { schema: { operationId: 'Get_a' } }, async () => 'x')),
      /operationId/,
    );
    await assert.rejects(
      appWith((app) => {
        app.get('/a', { schema: { operationId: 'getThing' } }, async () => 'x');
        app.post('/b', { schema: { operationId: 'getThing' } }, async () => 'x');
      }),
      /operationId getThing is already used by GET \/a/,
    );
  });

  test('hidden routes need nothing', async () => {
    const app = await appWith((a) => a.get('/hidden', { schema: { hide: true } }, async () => 'x'));
    await app.close();
  });

  test("a route's errors are its own codes plus those its shape implies, in code-table order", () => {
    assert.deepEqual(routeErrors({ url: '/User/:id', schema: { body: Type.Object({}), errors: ['USER_ARCHIVED'] } }), [
      'INVALID_FIELD',
      'INVALID_BODY',
      'USER_ARCHIVED',
      'AUTH_THROTTLED',
      'UNAUTHORISED',
      'NOT_FOUND',
      'RATE_LIMITED',
      'INTERNAL',
      'DATABASE_UNAVAILABLE',
    ]);
    assert.deepEqual(routeErrors({ url: '/X/Search/:page/:size', schema: {} }), [
      'INVALID_BODY',
      'INVALID_PAGE',
      'AUTH_THROTTLED',
      'UNAUTHORISED',
      'RATE_LIMITED',
      'INTERNAL',
      'DATABASE_UNAVAILABLE',
    ]);
    assert.deepEqual(routeErrors({ url: '/Authentication', config: { public: true }, schema: { errors: ['UNAUTHORISED'] } }), [
      'INVALID_BODY',
      'AUTH_THROTTLED',
      'UNAUTHORISED',
      'RATE_LIMITED',
      'INTERNAL',
      'DATABASE_UNAVAILABLE',
    ]);
  });

  test('the error responses and x-error-codes are written into the route schema', async () => {
    const schemas: Record<string, unknown>[] = [];
    const app = await appWith((a) => {
      a.addHook('onRoute', (r: { schema?: unknown }) => {
        schemas.push(r.schema as Record<string, unknown>);
      });
      a.post('/Thing', { schema: { operationId: 'createThing', body: Type.Object({}), errors: ['ORGANISATION_NOT_FOUND'] } }, async () => 'x');
    });
    await app.close();
    const [schema] = schemas;
    assert.deepEqual(schema!['x-error-codes'], [-11, -100, -101, -112, -401, -429, -500, -503]);
    const responses = schema!.response as Record<string, { description: string }>;
    assert.deepEqual(Object.keys(responses).sort(), ['400', '401', '429', '500', '503']);
    assert.match(responses[400]!.description, /`-11` The organisation does not exist\.\n- `-100`/);
  });
});

describe('named schemas', () => {
  const Item = { type: 'object', title: 'Item', properties: { ID: { type: 'integer' } } };

  test('a titled schema is listed once in components and referenced wherever it appears', () => {
    const doc = nameSchemas({
      paths: {
        '/a': { get: { responses: { 200: { content: { 'application/json': { schema: { type: 'array', items: Item } } } } } } },
        '/b': { post: { requestBody: { content: { 'application/json': { schema: Item, example: { title: 'not a schema' } } } } } },
      },
    });
    assert.deepEqual(doc, {
      components: { schemas: { Item } },
      paths: {
        '/a': { get: { responses: { 200: { content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Item' } } } } } } } },
        '/b': {
          post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' }, example: { title: 'not a schema' } } } } },
        },
      },
    });
  });

  test('two different schemas with one title are refused', () => {
    const Other = { ...Item, properties: { Name: { type: 'string' } } };
    assert.throws(() => nameSchemas({ paths: { '/a': { get: { x: Item, y: Other } } } }), /two different schemas are both titled Item/);
  });
});
