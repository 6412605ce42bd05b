/**
 * The demo learners' journey: a training provider, contracted hours, visits, reviews in
 * several states, a plan each and a term (September to November 2026) of timesheet entries,
 * so that the journey calls, off-the-job summary included, answer something on a fresh start.
 * Written through the audited record writer, in the demo seed's transaction.
 */
import type { Queryable } from '../db/client.js';
import { insertRecord, updateRecord } from '../db/records.js';
import { providers } from '../resources/providers/providers.repository.js';
import { visits } from '../resources/visits/visits.repository.js';
import { reviews } from '../resources/reviews/reviews.repository.js';
import { plans } from '../resources/plans/plans.repository.js';
import { timesheetEntries } from '../resources/timesheets/timesheets.repository.js';
import { users } from '../resources/users/users.repository.js';
import type { DemoResult } from './demo.js';

const SEED = 'seed';
const at = (day: string, time: string) => `${day}T${time}:00.000Z`;

/** Mondays of the autumn term 2026, 7 September to 16 November. */
const TERM_WEEKS = Array.from({ length: 11 }, (_, i) => new Date(Date.UTC(2026, 8, 7 + 7 * i)).toISOString().slice(0, 10));

interface DemoLearner {
  key: string;
  hours: number;
  otjPerWeek: number;
  reviews: ('completed' | 'assessor' | 'started' | 'cancelled' | 'scheduled')[];
}

const LEARNERS: DemoLearner[] = [
  { key: 'learner1', hours: 37.5, otjPerWeek: 6, reviews: ['completed', 'assessor', 'scheduled'] },
  { key: 'learner2', hours: 30, otjPerWeek: 6, reviews: ['completed', 'started', 'scheduled'] },
  { key: 'learner3', hours: 20, otjPerWeek: 4, reviews: ['cancelled', 'scheduled'] },
];

export async function seedJourney(tx: Queryable, result: DemoResult): Promise<void> {
  const { customerId } = result;
  const provider = await insertRecord<{ ID: number }>(tx, providers, customerId, { Name: 'Skills Partner Ltd', UKPRN: '10012345', MISID: 'PRV-1' }, SEED);
  for (const org of result.organisations) {
    const assessor = org.users.assessor!;
    const employer = org.users.employer!;
    for (const l of LEARNERS) {
      const learner = org.users[l.key]!;
      await updateRecord(tx, users, customerId, learner, { ContractedHours: l.hours, ProviderID: provider.ID }, SEED);
      const visit = (day: string, type: number) =>
        insertRecord<{ ID: number }>(
          tx,
          visits,
          customerId,
          {
            OrganisationID: org.id,
            LearnerID: learner,
            AssessorID: assessor,
            DateFrom: at(day, '09:00'),
            DateTo: at(day, '11:00'),
            VisitTypeID: type,
            SMSReminder: true,
          },
          SEED,
        ).then((v) => v.ID);
      const visitIds = [await visit('2026-09-21', 3), await visit('2026-10-19', 2), await visit('2026-12-07', 1)];
      const days = ['2026-09-21', '2026-10-19', '2026-12-07'];
      for (const [i, state] of l.reviews.entries()) {
        const day = days[i]!;
        const signed = { StartedOn: at(day, '09:30'), AssessorSignedOn: at(day, '10:30') };
        const values: Record<string, unknown> = {
          OrganisationID: org.id,
          LearnerID: learner,
          AssessorID: assessor,
          EmployerID: employer,
          VisitID: visitIds[i],
          CreatedOn: at('2026-09-01', '08:00'),
          ScheduledFor: at(day, '09:30'),
          EndTime: at(day, '10:30'),
          Status: { completed: 5, assessor: 3, started: 2, cancelled: 0, scheduled: 1 }[state],
          ...(state === 'completed' ? { ...signed, LearnerSignedOn: at(day, '10:40'), EmployerSignedOn: at(day, '16:00'), Progress: 12 } : {}),
          ...(state === 'assessor' ? { ...signed, Progress: 25 } : {}),
          ...(state === 'started' ? { StartedOn: signed.StartedOn } : {}),
        };
        await insertRecord(tx, reviews, customerId, values, SEED);
      }
      await insertRecord(
        tx,
        plans,
        customerId,
        {
          OrganisationID: org.id,
          LearnerID: learner,
          AssessorID: assessor,
          Title: 'Observation: handling a customer enquiry',
          PlanOn: at('2026-12-07', '09:00'),
          AssessorSignedOn: at('2026-10-19', '10:45'),
          LearnerSignedOn: at('2026-10-19', '10:50'),
          Details: 'Observe the learner take an enquiry from first contact to resolution; discuss the evidence afterwards.',
        },
        SEED,
      );
      for (const monday of TERM_WEEKS) {
        const wednesday = new Date(Date.parse(`${monday}T00:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
        await insertRecord(
          tx,
          timesheetEntries,
          customerId,
          {
            OrganisationID: org.id,
            LearnerID: learner,
            TimesheetCategory: 'Day release: college',
            FromDate: at(wednesday, '09:00'),
            ToDate: new Date(Date.parse(at(wednesday, '09:00')) + l.otjPerWeek * 3_600_000).toISOString(),
            IsOffTheJob: true,
            Comments: 'Taught sessions and workshop',
          },
          SEED,
        );
        await insertRecord(
          tx,
          timesheetEntries,
          customerId,
          {
            OrganisationID: org.id,
            LearnerID: learner,
            TimesheetCategory: 'Work',
            FromDate: at(monday, '09:00'),
            ToDate: at(monday, '17:00'),
            IsOffTheJob: false,
          },
          SEED,
        );
      }
    }
  }
}
