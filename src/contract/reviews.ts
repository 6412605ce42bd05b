import { Type, type Static } from 'typebox';
import { Id, IsoDate, LenientDate, Nullable } from './common.js';

/** Review statuses: 1 Scheduled is the vendor's; the rest are ours (docs/decisions.md). */
export const ReviewStatus = { Cancelled: 0, Scheduled: 1, Started: 2, AssessorSigned: 3, LearnerSigned: 4, Completed: 5 } as const;
const statusText = '0 Cancelled, 1 Scheduled, 2 Started, 3 Assessor signed, 4 Learner signed, 5 Completed';
const Status = Type.Integer({ description: statusText });
const Progress = Type.Number({ minimum: 0, maximum: 100, description: 'Progress at the review, a percentage' });

export const CreateReviewBody = Type.Object(
  {
    LearnerID: Id('A learner (role 1)'),
    AssessorID: Id("An Assessor/Tutor or Trainee Assessor of the learner's organisation"),
    EmployerID: Type.Optional(Id("An Employer of the learner's organisation")),
    Status: Type.Optional(Type.Integer({ description: `${statusText}; default 1` })),
    CreatedOn: Type.Optional(LenientDate('When the review was booked; default now')),
    ScheduledFor: Type.Optional(LenientDate('When the review takes place')),
    EndTime: Type.Optional(LenientDate('When it ends; after ScheduledFor')),
    VisitID: Type.Optional(Id('A visit of the same learner')),
  },
  { title: 'CreateReviewBody', examples: [{ LearnerID: 6, AssessorID: 1, ScheduledFor: '2026-12-08T10:00:00Z', EndTime: '2026-12-08T11:00:00Z' }] },
);
export type CreateReviewBody = Static<typeof CreateReviewBody>;

/** Partial update: reschedule, change the staff, start, sign. The learner never changes. */
export const UpdateReviewBody = Type.Object(
  {
    AssessorID: Type.Optional(Id()),
    EmployerID: Type.Optional(Id()),
    Status: Type.Optional(Status),
    ScheduledFor: Type.Optional(LenientDate()),
    EndTime: Type.Optional(LenientDate()),
    VisitID: Type.Optional(Id()),
    StartedOn: Type.Optional(LenientDate()),
    AssessorSignedOn: Type.Optional(LenientDate()),
    LearnerSignedOn: Type.Optional(LenientDate('Only once the assessor has signed')),
    EmployerSignedOn: Type.Optional(LenientDate('Only once the assessor has signed')),
    Progress: Type.Optional(Progress),
  },
  { title: 'UpdateReviewBody', examples: [{ Progress: 40 }] },
);
export type UpdateReviewBody = Static<typeof UpdateReviewBody>;

const date = Nullable(IsoDate);
export const Review = Type.Object(
  {
    ID: Type.Integer(),
    OrganisationID: Type.Integer(),
    LearnerID: Type.Integer(),
    AssessorID: Type.Integer(),
    EmployerID: Nullable(Type.Integer()),
    Status,
    CreatedOn: IsoDate,
    ScheduledFor: date,
    EndTime: date,
    StartedOn: date,
    AssessorSignedOn: date,
    LearnerSignedOn: date,
    EmployerSignedOn: date,
    VisitID: Nullable(Type.Integer()),
    Progress: Nullable(Type.Number()),
    LastModified: IsoDate,
  },
  { title: 'Review' },
);
export type Review = Static<typeof Review>;

export const ReviewSummary = Type.Object(
  {
    ID: Type.Integer(),
    LearnerID: Type.Integer(),
    AssessorID: Type.Integer(),
    EmployerID: Nullable(Type.Integer()),
    Status,
    ScheduledFor: date,
  },
  { title: 'ReviewSummary' },
);

export const ReviewSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id()),
    LearnerID: Type.Optional(Id()),
    AssessorID: Type.Optional(Id()),
    Status: Type.Optional(Type.Integer({ minimum: 0, maximum: 99, description: statusText })),
    DateFrom: Type.Optional(LenientDate('Reviews scheduled at or after this instant')),
    DateTo: Type.Optional(LenientDate('Reviews scheduled at or before this instant')),
  },
  { title: 'ReviewSearchFilter', examples: [{ LearnerID: 6 }] },
);
export type ReviewSearchFilter = Static<typeof ReviewSearchFilter>;
