import type { ApiApp } from './types.js';
import type { Actor, AuthService } from '../resources/authentication/auth.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set on every route not marked `config: { public: true }`. */
    actor: Actor;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** A POST that changes no record a search answers (searches, authentication): see ReadAhead. */
    readOnly?: boolean;
  }
}

/** Every route in the scope needs a live X-TokenID unless it is marked public. */
export function registerAuth(app: ApiApp, auth: AuthService): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    request.actor = await auth.resolve(header(request.headers['x-tokenid']), request.ip);
  });
}

export const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
