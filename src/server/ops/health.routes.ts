import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.js';
import { pendingMigrations, ping } from './ops.service.js';

/**
 * Probes for process managers and load balancers, outside the compatible API: no session,
 * no rate limit, no body to parse. /health says the process answers; /ready says it can
 * serve (the database answers and every migration this build knows is applied) and turns
 * 503 as soon as a stop begins, so a load balancer drains it first.
 */
export function healthRoutes(app: FastifyInstance, db: Database): void {
  let migrated = false;
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  const hidden = { schema: { hide: true } };

  app.get('/health', hidden, async (_req, reply) => reply.header('Cache-Control', 'no-store').send({ status: 'ok' }));

  app.get('/ready', hidden, async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (stopping) return reply.code(503).send({ status: 'stopping' });
    try {
      if (!migrated) {
        const missing = await pendingMigrations(db);
        if (missing.length > 0) return reply.code(503).send({ status: 'migrations pending', pending: missing });
        migrated = true;
      } else {
        await ping(db);
      }
    } catch (err) {
      return reply.code(503).send({ status: 'database unreachable', error: (err as Error).message || (err as { code?: string }).code || 'error' });
    }
    return reply.send({ status: 'ready' });
  });
}
