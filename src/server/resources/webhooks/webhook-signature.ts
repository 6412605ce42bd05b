/**
 * Signing in the manner of the Standard Webhooks specification: the secret is `whsec_`
 * followed by the base64 of the key; the signature is `v1,` and the base64 HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** Why a secret the operator chose cannot be used, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(PREFIX)) return `must start with ${PREFIX}`;
  const body = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return `must be ${PREFIX} followed by base64`;
  const bytes = Buffer.from(body, 'base64').length;
  if (bytes < 24 || bytes > 64) return 'must encode 24 to 64 bytes';
  return undefined;
}

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Whether any of the space-separated signatures in the header is right (receivers may use this). */
export function verify(secret: string, id: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(sign(secret, id, timestamp, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
