import { Type } from 'typebox';
import { IdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { LearnerStatus, Organisation, OrganisationSearchFilter } from '../../../contract/organisations.js';
import type { Services } from '../registry.js';
import { searchRoutes, sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

export function organisationRoutes(app: ApiApp, { organisations }: Services): void {
  searchRoutes(app, '/Organisation', {
    operationId: 'searchOrganisations',
    tags: ['Data download'],
    summary: 'Organisations (centres) of the customer',
    filter: OrganisationSearchFilter,
    item: Organisation,
    run: (actor, filter, paging) => organisations.search(actor, filter, paging),
  });

  app.get(
    '/Organisation/:id',
    {
      schema: {
        operationId: 'getOrganisation',
        tags: ['Data download'],
        summary: 'One organisation',
        params: IdParams,
        response: { 200: Organisation, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => organisations.get(req.actor, req.params.id),
  );

  app.get(
    '/Organisation/:id/LearnerStatuses',
    {
      schema: {
        operationId: 'getLearnerStatuses',
        tags: ['Data download'],
        summary: "The organisation's learner statuses",
        params: IdParams,
        response: { 200: Type.Array(LearnerStatus), 204: Type.Null({ description: 'None defined' }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply, await organisations.learnerStatuses(req.actor, req.params.id)),
  );
}
