/**
 * The benchmark, as a function (bench/run.ts is its command line; the smoke test calls it
 * directly): load data, start our server and the baseline process as children, measure
 * every scenario against both baselines in interleaved rounds, and write the results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare, type EngineKind, type LoadFacts, type Prepared } from './setup.js';
import { procStatus, runtime, settle, startBaseline, startServer, watchRss, type BaselineChild, type ServerChild } from './children.js';
import { closeAgent, loadRun, pagedDownload, signIn, streamDownload } from './load.js';
import { median, reduce, type Sample, type Summary } from './stats.js';
import { benchBulk, type BulkFigures } from './bulk.js';
import { DOWNLOAD_PAGE_SIZE, selectScenarios, type Fixture, type Scenario } from './scenarios.js';
import { machine, writeResults, type Machine } from './report.js';

export interface BenchOptions {
  scale: number;
  rounds: number;
  /** Seconds per measurement. */
  duration: number;
  /** Seconds of unmeasured load before each variant's first round (load scenarios only). */
  warmup: number;
  /** Connections for every load scenario but the creates (1 and 32). */
  connections: number;
  only?: string[] | undefined;
  quick: boolean;
  /** Where results go; undefined: bench/results, or a temporary directory for --quick. */
  out?: string | undefined;
  databaseUrl?: string | undefined;
  /** The server's LOG_LEVEL. */
  logLevel: string;
  runtime: 'auto' | 'compiled' | 'tsx';
  /** Learners for the operator's bulk import (measured after the HTTP scenarios, on a fresh database); 0 skips it. */
  bulkRows: number;
  /** Progress lines (stderr by default). */
  say?: (line: string) => void;
}

export type Variant = 'ours' | 'fastify' | 'raw';
export const VARIANTS: Variant[] = ['ours', 'fastify', 'raw'];

export interface ScenarioResult {
  id: string;
  title: string;
  unit: 'req/s' | 'rows/s';
  /** Load scenarios: autocannon connections (the raw driver runs as many loops, on as many pooled connections). */
  connections: number | null;
  latencyOf: 'request' | 'page' | 'whole stream';
  rawSql: string;
  ours: Summary;
  fastify: Summary;
  raw: Summary;
  /** Our median rate over the baseline's: 1 is as fast as the baseline, 0.5 half as fast. */
  ratio: { fastify: number; raw: number };
  /** Walks: rows in one whole download, per variant (creates add rows as the run goes on). */
  rowsPerWalk?: Record<Variant, number>;
}

export interface Results {
  format: 1;
  engine: EngineKind;
  engineVersion: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  quick: boolean;
  machine: Machine;
  options: { scale: number; rounds: number; duration: number; warmup: number; connections: number; only: string[] | null; logLevel: string; bulkRows: number };
  server: { command: string; startMs: number; peakRssMiB: number | null; database: string };
  baseline: { peakRssMiB: number | null; pool: string };
  load: LoadFacts;
  scenarios: ScenarioResult[];
  /** The operator's bulk import beside a COPY of the same file, once per round (null when skipped). */
  bulk: BulkResult | null;
  /** Anything that makes the figures suspect (unexpected answers, short downloads). Empty when all went well. */
  problems: string[];
}

export interface BulkResult {
  rows: number;
  chunks: number;
  keychains: boolean;
  /** Wall time of the import and of the COPY, ms: median of the rounds and the range. */
  importMs: { median: number; min: number; max: number };
  copyMs: { median: number; min: number; max: number };
  /** Median import over median COPY. */
  ratio: number;
  rowsPerSecond: number;
  /** Medians over the rounds: CPU of the importing process and of the local PostgreSQL backends (null on PGlite). */
  cpu: { nodeMs: number; databaseMs: number | null };
  rounds: BulkFigures[];
}

