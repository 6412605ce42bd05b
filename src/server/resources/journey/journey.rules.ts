/**
 * Who a journey record (review, visit, plan, timesheet entry) may name: a learner of the
 * customer, and staff of that learner's organisation in the right role. Shared by the
 * reviews, visits, plans and timesheets services; adds to `issues` so that every problem
 * is reported together.
 */
import type { Queryable } from '../../db/client.js';
import { Roles } from '../../../contract/users.js';
import { issue, type FieldIssue } from '../../domain/app-error.js';
import type { ErrorName } from '../../../contract/errors.js';
import { findPeople, type PersonRef } from './journey.repository.js';

export const ASSESSING_ROLES: number[] = [Roles.Assessor, Roles.TraineeAssessor];

export interface Participants {
  learner?: { field: string; id: unknown };
  /** The organisation the learner must belong to, when the caller knows it already (updates). */
  organisationId?: number;
  assessor?: { field: string; id: unknown };
  employer?: { field: string; id: unknown };
}

const bad = (issues: FieldIssue[], field: string) => issues.some((i) => i.field === field);

/**
 * Checks the people named; answers the learner found (on create) or undefined. Archived
 * learners refuse new records (they are read-only); archived staff cannot be booked.
 */
export async function checkParticipants(tx: Queryable, customerId: number, p: Participants, issues: FieldIssue[]): Promise<PersonRef | undefined> {
  const given = (x?: { field: string; id: unknown }) => (x && typeof x.id === 'number' && !bad(issues, x.field) ? x.id : undefined);
  const ids = [given(p.learner), given(p.assessor), given(p.employer)].filter((v): v is number => v !== undefined);
  const people = await findPeople(tx, customerId, ids);

  let learner: PersonRef | undefined;
  let organisationId = p.organisationId;
  const learnerId = given(p.learner);
  if (p.learner && learnerId !== undefined) {
    const ref = people.get(learnerId);
    if (!ref || ref.role !== Roles.Learner) issues.push(issue(p.learner.field, `${learnerId} is not a learner`, 'LEARNER_NOT_FOUND'));
    else if (organisationId !== undefined && ref.organisation_id !== organisationId) {
      issues.push(issue(p.learner.field, `${learnerId} is not a learner of organisation ${organisationId}`, 'LEARNER_NOT_FOUND'));
    } else if (ref.archived) issues.push(issue(p.learner.field, `${learnerId} is archived`, 'USER_ARCHIVED'));
    else {
      learner = ref;
      organisationId = ref.organisation_id;
    }
  }
  // Staff are checked against the learner's organisation; without a valid learner there is nothing to check against.
  if (organisationId === undefined) return learner;
  const staff = (x: { field: string; id: unknown } | undefined, roles: number[], error: ErrorName, what: string) => {
    const id = given(x);
    if (!x || id === undefined) return;
    const ref = people.get(id);
    if (!ref || ref.organisation_id !== organisationId) issues.push(issue(x.field, `${id} is not a user of the learner's organisation`, error));
    else if (!roles.includes(ref.role)) issues.push(issue(x.field, `${id} is not ${what}`, error));
    else if (ref.archived) issues.push(issue(x.field, `${id} is archived`, error));
  };
  staff(p.assessor, ASSESSING_ROLES, 'ASSESSOR_INVALID', 'an Assessor/Tutor or Trainee Assessor');
  staff(p.employer, [Roles.Employer], 'EMPLOYER_INVALID', 'an Employer');
  return learner;
}

const time = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : new Date(v as string | Date).getTime());

/** An end that is present must come after its start (when both are known). */
export function checkOrder(issues: FieldIssue[], startField: string, start: unknown, endField: string, end: unknown): void {
  const s = time(start);
  const e = time(end);
  if (s !== undefined && e !== undefined && !bad(issues, startField) && !bad(issues, endField) && e <= s) {
    issues.push(issue(endField, `must be after ${startField}`, 'DATES_OUT_OF_ORDER'));
  }
}
