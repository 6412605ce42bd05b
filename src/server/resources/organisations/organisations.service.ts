import type { Database, Queryable } from '../../db/client.js';
import * as repo from './organisations.repository.js';
import type { OrganisationSearchFilter } from '../../../contract/organisations.js';
import { MAX_ID } from '../../../contract/common.js';
import { AppError, type FieldIssue } from '../../domain/app-error.js';
import type { Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

export class OrganisationsService {
  constructor(private readonly db: Database, private readonly searcher: Searcher) {}

  async customer(actor: Actor) {
    const customer = await repo.findCustomer(this.db, actor.customerId);
    if (!customer) throw AppError.notFound();
    return customer;
  }

  async get(actor: Actor, id: number) {
    const org = await repo.findOrganisation(this.db, actor.customerId, id);
    if (!org) throw AppError.notFound();
    return org;
  }

  search(actor: Actor, filter: OrganisationSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.organisationListing(actor.customerId, filter), paging);
  }

  async learnerStatuses(actor: Actor, organisationId: number) {
    await this.get(actor, organisationId);
    return repo.learnerStatuses(this.db, actor.customerId, organisationId);
  }
}

/**
 * The organisation a write names, which must be the caller's. An unknown one is answered
 * with -11 alone: nothing else in the body can be checked without it (spec section 3).
 */
export async function requireOrganisation(
  db: Queryable, actor: Actor, organisationId: unknown, issues: FieldIssue[],
): Promise<repo.OrganisationRow | undefined> {
  const unknown = () => new AppError('ORGANISATION_NOT_FOUND', `Organisation ${String(organisationId)} does not exist.`);
  // Beyond the ID range the schema flags it as malformed, but to the client it is simply unknown.
  if (typeof organisationId === 'number' && Number.isInteger(organisationId) && organisationId > MAX_ID) throw unknown();
  if (typeof organisationId !== 'number' || issues.some((i) => i.field === 'OrganisationID')) return undefined;
  const org = await repo.findOrganisation(db, actor.customerId, organisationId);
  if (!org) throw unknown();
  return org;
}
