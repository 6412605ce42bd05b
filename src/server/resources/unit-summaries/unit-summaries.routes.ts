import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { authErrors, ErrorBody, LearnerIdParams } from '../../../contract/common.js';
import { UnitSummary, UnitSummarySearchFilter } from '../../../contract/unit-summaries.js';
import { searchRoutes, sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

const tags = ['Learning aims'];

export function unitSummaryRoutes(app: ApiApp, { unitSummaries }: Services): void {
  searchRoutes(app, '/UnitSummary', {
    tags,
    summary: 'Unit summaries: the units learners are given',
    operationId: 'searchUnitSummaries',
    filter: UnitSummarySearchFilter,
    item: UnitSummary,
    run: (actor, filter, paging) => unitSummaries.search(actor, filter, paging),
  });
  app.get(
    '/User/:id/UnitSummary',
    {
      schema: {
        tags,
        operationId: 'getUserUnitSummaries',
        summary: "The learner's unit summaries",
        params: LearnerIdParams,
        response: { 200: Type.Array(UnitSummary), 204: Type.Null({ description: 'None' }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply as FastifyReply, await unitSummaries.forUser(req.actor, req.params.id)),
  );
}
