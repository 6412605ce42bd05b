import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { IdParams, authErrors, ErrorBody, Empty } from '../../../contract/common.js';
import { CreateReviewBody, Review, ReviewSearchFilter, ReviewSummary, UpdateReviewBody } from '../../../contract/reviews.js';
import type { Services } from '../registry.js';
import { schemaIssues } from '../../http/errors.js';
import { noContent, searchRoutes, sendId } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

const tags = ['Reviews and visits'];

export function reviewRoutes(app: ApiApp, { reviews }: Services): void {
  searchRoutes(app, '/Review', {
    tags,
    summary: 'Progress reviews (DateFrom and DateTo filter on ScheduledFor)',
    filter: ReviewSearchFilter,
    item: ReviewSummary,
    operationId: 'searchReviews',
    run: (actor, filter, paging) => reviews.search(actor, filter, paging),
  });

  app.get(
    '/Review/:id',
    {
      schema: { tags, summary: 'One review', operationId: 'getReview', params: IdParams, response: { 200: Review, 404: ErrorBody, ...authErrors } },
    },
    async (req) => reviews.get(req.actor, req.params.id),
  );

  app.post(
    '/Review',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Book a review',
        operationId: 'createReview',
        errors: ['LEARNER_NOT_FOUND', 'ASSESSOR_INVALID', 'EMPLOYER_INVALID', 'VISIT_INVALID', 'REVIEW_STATUS_INVALID', 'DATES_OUT_OF_ORDER', 'USER_ARCHIVED'],
        description:
          'The learner, an Assessor/Tutor (or Trainee Assessor) of their organisation and optionally an Employer of it; ' +
          'a VisitID must be a visit of the same learner. Status defaults to 1 (Scheduled). Answers the ID as a bare integer.',
        body: CreateReviewBody,
        response: { 200: Type.Integer({ description: "The review's ID" }), ...authErrors },
      },
    },
    async (req, reply) => sendId(reply as FastifyReply, await reviews.create(req.actor, req.body, schemaIssues(req))),
  );

  app.post(
    '/Review/:id',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Change a review: only the fields given (reschedule, start, sign)',
        operationId: 'updateReview',
        errors: [
          'ASSESSOR_INVALID',
          'EMPLOYER_INVALID',
          'VISIT_INVALID',
          'REVIEW_STATUS_INVALID',
          'REVIEW_SIGNATURE_INVALID',
          'DATES_OUT_OF_ORDER',
          'USER_ARCHIVED',
        ],
        description:
          'Without an explicit Status, starting and signing move the status forward: StartedOn -> 2, AssessorSignedOn -> 3, ' +
          'LearnerSignedOn -> 4, and 5 once everyone due to sign has (the employer only when the review names one). ' +
          'The assessor signs first; a cancelled review (0) is not signed.',
        params: IdParams,
        body: UpdateReviewBody,
        response: { 204: Empty, 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      await reviews.update(req.actor, req.params.id, req.body, schemaIssues(req));
      return noContent(reply as FastifyReply);
    },
  );
}
