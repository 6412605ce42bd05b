import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { isIP } from 'node:net';

/*
 * Extra checks a setting can carry next to its TypeBox type (read by `problemWith` below):
 * `x-schemes` (a URL whose scheme must be one of these), `x-email` (an address, optionally
 * as `Name <address>`), `x-host` (an IP address or host name) and `x-secret` (never
 * printed back). Every problem names the variable, its value and what is allowed.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The whole environment the server reads, as one schema. No DATABASE_URL means the
 * embedded PGlite database in DATA_DIR.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1', 'x-host': true }),
  PUBLIC_URL: Type.Optional(Type.String({ description: 'Base URL used in emailed links; defaults to http://HOST:PORT', 'x-schemes': ['http:', 'https:'] })),
  DATABASE_URL: Type.Optional(Type.String({ 'x-schemes': ['postgres:', 'postgresql:'] })),
  DATABASE_WAIT_SECONDS: Type.Integer({ minimum: 0, maximum: 3600, default: 30, description: 'How long start-up waits for PostgreSQL to accept connections' }),
  DATA_DIR: Type.String({ default: './data' }),
  SMTP_URL: Type.Optional(
    Type.String({ description: 'e.g. smtp://user:pass@mail.example.com:587; unset keeps mail in the outbox', 'x-schemes': ['smtp:', 'smtps:'] }),
  ),
  MAIL_FROM: Type.String({ default: 'learnfile <no-reply@learnfile.local>', 'x-email': true }),
  MAIL_POLL_MS: Type.Integer({ minimum: 50, default: 5000, description: 'How often the sender looks for due mail' }),
  MAIL_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 8 }),
  MAIL_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 30000, description: 'First retry delay; doubles each time' }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 300 }),
  MAX_PAGE_SIZE: Type.Integer({ minimum: 1, default: 1000 }),
  EXACT_COUNT_LIMIT: Type.Integer({
    minimum: 0,
    maximum: 100_000_000,
    default: 10_000,
    description: "Up to this many matches a page's X-Total-Count is counted exactly; above it, it is the planner's estimate (X-Total-Count-Exact: false)",
  }),
  SESSION_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24 }),
  SESSION_CACHE_SIZE: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 10_000,
    description: 'Sessions each process keeps in memory to authenticate calls without a database read; 0 reads every time',
  }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, 'x-secret': true, description: 'Bearer token GET /metrics requires; unset turns /metrics off' })),
  SHUTDOWN_GRACE_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 10_000,
    description: 'How long a stop waits for requests under way before closing their connections',
  }),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
    default: 'auto',
    description: 'auto: readable lines on a terminal, JSON lines otherwise',
  }),
  OPERATOR_KEY: Type.Optional(
    Type.String({
      minLength: 24,
      description:
        'Serves the admin API (/api/admin) to callers sending it as X-Operator-Key; on the embedded database a fresh key is made each run when unset',
    }),
  ),
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 50, default: 5000, description: 'How often the webhook deliverer looks for retries come due' }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000, description: 'How long a receiver may take to answer' }),
  WEBHOOK_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Events per delivery, at most' }),
  WEBHOOK_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 5000, description: 'Delay after the first failure; doubles each time' }),
  WEBHOOK_RETRY_MAX_MS: Type.Integer({ minimum: 1, default: 3_600_000, description: 'Longest delay between attempts' }),
  WEBHOOK_RETRY_HOURS: Type.Number({
    exclusiveMinimum: 0,
    default: 24,
    description: 'How long a failing delivery is retried before the subscription is marked failing',
  }),
  SEED_DEMO: Type.Boolean({ default: true, description: 'Load the demo customer into an empty database at start-up' }),
  // Reliability and abuse limits (docs/security.md).
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 30000,
    description: 'PostgreSQL: longest a statement may run; also bounds the wait for an answer over a broken network',
  }),
  DB_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: 'PostgreSQL: longest a new connection, or a wait for a free pooled one, may take',
  }),
  MAIL_LEASE_MS: Type.Integer({ minimum: 1000, default: 60000, description: 'How long a sender holds a message it is sending; renewed while the send lasts' }),
  AUTH_FAILURES_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'Failed authentications per client address per minute before further attempts get 429',
  }),
});
export type Config = Static<typeof ConfigSchema>;

/** Thrown by loadConfig: one line per bad variable in `problems`. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`learnfile: bad configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, schema] of Object.entries(ConfigSchema.properties) as [string, TSchema][]) {
    const raw = env[key];
    const given = raw !== undefined && raw !== '' ? raw : undefined;
    if (given === undefined && !('default' in schema)) continue;
    const value = Value.Convert(schema, Value.Default(schema, given));
    const problem = problemWith(schema, value);
    if (problem) problems.push(`${key}=${shown(schema, raw ?? '')} ${problem}`);
    else config[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

interface Extras {
  'x-schemes'?: string[];
  'x-email'?: boolean;
  'x-host'?: boolean;
  'x-secret'?: boolean;
}

/** What is wrong with one converted value, as "is not ...; allowed: ...", or undefined. */
function problemWith(schema: TSchema, value: unknown): string | undefined {
  const s = schema as TSchema & Extras;
  if (!Value.Check(schema, value)) return `is not allowed: expected ${allowed(schema)}`;
  const text = String(value);
  if (s['x-schemes']) {
    const schemes = s['x-schemes'];
    const expected = schemes.map((x) => `${x}//`).join(' or ');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `is not a URL: expected ${expected}...`;
    }
    if (!schemes.includes(url.protocol)) return `has the scheme ${url.protocol}// : expected ${expected}`;
    if (!url.hostname && !url.searchParams.get('host')) return `names no host: expected ${expected}host...`;
  }
  if (s['x-email'] && !isMailbox(text)) return 'is not an e-mail address: expected name@example.org or Name <name@example.org>';
  if (s['x-host'] && !isHost(text)) return 'is not an IP address or host name: expected e.g. 127.0.0.1, 0.0.0.0, :: or a host name';
  return undefined;
}

