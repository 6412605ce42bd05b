import { Type, type Static } from 'typebox';
import { Id, MAX_ID, IsoDate, LenientDate, Nullable, Text, TextLimits as L } from './common.js';

export const Roles = { Learner: 1, TraineeAssessor: 4, Assessor: 5, IQA: 10, Employer: 40, Observer: 45 } as const;
export type Role = (typeof Roles)[keyof typeof Roles];
export const RoleValues: readonly number[] = Object.values(Roles);

/**
 * How each role is worded in messages, help and the OpenAPI document: the one place a new
 * role's name is written (the `Record` makes a role without a label a compile error).
 */
export const RoleLabels: Record<Role, string> = {
  1: 'Learner',
  4: 'Trainee Assessor',
  5: 'Assessor/Tutor',
  10: 'IQA',
  40: 'Employer',
  45: 'Observer',
};

/** "an Assessor/Tutor", "a Learner"; undefined for a number that is no role. */
export function roleWithArticle(role: number): string | undefined {
  const label = (RoleLabels as Record<number, string>)[role];
  return label === undefined ? undefined : `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`;
}

/** `1 Learner, 4 Trainee Assessor, ...`, for field descriptions. */
const ROLE_LIST = Object.entries(RoleLabels)
  .map(([value, label]) => `${value} ${label}`)
  .join(', ');

/** Optional fields every role may carry. */
const personFields = {
  MISID: Type.Optional(Text(L.code)),
  CreatedOn: Type.Optional(LenientDate('When the person was created in the MIS')),
  MobileNumber: Type.Optional(Text(L.phone)),
  Telephone: Type.Optional(Text(L.phone)),
  Website: Type.Optional(Text(L.url)),
  WorkAddress: Type.Optional(Text(L.address)),
  HomeAddress: Type.Optional(Text(L.address)),
  DOB: Type.Optional(LenientDate('Date of birth')),
};

/** Fields only learners carry; for other roles they are ignored like unknown keys. */
const learnerFields = {
  DefaultAssessorID: Type.Optional(Id('Learners: required; an Assessor/Tutor or Trainee Assessor')),
  ClassroomID: Type.Optional(Id('Learners: required')),
  CompanyName: Type.Optional(Text(L.name)),
  ProviderID: Type.Optional(
    Type.Integer({
      minimum: -Number.MAX_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "One of the customer's training providers (checked when set or changed)",
    }),
  ),
  DefaultEmployerID: Type.Optional(Id('An Employer (role 40) of the same organisation')),
  ULN: Type.Optional(Text(L.identifier, { description: 'Unique Learner Number: 10 digits passing the mod-11 check, or 9999999999; empty means not given' })),
  NINO: Type.Optional(Text(L.identifier, { description: 'National Insurance number (HMRC format); empty means not given' })),
  EpisodeName: Type.Optional(Text(L.name)),
  CentreRegister: Type.Optional(Text(L.code)),
  StartOn: Type.Optional(LenientDate('Episode start')),
  PlannedEndDate: Type.Optional(LenientDate()),
  L12: Type.Optional(Text(L.ilr, { description: 'Ethnicity (ILR code)' })),
  L13: Type.Optional(Text(L.ilr, { description: 'Sex (ILR code)' })),
  L14: Type.Optional(Text(L.ilr, { description: 'LLDD and health problem (ILR code)' })),
  L15: Type.Optional(Text(L.ilr, { description: 'Disability (ILR code)' })),
  L16: Type.Optional(Text(L.ilr, { description: 'Learning difficulty (ILR code)' })),
  PrimaryLLDDCode: Type.Optional(Text(L.ilr)),
  SecondaryLLDDCodes: Type.Optional(Type.Array(Text(L.ilr), { maxItems: 50 })),
  SupportFunding: Type.Optional(Type.Boolean()),
  LearnerStatusID: Type.Optional(Id("One of the organisation's learner statuses")),
  ContractedHours: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 168,
      description: 'Contracted working hours a week (extension; the off-the-job calculation assumes 30 when not given)',
    }),
  ),
};

/**
 * Everything a create may carry. Which fields are mandatory depends on Role, so the
 * role rules live in the users service, which reports them together with the rest.
 */
