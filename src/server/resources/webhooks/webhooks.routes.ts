import type { FastifyRequest } from 'fastify';
import { IdParams } from '../../../contract/common.js';
import { CreateWebhookBody, ReplayWebhookBody, WebhookListQuery } from '../../../contract/webhooks.js';
import type { ApiApp } from '../../http/types.js';
import type { WebhooksService } from './webhooks.service.js';

/**
 * The operator's webhook endpoints under /api/admin (extension), for the CLI and for
 * operators' own tools; `operatorOnly` refuses callers without the operator key.
 */
export function webhookAdminRoutes(app: ApiApp, webhooks: WebhooksService, operatorOnly: (req: FastifyRequest) => void): void {
  const config = { public: true };
  const base = '/api/admin/webhooks';
  app.get(base, { config, schema: { hide: true, querystring: WebhookListQuery } }, async (req) => {
    operatorOnly(req);
    return webhooks.list(req.query.customer);
  });
  app.post(base, { config, schema: { hide: true, body: CreateWebhookBody } }, async (req, reply) => {
    operatorOnly(req);
    return reply.code(201).send(await webhooks.create(req.body));
  });
  app.get(`${base}/:id`, { config, schema: { hide: true, params: IdParams } }, async (req) => {
    operatorOnly(req);
    return webhooks.get(req.params.id);
  });
  app.post(`${base}/:id/pause`, { config, schema: { hide: true, params: IdParams } }, async (req) => {
    operatorOnly(req);
    return webhooks.pause(req.params.id);
  });
  app.post(`${base}/:id/resume`, { config, schema: { hide: true, params: IdParams } }, async (req) => {
    operatorOnly(req);
    return webhooks.resume(req.params.id);
  });
  app.post(`${base}/:id/replay`, { config, schema: { hide: true, params: IdParams, body: ReplayWebhookBody } }, async (req) => {
    operatorOnly(req);
    return webhooks.replay(req.params.id, req.body.from);
  });
  app.delete(`${base}/:id`, { config, schema: { hide: true, params: IdParams } }, async (req, reply) => {
    operatorOnly(req);
    await webhooks.remove(req.params.id);
    return reply.code(204).send();
  });
}
