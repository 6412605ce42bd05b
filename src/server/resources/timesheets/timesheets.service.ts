import type { Database } from '../../db/client.js';
import { insertRecord } from '../../db/records.js';
import * as repo from './timesheets.repository.js';
import type { TimesheetEntry } from '../../../contract/timesheets.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import type { Actor } from '../authentication/auth.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import { checkOrder, checkParticipants } from '../journey/journey.rules.js';
import { findLearner, touchLearner } from '../journey/journey.repository.js';
import { operatorDate } from '../journey/journey.dates.js';

/** What the operator gives to record a timesheet entry. */
export interface NewTimesheetEntry {
  learnerId: number;
  category: string;
  from: string;
  to: string;
  /** A boolean, or (as portfolios export it) the string "true" or "false" in any case. */
  offTheJob: boolean | string;
  comments?: string | undefined;
}

/** Timesheet entries: read by integrations; recorded in the portfolio, by the operator and the demo. */
export class TimesheetsService {
  constructor(
    private readonly db: Database,
    private readonly customers: CustomersService,
  ) {}

  /** A learner's entries; 404 when the ID is not a learner of the caller's customer. */
  async forLearner(actor: Actor, learnerId: number): Promise<TimesheetEntry[]> {
    if (!(await findLearner(this.db, actor.customerId, learnerId))) throw AppError.notFound();
    return repo.learnerEntries(this.db, actor.customerId, learnerId) as Promise<TimesheetEntry[]>;
  }

  // ---- operator: the customer is named explicitly ----

  /** Records an entry (the learner's off-the-job summary moves at once); audited as `actor`. */
  async create(customerId: number, e: NewTimesheetEntry, actor = 'operator'): Promise<TimesheetEntry> {
    await this.customers.require(customerId);
    return this.db.transaction(async (tx) => {
      const issues: FieldIssue[] = [];
      const learner = await checkParticipants(tx, customerId, { learner: { field: 'learnerId', id: e.learnerId } }, issues);
      if (e.category.trim() === '') issues.push(issue('category', 'must not be empty'));
      const from = operatorDate(issues, 'from', e.from);
      const to = operatorDate(issues, 'to', e.to);
      checkOrder(issues, 'from', from, 'to', to);
      const offTheJob =
        typeof e.offTheJob === 'boolean' ? e.offTheJob : ({ true: true, false: false } as Record<string, boolean>)[e.offTheJob.trim().toLowerCase()];
      if (offTheJob === undefined) issues.push(issue('offTheJob', 'must be true or false'));
      if (issues.length > 0 || !learner) throw AppError.invalid(issues);
      const row = await insertRecord<TimesheetEntry>(
        tx,
        repo.timesheetEntries,
        customerId,
        {
          OrganisationID: learner.organisation_id,
          LearnerID: learner.id,
          TimesheetCategory: e.category,
          FromDate: from,
          ToDate: to,
          Comments: e.comments,
          IsOffTheJob: offTheJob,
        },
        actor,
      );
      await touchLearner(tx, customerId, learner.id);
      return row;
    });
  }
}
