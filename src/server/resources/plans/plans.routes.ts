import { IdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { Plan, PlanSearchFilter, PlanSummary } from '../../../contract/plans.js';
import type { Services } from '../registry.js';
import { searchRoutes } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

const tags = ['Plans and timesheets'];

export function planRoutes(app: ApiApp, { plans }: Services): void {
  searchRoutes(app, '/Plan', {
    tags,
    summary: 'Assessment plans',
    filter: PlanSearchFilter,
    item: PlanSummary,
    operationId: 'searchPlans',
    run: (actor, filter, paging) => plans.search(actor, filter, paging),
  });

  app.get(
    '/Plan/:id',
    {
      schema: { tags, summary: 'One assessment plan', operationId: 'getPlan', params: IdParams, response: { 200: Plan, 404: ErrorBody, ...authErrors } },
    },
    async (req) => plans.get(req.actor, req.params.id),
  );
}
