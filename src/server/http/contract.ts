import type { FastifyRequest, RouteOptions } from 'fastify';
import { ErrorCodes, type ErrorName } from '../../contract/errors.js';
import { ErrorBody } from '../../contract/common.js';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The errors of its own this operation can answer (the route's rules, e.g.
     * ORGANISATION_NOT_FOUND). The ones every route shares are added from the schema:
     * see `declareErrors`.
     */
    errors?: readonly ErrorName[];
  }
}

/** The extension key naming every error code an operation can answer. */
export const ERROR_CODES_KEY = 'x-error-codes';

/** camelCase verb first (getUser, searchUsersPage): what a generated client names its methods. */
const OPERATION_ID = /^[a-z][a-zA-Z0-9]*$/;

type Schema = NonNullable<RouteOptions['schema']> & Record<string, unknown>;

/**
 * The errors a route can answer, in code-table order: those it names in `schema.errors`,
 * and those that follow from its shape. Every call may be refused for the rate limit or
 * fail; calls that carry a session can answer 401; a body can be unreadable (-101) or
 * malformed (-100); a record's `{id}` can name nothing (404), and `{page}/{size}` be out of range.
 */
export function routeErrors(route: Pick<RouteOptions, 'config' | 'schema' | 'url'>): ErrorName[] {
  const schema = (route.schema ?? {}) as Schema;
  const wanted = new Set<ErrorName>(schema.errors ?? []);
  // Any call can meet a database outage (-503), and a client address over its failed-login
  // limit is refused everywhere until the minute ends (-112).
  wanted.add('INVALID_BODY').add('RATE_LIMITED').add('AUTH_THROTTLED').add('INTERNAL').add('DATABASE_UNAVAILABLE');
  if (!(route.config as { public?: boolean } | undefined)?.public) wanted.add('UNAUTHORISED');
  if (schema.body || schema.querystring) wanted.add('INVALID_FIELD');
  const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
  if (params.includes('page')) wanted.add('INVALID_PAGE');
  if (params.some((p) => p !== 'page' && p !== 'size')) wanted.add('NOT_FOUND');
  return (Object.keys(ErrorCodes) as ErrorName[]).filter((name) => wanted.has(name));
}

/** One response per HTTP status, its description listing the codes the operation can answer with it. */
function errorResponses(names: ErrorName[]): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const name of names) {
    const { code, status, text } = ErrorCodes[name];
    byStatus.set(status, [...(byStatus.get(status) ?? []), `\`${code}\` ${text}`]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, lines] of byStatus) {
    responses[status] = {
      description: `Error. \`code\` is one of:\n\n${lines.map((l) => `- ${l}`).join('\n')}`,
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return responses;
}

/**
 * Run on every route of the API (an onRoute hook): an operation without an operationId
 * stops the server at start-up, and the error answers are declared here, from one table,
 * so that no route can forget or misstate them. Routes hidden from the document are left alone.
 */
export function contractGuard(): (route: RouteOptions) => void {
  const seen = new Map<string, string>();
  return (route) => {
    route.schema ??= {};
    const schema = route.schema as Schema;
    if (route.method === 'HEAD' || schema.hide) return;
    const where = `${String(route.method)} ${route.url}`;
    const id = schema.operationId;
    if (typeof id !== 'string' || !OPERATION_ID.test(id)) {
      throw new Error(`${where}: every API route needs schema.operationId, a camelCase verb such as getUser or searchUsers (see CONTRIBUTING.md)`);
    }
    const other = seen.get(id.toLowerCase());
    if (other && other !== where) throw new Error(`${where}: operationId ${id} is already used by ${other}`);
    seen.set(id.toLowerCase(), where);
    const names = routeErrors(route);
    // The table's declarations replace whatever the route wrote for those statuses.
    schema[ERROR_CODES_KEY] = names.map((name) => ErrorCodes[name].code);
    schema.response = { ...(schema.response as object | undefined), ...errorResponses(names) };
  };
}

/** The codes a request's route declared, or undefined outside the documented API. */
export function declaredCodes(request: FastifyRequest): readonly number[] | undefined {
  const schema = request.routeOptions.schema as Record<string, unknown> | undefined;
  const codes = schema?.[ERROR_CODES_KEY];
  return Array.isArray(codes) ? (codes as number[]) : undefined;
}

// ---------- named component schemas ----------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A component name: what a generated client calls the type. */
const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Every schema with a `title` becomes `#/components/schemas/<title>` and is referenced
 * wherever it appears, so a generated client gets one named type per shape. The route
 * schemas stay whole (Ajv and the serialiser never see a reference); only the document
 * changes. Two different shapes with one title are a mistake and stop the document.
 */
export function nameSchemas(document: Json): Json {
  document.components ??= {};
  const components = document.components as Json;
  components.schemas ??= {};
  const schemas = components.schemas as Record<string, Json>;
  const seen = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) seen.set(name, JSON.stringify(schema));

  const hoist = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(hoist);
    if (!isObject(node)) return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      // Examples are data, not schemas: a `title` inside one is left as it is.
      out[key] = key === 'example' || key === 'examples' ? value : hoist(value);
    }
    const title = out.title;
    if (typeof title !== 'string' || !('type' in out || 'anyOf' in out || 'oneOf' in out || 'properties' in out)) return out;
    if (!COMPONENT_NAME.test(title)) throw new Error(`schema title ${JSON.stringify(title)} is not a component name (PascalCase letters and digits)`);
    const text = JSON.stringify(out);
    const before = seen.get(title);
    if (before !== undefined && before !== text) throw new Error(`two different schemas are both titled ${title}: give one another title`);
    seen.set(title, text);
    schemas[title] = out;
    return { $ref: `#/components/schemas/${title}` };
  };

  document.paths = hoist(document.paths) as Json;
  // Named schemas inside named schemas were hoisted on the way; sort for a stable, readable document.
  components.schemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return document;
}
