import type { Database } from '../../db/client.js';
import { findRecord, insertRecord, updateRecord, type RecordSpec } from '../../db/records.js';
import { namedListing } from './org-records.repository.js';
import { AppError, type FieldIssue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import { requireOrganisation } from '../organisations/organisations.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

/**
 * Classes and placements: records that belong to an organisation and have no rules beyond
 * "the organisation must be yours" and the field shapes. One service, two instances.
 */
export class OrgRecordsService<T> {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
    private readonly spec: RecordSpec,
    private readonly table: 'classrooms' | 'placements',
  ) {}

  async get(actor: Actor, id: number): Promise<T> {
    const row = await findRecord<T>(this.db, this.spec, actor.customerId, id);
    if (!row) throw AppError.notFound();
    return row;
  }

  search(actor: Actor, filter: { OrganisationID?: number; Name?: string }, paging?: Paging) {
    return this.searcher.run(namedListing(this.table, actor.customerId, filter), paging);
  }

  create(actor: Actor, body: Record<string, unknown> & { OrganisationID: number }, issues: FieldIssue[]): Promise<T> {
    return this.db.transaction(async (tx) => {
      await requireOrganisation(tx, actor, body.OrganisationID, issues);
      if (issues.length > 0) throw AppError.invalid(issues);
      return insertRecord<T>(tx, this.spec, actor.customerId, body, actorLabel(actor));
    });
  }

  update(actor: Actor, id: number, body: Record<string, unknown>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const row = await updateRecord<T>(tx, this.spec, actor.customerId, id, body, actorLabel(actor));
      if (!row) throw AppError.notFound();
      return row;
    });
  }
}
