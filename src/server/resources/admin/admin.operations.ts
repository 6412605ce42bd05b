/**
 * Everything the operator does, as named operations with a checked input. The CLI runs an
 * operation in-process on the database it opens, or, while a server holds the embedded
 * database, asks that server to run it through the admin API: one implementation, two doors.
 * Answers are plain JSON (dates as ISO strings) on both paths.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { Compile, type Validator } from 'typebox/compile';
import { AppError, issue } from '../../domain/app-error.js';
import { ajvLikeIssues } from './admin.input.js';
import type { Services } from '../registry.js';
import { CreateWebhookBody } from '../../../contract/webhooks.js';
import { AuditEntity } from '../../../contract/audit.js';
import { catalogueOperations } from '../catalogue/catalogue.operations.js';
import { bulkUserOperations } from '../users/users.bulk.operations.js';

export interface Operation<I extends TSchema = TSchema, R = unknown> {
  summary: string;
  input: I;
  run(services: Services, input: Static<I>): Promise<R>;
}

const op = <I extends TSchema, R>(summary: string, input: I, run: (s: Services, input: Static<I>) => Promise<R>): Operation<I, R> => ({ summary, input, run });

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Limit = Type.Integer({ minimum: 1, maximum: 100_000 });
const OrganisationSettings = {
  name: Type.Optional(Name),
  keychain: Type.Optional(Type.Boolean()),
  suppressEmail: Type.Optional(Type.Boolean()),
};

export const operations = {
  'customer.create': op(
    'Create a customer and, unless withToken is false, its first API token (shown once)',
    Type.Object({ name: Name, withToken: Type.Boolean({ default: true }) }),
    (s, i) => s.customers.create(i.name, i.withToken),
  ),
  'customer.list': op('Customers with their live token and organisation counts', Type.Object({}), (s) => s.customers.list()),
  'token.create': op(
    'Create an API token for a customer (shown once)',
    Type.Object({ customerId: Id, label: Type.Optional(Type.String({ maxLength: 200 })) }),
    (s, i) => s.customers.createToken(i.customerId, i.label ?? null),
  ),
  'token.revoke': op('Revoke an API token; its sessions stop working at once', Type.Object({ tokenId: Id }), async (s, i) => {
    await s.customers.revokeToken(i.tokenId);
    return { tokenId: i.tokenId };
  }),
  'token.list': op("A customer's API tokens (never their values)", Type.Object({ customerId: Id }), (s, i) => s.customers.listTokens(i.customerId)),
  'organisation.create': op('Create an organisation (centre) for a customer', Type.Object({ customerId: Id, ...OrganisationSettings, name: Name }), (s, i) =>
    s.organisations.create(i.customerId, i),
  ),
  'organisation.update': op(
    "Change an organisation's name or Keychain settings",
    Type.Object({ organisationId: Id, ...OrganisationSettings, actor: Type.String({ default: 'operator', maxLength: 100 }) }),
    (s, i) => s.organisations.update(i.organisationId, i, i.actor),
  ),
  'organisation.list': op('Organisations, optionally of one customer', Type.Object({ customerId: Type.Optional(Id) }), (s, i) =>
    s.organisations.list(i.customerId),
  ),
  'learnerStatus.add': op('Add a learner status to an organisation', Type.Object({ organisationId: Id, name: Name }), (s, i) =>
    s.organisations.addLearnerStatus(i.organisationId, i.name),
  ),
  'learnerStatus.list': op("An organisation's learner statuses", Type.Object({ organisationId: Id }), (s, i) =>
    s.organisations.listLearnerStatuses(i.organisationId),
  ),
  'mail.list': op(
    'The mail outbox, newest first',
    Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')])), limit: Type.Optional(Limit) }),
    (s, i) => s.mail.list({ status: i.status, limit: i.limit ?? 20 }),
  ),
  'mail.retry': op(
    'Re-queue failed messages (the IDs given, or every failed one when none are)',
    Type.Object({ ids: Type.Optional(Type.Array(Id, { maxItems: 10_000 })) }),
    (s, i) => s.mail.requeue(i.ids),
  ),
  'audit.list': op(
    'The audit trail, newest first',
    Type.Object({
      customerId: Type.Optional(Id),
      entity: Type.Optional(AuditEntity),
      entityId: Type.Optional(Id),
      action: Type.Optional(Type.String({ maxLength: 100 })),
      since: Type.Optional(Type.String({ format: 'date-time' })),
      limit: Type.Optional(Limit),
    }),
    (s, i) =>
      s.audit.list({
        customerId: i.customerId,
        entity: i.entity,
        entityId: i.entityId,
        action: i.action,
        since: i.since === undefined ? undefined : new Date(i.since),
        limit: i.limit ?? 50,
      }),
  ),
  'webhook.create': op("Subscribe a URL to a customer's events (the signing secret is answered once)", CreateWebhookBody, (s, i) => s.webhooks.create(i)),
  'webhook.list': op('Webhook subscriptions with their state', Type.Object({ customerId: Type.Optional(Id) }), (s, i) => s.webhooks.list(i.customerId)),
  'webhook.pause': op('Stop delivering to a subscription', Type.Object({ id: Id }), (s, i) => s.webhooks.pause(i.id)),
  'webhook.resume': op('Deliver again, retrying at once', Type.Object({ id: Id }), (s, i) => s.webhooks.resume(i.id)),
  'webhook.replay': op('Deliver again from a sequence number', Type.Object({ id: Id, from: Id }), (s, i) => s.webhooks.replay(i.id, i.from)),
  'webhook.remove': op('Delete a subscription', Type.Object({ id: Id }), async (s, i) => {
    await s.webhooks.remove(i.id);
    return { id: i.id };
  }),
  'plan.add': op(
    'Record an assessment plan for a learner of a customer (plans are written in the portfolio, not through the API)',
    Type.Object({
      customerId: Id,
      learnerId: Id,
      title: Name,
      planOn: Type.String({ minLength: 1, maxLength: 40 }),
      assessorId: Type.Optional(Id),
      details: Type.Optional(Type.String({ maxLength: 20_000 })),
      assessorSignedOn: Type.Optional(Type.String({ maxLength: 40 })),
      learnerSignedOn: Type.Optional(Type.String({ maxLength: 40 })),
      actor: Type.String({ default: 'operator', maxLength: 100 }),
    }),
    (s, i) => s.plans.create(i.customerId, i, i.actor),
  ),
  'timesheet.add': op(
    "Record a timesheet entry for a learner of a customer; the learner's off-the-job summary moves at once",
    Type.Object({
      customerId: Id,
      learnerId: Id,
      category: Name,
      from: Type.String({ minLength: 1, maxLength: 40 }),
      to: Type.String({ minLength: 1, maxLength: 40 }),
      offTheJob: Type.Union([Type.Boolean(), Type.String({ maxLength: 10 })], { default: false }),
      comments: Type.Optional(Type.String({ maxLength: 20_000 })),
      actor: Type.String({ default: 'operator', maxLength: 100 }),
    }),
    (s, i) => s.timesheets.create(i.customerId, i, i.actor),
  ),
  'visitType.add': op(
    "Add an organisation's own visit type (numbered from 101; 1-3 are built in)",
    Type.Object({ organisationId: Id, name: Name, actor: Type.String({ default: 'operator', maxLength: 100 }) }),
    (s, i) => s.visits.addVisitType(i.organisationId, i.name, i.actor),
  ),
  'visitType.list': op("An organisation's visit types, built-in ones first", Type.Object({ organisationId: Id }), (s, i) =>
    s.visits.listVisitTypes(i.organisationId),
  ),
  'demo.seed': op(
    'Load the demo customer (force: replace an existing one and everything it holds)',
    Type.Object({ force: Type.Boolean({ default: false }) }),
    (s, i) => s.demo.seed(i.force),
  ),
  ...catalogueOperations,
  ...bulkUserOperations,
};

export type OperationName = keyof typeof operations;
export type OperationInput<N extends OperationName> = Static<(typeof operations)[N]['input']>;

/** What an answer looks like once it has crossed JSON: dates are ISO strings. */
type Json<T> = T extends Date ? string : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
export type OperationResult<N extends OperationName> = Json<Awaited<ReturnType<(typeof operations)[N]['run']>>>;

