import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
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
import { AuthFailureLimiter, RateLimiter } from './domain/rate-limiter.js';
import { OrganisationsService } from './domain/organisations.service.js';
import { OrgRecordsService, classroomSpec, placementSpec } from './domain/org-records.service.js';
import { Searcher } from './domain/search.service.js';
import { registerAuth } from './http/auth.js';
import { CANONICAL_DATE, PathCanon, pathRewriter, registerBodyNormaliser, registerBodyParsers } from './http/compat.js';
import { frameworkError, registerErrorHandler } from './http/errors.js';
import { safeError } from './http/log.js';
import { docsCsp, registerSecurityHeaders } from './http/security.js';
import { authenticationRoutes } from './http/routes/authentication.routes.js';
import { organisationRoutes } from './http/routes/organisations.routes.js';
import { orgRecordRoutes } from './http/routes/org-records.routes.js';
import type { ApiApp } from './http/types.js';
import { Classroom, ClassroomSearchFilter, CreateClassroomBody, UpdateClassroomBody } from '../contract/classrooms.js';
import { CreatePlacementBody, Placement, PlacementSearchFilter, UpdatePlacementBody } from '../contract/placements.js';

export { API_PREFIX };

export interface AppDeps {
  db: Database;
  config: Config;
  /** Enables the operator endpoints the CLI uses while this process holds the embedded database. */
  operatorKey?: string;
  /** How many page marks this process keeps (default 5,000; tests make it small). */
  pageMarks?: number;
  /** The time the rate limits count minutes by (tests fix it); Date.now by default. */
  clock?: () => number;
  /** Pino options, or false for silence (tests). */
  logger?: boolean | object;
}

/** Builds the whole HTTP app on a database; never listens (tests inject, main listens). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { db, config } = deps;
  const canon = new PathCanon();
  // Verification links are credentials: keep their tokens out of the access log. Errors are
  // logged without SQL, parameters or quoted values (http/log.ts).
  const serializers = {
    err: safeError as never,
    req: (req: { method: string; url: string; ip?: string }) => ({
      method: req.method, url: req.url.replace(/(\/keychain\/verify\/)[^/?#]+/i, '$1[redacted]'), remoteAddress: req.ip,
    }),
  };
  const options: FastifyServerOptions = {
    logger: deps.logger === false ? false : typeof deps.logger === 'object' ? { ...deps.logger, serializers } : {
      level: config.LOG_LEVEL,
      ...(config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && process.stdout.isTTY)
        ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
        : {}),
      serializers,
    },
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 200 ? req.headers['x-request-id'] : randomUUID()),
    rewriteUrl: pathRewriter(canon),
    frameworkErrors: frameworkError as never,
    // The largest real body (every field of a user at its limit) is well under 100 KB;
    // 2 MB is generous and bounds what one request makes the server parse.
    bodyLimit: 2 * 1024 * 1024,
    ajv: {
      // strictNumbers: NaN and Infinity (and the strings that coerce to them) are not numbers.
      customOptions: { allErrors: true, coerceTypes: true, removeAdditional: true, useDefaults: true, strictNumbers: true },
      // The compat layer has already rewritten every readable date to this canonical form.
      plugins: [((ajv: { addFormat(name: string, re: RegExp): unknown }) => ajv.addFormat('lenient-date', CANONICAL_DATE)) as never],
    },
  };
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRoute', (route) => canon.learn(route.url));
  registerSecurityHeaders(app as unknown as FastifyInstance, { https: publicUrl(config).startsWith('https:') });
  app.addHook('onRequest', async (request, reply) => { reply.header('X-Request-ID', request.id); });
  registerBodyParsers(app);
  registerErrorHandler(app);

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
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: docsCsp });

  const limiter = new RateLimiter(db, config.RATE_LIMIT_PER_MINUTE, deps.clock);
  const authFailures = new AuthFailureLimiter(config.AUTH_FAILURES_PER_MINUTE, deps.clock);
  const auth = new AuthService(db, limiter, authFailures, { sessionHours: config.SESSION_HOURS });
  // Tests empty the tables between cases (IDs restart); what this process remembers must go too.
  app.decorate('forgetCaches', async () => { marks.clear(); limiter.forget(); authFailures.forget(); });
  const marks = new PageMarks(deps.pageMarks);
  app.decorate('pageMarks', marks);
  const searcher = new Searcher(db, marks, config.MAX_PAGE_SIZE);
  const organisations = new OrganisationsService(db, searcher);
  const classrooms = new OrgRecordsService<Record<string, unknown>>(db, searcher, classroomSpec, 'classrooms');
  const placements = new OrgRecordsService<Record<string, unknown>>(db, searcher, placementSpec, 'placements');
  const sender = config.SMTP_URL
    ? new MailSender(db, {
      smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, pollMs: config.MAIL_POLL_MS,
      maxAttempts: config.MAIL_MAX_ATTEMPTS, retryBaseMs: config.MAIL_RETRY_BASE_MS, leaseMs: config.MAIL_LEASE_MS,
    }, app.log)
    : undefined;
  const users = new UsersService({
    db, searcher,
    publicUrl: () => publicUrl(config, boundPort(app.server)),
    mailQueued: () => {
      if (sender) sender.kick();
      // Without SMTP the message waits in the outbox. The link is a credential, so it is not
      // logged: the operator reads it with the CLI.
      else app.log.info('mail queued; SMTP_URL is not set, so it stays in the outbox: `learnfile mail list` shows it');
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
  if (deps.operatorKey) adminRoutes(app, db, deps.operatorKey);

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
  await app.ready();
  return app as unknown as FastifyInstance;
}
