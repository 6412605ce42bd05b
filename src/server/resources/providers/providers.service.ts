import type { Database } from '../../db/client.js';
import { findRecord, insertRecord, updateRecord } from '../../db/records.js';
import * as repo from './providers.repository.js';
import { MAX_ID } from '../../../contract/common.js';
import type { CreateProviderBody, Provider, ProviderSearchFilter, UpdateProviderBody } from '../../../contract/providers.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';

/** Training providers (subcontractors) of a customer, named by learners' ProviderID. */
export class ProvidersService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  async get(actor: Actor, id: number): Promise<Provider> {
    const row = await findRecord<Provider>(this.db, repo.providers, actor.customerId, id);
    if (!row) throw AppError.notFound();
    return row;
  }

  search(actor: Actor, filter: ProviderSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.providerListing(actor.customerId, filter), paging);
  }

  async create(actor: Actor, body: CreateProviderBody, schemaIssues: FieldIssue[]): Promise<number> {
    if (schemaIssues.length > 0) throw AppError.invalid(schemaIssues);
    const row = await this.db.transaction((tx) => insertRecord<Provider>(tx, repo.providers, actor.customerId, body, actorLabel(actor)));
    return row.ID;
  }

  async update(actor: Actor, id: number, body: UpdateProviderBody, schemaIssues: FieldIssue[]): Promise<Provider> {
    return this.db.transaction(async (tx) => {
      const row = await findRecord<Provider>(tx, repo.providers, actor.customerId, id, true);
      if (!row) throw AppError.notFound();
      if (schemaIssues.length > 0) throw AppError.invalid(schemaIssues);
      return (await updateRecord<Provider>(tx, repo.providers, actor.customerId, id, body, actorLabel(actor)))!;
    });
  }
}

/**
 * A learner's ProviderID must name one of the customer's providers when a write sets or
 * changes it. A value already stored (learners loaded before providers existed may carry
 * IDs of another system) is left alone, and re-sending it unchanged is accepted, so an MIS
 * sync that sends every field keeps working. Answers the ID to look up (undefined: nothing
 * to check); `providerProblem` then reports the answer.
 */
export function providerToCheck(values: Record<string, unknown>, current: unknown, issues: FieldIssue[]): number | undefined {
  const id = values.ProviderID;
  if (typeof id !== 'number' || issues.some((i) => i.field === 'ProviderID')) return undefined;
  if (current !== undefined && current !== null && Number(current) === id) return undefined;
  return id;
}

/** Whether an ID could name a provider at all (outside this range there is nothing to look up). */
export const providerInRange = (id: number): boolean => id >= 1 && id <= MAX_ID;

/** Adds the issue of a ProviderID that is not one of the customer's providers. */
export function providerProblem(id: number | undefined, exists: boolean, issues: FieldIssue[]): void {
  if (id !== undefined && !exists) issues.push(issue('ProviderID', `${id} is not one of this customer's training providers`, 'PROVIDER_NOT_FOUND'));
}

/** The rule, given whether the customer has that provider (bulk imports look them up for many rows at once). */
export function checkProvider(id: number, exists: boolean, issues: FieldIssue[]): void {
  if (id < 1 || id > MAX_ID || !exists) issues.push(issue('ProviderID', `${id} is not one of this customer's training providers`, 'PROVIDER_NOT_FOUND'));
}
