/**
 * Measuring tools for the benchmark: a bare Fastify baseline, a bounded autocannon run,
 * a single timed request, and a streamed download watched for rows/s and RSS growth.
 * Every target is a loopback address of this process.
 */
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { Worker } from 'node:worker_threads';
import { origin } from './setup.js';

/** A bare Fastify server answering a constant small JSON: the ceiling the app is compared with. */
export async function startBaseline(): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ ID: 1, Name: 'Baseline' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `${origin(app)}/` };
}

export interface LoadOptions { connections: number; duration: number }

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Responses that were not the expected status, plus connection errors and timeouts. */
  bad: number;
  statuses: string;
}

export interface Target {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  expect?: number;
}

/**
 * A fixed-length autocannon run against one request, after a one-second warm-up. The load
 * generator runs in a worker thread so that it does not share the server's event loop.
 */
export async function load(t: Target, o: LoadOptions): Promise<Load> {
  const headers: Record<string, string> = { ...t.headers };
  if (t.body !== undefined) headers['content-type'] = 'application/json';
  const result = await autocannon({
    url: t.url,
    method: t.method ?? 'GET',
    headers,
    ...(t.body === undefined ? {} : { body: JSON.stringify(t.body) }),
    connections: o.connections,
    duration: o.duration,
    workers: 1,
    timeout: 30,
    warmup: { connections: o.connections, duration: 1 },
  });
  const expect = t.expect ?? 200;
  const counts = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [Number(code), s.count] as const);
  const wrong = counts.filter(([code]) => code !== expect).reduce((sum, [, n]) => sum + n, 0);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    bad: wrong + result.errors + result.timeouts,
    statuses: counts.map(([code, n]) => `${code}x${n}`).join(' ') + (result.errors ? ` errors x${result.errors}` : ''),
  };
}

export interface Answer { status: number; ms: number; body: string; headers: Headers }

/** One request, timed from sending to the last byte of the body. */
export async function timed(t: Target): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(t.url, {
    method: t.method ?? 'GET',
    headers: { ...t.headers, ...(t.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(t.body === undefined ? {} : { body: JSON.stringify(t.body) }),
  });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - started, body, headers: res.headers };
}

export interface Stream {
  status: number;
  rows: number;
  bytes: number;
  firstByteMs: number;
  ms: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
}

/**
 * Downloads a whole unpaged search in a worker thread, which counts the rows as they
 * arrive and samples the process's RSS every 50 ms. A worker, because PGlite runs its
 * queries on the main thread and can keep that thread's timers and sockets waiting.
 */
export function stream(t: Target): Promise<Stream> {
  const worker = startWorker(new URL(`./stream-client${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url), t);
  return new Promise<Stream>((resolve, reject) => {
    let answered = false;
    worker.once('message', (m: { ok: true; result: Stream } | { ok: false; error: string }) => {
      answered = true;
      if (m.ok) resolve(m.result); else reject(new Error(m.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (!answered) reject(new Error(`the stream client stopped with exit code ${code}`)); });
  });
}

/**
 * Compiled, a worker loads its .js file directly. Under tsx the worker thread does not get
 * tsx's loader, so a small bootstrap loads the .ts file through tsx's own API.
 */
function startWorker(entry: URL, data: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    import(workerData.tsx).then(({ tsImport }) => tsImport(workerData.entry, workerData.entry));`;
  return new Worker(bootstrap, {
    eval: true,
    workerData: { ...(data as object), tsx: import.meta.resolve('tsx/esm/api'), entry: entry.href },
  });
}
