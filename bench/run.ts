/**
 * Benchmark: the compatible API's hot paths, each printed as a ratio to a bare Fastify
 * server measured in the same run (speed targets live here, never in timed tests).
 *
 * Usage: npm run bench -- [--rows N] [--duration SECONDS] [--connections C]
 * Runs on in-memory PGlite, or on a fresh database of the PostgreSQL server named by
 * DATABASE_URL (created and dropped by the run). All traffic stays on 127.0.0.1.
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { freshDatabase, seedClassrooms, startApp, tenant, type BenchDb, type Server } from './setup.js';
import { load, startBaseline, stream, timed, type Load, type Target } from './load.js';

const PAGE_SIZE = 50;
const API = '/api/v2.1';

interface Options { rows: number; duration: number; connections: number }

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '4' },
      connections: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--rows N (100000)] [--duration SECONDS per scenario (4)] [--connections C (10)]');
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, not ${raw}`);
    return n;
  };
  return {
    rows: int('rows', values.rows, 1000, 10_000_000),
    duration: int('duration', values.duration, 1, 60),
    connections: int('connections', values.connections, 1, 200),
  };
}

const t0 = performance.now();
const say = (msg: string) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

interface Row { scenario: string; load: Load }

async function main(o: Options): Promise<number> {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => { if (!ok) problems.push(what); };

  say(`opening ${process.env.DATABASE_URL ? 'a fresh PostgreSQL database' : 'in-memory PGlite'}`);
  const bench: BenchDb = await freshDatabase(process.env.DATABASE_URL);
  // Ctrl-C still drops the PostgreSQL database the run made (giving up after a few seconds).
  process.once('SIGINT', () => {
    console.error('\nbench: interrupted; dropping the bench database');
    setTimeout(() => process.exit(130), 5000).unref();
    bench.drop().finally(() => process.exit(130));
  });
  let server: Server | undefined;
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined;
  try {
    const t = await tenant(bench.db);
    say(`seeding ${o.rows.toLocaleString('en-GB')} classrooms`);
    const seedMs = await seedClassrooms(bench.db, t, o.rows);
    say(`seeded in ${(seedMs / 1000).toFixed(2)} s; starting the app and the baseline`);
    server = await startApp(bench.db);
    baseline = await startBaseline();

    const auth = await timed({ url: `${server.url}${API}/Authentication`, method: 'POST', headers: { 'x-customertoken': t.token } });
    if (auth.status !== 200) throw new Error(`authentication answered ${auth.status}: ${auth.body}`);
    const headers = { 'x-tokenid': auth.body };
    const api = (path: string, method: 'GET' | 'POST' = 'POST', body: unknown = method === 'POST' ? {} : undefined): Target =>
      ({ url: `${server!.url}${API}${path}`, method, headers, ...(body === undefined ? {} : { body }) });

    const first = await timed(api(`/Classroom/Search/1/${PAGE_SIZE}`));
    expect(first.status === 200 && first.headers.get('x-total-count') === String(o.rows),
      `page 1 answered ${first.status} with X-Total-Count ${first.headers.get('x-total-count')}`);

    const rows: Row[] = [];
    const measure = async (scenario: string, target: Target) => {
      say(`load: ${scenario} (${o.duration} s, ${o.connections} connections)`);
      const result = await load(target, o);
      if (result.bad > 0) problems.push(`${scenario}: unexpected answers ${result.statuses}`);
      rows.push({ scenario, load: result });
    };
    await measure('baseline: bare Fastify, constant JSON', { url: baseline.url });
    await measure('GET /Customer', api('/Customer', 'GET'));
    await measure(`POST /Classroom/Search/1/${PAGE_SIZE}`, api(`/Classroom/Search/1/${PAGE_SIZE}`));

    // The deep page cold first (no page mark yet: OFFSET), then reached by a sequential walk.
    const deep = Math.floor(o.rows / PAGE_SIZE) - 1;
    const deepTarget = api(`/Classroom/Search/${deep}/${PAGE_SIZE}`);
    say(`deep page ${deep}: one cold request, then a walk of pages 1-${deep - 1}`);
    const cold = await timed(deepTarget);
    expect(cold.status === 200, `cold deep page answered ${cold.status}`);
    const walkStart = performance.now();
    for (let p = 1; p < deep; p++) {
      const res = await timed(api(`/Classroom/Search/${p}/${PAGE_SIZE}`));
      if (res.status !== 200) { problems.push(`walk: page ${p} answered ${res.status}`); break; }
    }
    const walkMs = performance.now() - walkStart;
    const warm = await timed(deepTarget);
    expect(warm.status === 200 && warm.body === cold.body, `warm deep page answered ${warm.status}, ${warm.body === cold.body ? 'same' : 'different'} rows`);
    await measure(`POST /Classroom/Search/${deep}/${PAGE_SIZE} (after the walk)`, deepTarget);

    say(`stream: POST /Classroom/Search, all ${o.rows.toLocaleString('en-GB')} rows`);
    const all = await stream(api('/Classroom/Search'));
    expect(all.status === 200 && all.rows === o.rows, `unpaged search answered ${all.status} with ${all.rows} rows`);

    report(o, bench.where, seedMs, rows, { deep, cold: cold.ms, warm: warm.ms, walkMs, walked: deep - 1 }, all);
  } finally {
    say('closing');
    await baseline?.app.close();
    await server?.app.close();
    await bench.drop();
  }
  if (problems.length > 0) {
    console.log(`\nbench: the numbers above are suspect:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  return 0;
}

function report(
  o: Options, where: string, seedMs: number, rows: Row[],
  deep: { deep: number; cold: number; warm: number; walkMs: number; walked: number },
  all: Awaited<ReturnType<typeof stream>>,
): void {
  const base = rows[0]!.load.rps;
  const fixed = (n: number, d = 1) => n.toFixed(d);
  // autocannon's latency histogram counts whole milliseconds.
  const ms = (n: number) => (n < 1 ? '<1' : n.toFixed(0));
  console.log(`\nlearnfile bench: ${where}, ${o.rows.toLocaleString('en-GB')} classrooms, node ${process.version}, ` +
    `${cpus().length} cores, ${o.connections} connections, ${o.duration} s per scenario (load generator in a worker thread)`);
  console.log(`seed: one INSERT ... SELECT generate_series in ${fixed(seedMs / 1000, 2)} s`);
  console.log('every API call is counted by the rate limiter (in memory, added to the shared database row every 200 ms)\n');
  table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline'], [
    ...rows.map((r) => [r.scenario, fixed(r.load.rps, 0), ms(r.load.p50), ms(r.load.p99), `${fixed(r.load.rps / base, 3)}x`]),
  ]);
  console.log('');
  const perPage = deep.walkMs / Math.max(1, deep.walked);
  table(['single requests', 'ms', 'note'], [
    [`deep page ${deep.deep} cold (OFFSET ${((deep.deep - 1) * PAGE_SIZE).toLocaleString('en-GB')})`, fixed(deep.cold), `${fixed(deep.cold / deep.warm)}x the warm request`],
    [`deep page ${deep.deep} warm (by key, after the walk)`, fixed(deep.warm), 'page mark of the page before'],
    [`walk: pages 1-${deep.walked} one after another, mean per page`, fixed(perPage, 2), `${fixed(deep.walkMs / 1000, 1)} s in all`],
  ]);
  console.log('');
  const secs = all.ms / 1000;
  table(['stream', 'rows', 'MiB sent', 'first byte ms', 'total s', 'rows/s', 'RSS growth MiB'], [[
    'POST /Classroom/Search (unpaged)', all.rows.toLocaleString('en-GB'), fixed(all.bytes / 1024 / 1024), fixed(all.firstByteMs),
    fixed(secs, 2), fixed(all.rows / secs, 0), `${fixed(all.rssPeakMiB - all.rssBeforeMiB)} (${fixed(all.rssBeforeMiB, 0)} -> ${fixed(all.rssPeakMiB, 0)})`,
  ]]);
}

function table(head: string[], body: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

let opts: Options;
try {
  opts = options(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : err}`);
  process.exit(2);
}
// Exit explicitly once everything is closed, so that no stray handle keeps the run alive.
main(opts).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bench: failed:', err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
