import createFetchClient, { type Client as FetchClient } from 'openapi-fetch';
import { ApiError } from './errors.js';
import { parseJsonArray } from './json-array-stream.js';
import { API_PREFIX, type CreateBody, type GetResult, type PathParams, type PostBody, type SearchFilter, type SearchRow, type paths } from './types.js';

export interface ClientOptions {
  /** The server's root URL, e.g. `https://eportfolio.example.ac.uk`; a trailing `/api/v2.1` is accepted too. */
  baseUrl: string;
  /** The customer token the server's operator issued (sent as X-CustomerToken). */
  customerToken: string;
  /** The fetch to use (default: the global one); it receives a Request. */
  fetch?: (request: Request) => Promise<Response>;
  /** Rows per page for `search` (default 500; the contract's usual maximum is 1000). */
  pageSize?: number;
  /** How long the server keeps a session (default 24 hours, as the contract says). */
  sessionLifetimeMs?: number;
  /** Authenticate again this long before the session would end (default 15 minutes). */
  renewBeforeMs?: number;
  /** Retries of an idempotent call after a network failure or a 5xx (default 4). */
  retries?: number;
  /** How many 429 answers one call waits out before giving up (default 30). */
  rateLimitWaits?: number;
  /** First back-off delay; doubles on each retry (default 250 ms). */
  retryBaseMs?: number;
  /** Longest single wait (default 120 s), whatever Retry-After says. */
  maxWaitMs?: number;
  /** How to wait (default: a timer). Tests and schedulers may supply their own. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock used for the session's age (default Date.now). */
  now?: () => number;
  /** Told about every wait, for progress displays and logs. */
  onWait?: (event: WaitEvent) => void;
  /** Sent as User-Agent. */
  userAgent?: string;
}

export interface WaitEvent {
  reason: 'rate-limit' | 'server-error' | 'network';
  ms: number;
  method: string;
  path: string;
  status?: number;
}

/** What a create answered: the new record's ID (when the server said it) and any record it sent. */
export interface Created {
  id: number | undefined;
  record?: Record<string, unknown>;
}

export interface SearchOptions<P extends string> {
  pageSize?: number;
  /** Values for `{placeholders}` in the path. */
  params?: PathParams<P>;
}

const HOUR = 3_600_000;
const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * A client for any server speaking the OneFile ePortfolio API v2.1. It handles the
 * contract's quirks once: the bare-text session token and its 24-hour life, 204 for "no
 * rows", bare-integer create answers, string unit IDs, paging, the rate limit and retries.
 *
 * Paths are the contract's, relative to /api/v2.1, with `{name}` placeholders filled from
 * `params`: `client.get('/User/{id}', { id: 12 })`. A path the generated types do not know
 * still works, untyped. `api` is the generated, fully typed openapi-fetch client over the
 * same session, retry and rate-limit handling.
 */
export class ApiClient {
  /** The typed openapi-fetch client (paths include the /api/v2.1 prefix), sharing this client's session. */
  readonly api: FetchClient<paths>;
  readonly root: string;
  private readonly token: string;
  private readonly baseFetch: (request: Request) => Promise<Response>;
  private readonly pageSize: number;
  private readonly lifetime: number;
  private readonly renewBefore: number;
  private readonly retries: number;
  private readonly rateLimitWaits: number;
  private readonly retryBaseMs: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly onWait?: (event: WaitEvent) => void;
  private readonly userAgent?: string;
  private sessionToken: string | undefined;
  private sessionAt = 0;
  private authenticating: Promise<string> | undefined;
  private pausedUntil = 0;

  constructor(options: ClientOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    if (!options.customerToken) throw new TypeError('customerToken is required');
    this.root = options.baseUrl.replace(/\/+$/, '').replace(/\/api\/v2\.1$/i, '');
    this.token = options.customerToken;
    this.baseFetch = options.fetch ?? ((request) => fetch(request));
    this.pageSize = options.pageSize ?? 500;
    this.lifetime = options.sessionLifetimeMs ?? 24 * HOUR;
    this.renewBefore = options.renewBeforeMs ?? HOUR / 4;
    this.retries = options.retries ?? 4;
    this.rateLimitWaits = options.rateLimitWaits ?? 30;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.maxWaitMs = options.maxWaitMs ?? 120_000;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.onWait = options.onWait;
    this.userAgent = options.userAgent;
    this.api = createFetchClient<paths>({ baseUrl: this.root, fetch: this.send });
  }

  // ---- sessions ----------------------------------------------------------------------

  /** A live session token: the one held, or a new one when none is held or it is near its end. */
  async session(): Promise<string> {
    if (this.sessionToken !== undefined && this.now() - this.sessionAt < this.lifetime - this.renewBefore) return this.sessionToken;
    return this.authenticate();
  }

  /** Exchanges the customer token for a new session (concurrent callers share one exchange). */
  authenticate(): Promise<string> {
    this.authenticating ??= this.login().finally(() => {
      this.authenticating = undefined;
    });
    return this.authenticating;
  }

