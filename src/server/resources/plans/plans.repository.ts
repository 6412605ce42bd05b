import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const plans: RecordSpec = {
  table: 'plans',
  entity: 'plan',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    Title: 'title',
    PlanOn: 'plan_on',
    LearnerID: 'learner_id',
    AssessorID: 'assessor_id',
    AssessorSignedOn: 'assessor_signed_on',
    LearnerSignedOn: 'learner_signed_on',
    Details: 'details',
  },
};

export function planListing(customerId: number, f: { OrganisationID?: number | undefined; LearnerID?: number | undefined }): Listing {
  return new Filters(customerId)
    .eq('organisation_id', f.OrganisationID)
    .eq('learner_id', f.LearnerID)
    .listing('plans', 'id AS "ID", title AS "Title", plan_on AS "PlanOn", learner_id AS "LearnerID"');
}
