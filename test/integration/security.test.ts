import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { safeError } from '../../src/server/http/log.js';
import { engine, tenantWithCentre, testConfig, harnessPerSuite } from '../helpers.js';

function assertSecurityHeaders(res: LightMyRequestResponse, what: string): void {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['x-frame-options'], 'DENY', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
  assert.ok(String(res.headers['content-security-policy']).includes('frame-ancestors'), what);
}

describe(`security headers and what the log may say (${engine})`, () => {
  const h = harnessPerSuite();

  test('every kind of answer carries the security headers, and API answers are never cached', async () => {
    const t = await tenantWithCentre(h);
    const answers: [string, LightMyRequestResponse][] = [
      ['200 JSON', await t.client.get('/Customer')],
      ['400', await t.client.post('/Classroom', {})],
      ['401', await h.app.inject({ method: 'GET', url: '/api/v2.1/Customer' })],
      ['404', await t.client.get('/User/123')],
      ['unknown path', await h.app.inject({ method: 'GET', url: '/nothing/here' })],
      ['verification page', await h.app.inject({ method: 'GET', url: '/keychain/verify/not-a-token' })],
      ['OpenAPI', await h.app.inject({ method: 'GET', url: '/api/v2.1/openapi.json' })],
    ];
    for (const [what, res] of answers) {
      assertSecurityHeaders(res, what);
      if (what !== 'unknown path' && what !== 'verification page') assert.equal(res.headers['cache-control'], 'no-store', what);
    }
  });

  test('the docs page still works: its own policy lets its scripts run, over plain HTTP too', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
    assertSecurityHeaders(page, 'docs');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)];
    assert.ok(assets.length >= 3, 'the page loads its scripts and styles');
    for (const src of [...page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)) {
      const asset = await h.app.inject({ method: 'GET', url: src.startsWith('/') ? src : `/docs/${src}` });
      assert.equal(asset.statusCode, 200, src);
    }
  });

  test('a database error as logged carries neither the SQL parameters nor the values it quotes', async () => {
    const err = await h.db.query('SELECT $1::integer AS n', ['kim.lee@example.com']).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    const logged = JSON.stringify(safeError(err));
    assert.doesNotMatch(logged, /kim\.lee@example\.com/);
    assert.doesNotMatch(logged, /SELECT/);
    assert.match(logged, /22P02/);
  });

  test('queueing a verification email without SMTP logs no link and no address', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app: FastifyInstance = await buildApp({ db: h.db, config: testConfig(), logger: { level: 'trace', stream } });
    try {
      const t = await tenantWithCentre({ ...h, app }, { keychain: true });
      const res = await t.client.post('/User', { OrganisationID: t.organisationId, FirstName: 'Kim', LastName: 'Lee', Email: 'kim.lee@example.com', Role: 5 });
      assert.equal(res.statusCode, 200);
      const log = lines.join('');
      assert.match(log, /mail queued/);
      assert.doesNotMatch(log, /keychain\/verify\/[A-Za-z0-9_-]{10,}/);
      assert.doesNotMatch(log, /kim\.lee@example\.com/);
    } finally {
      await app.close();
    }
  });
});
