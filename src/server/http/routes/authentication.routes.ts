import { Type } from 'typebox';
import { ErrorBody } from '../../../contract/common.js';
import type { AuthService } from '../../domain/auth.service.js';
import { header } from '../auth.js';
import type { ApiApp } from '../types.js';

export function authenticationRoutes(app: ApiApp, auth: AuthService): void {
  app.post('/Authentication', {
    config: { public: true },
    schema: {
      tags: ['Authentication'],
      summary: 'Exchange the customer token for a 24-hour session token',
      description: 'Send the customer token in X-CustomerToken; any body is ignored. The answer is the session token as bare text: send it as X-TokenID on every other call.',
      security: [{ CustomerToken: [] }],
      response: { 200: Type.String({ description: 'The session token, as text/plain' }), 401: ErrorBody, 429: ErrorBody },
    },
  }, async (req, reply) => {
    const session = await auth.authenticate(header(req.headers['x-customertoken']), req.ip);
    return reply.type('text/plain; charset=utf-8').serializer((s: unknown) => String(s)).send(session);
  });
}
