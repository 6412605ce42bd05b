import type { Database, Queryable } from '../../db/client.js';
import { insertAudit, type Changes } from '../../db/audit.repository.js';
import * as repo from './units.repository.js';
import { standardExists } from '../standards/standards.repository.js';
import { touchUsers } from '../learning-aims/learning-aims.repository.js';
import { giveStandard, requireLearner } from '../learning-aims/learning-aims.service.js';
import { giveUnit } from '../unit-summaries/unit-summaries.service.js';
import type { UnitSearchFilter } from '../../../contract/units.js';
import { AppError } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

export class UnitsService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  search(actor: Actor, filter: UnitSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.unitListing(actor.customerId, filter), paging);
  }

  async get(actor: Actor, id: string) {
    const unit = await repo.findUnit(this.db, actor.customerId, id);
    if (!unit) throw AppError.notFound();
    return unit;
  }

  /**
   * Gives the learner the unit within the standard's learning aim (made if missing); answers
   * the unit summary, the existing one when they have it already.
   */
  async assign(actor: Actor, unitId: string, learnerId: number, standardId: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      if (!(await repo.findUnit(tx, actor.customerId, unitId))) throw AppError.notFound();
      if (!(await standardExists(tx, actor.customerId, standardId))) throw AppError.notFound();
      const learner = await requireLearner(tx, actor.customerId, learnerId);
      if (!(await repo.unitInStandard(tx, actor.customerId, unitId, standardId))) {
        throw new AppError('UNIT_NOT_IN_STANDARD', `Unit ${unitId} does not belong to standard ${standardId}.`);
      }
      const label = actorLabel(actor);
      const aim = await giveStandard(tx, actor.customerId, label, learner, standardId);
      const summary = await giveUnit(tx, actor.customerId, label, learner, aim.aim.id, unitId);
      if (aim.created || summary.created) await touchUsers(tx, actor.customerId, [learner.id]);
      return summary.id;
    });
  }

  // ---- operator ----

  async create(customerId: number, v: repo.UnitValues & { standardIds?: number[] | undefined }, actor = 'operator') {
    return this.db.transaction(async (tx) => {
      await saveUnit(tx, customerId, v, actor);
      return (await repo.findUnit(tx, customerId, v.id))!;
    });
  }

  async list(customerId: number, standardId?: number) {
    return repo.listUnits(this.db, customerId, standardId);
  }
}

/** Creates or changes a unit (audited under its number, with its string ID in the changes) and links it to the standards named. */
export async function saveUnit(
  tx: Queryable,
  customerId: number,
  v: repo.UnitValues & { standardIds?: number[] | undefined },
  actor: string,
): Promise<boolean> {
  for (const standardId of v.standardIds ?? []) {
    if (!(await standardExists(tx, customerId, standardId))) throw AppError.notFound(`No standard with ID ${standardId} in customer ${customerId}.`);
  }
  const written = await repo.upsertUnit(tx, customerId, v);
  const after = (await repo.findUnitForAudit(tx, customerId, v.id))!;
  const changes: Changes = {};
  if (!written.before) changes.ID = { old: null, new: v.id };
  for (const field of ['Title', 'NDAQCode', 'Display'] as const) {
    const old = written.before ? written.before[field] : null;
    if (old !== after[field]) changes[field] = { old, new: after[field] };
  }
  if (written.before && Object.keys(changes).length > 0) changes.ID = { old: v.id, new: v.id };
  if (Object.keys(changes).length > 0) await insertAudit(tx, customerId, actor, 'unit', written.seq, written.before ? 'update' : 'create', changes);
  for (const standardId of v.standardIds ?? []) {
    if (await repo.linkUnit(tx, customerId, standardId, v.id)) {
      await insertAudit(tx, customerId, actor, 'standard_unit', standardId, 'create', {
        StandardID: { old: null, new: standardId },
        UnitID: { old: null, new: v.id },
      });
    }
  }
  return !written.before;
}
