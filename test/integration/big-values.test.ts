// test-runner: own-process (it measures or starts processes of its own; see test/run.mjs)
/**
 * No request may freeze the server: a 1 MB value in every text field of every body (in
 * shapes that make backtracking patterns slow) is refused with a 400 naming the field, and
 * the event loop, which every other request needs, is never held for 100 ms or more.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { engine, harness, tenantWithCentre, testConfig, type Harness } from '../helpers.js';

const MB = 1024 * 1024;
const shapes: Record<string, string> = {
  letters: 'a'.repeat(MB),
  'almost an address': `a@${'a.'.repeat(MB / 2)}`,
  'at signs': '@'.repeat(MB),
  spaces: `${' '.repeat(MB)}x`,
  wildcards: '*'.repeat(MB),
  'digits then junk': `2024-01-01T00:00:00.${'1'.repeat(MB)}x`,
  'lone surrogates': '\udc00'.repeat(MB),
};

describe(`a 1 MB value in any text field never blocks other requests (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '1000000' }));
    await h.reset();
  });
  after(async () => {
    await h.close();
  });

  test('every text field of every body, JSON and form: 400 naming the field, the event loop never held 100 ms', async () => {
    const t = await tenantWithCentre(h);
    const userId = (
      await t.client.post('/User', { OrganisationID: t.organisationId, FirstName: 'Kim', LastName: 'Lee', Email: 'k@example.com', Role: 5 })
    ).json<{ ID: number }>().ID;
    const doc = (
      h.app as unknown as {
        swagger(): {
          paths: Record<
            string,
            Record<
              string,
              { requestBody?: { content: Record<string, { schema: { properties?: Record<string, { type?: unknown; items?: { type?: unknown } }> } }> } }
            >
          >;
        };
      }
    ).swagger();
    const cases: { url: string; field: string }[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      // Updates of records this test has made (users, classes, placements); every other
      // record's update would first answer 404 for want of a record, before reading the body.
      if (/\{id\}/.test(path) && !/\/(User|Placement|Classroom)\//.test(path)) continue;
      const declared = methods.post?.requestBody?.content['application/json']?.schema as
        | { $ref?: string; properties?: Record<string, { type?: unknown; items?: { type?: unknown } }> }
        | undefined;
      // Named schemas are references into the document's components.
      const body = declared?.$ref
        ? (doc as unknown as { components: { schemas: Record<string, typeof declared> } }).components.schemas[declared.$ref.split('/').pop()!]
        : declared;
      for (const [field, prop] of Object.entries(body?.properties ?? {})) {
        if (prop.type === 'string' || prop.items?.type === 'string') {
          const id = path.includes('/User/') ? userId : path.includes('/Placement/') ? t.placementId : t.classroomId;
          cases.push({ url: path.replace('{id}', String(id)).replace('{page}', '1').replace('{size}', '10'), field });
        }
      }
    }
    assert.ok(cases.length >= 40, `only ${cases.length} text fields found`);

    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    let worst = { ms: 0, what: '' };
    // Every field gets one of the shapes in turn, JSON and form alternately, so every shape
    // and both encodings meet many fields while the test stays short.
    const names = Object.keys(shapes);
    for (const [i, { url, field }] of cases.entries()) {
      for (const shape of [names[i % names.length]!]) {
        const value = shapes[shape]!;
        for (const form of [i % 2 === 1]) {
          delay.reset();
          // Another client's call, made while the big one is handled.
          const other = t.client.get('/Customer');
          const res = await h.app.inject({
            method: 'POST',
            url,
            headers: { 'x-tokenid': t.client.session, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
            payload: form ? new URLSearchParams({ [field]: value }).toString() : JSON.stringify({ [field]: value }),
          });
          assert.equal((await other).statusCode, 200);
          assert.equal(res.statusCode, 400, `${url} ${field} (${shape}): ${res.body.slice(0, 200)}`);
          // Encoded, a megabyte of multi-byte text passes the 2 MB body limit: refused unread.
          if (res.json().code === -101) assert.match(res.json().message, /too large/);
          else
            assert.ok(
              res.json().errors.some((e: { field: string }) => e.field === field),
              `${url}: ${field} not named: ${res.body.slice(0, 300)}`,
            );
          const ms = delay.max / 1e6;
          if (ms > worst.ms) worst = { ms, what: `${url} ${field} ${shape}${form ? ' (form)' : ''}` };
        }
      }
    }
    // A path of 60,000 slashes (the rewriter once trimmed them with a quadratic pattern).
    delay.reset();
    await h.app.inject({ method: 'GET', url: `/api/v2.1/Customer${'/'.repeat(60_000)}x/`, headers: { 'x-tokenid': t.client.session } });
    if (delay.max / 1e6 > worst.ms) worst = { ms: delay.max / 1e6, what: 'slashes' };
    delay.disable();
    assert.ok(worst.ms < 100, `the event loop was held ${worst.ms.toFixed(1)} ms by ${worst.what}`);
  });
});
