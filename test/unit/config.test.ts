import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { loadEnvFile } from '../../src/server/ops/env-file.js';

/** The problems loadConfig reports for this environment (none: it loads). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}

test('an enum names the variable, the value and every allowed value, once', () => {
  assert.deepEqual(problems({ LOG_LEVEL: 'verbose' }), ['LOG_LEVEL="verbose" is not allowed: expected one of fatal, error, warn, info, debug, trace, silent']);
});

test('URLs are parsed and their scheme checked, with passwords masked', () => {
  assert.deepEqual(problems({ SMTP_URL: 'http://x' }), ['SMTP_URL="http://x" has the scheme http:// : expected smtp:// or smtps://']);
  assert.deepEqual(problems({ DATABASE_URL: 'notaurl' }), ['DATABASE_URL="notaurl" is not a URL: expected postgres:// or postgresql://...']);
  assert.deepEqual(problems({ DATABASE_URL: 'mysql://app:s3cret@db/app' }), [
    'DATABASE_URL="mysql://app:***@db/app" has the scheme mysql:// : expected postgres:// or postgresql://',
  ]);
  assert.deepEqual(problems({ PUBLIC_URL: 'ftp://files.example.org' }), [
    'PUBLIC_URL="ftp://files.example.org" has the scheme ftp:// : expected http:// or https://',
  ]);
  assert.deepEqual(
    problems({ DATABASE_URL: 'postgresql://app:pw@db:5432/app', SMTP_URL: 'smtps://u:p@mail.example.org:465', PUBLIC_URL: 'https://learnfile.example.org' }),
    [],
  );
});

test('every bad variable is reported at once, one message each, secrets masked', () => {
  const found = problems({ PORT: 'abc', HOST: 'not a host', MAIL_FROM: 'nobody', SEED_DEMO: 'maybe', SESSION_HOURS: '0', METRICS_TOKEN: 'short-secret' });
  assert.deepEqual(found, [
    'PORT="abc" is not allowed: expected a whole number from 0 to 65535',
    'HOST="not a host" is not an IP address or host name: expected e.g. 127.0.0.1, 0.0.0.0, :: or a host name',
    'MAIL_FROM="nobody" is not an e-mail address: expected name@example.org or Name <name@example.org>',
    'SESSION_HOURS="0" is not allowed: expected a number above 0',
    'METRICS_TOKEN="***" (12 characters) is not allowed: expected text of at least 16 characters',
    'SEED_DEMO="maybe" is not allowed: expected true or false',
  ]);
  assert.ok(!found.join('\n').includes('short-secret'));
});

test('defaults load, and HOST accepts IPv4, IPv6 and names; MAIL_FROM accepts a bare address or Name <address>', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3000);
  assert.equal(config.DATABASE_WAIT_SECONDS, 30);
  for (const HOST of ['0.0.0.0', '::', 'localhost', 'api.internal']) assert.deepEqual(problems({ HOST }), [], HOST);
  for (const MAIL_FROM of ['ops@example.org', 'Northgate <ops@example.org>']) assert.deepEqual(problems({ MAIL_FROM }), [], MAIL_FROM);
});

test('.env fills only variables the real environment does not set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'learnfile-env-'));
  try {
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nPORT=4000\nLOG_LEVEL="debug"\nHOST=0.0.0.0\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000' };
    const read = loadEnvFile(file, env);
    assert.deepEqual({ ...read, keys: read?.keys.sort() }, { file, keys: ['HOST', 'LOG_LEVEL'] });
    assert.deepEqual(env, { PORT: '5000', LOG_LEVEL: 'debug', HOST: '0.0.0.0' });
    assert.equal(loadEnvFile(join(dir, 'missing.env'), env), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
