import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { IdParams, LearnerIdParams, authErrors, ErrorBody, Empty } from '../../../contract/common.js';
import { AssignBody, Assignment, AssignPlacementParams } from '../../../contract/assignments.js';
import { schemaIssues } from '../../http/errors.js';
import { noContent, sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

const tags = ['Assignments'];
const levels =
  "Level 3: the assessor or IQA slot of the learner's learning aim for StandardID; level 2: the slot of the learner's unit summary " +
  "for UnitID; level 1: the learner's additional staff (assessors, IQAs, employers, observers). {id} is the staff member and LearnerID the learner; " +
  'the swapped form is accepted.';

export function assignmentRoutes(app: ApiApp, { assignments }: Services): void {
  for (const [path, unassign] of [
    ['Assign', false],
    ['Unassign', true],
  ] as const) {
    app.post(
      `/User/:id/${path}`,
      {
        attachValidation: true,
        schema: {
          tags,
          operationId: unassign ? 'unassignUser' : 'assignUser',
          errors: [
            'ASSIGN_LEVEL_INVALID',
            'ASSIGN_ROLE_INVALID',
            'LEARNER_INVALID',
            'STAFF_ARCHIVED',
            'NOT_SAME_ORGANISATION',
            'STANDARD_NOT_FOUND',
            'LEARNING_AIM_MISSING',
            'UNIT_NOT_FOUND',
            'UNIT_NOT_ASSIGNED',
            'USER_ARCHIVED',
          ],
          summary: unassign
            ? 'Remove an assignment (extension); nothing to remove is not an error'
            : 'Assign a staff member to a learner (replaces the holder of a level 3 or 2 slot)',
          description: levels,
          params: IdParams,
          body: AssignBody,
          response: { 204: Empty, 404: ErrorBody, ...authErrors },
        },
      },
      async (req, reply) => {
        await assignments.assign(req.actor, req.params.id, req.body, schemaIssues(req), unassign);
        return noContent(reply as FastifyReply);
      },
    );
  }
  app.get(
    '/User/:id/Assignments',
    {
      schema: {
        tags,
        operationId: 'getUserAssignments',
        errors: ['LEARNER_INVALID'],
        summary: 'Everyone assigned to the learner, by kind (extension)',
        params: LearnerIdParams,
        response: { 200: Type.Array(Assignment), 204: Type.Null({ description: 'None' }), 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply as FastifyReply, await assignments.list(req.actor, req.params.id)),
  );
  app.post(
    '/User/:userId/AssignPlacement/:placementId/:grantAccess',
    {
      schema: {
        tags,
        operationId: 'assignPlacement',
        errors: ['INVALID_FIELD', 'NOT_AN_EMPLOYER', 'STAFF_ARCHIVED', 'PLACEMENT_NOT_FOUND'],
        summary: 'Link an employer user to a placement of their organisation',
        params: AssignPlacementParams,
        response: { 204: Empty, 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      await assignments.assignPlacement(req.actor, req.params.userId, req.params.placementId, req.params.grantAccess);
      return noContent(reply as FastifyReply);
    },
  );
}
