/**
 * The rules a user's fields must meet beyond their shapes, as pure functions: which fields a
 * role carries and requires, email, ULN and NINO, and references within the organisation.
 * The facts about other records (does this class belong to the organisation? who is user
 * 12?) are read by the caller and passed in, so the same rules serve one API request
 * (users.service.ts reads them row by row) and a bulk import (users.bulk.service.ts reads
 * them for thousands of rows at once).
 */
import { LearnerOnlyFields, Roles, RoleValues } from '../../../contract/users.js';
import { issue, type FieldIssue } from '../../domain/app-error.js';
import { ninoProblem, normaliseNino, normaliseUln, ulnProblem } from '../../domain/uk-data.js';

export type Values = Record<string, unknown>;

export const PLACED_ROLES: number[] = [Roles.Learner, Roles.Employer, Roles.Observer];
export const ASSESSOR_ROLES: number[] = [Roles.Assessor, Roles.TraineeAssessor];

/**
 * `x@y.z`: one @, no white space, a dot inside the domain. Written without a regular
 * expression: the pattern this replaces backtracked quadratically, so one long value could
 * hold the event loop (and every other request) for seconds. Linear in the length.
 */
export function looksLikeEmail(text: string): boolean {
  const at = text.indexOf('@');
  if (at < 1 || at !== text.lastIndexOf('@') || /\s/.test(text)) return false;
  // A dot with something before and after it, as /^[^\s@]+@[^\s@]+\.[^\s@]+$/ meant.
  return text.slice(at + 2, -1).includes('.');
}

/** Fields only a learner carries (the contract's own list); for other roles they are ignored like unknown keys. */
const LEARNER_ONLY_SET: ReadonlySet<string> = new Set(LearnerOnlyFields);

/** Whether a user of this role carries the field (others are ignored like unknown keys). */
export function carries(role: unknown, field: string): boolean {
  if (role !== Roles.Learner && LEARNER_ONLY_SET.has(field)) return false;
  return field !== 'PlacementID' || PLACED_ROLES.includes(role as number);
}

/** The body's fields that this role carries. */
export function forRole(role: unknown, body: Values): Values {
  const values: Values = {};
  for (const [field, value] of Object.entries(body)) if (carries(role, field)) values[field] = value;
  return values;
}

/** A create's Role must be one of the six (a malformed one is already an issue). */
export function checkRole(role: unknown, issues: FieldIssue[]): void {
  if (typeof role === 'number' && !RoleValues.includes(role) && !issues.some((i) => i.field === 'Role')) {
    issues.push(issue('Role', 'must be one of 1, 4, 5, 10, 40, 45', 'INVALID_ROLE'));
  }
}

/** The letters of a login name; the user's ID follows them (`jsmith42`), so it is unique by construction. */
export const usernameBase = (first: string, last: string): string =>
  `${first.slice(0, 1)}${last}`
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .slice(0, 20) || 'user';

/** Tables whose rows a user may name, when the row belongs to the user's organisation. */
export type OwnedTable = 'classrooms' | 'placements' | 'learner_statuses';
export const OWNED_REFERENCES = [
  { field: 'ClassroomID', table: 'classrooms', error: 'CLASSROOM_NOT_FOUND', what: 'a class' },
  { field: 'PlacementID', table: 'placements', error: 'PLACEMENT_NOT_FOUND', what: 'a placement' },
  { field: 'LearnerStatusID', table: 'learner_statuses', error: 'LEARNER_STATUS_NOT_FOUND', what: 'a learner status' },
] as const;
export const STAFF_REFERENCES = ['DefaultAssessorID', 'DefaultEmployerID'] as const;

export interface UserRef {
  id: number;
  organisation_id: number;
  role: number;
  archived: boolean;
}

/** What the rules need to know about other records, read by the caller. */
export interface ReferenceFacts {
  /** Whether the row of `table` with this id belongs to the organisation. */
  owns(table: OwnedTable, id: number): boolean;
  /** The users named by DefaultAssessorID and DefaultEmployerID, by id (missing: no such user of the customer). */
  staff: ReadonlyMap<number, UserRef>;
}

