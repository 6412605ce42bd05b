import type { Queryable } from '../../db/client.js';
import type { RecordSpec } from '../../db/records.js';

const HOURS = 'round((extract(epoch FROM (to_date - from_date)) / 3600)::numeric, 2)::float8';

export const timesheetEntries: RecordSpec = {
  table: 'timesheet_entries',
  entity: 'timesheet_entry',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    LearnerID: 'learner_id',
    TimesheetCategory: 'category',
    FromDate: 'from_date',
    ToDate: 'to_date',
    Comments: 'comments',
    IsOffTheJob: 'is_off_the_job',
    Hours: HOURS,
  },
  readOnly: ['Hours'],
};

/** A learner's entries in ID order (a learner's timesheet is small: a few hundred rows over a programme). */
export async function learnerEntries(db: Queryable, customerId: number, learnerId: number) {
  return db.query(
    `SELECT id AS "ID", category AS "TimesheetCategory", from_date AS "FromDate", to_date AS "ToDate", comments AS "Comments",
            is_off_the_job AS "IsOffTheJob", ${HOURS} AS "Hours"
       FROM timesheet_entries WHERE customer_id = $1 AND learner_id = $2 ORDER BY id`,
    [customerId, learnerId],
  );
}

/** The hours of a learner's off-the-job entries. */
export async function offTheJobHours(db: Queryable, customerId: number, learnerId: number): Promise<number> {
  const rows = await db.query<{ hours: number | null }>(
    `SELECT (sum(extract(epoch FROM (to_date - from_date))) / 3600)::float8 AS hours
       FROM timesheet_entries WHERE customer_id = $1 AND learner_id = $2 AND is_off_the_job`,
    [customerId, learnerId],
  );
  return Number(rows[0]?.hours ?? 0);
}
