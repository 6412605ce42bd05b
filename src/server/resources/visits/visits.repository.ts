import type { Queryable } from '../../db/client.js';
import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const visits: RecordSpec = {
  table: 'visits',
  entity: 'visit',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    LearnerID: 'learner_id',
    AssessorID: 'assessor_id',
    DateFrom: 'date_from',
    DateTo: 'date_to',
    VisitTypeID: 'visit_type_id',
    SMSReminder: 'sms_reminder',
    LastModified: 'updated_at',
  },
  readOnly: ['LastModified'],
};

export function visitListing(
  customerId: number,
  f: {
    OrganisationID?: number | undefined;
    LearnerID?: number | undefined;
    AssessorID?: number | undefined;
    DateFrom?: string | undefined;
    DateTo?: string | undefined;
  },
): Listing {
  const filters = new Filters(customerId)
    .eq('organisation_id', f.OrganisationID)
    .eq('learner_id', f.LearnerID)
    .eq('assessor_id', f.AssessorID)
    .atLeast('date_from', f.DateFrom);
  if (f.DateTo !== undefined) filters.raw(`date_from <= $${filters.params.push(f.DateTo)}`);
  return filters.listing(
    'visits',
    'id AS "ID", learner_id AS "LearnerID", assessor_id AS "AssessorID", date_from AS "DateFrom", date_to AS "DateTo", visit_type_id AS "VisitTypeID"',
  );
}

/** Whether a visit of that learner exists (a review may only hang on its own learner's visit). */
export async function isVisitOf(db: Queryable, customerId: number, visitId: number, learnerId: number): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM visits WHERE customer_id = $1 AND id = $2 AND learner_id = $3', [customerId, visitId, learnerId]);
  return rows.length > 0;
}

export async function customVisitTypes(db: Queryable, customerId: number, organisationId: number): Promise<{ ID: number; Name: string }[]> {
  return db.query('SELECT id AS "ID", name AS "Name" FROM visit_types WHERE customer_id = $1 AND organisation_id = $2 ORDER BY id', [
    customerId,
    organisationId,
  ]);
}

export async function isCustomVisitType(db: Queryable, customerId: number, organisationId: number, id: number): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM visit_types WHERE customer_id = $1 AND organisation_id = $2 AND id = $3', [customerId, organisationId, id]);
  return rows.length > 0;
}

export async function insertVisitType(db: Queryable, customerId: number, organisationId: number, name: string): Promise<number> {
  const rows = await db.query<{ id: number }>('INSERT INTO visit_types (customer_id, organisation_id, name) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    organisationId,
    name,
  ]);
  return rows[0]!.id;
}
