import type { Queryable } from '../../db/client.js';
import { Filters, type Listing } from '../../db/search.js';
import type { AimDefaults, Slot } from '../learning-aims/learning-aims.repository.js';

const COLUMNS = `id AS "ID", user_id AS "UserID", learning_aim_id AS "LearningAimID", unit_id AS "UnitID", status AS "Status",
  progress::float8 AS "Progress", (SELECT a.standard_id FROM learning_aims a WHERE a.id = learning_aim_id) AS "StandardID",
  weighting::float8 AS "Weighting", start_date AS "StartDate", planned_end AS "PlannedEnd", assessor_id AS "AssessorID", iqa_id AS "IQAID"`;

export function unitSummaryListing(
  customerId: number,
  f: {
    UserID?: number | undefined;
    LearningAimID?: number | undefined;
    UnitID?: string | undefined;
    Status?: number | undefined;
  },
): Listing {
  return new Filters(customerId)
    .eq('user_id', f.UserID)
    .eq('learning_aim_id', f.LearningAimID)
    .eq('unit_id', f.UnitID)
    .eq('status', f.Status)
    .listing('unit_summaries', COLUMNS);
}

export async function userUnitSummaries(db: Queryable, customerId: number, userId: number) {
  return db.query(`SELECT ${COLUMNS} FROM unit_summaries WHERE customer_id = $1 AND user_id = $2 ORDER BY id`, [customerId, userId]);
}

export interface SummaryRow {
  id: number;
  learning_aim_id: number;
  standard_id: number;
  unit_id: string;
  assessor_id: number | null;
  iqa_id: number | null;
}

/** The learner's unit summary for the unit within the aim, made if missing (one even under races: UNIQUE(learning_aim_id, unit_id)). */
export async function ensureSummary(
  db: Queryable,
  customerId: number,
  learnerId: number,
  aimId: number,
  unitId: string,
  d: AimDefaults = {},
): Promise<{ id: number; created: boolean }> {
  const inserted = await db.query<{ id: number }>(
    `INSERT INTO unit_summaries (customer_id, user_id, learning_aim_id, unit_id, weighting, start_date, planned_end)
     VALUES ($1, $2, $3, $4, $5, date_trunc('day', now()) + make_interval(days => $6::int), date_trunc('day', now()) + make_interval(days => $7::int))
     ON CONFLICT (learning_aim_id, unit_id) DO NOTHING RETURNING id`,
    [customerId, learnerId, aimId, unitId, d.weighting ?? null, d.startDays ?? 0, d.endDays ?? null],
  );
  if (inserted[0]) return { id: inserted[0].id, created: true };
  const rows = await db.query<{ id: number }>('SELECT id FROM unit_summaries WHERE learning_aim_id = $1 AND unit_id = $2', [aimId, unitId]);
  return { id: rows[0]!.id, created: false };
}

export async function applySummaryDefaults(db: Queryable, id: number, d: AimDefaults): Promise<void> {
  await db.query(
    `UPDATE unit_summaries SET weighting = coalesce($2, weighting),
            start_date = coalesce(start_date, date_trunc('day', now()) + make_interval(days => $3::int)),
            planned_end = coalesce(planned_end, date_trunc('day', now()) + make_interval(days => $4::int)),
            updated_at = now()
      WHERE id = $1`,
    [id, d.weighting ?? null, d.startDays ?? 0, d.endDays ?? null],
  );
}

/** The learner's summaries of a unit (one per aim that has it), optionally within one standard, locked for a slot change. */
export async function summariesOfUnit(db: Queryable, customerId: number, learnerId: number, unitId: string, standardId?: number): Promise<SummaryRow[]> {
  return db.query<SummaryRow>(
    `SELECT us.id, us.learning_aim_id, a.standard_id, us.unit_id, us.assessor_id, us.iqa_id
       FROM unit_summaries us JOIN learning_aims a ON a.id = us.learning_aim_id
      WHERE us.customer_id = $1 AND us.user_id = $2 AND us.unit_id = $3 AND ($4::int IS NULL OR a.standard_id = $4)
      ORDER BY us.id FOR UPDATE OF us`,
    [customerId, learnerId, unitId, standardId ?? null],
  );
}

export async function setSummarySlot(db: Queryable, id: number, slot: Slot, userId: number | null): Promise<void> {
  await db.query(`UPDATE unit_summaries SET ${slot} = $2, updated_at = now() WHERE id = $1`, [id, userId]);
}

export async function userExists(db: Queryable, customerId: number, id: number): Promise<boolean> {
  return (await db.query('SELECT 1 FROM users WHERE customer_id = $1 AND id = $2', [customerId, id])).length > 0;
}

export async function summaryValues(db: Queryable, id: number) {
  return (
    await db.query<{ Weighting: number | null; StartDate: Date | null; PlannedEnd: Date | null }>(
      'SELECT weighting::float8 AS "Weighting", start_date AS "StartDate", planned_end AS "PlannedEnd" FROM unit_summaries WHERE id = $1',
      [id],
    )
  )[0]!;
}
