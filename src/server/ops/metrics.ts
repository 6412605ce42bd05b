import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../db/client.js';
import { outboxDepth } from './ops.service.js';
import { sameHash, tokenHash } from '../domain/secrets.js';

/**
 * Prometheus metrics for one app, in its own registry (tests build several apps in one
 * process). Counted: HTTP requests by route pattern and status with their latency, database
 * statement time and (on PostgreSQL) the pool, the mail outbox by state and send failures,
 * and rate-limit refusals. Scraped at GET /metrics with the METRICS_TOKEN bearer token.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'learnfile_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'learnfile_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  readonly queries = new Histogram({
    name: 'learnfile_db_query_duration_seconds',
    help: 'Time a database statement or transaction took, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  readonly queryErrors = new Counter({
    name: 'learnfile_db_query_errors_total',
    help: 'Database statements or transactions that failed',
    registers: [this.registry],
  });
  readonly mailFailures = new Counter({
    name: 'learnfile_mail_send_failures_total',
    help: 'SMTP send attempts that failed (each retry counts)',
    registers: [this.registry],
  });
  readonly mailSent = new Counter({
    name: 'learnfile_mail_sent_total',
    help: 'Messages handed to the SMTP server',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'learnfile_rate_limit_refusals_total',
    help: 'Calls refused with 429 because a customer used up its minute',
    registers: [this.registry],
  });

  constructor(db: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'learnfile_' });
    const depth = new Gauge({
      name: 'learnfile_mail_outbox_messages',
      help: 'Messages in the mail outbox, by state',
      labelNames: ['status'] as const,
      registers: [this.registry],
      // Read when scraped: one grouped count over the outbox.
      async collect() {
        this.reset();
        for (const s of ['pending', 'sent', 'failed']) this.set({ status: s }, 0);
        for (const row of await outboxDepth(db)) this.set({ status: row.status }, row.count);
      },
    });
    void depth;
    const stats = db.poolStats?.bind(db);
    if (stats) {
      new Gauge({
        name: 'learnfile_db_pool_connections',
        help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one',
        labelNames: ['state'] as const,
        registers: [this.registry],
        collect() {
          const s = stats();
          this.set({ state: 'total' }, s.total);
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'waiting' }, s.waiting);
        },
      });
    }
  }

  /** The same database, with every statement and transaction timed. */
  instrument(db: Database): Database {
    const timed = async <T>(kind: string, fn: () => Promise<T>): Promise<T> => {
      const end = this.queries.startTimer({ kind });
      try {
        return await fn();
      } catch (err) {
        this.queryErrors.inc();
        throw err;
      } finally {
        end();
      }
    };
    const query: Queryable['query'] = (sql, params) => timed('statement', () => db.query(sql, params));
    return Object.assign(Object.create(db) as Database, {
      query,
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) => timed('transaction', () => db.transaction(fn)),
    });
  }

  /** Counts every answer; routes are labelled by pattern (`/api/v2.1/User/:id`), never by raw path. */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      this.requests.inc(labels);
      this.latency.observe(labels, reply.elapsedTime / 1000);
      if (reply.statusCode === 429) this.rateLimited.inc();
    });
  }
}

/** GET /metrics, answered only to `Authorization: Bearer <METRICS_TOKEN>`. */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string): void {
  const expected = tokenHash(token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
    if (!given || !sameHash(tokenHash(given), expected)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="learnfile metrics"')
        .type('text/plain; charset=utf-8')
        .send('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>\n');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
