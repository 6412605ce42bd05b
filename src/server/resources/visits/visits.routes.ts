import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { IdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { CreateVisitBody, Visit, VisitSearchFilter, VisitSummary, VisitType } from '../../../contract/visits.js';
import type { Services } from '../registry.js';
import { schemaIssues } from '../../http/errors.js';
import { searchRoutes, sendId, sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

const tags = ['Reviews and visits'];

export function visitRoutes(app: ApiApp, { visits }: Services): void {
  app.post(
    '/Visit',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Book a visit',
        operationId: 'createVisit',
        errors: ['ORGANISATION_NOT_FOUND', 'LEARNER_NOT_FOUND', 'ASSESSOR_INVALID', 'DATES_OUT_OF_ORDER', 'VISIT_TYPE_INVALID', 'USER_ARCHIVED'],
        description:
          'The learner and an Assessor/Tutor (or Trainee Assessor) of their organisation; DateTo after DateFrom. ' +
          "Answers the new visit's ID as a bare integer.",
        body: CreateVisitBody,
        response: { 200: Type.Integer({ description: "The visit's ID" }), ...authErrors },
      },
    },
    async (req, reply) => sendId(reply as FastifyReply, await visits.create(req.actor, req.body, schemaIssues(req))),
  );

  searchRoutes(app, '/Visit', {
    tags,
    summary: "Visits (DateFrom and DateTo filter on the visit's start)",
    filter: VisitSearchFilter,
    item: VisitSummary,
    operationId: 'searchVisits',
    run: (actor, filter, paging) => visits.search(actor, filter, paging),
  });

  app.get(
    '/Visit/:id',
    {
      schema: { tags, summary: 'One visit', operationId: 'getVisit', params: IdParams, response: { 200: Visit, 404: ErrorBody, ...authErrors } },
    },
    async (req) => visits.get(req.actor, req.params.id),
  );

  app.get(
    '/Organisation/:id/VisitTypes',
    {
      schema: {
        tags,
        summary: "The organisation's visit types: 1-3 built in, then its own (extension)",
        operationId: 'listVisitTypes',
        params: IdParams,
        response: { 200: Type.Array(VisitType), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply as FastifyReply, await visits.visitTypes(req.actor, req.params.id)),
  );
}
