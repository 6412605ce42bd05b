import type { Database } from '../../db/client.js';
import type { OffTheJobSummary } from '../../../contract/offthejob.js';
import { AppError } from '../../domain/app-error.js';
import type { Actor } from '../authentication/auth.service.js';
import { findLearner } from '../journey/journey.repository.js';
import { offTheJobHours } from '../timesheets/timesheets.repository.js';
import { learnerAims, type AimRow } from './offthejob.repository.js';
import { calculateOtj } from './offthejob.rules.js';

const earliest = (dates: (Date | null)[]) => dates.filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
const latest = (dates: (Date | null)[]) => dates.filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** A learner's off-the-job position and episodes, computed on every read (no nightly job). */
export class OffTheJobService {
  constructor(private readonly db: Database) {}

  private async learner(actor: Actor, id: number) {
    const learner = await findLearner(this.db, actor.customerId, id);
    if (!learner) throw AppError.notFound();
    return learner;
  }

  async summary(actor: Actor, learnerId: number): Promise<OffTheJobSummary> {
    const learner = await this.learner(actor, learnerId);
    const aims = await learnerAims(this.db, actor.customerId, learnerId);
    const actualHours = await offTheJobHours(this.db, actor.customerId, learnerId);
    const { start, end } = programmeDates(learner, aims);
    return {
      ID: learner.id,
      ...calculateOtj({
        contractedHours: learner.contracted_hours,
        start,
        plannedEnd: end,
        actualHours,
        aims: aims.map((a) => ({ otjHours: a.otj_hours, rplHours: a.rpl_hours ?? 0 })),
      }),
    };
  }

  /** One episode per learner account: the episode fields on the learner, with the standards of their aims. */
  async episodes(actor: Actor, learnerId: number) {
    const learner = await this.learner(actor, learnerId);
    const aims = await learnerAims(this.db, actor.customerId, learnerId);
    return [
      {
        ID: learner.id,
        Name: learner.episode_name,
        StartOn: iso(learner.start_on),
        PlannedEndDate: iso(learner.planned_end_date),
        Standards: aims.filter((a) => a.standard_id !== null).map((a) => ({ ID: a.standard_id!, Title: a.title ?? '' })),
      },
    ];
  }
}

/** The learner's StartOn and PlannedEndDate; where one is missing, the earliest aim start or latest aim end. */
export function programmeDates(learner: { start_on: Date | null; planned_end_date: Date | null }, aims: AimRow[]) {
  return {
    start: learner.start_on ?? earliest(aims.map((a) => a.start_date)),
    end: learner.planned_end_date ?? latest(aims.map((a) => a.planned_end)),
  };
}