  private async login(): Promise<string> {
    const at = this.now();
    const response = await this.send(
      new Request(this.url('/Authentication'), {
        method: 'POST',
        headers: { 'X-CustomerToken': this.token },
      }),
    );
    if (!response.ok) throw await ApiError.from(response, 'POST', '/Authentication');
    let token = (await response.text()).trim();
    // The contract answers bare text; tolerate a server that JSON-quotes it.
    if (token.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(token);
        if (typeof parsed === 'string') token = parsed;
      } catch {
        /* keep as sent */
      }
    }
    if (token === '')
      throw new ApiError(response.status, 'The server answered the authentication with an empty body', undefined, [], 'POST', '/Authentication');
    this.sessionToken = token;
    this.sessionAt = at;
    return token;
  }

  // ---- calls -------------------------------------------------------------------------

  /** GET a record: `get('/User/{id}', { id })`. */
  async get<P extends string>(path: P, params?: PathParams<P>): Promise<GetResult<P>> {
    const rel = fill(path, params);
    const response = await this.call('GET', rel);
    return normalise(await readBody(response, 'GET', rel), rel) as GetResult<P>;
  }

  /**
   * Creates a record with POST and answers its ID, whichever way the server gives it: an
   * object with `ID`, a bare integer, or (for an empty body) a `Location` header naming it.
   */
  async create<P extends string>(path: P, body: CreateBody<P>, params?: PathParams<P>): Promise<Created> {
    const rel = fill(path, params);
    const response = await this.call('POST', rel, body);
    const answer = await readBody(response, 'POST', rel);
    if (typeof answer === 'number') return { id: Number.isInteger(answer) ? answer : undefined };
    if (typeof answer === 'string') return { id: /^\d+$/.test(answer.trim()) ? Number(answer.trim()) : undefined };
    if (answer && typeof answer === 'object' && !Array.isArray(answer)) {
      const record = normalise(answer, rel) as Record<string, unknown>;
      const id = record.ID ?? record.Id ?? record.id;
      return { id: toId(id), record };
    }
    const location = response.headers.get('location');
    const fromLocation = location ? /\/(\d+)\/?$/.exec(location) : null;
    return { id: fromLocation ? Number(fromLocation[1]) : undefined };
  }

  /** A partial update, `POST /X/{id}` with only the fields to change. */
  async update<P extends string>(path: P, params: PathParams<P>, body: PostBody<P>): Promise<void> {
    const rel = fill(path, params);
    const response = await this.call('POST', rel, body);
    await response.body?.cancel();
  }

  /** Any other POST (archive, assign, ...): answers the parsed body, or undefined when empty. */
  async post<P extends string>(path: P, body?: PostBody<P> | Record<string, unknown>, params?: PathParams<P>): Promise<unknown> {
    const rel = fill(path, params);
    const response = await this.call('POST', rel, body ?? {});
    return normalise(await readBody(response, 'POST', rel), rel);
  }

  async delete<P extends string>(path: P, params?: PathParams<P>): Promise<void> {
    const rel = fill(path, params);
    const response = await this.call('DELETE', rel);
    await response.body?.cancel();
  }

  /**
   * Every row of a search, fetched page by page (`POST /X/Search/{page}/{size}`) as the
   * loop asks for them. No match (204) yields nothing.
   */
  async *search<P extends string>(path: P, filter: SearchFilter<P> = {} as SearchFilter<P>, options: SearchOptions<P> = {}): AsyncGenerator<SearchRow<P>> {
    const size = options.pageSize ?? this.pageSize;
    const base = fill(path, options.params).replace(/\/+$/, '');
    for (let page = 1; ; page++) {
      const rel = `${base}/${page}/${size}`;
      const response = await this.call('POST', rel, filter);
      const rows = await readBody(response, 'POST', rel);
      if (rows === undefined) return;
      if (!Array.isArray(rows)) throw new ApiError(response.status, 'Expected a JSON array from a search', undefined, [], 'POST', rel);
      for (const row of rows) yield normalise(row, base) as SearchRow<P>;
      if (rows.length < size) return;
    }
  }

  /**
   * Every row of a search in one unpaged call (`POST /X/Search`), parsed as it arrives so
   * memory stays flat however many rows there are. Nothing is retried once rows flow.
   */
  async *download<P extends string>(
    path: P,
    filter: SearchFilter<P> = {} as SearchFilter<P>,
    options: Omit<SearchOptions<P>, 'pageSize'> = {},
  ): AsyncGenerator<SearchRow<P>> {
    const rel = fill(path, options.params).replace(/\/+$/, '');
    const response = await this.call('POST', rel, filter);
    if (response.status === 204 || !response.body) return;
    for await (const row of parseJsonArray(response.body)) yield normalise(row, rel) as SearchRow<P>;
  }

  /** Every row of a search as one array (paged under the hood). */
  async all<P extends string>(path: P, filter?: SearchFilter<P>, options?: SearchOptions<P>): Promise<SearchRow<P>[]> {
    const rows: SearchRow<P>[] = [];
    for await (const row of this.search(path, filter, options)) rows.push(row);
    return rows;
  }

  /** Sends one call through the session, retry and rate-limit handling; non-2xx throws ApiError. */
  async call(method: string, rel: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.send(
      new Request(this.url(rel), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    if (!response.ok) throw await ApiError.from(response, method, rel);
    return response;
  }

  private url(rel: string): string {
    return `${this.root}${API_PREFIX}${rel.startsWith('/') ? rel : `/${rel}`}`;
  }

  /**
   * The one place requests go out. Adds the session; on a 401 authenticates once more and
   * repeats; on a 429 pauses every call of this client for Retry-After; repeats idempotent
   * calls after network failures and 5xx with doubling back-off.
   */
  private readonly send = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const rel = relativePath(url.pathname);
    const isAuth = /^\/authentication\/?$/i.test(rel);
    const idempotent = isIdempotent(request.method, rel);
    let failures = 0;
    let waits = 0;
    let renewed = false;
    for (;;) {
      const paused = this.pausedUntil - this.now();
      if (paused > 0) await this.sleep(paused);
      const attempt = request.clone();
      let session: string | undefined;
      if (!isAuth) {
        session = await this.session();
        attempt.headers.set('X-TokenID', session);
      }
      if (this.userAgent) attempt.headers.set('User-Agent', this.userAgent);
      let response: Response;
      try {
        response = await this.baseFetch(attempt);
      } catch (err) {
        if (idempotent && failures < this.retries) {
          await this.wait('network', this.backoff(failures++), request.method, rel);
          continue;
        }
        const why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        throw new ApiError(0, `No answer from ${url.origin}: ${why}`, undefined, [], request.method, rel, undefined, { cause: err });
      }
      if (response.status === 401 && !isAuth && !renewed) {
        renewed = true;
        await discard(response);
        if (this.sessionToken === session) this.sessionToken = undefined;
        continue;
      }
      if (response.status === 429 && waits < this.rateLimitWaits) {
        waits++;
        // Never spin: at least a second, even when the server sends no Retry-After.
        const ms = Math.max(1000, retryAfterMs(response, this.now()) ?? this.backoff(waits));
        await discard(response);
        this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.min(ms, this.maxWaitMs));
        this.onWait?.({ reason: 'rate-limit', ms, method: request.method, path: rel, status: 429 });
        continue;
      }
      if (response.status >= 500 && idempotent && failures < this.retries) {
        const ms = retryAfterMs(response, this.now()) ?? this.backoff(failures);
        failures++;
        await discard(response);
        await this.wait('server-error', ms, request.method, rel, response.status);
        continue;
      }
      return response;
    }
  };

  private backoff(n: number): number {
    const ms = this.retryBaseMs * 2 ** n;
    return Math.min(this.maxWaitMs, Math.round(ms * (0.5 + Math.random() / 2)));
  }

  private async wait(reason: WaitEvent['reason'], ms: number, method: string, path: string, status?: number): Promise<void> {
    const capped = Math.min(ms, this.maxWaitMs);
    this.onWait?.({ reason, ms: capped, method, path, ...(status === undefined ? {} : { status }) });
    await this.sleep(capped);
  }
}

