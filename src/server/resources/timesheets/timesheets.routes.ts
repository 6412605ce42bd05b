import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { authErrors, ErrorBody } from '../../../contract/common.js';
import { LearnerIdParams, TimesheetEntry } from '../../../contract/timesheets.js';
import type { Services } from '../registry.js';
import { sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

const tags = ['Plans and timesheets'];

export function timesheetRoutes(app: ApiApp, { timesheets }: Services): void {
  app.get(
    '/Timesheet/Learner/:learnerId',
    {
      schema: {
        tags,
        summary: "The learner's timesheet entries (204 when there are none)",
        operationId: 'getLearnerTimesheet',
        params: LearnerIdParams,
        response: { 200: Type.Array(TimesheetEntry), 204: Type.Null({ description: 'No entries' }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply as FastifyReply, await timesheets.forLearner(req.actor, req.params.learnerId)),
  );
}
