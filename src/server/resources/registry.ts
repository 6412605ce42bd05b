/**
 * The one list of resources. A resource is a folder under resources/ with its routes,
 * service and repository; it joins the server by a line in `createServices` (its service,
 * given what it needs) and, if it has routes, a line in `routeModules`. The CLI and the
 * admin API build the same services, so an operator operation has one implementation.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { PageMarks, ReadAhead } from '../db/search.js';
import { AuthFailureLimiter, RateLimiter } from '../domain/rate-limiter.js';
import { Searcher } from '../domain/search.service.js';
import { MailService } from '../mail/mail.service.js';
import { DemoService } from '../demo/demo.js';
import type { ApiApp } from '../http/types.js';
import { adminRoutes } from './admin/admin.routes.js';
import { AuditService } from './audit/audit.service.js';
import { AuthService } from './authentication/auth.service.js';
import { SessionCache } from './authentication/session-cache.js';
import { authenticationRoutes } from './authentication/authentication.routes.js';
import { CustomersService } from './customers/customers.service.js';
import { customerRoutes } from './customers/customers.routes.js';
import { KeychainService } from './keychain/keychain.service.js';
import { keychainRoutes } from './keychain/keychain.routes.js';
import { classroomRoutes, placementRoutes } from './org-records/org-records.routes.js';
import { OrgRecordsService } from './org-records/org-records.service.js';
import { classrooms, placements } from './org-records/org-records.repository.js';
import { OrganisationsService } from './organisations/organisations.service.js';
import { organisationRoutes } from './organisations/organisations.routes.js';
import { UsersService } from './users/users.service.js';
import { UsersBulkService } from './users/users.bulk.service.js';
import { userRoutes } from './users/users.routes.js';
import { EventSignal } from './events/event-signal.js';
import { EventsService } from './events/events.service.js';
import { eventRoutes } from './events/events.routes.js';
import { WebhookDispatcher, type Clock } from './webhooks/webhook-dispatcher.js';
import { WebhooksService } from './webhooks/webhooks.service.js';
import { StandardsService } from './standards/standards.service.js';
import { standardRoutes } from './standards/standards.routes.js';
import { UnitsService } from './units/units.service.js';
import { unitRoutes } from './units/units.routes.js';
import { FrameworkTemplatesService } from './framework-templates/framework-templates.service.js';
import { frameworkTemplateRoutes } from './framework-templates/framework-templates.routes.js';
import { LearningAimsService } from './learning-aims/learning-aims.service.js';
import { learningAimRoutes } from './learning-aims/learning-aims.routes.js';
import { UnitSummariesService } from './unit-summaries/unit-summaries.service.js';
import { unitSummaryRoutes } from './unit-summaries/unit-summaries.routes.js';
import { AssignmentsService } from './assignments/assignments.service.js';
import { assignmentRoutes } from './assignments/assignments.routes.js';
import { CatalogueService } from './catalogue/catalogue.service.js';
import { ProvidersService } from './providers/providers.service.js';
import { providerRoutes } from './providers/providers.routes.js';
import { VisitsService } from './visits/visits.service.js';
import { visitRoutes } from './visits/visits.routes.js';
import { ReviewsService } from './reviews/reviews.service.js';
import { reviewRoutes } from './reviews/reviews.routes.js';
import { PlansService } from './plans/plans.service.js';
import { planRoutes } from './plans/plans.routes.js';
import { TimesheetsService } from './timesheets/timesheets.service.js';
import { timesheetRoutes } from './timesheets/timesheets.routes.js';
import { OffTheJobService } from './offthejob/offthejob.service.js';
import { offTheJobRoutes } from './offthejob/offthejob.routes.js';

/** What every service may need from the process that hosts it (the server, or the CLI). */
export interface Core {
  db: Database;
  config: Config;
  log: FastifyBaseLogger;
  /** Base of the links put in emails (known for sure only once the server listens). */
  publicUrl: () => string;
  /** Told after a commit that queued mail, so the sender need not wait for its next poll. */
  mailQueued: () => void;
  /** The per-run operator key of a server that holds the embedded database (see db/lock.ts). */
  operatorKey?: string | undefined;
  /** The time sessions, rate-limit minutes and background schedules follow; tests move it instead of waiting. */
  clock?: Clock | undefined;
  /** How many page marks this process keeps (default 5,000; tests make it small). */
  pageMarks?: number | undefined;
}

