import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { VERIFY_PATH, type VerifyOutcome } from './keychain.service.js';
import type { Services } from '../registry.js';
import { escapeHtml } from '../../mail/templates.js';
import type { ApiApp } from '../../http/types.js';

const pages: Record<VerifyOutcome | 'ready', { status: number; title: string; text: string }> = {
  ready: { status: 200, title: 'Verify your email address', text: 'Press the button to confirm that this email address is yours.' },
  verified: { status: 200, title: 'Thank you: your email address is verified', text: 'Your Keychain is verified. You can close this page.' },
  'already-verified': { status: 200, title: 'Already verified', text: 'This email address was verified before. There is nothing more to do.' },
  expired: { status: 410, title: 'This link has expired', text: 'Ask your training provider to send you a new verification email.' },
  unknown: {
    status: 404,
    title: 'This link is not valid',
    text: 'Check that the whole link was copied from the email, or ask your training provider for a new one.',
  },
};

function page(reply: FastifyReply, outcome: VerifyOutcome | 'ready') {
  const p = pages[outcome];
  const button = outcome === 'ready' ? '<form method="post"><button type="submit">Verify my email address</button></form>' : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} - learnfile</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}</style>
</head><body><h1>${escapeHtml(p.title)}</h1><p>${escapeHtml(p.text)}</p>${button}</body></html>`;
  return reply.code(p.status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
}

/**
 * The page a verification email links to. Opening the link shows a button and changes
 * nothing, so mail scanners that prefetch links cannot verify on the person's behalf.
 */
export function keychainRoutes(app: ApiApp, { keychain }: Services): void {
  const schema = { hide: true, params: Type.Object({ token: Type.String({ maxLength: 200 }) }) };
  app.get(`${VERIFY_PATH}/:token`, { schema }, async (req, reply) => page(reply, await keychain.inspect(req.params.token)));
  app.post(`${VERIFY_PATH}/:token`, { schema }, async (req, reply) => page(reply, await keychain.verify(req.params.token)));
}
