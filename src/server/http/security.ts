import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries (docs/security.md). The API answers JSON and two small HTML
 * pages (the verification page, with inline style and a form that posts to itself); /docs
 * sets its own Content-Security-Policy for the Swagger UI's scripts.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
export const DEFAULT_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }): void {
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (!reply.hasHeader('content-security-policy')) reply.header('Content-Security-Policy', DEFAULT_CSP);
    // API answers carry personal data: no cache (shared or private) may keep them.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    // Only meaningful, and only safe to promise, when the public address is HTTPS.
    if (opts.https) reply.header('Strict-Transport-Security', 'max-age=31536000');
    return payload;
  });
}

/** The Swagger UI's own policy, less `upgrade-insecure-requests`, which breaks /docs on plain HTTP. */
export const docsCsp = (policy: string): string => policy.replace(/\s*upgrade-insecure-requests;?/, '');
