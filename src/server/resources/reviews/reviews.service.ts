import type { Database, Queryable } from '../../db/client.js';
import { findRecord, insertRecord, updateRecord } from '../../db/records.js';
import * as repo from './reviews.repository.js';
import { isVisitOf } from '../visits/visits.repository.js';
import { ReviewStatus, type CreateReviewBody, type Review, type ReviewSearchFilter, type UpdateReviewBody } from '../../../contract/reviews.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import { checkOrder, checkParticipants } from '../journey/journey.rules.js';
import { touchLearner } from '../journey/journey.repository.js';
import { checkSigning, checkStatus, nextStatus } from './reviews.rules.js';

/** Progress reviews: booked for a learner with staff of their organisation, then started and signed. */
export class ReviewsService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  async get(actor: Actor, id: number): Promise<Review> {
    const row = await findRecord<Review>(this.db, repo.reviews, actor.customerId, id);
    if (!row) throw AppError.notFound();
    return row;
  }

  search(actor: Actor, filter: ReviewSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.reviewListing(actor.customerId, filter), paging);
  }

  /** Books a review; answers its ID. */
  async create(actor: Actor, body: CreateReviewBody, schemaIssues: FieldIssue[]): Promise<number> {
    const issues = [...schemaIssues];
    return this.db.transaction(async (tx) => {
      const learner = await checkParticipants(
        tx,
        actor.customerId,
        {
          learner: { field: 'LearnerID', id: body.LearnerID },
          assessor: { field: 'AssessorID', id: body.AssessorID },
          employer: { field: 'EmployerID', id: body.EmployerID },
        },
        issues,
      );
      checkStatus(issues, body.Status);
      checkOrder(issues, 'ScheduledFor', body.ScheduledFor, 'EndTime', body.EndTime);
      if (learner) await checkVisit(tx, actor.customerId, body.VisitID, learner.id, issues);
      if (issues.length > 0 || !learner) throw AppError.invalid(issues);
      const row = await insertRecord<Review>(
        tx,
        repo.reviews,
        actor.customerId,
        {
          ...body,
          OrganisationID: learner.organisation_id,
          Status: body.Status ?? ReviewStatus.Scheduled,
        },
        actorLabel(actor),
      );
      await touchLearner(tx, actor.customerId, learner.id);
      return row.ID;
    });
  }

  /** Changes only the fields given: reschedule, restaff, start, sign; the status follows the signatures unless given. */
  async update(actor: Actor, id: number, body: UpdateReviewBody, schemaIssues: FieldIssue[]): Promise<void> {
    const issues = [...schemaIssues];
    await this.db.transaction(async (tx) => {
      const current = await findRecord<Review>(tx, repo.reviews, actor.customerId, id, true);
      if (!current) throw AppError.notFound();
      const given = Object.fromEntries(Object.entries(body).filter(([f, v]) => v !== undefined && !issues.some((i) => i.field === f)));
      const merged = { ...current, ...given } as Review;
      await checkParticipants(
        tx,
        actor.customerId,
        {
          organisationId: current.OrganisationID,
          assessor: { field: 'AssessorID', id: given.AssessorID },
          employer: { field: 'EmployerID', id: given.EmployerID },
        },
        issues,
      );
      checkStatus(issues, given.Status);
      checkOrder(issues, 'ScheduledFor', merged.ScheduledFor, 'EndTime', merged.EndTime);
      await checkVisit(tx, actor.customerId, given.VisitID, current.LearnerID, issues);
      const explicit = issues.some((i) => i.field === 'Status') ? undefined : (given.Status as number | undefined);
      const status = nextStatus(current, merged, explicit);
      checkSigning(issues, given, merged, status);
      if (issues.length > 0) throw AppError.invalid(issues);
      const after = await updateRecord<Review>(tx, repo.reviews, actor.customerId, id, { ...given, Status: status }, actorLabel(actor));
      if (after && new Date(after.LastModified).getTime() !== new Date(current.LastModified).getTime()) {
        await touchLearner(tx, actor.customerId, current.LearnerID);
      }
    });
  }
}

async function checkVisit(tx: Queryable, customerId: number, visitId: unknown, learnerId: number, issues: FieldIssue[]): Promise<void> {
  if (typeof visitId !== 'number' || issues.some((i) => i.field === 'VisitID')) return;
  if (!(await isVisitOf(tx, customerId, visitId, learnerId)))
    issues.push(issue('VisitID', `${visitId} is not a visit of learner ${learnerId}`, 'VISIT_INVALID'));
}
