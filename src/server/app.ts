import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import { boundPort, publicUrl, type Config } from './config.js';
import { API_PREFIX } from './http/prefix.js';
import { MailSender } from './mail/sender.js';
import type { Database } from './db/client.js';
import { registerAuth } from './http/auth.js';
import { PathMatcher, registerBodyNormaliser, registerBodyParsers } from './http/compat.js';
import { frameworkError, registerErrorHandler, type UndeclaredErrorListener } from './http/errors.js';
import { safeError } from './http/log.js';
import { addLenientDate, VALIDATOR_OPTIONS } from './http/validator.js';
import { docsCsp, registerSecurityHeaders } from './http/security.js';
import { contractGuard, nameSchemas } from './http/contract.js';
import { DEMO_TOKEN } from './demo/demo.js';
import type { ApiApp } from './http/types.js';
import { VERIFY_PATH } from './resources/keychain/keychain.service.js';
import { createServices, routeModules, type Core } from './resources/registry.js';
import type { Clock } from './resources/webhooks/webhook-dispatcher.js';
import { Metrics, metricsRoute } from './ops/metrics.js';
import { healthRoutes } from './ops/health.routes.js';
import { registerRouteNotFound } from './ops/route-not-found.js';
import { backupRoutes } from './ops/backup.routes.js';

export { API_PREFIX };

export interface AppDeps {
  db: Database;
  config: Config;
  /** Enables the operator endpoints the CLI uses while this process holds the embedded database. */
  operatorKey?: string;
  /** How many page marks this process keeps (default 5,000; tests make it small). */
  pageMarks?: number;
  /** Pino options, or false for silence (tests). */
  logger?: boolean | object;
  /** Told when an error answer carries a code its operation does not declare (the test harness fails on it). */
  onUndeclaredError?: UndeclaredErrorListener;
  /** The time rate-limit minutes and webhook retries follow (tests move it instead of waiting). */
  clock?: Clock;
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
    serializers: logSerializers,
  };
}

