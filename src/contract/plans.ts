import { Type, type Static } from 'typebox';
import { Id, IsoDate, Nullable } from './common.js';

export const Plan = Type.Object(
  {
    ID: Type.Integer(),
    OrganisationID: Type.Integer(),
    Title: Type.String({ maxLength: 200 }),
    PlanOn: IsoDate,
    LearnerID: Type.Integer(),
    AssessorID: Nullable(Type.Integer()),
    AssessorSignedOn: Nullable(IsoDate),
    LearnerSignedOn: Nullable(IsoDate),
    Details: Nullable(Type.String({ maxLength: 4000 })),
  },
  { title: 'Plan' },
);
export type Plan = Static<typeof Plan>;

export const PlanSummary = Type.Object(
  { ID: Type.Integer(), Title: Type.String({ maxLength: 200 }), PlanOn: IsoDate, LearnerID: Type.Integer() },
  { title: 'PlanSummary' },
);

export const PlanSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id()),
    LearnerID: Type.Optional(Id()),
  },
  { title: 'PlanSearchFilter', examples: [{ LearnerID: 6 }] },
);
export type PlanSearchFilter = Static<typeof PlanSearchFilter>;
