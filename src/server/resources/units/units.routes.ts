import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { authErrors, ErrorBody } from '../../../contract/common.js';
import { Unit, UnitAssignParams, UnitParams, UnitSearchFilter, UnitSummaryRow } from '../../../contract/units.js';
import { searchRoutes, sendId } from '../../http/replies.js';

import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

const tags = ['Standards and units'];

export function unitRoutes(app: ApiApp, { units }: Services): void {
  searchRoutes(app, '/Unit', {
    tags,
    summary: 'Units of the customer (IDs are strings)',
    operationId: 'searchUnits',
    filter: UnitSearchFilter,
    item: UnitSummaryRow,
    run: (actor, filter, paging) => units.search(actor, filter, paging),
  });
  app.get(
    '/Unit/:id',
    {
      schema: {
        tags,
        operationId: 'getUnit',
        summary: 'One unit',
        description: 'The ID is a string; URL-encode characters such as / or spaces.',
        params: UnitParams,
        response: { 200: Unit, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => units.get(req.actor, req.params.id),
  );
  app.post(
    '/Unit/:unitId/Assign/:learnerId/:standardId',
    {
      schema: {
        tags,
        operationId: 'assignUnit',
        errors: ['LEARNER_INVALID', 'USER_ARCHIVED', 'UNIT_NOT_IN_STANDARD'],
        summary: "Give the learner the unit within the standard's learning aim",
        description:
          "Answers the unit summary's ID as a bare integer. The unit must belong to the standard; the learner gets the standard's learning aim if they have none. Assigning a unit the learner has already answers the existing unit summary.",
        params: UnitAssignParams,
        response: { 200: Type.Integer({ description: "The unit summary's ID, as a bare JSON number" }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendId(reply as FastifyReply, await units.assign(req.actor, req.params.unitId, req.params.learnerId, req.params.standardId)),
  );
}
