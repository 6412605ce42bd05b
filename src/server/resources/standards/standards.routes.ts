import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { IdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { AssignedStandard, Standard, StandardAssignParams, StandardSearchFilter, StandardSummary } from '../../../contract/standards.js';
import { searchRoutes, sendList, sendId } from '../../http/replies.js';

import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

const tags = ['Standards and units'];

export function standardRoutes(app: ApiApp, { standards }: Services): void {
  searchRoutes(app, '/Standard', {
    tags,
    summary: 'Standards of the customer (OrganisationID: those the organisation offers)',
    operationId: 'searchStandards',
    filter: StandardSearchFilter,
    item: StandardSummary,
    run: (actor, filter, paging) => standards.search(actor, filter, paging),
  });
  app.get(
    '/Standard/:id',
    {
      schema: {
        tags,
        operationId: 'getStandard',
        summary: 'One standard, with its units',
        params: IdParams,
        response: { 200: Standard, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => standards.get(req.actor, req.params.id),
  );
  app.post(
    '/Standard/:id/Assign/:learnerId',
    {
      schema: {
        tags,
        operationId: 'assignStandard',
        errors: ['LEARNER_INVALID', 'USER_ARCHIVED'],
        summary: 'Give the learner a learning aim for the standard',
        description:
          "Answers the learning aim's ID as a bare integer. Assigning a standard the learner has already answers the existing aim and creates nothing.",
        params: StandardAssignParams,
        response: { 200: Type.Integer({ description: "The learning aim's ID, as a bare JSON number" }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendId(reply as FastifyReply, await standards.assign(req.actor, req.params.id, req.params.learnerId)),
  );
  app.get(
    '/Organisation/:id/AssignedStandards',
    {
      schema: {
        tags: ['Data download'],
        operationId: 'getOrganisationAssignedStandards',
        summary: 'Standards the organisation offers',
        params: IdParams,
        response: { 200: Type.Array(AssignedStandard), 204: Type.Null({ description: 'None offered' }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply as FastifyReply, await standards.offered(req.actor, req.params.id)),
  );
}
