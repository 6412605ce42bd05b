import type { Database, Queryable } from '../../db/client.js';
import { insertAudit } from '../../db/audit.repository.js';
import * as repo from './unit-summaries.repository.js';
import type { AimDefaults, Person } from '../learning-aims/learning-aims.repository.js';
import type { UnitSummarySearchFilter } from '../../../contract/unit-summaries.js';
import { AppError } from '../../domain/app-error.js';
import type { Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

export class UnitSummariesService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  search(actor: Actor, filter: UnitSummarySearchFilter, paging?: Paging) {
    return this.searcher.run(repo.unitSummaryListing(actor.customerId, filter), paging);
  }

  /** GET /User/{id}/UnitSummary: every unit summary of the user (none for staff). */
  async forUser(actor: Actor, userId: number) {
    if (!(await repo.userExists(this.db, actor.customerId, userId))) throw AppError.notFound();
    return repo.userUnitSummaries(this.db, actor.customerId, userId);
  }
}

/** Gives the learner the unit within the aim if they have it not, audited; answers the unit summary. */
export async function giveUnit(
  tx: Queryable,
  customerId: number,
  actor: string,
  learner: Person,
  aimId: number,
  unitId: string,
  d: AimDefaults = {},
): Promise<{ id: number; created: boolean }> {
  const result = await repo.ensureSummary(tx, customerId, learner.id, aimId, unitId, d);
  if (result.created) {
    await insertAudit(tx, customerId, actor, 'unit_summary', result.id, 'create', {
      UserID: { old: null, new: learner.id },
      OrganisationID: { old: null, new: learner.organisation_id },
      LearningAimID: { old: null, new: aimId },
      UnitID: { old: null, new: unitId },
      Weighting: { old: null, new: d.weighting ?? null },
    });
  }
  return result;
}
