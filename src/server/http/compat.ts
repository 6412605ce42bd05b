/**
 * The wire conventions of the vendor's API (spec section 1), in one place every request
 * passes through: case-insensitive paths with optional trailing slash, JSON or form
 * bodies (or none), case-insensitive body keys, unknown keys dropped, lenient scalars,
 * PHP-style arrays and lenient ISO dates.
 */
import type { FastifyRequest } from 'fastify';
import type { ApiApp } from './types.js';
import { AppError } from '../domain/app-error.js';

// ---------- paths ----------

type Segment = { fixed: string } | { param: true } | { rest: true };
interface Template {
  path: string;
  segments: Segment[];
  fixedCount: number;
}

const split = (path: string): string[] => path.split('/').filter((s, i) => i > 0 || s !== '');

/**
 * Matches request paths against the registered route templates by position, so that only a
 * template's fixed words are case-folded (`/user/5/offthejob` -> `/User/5/offthejob`) and a
 * parameter value is never touched, whatever it spells (`/Unit/archive`, `/Unit/A%2FB`).
 */
export class PathMatcher {
  private readonly bySize = new Map<number, Template[]>();
  private readonly withRest: Template[] = [];
  private readonly shapes = new Map<string, string>();

  learn(path: string): void {
    const segments: Segment[] = split(path).map((s) => (s === '*' ? { rest: true } : s.startsWith(':') ? { param: true } : { fixed: s }));
    // Two routes that differ only in the case of a fixed word could never both be reached.
    const shape = segments.map((s) => ('fixed' in s ? s.fixed.toLowerCase() : 'param' in s ? ':' : '*')).join('/');
    const seen = this.shapes.get(shape);
    if (seen !== undefined && seen !== path) {
      throw new Error(`routes ${seen} and ${path} differ only in letter case; paths are case-insensitive, so one would hide the other`);
    }
    this.shapes.set(shape, path);
    const template = { path, segments, fixedCount: segments.filter((s) => 'fixed' in s).length };
    if (segments.some((s) => 'rest' in s)) {
      this.withRest.push(template);
      return;
    }
    const list = this.bySize.get(segments.length) ?? [];
    list.push(template);
    this.bySize.set(segments.length, list);
  }

  /** The path in its registered spelling (trailing slash dropped); the query string as sent. */
  rewrite(url: string): string {
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    // A loop, not a /\/+$/ pattern: that is quadratic on a path of many slashes.
    let end = path.length;
    while (end > 1 && path.charCodeAt(end - 1) === 47 /* '/' */) end--;
    path = path.slice(0, end);
    const query = q === -1 ? '' : url.slice(q);
    const parts = split(path);
    const template = this.best(parts);
    if (!template) return path + query;
    const canonical = parts.map((part, i) => {
      const segment = template.segments[Math.min(i, template.segments.length - 1)]!;
      return 'fixed' in segment && i < template.segments.length ? segment.fixed : part;
    });
    return `/${canonical.join('/')}${query}`;
  }

  /** The template that fits; where several do, the one whose fixed words come first wins. */
  private best(parts: string[]): Template | undefined {
    let winner: Template | undefined;
    let winnerKey = '';
    const consider = (t: Template) => {
      const key = this.fit(t, parts);
      if (key !== undefined && (winner === undefined || key > winnerKey)) {
        winner = t;
        winnerKey = key;
      }
    };
    for (const t of this.bySize.get(parts.length) ?? []) consider(t);
    if (!winner) for (const t of this.withRest) consider(t);
    return winner;
  }

  /** undefined when the template does not fit; else a rank where a fixed word beats a parameter, position by position. */
  private fit(t: Template, parts: string[]): string | undefined {
    let rank = '';
    for (let i = 0; i < t.segments.length; i++) {
      const segment = t.segments[i]!;
      if ('rest' in segment) return rank;
      const part = parts[i];
      if (part === undefined) return undefined;
      if ('fixed' in segment) {
        if (segment.fixed.toLowerCase() !== part.toLowerCase()) return undefined;
        rank += '1';
      } else {
        if (part === '') return undefined;
        rank += '0';
      }
    }
    return parts.length === t.segments.length ? rank : undefined;
  }
}

