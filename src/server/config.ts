import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * The whole environment the server reads, as one schema. No DATABASE_URL means the
 * embedded PGlite database in DATA_DIR.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PUBLIC_URL: Type.Optional(Type.String({ description: 'Base URL used in emailed links; defaults to http://HOST:PORT' })),
  DATABASE_URL: Type.Optional(Type.String()),
  DATA_DIR: Type.String({ default: './data' }),
  SMTP_URL: Type.Optional(Type.String({ description: 'e.g. smtp://user:pass@mail.example.com:587; unset keeps mail in the outbox' })),
  MAIL_FROM: Type.String({ default: 'learnfile <no-reply@learnfile.local>' }),
  MAIL_POLL_MS: Type.Integer({ minimum: 50, default: 5000, description: 'How often the sender looks for due mail' }),
  MAIL_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 8 }),
  MAIL_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 30000, description: 'First retry delay; doubles each time' }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 300 }),
  MAX_PAGE_SIZE: Type.Integer({ minimum: 1, default: 1000 }),
  SESSION_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
    default: 'auto', description: 'auto: readable lines on a terminal, JSON lines otherwise',
  }),
  OPERATOR_KEY: Type.Optional(Type.String({
    minLength: 24, description: 'Serves the admin API (/api/admin) to callers sending it as X-Operator-Key; on the embedded database a fresh key is made each run when unset',
  })),
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 50, default: 5000, description: 'How often the webhook deliverer looks for retries come due' }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000, description: 'How long a receiver may take to answer' }),
  WEBHOOK_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Events per delivery, at most' }),
  WEBHOOK_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 5000, description: 'Delay after the first failure; doubles each time' }),
  WEBHOOK_RETRY_MAX_MS: Type.Integer({ minimum: 1, default: 3_600_000, description: 'Longest delay between attempts' }),
  WEBHOOK_RETRY_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24, description: 'How long a failing delivery is retried before the subscription is marked failing' }),
  SEED_DEMO: Type.Boolean({ default: true, description: 'Load the demo customer into an empty database at start-up' }),
  // Reliability and abuse limits (docs/security.md).
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30000, description: 'PostgreSQL: longest a statement may run; also bounds the wait for an answer over a broken network' }),
  DB_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000, description: 'PostgreSQL: longest a new connection, or a wait for a free pooled one, may take' }),
  MAIL_LEASE_MS: Type.Integer({ minimum: 1000, default: 60000, description: 'How long a sender holds a message it is sending; renewed while the send lasts' }),
  AUTH_FAILURES_PER_MINUTE: Type.Integer({ minimum: 1, default: 30, description: 'Failed authentications per client address per minute before further attempts get 429' }),
});
export type Config = Static<typeof ConfigSchema>;

/** Reads and checks the environment; throws one error naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const errors = [...Value.Errors(ConfigSchema, converted)];
  if (errors.length > 0) {
    const list = errors.map((e) => `${e.instancePath.slice(1) || 'config'} ${e.message}`).join('; ');
    throw new Error(`learnfile: bad configuration: ${list}`);
  }
  return converted as Config;
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
