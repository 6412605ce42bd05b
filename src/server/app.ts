import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import { boundPort, publicUrl, type Config } from './config.js';
import { API_PREFIX } from './http/prefix.js';
import { MailSender } from './mail/sender.js';
import { UsersService } from './domain/users.service.js';
import { KeychainService } from './domain/keychain.service.js';
import { userRoutes } from './http/routes/users.routes.js';
import { keychainRoutes } from './http/routes/keychain.routes.js';
import { adminRoutes } from './http/routes/admin.routes.js';
import type { Database } from './db/client.js';
import { PageMarks } from './db/search.js';
import { AuthService } from './domain/auth.service.js';
import { RateLimiter } from './domain/rate-limiter.js';
import { OrganisationsService } from './domain/organisations.service.js';
import { OrgRecordsService, classroomSpec, placementSpec } from './domain/org-records.service.js';
import { Searcher } from './domain/search.service.js';
import { registerAuth } from './http/auth.js';
import { CANONICAL_DATE, PathCanon, pathRewriter, registerBodyNormaliser, registerBodyParsers } from './http/compat.js';
import { registerErrorHandler } from './http/errors.js';
import { authenticationRoutes } from './http/routes/authentication.routes.js';
import { organisationRoutes } from './http/routes/organisations.routes.js';
import { orgRecordRoutes } from './http/routes/org-records.routes.js';
import type { ApiApp } from './http/types.js';
import { Metrics, metricsRoute } from './ops/metrics.js';
import { healthRoutes } from './ops/health.routes.js';
import { registerRouteNotFound } from './ops/route-not-found.js';
import { backupRoutes } from './ops/backup.routes.js';
import { Classroom, ClassroomSearchFilter, CreateClassroomBody, UpdateClassroomBody } from '../contract/classrooms.js';
import { CreatePlacementBody, Placement, PlacementSearchFilter, UpdatePlacementBody } from '../contract/placements.js';

export { API_PREFIX };

export interface AppDeps {
  db: Database;
  config: Config;
  /** Enables the operator endpoints the CLI uses while this process holds the embedded database. */
  operatorKey?: string;
  /** Pino options, or false for silence (tests). */
  logger?: boolean | object;
  /** A logger made before the app (serve() logs while it waits for the database). */
  loggerInstance?: FastifyBaseLogger;
}

/** The server's log: readable lines on a terminal (or LOG_FORMAT=pretty), JSON lines otherwise. */
export function loggerOptions(config: Config) {
  return {
    level: config.LOG_LEVEL,
    ...(config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY)
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
    // Verification links are credentials: keep their tokens out of the access log.
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method, url: req.url.replace(/(\/keychain\/verify\/)[^/?#]+/i, '$1[redacted]'), remoteAddress: req.ip,
      }),
    },
  };
}

