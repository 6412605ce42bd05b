import { Type, type TSchema } from 'typebox';

/** A value that may be null in responses (fields never given come back as null). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * Dates arrive in any ISO 8601 form (or a plain date, read as midnight UTC). The compat
 * layer rewrites valid ones to UTC ISO before validation; anything left fails this format.
 */
export const LenientDate = (description?: string) =>
  Type.String({ format: 'lenient-date', maxLength: 64, description: description ?? 'ISO 8601 date or date-time; answered in UTC' });

export const IsoDate = Type.String({ format: 'date-time', description: 'UTC ISO 8601, e.g. 2022-02-23T12:49:33.150Z' });

/** Record IDs are PostgreSQL integers; a larger number can only be "no such record" or a mistake. */
export const MAX_ID = 2_147_483_647;
export const Id = (description?: string) => Type.Integer({ minimum: 1, maximum: MAX_ID, ...(description ? { description } : {}) });

/**
 * Every text field has a length limit, in characters (Unicode code points), generous for
 * real data but far below what PostgreSQL can index (a search index entry holds about
 * 2,700 bytes, and a character is up to 4 bytes). docs/security.md lists them.
 */
export const TextLimits = {
  /** Names of people, classes, placements, companies, episodes. */
  name: 200,
  /** RFC 5321 allows 254 characters in a usable address; a little room on top. */
  email: 320,
  /** Identifiers from the client's MIS and registers. */
  code: 200,
  /** ILR and LLDD codes (a few characters each in the published lists). */
  ilr: 20,
  /** ULN and NINO before their checks (spaces allowed). */
  identifier: 50,
  phone: 100,
  url: 2000,
  address: 1000,
  message: 4000,
  /** A session, customer or verification token. */
  token: 200,
} as const;

/** A text field limited to `maxLength` characters. */
export const Text = (maxLength: number, options: { minLength?: number; description?: string } = {}) => Type.String({ maxLength, ...options });

/** A schema with an example (path parameters show it, and /docs pre-fills it). */
export const withExample = <T extends TSchema>(schema: T, example: unknown): T => ({ ...schema, examples: [example] });

/** A learner's ID in the path (the example is a demo learner). */
export const LearnerIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The learner's user ID", examples: [6] }) });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The record's ID", examples: [1] }) });

export const PageParams = Type.Object({
  page: Type.Integer({ maximum: MAX_ID, description: 'Page number, from 1', examples: [1] }),
  size: Type.Integer({ maximum: MAX_ID, description: 'Page size, from 1 to the configured maximum (default 1000)', examples: [10] }),
});

/**
 * What a create answers for everything but users: the new ID as a bare JSON number
 * (`42`, not an object), which PHP clients test with `is_integer(json_decode($body))`.
 */
export const NewId = Type.Integer({ description: 'The new ID, as a bare JSON number such as 42 (not an object)', examples: [42] });

export const FieldError = Type.Object(
  { field: Type.String(), message: Type.String(), code: Type.Integer() },
  { title: 'FieldError', description: 'One field at fault, and the code it contributes.' },
);

export const ErrorBody = Type.Object(
  {
    code: Type.Integer({ description: 'Negative error code; see docs/errors.md' }),
    message: Type.String(),
    errors: Type.Optional(Type.Array(FieldError)),
  },
  { title: 'ErrorBody', description: 'Every error answer has this shape.' },
);

/**
 * Responses shared by every authenticated route. The API's onRoute hook (src/server/http/contract.ts)
 * replaces these with declarations listing each operation's codes; they stay for the reply types.
 */
export const authErrors = {
  400: ErrorBody,
  401: ErrorBody,
  429: ErrorBody,
};

export const Empty = Type.Null({ description: 'No body' });
