import { Type, type Static } from 'typebox';
import { IsoDate, Nullable } from './common.js';

const Ukprn = Type.String({ pattern: '^1[0-9]{7}$', description: 'UK Provider Reference Number: 8 digits starting with 1 (extension)' });

export const CreateProviderBody = Type.Object(
  {
    Name: Type.String({ maxLength: 200, minLength: 1 }),
    UKPRN: Type.Optional(Ukprn),
    MISID: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { title: 'CreateProviderBody', examples: [{ Name: 'Humber Skills Partnership' }] },
);
export type CreateProviderBody = Static<typeof CreateProviderBody>;

export const UpdateProviderBody = Type.Partial(CreateProviderBody, { title: 'UpdateProviderBody', examples: [{ Name: 'Humber Skills Partnership Ltd' }] });
export type UpdateProviderBody = Static<typeof UpdateProviderBody>;

export const Provider = Type.Object(
  {
    ID: Type.Integer(),
    Name: Type.String({ maxLength: 200 }),
    UKPRN: Nullable(Type.String({ maxLength: 200 })),
    MISID: Nullable(Type.String({ maxLength: 200 })),
    LastModified: IsoDate,
  },
  { title: 'Provider' },
);
export type Provider = Static<typeof Provider>;

export const ProviderSummary = Type.Object({ ID: Type.Integer(), Name: Type.String({ maxLength: 200 }) }, { title: 'ProviderSummary' });

export const ProviderSearchFilter = Type.Object(
  {
    Name: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive exact match; * is a wildcard' })),
    UKPRN: Type.Optional(Type.String({ maxLength: 200 })),
    MISID: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { title: 'ProviderSearchFilter', examples: [{ Name: 'Humber*' }] },
);
export type ProviderSearchFilter = Static<typeof ProviderSearchFilter>;
