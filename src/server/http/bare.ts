import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';

/** A body that is just an ID: what real clients test with `is_integer(json_decode(body))`. */
export const BareInteger = (description: string) => Type.Integer({ description });

export const sendInteger = (reply: FastifyReply, id: number) =>
  reply.code(200).type('application/json; charset=utf-8').send(String(id));
