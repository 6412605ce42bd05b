import { Type, type Static } from 'typebox';
import { Id, IsoDate, Nullable } from './common.js';

const Ukprn = Type.String({ pattern: '^1[0-9]{7}$', description: 'UK Provider Reference Number: 8 digits starting with 1 (extension)' });

export const CreateProviderBody = Type.Object({
  Name: Type.String({ minLength: 1 }),
  UKPRN: Type.Optional(Ukprn),
  MISID: Type.Optional(Type.String()),
}, { title: 'CreateProviderBody', examples: [{ Name: 'Humber Skills Partnership' }] });
export type CreateProviderBody = Static<typeof CreateProviderBody>;

export const UpdateProviderBody = Type.Partial(CreateProviderBody, { title: 'UpdateProviderBody', examples: [{ Name: 'Humber Skills Partnership Ltd' }] });
export type UpdateProviderBody = Static<typeof UpdateProviderBody>;

export const Provider = Type.Object({
  ID: Type.Integer(),
  Name: Type.String(),
  UKPRN: Nullable(Type.String()),
  MISID: Nullable(Type.String()),
  LastModified: IsoDate,
}, { title: 'Provider' });
export type Provider = Static<typeof Provider>;

export const ProviderSummary = Type.Object({ ID: Type.Integer(), Name: Type.String() }, { title: 'ProviderSummary' });

export const ProviderSearchFilter = Type.Object({
  Name: Type.Optional(Type.String({ description: 'Case-insensitive exact match; * is a wildcard' })),
  UKPRN: Type.Optional(Type.String()),
  MISID: Type.Optional(Type.String()),
}, { title: 'ProviderSearchFilter', examples: [{ Name: 'Humber*' }] });
export type ProviderSearchFilter = Static<typeof ProviderSearchFilter>;