const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** The bulk import, `rounds` times on fresh databases, reduced like the other scenarios. */
async function bulkRounds(o: BenchOptions, say: (m: string) => void): Promise<BulkResult> {
  const rounds: BulkFigures[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const f = await benchBulk({ rows: o.bulkRows, databaseUrl: o.databaseUrl });
    rounds.push(f);
    say(
      `round ${round + 1}/${o.rounds} bulk-import: ${f.rows.toLocaleString('en-GB')} users in ${(f.importMs / 1000).toFixed(2)} s,` +
        ` COPY ${(f.copyMs / 1000).toFixed(2)} s, CPU ${(f.cpu.nodeMs / 1000).toFixed(1)} s here` +
        `${f.cpu.databaseMs === null ? '' : ` + ${(f.cpu.databaseMs / 1000).toFixed(1)} s in PostgreSQL`}`,
    );
  }
  const importMs = spread(rounds.map((r) => r.importMs));
  const copyMs = spread(rounds.map((r) => r.copyMs));
  const database = rounds.map((r) => r.cpu.databaseMs).filter((x): x is number => x !== null);
  return {
    rows: rounds[0]!.rows,
    chunks: rounds[0]!.chunks,
    keychains: rounds[0]!.keychains,
    importMs,
    copyMs,
    ratio: importMs.median / copyMs.median,
    rowsPerSecond: rounds[0]!.rows / (importMs.median / 1000),
    cpu: { nodeMs: median(rounds.map((r) => r.cpu.nodeMs)), databaseMs: database.length > 0 ? median(database) : null },
    rounds,
  };
}

export const QUICK = { scale: 300, rounds: 1, duration: 0.2, warmup: 0, connections: 4, bulkRows: 500 } as const;
/** Requests per load measurement in a quick run (at least one per connection). */
const QUICK_REQUESTS = 8;
export const DEFAULTS = { scale: 20_000, rounds: 3, duration: 3, warmup: 1, connections: 10, bulkRows: 100_000 } as const;

const cleanups = new Set<() => Promise<void>>();

/** Stops whatever a run under way has started (children, the PostgreSQL database, temporary files): for Ctrl-C. */
export async function interrupt(): Promise<void> {
  await Promise.allSettled([...cleanups].map((c) => c()));
}

