import { createHash, createHmac, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>;

/** A new random token (customer token, session token, verification link). */
export const newToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Tokens are stored only as this digest. */
export const tokenHash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Constant-time equality of two digests. */
export const sameHash = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

// No 0/O, 1/l/I: passwords are read off a screen and typed.
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newPassword(length = 14): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * A password a person chose: `scrypt$N$r$p$salt$hash`, so the cost can be raised later
 * without breaking old hashes. Slow on purpose (tens of milliseconds): a chosen password
 * has little entropy, and the cost is what stands between a stolen hash and a guess.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * A new password made by the server, with its stored form `hmac-sha256$salt$hash` (HMAC-SHA-256
 * keyed by a random 16-byte salt of its own). 14 characters from 56 carry 81 bits: guessing
 * one from its hash is out of reach at any hashing speed, so it needs no slow hash, and a
 * create is not capped at scrypt's pace (docs/security.md). Only a password this function
 * made gets the fast scheme: a password a person chooses goes through `hashPassword`.
 */
export function generatedPassword(): { password: string; hash: string } {
  const password = newPassword();
  const salt = randomBytes(16);
  return { password, hash: ['hmac-sha256', salt.toString('base64url'), hmac(salt, password).toString('base64url')].join('$') };
}

const hmac = (salt: Buffer, password: string): Buffer => createHmac('sha256', salt).update(password, 'utf8').digest();

/** Whether `password` matches a stored hash of either scheme; the digests are compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === 'hmac-sha256' && parts.length === 3 && parts[1] && parts[2]) {
    return sameHash(hmac(Buffer.from(parts[1], 'base64url'), password), Buffer.from(parts[2], 'base64url'));
  }
  const [scheme, N, r, p, salt, key] = parts;
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return sameHash(actual, expected);
}