const checkers = new Map<string, Validator>();
const checkerFor = (name: string, schema: TSchema): Validator => {
  let checker = checkers.get(name);
  if (!checker) {
    checker = Compile(schema) as Validator;
    checkers.set(name, checker);
  }
  return checker;
};

export const isOperation = (name: string): name is OperationName => Object.hasOwn(operations, name);

/** Checks the input (defaults filled in), runs the operation, and answers it as JSON would carry it. */
export async function runOperation(services: Services, name: string, input: unknown): Promise<unknown> {
  if (!isOperation(name)) throw AppError.notFound(`There is no operator operation named ${name}.`);
  const operation = operations[name] as unknown as Operation;
  // Defaults are filled in on a copy of the top level (every default is a top-level field):
  // a deep copy of a bulk import's thousands of rows cost more than checking them.
  const value = Value.Default(operation.input, input && typeof input === 'object' && !Array.isArray(input) ? { ...input } : Value.Clone(input ?? {}));
  // A compiled check first: walking for errors costs far more, and a bulk import's input is
  // thousands of rows. The errors, when there are any, are named as before.
  if (!checkerFor(name, operation.input).Check(value)) {
    const problems = ajvLikeIssues(operation.input, value);
    if (problems.length > 0) throw AppError.invalid(problems.map((p) => issue(p.field, p.message)));
  }
  const result = await operation.run(services, value as never);
  return result === undefined ? null : JSON.parse(JSON.stringify(result));
}
