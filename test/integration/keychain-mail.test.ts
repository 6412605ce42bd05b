import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engine, harness, mailSenderOf, tenantWithCentre, testConfig, whenOutbox, type Harness } from '../helpers.js';
import { startSmtp, type TestSmtp } from '../smtp.js';

type Centre = Awaited<ReturnType<typeof tenantWithCentre>>;

const staff = (t: Centre, email: string, extra: Record<string, unknown> = {}) => ({
  OrganisationID: t.organisationId,
  FirstName: 'Kim',
  LastName: 'Lee',
  Email: email,
  Role: 5,
  ...extra,
});

/** Lets the previous test's mail finish sending, so it cannot arrive during the next test. */
async function outboxSettled(h: Harness): Promise<void> {
  await whenOutbox<{ n: number }>(h.db, [mailSenderOf(h.app)], "SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'pending'", ([r]) => r!.n === 0);
}

function linkIn(text: string): string {
  const m = /https?:\/\/\S+\/keychain\/verify\/([A-Za-z0-9_-]+)/.exec(text);
  assert.ok(m, `no verification link in:\n${text}`);
  return `/keychain/verify/${m[1]}`;
}

describe(`Keychain accounts and verification mail over SMTP (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startSmtp();
    h = await harness(testConfig({ SMTP_URL: smtp.url, MAIL_POLL_MS: '50', MAIL_RETRY_BASE_MS: '100', MAIL_MAX_ATTEMPTS: '3' }));
  });
  after(async () => {
    await h.close();
    await smtp.close();
  });
  beforeEach(async () => {
    await outboxSettled(h);
    await h.reset();
    smtp.clear();
  });

  test('with Keychain creation on, a create answers 200 with an empty body and a Location header', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    const res = await t.client.post('/User', staff(t, 'kim@example.com'));
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    const m = /^\/api\/v2\.1\/User\/(\d+)$/.exec(String(res.headers.location));
    assert.ok(m, String(res.headers.location));
    const user = (await t.client.get(`/User/${m[1]}`)).json();
    assert.equal(user.Username, null);
    assert.equal(typeof user.KeychainID, 'number');
    assert.equal(user.KeychainVerified, false);
    const [row] = await h.db.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = $1', [Number(m[1])]);
    assert.equal(row!.password_hash, null);
  });

  test('the verification email arrives over SMTP and its link verifies the Keychain; a second click says it is done', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    const id = Number(
      String((await t.client.post('/User', staff(t, 'kim@example.com'))).headers.location)
        .split('/')
        .pop(),
    );
    const [mail] = await smtp.waitFor(1);
    assert.deepEqual(mail!.to, ['kim@example.com']);
    assert.match(mail!.text, /Subject: Please verify your learnfile account/);
    const link = linkIn(mail!.text);

    const landing = await h.app.inject({ method: 'GET', url: link });
    assert.equal(landing.statusCode, 200);
    assert.match(landing.headers['content-type'] as string, /text\/html/);
    assert.match(landing.body, /<form method="post">/);
    assert.equal((await t.client.get(`/User/${id}`)).json().KeychainVerified, false, 'opening the link alone must not verify');

    const before = (await t.client.get(`/User/${id}`)).json().LastModified;
    const verified = await h.app.inject({ method: 'POST', url: link });
    assert.equal(verified.statusCode, 200);
    assert.match(verified.body, /your email address is verified/);
    const user = (await t.client.get(`/User/${id}`)).json();
    assert.equal(user.KeychainVerified, true);
    assert.ok(user.LastModified > before, 'verification bumps LastModified');

    const again = await h.app.inject({ method: 'POST', url: link });
    assert.equal(again.statusCode, 200);
    assert.match(again.body, /Already verified/);
    const audit = await h.db.query<{ action: string }>("SELECT action FROM audit_log WHERE entity = 'keychain' ORDER BY id");
    assert.deepEqual(
      audit.map((a) => a.action),
      ['create', 'verify'],
    );
  });

  test('an expired or unknown link gets a clear page, not an error dump', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    await t.client.post('/User', staff(t, 'kim@example.com'));
    const [mail] = await smtp.waitFor(1);
    await h.db.query("UPDATE keychain_verifications SET expires_at = now() - interval '1 minute'");
    const expired = await h.app.inject({ method: 'POST', url: linkIn(mail!.text) });
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /This link has expired/);
    const unknown = await h.app.inject({ method: 'GET', url: '/keychain/verify/not-a-real-token' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /This link is not valid/);
    assert.doesNotMatch(unknown.body + expired.body, /stack|Error:|SELECT/);
  });

  test('accounts with the same email, in any case, share one Keychain; another email gets its own', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    const ids = [];
    for (const email of ['kim@example.com', 'KIM@Example.com', 'other@example.com']) {
      ids.push(
        Number(
          String((await t.client.post('/User', staff(t, email))).headers.location)
            .split('/')
            .pop(),
        ),
      );
    }
    const keychains = await Promise.all(ids.map(async (id) => (await t.client.get(`/User/${id}`)).json().KeychainID));
    assert.equal(keychains[0], keychains[1]);
    assert.notEqual(keychains[0], keychains[2]);
  });

  test('with KeychainEmailSuppression on, no email is queued or sent', async () => {
    const t = await tenantWithCentre(h, { keychain: true, suppressEmail: true });
    const res = await t.client.post('/User', staff(t, 'kim@example.com'));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await h.db.query('SELECT id, to_address, customer_id, created_at FROM mail_outbox'), []);
    mailSenderOf(h.app).kick();
    await mailSenderOf(h.app).idle();
    assert.equal(smtp.received.length, 0);
  });

  test('a temporary SMTP failure is retried until the message is delivered', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    smtp.refuseNext(1);
    await t.client.post('/User', staff(t, 'kim@example.com'));
    await smtp.waitFor(1);
    const [row] = await whenOutbox<{ status: string; attempts: number }>(
      h.db,
      [mailSenderOf(h.app)],
      'SELECT status, attempts FROM mail_outbox',
      ([r]) => r?.status === 'sent',
    );
    assert.deepEqual(row, { status: 'sent', attempts: 2 });
  });

  test('a message the server keeps refusing is marked failed after the last attempt', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    smtp.refuseNext(10);
    await t.client.post('/User', staff(t, 'kim@example.com'));
    const [row] = await whenOutbox<{ status: string; attempts: number; last_error: string }>(
      h.db,
      [mailSenderOf(h.app)],
      'SELECT status, attempts, last_error FROM mail_outbox',
      ([r]) => r?.status === 'failed',
    );
    assert.equal(row?.status, 'failed');
    assert.equal(row?.attempts, 3);
    assert.match(row!.last_error, /451|try again/);
    assert.equal(smtp.received.length, 0);
  });

  test('32 simultaneous creates with the same new email make exactly one Keychain holding all 32 accounts', async () => {
    const t = await tenantWithCentre(h, { keychain: true, suppressEmail: true });
    const results = await Promise.all(Array.from({ length: 32 }, () => t.client.post('/User', staff(t, 'crowd@example.com'))));
    assert.deepEqual(
      results.map((r) => r.statusCode),
      Array(32).fill(200),
    );
    const keychains = await h.db.query<{ id: number; accounts: number }>(
      'SELECT k.id, (SELECT count(*) FROM users u WHERE u.keychain_id = k.id) AS accounts FROM keychains k',
    );
    assert.equal(keychains.length, 1);
    assert.equal(keychains[0]!.accounts, 32);
  });

  test('a failure while queueing the email leaves no user, no Keychain and no email behind', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    for (const when of ['BEFORE', 'AFTER']) {
      await h.db.exec(`CREATE FUNCTION outbox_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
        CREATE TRIGGER outbox_boom ${when} INSERT ON mail_outbox FOR EACH ROW EXECUTE FUNCTION outbox_boom();`);
      try {
        const res = await t.client.post('/User', staff(t, 'kim@example.com'));
        assert.equal(res.statusCode, 500);
        assert.deepEqual(res.json(), { code: -500, message: 'The server failed to complete the request.' });
      } finally {
        await h.db.exec('DROP TRIGGER outbox_boom ON mail_outbox; DROP FUNCTION outbox_boom();');
      }
      for (const table of ['users', 'keychains', 'keychain_verifications', 'mail_outbox']) {
        assert.equal((await h.db.query(`SELECT 1 FROM ${table}`)).length, 0, `${when}: ${table} must be empty`);
      }
      assert.equal((await h.db.query("SELECT 1 FROM audit_log WHERE entity IN ('user', 'keychain')")).length, 0);
    }
  });
});

describe(`mail without SMTP (${engine})`, () => {
  let h: Harness & { reset(): Promise<void> };
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h.close();
  });

  test('with no SMTP_URL the verification email stays in the outbox, link included', async () => {
    await h.reset();
    const t = await tenantWithCentre(h, { keychain: true });
    await t.client.post('/User', staff(t, 'kim@example.com'));
    const rows = await h.db.query<{ status: string; to_address: string; body_text: string }>('SELECT status, to_address, body_text FROM mail_outbox');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'pending');
    assert.equal(rows[0]!.to_address, 'kim@example.com');
    linkIn(rows[0]!.body_text);
  });
});
