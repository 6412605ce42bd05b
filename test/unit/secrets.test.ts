import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generatedPassword, hashPassword, verifyPassword } from '../../src/server/domain/secrets.js';

describe('passwords', () => {
  test('a generated password is 14 characters without look-alikes, stored as a salted HMAC-SHA-256 that verifies', async () => {
    const { password, hash } = generatedPassword();
    assert.match(password, /^[a-km-np-zA-HJ-NP-Z2-9]{14}$/);
    assert.match(hash, /^hmac-sha256\$[\w-]{22}\$[\w-]{43}$/);
    assert.ok(!hash.includes(password));
    assert.equal(await verifyPassword(password, hash), true);
    assert.equal(await verifyPassword(password.slice(1), hash), false);
    assert.equal(await verifyPassword(`${password} `, hash), false);
  });

  test('each generated password has its own salt: the same password never gives the same hash', () => {
    const seen = new Set(Array.from({ length: 50 }, () => generatedPassword().hash.split('$')[1]));
    assert.equal(seen.size, 50);
  });

  test('a chosen password is stored with scrypt and its parameters, and verifies', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horsE', hash), false);
  });

  test('unknown or damaged stored hashes never verify', async () => {
    const { password, hash } = generatedPassword();
    const [, salt, digest] = hash.split('$');
    for (const stored of [
      '',
      'plain',
      `sha1$${salt}$${digest}`,
      `hmac-sha256$${salt}$`,
      `hmac-sha256$$${digest}`,
      `hmac-sha256$${salt}$${digest!.slice(0, 20)}`,
      `scrypt$16384$8$1$$`,
    ]) {
      assert.equal(await verifyPassword(password, stored), false, stored);
    }
  });
});
