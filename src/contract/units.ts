import { Type, type Static } from 'typebox';
import { Id, Nullable, withExample } from './common.js';

/** Unit IDs are strings chosen by the customer (KS_COMM1), unique within it. */
export const UnitId = (description = 'Unit ID, a string such as KS_COMM1') => Type.String({ minLength: 1, maxLength: 100, description });

export const UnitSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id('Only units of standards this organisation offers')),
    StandardID: Type.Optional(Id('Only units that belong to this standard')),
    Title: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive exact match; * is a wildcard' })),
  },
  { title: 'UnitSearchFilter', examples: [{ StandardID: 1 }] },
);
export type UnitSearchFilter = Static<typeof UnitSearchFilter>;

export const UnitSummaryRow = Type.Object(
  {
    ID: Type.String({ maxLength: 200 }),
    Title: Type.String({ maxLength: 200 }),
    NDAQCode: Nullable(Type.String({ maxLength: 200 })),
    Display: Type.Integer({ description: 'Display order' }),
  },
  { title: 'UnitSummaryRow' },
);

export const Unit = Type.Object(
  {
    ID: Type.String({ maxLength: 200 }),
    Title: Type.String({ maxLength: 200 }),
    NDAQCode: Nullable(Type.String({ maxLength: 200 })),
    Display: Type.Integer({ description: 'Display order' }),
    StandardIDs: Type.Array(Type.Integer(), { description: 'Standards the unit belongs to (extension)' }),
  },
  { title: 'Unit' },
);

export const UnitParams = Type.Object({ id: withExample(UnitId(), 'KS_COMM1') });
export const UnitAssignParams = Type.Object({
  unitId: withExample(UnitId(), 'KS_COMM1'),
  learnerId: withExample(Id('The learner'), 6),
  standardId: withExample(Id('The standard the unit is taken within'), 1),
});