/** What a schema accepts, in words. */
function allowed(schema: TSchema): string {
  const s = schema as TSchema & {
    anyOf?: { const: unknown }[];
    type?: string;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    minLength?: number;
  };
  if (s.anyOf) return `one of ${s.anyOf.map((o) => String(o.const)).join(', ')}`;
  if (s.type === 'boolean') return 'true or false';
  const range =
    s.minimum !== undefined && s.maximum !== undefined
      ? ` from ${s.minimum} to ${s.maximum}`
      : s.minimum !== undefined
        ? ` of ${s.minimum} or more`
        : s.exclusiveMinimum !== undefined
          ? ` above ${s.exclusiveMinimum}`
          : '';
  if (s.type === 'integer') return `a whole number${range}`;
  if (s.type === 'number') return `a number${range}`;
  if (s.minLength) return `text of at least ${s.minLength} characters`;
  return 'text';
}

/** The value as given, quoted, with secrets masked: passwords in URLs and whole secret values. */
function shown(schema: TSchema, raw: string): string {
  const s = schema as TSchema & Extras;
  if (s['x-secret']) return `"***" (${raw.length} characters)`;
  if (s['x-schemes']) return JSON.stringify(maskPassword(raw));
  return JSON.stringify(raw);
}

function maskPassword(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.password ? u.toString() : raw;
  } catch {
    // Not a URL; a user:password@ part may still be in it.
    return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.]+$/;

function isMailbox(text: string): boolean {
  const m = /^([^<>]*)<([^<>]+)>$/.exec(text.trim());
  return ADDRESS.test(m ? m[2]!.trim() : text.trim());
}

function isHost(text: string): boolean {
  if (isIP(text)) return true;
  return text.length <= 253 && /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/.test(text);
}

/**
 * The base URL people and clients reach this server at: PUBLIC_URL, or else the address
 * it listens on (the real port when PORT=0; localhost when it listens on every interface).
 */
export function publicUrl(config: Config, boundPort?: number): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '');
  return localUrl(config, 'localhost', boundPort);
}

/** The URL a client on this machine reaches the server at; `anyHost` stands in for 0.0.0.0 / ::. */
export function localUrl(config: Config, anyHost: string, boundPort?: number): string {
  const host = ['0.0.0.0', '::', ''].includes(config.HOST) ? anyHost : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${boundPort ?? config.PORT}`;
}

/** The port a listening server actually took (PORT=0 picks one), if it listens. */
export function boundPort(server: { address(): unknown }): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null && 'port' in address ? Number(address.port) : undefined;
}
