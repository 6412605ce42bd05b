import type { Queryable } from '../../db/client.js';
import type { Assignment } from '../../../contract/assignments.js';
import type { Person, Slot } from '../learning-aims/learning-aims.repository.js';
import { announceEvents, statementChanges } from '../events/events.repository.js';
import { Statement } from '../../db/records.js';

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

/**
 * What a level 3 assignment checks, in one statement ($1 customer, $2 both people, $3 the
 * learner, $4 the standard): both people, the learner, whether the standard is the
 * customer's, and the learner's aim for it. Locked, the locks are taken in lockLearnerAim's
 * order: the people (KEY SHARE), the learner (NO KEY UPDATE), then the aim (UPDATE).
 */
const level3Facts = (lock: boolean) => `WITH p AS (
       SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users
        WHERE customer_id = $1 AND id = ANY($2::int[]) ORDER BY id${lock ? ' FOR KEY SHARE' : ''}),
     l AS (SELECT id FROM users WHERE customer_id = $1 AND id = $3${lock ? ' FOR NO KEY UPDATE' : ''}),
     a AS (SELECT id, assessor_id, iqa_id FROM learning_aims
            WHERE customer_id = $1 AND user_id = (SELECT id FROM l) AND standard_id = $4${lock ? ' FOR UPDATE' : ''})
     SELECT (SELECT coalesce(json_agg(p ORDER BY p.id), '[]'::json) FROM p) AS people,
            EXISTS (SELECT 1 FROM standards WHERE customer_id = $1 AND id = $4) AS standard,
            (SELECT row_to_json(a) FROM a) AS aim`;

export interface Level3Facts {
  people: Person[];
  standard: boolean;
  aim: { id: number; assessor_id: number | null; iqa_id: number | null } | null;
  digest: string;
}

/** A level 3 assignment's facts read without locks, with their digest (see setAimSlotChecked). */
export async function readLevel3Facts(db: Queryable, customerId: number, people: number[], learnerId: number, standardId: number): Promise<Level3Facts> {
  const rows = await db.query<Level3Facts>(`SELECT f.*, md5(row_to_json(f)::text) AS digest FROM (${level3Facts(false)}) f`, [
    customerId,
    people,
    learnerId,
    standardId,
  ]);
  return rows[0]!;
}

/**
 * A level 3 assignment by one statement outside any transaction: the facts read again with
 * their locks, and the aim's slot set (with the learner's LastModified, the audit record and
 * the event) only if their digest is still the one the checks were made against. Answers
 * false when something changed in between (nothing written).
 */
export async function setAimSlotChecked(
  db: Queryable,
  customerId: number,
  read: { people: number[]; learnerId: number; standardId: number; digest: string },
  change: { aimId: number; slot: Slot; field: string; old: number | null; target: number | null; actor: string },
): Promise<boolean> {
  const st = new Statement([customerId, read.people, read.learnerId, read.standardId]);
  const target = st.p(change.target);
  const sql = `WITH f AS (${level3Facts(true)}),
     ok AS (SELECT 1 FROM f WHERE md5(row_to_json(f)::text) = ${st.p(read.digest)}),
     aim AS (
       UPDATE learning_aims SET ${change.slot} = ${target}::int, updated_at = now()
        WHERE customer_id = $1 AND id = ${st.p(change.aimId)} AND EXISTS (SELECT 1 FROM ok) RETURNING id, user_id),
     touched AS (UPDATE users SET updated_at = now() WHERE customer_id = $1 AND id IN (SELECT user_id FROM aim)),
     ${statementChanges(st, customerId, change.actor, [
       {
         entity: 'learning_aim',
         action: 'update',
         from: 'aim',
         id: 'aim.id',
         organisationId: 'NULL',
         changes: `jsonb_build_object(${st.p(change.field)}::text, jsonb_build_object('old', ${st.p(change.old)}::int, 'new', ${target}::int))`,
         fields: [change.field],
       },
     ])}
     SELECT aim.id FROM aim`;
  const written = (await db.query(sql, st.params)).length > 0;
  if (written) announceEvents(db, customerId);
  return written;
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
