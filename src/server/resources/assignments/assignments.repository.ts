import type { Queryable } from '../../db/client.js';
import type { Assignment } from '../../../contract/assignments.js';
import type { Slot } from '../learning-aims/learning-aims.repository.js';

/**
 * A level 3 assignment's reads, in one statement and in the order every programme write takes
 * its locks (learning-aims.repository.ts lockLearner): the learner's row FOR NO KEY UPDATE,
 * then the learner's aim for the standard FOR UPDATE; and whether the standard is the
 * customer's at all.
 */
export async function lockLearnerAim(
  db: Queryable,
  customerId: number,
  learnerId: number,
  standardId: number,
): Promise<{
  standard: boolean;
  aim: { id: number; assessor_id: number | null; iqa_id: number | null } | undefined;
}> {
  const rows = await db.query<{ standard: boolean; id: number | null; assessor_id: number | null; iqa_id: number | null }>(
    `SELECT EXISTS (SELECT 1 FROM standards WHERE customer_id = $1 AND id = $3) AS standard, a.id, a.assessor_id, a.iqa_id
       FROM (SELECT id FROM users WHERE customer_id = $1 AND id = $2 FOR NO KEY UPDATE) l
       LEFT JOIN LATERAL (
         SELECT id, assessor_id, iqa_id FROM learning_aims WHERE customer_id = $1 AND user_id = l.id AND standard_id = $3 FOR UPDATE) a ON true`,
    [customerId, learnerId, standardId],
  );
  const row = rows[0];
  return { standard: row?.standard ?? false, aim: row?.id == null ? undefined : { id: row.id, assessor_id: row.assessor_id, iqa_id: row.iqa_id } };
}

/** Puts a staff member in (or takes them out of) an aim's slot, and moves its learner's LastModified, in one statement. */
export async function setAimSlotTouchingLearner(db: Queryable, customerId: number, aimId: number, slot: Slot, userId: number | null): Promise<void> {
  await db.query(
    `WITH aim AS (UPDATE learning_aims SET ${slot} = $3, updated_at = now() WHERE customer_id = $1 AND id = $2 RETURNING user_id)
     UPDATE users SET updated_at = now() WHERE customer_id = $1 AND id IN (SELECT user_id FROM aim)`,
    [customerId, aimId, userId],
  );
}

