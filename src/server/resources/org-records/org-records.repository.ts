import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const classrooms: RecordSpec = {
  table: 'classrooms',
  entity: 'classroom',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    Name: 'name',
    MISID: 'mis_id',
    StartOn: 'start_on',
    Archive: 'archive',
    CompletionMessage: 'completion_message',
    SendCompletionMessage: 'send_completion_message',
    IVFinalSignOff: 'iv_final_sign_off',
  },
};

export const placements: RecordSpec = {
  table: 'placements',
  entity: 'placement',
  fields: {
    ID: 'id',
    OrganisationID: 'organisation_id',
    Name: 'name',
    Address: 'address',
    Active: 'active',
    Contact: 'contact',
    Email: 'email',
    Fax: 'fax',
    Telephone: 'telephone',
    Web: 'web',
    MISID: 'mis_id',
  },
};

const SUMMARY = 'id AS "ID", name AS "Name", mis_id AS "MISID"';

/**
 * Classes and placements are searched the same way: by organisation and name. Both are written
 * only by audited changes (records.ts), so their searches are evented.
 */
export function namedListing(
  table: 'classrooms' | 'placements',
  customerId: number,
  filter: { OrganisationID?: number | undefined; Name?: string | undefined },
): Listing {
  return new Filters(customerId).eq('organisation_id', filter.OrganisationID).text('name', filter.Name).listing(table, SUMMARY, { evented: true });
}