export function createClient(options: ClientOptions): ApiClient {
  return new ApiClient(options);
}

/**
 * Which calls may be sent twice without harm: reads, deletes, searches, authentication, and
 * the contract's `POST /X/{id}` partial updates and archive/unarchive (setting the same
 * fields twice leaves the same record). Creates and assignments are not retried after a
 * failure that may have reached the server.
 */
export function isIdempotent(method: string, rel: string): boolean {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'PUT' || m === 'DELETE') return true;
  if (m !== 'POST') return false;
  const p = rel.replace(/\/+$/, '');
  return /\/search(\/\d+\/\d+)?$/i.test(p) || /^\/authentication$/i.test(p) || /^\/[^/]+\/\d+$/.test(p) || /^\/[^/]+\/\d+\/(archive|unarchive)$/i.test(p);
}

function relativePath(pathname: string): string {
  const i = pathname.toLowerCase().indexOf(API_PREFIX.toLowerCase());
  return i === -1 ? pathname : pathname.slice(i + API_PREFIX.length) || '/';
}

function fill(path: string, params: Record<string, string | number> | undefined): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`No value for {${name}} in ${path}`);
    return encodeURIComponent(String(value));
  });
}

/** The body as data: undefined for 204 or empty, JSON when it parses, else the bare text. */
async function readBody(response: Response, method: string, rel: string): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      throw new ApiError(response.status, 'The server sent JSON that does not parse', undefined, [], method, rel);
    }
    return text;
  }
}

/** Unit IDs are strings in the contract (`KS_COMM1`); make sure of it whatever the server sent. */
function normalise(value: unknown, rel: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, rel));
  if (!value || typeof value !== 'object') return value;
  const row = value as Record<string, unknown>;
  if (typeof row.UnitID === 'number') row.UnitID = String(row.UnitID);
  if (/^\/unit(\/|$)/i.test(rel) && typeof row.ID === 'number') row.ID = String(row.ID);
  return row;
}

function toId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function retryAfterMs(response: Response, now: number): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    /* already closed */
  }
}
