import { Type, type Static } from 'typebox';
import { IsoDate, Nullable } from './common.js';

/** The rule applied, by the learner's start date (docs/decisions.md names the sources). */
export const OtjMethods = {
  before2022: '20% of contracted hours less statutory leave (start before 1 August 2022)',
  from2022: '20% of contracted hours up to 30 a week, less statutory leave (start from 1 August 2022)',
  from2025: "Standard's published minimum less recognised prior learning (start from 1 August 2025)",
  from2025Fallback: '20% of contracted hours up to 30 a week, less statutory leave (start from 1 August 2025; no published minimum for the standard yet)',
  noStart: 'None: the learner has no programme start date',
} as const;
export type OtjMethod = (typeof OtjMethods)[keyof typeof OtjMethods];

const hours = (description: string) => Nullable(Type.Number({ description }));

export const OffTheJobSummary = Type.Object(
  {
    ID: Type.Integer({ description: "The learner's ID" }),
    ContractedHours: Type.Number({ description: "Hours a week: the learner's ContractedHours, or 30 when not given" }),
    TargetPercentage: hours('PlannedOTJ as a percentage of the contracted hours worked over the programme (less statutory leave)'),
    PlannedOTJ: hours('Planned off-the-job hours for the programme'),
    Duration: hours('The programme in weeks (StartOn to PlannedEndDate)'),
    MethodOfCalculatingOTJ: Type.Union(
      [
        Type.Literal(OtjMethods.before2022),
        Type.Literal(OtjMethods.from2022),
        Type.Literal(OtjMethods.from2025),
        Type.Literal(OtjMethods.from2025Fallback),
        Type.Literal(OtjMethods.noStart),
      ],
      { description: 'The funding rule applied, chosen by the programme start date' },
    ),
    MinimumOTJ: hours("The rule's minimum off-the-job hours"),
    PercentOfPlanned: hours('CachedActualHours as a percentage of PlannedOTJ'),
    CachedActualHours: Type.Number({ description: "The sum of the learner's off-the-job timesheet entries, in hours" }),
  },
  { title: 'OffTheJobSummary' },
);
export type OffTheJobSummary = Static<typeof OffTheJobSummary>;

export const LearnerEpisode = Type.Object(
  {
    ID: Type.Integer({ description: "The learner's ID: one episode per learner account" }),
    Name: Nullable(Type.String({ maxLength: 200 })),
    StartOn: Nullable(IsoDate),
    PlannedEndDate: Nullable(IsoDate),
    Standards: Type.Array(Type.Object({ ID: Type.Integer(), Title: Type.String({ maxLength: 200 }) })),
  },
  { title: 'LearnerEpisode' },
);
