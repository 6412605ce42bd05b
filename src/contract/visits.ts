import { Type, type Static } from 'typebox';
import { Id, IsoDate, LenientDate } from './common.js';

/** Built into every organisation; a centre's own types are numbered from 101. */
export const BuiltInVisitTypes = [
  { ID: 1, Name: 'Face-to-face' },
  { ID: 2, Name: 'Remote session' },
  { ID: 3, Name: 'Workplace visit' },
] as const;
export const DEFAULT_VISIT_TYPE = 2;

export const CreateVisitBody = Type.Object(
  {
    LearnerID: Id('A learner (role 1)'),
    AssessorID: Id("An Assessor/Tutor or Trainee Assessor of the learner's organisation"),
    DateFrom: LenientDate('When the visit starts'),
    DateTo: LenientDate('When it ends; after DateFrom'),
    OrganisationID: Type.Optional(Id("The learner's organisation (checked when given)")),
    VisitTypeID: Type.Optional(Id("1 Face-to-face, 2 Remote session (default), 3 Workplace visit, or one of the centre's own")),
    SMSReminder: Type.Optional(Type.Boolean()),
  },
  { title: 'CreateVisitBody', examples: [{ LearnerID: 6, AssessorID: 1, DateFrom: '2026-12-01T09:00:00Z', DateTo: '2026-12-01T10:00:00Z', VisitTypeID: 3 }] },
);
export type CreateVisitBody = Static<typeof CreateVisitBody>;

export const Visit = Type.Object(
  {
    ID: Type.Integer(),
    OrganisationID: Type.Integer(),
    LearnerID: Type.Integer(),
    AssessorID: Type.Integer(),
    DateFrom: IsoDate,
    DateTo: IsoDate,
    VisitTypeID: Type.Integer(),
    SMSReminder: Type.Boolean(),
    LastModified: IsoDate,
  },
  { title: 'Visit' },
);
export type Visit = Static<typeof Visit>;

export const VisitSummary = Type.Object(
  {
    ID: Type.Integer(),
    LearnerID: Type.Integer(),
    AssessorID: Type.Integer(),
    DateFrom: IsoDate,
    DateTo: IsoDate,
    VisitTypeID: Type.Integer(),
  },
  { title: 'VisitSummary' },
);

export const VisitSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id()),
    LearnerID: Type.Optional(Id()),
    AssessorID: Type.Optional(Id()),
    DateFrom: Type.Optional(LenientDate('Visits starting at or after this instant')),
    DateTo: Type.Optional(LenientDate('Visits starting at or before this instant')),
  },
  { title: 'VisitSearchFilter', examples: [{ LearnerID: 6 }] },
);
export type VisitSearchFilter = Static<typeof VisitSearchFilter>;

export const VisitType = Type.Object({ ID: Type.Integer(), Name: Type.String({ maxLength: 200 }) }, { title: 'VisitType' });
