import type { Queryable } from '../../db/client.js';
import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const providers: RecordSpec = {
  table: 'providers',
  entity: 'provider',
  fields: { ID: 'id', Name: 'name', UKPRN: 'ukprn', MISID: 'mis_id', LastModified: 'updated_at' },
  readOnly: ['LastModified'],
};

export function providerListing(customerId: number, f: { Name?: string | undefined; UKPRN?: string | undefined; MISID?: string | undefined }): Listing {
  return new Filters(customerId).text('name', f.Name).eq('ukprn', f.UKPRN).eq('mis_id', f.MISID)
    .listing('providers', 'id AS "ID", name AS "Name"');
}

/** Whether the customer has a provider of that ID (locked against deletion until the write commits). */
export async function providerExists(db: Queryable, customerId: number, id: number): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM providers WHERE customer_id = $1 AND id = $2 FOR KEY SHARE', [customerId, id]);
  return rows.length > 0;
}
