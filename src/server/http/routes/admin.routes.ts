import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { Database } from '../../db/client.js';
import { listMail } from '../../db/mail-list.repository.js';
import { sameHash, tokenHash } from '../../domain/secrets.js';
import { AppError } from '../../domain/app-error.js';
import type { ApiApp } from '../types.js';
import type { WebhooksService } from '../../resources/webhooks/webhooks.service.js';
import { webhookAdminRoutes } from '../../resources/webhooks/webhooks.routes.js';

/**
 * What the operator CLI asks a running server for when it cannot open the embedded database
 * itself (PGlite is one process's). Only registered with an operator key, which the server
 * writes to its private lock file in the data directory; hidden from the OpenAPI contract.
 */
export function adminRoutes(app: ApiApp, db: Database, operatorKey: string, webhooks: WebhooksService): void {
  const expected = tokenHash(operatorKey);
  const operatorOnly = (req: { headers: Record<string, unknown> }) => {
    const key = req.headers['x-operator-key'];
    if (typeof key !== 'string' || !sameHash(tokenHash(key), expected)) throw new AppError('UNAUTHORISED', 'The operator key is missing or wrong.');
  };
  app.get('/api/admin/mail', {
    config: { public: true },
    schema: {
      hide: true,
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')])),
        limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
      }),
    },
  }, async (req, reply) => {
    operatorOnly(req);
    const rows = await listMail(db, { status: req.query.status, limit: req.query.limit });
    return (reply as FastifyReply).type('application/json; charset=utf-8').send(JSON.stringify(rows));
  });
  webhookAdminRoutes(app, webhooks, operatorOnly);
}
