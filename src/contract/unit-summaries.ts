import { Type, type Static } from 'typebox';
import { Id, IsoDate, Nullable } from './common.js';

export const UnitSummarySearchFilter = Type.Object(
  {
    UserID: Type.Optional(Id('The learner')),
    LearningAimID: Type.Optional(Id()),
    UnitID: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    Status: Type.Optional(Type.Integer({ minimum: 0, maximum: 32767, description: 'A unit summary status (a status outside this range is never stored)' })),
  },
  { title: 'UnitSummarySearchFilter', examples: [{ UserID: 6 }] },
);
export type UnitSummarySearchFilter = Static<typeof UnitSummarySearchFilter>;

export const UnitSummary = Type.Object(
  {
    ID: Type.Integer(),
    UserID: Type.Integer(),
    LearningAimID: Type.Integer(),
    UnitID: Type.String({ maxLength: 200 }),
    Status: Type.Integer(),
    Progress: Type.Number({ description: 'Per cent' }),
    StandardID: Nullable(Type.Integer({ description: "The learning aim's standard (extension)" })),
    Weighting: Nullable(Type.Number({ description: 'Extension' })),
    StartDate: Nullable(IsoDate),
    PlannedEnd: Nullable(IsoDate),
    AssessorID: Nullable(Type.Integer({ description: 'Level 2 assessor slot (extension)' })),
    IQAID: Nullable(Type.Integer({ description: 'Level 2 IQA slot (extension)' })),
  },
  { title: 'UnitSummary' },
);
