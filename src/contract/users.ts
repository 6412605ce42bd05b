import { Type, type Static } from 'typebox';
import { Id, IsoDate, LenientDate, Nullable } from './common.js';

export const Roles = { Learner: 1, TraineeAssessor: 4, Assessor: 5, IQA: 10, Employer: 40, Observer: 45 } as const;
export const RoleValues: readonly number[] = Object.values(Roles);

/** Optional fields every role may carry. */
const personFields = {
  MISID: Type.Optional(Type.String()),
  CreatedOn: Type.Optional(LenientDate('When the person was created in the MIS')),
  MobileNumber: Type.Optional(Type.String()),
  Telephone: Type.Optional(Type.String()),
  Website: Type.Optional(Type.String()),
  WorkAddress: Type.Optional(Type.String()),
  HomeAddress: Type.Optional(Type.String()),
  DOB: Type.Optional(LenientDate('Date of birth')),
};

/** Optional fields only learners carry (ignored for other roles). */
const learnerFields = {
  CompanyName: Type.Optional(Type.String()),
  ProviderID: Type.Optional(Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description: "One of the customer's training providers (checked when set or changed)" })),
  DefaultEmployerID: Type.Optional(Id('An Employer (role 40) of the same organisation')),
  ULN: Type.Optional(Type.String({ description: 'Unique Learner Number: 10 digits passing the mod-11 check, or 9999999999; empty means not given' })),
  NINO: Type.Optional(Type.String({ description: 'National Insurance number (HMRC format); empty means not given' })),
  EpisodeName: Type.Optional(Type.String()),
  CentreRegister: Type.Optional(Type.String()),
  StartOn: Type.Optional(LenientDate('Episode start')),
  PlannedEndDate: Type.Optional(LenientDate()),
  L12: Type.Optional(Type.String({ description: 'Ethnicity (ILR code)' })),
  L13: Type.Optional(Type.String({ description: 'Sex (ILR code)' })),
  L14: Type.Optional(Type.String({ description: 'LLDD and health problem (ILR code)' })),
  L15: Type.Optional(Type.String({ description: 'Disability (ILR code)' })),
  L16: Type.Optional(Type.String({ description: 'Learning difficulty (ILR code)' })),
  PrimaryLLDDCode: Type.Optional(Type.String()),
  SecondaryLLDDCodes: Type.Optional(Type.Array(Type.String())),
  SupportFunding: Type.Optional(Type.Boolean()),
  LearnerStatusID: Type.Optional(Id("One of the organisation's learner statuses")),
  ContractedHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 168, description: 'Contracted working hours a week (extension; the off-the-job calculation assumes 30 when not given)' })),
};

/**
 * Everything a create may carry. Which fields are mandatory depends on Role, so the
 * role rules live in the users service, which reports them together with the rest.
 */
export const CreateUserBody = Type.Object({
  OrganisationID: Id(),
  FirstName: Type.String({ minLength: 1 }),
  LastName: Type.String({ minLength: 1 }),
  Email: Type.String({ minLength: 1 }),
  Role: Type.Integer({ description: '1 Learner, 4 Trainee Assessor, 5 Assessor/Tutor, 10 IV/IQA, 40 Employer, 45 Observer' }),
  DefaultAssessorID: Type.Optional(Id('Learners: required; an Assessor/Tutor or Trainee Assessor')),
  ClassroomID: Type.Optional(Id('Learners: required')),
  PlacementID: Type.Optional(Id('Learners, Employers and Observers: required')),
  ...personFields,
  ...learnerFields,
});
export type CreateUserBody = Static<typeof CreateUserBody>;

/** Partial update: only the fields present change. Role and organisation never change. */
export const UpdateUserBody = Type.Partial(Type.Omit(CreateUserBody, ['OrganisationID', 'Role']));
export type UpdateUserBody = Static<typeof UpdateUserBody>;

const nullableString = Nullable(Type.String());
export const User = Type.Object({
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
});
export type User = Static<typeof User>;

export const UserSearchFilter = Type.Object({
  OrganisationID: Type.Optional(Id()),
  Role: Type.Optional(Type.Integer({ minimum: 0, maximum: 99 })),
  FirstName: Type.Optional(Type.String()),
  LastName: Type.Optional(Type.String()),
  MISID: Type.Optional(Type.String()),
  Email: Type.Optional(Type.String({ description: 'Case-insensitive exact match' })),
  LastModified: Type.Optional(LenientDate('Users modified at or after this instant')),
  Archived: Type.Optional(Type.Boolean({ description: 'true: archived users only; default: unarchived only' })),
});
export type UserSearchFilter = Static<typeof UserSearchFilter>;

export const UserSummary = Type.Object({
  ID: Type.Integer(),
  FirstName: Type.String(),
  LastName: Type.String(),
  MISID: nullableString,
  Role: Type.Integer(),
  Email: Type.String(),
});
export type UserSummary = Static<typeof UserSummary>;

/** What a create answers when the organisation gives logins (Keychain creation off). */
export const CreatedUser = Type.Object({
  ...User.properties,
  Password: Type.String({ description: 'Shown this once; only a hash is kept' }),
});
