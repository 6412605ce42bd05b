/**
 * The operator's programme catalogue: standards, units, framework templates, which standards
 * each organisation offers, and learning-aim statuses. Joined to the operator operations in
 * admin.operations.ts, so every one works from the CLI in-process or through a running server.
 */
import { Type, type Static, type TSchema } from 'typebox';
import type { Services } from '../registry.js';

const op = <I extends TSchema, R>(summary: string, input: I, run: (s: Services, input: Static<I>) => Promise<R>) => ({ summary, input, run });

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Text = (max = 300) => Type.String({ minLength: 1, maxLength: max });
const Actor = Type.String({ default: 'operator', maxLength: 100 });

export const catalogueOperations = {
  'standard.create': op(
    "Add a standard to a customer's catalogue, optionally offered to organisations",
    Type.Object({
      customerId: Id,
      title: Text(),
      reference: Type.Optional(Text(50)),
      version: Type.Optional(Text(50)),
      level: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
      otjHours: Type.Optional(Type.Number({ minimum: 0 })),
      organisationIds: Type.Optional(Type.Array(Id)),
      actor: Actor,
    }),
    (s, i) => s.standards.create(i.customerId, i, i.actor),
  ),
  'standard.list': op("A customer's standards with their units and the organisations offering them", Type.Object({ customerId: Id }), (s, i) =>
    s.standards.list(i.customerId),
  ),
  'standard.offer': op(
    'Offer a standard to an organisation (its AssignedStandards)',
    Type.Object({ organisationId: Id, standardId: Id, actor: Actor }),
    (s, i) => s.standards.offer(i.organisationId, i.standardId, i.actor),
  ),
  'unit.create': op(
    'Add a unit (or change one with the same ID) and link it to standards',
    Type.Object({
      customerId: Id,
      id: Text(100),
      title: Text(),
      ndaqCode: Type.Optional(Text(100)),
      display: Type.Optional(Type.Integer()),
      standardIds: Type.Optional(Type.Array(Id)),
      actor: Actor,
    }),
    (s, i) => s.units.create(i.customerId, i, i.actor),
  ),
  'unit.list': op("A customer's units, optionally of one standard", Type.Object({ customerId: Id, standardId: Type.Optional(Id) }), (s, i) =>
    s.units.list(i.customerId, i.standardId),
  ),
  'template.create': op(
    'Create a framework template: standards and units with weightings and default start/end offsets (days from assignment)',
    Type.Object({
      customerId: Id,
      organisationId: Type.Optional(Id),
      title: Text(),
      actor: Actor,
      items: Type.Array(
        Type.Object({
          standardId: Id,
          unitId: Type.Optional(Text(100)),
          weighting: Type.Optional(Type.Number()),
          startOffsetDays: Type.Optional(Type.Integer()),
          endOffsetDays: Type.Optional(Type.Integer()),
        }),
        { minItems: 1 },
      ),
    }),
    (s, i) => s.frameworkTemplates.create(i.customerId, i.organisationId ?? null, i.title, i.items, i.actor),
  ),
  'template.list': op("A customer's framework templates", Type.Object({ customerId: Id }), (s, i) => s.frameworkTemplates.list(i.customerId)),
  'learningAimStatus.add': op('Add a learning-aim status to an organisation', Type.Object({ organisationId: Id, name: Text(200), actor: Actor }), (s, i) =>
    s.learningAims.addStatus(i.organisationId, i.name, i.actor),
  ),
  'learningAimStatus.list': op("An organisation's learning-aim statuses", Type.Object({ organisationId: Id }), (s, i) =>
    s.learningAims.listStatuses(i.organisationId),
  ),
  'catalogue.load': op(
    "Load standards, units and templates from a JSON or CSV file's content; loading it again changes nothing",
    Type.Object({
      customerId: Id,
      format: Type.Union([Type.Literal('json'), Type.Literal('csv')]),
      content: Type.String({ maxLength: 20_000_000 }),
      organisationIds: Type.Optional(Type.Array(Id)),
      actor: Actor,
    }),
    (s, i) => s.catalogue.load(i.customerId, i.format, i.content, i.organisationIds ?? [], i.actor),
  ),
};