/** Builds the whole HTTP app on a database; never listens (tests inject, main listens). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // Metrics cost a little on every statement, so they exist only when someone can read them.
  const metrics = config.METRICS_TOKEN ? new Metrics(deps.db) : undefined;
  const db = metrics ? metrics.instrument(deps.db) : deps.db;
  const canon = new PathCanon();
  const options: FastifyServerOptions = {
    ...(deps.loggerInstance ? { loggerInstance: deps.loggerInstance } : { logger: deps.logger ?? loggerOptions(config) }),
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 200 ? req.headers['x-request-id'] : randomUUID()),
    rewriteUrl: pathRewriter(canon),
    bodyLimit: 10 * 1024 * 1024,
    ajv: {
      customOptions: { allErrors: true, coerceTypes: true, removeAdditional: true, useDefaults: true },
      // The compat layer has already rewritten every readable date to this canonical form.
      plugins: [((ajv: { addFormat(name: string, re: RegExp): unknown }) => ajv.addFormat('lenient-date', CANONICAL_DATE)) as never],
    },
  };
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRoute', (route) => canon.learn(route.url));
  app.addHook('onRequest', async (request, reply) => { reply.header('X-Request-ID', request.id); });
  registerBodyParsers(app);
  registerErrorHandler(app);
  registerRouteNotFound(app as unknown as FastifyInstance);
  if (metrics) metrics.register(app as unknown as FastifyInstance);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'learnfile integration API',
        version: '2.1',
        description: 'Wire-compatible with the OneFile ePortfolio API v2.1. Paths and body keys are case-insensitive; bodies may be JSON or form-encoded.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          TokenID: { type: 'apiKey', in: 'header', name: 'X-TokenID' },
          CustomerToken: { type: 'apiKey', in: 'header', name: 'X-CustomerToken' },
        },
      },
      security: [{ TokenID: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const limiter = new RateLimiter(db, config.RATE_LIMIT_PER_MINUTE, app.log);
  app.addHook('onReady', async () => limiter.start());
  app.addHook('onClose', async () => limiter.stop());
  const auth = new AuthService(db, limiter, { sessionHours: config.SESSION_HOURS });
  // Tests empty the tables between cases (IDs restart); what this process remembers must go too.
  // The limiter's background write is awaited so that it cannot interleave with the emptying.
  app.decorate('forgetCaches', async () => { marks.clear(); limiter.forget(); await limiter.flush(); });
  const marks = new PageMarks();
  const searcher = new Searcher(db, marks, config.MAX_PAGE_SIZE);
  const organisations = new OrganisationsService(db, searcher);
  const classrooms = new OrgRecordsService<Record<string, unknown>>(db, searcher, classroomSpec, 'classrooms');
  const placements = new OrgRecordsService<Record<string, unknown>>(db, searcher, placementSpec, 'placements');
  const sender = config.SMTP_URL
    ? new MailSender(db, {
      smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, pollMs: config.MAIL_POLL_MS,
      maxAttempts: config.MAIL_MAX_ATTEMPTS, retryBaseMs: config.MAIL_RETRY_BASE_MS,
      ...(metrics ? { onSent: () => metrics.mailSent.inc(), onFailed: () => metrics.mailFailures.inc() } : {}),
    }, app.log)
    : undefined;
  const users = new UsersService({
    db, searcher,
    publicUrl: () => publicUrl(config, boundPort(app.server)),
    mailQueued: (link) => {
      if (sender) sender.kick();
      // Without SMTP the message waits in the outbox; say where the link is so a demo can go on.
      else app.log.info(`mail queued; SMTP_URL is not set, so it stays in the outbox (learnfile mail list). Link: ${link}`);
    },
  });
  const keychain = new KeychainService(db);
  if (sender) {
    app.addHook('onReady', async () => sender.start());
    app.addHook('onClose', async () => sender.stop());
  }

  await app.register(async (api: ApiApp) => {
    registerAuth(api, auth);
    registerBodyNormaliser(api);
    api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
    authenticationRoutes(api, auth);
    organisationRoutes(api, organisations);
    orgRecordRoutes(api, {
      base: '/Classroom', noun: 'class', plural: 'Classes', record: Classroom, create: CreateClassroomBody,
      update: UpdateClassroomBody, filter: ClassroomSearchFilter, service: classrooms,
    });
    orgRecordRoutes(api, {
      base: '/Placement', noun: 'placement', plural: 'Placements', record: Placement, create: CreatePlacementBody,
      update: UpdatePlacementBody, filter: PlacementSearchFilter, service: placements,
    });
    userRoutes(api, users);
  }, { prefix: API_PREFIX });
  keychainRoutes(app, keychain);
  if (deps.operatorKey) {
    adminRoutes(app, db, deps.operatorKey);
    backupRoutes(app as unknown as FastifyInstance, deps.db, deps.operatorKey);
  }
  healthRoutes(app as unknown as FastifyInstance, deps.db);
  if (metrics && config.METRICS_TOKEN) metricsRoute(app as unknown as FastifyInstance, metrics, config.METRICS_TOKEN);

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
  await app.ready();
  return app as unknown as FastifyInstance;
}
