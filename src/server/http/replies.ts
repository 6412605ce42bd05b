import { Readable } from 'node:stream';
import { Type, type TSchema } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { SearchAnswer } from '../domain/search.service.js';
import { PageParams, authErrors } from '../../contract/common.js';
import type { ApiApp } from './types.js';
import type { Actor } from '../resources/authentication/auth.service.js';
import type { Paging } from '../domain/search.service.js';

/** 204 with no body: updates, archive, delete. */
export const noContent = (reply: FastifyReply) => reply.code(204).send();

/** A bare integer (a new record's ID), as the vendor answers creates: clients test is_integer(json_decode(body)). */
export const sendId = (reply: FastifyReply, id: number) => reply.type('application/json; charset=utf-8').send(String(id));

/** A list: a JSON array, or 204 with no body when it is empty (spec section 4). */
export function sendList<T>(reply: FastifyReply, rows: T[]) {
  return rows.length === 0 ? reply.code(204).send() : reply.send(rows);
}

async function* jsonArray<T>(first: T[], rest: AsyncIterator<T[]>): AsyncGenerator<string> {
  let batch: T[] | undefined = first;
  let opened = false;
  while (batch) {
    const parts = batch.map((row) => JSON.stringify(row));
    yield (opened ? ',' : '[') + parts.join(',');
    opened = true;
    const next = await rest.next();
    batch = next.done ? undefined : next.value;
  }
  yield ']';
}

export async function sendSearch<T>(reply: FastifyReply, answer: SearchAnswer<T>) {
  if (answer.kind === 'page') {
    reply.header('X-Total-Count', String(answer.total));
    return sendList(reply, answer.rows);
  }
  // Read one batch first: no match must be a 204, decided before any byte is sent.
  const first = await answer.batches.next();
  if (first.done) return reply.code(204).send();
  reply.type('application/json; charset=utf-8');
  return reply.send(Readable.from(jsonArray(first.value, answer.batches)));
}

interface SearchRouteOptions<F extends TSchema> {
  tags: string[];
  summary: string;
  filter: F;
  item: TSchema;
  /** Names the two routes in the OpenAPI document: `<operationId>` and `<operationId>Page`. */
  operationId?: string;
  run: (actor: Actor, filter: never, paging?: Paging) => Promise<SearchAnswer<unknown>> | SearchAnswer<unknown>;
}

/** `POST {base}/Search` (every match, streamed) and `POST {base}/Search/{page}/{size}`. */
export function searchRoutes<F extends TSchema>(app: ApiApp, base: string, o: SearchRouteOptions<F>): void {
  const response = { 200: Type.Array(o.item), 204: Type.Null({ description: 'No match' }), ...authErrors };
  app.post(`${base}/Search`, {
    schema: {
      tags: o.tags, summary: `${o.summary} (every match, in ID order)`, body: o.filter, response,
      ...(o.operationId ? { operationId: o.operationId } : {}),
    },
  }, async (req, reply) => sendSearch(reply, await o.run(req.actor, req.body as never)));
  app.post(`${base}/Search/:page/:size`, {
    schema: {
      tags: o.tags, summary: `${o.summary} (one page; X-Total-Count gives the number of matches)`,
      body: o.filter, params: PageParams, response, ...(o.operationId ? { operationId: `${o.operationId}Page` } : {}),
    },
  }, async (req, reply) => sendSearch(reply, await o.run(req.actor, req.body as never, req.params as Paging)));
}
