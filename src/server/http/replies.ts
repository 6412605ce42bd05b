import { Readable } from 'node:stream';
import { Type, type TSchema } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { SearchAnswer } from '../domain/search.service.js';
import { PageParams, authErrors } from '../../contract/common.js';
import type { ErrorName } from '../../contract/errors.js';
import type { ApiApp } from './types.js';
import type { Actor } from '../resources/authentication/auth.service.js';
import type { Paging } from '../domain/search.service.js';

/**
 * 200 with the new ID as a bare JSON number (`42`): what every create but `POST /User`
 * answers. Declare the route's 200 as `NewId` (src/contract/common.ts).
 */
export const sendId = (reply: FastifyReply, id: number) => reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(id));

/** 204 with no body: updates, archive, delete. */
export const noContent = (reply: FastifyReply) => reply.code(204).send();

/** A list: a JSON array, or 204 with no body when it is empty (spec section 4). */
export function sendList<T>(reply: FastifyReply, rows: T[]) {
  return rows.length === 0 ? reply.code(204).send() : reply.send(rows);
}

async function* jsonArray<T>(first: T[], rest: AsyncIterator<T[]>): AsyncGenerator<string> {
  let batch: T[] | undefined = first;
  let opened = false;
  while (batch) {
    // One string per batch (the same text as joining each row's JSON): less garbage per row.
    const text = JSON.stringify(batch);
    yield (opened ? ',' : '[') + text.slice(1, -1);
    opened = true;
    const next = await rest.next();
    batch = next.done ? undefined : next.value;
  }
  yield ']';
}

export async function sendSearch<T>(reply: FastifyReply, answer: SearchAnswer<T>) {
  if (answer.kind === 'page') {
    reply.header('X-Total-Count', String(answer.total));
    // Above the exact-count limit X-Total-Count is an estimate, and says so (docs/decisions.md).
    reply.header('X-Total-Count-Exact', answer.exact ? 'true' : 'false');
    return sendList(reply, answer.rows);
  }
  // Read one batch first: no match must be a 204, decided before any byte is sent.
  const first = await answer.batches.next();
  if (first.done) return reply.code(204).send();
  reply.type('application/json; charset=utf-8');
  return reply.send(Readable.from(jsonArray(first.value, answer.batches)));
}

interface SearchRouteOptions<F extends TSchema> {
  /** `search<Plural>`, e.g. searchUsers; the paged form is `search<Plural>Page`. */
  operationId: `search${string}`;
  tags: string[];
  summary: string;
  /** Errors of the search's own rules, beyond those every search answers (see http/contract.ts). */
  errors?: ErrorName[];
  filter: F;
  item: TSchema;
  run: (actor: Actor, filter: never, paging?: Paging) => Promise<SearchAnswer<unknown>> | SearchAnswer<unknown>;
}

/** `POST {base}/Search` (every match, streamed) and `POST {base}/Search/{page}/{size}`. */
export function searchRoutes<F extends TSchema>(app: ApiApp, base: string, o: SearchRouteOptions<F>): void {
  const response = { 200: Type.Array(o.item, { description: 'The matches, in ID order' }), 204: Type.Null({ description: 'No match' }), ...authErrors };
  app.post(
    `${base}/Search`,
    {
      config: { readOnly: true },
      schema: {
        operationId: o.operationId,
        tags: o.tags,
        summary: `${o.summary} (every match, in ID order)`,
        body: o.filter,
        response,
        ...(o.errors ? { errors: o.errors } : {}),
      },
    },
    async (req, reply) => sendSearch(reply, await o.run(req.actor, req.body as never)),
  );
  app.post(
    `${base}/Search/:page/:size`,
    {
      config: { readOnly: true },
      schema: {
        operationId: `${o.operationId}Page`,
        tags: o.tags,
        summary: `${o.summary} (one page; X-Total-Count gives the number of matches, exact when X-Total-Count-Exact is true)`,
        body: o.filter,
        params: PageParams,
        response,
        ...(o.errors ? { errors: o.errors } : {}),
      },
    },
    async (req, reply) => sendSearch(reply, await o.run(req.actor, req.body as never, req.params as Paging)),
  );
}
