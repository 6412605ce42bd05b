import { Type, type Static } from 'typebox';
import { Id, Nullable } from './common.js';

/** Unit IDs are strings chosen by the customer (KS_COMM1), unique within it. */
export const UnitId = (description = 'Unit ID, a string such as KS_COMM1') => Type.String({ minLength: 1, maxLength: 100, description });

export const UnitSearchFilter = Type.Object({
  OrganisationID: Type.Optional(Id('Only units of standards this organisation offers')),
  StandardID: Type.Optional(Id('Only units that belong to this standard')),
  Title: Type.Optional(Type.String({ description: 'Case-insensitive exact match; * is a wildcard' })),
});
export type UnitSearchFilter = Static<typeof UnitSearchFilter>;

export const UnitSummaryRow = Type.Object({
  ID: Type.String(),
  Title: Type.String(),
  NDAQCode: Nullable(Type.String()),
  Display: Type.Integer({ description: 'Display order' }),
});

export const Unit = Type.Object({
  ID: Type.String(),
  Title: Type.String(),
  NDAQCode: Nullable(Type.String()),
  Display: Type.Integer({ description: 'Display order' }),
  StandardIDs: Type.Array(Type.Integer(), { description: 'Standards the unit belongs to (extension)' }),
});

export const UnitParams = Type.Object({ id: UnitId() });
export const UnitAssignParams = Type.Object({ unitId: UnitId(), learnerId: Id('The learner'), standardId: Id('The standard the unit is taken within') });
