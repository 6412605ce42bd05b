/**
 * Driving HTTP: autocannon for the load scenarios (a fresh random request each time, every
 * latency kept to a fraction of a millisecond), and one sequential client for the walks
 * (a full paged download, an unpaged stream). Both run in the bench process; the servers
 * are child processes.
 */
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { summarise, type Sample } from './stats.js';
import type { Req } from './scenarios.js';

export interface LoadTarget {
  origin: string;
  headers: Record<string, string>;
  next: () => Req;
  expect: number;
}

/**
 * autocannon for `durationSec` at `connections` (or, given `amount`, for that many requests
 * whatever the time); counts only answers with the expected status.
 */
export async function loadRun(t: LoadTarget, connections: number, durationSec: number, amount?: number): Promise<Sample> {
  const latencies: number[] = [];
  let bad = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const instance = autocannon({
    url: t.origin,
    connections,
    duration: durationSec,
    ...(amount === undefined ? {} : { amount }),
    // autocannon ends a run on its sampling tick (1 s by default): a tenth keeps short runs short.
    sampleInt: 100,
    timeout: 60,
    requests: [
      {
        setupRequest: (req) => {
          const r = t.next();
          const headers: Record<string, string> = { ...t.headers };
          if (r.body !== undefined) headers['content-type'] = 'application/json';
          return { ...req, method: r.method, path: r.path, headers, ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }) };
        },
        onResponse: (status, body) => {
          if (status !== t.expect && firstError === undefined) firstError = `HTTP ${status}: ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  let lastAnswer = started;
  instance.on('response', (_client, status, _bytes, ms) => {
    lastAnswer = performance.now();
    if (status === t.expect) latencies.push(ms);
    else bad++;
  });
  instance.on('reqError', (err) => {
    bad++;
    firstError ??= err instanceof Error ? err.message : String(err);
  });
  const result = await instance;
  // Up to the last answer: not the wait for autocannon's closing tick.
  const elapsed = lastAnswer - started;
  bad += result.timeouts;
  return summarise(latencies, latencies.length, elapsed, bad, firstError);
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

interface Answer {
  status: number;
  body: string;
  rows: number;
}

/** One request; the rows are counted as the body arrives (a marker per row), never parsed, so memory stays flat. */
function call(origin: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: unknown, keep: boolean): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${origin}${path}`,
      {
        method,
        agent,
        headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }) },
      },
      (res) => {
        let rows = 0;
        let carry = '';
        let kept = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = carry + chunk;
          for (let i = text.indexOf('{"ID":'); i >= 0; i = text.indexOf('{"ID":', i + 6)) rows++;
          carry = text.slice(-5);
          if (keep || res.statusCode! >= 300) kept += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: kept, rows }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The ID of a page's last row: the number after its last `{"ID":`. */
function lastId(body: string): number {
  const at = body.lastIndexOf('{"ID":');
  return Number(/^\{"ID":(\d+)/.exec(body.slice(at))![1]);
}

export interface WalkTarget {
  origin: string;
  headers: Record<string, string>;
  /** Our server: page numbers; the bare Fastify baseline: the key after the last row. */
  style: 'ours' | 'fastify';
}

/**
 * A full paged download, one page after another, repeated until the time is up (at least once).
 * Answers rows/s, and latency per page.
 */
export async function pagedDownload(t: WalkTarget, size: number, durationMs: number): Promise<Sample> {
  const latencies: number[] = [];
  let rows = 0;
  let rowsPerWalk = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  do {
    let walked = 0;
    let last = 0;
    for (let page = 1; ; page++) {
      const t0 = performance.now();
      const path = t.style === 'ours' ? `/api/v2.1/User/Search/${page}/${size}` : `/walk/${last}/${size}`;
      // Read as the stream is read (rows counted as they arrive, never parsed), so that the
      // two downloads differ only in what the server does; the baseline's next key is the
      // last row's ID, found by the same scan (lastId).
      const a = await call(t.origin, 'POST', path, t.headers, {}, t.style === 'fastify');
      if (a.status === 204) break;
      if (a.status !== 200) {
        errors++;
        firstError ??= `page ${page}: HTTP ${a.status}: ${a.body.slice(0, 300)}`;
        break;
      }
      latencies.push(performance.now() - t0);
      walked += a.rows;
      if (t.style === 'fastify') last = lastId(a.body);
      if (a.rows < size) break;
    }
    rows += walked;
    rowsPerWalk = walked;
  } while (performance.now() - started < durationMs && errors === 0);
  return { ...summarise(latencies, rows, performance.now() - started, errors, firstError), rowsPerWalk };
}

/** The unpaged search, streamed, repeated until the time is up (at least once). Latency: one whole stream. */
export async function streamDownload(t: WalkTarget, durationMs: number): Promise<Sample> {
  const latencies: number[] = [];
  let rows = 0;
  let rowsPerWalk = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  do {
    const t0 = performance.now();
    const a = await call(t.origin, 'POST', t.style === 'ours' ? '/api/v2.1/User/Search' : '/search', t.headers, {}, false);
    if (a.status !== 200) {
      errors++;
      firstError ??= `HTTP ${a.status}: ${a.body.slice(0, 300)}`;
      break;
    }
    latencies.push(performance.now() - t0);
    rows += a.rows;
    rowsPerWalk = a.rows;
  } while (performance.now() - started < durationMs);
  return { ...summarise(latencies, rows, performance.now() - started, errors, firstError), rowsPerWalk };
}

export function closeAgent(): void {
  agent.destroy();
}

/** POST /Authentication with the customer token: the session token our calls carry. */
export async function signIn(origin: string, customerToken: string): Promise<string> {
  const a = await call(origin, 'POST', '/api/v2.1/Authentication', { 'x-customertoken': customerToken }, undefined, true);
  if (a.status !== 200) throw new Error(`authentication answered ${a.status}: ${a.body}`);
  return a.body.trim();
}