/** Whether the staff member joined the learner's additional staff because of this call. */
export async function addAdditional(db: Queryable, customerId: number, learnerId: number, staffId: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO additional_staff (customer_id, learner_id, staff_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING staff_id`,
    [customerId, learnerId, staffId],
  );
  return rows.length > 0;
}

export async function removeAdditional(db: Queryable, customerId: number, learnerId: number, staffId: number): Promise<boolean> {
  const rows = await db.query('DELETE FROM additional_staff WHERE customer_id = $1 AND learner_id = $2 AND staff_id = $3 RETURNING staff_id', [
    customerId,
    learnerId,
    staffId,
  ]);
  return rows.length > 0;
}

/** Links an employer to a placement, answering the earlier grant (undefined: not linked before). */
export async function linkPlacement(db: Queryable, customerId: number, userId: number, placementId: number, grant: boolean): Promise<boolean | undefined> {
  const before = await db.query<{ grant_access: boolean }>('SELECT grant_access FROM employer_placements WHERE user_id = $1 AND placement_id = $2 FOR UPDATE', [
    userId,
    placementId,
  ]);
  await db.query(
    `INSERT INTO employer_placements (customer_id, user_id, placement_id, grant_access) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, placement_id) DO UPDATE SET grant_access = EXCLUDED.grant_access`,
    [customerId, userId, placementId, grant],
  );
  return before[0]?.grant_access;
}

export async function placementInOrganisation(db: Queryable, customerId: number, organisationId: number, placementId: number): Promise<boolean> {
  return (
    (await db.query('SELECT 1 FROM placements WHERE customer_id = $1 AND organisation_id = $2 AND id = $3', [customerId, organisationId, placementId])).length >
    0
  );
}

/** Everyone assigned to the learner, in the order of spec 5.3's kinds, each kind in ID order. */
export async function assignmentsOf(db: Queryable, customerId: number, learnerId: number): Promise<Assignment[]> {
  return db.query<Assignment>(
    `WITH learner AS (SELECT * FROM users WHERE customer_id = $1 AND id = $2),
     rows AS (
       SELECT 1 AS k, 0 AS o, 0 AS s, default_assessor_id AS staff, 'DefaultAssessor' AS kind, NULL::int AS level, NULL::int AS standard, NULL::text AS unit
         FROM learner WHERE default_assessor_id IS NOT NULL
       UNION ALL SELECT 2, 0, 0, default_employer_id, 'DefaultEmployer', NULL, NULL, NULL FROM learner WHERE default_employer_id IS NOT NULL
       UNION ALL SELECT 3, a.id, 1, a.assessor_id, 'LearningAim', 3, a.standard_id, NULL FROM learning_aims a WHERE a.customer_id = $1 AND a.user_id = $2 AND a.assessor_id IS NOT NULL
       UNION ALL SELECT 3, a.id, 2, a.iqa_id, 'LearningAim', 3, a.standard_id, NULL FROM learning_aims a WHERE a.customer_id = $1 AND a.user_id = $2 AND a.iqa_id IS NOT NULL
       UNION ALL SELECT 4, us.id, 1, us.assessor_id, 'UnitSummary', 2, a.standard_id, us.unit_id FROM unit_summaries us JOIN learning_aims a ON a.id = us.learning_aim_id
         WHERE us.customer_id = $1 AND us.user_id = $2 AND us.assessor_id IS NOT NULL
       UNION ALL SELECT 4, us.id, 2, us.iqa_id, 'UnitSummary', 2, a.standard_id, us.unit_id FROM unit_summaries us JOIN learning_aims a ON a.id = us.learning_aim_id
         WHERE us.customer_id = $1 AND us.user_id = $2 AND us.iqa_id IS NOT NULL
       UNION ALL SELECT 5, x.staff_id, 0, x.staff_id, 'Additional', 1, NULL, NULL FROM additional_staff x WHERE x.customer_id = $1 AND x.learner_id = $2
     )
     SELECT r.staff AS "UserID", u.role AS "Role", r.kind AS "Kind", r.level AS "Level", r.standard AS "StandardID", r.unit AS "UnitID"
       FROM rows r JOIN users u ON u.id = r.staff ORDER BY r.k, r.o, r.s`,
    [customerId, learnerId],
  );
}

export interface HeldSlot {
  entity: 'learning_aim' | 'unit_summary';
  id: number;
  learnerId: number;
  field: 'AssessorID' | 'IQAID';
}

/** Empties every slot the user holds (before the user is deleted), answering what was emptied. */
export async function releaseSlots(db: Queryable, customerId: number, userId: number): Promise<HeldSlot[]> {
  const released: HeldSlot[] = [];
  for (const [table, entity] of [
    ['learning_aims', 'learning_aim'],
    ['unit_summaries', 'unit_summary'],
  ] as const) {
    for (const [column, field] of [
      ['assessor_id', 'AssessorID'],
      ['iqa_id', 'IQAID'],
    ] as const) {
      const rows = await db.query<{ id: number; user_id: number }>(
        `UPDATE ${table} SET ${column} = NULL, updated_at = now() WHERE customer_id = $1 AND ${column} = $2 RETURNING id, user_id`,
        [customerId, userId],
      );
      for (const r of rows) released.push({ entity, id: r.id, learnerId: r.user_id, field });
    }
  }
  return released;
}

/** Removes the user from every learner's additional staff, answering those learners. */
export async function releaseAdditional(db: Queryable, customerId: number, userId: number): Promise<number[]> {
  const rows = await db.query<{ learner_id: number }>('DELETE FROM additional_staff WHERE customer_id = $1 AND staff_id = $2 RETURNING learner_id', [
    customerId,
    userId,
  ]);
  return rows.map((r) => r.learner_id);
}
