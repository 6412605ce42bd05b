import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { IdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { CreateProviderBody, Provider, ProviderSearchFilter, ProviderSummary, UpdateProviderBody } from '../../../contract/providers.js';
import type { Services } from '../registry.js';
import { schemaIssues } from '../../http/errors.js';
import { searchRoutes, sendId } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

const tags = ['Providers'];

export function providerRoutes(app: ApiApp, { providers }: Services): void {
  searchRoutes(app, '/Provider', {
    tags,
    summary: "The customer's training providers",
    filter: ProviderSearchFilter,
    item: ProviderSummary,
    operationId: 'searchProviders',
    run: (actor, filter, paging) => providers.search(actor, filter, paging),
  });

  app.get(
    '/Provider/:id',
    {
      schema: {
        tags,
        summary: 'One training provider',
        operationId: 'getProvider',
        params: IdParams,
        response: { 200: Provider, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => providers.get(req.actor, req.params.id),
  );

  app.post(
    '/Provider',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Create a training provider',
        operationId: 'createProvider',
        description: "Name is required. Answers the new provider's ID as a bare integer.",
        body: CreateProviderBody,
        response: { 200: Type.Integer({ description: "The provider's ID" }), ...authErrors },
      },
    },
    async (req, reply) => sendId(reply as FastifyReply, await providers.create(req.actor, req.body, schemaIssues(req))),
  );

  app.post(
    '/Provider/:id',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Change a training provider (only the fields given); answers the provider',
        operationId: 'updateProvider',
        params: IdParams,
        body: UpdateProviderBody,
        response: { 200: Provider, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => providers.update(req.actor, req.params.id, req.body, schemaIssues(req)),
  );
}
