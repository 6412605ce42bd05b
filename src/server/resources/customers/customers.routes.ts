import { authErrors } from '../../../contract/common.js';
import { Customer } from '../../../contract/organisations.js';
import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

export function customerRoutes(app: ApiApp, { customers }: Services): void {
  app.get(
    '/Customer',
    {
      schema: { operationId: 'getCustomer', tags: ['Data download'], summary: "The session's customer", response: { 200: Customer, ...authErrors } },
    },
    async (req) => customers.current(req.actor),
  );
}
