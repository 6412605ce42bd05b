import type { Database, Queryable } from '../../db/client.js';
import * as repo from './organisations.repository.js';
import type { OrganisationSearchFilter } from '../../../contract/organisations.js';
import { MAX_ID } from '../../../contract/common.js';
import { AppError, type FieldIssue } from '../../domain/app-error.js';
import type { Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import type { CustomersService } from '../customers/customers.service.js';

export class OrganisationsService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
    private readonly customers: CustomersService,
  ) {}

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

  // ---- operator: works across customers, so an organisation is named by its ID alone ----

  async requireAny(organisationId: number) {
    const found = (await repo.listOrganisations(this.db)).find((o) => o.id === organisationId);
    if (!found) throw AppError.notFound(`No organisation with ID ${organisationId} (see: learnfile organisation list).`);
    return operatorView(found);
  }

  async create(customerId: number, settings: repo.OrganisationSettings & { name: string }) {
    await this.customers.require(customerId);
    return this.requireAny(await repo.insertOrganisation(this.db, customerId, settings));
  }

  /** Changes the settings given (audited with `actor`, e.g. `operator:cli`). */
  async update(organisationId: number, settings: repo.OrganisationSettings, actor: string) {
    const changed = await this.db.transaction((tx) => repo.updateOrganisation(tx, organisationId, settings, actor));
    if (!changed) throw AppError.notFound(`No organisation with ID ${organisationId} (see: learnfile organisation list).`);
    return this.requireAny(organisationId);
  }

  async list(customerId?: number) {
    if (customerId !== undefined) await this.customers.require(customerId);
    return (await repo.listOrganisations(this.db, customerId)).map(operatorView);
  }

  async addLearnerStatus(organisationId: number, name: string): Promise<{ id: number }> {
    const id = await repo.insertLearnerStatus(this.db, organisationId, name);
    if (id === undefined) throw AppError.notFound(`No organisation with ID ${organisationId} (see: learnfile organisation list).`);
    return { id };
  }

  async listLearnerStatuses(organisationId: number) {
    const org = await this.requireAny(organisationId);
    const rows = await repo.learnerStatuses(this.db, org.customerId, organisationId);
    return rows.map((s) => ({ id: s.ID, name: s.Name }));
  }
}

type ListedOrganisation = Awaited<ReturnType<typeof repo.listOrganisations>>[number];

const operatorView = (o: ListedOrganisation) => ({
  id: o.id,
  customerId: o.customer_id,
  name: o.name,
  keychainCreation: o.keychain_creation_active,
  keychainEmailSuppression: o.keychain_email_suppression,
});
export type OperatorOrganisation = ReturnType<typeof operatorView>;

/**
 * The organisation a write names, which must be the caller's. An unknown one is answered
 * with -11 alone: nothing else in the body can be checked without it (spec section 3).
 */
export async function requireOrganisation(
  db: Queryable,
  actor: Actor,
  organisationId: unknown,
  issues: FieldIssue[],
): Promise<repo.OrganisationRow | undefined> {
  const id = organisationToRead(organisationId, issues);
  if (id === undefined) return undefined;
  const org = await repo.findOrganisation(db, actor.customerId, id);
  if (!org) throw unknownOrganisation(id);
  return org;
}

/**
 * The organisation ID of a body that is worth looking up, for a caller that reads the row
 * together with other things (undefined: not given, or malformed and already reported).
 * An ID beyond the ID range is malformed to the schema, but to the client simply unknown.
 */
export function organisationToRead(organisationId: unknown, issues: FieldIssue[]): number | undefined {
  if (typeof organisationId === 'number' && Number.isInteger(organisationId) && organisationId > MAX_ID) throw unknownOrganisation(organisationId);
  if (typeof organisationId !== 'number' || issues.some((i) => i.field === 'OrganisationID')) return undefined;
  return organisationId;
}

export const unknownOrganisation = (organisationId: unknown): AppError =>
  new AppError('ORGANISATION_NOT_FOUND', `Organisation ${String(organisationId)} does not exist.`);
