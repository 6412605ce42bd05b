import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const reviews: RecordSpec = {
  table: 'reviews',
  entity: 'review',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    LearnerID: 'learner_id',
    AssessorID: 'assessor_id',
    EmployerID: 'employer_id',
    Status: 'status',
    CreatedOn: 'created_on',
    ScheduledFor: 'scheduled_for',
    EndTime: 'end_time',
    StartedOn: 'started_on',
    AssessorSignedOn: 'assessor_signed_on',
    LearnerSignedOn: 'learner_signed_on',
    EmployerSignedOn: 'employer_signed_on',
    VisitID: 'visit_id',
    Progress: 'progress',
    LastModified: 'updated_at',
  },
  readOnly: ['LastModified'],
};

export function reviewListing(
  customerId: number,
  f: {
    OrganisationID?: number | undefined;
    LearnerID?: number | undefined;
    AssessorID?: number | undefined;
    Status?: number | undefined;
    DateFrom?: string | undefined;
    DateTo?: string | undefined;
  },
): Listing {
  const filters = new Filters(customerId)
    .eq('organisation_id', f.OrganisationID)
    .eq('learner_id', f.LearnerID)
    .eq('assessor_id', f.AssessorID)
    .eq('status', f.Status)
    .atLeast('scheduled_for', f.DateFrom);
  if (f.DateTo !== undefined) filters.raw(`scheduled_for <= $${filters.params.push(f.DateTo)}`);
  return filters.listing(
    'reviews',
    'id AS "ID", learner_id AS "LearnerID", assessor_id AS "AssessorID", employer_id AS "EmployerID", status AS "Status", scheduled_for AS "ScheduledFor"',
  );
}
