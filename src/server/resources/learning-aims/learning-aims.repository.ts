import type { Queryable } from '../../db/client.js';
import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const learningAims: RecordSpec = {
  table: 'learning_aims',
  entity: 'learning_aim',
  fields: {
    ID: 'id',
    UserID: 'user_id',
    OrganisationID: 'organisation_id',
    StandardID: 'standard_id',
    Status: 'status_id',
    StartDate: 'start_date',
    PlannedEnd: 'planned_end',
    Progress: 'progress::float8',
    RegistrationNumber: 'registration_number',
    RegistrationDate: 'registration_date',
    CertificateAppliedDate: 'certificate_applied_date',
    AchievedDate: 'achieved_date',
    Weighting: 'weighting::float8',
    AssessorID: 'assessor_id',
    IQAID: 'iqa_id',
    LastModified: 'updated_at',
  },
  readOnly: ['UserID', 'OrganisationID', 'StandardID', 'Progress', 'Weighting', 'AssessorID', 'IQAID', 'LastModified'],
};

export function learningAimListing(
  customerId: number,
  f: {
    UserID?: number | undefined;
    StandardID?: number | undefined;
    Status?: number | undefined;
    LearningAimCompletionStatus?: number | undefined;
    DateFrom?: string | undefined;
    DateTo?: string | undefined;
  },
): Listing {
  const achieved = f.LearningAimCompletionStatus === 1;
  const dateColumn = achieved ? 'achieved_date' : 'start_date';
  return new Filters(customerId)
    .eq('user_id', f.UserID)
    .eq('standard_id', f.StandardID)
    .eq('status_id', f.Status)
    .raw(f.LearningAimCompletionStatus === undefined ? 'true' : achieved ? 'achieved_date IS NOT NULL' : 'achieved_date IS NULL')
    .atLeast(dateColumn, f.DateFrom)
    .with(`${dateColumn} <= $?`, f.DateTo)
    .listing(
      'learning_aims',
      `id AS "ID", user_id AS "UserID", standard_id AS "StandardID", status_id AS "Status",
      start_date AS "StartDate", planned_end AS "PlannedEnd", progress::float8 AS "Progress"`,
    );
}

// ---- the learner's programme: used by every assignment path ----

export interface Person {
  id: number;
  organisation_id: number;
  role: number;
  archived: boolean;
}

/**
 * The learner whose programme a write changes, locked (FOR NO KEY UPDATE) until it commits:
 * writes to one learner's programme queue up, so that "create if missing" and "replace the
 * slot holder" see each other's results and the audit trail records them in order.
 */
export async function lockLearner(db: Queryable, customerId: number, id: number): Promise<Person | undefined> {
  const rows = await db.query<Person>(
    `SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users WHERE customer_id = $1 AND id = $2 FOR NO KEY UPDATE`,
    [customerId, id],
  );
  return rows[0];
}

