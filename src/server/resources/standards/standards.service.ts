import type { Database, Queryable } from '../../db/client.js';
import { insertAudit, type Changes } from '../../db/audit.repository.js';
import * as repo from './standards.repository.js';
import { findOrganisation } from '../organisations/organisations.repository.js';
import { organisationCustomer, touchUsers } from '../learning-aims/learning-aims.repository.js';
import { giveStandard, requireLearner } from '../learning-aims/learning-aims.service.js';
import type { StandardSearchFilter } from '../../../contract/standards.js';
import { AppError } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

export class StandardsService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  search(actor: Actor, filter: StandardSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.standardListing(actor.customerId, filter), paging);
  }

  async get(actor: Actor, id: number) {
    const standard = await repo.findStandard(this.db, actor.customerId, id);
    if (!standard) throw AppError.notFound();
    return standard;
  }

  async offered(actor: Actor, organisationId: number) {
    if (!(await findOrganisation(this.db, actor.customerId, organisationId))) throw AppError.notFound();
    return repo.offeredStandards(this.db, actor.customerId, organisationId);
  }

  /** Gives the learner a learning aim for the standard; the existing one when they have it already. */
  async assign(actor: Actor, standardId: number, learnerId: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      if (!(await repo.standardExists(tx, actor.customerId, standardId))) throw AppError.notFound();
      const learner = await requireLearner(tx, actor.customerId, learnerId);
      const { aim, created } = await giveStandard(tx, actor.customerId, actorLabel(actor), learner, standardId);
      if (created) await touchUsers(tx, actor.customerId, [learner.id]);
      return aim.id;
    });
  }

  // ---- operator: names the customer or organisation; no Actor ----

  async create(customerId: number, v: repo.StandardValues & { organisationIds?: number[] | undefined }, actor = 'operator') {
    return this.db.transaction((tx) => createStandard(tx, customerId, v, actor));
  }

  async list(customerId: number) {
    return repo.listStandards(this.db, customerId);
  }

  /** Makes the standard available to the organisation (AssignedStandards). */
  async offer(organisationId: number, standardId: number, actor = 'operator') {
    return this.db.transaction(async (tx) => {
      const customerId = await organisationCustomer(tx, organisationId);
      if (customerId === undefined) throw AppError.notFound(`No organisation with ID ${organisationId} (see: learnfile organisation list).`);
      await offerStandard(tx, customerId, organisationId, standardId, actor);
      return { organisationId, standardId };
    });
  }
}

/** Creates a standard (audited), offered to the organisations named; they must be the customer's. */
export async function createStandard(
  tx: Queryable,
  customerId: number,
  v: repo.StandardValues & { organisationIds?: number[] | undefined },
  actor: string,
): Promise<repo.StandardRow> {
  const row = await repo.insertStandard(tx, customerId, v);
  const changes: Changes = {};
  for (const [field, value] of Object.entries({ Title: row.Title, Reference: row.Reference, Version: row.Version, Level: row.Level, OTJHours: row.OTJHours })) {
    if (value !== null) changes[field] = { old: null, new: value };
  }
  await insertAudit(tx, customerId, actor, 'standard', row.ID, 'create', changes);
  for (const organisationId of v.organisationIds ?? []) await offerStandard(tx, customerId, organisationId, row.ID, actor);
  return row;
}

/** Finds the standard by reference and version (changing its values), or creates it: how a catalogue reload stays idempotent. */
export async function upsertStandard(tx: Queryable, customerId: number, v: repo.StandardValues & { reference: string }, actor: string) {
  const id = await repo.findStandardByReference(tx, customerId, v.reference, v.version ?? null);
  if (id === undefined) return { row: await createStandard(tx, customerId, v, actor), created: true };
  const before = (await repo.updateStandard(tx, customerId, id, v))!;
  const after = (await repo.findStandard(tx, customerId, id))!;
  const changes: Changes = {};
  for (const field of ['Title', 'Reference', 'Version', 'Level', 'OTJHours'] as const) {
    if (before[field] !== after[field]) changes[field] = { old: before[field], new: after[field] };
  }
  if (Object.keys(changes).length > 0) await insertAudit(tx, customerId, actor, 'standard', id, 'update', changes);
  return { row: after, created: false };
}

export async function offerStandard(tx: Queryable, customerId: number, organisationId: number, standardId: number, actor: string): Promise<void> {
  if (!(await findOrganisation(tx, customerId, organisationId))) {
    throw AppError.notFound(`No organisation with ID ${organisationId} in customer ${customerId}.`);
  }
  if (!(await repo.standardExists(tx, customerId, standardId))) throw AppError.notFound(`No standard with ID ${standardId} in customer ${customerId}.`);
  if (await repo.offerStandard(tx, customerId, organisationId, standardId)) {
    await insertAudit(tx, customerId, actor, 'organisation_standard', standardId, 'create', {
      OrganisationID: { old: null, new: organisationId },
      StandardID: { old: null, new: standardId },
    });
  }
}
