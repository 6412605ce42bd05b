import { Type } from 'typebox';
import { ErrorBody } from '../../../contract/common.js';
import type { Services } from '../registry.js';
import { header } from '../../http/auth.js';
import type { ApiApp } from '../../http/types.js';

export function authenticationRoutes(app: ApiApp, { auth }: Services): void {
  app.post(
    '/Authentication',
    {
      config: { public: true, readOnly: true },
      schema: {
        operationId: 'authenticate',
        tags: ['Authentication'],
        summary: 'Exchange the customer token for a 24-hour session token',
        description:
          'Send the customer token in X-CustomerToken; any body is ignored. The answer is the session token as bare text: send it as X-TokenID on every other call.',
        security: [{ CustomerToken: [] }],
        errors: ['UNAUTHORISED'],
        response: {
          200: { description: 'The session token as bare text (no JSON quotes)', content: { 'text/plain': { schema: Type.String() } } },
          401: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const session = await auth.authenticate(header(req.headers['x-customertoken']), req.ip);
      return reply
        .type('text/plain; charset=utf-8')
        .serializer((s: unknown) => String(s))
        .send(session);
    },
  );
}
