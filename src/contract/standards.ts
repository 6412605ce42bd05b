import { Type, type Static } from 'typebox';
import { Id, Nullable } from './common.js';

export const StandardSearchFilter = Type.Object({
  OrganisationID: Type.Optional(Id('Only standards this organisation offers')),
  Title: Type.Optional(Type.String({ description: 'Case-insensitive exact match; * is a wildcard' })),
});
export type StandardSearchFilter = Static<typeof StandardSearchFilter>;

export const StandardSummary = Type.Object({
  ID: Type.Integer(),
  Title: Type.String(),
  Reference: Nullable(Type.String({ description: 'Apprenticeship standard reference, e.g. ST0070 (extension)' })),
  Level: Nullable(Type.Integer({ description: 'Extension' })),
});

export const Standard = Type.Object({
  ID: Type.Integer(),
  Title: Type.String(),
  Reference: Nullable(Type.String({ description: 'Apprenticeship standard reference, e.g. ST0070' })),
  Version: Nullable(Type.String()),
  Level: Nullable(Type.Integer()),
  OTJHours: Nullable(Type.Number({ description: 'Minimum off-the-job training hours for the standard' })),
  Units: Type.Array(Type.String(), { description: 'IDs of the units that belong to the standard (extension)' }),
});

export const AssignedStandard = Type.Object({ ID: Type.Integer(), Title: Type.String() });

export const StandardAssignParams = Type.Object({ id: Id('The standard'), learnerId: Id('The learner') });
