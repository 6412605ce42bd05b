import { Type, type Static } from 'typebox';
import { Id, IsoDate, Nullable } from './common.js';

export const TimesheetEntry = Type.Object(
  {
    ID: Type.Integer(),
    TimesheetCategory: Type.String({ maxLength: 200 }),
    FromDate: IsoDate,
    ToDate: IsoDate,
    Comments: Nullable(Type.String({ maxLength: 4000 })),
    IsOffTheJob: Type.Boolean(),
    Hours: Type.Number({ description: 'ToDate minus FromDate, in hours (extension)' }),
  },
  { title: 'TimesheetEntry' },
);
export type TimesheetEntry = Static<typeof TimesheetEntry>;

export const LearnerIdParams = Type.Object({ learnerId: { ...Id("The learner's user ID"), examples: [6] } });