/** Users read for a check, held against deletion (KEY SHARE) until the write commits. */
export async function findPeople(db: Queryable, customerId: number, ids: number[]): Promise<Map<number, Person>> {
  const rows = await db.query<Person>(
    `SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users
      WHERE customer_id = $1 AND id = ANY($2::int[]) ORDER BY id FOR KEY SHARE`,
    [customerId, ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** Moves the learners' LastModified, so that an incremental sync sees their programme changed. */
export async function touchUsers(db: Queryable, customerId: number, ids: number[]): Promise<void> {
  if (ids.length > 0) await db.query('UPDATE users SET updated_at = now() WHERE customer_id = $1 AND id = ANY($2::int[])', [customerId, ids]);
}

export interface AimDefaults {
  startDays?: number | undefined;
  endDays?: number | null | undefined;
  weighting?: number | null | undefined;
}

export interface AimRow {
  id: number;
  standard_id: number;
  assessor_id: number | null;
  iqa_id: number | null;
  weighting: number | null;
  start_date: Date | null;
  planned_end: Date | null;
}

const AIM = 'id, standard_id, assessor_id, iqa_id, weighting::float8 AS weighting, start_date, planned_end';

/**
 * The learner's aim for the standard, made if missing. The unique index (user_id, standard_id)
 * makes this one aim even when several calls race: the losers' inserts do nothing.
 * Dates without defaults start today (the database's clock) and have no planned end.
 */
export async function ensureAim(
  db: Queryable,
  customerId: number,
  learner: Person,
  standardId: number,
  d: AimDefaults = {},
): Promise<{ aim: AimRow; created: boolean }> {
  const inserted = await db.query<AimRow>(
    `INSERT INTO learning_aims (customer_id, user_id, organisation_id, standard_id, start_date, planned_end, weighting)
     VALUES ($1, $2, $3, $4, date_trunc('day', now()) + make_interval(days => $5::int),
             date_trunc('day', now()) + make_interval(days => $6::int), $7)
     ON CONFLICT (user_id, standard_id) DO NOTHING RETURNING ${AIM}`,
    [customerId, learner.id, learner.organisation_id, standardId, d.startDays ?? 0, d.endDays ?? null, d.weighting ?? null],
  );
  if (inserted[0]) return { aim: inserted[0], created: true };
  return { aim: (await findAim(db, customerId, learner.id, standardId, true))!, created: false };
}

export async function findAim(db: Queryable, customerId: number, learnerId: number, standardId: number, lock = false): Promise<AimRow | undefined> {
  const rows = await db.query<AimRow>(
    `SELECT ${AIM} FROM learning_aims WHERE customer_id = $1 AND user_id = $2 AND standard_id = $3${lock ? ' FOR UPDATE' : ''}`,
    [customerId, learnerId, standardId],
  );
  return rows[0];
}

export type Slot = 'assessor_id' | 'iqa_id';

export async function setAimSlot(db: Queryable, aimId: number, slot: Slot, userId: number | null): Promise<void> {
  await db.query(`UPDATE learning_aims SET ${slot} = $2, updated_at = now() WHERE id = $1`, [aimId, userId]);
}

/** Fills what is empty and sets the weighting, for a template applied to an aim the learner has. */
export async function applyAimDefaults(db: Queryable, aimId: number, d: AimDefaults): Promise<void> {
  await db.query(
    `UPDATE learning_aims SET weighting = coalesce($2, weighting),
            start_date = coalesce(start_date, date_trunc('day', now()) + make_interval(days => $3::int)),
            planned_end = coalesce(planned_end, date_trunc('day', now()) + make_interval(days => $4::int)),
            updated_at = now()
      WHERE id = $1`,
    [aimId, d.weighting ?? null, d.startDays ?? 0, d.endDays ?? null],
  );
}

// ---- learning-aim statuses ----

export async function learningAimStatuses(db: Queryable, customerId: number, organisationId: number) {
  return db.query<{ ID: number; Name: string }>(
    'SELECT id AS "ID", name AS "Name" FROM learning_aim_statuses WHERE customer_id = $1 AND organisation_id = $2 ORDER BY id',
    [customerId, organisationId],
  );
}

export async function statusInOrganisation(db: Queryable, customerId: number, organisationId: number, id: number): Promise<boolean> {
  return (
    (await db.query('SELECT 1 FROM learning_aim_statuses WHERE customer_id = $1 AND organisation_id = $2 AND id = $3', [customerId, organisationId, id]))
      .length > 0
  );
}

export async function insertLearningAimStatus(db: Queryable, organisationId: number, name: string): Promise<{ id: number; customerId: number } | undefined> {
  const rows = await db.query<{ id: number; customer_id: number }>(
    `INSERT INTO learning_aim_statuses (customer_id, organisation_id, name)
     SELECT customer_id, id, $2 FROM organisations WHERE id = $1 RETURNING id, customer_id`,
    [organisationId, name],
  );
  return rows[0] ? { id: rows[0].id, customerId: rows[0].customer_id } : undefined;
}

/** The customer an organisation belongs to, for operator calls that name only the organisation. */
export async function organisationCustomer(db: Queryable, organisationId: number): Promise<number | undefined> {
  return (await db.query<{ customer_id: number }>('SELECT customer_id FROM organisations WHERE id = $1', [organisationId]))[0]?.customer_id;
}

export interface DefaultValues {
  Weighting: number | null;
  StartDate: Date | null;
  PlannedEnd: Date | null;
}

export async function aimValues(db: Queryable, id: number): Promise<DefaultValues> {
  return (
    await db.query<DefaultValues>(
      'SELECT weighting::float8 AS "Weighting", start_date AS "StartDate", planned_end AS "PlannedEnd" FROM learning_aims WHERE id = $1',
      [id],
    )
  )[0]!;
}

/** The demo seed's starting status (the API changes it through the audited partial update). */
export async function setStatus(db: Queryable, aimId: number, statusId: number): Promise<void> {
  await db.query('UPDATE learning_aims SET status_id = $2 WHERE id = $1', [aimId, statusId]);
}
