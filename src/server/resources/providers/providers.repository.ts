import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const providers: RecordSpec = {
  table: 'providers',
  entity: 'provider',
  fields: { ID: 'id', Name: 'name', UKPRN: 'ukprn', MISID: 'mis_id', LastModified: 'updated_at' },
  readOnly: ['LastModified'],
};

export function providerListing(customerId: number, f: { Name?: string | undefined; UKPRN?: string | undefined; MISID?: string | undefined }): Listing {
  return new Filters(customerId).text('name', f.Name).eq('ukprn', f.UKPRN).eq('mis_id', f.MISID).listing('providers', 'id AS "ID", name AS "Name"');
}
