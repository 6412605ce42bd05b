import { Type, type Static } from 'typebox';
import { Id, Nullable, withExample } from './common.js';

export const StandardSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id('Only standards this organisation offers')),
    Title: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive exact match; * is a wildcard' })),
  },
  { title: 'StandardSearchFilter', examples: [{ OrganisationID: 1 }] },
);
export type StandardSearchFilter = Static<typeof StandardSearchFilter>;

export const StandardSummary = Type.Object(
  {
    ID: Type.Integer(),
    Title: Type.String({ maxLength: 200 }),
    Reference: Nullable(Type.String({ description: 'Apprenticeship standard reference, e.g. ST0070 (extension)' })),
    Level: Nullable(Type.Integer({ description: 'Extension' })),
  },
  { title: 'StandardSummary' },
);

export const Standard = Type.Object(
  {
    ID: Type.Integer(),
    Title: Type.String({ maxLength: 200 }),
    Reference: Nullable(Type.String({ maxLength: 200, description: 'Apprenticeship standard reference, e.g. ST0070' })),
    Version: Nullable(Type.String({ maxLength: 200 })),
    Level: Nullable(Type.Integer()),
    OTJHours: Nullable(Type.Number({ description: 'Minimum off-the-job training hours for the standard' })),
    Units: Type.Array(Type.String({ maxLength: 200 }), { description: 'IDs of the units that belong to the standard (extension)' }),
  },
  { title: 'Standard' },
);

export const AssignedStandard = Type.Object({ ID: Type.Integer(), Title: Type.String({ maxLength: 200 }) }, { title: 'AssignedStandard' });

export const StandardAssignParams = Type.Object({ id: withExample(Id('The standard'), 1), learnerId: withExample(Id('The learner'), 6) });