export function createServices(core: Core) {
  const { db, config } = core;
  const marks = new PageMarks(core.pageMarks);
  const readAhead = new ReadAhead();
  const searcher = new Searcher(db, marks, config.MAX_PAGE_SIZE, config.EXACT_COUNT_LIMIT, readAhead);
  const millis = core.clock ? () => core.clock!().getTime() : Date.now;
  const limiter = new RateLimiter(db, config.RATE_LIMIT_PER_MINUTE, millis);
  const authFailures = new AuthFailureLimiter(config.AUTH_FAILURES_PER_MINUTE, millis);
  // Used only once started (the server starts it; the CLI never does, and reads the database).
  const sessions = new SessionCache(config.SESSION_CACHE_SIZE);
  const customers = new CustomersService(db, (tokenId) => sessions.dropToken(tokenId));
  const organisations = new OrganisationsService(db, searcher, customers);
  const signal = new EventSignal(db);
  // A commit with change events, in any process, may change what a page read ahead holds.
  signal.on(() => readAhead.changed());
  const dispatcher = new WebhookDispatcher(
    db,
    {
      pollMs: config.WEBHOOK_POLL_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      batchSize: config.WEBHOOK_BATCH_SIZE,
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
      retryHours: config.WEBHOOK_RETRY_HOURS,
      concurrency: 4,
    },
    core.log,
    core.clock,
  );
  return {
    signal,
    dispatcher,
    marks,
    readAhead,
    searcher,
    limiter,
    authFailures,
    sessions,
    auth: new AuthService(db, limiter, authFailures, { sessionHours: config.SESSION_HOURS, clock: core.clock ?? (() => new Date()) }, sessions),
    customers,
    organisations,
    classrooms: new OrgRecordsService<Record<string, unknown>>(db, searcher, classrooms, 'classrooms'),
    placements: new OrgRecordsService<Record<string, unknown>>(db, searcher, placements, 'placements'),
    users: new UsersService({ db, searcher, publicUrl: core.publicUrl, mailQueued: core.mailQueued }),
    usersBulk: new UsersBulkService({ db, publicUrl: core.publicUrl, mailQueued: core.mailQueued }),
    keychain: new KeychainService(db),
    audit: new AuditService(db),
    mail: new MailService(db),
    demo: new DemoService(db),
    events: new EventsService(db, signal),
    webhooks: new WebhooksService(db, core.clock, () => dispatcher.kick()),
    standards: new StandardsService(db, searcher),
    units: new UnitsService(db, searcher),
    frameworkTemplates: new FrameworkTemplatesService(db, searcher),
    learningAims: new LearningAimsService(db, searcher),
    unitSummaries: new UnitSummariesService(db, searcher),
    assignments: new AssignmentsService(db),
    catalogue: new CatalogueService(db),
    providers: new ProvidersService(db, searcher),
    visits: new VisitsService(db, searcher, organisations),
    reviews: new ReviewsService(db, searcher),
    plans: new PlansService(db, searcher, customers),
    timesheets: new TimesheetsService(db, customers),
    offTheJob: new OffTheJobService(db),
  };
}

export type Services = ReturnType<typeof createServices>;

export interface RouteModule {
  /** `api`: under /api/v2.1, authenticated unless a route says `public`; `root`: outside it. */
  scope: 'api' | 'root';
  register(app: ApiApp, services: Services, core: Core): void;
}

export const routeModules: RouteModule[] = [
  { scope: 'api', register: authenticationRoutes },
  { scope: 'api', register: customerRoutes },
  { scope: 'api', register: organisationRoutes },
  { scope: 'api', register: classroomRoutes },
  { scope: 'api', register: placementRoutes },
  { scope: 'api', register: userRoutes },
  { scope: 'api', register: eventRoutes },
  { scope: 'api', register: standardRoutes },
  { scope: 'api', register: unitRoutes },
  { scope: 'api', register: frameworkTemplateRoutes },
  { scope: 'api', register: learningAimRoutes },
  { scope: 'api', register: unitSummaryRoutes },
  { scope: 'api', register: assignmentRoutes },
  { scope: 'api', register: providerRoutes },
  { scope: 'api', register: visitRoutes },
  { scope: 'api', register: reviewRoutes },
  { scope: 'api', register: planRoutes },
  { scope: 'api', register: timesheetRoutes },
  { scope: 'api', register: offTheJobRoutes },
  { scope: 'root', register: keychainRoutes },
  { scope: 'root', register: adminRoutes },
];
