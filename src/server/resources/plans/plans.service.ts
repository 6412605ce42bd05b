import type { Database } from '../../db/client.js';
import { findRecord, insertRecord } from '../../db/records.js';
import * as repo from './plans.repository.js';
import type { Plan, PlanSearchFilter } from '../../../contract/plans.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import type { Actor } from '../authentication/auth.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import { checkParticipants } from '../journey/journey.rules.js';
import { touchLearner } from '../journey/journey.repository.js';
import { operatorDate } from '../journey/journey.dates.js';

/** What the operator gives to record a plan (written in the portfolio, not through the compatible API). */
export interface NewPlan {
  learnerId: number;
  title: string;
  planOn: string;
  assessorId?: number | undefined;
  details?: string | undefined;
  assessorSignedOn?: string | undefined;
  learnerSignedOn?: string | undefined;
}

/** Assessment plans: read by integrations; created by people in the portfolio, the operator and the demo. */
export class PlansService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
    private readonly customers: CustomersService,
  ) {}

  async get(actor: Actor, id: number): Promise<Plan> {
    const row = await findRecord<Plan>(this.db, repo.plans, actor.customerId, id);
    if (!row) throw AppError.notFound();
    return row;
  }

  search(actor: Actor, filter: PlanSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.planListing(actor.customerId, filter), paging);
  }

  // ---- operator: the customer is named explicitly ----

  /** Records a plan for a learner of that customer; audited as `actor`. */
  async create(customerId: number, p: NewPlan, actor = 'operator'): Promise<Plan> {
    await this.customers.require(customerId);
    return this.db.transaction(async (tx) => {
      const issues: FieldIssue[] = [];
      const learner = await checkParticipants(
        tx,
        customerId,
        {
          learner: { field: 'learnerId', id: p.learnerId },
          assessor: { field: 'assessorId', id: p.assessorId },
        },
        issues,
      );
      if (p.title.trim() === '') issues.push(issue('title', 'must not be empty'));
      const planOn = operatorDate(issues, 'planOn', p.planOn);
      const assessorSignedOn = operatorDate(issues, 'assessorSignedOn', p.assessorSignedOn);
      const learnerSignedOn = operatorDate(issues, 'learnerSignedOn', p.learnerSignedOn);
      if (issues.length > 0 || !learner) throw AppError.invalid(issues);
      const row = await insertRecord<Plan>(
        tx,
        repo.plans,
        customerId,
        {
          OrganisationID: learner.organisation_id,
          LearnerID: learner.id,
          Title: p.title,
          PlanOn: planOn,
          AssessorID: p.assessorId,
          Details: p.details,
          AssessorSignedOn: assessorSignedOn,
          LearnerSignedOn: learnerSignedOn,
        },
        actor,
      );
      await touchLearner(tx, customerId, learner.id);
      return row;
    });
  }
}
