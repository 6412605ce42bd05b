import type { Queryable } from '../../db/client.js';

/** A person a journey record names, as far as the rules need them. */
export interface PersonRef {
  id: number;
  organisation_id: number;
  role: number;
  archived: boolean;
}

/**
 * The people a write names, limited to the customer, locked against deletion (KEY SHARE)
 * until the write commits so that a concurrent delete cannot slip between check and insert.
 */
export async function findPeople(db: Queryable, customerId: number, ids: number[]): Promise<Map<number, PersonRef>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<PersonRef>(
    `SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users
      WHERE customer_id = $1 AND id = ANY($2::int[]) ORDER BY id FOR KEY SHARE`,
    [customerId, ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** A learner's own record moves (LastModified) when something of their journey changes, so sync jobs see it. */
export async function touchLearner(db: Queryable, customerId: number, learnerId: number): Promise<void> {
  await db.query('UPDATE users SET updated_at = now() WHERE customer_id = $1 AND id = $2', [customerId, learnerId]);
}

export interface LearnerRow {
  id: number;
  organisation_id: number;
  contracted_hours: number | null;
  start_on: Date | null;
  planned_end_date: Date | null;
  episode_name: string | null;
}

/** A learner (role 1) of the customer, or undefined: other customers' and other roles' IDs are "no such learner". */
export async function findLearner(db: Queryable, customerId: number, id: number): Promise<LearnerRow | undefined> {
  const rows = await db.query<LearnerRow>(
    `SELECT id, organisation_id, contracted_hours, start_on, planned_end_date, episode_name FROM users
      WHERE customer_id = $1 AND id = $2 AND role = 1`,
    [customerId, id],
  );
  return rows[0];
}
