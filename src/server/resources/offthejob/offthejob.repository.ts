import type { Queryable } from '../../db/client.js';

export interface AimRow {
  standard_id: number | null;
  title: string | null;
  otj_hours: number | null;
  rpl_hours: number;
  start_date: Date | null;
  planned_end: Date | null;
}

/** A learner's learning aims with their standards' published OTJ hours (numeric read as numbers). */
export async function learnerAims(db: Queryable, customerId: number, learnerId: number): Promise<AimRow[]> {
  return db.query<AimRow>(
    `SELECT a.standard_id, s.title, s.otj_hours::float8 AS otj_hours, a.rpl_hours::float8 AS rpl_hours, a.start_date, a.planned_end
       FROM learning_aims a LEFT JOIN standards s ON s.id = a.standard_id AND s.customer_id = a.customer_id
      WHERE a.customer_id = $1 AND a.user_id = $2 ORDER BY a.id`,
    [customerId, learnerId],
  );
}
