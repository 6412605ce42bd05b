import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameHash, tokenHash } from '../../domain/secrets.js';
import { AppError } from '../../domain/app-error.js';
import type { ApiApp } from '../../http/types.js';
import type { Core, Services } from '../registry.js';
import { runOperation } from './admin.operations.js';
import { webhookAdminRoutes } from '../webhooks/webhooks.routes.js';

export const ADMIN_PREFIX = '/api/admin';

/**
 * The operator's door (not part of the compatible API, hidden from its OpenAPI document):
 * `POST /api/admin/ops/{name}` runs one operator operation with a JSON input. Open only
 * when an operator key exists: the per-run key a server on the embedded database writes to
 * its private lock file (so the CLI on the same machine can reach it), or OPERATOR_KEY.
 */
export function adminRoutes(app: ApiApp, services: Services, core: Core): void {
  const keys = [core.operatorKey, core.config.OPERATOR_KEY].filter((k): k is string => Boolean(k)).map(tokenHash);
  if (keys.length === 0) return;
  const authorise = (req: FastifyRequest): void => {
    const given = req.headers['x-operator-key'];
    const hash = typeof given === 'string' ? tokenHash(given) : undefined;
    // Every key is compared, so the time taken does not say which one nearly matched.
    const ok = hash !== undefined && keys.map((k) => sameHash(k, hash)).includes(true);
    if (!ok) throw new AppError('UNAUTHORISED', 'The operator key is missing or wrong.');
  };
  webhookAdminRoutes(app, services.webhooks, authorise);
  app.post(
    `${ADMIN_PREFIX}/ops/:name`,
    {
      config: { public: true },
      onRequest: async (req) => authorise(req),
      schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) },
    },
    async (req, reply) => {
      const result = await runOperation(services, req.params.name, req.body);
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(JSON.stringify({ result }));
    },
  );
}
