import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { IdParams, authErrors, ErrorBody, Empty } from '../../../contract/common.js';
import { LearningAim, LearningAimSearchFilter, LearningAimStatus, LearningAimSummary, UpdateLearningAimBody } from '../../../contract/learning-aims.js';
import { schemaIssues } from '../../http/errors.js';
import { noContent, searchRoutes, sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

const tags = ['Learning aims'];

export function learningAimRoutes(app: ApiApp, { learningAims }: Services): void {
  searchRoutes(app, '/LearningAim', {
    tags,
    summary: 'Learning aims',
    operationId: 'searchLearningAims',
    filter: LearningAimSearchFilter,
    item: LearningAimSummary,
    run: (actor, filter, paging) => learningAims.search(actor, filter, paging),
  });
  app.get(
    '/LearningAim/:id',
    {
      schema: {
        tags,
        operationId: 'getLearningAim',
        summary: 'One learning aim',
        params: IdParams,
        response: { 200: LearningAim, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => learningAims.get(req.actor, req.params.id) as never,
  );
  app.post(
    '/LearningAim/:id',
    {
      attachValidation: true,
      schema: {
        tags,
        operationId: 'updateLearningAim',
        errors: ['USER_ARCHIVED', 'LEARNING_AIM_STATUS_NOT_FOUND'],
        summary: 'Change a learning aim: only the fields given',
        description: "Status must be one of the learner's organisation's learning-aim statuses (GET /Organisation/{id}/LearningAimStatuses).",
        params: IdParams,
        body: UpdateLearningAimBody,
        response: { 204: Empty, 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      await learningAims.update(req.actor, req.params.id, req.body, schemaIssues(req));
      return noContent(reply as FastifyReply);
    },
  );
  app.get(
    '/Organisation/:id/LearningAimStatuses',
    {
      schema: {
        tags: ['Data download'],
        operationId: 'getOrganisationLearningAimStatuses',
        summary: "The organisation's learning-aim statuses",
        params: IdParams,
        response: { 200: Type.Array(LearningAimStatus), 204: Type.Null({ description: 'None defined' }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply as FastifyReply, await learningAims.statuses(req.actor, req.params.id)),
  );
}
