import { Type, type Static } from 'typebox';
import { Id, IsoDate, LenientDate, Nullable } from './common.js';

export const LearningAimSearchFilter = Type.Object(
  {
    UserID: Type.Optional(Id('The learner')),
    StandardID: Type.Optional(Id()),
    Status: Type.Optional(Id("One of the organisation's learning-aim statuses")),
    LearningAimCompletionStatus: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1,
        description: '1: achieved (AchievedDate set), 0: not achieved. With 1, DateFrom/DateTo apply to AchievedDate',
      }),
    ),
    DateFrom: Type.Optional(LenientDate('At or after (StartDate, or AchievedDate when LearningAimCompletionStatus is 1)')),
    DateTo: Type.Optional(LenientDate('At or before (StartDate, or AchievedDate when LearningAimCompletionStatus is 1)')),
  },
  { title: 'LearningAimSearchFilter', examples: [{ UserID: 6 }] },
);
export type LearningAimSearchFilter = Static<typeof LearningAimSearchFilter>;

export const LearningAimSummary = Type.Object(
  {
    ID: Type.Integer(),
    UserID: Type.Integer(),
    StandardID: Nullable(Type.Integer()),
    Status: Nullable(Type.Integer({ description: "A learning-aim status ID of the learner's organisation" })),
    StartDate: Nullable(IsoDate),
    PlannedEnd: Nullable(IsoDate),
    Progress: Type.Number({ description: 'Per cent' }),
  },
  { title: 'LearningAimSummary' },
);

export const LearningAim = Type.Object(
  {
    ID: Type.Integer(),
    UserID: Type.Integer(),
    OrganisationID: Nullable(Type.Integer()),
    StandardID: Nullable(Type.Integer()),
    Status: Nullable(Type.Integer()),
    StartDate: Nullable(IsoDate),
    PlannedEnd: Nullable(IsoDate),
    Progress: Type.Number(),
    RegistrationNumber: Nullable(Type.String({ maxLength: 200 })),
    RegistrationDate: Nullable(IsoDate),
    CertificateAppliedDate: Nullable(IsoDate),
    AchievedDate: Nullable(IsoDate),
    Weighting: Nullable(Type.Number()),
    AssessorID: Nullable(Type.Integer({ description: 'Level 3 assessor slot' })),
    IQAID: Nullable(Type.Integer({ description: 'Level 3 IQA slot' })),
    LastModified: IsoDate,
  },
  { title: 'LearningAim' },
);

export const UpdateLearningAimBody = Type.Object(
  {
    StartDate: Type.Optional(LenientDate()),
    PlannedEnd: Type.Optional(LenientDate()),
    Status: Type.Optional(Id("A learning-aim status ID of the learner's organisation")),
    RegistrationNumber: Type.Optional(Type.String({ maxLength: 200 })),
    RegistrationDate: Type.Optional(LenientDate()),
    CertificateAppliedDate: Type.Optional(LenientDate()),
    AchievedDate: Type.Optional(LenientDate()),
  },
  { title: 'UpdateLearningAimBody', examples: [{ Status: 1 }] },
);
export type UpdateLearningAimBody = Static<typeof UpdateLearningAimBody>;

export const LearningAimStatus = Type.Object({ ID: Type.Integer(), Name: Type.String({ maxLength: 200 }) }, { title: 'LearningAimStatus' });
