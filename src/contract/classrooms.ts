import { Type, type Static } from 'typebox';
import { Id, LenientDate, IsoDate, Nullable, Text, TextLimits as L } from './common.js';

const fields = {
  Name: Text(L.name, { minLength: 1 }),
  MISID: Text(L.code),
  StartOn: LenientDate('When the class starts'),
  Archive: Type.Boolean(),
  CompletionMessage: Text(L.message),
  SendCompletionMessage: Type.Boolean(),
  IVFinalSignOff: Type.Boolean(),
};

export const CreateClassroomBody = Type.Object(
  {
    OrganisationID: Id(),
    Name: fields.Name,
    MISID: Type.Optional(fields.MISID),
    StartOn: Type.Optional(fields.StartOn),
    Archive: Type.Optional(fields.Archive),
    CompletionMessage: Type.Optional(fields.CompletionMessage),
    SendCompletionMessage: Type.Optional(fields.SendCompletionMessage),
    IVFinalSignOff: Type.Optional(fields.IVFinalSignOff),
  },
  {
    title: 'CreateClassroomBody',
    examples: [{ OrganisationID: 1, Name: 'Team Leader L3 - Apr', MISID: 'CLS-1-3', StartOn: '2027-04-01' }],
  },
);
export type CreateClassroomBody = Static<typeof CreateClassroomBody>;

/** Partial update: only fields present change. A classroom never moves organisation. */
export const UpdateClassroomBody = Type.Partial(Type.Omit(CreateClassroomBody, ['OrganisationID']), {
  title: 'UpdateClassroomBody',
  examples: [{ CompletionMessage: 'Well done on finishing your apprenticeship!', SendCompletionMessage: true }],
});
export type UpdateClassroomBody = Static<typeof UpdateClassroomBody>;

export const Classroom = Type.Object(
  {
    ID: Type.Integer(),
    OrganisationID: Id(),
    Name: Type.String(),
    MISID: Nullable(Type.String()),
    StartOn: Nullable(IsoDate),
    Archive: Type.Boolean(),
    CompletionMessage: Nullable(Type.String()),
    SendCompletionMessage: Type.Boolean(),
    IVFinalSignOff: Type.Boolean(),
  },
  { title: 'Classroom' },
);
export type Classroom = Static<typeof Classroom>;

export const ClassroomSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id()),
    Name: Type.Optional(Text(L.name, { description: 'Case-insensitive exact match; * is a wildcard' })),
  },
  { title: 'ClassroomSearchFilter', examples: [{ OrganisationID: 1 }] },
);
export type ClassroomSearchFilter = Static<typeof ClassroomSearchFilter>;