export const CreateUserBody = Type.Object(
  {
    OrganisationID: Id(),
    FirstName: Text(L.name, { minLength: 1 }),
    LastName: Text(L.name, { minLength: 1 }),
    Email: Text(L.email, { minLength: 1 }),
    Role: Type.Integer({ minimum: -MAX_ID, maximum: MAX_ID, description: ROLE_LIST }),
    PlacementID: Type.Optional(Id('Learners, Employers and Observers: required')),
    ...personFields,
    ...learnerFields,
  },
  {
    title: 'CreateUserBody',
    // A learner at the demo's first centre: its assessor (1), first class (1) and placement (1).
    examples: [
      {
        OrganisationID: 1,
        Role: 1,
        FirstName: 'Sam',
        LastName: 'Patel',
        Email: 'sam.patel@example.com',
        DefaultAssessorID: 1,
        ClassroomID: 1,
        PlacementID: 1,
        LearnerStatusID: 1,
        ULN: '9999999999',
        DOB: '2006-05-04',
        StartOn: '2026-09-01',
        PlannedEndDate: '2028-08-31',
      },
    ],
  },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

/** The create and update fields only a learner carries, as the schema above declares them. */
export const LearnerOnlyFields = Object.keys(learnerFields) as (keyof typeof learnerFields)[];

/** Partial update: only the fields present change. Role and organisation never change. */
export const UpdateUserBody = Type.Partial(Type.Omit(CreateUserBody, ['OrganisationID', 'Role']), {
  title: 'UpdateUserBody',
  examples: [{ MobileNumber: '07700 900123', WorkAddress: 'Northgate College, Room 12' }],
});
export type UpdateUserBody = Static<typeof UpdateUserBody>;

const nullableString = Nullable(Type.String());
export const User = Type.Object(
  {
    ID: Type.Integer(),
    OrganisationID: Id(),
    Role: Type.Integer(),
    FirstName: Type.String(),
    LastName: Type.String(),
    Email: Type.String(),
    Username: Nullable(Type.String({ description: 'Null for accounts on a Keychain' })),
    KeychainID: Nullable(Type.Integer()),
    KeychainVerified: Type.Boolean(),
    DefaultAssessorID: Nullable(Type.Integer()),
    DefaultEmployerID: Nullable(Type.Integer()),
    ClassroomID: Nullable(Type.Integer()),
    PlacementID: Nullable(Type.Integer()),
    MISID: nullableString,
    CreatedOn: Nullable(IsoDate),
    CompanyName: nullableString,
    MobileNumber: nullableString,
    Telephone: nullableString,
    Website: nullableString,
    WorkAddress: nullableString,
    HomeAddress: nullableString,
    ProviderID: Nullable(Type.Integer()),
    ULN: nullableString,
    NINO: nullableString,
    EpisodeName: nullableString,
    CentreRegister: nullableString,
    DOB: Nullable(IsoDate),
    StartOn: Nullable(IsoDate),
    PlannedEndDate: Nullable(IsoDate),
    L12: nullableString,
    L13: nullableString,
    L14: nullableString,
    L15: nullableString,
    L16: nullableString,
    PrimaryLLDDCode: nullableString,
    SecondaryLLDDCodes: Nullable(Type.Array(Type.String())),
    SupportFunding: Nullable(Type.Boolean()),
    LearnerStatusID: Nullable(Type.Integer()),
    ContractedHours: Nullable(Type.Number()),
    Archived: Type.Boolean(),
    LastModified: IsoDate,
  },
  { title: 'User' },
);
export type User = Static<typeof User>;

export const UserSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id()),
    Role: Type.Optional(Type.Integer({ minimum: 0, maximum: 99 })),
    FirstName: Type.Optional(Text(L.name)),
    LastName: Type.Optional(Text(L.name)),
    MISID: Type.Optional(Text(L.code)),
    Email: Type.Optional(Text(L.email, { description: 'Case-insensitive exact match' })),
    LastModified: Type.Optional(LenientDate('Users modified at or after this instant')),
    Archived: Type.Optional(Type.Boolean({ description: 'true: archived users only; default: unarchived only' })),
  },
  { title: 'UserSearchFilter', examples: [{ OrganisationID: 1, Role: 1 }] },
);
export type UserSearchFilter = Static<typeof UserSearchFilter>;

export const UserSummary = Type.Object(
  {
    ID: Type.Integer(),
    FirstName: Type.String(),
    LastName: Type.String(),
    MISID: nullableString,
    Role: Type.Integer(),
    Email: Type.String(),
  },
  { title: 'UserSummary' },
);
export type UserSummary = Static<typeof UserSummary>;

/** What a create answers when the organisation gives logins (Keychain creation off). */
export const CreatedUser = Type.Object(
  {
    ...User.properties,
    Password: Type.String({ description: 'Shown this once; only a hash is kept' }),
  },
  { title: 'CreatedUser' },
);