export async function runBench(o: BenchOptions): Promise<{ results: Results; files: string[] }> {
  const t0 = performance.now();
  const say = o.say ?? ((m: string) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`));
  const startedAt = new Date();
  const host = machine();
  const scenarios = selectScenarios(o.only);
  const rt = runtime(o.runtime);
  say(`server runs as: ${rt.describe}`);
  const tmp = mkdtempSync(join(tmpdir(), 'learnfile-bench-'));
  let prepared: Prepared | undefined;
  let server: ServerChild | undefined;
  let baseline: BaselineChild | undefined;
  const problems: string[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      closeAgent();
      say('stopping the server and the baseline');
      await Promise.allSettled([server?.stop(), baseline?.stop()]);
      await prepared?.drop().catch((err: unknown) => say(`could not drop the bench database: ${String(err)}`));
      rmSync(tmp, { recursive: true, force: true });
    })());
  cleanups.add(cleanup);
  try {
    say(`loading ${o.scale.toLocaleString('en-GB')} users into ${o.databaseUrl ? 'a new PostgreSQL database' : 'an on-disk PGlite directory'}`);
    prepared = await prepare({ databaseUrl: o.databaseUrl, scale: o.scale, tmp, say });
    const p = prepared;
    say(`loaded in ${(p.load.ms / 1000).toFixed(1)} s (${p.load.users.toLocaleString('en-GB')} users); starting the server and the baseline`);
    // The baseline's pool for its Fastify routes has our server's default size (10).
    const [srv, bl] = await Promise.allSettled([
      startServer(rt, tmp, p.serverEnv, o.logLevel),
      startBaseline(rt, tmp, { cmd: 'init', ...p.baseline, fixture: p.fixture, poolSize: 10 }),
    ]);
    if (srv.status === 'fulfilled') server = srv.value;
    if (bl.status === 'fulfilled') baseline = bl.value;
    if (srv.status === 'rejected') throw srv.reason;
    if (bl.status === 'rejected') throw bl.reason;
    if (!server || !baseline) throw new Error('unreachable');
    const token = await signIn(server.origin, p.fixture.customerToken);
    const ctx: Ctx = { o, f: p.fixture, server, baseline, token };

    const samples = new Map<string, Record<Variant, Sample[]>>();
    const rows = new Map<string, Record<Variant, number>>();
    for (const s of scenarios) samples.set(s.id, { ours: [], fastify: [], raw: [] });
    for (let round = 0; round < o.rounds; round++) {
      // Interleaved: each round starts with a different variant, so drift (a warming cache,
      // a neighbour on the machine) does not always favour the same one.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const s of scenarios) {
        for (const v of order) {
          const sample = await measure(ctx, s, v, round === 0);
          samples.get(s.id)![v].push(sample);
          if (sample.rowsPerWalk !== undefined) {
            if (!rows.has(s.id)) rows.set(s.id, { ours: 0, fastify: 0, raw: 0 });
            rows.get(s.id)![v] = sample.rowsPerWalk;
          }
          say(
            `round ${round + 1}/${o.rounds} ${s.id} ${v}: ${fmtRate(sample.rate)} ${unitOf(s)}, p50 ${sample.p50.toFixed(2)} ms, p99 ${sample.p99.toFixed(2)} ms` +
              `${sample.peakRssMiB ? `, RSS ${sample.peakRssMiB.toFixed(0)} MiB` : ''}${sample.errors ? `, ${sample.errors} errors` : ''}`,
          );
          if (sample.count === 0)
            problems.push(`${s.id} (${v}, round ${round + 1}): no expected answer within ${o.duration} s (does one request take longer than --duration?)`);
          if (sample.errors > 0)
            problems.push(`${s.id} (${v}, round ${round + 1}): ${sample.errors} unexpected answers or errors; first: ${sample.firstError ?? '?'}`);
        }
      }
    }

    const results: ScenarioResult[] = scenarios.map((s) => {
      const got = samples.get(s.id)!;
      const [ours, fastify, raw] = [reduce(got.ours), reduce(got.fastify), reduce(got.raw)];
      const walkRows = rows.get(s.id);
      if (walkRows) {
        for (const v of VARIANTS) {
          if (walkRows[v] < p.fixture.users)
            problems.push(`${s.id} (${v}): a whole download had ${walkRows[v]} rows, fewer than the ${p.fixture.users} loaded`);
        }
      }
      return {
        id: s.id,
        title: s.title,
        unit: unitOf(s),
        connections: s.kind === 'load' ? (s.connections ?? o.connections) : null,
        latencyOf: s.kind === 'load' ? 'request' : s.id === 'stream' ? 'whole stream' : 'page',
        rawSql: s.rawSql,
        ours,
        fastify,
        raw,
        ratio: { fastify: ours.rate.median / fastify.rate.median, raw: ours.rate.median / raw.rate.median },
        ...(walkRows ? { rowsPerWalk: walkRows } : {}),
      };
    });
    const serverHwm = procStatus(server.pid, 'VmHWM') ?? null;
    const baselineHwm = procStatus(baseline.pid, 'VmHWM') ?? null;
    // The bulk import runs in this process on a database of its own: the server and the baseline stop first.
    await cleanup();
    let bulk: BulkResult | null = null;
    if (o.bulkRows > 0) {
      say(`bulk import of ${o.bulkRows.toLocaleString('en-GB')} learners through the operator path, beside a COPY of the same file`);
      bulk = await bulkRounds(o, say);
    }
    const finishedAt = new Date();
    const out: Results = {
      format: 1,
      engine: p.engine,
      engineVersion: p.engineVersion,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      quick: o.quick,
      machine: host,
      options: {
        scale: o.scale,
        rounds: o.rounds,
        duration: o.duration,
        warmup: o.warmup,
        connections: o.connections,
        only: o.only ?? null,
        logLevel: o.logLevel,
        bulkRows: o.bulkRows,
      },
      server: { command: serverCommand(rt.describe), startMs: Math.round(server.startMs), peakRssMiB: serverHwm, database: p.where },
      baseline: {
        peakRssMiB: baselineHwm,
        pool:
          p.engine === 'postgres'
            ? "node-postgres: Fastify routes on a pool of 10 (our server's default); the raw driver on a pool of as many connections as the scenario"
            : 'one raw PGlite instance on a copy of the loaded data directory, serving the Fastify routes and the raw loops',
      },
      load: p.load,
      scenarios: results,
      bulk,
      problems,
    };
    const files = writeResults(out, o.out);
    return { results: out, files };
  } finally {
    await cleanup();
    cleanups.delete(cleanup);
  }
}

interface Ctx {
  o: BenchOptions;
  f: Fixture;
  server: ServerChild;
  baseline: BaselineChild;
  token: string;
}

const unitOf = (s: Scenario) => (s.kind === 'load' ? 'req/s' : 'rows/s') as 'req/s' | 'rows/s';
const fmtRate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toPrecision(3));

/** One variant of one scenario, once, with the serving process's RSS watched throughout. */
async function measure(c: Ctx, s: Scenario, v: Variant, firstRound: boolean): Promise<Sample> {
  const pid = v === 'ours' ? c.server.pid : c.baseline.pid;
  const settled = () => Promise.all([settle(c.server.origin, c.server.pid, c.o.quick), settle(c.baseline.origin, c.baseline.pid, c.o.quick)]);
  await settled();
  const ms = c.o.duration * 1000;
  const ours = { origin: c.server.origin, headers: { 'x-tokenid': c.token } };
  const bare = { origin: c.baseline.origin, headers: {} };
  if (s.kind === 'load') {
    const connections = s.connections ?? c.o.connections;
    const target = v === 'ours' ? { ...ours, next: s.ours(c.f), expect: s.expect } : { ...bare, next: s.fastify(c.f), expect: s.expectBaseline };
    // A smoke run counts requests rather than time, so that even a slow machine answers some.
    const amount = c.o.quick ? Math.max(connections, QUICK_REQUESTS) : undefined;
    const run = (secs: number) => (v === 'raw' ? c.baseline.raw(s.id, connections, secs * 1000, amount) : loadRun(target, connections, secs, amount));
    // The baselines create far more users than our server does in the same time. Kept, they
    // would make every later walk and deep page of the baseline's a longer one (on PGlite
    // its copy of the data is its own), so they are deleted after each create measurement.
    const tidy = v !== 'ours' && s.id.startsWith('create-') ? await c.baseline.lastUser() : undefined;
    if (firstRound && c.o.warmup > 0) {
      await run(c.o.warmup);
      await settled();
    }
    const rss = watchRss(pid);
    const sample = await run(c.o.duration);
    const peakRssMiB = rss.stop() ?? undefined;
    if (tidy !== undefined) await c.baseline.deleteUsersAfter(tidy);
    return { ...sample, peakRssMiB };
  }
  const rss = watchRss(pid);
  let sample: Sample;
  if (v === 'raw') sample = await c.baseline.rawWalk(s.id, ms);
  else if (s.id === 'paged-download') sample = await pagedDownload({ ...(v === 'ours' ? ours : bare), style: v }, DOWNLOAD_PAGE_SIZE, ms);
  else sample = await streamDownload({ ...(v === 'ours' ? ours : bare), style: v }, ms);
  return { ...sample, peakRssMiB: rss.stop() ?? undefined };
}

/** The server's command line as reported, with the node flags BENCH_SERVER_NODE_OPTIONS added (they change the figures). */
function serverCommand(describe: string): string {
  const flags = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').trim();
  return flags === '' ? describe : describe.replace(/^node /, `node ${flags} `);
}
