/**
 * Off-the-job (OTJ) training hours under the apprenticeship funding rules of England
 * (ESFA, now DfE, "Apprenticeship funding rules"), chosen by the learner's start date:
 *
 * - starts before 1 August 2022: 20% of the apprentice's contracted hours over the planned
 *   duration, less statutory annual leave;
 * - starts from 1 August 2022: 6 hours a week for apprentices contracted for 30 hours or
 *   more, otherwise 20% of their hours (that is, 20% of the hours capped at 30 a week),
 *   over the planned duration less statutory annual leave;
 * - starts from 1 August 2025: the fixed minimum off-the-job hours published for the
 *   apprenticeship standard, less any recognised prior learning (RPL) on the learning aim.
 *
 * Statutory annual leave is 5.6 weeks a year (28 days for a 5-day week), taken pro rata
 * over the programme: leave weeks = duration weeks x 5.6 / 52.
 *
 * Pure: no clock, no database. Hours and percentages are rounded to 2 decimal places at
 * the end only.
 */
import { OtjMethods, type OtjMethod } from '../../../contract/offthejob.js';

export const DEFAULT_CONTRACTED_HOURS = 30;
export const OTJ_PERCENTAGE = 20;
export const WEEKLY_CAP_HOURS = 30;
export const LEAVE_WEEKS_PER_YEAR = 5.6;
export const RULES_FROM_2022 = Date.UTC(2022, 7, 1);
export const RULES_FROM_2025 = Date.UTC(2025, 7, 1);
const WEEK_MS = 7 * 24 * 3600 * 1000;

export interface OtjAim {
  /** The standard's published minimum off-the-job hours; null when not published. */
  otjHours: number | null;
  /** Recognised prior learning recorded on the aim, in hours. */
  rplHours: number;
}

export interface OtjInput {
  contractedHours: number | null;
  start: Date | null;
  plannedEnd: Date | null;
  aims: OtjAim[];
  /** Sum of the learner's off-the-job timesheet entries, in hours. */
  actualHours: number;
}

export interface OtjResult {
  ContractedHours: number;
  TargetPercentage: number | null;
  PlannedOTJ: number | null;
  Duration: number | null;
  MethodOfCalculatingOTJ: OtjMethod;
  MinimumOTJ: number | null;
  PercentOfPlanned: number | null;
  CachedActualHours: number;
}

export const round2 = (n: number): number => Math.round((n + Number.EPSILON) * 100) / 100;

/** Weeks from start to planned end; null when either is missing or the end is not after the start. */
export function durationWeeks(start: Date | null, end: Date | null): number | null {
  if (!start || !end || end.getTime() <= start.getTime()) return null;
  return (end.getTime() - start.getTime()) / WEEK_MS;
}

/** Weeks actually worked: the duration less statutory annual leave, pro rata. */
export const workingWeeks = (weeks: number): number => weeks - (weeks * LEAVE_WEEKS_PER_YEAR) / 52;

export function calculateOtj(input: OtjInput): OtjResult {
  const hours = input.contractedHours ?? DEFAULT_CONTRACTED_HOURS;
  const weeks = durationWeeks(input.start, input.plannedEnd);
  const worked = weeks === null ? null : workingWeeks(weeks);
  let method: OtjMethod;
  let minimum: number | null = null;

  const percentageRule = (capped: boolean): number | null =>
    worked === null ? null : (OTJ_PERCENTAGE / 100) * (capped ? Math.min(hours, WEEKLY_CAP_HOURS) : hours) * worked;

  if (!input.start) {
    method = OtjMethods.noStart;
  } else if (input.start.getTime() < RULES_FROM_2022) {
    method = OtjMethods.before2022;
    minimum = percentageRule(false);
  } else if (input.start.getTime() < RULES_FROM_2025) {
    method = OtjMethods.from2022;
    minimum = percentageRule(true);
  } else {
    const published = input.aims.filter((a) => a.otjHours !== null);
    if (published.length > 0) {
      method = OtjMethods.from2025;
      minimum = published.reduce((sum, a) => sum + Math.max(0, a.otjHours! - a.rplHours), 0);
    } else {
      method = OtjMethods.from2025Fallback;
      minimum = percentageRule(true);
    }
  }

  // No separate planned figure is kept: the plan is the rule's minimum.
  const planned = minimum;
  const contractedOverProgramme = worked === null ? null : hours * worked;
  return {
    ContractedHours: hours,
    TargetPercentage: planned === null || !contractedOverProgramme ? null : round2((planned / contractedOverProgramme) * 100),
    PlannedOTJ: planned === null ? null : round2(planned),
    Duration: weeks === null ? null : round2(weeks),
    MethodOfCalculatingOTJ: method,
    MinimumOTJ: minimum === null ? null : round2(minimum),
    PercentOfPlanned: planned ? round2((input.actualHours / planned) * 100) : null,
    CachedActualHours: round2(input.actualHours),
  };
}
