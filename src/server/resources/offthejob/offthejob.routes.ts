import { Type } from 'typebox';
import { LearnerIdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { LearnerEpisode, OffTheJobSummary } from '../../../contract/offthejob.js';
import type { Services } from '../registry.js';
import type { ApiApp } from '../../http/types.js';

const tags = ['Off-the-job and episodes'];

export function offTheJobRoutes(app: ApiApp, { offTheJob }: Services): void {
  app.get(
    '/User/:id/offthejob',
    {
      schema: {
        tags,
        summary: "The learner's off-the-job summary",
        operationId: 'getOffTheJobSummary',
        description:
          "Computed on every call from the learner's ContractedHours (30 when not given), programme dates, the standards' " +
          'published OTJ hours and their off-the-job timesheet entries, under the funding rule in force at the start date ' +
          '(MethodOfCalculatingOTJ names it). 404 when the ID is not a learner.',
        params: LearnerIdParams,
        response: { 200: OffTheJobSummary, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => offTheJob.summary(req.actor, req.params.id),
  );

  app.get(
    '/User/:id/LearnerEpisodes',
    {
      schema: {
        tags,
        summary: "The learner's episodes (programmes)",
        operationId: 'getLearnerEpisodes',
        description:
          'One episode per learner account: EpisodeName, StartOn and PlannedEndDate, with the standards of the learning aims. ' +
          '404 when the ID is not a learner.',
        params: LearnerIdParams,
        response: { 200: Type.Array(LearnerEpisode), 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => offTheJob.episodes(req.actor, req.params.id),
  );
}