// ---------- bodies ----------

const hex = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

/**
 * Decodes one urlencoded name or value as the URL standard does ('+' is a space, %XX a byte,
 * a stray '%' stays, bytes are read as UTF-8), in one pass over the bytes. URLSearchParams
 * does the same but takes a third of a second on a megabyte of '+', holding every request.
 */
export function decodeFormComponent(s: string): string {
  if (!s.includes('+') && !s.includes('%')) return s;
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let j = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 43) {
      out[j++] = 32;
      continue;
    }
    if (c === 37 && i + 2 < src.length) {
      const hi = hex(src[i + 1]!);
      const lo = hex(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[j++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[j++] = c;
  }
  return out.toString('utf8', 0, j);
}

/** The name/value pairs of a urlencoded body, in order. */
function* formPairs(text: string): Generator<[string, string]> {
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    yield eq === -1 ? [decodeFormComponent(pair), ''] : [decodeFormComponent(pair.slice(0, eq)), decodeFormComponent(pair.slice(eq + 1))];
  }
}

/** Parses a urlencoded body; repeated keys and PHP's `key[]` / `key[0]` forms become arrays. */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of formPairs(text)) {
    const m = /^([^[\]]+)\[([^\]]*)\]$/.exec(rawKey);
    const key = m?.[1] ?? rawKey;
    const existing = out[key];
    if (m) {
      const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [existing];
      list.push(value);
      out[key] = list;
    } else if (existing !== undefined) {
      out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * One parser for every content type: an empty body is no body, JSON is JSON, anything
 * else is read as a form. Clients send `Content-Type: application/json` with an empty
 * body, or forms with no content type at all; both must work.
 */
export function registerBodyParsers(app: ApiApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (type.includes('json') || text.startsWith('{') || text.startsWith('[')) {
      try {
        return done(null, JSON.parse(text));
      } catch {
        return done(new AppError('INVALID_BODY', 'The body is not valid JSON.'), undefined);
      }
    }
    return done(null, parseForm(text));
  });
}

// ---------- keys and scalars ----------

interface JsonSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

interface PropertyPlan {
  name: string;
  schema: JsonSchema;
}
const plans = new WeakMap<object, Map<string, PropertyPlan>>();

function planFor(schema: JsonSchema): Map<string, PropertyPlan> {
  let plan = plans.get(schema);
  if (!plan) {
    plan = new Map();
    for (const [name, prop] of Object.entries(schema.properties ?? {})) plan.set(name.toLowerCase(), { name, schema: prop });
    plans.set(schema, plan);
  }
  return plan;
}

const typeOf = (schema: JsonSchema): string | undefined => (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type);

/** PHP's array_diff keeps keys, so a JSON array can arrive as {"0": a, "1": b}. */
function asArray(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v);
  }
  return [value];
}

/**
 * The one rule for text PostgreSQL (and PGlite) cannot store: NUL characters are dropped,
 * and a lone UTF-16 surrogate (half of a pair, which no UTF-8 text can hold) becomes U+FFFD,
 * the replacement character, as any UTF-8 decoder would make it. Every string in every body
 * passes here before validation, so no such value reaches a query. Linear in the length.
 */
export function storableText(text: string): string {
  const withoutNul = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  // String.prototype.toWellFormed (Node 20) does exactly the surrogate rule, in native code:
  // a regular expression with look-behind took a quarter of a second per megabyte.
  const s = withoutNul as string & { isWellFormed(): boolean; toWellFormed(): string };
  return s.isWellFormed() ? withoutNul : s.toWellFormed();
}

/**
 * Numbers are numbers: "12", " 12 " and "1e3" are read as numbers, but a value that is not a
 * finite number ("Infinity", "1e400", NaN) is wrapped so that validation refuses it ("must be
 * a whole number"). Left as a string, the validator's own coercion would read "Infinity" as
 * Infinity and let it through to the database.
 */
function strictNumber(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { notANumber: String(value) };
  if (typeof value !== 'string' || value === '') return value;
  const n = Number(value);
  return Number.isFinite(n) ? n : { notANumber: value };
}

