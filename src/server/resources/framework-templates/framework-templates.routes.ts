import type { FastifyReply } from 'fastify';
import { IdParams, authErrors, ErrorBody, Empty } from '../../../contract/common.js';
import {
  FrameworkTemplate,
  FrameworkTemplateAssignParams,
  FrameworkTemplateSearchFilter,
  FrameworkTemplateSummary,
} from '../../../contract/framework-templates.js';
import { noContent, searchRoutes } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

const tags = ['Standards and units'];

export function frameworkTemplateRoutes(app: ApiApp, { frameworkTemplates }: Services): void {
  searchRoutes(app, '/FrameworkTemplate', {
    tags,
    summary: "Framework templates (OrganisationID: that organisation's and those shared by the customer)",
    operationId: 'searchFrameworkTemplates',
    filter: FrameworkTemplateSearchFilter,
    item: FrameworkTemplateSummary,
    run: (actor, filter, paging) => frameworkTemplates.search(actor, filter, paging),
  });
  app.get(
    '/FrameworkTemplate/:id',
    {
      schema: {
        tags,
        operationId: 'getFrameworkTemplate',
        summary: 'One framework template with its standards and units (extension)',
        params: IdParams,
        response: { 200: FrameworkTemplate, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => frameworkTemplates.get(req.actor, req.params.id),
  );
  app.post(
    '/FrameworkTemplate/:id/Assign/:userId/:onlyChangeAssigned',
    {
      schema: {
        tags,
        operationId: 'assignFrameworkTemplate',
        errors: ['INVALID_FIELD', 'LEARNER_INVALID', 'USER_ARCHIVED', 'TEMPLATE_NOT_IN_ORGANISATION'],
        summary: "Apply the template to the learner's programme",
        description:
          'onlyChangeAssigned=false: every learning aim and unit summary the template lists that the learner lacks is created, ' +
          "with the template's weightings and default dates (offsets from today); those the learner has get the template's weighting, " +
          'and its dates where theirs are empty. onlyChangeAssigned=true: only the latter. One transaction.',
        params: FrameworkTemplateAssignParams,
        response: { 204: Empty, 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      await frameworkTemplates.assign(req.actor, req.params.id, req.params.userId, req.params.onlyChangeAssigned);
      return noContent(reply as FastifyReply);
    },
  );
}