/** Builds the whole HTTP app on a database; never listens (tests inject, main listens). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // Metrics cost a little on every statement, so they exist only when someone can read them.
  const metrics = config.METRICS_TOKEN ? new Metrics(deps.db) : undefined;
  const db = metrics ? metrics.instrument(deps.db) : deps.db;
  const matcher = new PathMatcher();
  const options: FastifyServerOptions = {
    ...(deps.loggerInstance
      ? { loggerInstance: deps.loggerInstance }
      : { logger: deps.logger === false ? false : typeof deps.logger === 'object' ? { ...deps.logger, serializers: logSerializers } : loggerOptions(config) }),
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 200 ? req.headers['x-request-id'] : randomUUID(),
    rewriteUrl: (req) => matcher.rewrite(req.url ?? '/'),
    frameworkErrors: frameworkError as never,
    // The largest real body (every field of a user at its limit) is well under 100 KB;
    // 2 MB is generous and bounds what one request makes the server parse.
    bodyLimit: 2 * 1024 * 1024,
    ajv: {
      customOptions: { ...VALIDATOR_OPTIONS },
      plugins: [addLenientDate as never],
    },
  };
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRoute', (route) => matcher.learn(route.url));
  registerSecurityHeaders(app as unknown as FastifyInstance, { https: publicUrl(config).startsWith('https:') });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
  });
  registerBodyParsers(app);
  registerErrorHandler(app, deps.onUndeclaredError);
  registerRouteNotFound(app as unknown as FastifyInstance);
  if (metrics) metrics.register(app as unknown as FastifyInstance);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'learnfile integration API',
        version: '2.1',
        description:
          'Wire-compatible with the OneFile ePortfolio API v2.1. Paths and body keys are case-insensitive; bodies may be JSON or form-encoded. ' +
          'Every error answers `{code, message}` (and `errors` naming each field at fault); each operation lists the codes it can answer, ' +
          'also as `x-error-codes`.\n\n' +
          `**Trying it here against the demo:** Authorize \`CustomerToken\` with \`${DEMO_TOKEN}\`, run *authenticate*, ` +
          "then Authorize `TokenID` with the text it answers. The examples use the demo's first centre (ID 1, Northgate College) " +
          'and its classes, placements and staff.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          TokenID: { type: 'apiKey', in: 'header', name: 'X-TokenID', description: 'The session token POST /Authentication answers' },
          CustomerToken: { type: 'apiKey', in: 'header', name: 'X-CustomerToken', description: `The customer's API token (the demo's is ${DEMO_TOKEN})` },
        },
      },
      security: [{ TokenID: [] }],
    },
    transformObject: (doc) => ('openapiObject' in doc ? nameSchemas(doc.openapiObject as Record<string, unknown>) : doc.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: docsCsp });

  const sender = config.SMTP_URL
    ? new MailSender(
        db,
        {
          smtpUrl: config.SMTP_URL,
          from: config.MAIL_FROM,
          pollMs: config.MAIL_POLL_MS,
          maxAttempts: config.MAIL_MAX_ATTEMPTS,
          retryBaseMs: config.MAIL_RETRY_BASE_MS,
          leaseMs: config.MAIL_LEASE_MS,
          ...(metrics ? { onSent: () => metrics.mailSent.inc(), onFailed: () => metrics.mailFailures.inc() } : {}),
        },
        app.log,
      )
    : undefined;
  const core: Core = {
    db,
    config,
    log: app.log,
    operatorKey: deps.operatorKey,
    clock: deps.clock,
    pageMarks: deps.pageMarks,
    publicUrl: () => publicUrl(config, boundPort(app.server)),
    mailQueued: () => {
      if (sender) sender.kick();
      // Without SMTP the message waits in the outbox. The link is a credential, so it is not
      // logged: the operator reads it with the CLI.
      else app.log.info('mail queued; SMTP_URL is not set, so it stays in the outbox: `learnfile mail list` shows it');
    },
  };
  const services = createServices(core);
  const { limiter, authFailures, marks, sessions, readAhead } = services;
  app.decorate('readAhead', readAhead);
  // Pages read ahead are not served across a write this process handles (it may change them):
  // forgotten when a write starts and again when it ends. Reads are GETs and routes marked readOnly.
  const writes = (request: FastifyRequest) => request.method !== 'GET' && request.method !== 'HEAD' && !request.routeOptions.config?.readOnly;
  app.addHook('onRequest', async (request) => {
    if (writes(request)) readAhead.changed();
  });
  app.addHook('onResponse', async (request) => {
    if (writes(request)) readAhead.changed();
  });
  app.decorate('pageMarks', marks);
  app.decorate('userFacts', services.users.facts);
  app.decorate('sessionCache', sessions);
  const { signal, dispatcher } = services;
  app.decorate('eventSignal', signal);
  app.decorate('webhookDispatcher', dispatcher);
  // Background work that reads several tables waits while tests empty them (see whilePaused).
  app.decorate('whileBackgroundPaused', <T>(fn: () => Promise<T>) => dispatcher.whilePaused(fn));
  app.addHook('onReady', async () => {
    await signal.start();
    await sessions.start(db);
    dispatcher.start(signal);
  });
  // Before the server waits for open requests: long-polls of the feed answer at once.
  app.addHook('preClose', async () => {
    await signal.close();
  });
  app.addHook('onClose', async () => {
    await dispatcher.stop();
    await signal.close();
    await sessions.close();
  });
  if (sender) {
    app.decorate('mailSender', sender);
    app.addHook('onReady', async () => sender.start());
    app.addHook('onClose', async () => sender.stop());
  }
  // Tests empty the tables between cases (IDs restart); what this process remembers must go too.
  app.decorate('forgetCaches', async () => {
    marks.clear();
    readAhead.changed();
    limiter.forget();
    authFailures.forget();
    sessions.forget();
  });

  await app.register(
    async (api: ApiApp) => {
      registerAuth(api, services.auth);
      registerBodyNormaliser(api);
      api.addHook('onRoute', contractGuard());
      api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
      for (const module of routeModules) if (module.scope === 'api') module.register(api, services, core);
    },
    { prefix: API_PREFIX },
  );
  for (const module of routeModules) if (module.scope === 'root') module.register(app as unknown as ApiApp, services, core);
  if (deps.operatorKey && db.kind === 'pglite') backupRoutes(app as unknown as FastifyInstance, deps.db, deps.operatorKey);
  healthRoutes(app as unknown as FastifyInstance, deps.db);
  if (metrics && config.METRICS_TOKEN) metricsRoute(app as unknown as FastifyInstance, metrics, config.METRICS_TOKEN);

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
  await app.ready();
  return app as unknown as FastifyInstance;
}

/** Verification links are credentials: their tokens stay out of the access log. */
const redactVerification = (url: string): string => (url.toLowerCase().startsWith(`${VERIFY_PATH}/`) ? `${VERIFY_PATH}/[redacted]` : url);

/** Verification links are credentials: their tokens stay out of the access log. Errors are
 * logged without SQL, parameters or quoted values (http/log.ts). */
const logSerializers = {
  err: safeError as never,
  req: (req: { method: string; url: string; ip?: string }) => ({
    method: req.method,
    url: redactVerification(req.url),
    remoteAddress: req.ip,
  }),
};
