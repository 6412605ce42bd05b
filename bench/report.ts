/** The machine the figures come from, and the results as JSON and as a markdown table. */
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Results, ScenarioResult } from './bench.js';
import type { Summary } from './stats.js';
import { ROOT } from './children.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started: others using the machine show here. */
  loadAverage: number;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** 1,234 / 56.7 / 0.123: three significant figures at most, thousands grouped. */
export function num(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  if (n >= 1000) return Math.round(n).toLocaleString('en-GB');
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

const rate = (s: Summary) => `${num(s.rate.median)} (${num(s.rate.min)}-${num(s.rate.max)})`;
const lat = (s: Summary) => `${num(s.p50)} / ${num(s.p99)}`;
const ratio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');

function row(s: ScenarioResult): string {
  const cells = [
    `${s.title}`,
    s.connections === null ? '1' : String(s.connections),
    s.unit,
    rate(s.ours),
    lat(s.ours),
    num(s.ours.peakRssMiB),
    rate(s.fastify),
    lat(s.fastify),
    rate(s.raw),
    lat(s.raw),
    ratio(s.ratio.fastify),
    ratio(s.ratio.raw),
  ];
  return `| ${cells.join(' | ')} |`;
}

export function markdown(r: Results): string {
  const m = r.machine;
  const when = r.startedAt.slice(0, 16).replace('T', ' ');
  const lines = [
    `### ${r.engine === 'pglite' ? 'Embedded PGlite' : 'PostgreSQL'}: ${r.load.users.toLocaleString('en-GB')} users${r.quick ? ' (quick smoke run: not a measurement)' : ''}`,
    '',
    `${when} UTC; ${r.engineVersion}; ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}` +
      ` (load average ${m.loadAverage} at the start). Server: \`${r.server.command}\`, LOG_LEVEL=${r.options.logLevel}, started in ${num(r.server.startMs / 1000)} s,` +
      ` peak RSS (VmHWM) ${num(r.server.peakRssMiB)} MiB; baseline process peak ${num(r.baseline.peakRssMiB)} MiB.`,
    `${r.options.rounds} interleaved round(s) of ${r.options.duration} s per variant, ${r.options.connections} connections unless shown;` +
      ` loaded in ${num(r.load.ms / 1000)} s (${r.load.organisations} centres, ${r.load.learners.toLocaleString('en-GB')} learners with a learning aim each,` +
      ` ${r.load.staff.toLocaleString('en-GB')} staff; ${r.load.method}). ${r.seconds} s in all.`,
    '',
    'Rates are the median of the rounds (min-max); latencies in ms, p50 / p99 (medians over the rounds; walks: per page, or per whole stream);' +
      " RSS: our server's highest during the scenario, MiB. The ratios are our median rate over the baseline's: 1.00x is as fast as the baseline.",
    '',
    '| scenario | conn. | unit | ours | ours p50 / p99 | ours RSS | bare Fastify | Fastify p50 / p99 | raw driver | raw p50 / p99 | ours ÷ Fastify | ours ÷ raw |',
    '|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...r.scenarios.map(row),
    '',
    ...r.scenarios
      .filter((s) => s.rowsPerWalk)
      .map(
        (s) =>
          `Rows in one whole ${s.id}: ours ${s.rowsPerWalk!.ours.toLocaleString('en-GB')}, Fastify ${s.rowsPerWalk!.fastify.toLocaleString('en-GB')}, raw ${s.rowsPerWalk!.raw.toLocaleString('en-GB')}` +
          " (the loaded users and those our creates added; the baselines' creates are deleted after each create measurement).",
      ),
    '',
    `Baselines: ${r.baseline.pool}. The raw driver runs, per scenario:`,
    '',
    ...r.scenarios.map((s) => `- ${s.id}: ${s.rawSql}`),
  ];
  if (r.bulk) {
    const b = r.bulk;
    const sec = (ms: number) => `${num(ms / 1000)} s`;
    const range = (x: { median: number; min: number; max: number }) => `${sec(x.median)} (${num(x.min / 1000)}-${num(x.max / 1000)})`;
    lines.push(
      '',
      `Bulk import through the operator path (\`learnfile bulk-import users\`, in-process): ${b.rows.toLocaleString('en-GB')} users` +
        ` (${b.keychains ? 'a Keychain centre, every user linked' : 'a centre with logins'}; full checks, audit records, change events) in ${b.chunks} chunks,` +
        ` ${r.options.rounds} round(s) on fresh databases, after the scenarios above:`,
      '',
      '| import | COPY of the same file | import ÷ COPY | rows/s | CPU: importing process | CPU: PostgreSQL backends |',
      '|--:|--:|--:|--:|--:|--:|',
      `| ${range(b.importMs)} | ${range(b.copyMs)} | ${b.ratio.toFixed(1)}x | ${num(b.rowsPerSecond)} | ${sec(b.cpu.nodeMs)} | ${b.cpu.databaseMs === null ? '-' : sec(b.cpu.databaseMs)} |`,
    );
  }
  if (r.problems.length > 0) lines.push('', '**Problems (the figures above are suspect):**', '', ...r.problems.map((p) => `- ${p}`));
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `<engine>-<date>.json` and `.md`, and `latest-<engine>.md`, to `out` (default
 * bench/results; a new temporary directory for a quick run). Answers the files written.
 */
export function writeResults(r: Results, out: string | undefined): string[] {
  const dir = out ?? join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = r.startedAt.slice(0, 16).replace(/:/g, '');
  const base = join(dir, `${r.engine}-${stamp}`);
  const md = markdown(r);
  const files = [`${base}.json`, `${base}.md`, join(dir, `latest-${r.engine}.md`)];
  writeFileSync(files[0]!, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(files[1]!, md);
  writeFileSync(files[2]!, md);
  return files;
}
