import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { engine, harness, mailSenderOf, tenantWithCentre, testConfig, whenOutbox, type Harness } from '../helpers.js';
import { startSmtp, type TestSmtp } from '../smtp.js';

describe(`mail is sent exactly once by two API processes and a slow SMTP server (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  let second: FastifyInstance;
  let smtp: TestSmtp;
  before(async () => {
    // Each message takes longer to accept than a whole lease: only renewal keeps the other
    // process off it.
    smtp = await startSmtp({ delayMs: 1_500 });
    const config = testConfig({ SMTP_URL: smtp.url, MAIL_POLL_MS: '50', MAIL_LEASE_MS: '1000' });
    h = await harness(config);
    second = await buildApp({ db: h.db, config, logger: false });
    await h.reset();
  });
  after(async () => {
    await second.close();
    await h.close();
    await smtp.close();
  });

  test('every queued message arrives once, and the sent copies no longer hold the link', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    const addresses = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    for (const Email of addresses) {
      const res = await t.client.post('/User', { OrganisationID: t.organisationId, FirstName: 'Kim', LastName: 'Lee', Email, Role: 5 });
      assert.equal(res.statusCode, 200, res.body);
    }
    await smtp.waitFor(addresses.length, 30_000);
    // Wait until the outbox records every message as sent, then stop both senders, so any
    // second delivery would have arrived by now.
    await whenOutbox<{ n: number }>(
      h.db,
      [mailSenderOf(h.app), mailSenderOf(second)],
      "SELECT count(*)::int AS n FROM mail_outbox WHERE status <> 'sent'",
      ([r]) => r!.n === 0,
    );
    await second.close();
    await h.app.close();
    const counts = new Map<string, number>();
    for (const m of smtp.received) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    assert.deepEqual(
      [...counts.entries()].sort(),
      addresses.map((a) => [a, 1]),
    );
    const rows = await h.db.query<{ body_text: string; secret: string | null; attempts: number }>('SELECT body_text, secret, attempts FROM mail_outbox');
    for (const row of rows) {
      assert.equal(row.attempts, 1);
      assert.equal(row.secret, null);
      assert.doesNotMatch(row.body_text, /keychain\/verify\/[A-Za-z0-9_-]{20,}/);
      assert.match(row.body_text, /\[removed once sent\]/);
    }
  });
});