function coerceScalar(value: unknown, schema: JsonSchema): unknown {
  const type = typeOf(schema);
  // Text is kept as sent, but for what the database cannot store (see storableText);
  // numbers, booleans and dates may carry stray spaces.
  if (typeof value === 'string') {
    value = storableText(value);
    if ((type !== 'string' && type !== 'array') || schema.format === 'lenient-date') value = (value as string).trim();
  }
  switch (type) {
    case 'boolean':
      if (typeof value === 'string') {
        const v = value.toLowerCase();
        if (v === 'true' || v === '1') return true;
        if (v === 'false' || v === '0') return false;
      }
      if (value === 1 || value === 0) return value === 1;
      return value;
    case 'integer':
    case 'number':
      return strictNumber(value);
    case 'array':
      return (asArray(value) as unknown[]).map((item) => (schema.items ? coerceScalar(item, schema.items) : item));
    case 'object':
      // Nested objects (arrays of them, say) follow the same key rules as the body itself.
      return schema.properties && value !== null && typeof value === 'object' && !Array.isArray(value) ? normaliseBody(value, schema) : value;
    case 'string':
      if (typeof value === 'number') value = String(value);
      if (schema.format === 'lenient-date' && typeof value === 'string') return parseLenientDate(value) ?? value;
      return value;
    default:
      return value;
  }
}

/** Values that mean "not given": null, and an empty string for anything but text. */
function isAbsent(value: unknown, schema: JsonSchema): boolean {
  if (value === null || value === undefined) return true;
  return value === '' && (typeOf(schema) !== 'string' || schema.format === 'lenient-date');
}

/** Canonical keys, unknown keys dropped, scalars coerced the lenient way. */
export function normaliseBody(body: unknown, schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return out;
  const plan = planFor(schema);
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const prop = plan.get(key.toLowerCase());
    if (!prop || isAbsent(value, prop.schema)) continue;
    out[prop.name] = coerceScalar(value, prop.schema);
  }
  return out;
}

/** Path and query values arrive as text: numbers that are not finite are made invalid, text made storable. */
function guardScalars(values: Record<string, unknown>, properties: Record<string, JsonSchema>): void {
  for (const [name, prop] of Object.entries(properties)) {
    const value = values[name];
    if (typeof value !== 'string') continue;
    const type = typeOf(prop);
    if (type === 'integer' || type === 'number') {
      if (!Number.isFinite(Number(value))) values[name] = 'not-a-number';
    } else if (type === 'string') {
      values[name] = storableText(value);
    }
  }
}

export function registerBodyNormaliser(app: ApiApp): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    // Path IDs, page numbers and query numbers: "Infinity" or "1e400" would pass the
    // validator's coercion. Path text (unit IDs) follows the body's rule for what the
    // database cannot store (a %00 in the path would otherwise reach a query).
    const params = request.params as Record<string, unknown> | undefined;
    const paramSchema = (request.routeOptions.schema?.params as JsonSchema | undefined)?.properties ?? {};
    if (params) guardScalars(params, paramSchema);
    const query = request.query as Record<string, unknown> | undefined;
    const querySchema = (request.routeOptions.schema?.querystring as JsonSchema | undefined)?.properties ?? {};
    if (query && typeof query === 'object') guardScalars(query, querySchema);
    const schema = request.routeOptions.schema?.body as JsonSchema | undefined;
    if (schema && typeOf(schema) === 'object') request.body = normaliseBody(request.body, schema);
    else request.body = undefined; // a body on a route that takes none is ignored
  });
}

// ---------- dates ----------

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
export const CANONICAL_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Any ISO 8601 form clients send, as a UTC ISO string; null when it is not a real date. */
export function parseLenientDate(text: string): string | null {
  const s = text.trim();
  const dateOnly = DATE_ONLY.exec(s);
  const m = dateOnly ?? DATE_TIME.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Reject 2022-02-30 and friends, which Date would quietly roll over.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  if (dateOnly) return check.toISOString();
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  let zone = m[8] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const fraction = (m[7] ?? '.0').slice(0, 4).padEnd(4, '0');
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${String(second).padStart(2, '0')}${fraction}${zone.toUpperCase()}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