const flagged = (issues: FieldIssue[], field: string) => issues.some((i) => i.field === field);

/** The references `values` makes that need a fact: owned rows to look up, and staff user IDs. */
export function referencesToCheck(values: Values, issues: FieldIssue[]): { owned: { table: OwnedTable; id: number }[]; staffIds: number[] } {
  const present = (field: string) => values[field] !== undefined && !flagged(issues, field);
  return {
    owned: OWNED_REFERENCES.filter((r) => present(r.field)).map((r) => ({ table: r.table, id: values[r.field] as number })),
    staffIds: STAFF_REFERENCES.filter(present)
      .map((f) => values[f])
      .filter((v): v is number => Number.isInteger(v)),
  };
}

/**
 * Every rule beyond field shapes: role-mandatory fields, references within the organisation,
 * UK identifiers. Adds to `issues` (so all problems are reported together) and normalises
 * `values` in place (ULN and NINO without spaces; empty means not given).
 */
export function checkUserValues(organisationId: number, role: unknown, values: Values, issues: FieldIssue[], creating: boolean, facts: ReferenceFacts): void {
  const bad = (field: string) => flagged(issues, field);
  const present = (field: string) => values[field] !== undefined && !bad(field);

  if (creating && role === Roles.Learner) {
    for (const [field, error] of [
      ['DefaultAssessorID', 'DEFAULT_ASSESSOR_INVALID'],
      ['ClassroomID', 'CLASSROOM_NOT_FOUND'],
      ['PlacementID', 'PLACEMENT_NOT_FOUND'],
    ] as const) {
      if (values[field] === undefined && !bad(field)) issues.push(issue(field, 'is required for learners', error));
    }
  }
  if (creating && (role === Roles.Employer || role === Roles.Observer) && values.PlacementID === undefined && !bad('PlacementID')) {
    issues.push(issue('PlacementID', 'is required for employers and observers', 'PLACEMENT_NOT_FOUND'));
  }
  if (present('Email') && !looksLikeEmail(String(values.Email).trim())) issues.push(issue('Email', 'must be an email address'));

  for (const r of OWNED_REFERENCES) {
    if (present(r.field) && !facts.owns(r.table, values[r.field] as number)) {
      issues.push(issue(r.field, `${values[r.field]} is not ${r.what} of this organisation`, r.error));
    }
  }

  const staffCheck = (field: string, roles: number[], error: 'DEFAULT_ASSESSOR_INVALID' | 'DEFAULT_EMPLOYER_INVALID', what: string) => {
    if (!present(field)) return;
    const ref = facts.staff.get(values[field] as number);
    if (!ref || ref.organisation_id !== organisationId) issues.push(issue(field, `${values[field]} is not a user of this organisation`, error));
    else if (!roles.includes(ref.role)) issues.push(issue(field, `${values[field]} is not ${what}`, error));
    else if (ref.archived) issues.push(issue(field, `${values[field]} is archived`, error));
  };
  staffCheck('DefaultAssessorID', ASSESSOR_ROLES, 'DEFAULT_ASSESSOR_INVALID', 'an Assessor/Tutor or Trainee Assessor');
  staffCheck('DefaultEmployerID', [Roles.Employer], 'DEFAULT_EMPLOYER_INVALID', 'an Employer');

  if (typeof values.ULN === 'string' && !bad('ULN')) {
    const problem = values.ULN.trim() === '' ? null : ulnProblem(values.ULN);
    if (problem) issues.push(issue('ULN', problem, 'ULN_INVALID'));
    else values.ULN = values.ULN.trim() === '' ? null : normaliseUln(values.ULN);
  }
  if (typeof values.NINO === 'string' && !bad('NINO')) {
    const problem = values.NINO.trim() === '' ? null : ninoProblem(values.NINO);
    if (problem) issues.push(issue('NINO', problem, 'NINO_INVALID'));
    else values.NINO = values.NINO.trim() === '' ? null : normaliseNino(values.NINO);
  }
}
