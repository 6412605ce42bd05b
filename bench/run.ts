/**
 * npm run bench -- [options]: the command line of bench/bench.ts. See --help.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, QUICK, interrupt, runBench, type BenchOptions } from './bench.js';
import { markdown } from './report.js';
import { SCENARIO_IDS } from './scenarios.js';

const HELP = `learnfile benchmark: starts the real server as a child process on a fresh database loaded
with N users, drives it over HTTP with autocannon, and measures every scenario beside two
baselines run in the same session on the same engine: a bare Fastify server and the raw driver
doing the equivalent SQL. Results go to bench/results/<engine>-<date>.{json,md} and
bench/results/latest-<engine>.md.

Engine: embedded PGlite in a temporary on-disk data directory; or, when DATABASE_URL is set,
a new database created (and dropped afterwards) on that PostgreSQL server.

usage: npm run bench -- [options]

  --scale N            users to load (default ${DEFAULTS.scale.toLocaleString('en-GB')}; up to 1,000,000)
  --rounds N           interleaved rounds per scenario; median and min-max reported (default ${DEFAULTS.rounds})
  --duration S         seconds per measurement, fractions allowed (default ${DEFAULTS.duration})
  --warmup S           unmeasured seconds before each variant's first round (default ${DEFAULTS.warmup})
  --connections C      connections for reads, updates and assignments (default ${DEFAULTS.connections});
                       creates always run at 1 and at 32
  --only A,B           only these scenarios (a prefix picks several: create-learner):
                       ${SCENARIO_IDS.join(', ')}
  --bulk-rows N         learners for the operator's bulk import, measured after the scenarios beside a
                       COPY of the same CSV file (default ${DEFAULTS.bulkRows.toLocaleString('en-GB')}; 0 skips it;
                       npx tsx bench/bulk.ts runs it alone)
  --quick              smoke run: ${QUICK.scale} users, ${QUICK.rounds} round, a few requests per measurement,
                       results in a temporary directory (the figures mean nothing)
  --out DIR            write the results here instead
  --log-level LEVEL    the server's LOG_LEVEL (default warn: request logs at info are an operator's choice)
  --runtime R          auto (default: the compiled server when \`npm run build\` is up to date,
                       else the TypeScript through tsx), compiled, or tsx
  -h, --help           this text

environment:
  DATABASE_URL                 measure on this PostgreSQL server (a new database is made and dropped)
  BENCH_SERVER_NODE_OPTIONS    extra node flags for the server process alone, e.g.
                               "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it under load

examples:
  npm run build && npm run bench                          PGlite, ${DEFAULTS.scale.toLocaleString('en-GB')} users, 8-9 minutes
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench -- --scale 100000
  npm run bench -- --only get-user,search --rounds 5 --bulk-rows 0   just the reads
  npm run bench -- --scale 1000000 --duration 10          the spec's scale (loads in a few minutes)
  npm run bench -- --quick                                does everything work? (under a minute)
`;

function parse(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'bulk-rows': { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      runtime: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const base = values.quick ? QUICK : DEFAULTS;
  const number = (name: string, raw: string | undefined, fallback: number, min: number, max: number, whole: boolean) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
      throw new Error(`--${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, not ${raw}`);
    }
    return n;
  };
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(values['log-level'])) throw new Error(`--log-level must be one of ${levels.join(', ')}`);
  if (!['auto', 'compiled', 'tsx'].includes(values.runtime)) throw new Error('--runtime must be auto, compiled or tsx');
  return {
    scale: number('scale', values.scale, base.scale, 100, 1_000_000, true),
    rounds: number('rounds', values.rounds, base.rounds, 1, 50, true),
    duration: number('duration', values.duration, base.duration, 0.1, 600, false),
    warmup: number('warmup', values.warmup, base.warmup, 0, 60, false),
    connections: number('connections', values.connections, base.connections, 1, 256, true),
    bulkRows: number('bulk-rows', values['bulk-rows'], base.bulkRows, 0, 1_000_000, true),
    only: values.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    quick: values.quick,
    out: values.out ?? (values.quick ? mkdtempSync(join(tmpdir(), 'learnfile-bench-results-')) : undefined),
    databaseUrl: process.env.DATABASE_URL || undefined,
    logLevel: values['log-level'],
    runtime: values.runtime as BenchOptions['runtime'],
  };
}

let options: BenchOptions | undefined;
try {
  options = parse(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : err}\n(npm run bench -- --help)`);
  process.exit(2);
}
if (!options) {
  console.log(HELP);
  process.exit(0);
}

// Ctrl-C: stop the children and drop the PostgreSQL database the run made, then exit.
process.once('SIGINT', () => {
  console.error('\nbench: interrupted; cleaning up');
  setTimeout(() => process.exit(130), 20_000).unref();
  interrupt().finally(() => process.exit(130));
});

runBench(options).then(
  ({ results, files }) => {
    console.log(`\n${markdown(results)}`);
    console.log(`written: ${files.join(', ')}`);
    process.exit(results.problems.length > 0 ? 1 : 0);
  },
  (err: unknown) => {
    console.error('bench: failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
