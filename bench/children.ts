/**
 * The two processes the bench measures, started as children: our real server (its own
 * entry point, configured by environment like any deployment) and the baseline process
 * (bench/baseline-server.ts). Also the RSS sampler that reads their /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Reply } from './baseline-server.js';
import type { Sample } from './stats.js';

/** The repository root: the folder above bench/ (sources) or above dist/bench/ (compiled). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src', 'server'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root');
    dir = up;
  }
  return dir;
})();

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.sql')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

export interface Runtime {
  mode: 'compiled' | 'tsx';
  server: string[];
  baseline: string[];
  /** How the server was started, for the report. */
  describe: string;
}

/**
 * Compiled JavaScript when `npm run build` output is newer than every source file of the
 * server and the bench (what production runs, and what the figures should describe);
 * otherwise the TypeScript sources through tsx's loader, with a note that RSS includes it.
 */
export function runtime(prefer: 'auto' | 'compiled' | 'tsx' = 'auto'): Runtime {
  const server = join(ROOT, 'dist', 'src', 'server', 'main.js');
  const baseline = join(ROOT, 'dist', 'bench', 'baseline-server.js');
  const built = existsSync(server) && existsSync(baseline);
  const fresh = built && Math.min(statSync(server).mtimeMs, statSync(baseline).mtimeMs) >= Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'bench')));
  if (prefer === 'compiled' && !built) throw new Error('--runtime compiled: run `npm run build` first');
  if (prefer === 'compiled' || (prefer === 'auto' && fresh)) {
    return { mode: 'compiled', server: [server], baseline: [baseline], describe: 'node dist/src/server/main.js' };
  }
  const tsx = import.meta.resolve('tsx');
  return {
    mode: 'tsx',
    server: ['--import', tsx, join(ROOT, 'src', 'server', 'main.ts')],
    baseline: ['--import', tsx, join(ROOT, 'bench', 'baseline-server.ts')],
    describe: 'node --import tsx src/server/main.ts (sources: run `npm run build` first to measure the compiled server)',
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The last lines a child wrote, for the error when it fails. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

/** Only what the child needs: nothing from the caller's environment (or a .env file) leaks into what is measured. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

export interface ServerChild {
  pid: number;
  origin: string;
  startMs: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Our server, as an operator starts it: its own entry point, configured by environment, in
 * an empty working directory (so no .env file is read). The rate limit is raised out of the
 * way and the demo is not loaded; everything else is the default.
 */
export async function startServer(rt: Runtime, cwd: string, env: Record<string, string>, logLevel: string): Promise<ServerChild> {
  const port = await freePort();
  const started = performance.now();
  // BENCH_SERVER_NODE_OPTIONS: extra node flags for the server alone, for profiling it under
  // load (--cpu-prof --cpu-prof-dir=DIR writes a profile when it stops).
  const nodeFlags = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, ...rt.server], {
    cwd,
    env: {
      ...baseEnv(),
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      SEED_DEMO: 'false',
      LOG_LEVEL: logLevel,
      LOG_FORMAT: 'json',
      RATE_LIMIT_PER_MINUTE: '1000000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = tail(child);
  const origin = `http://127.0.0.1:${port}`;
  let gone = false;
  child.once('exit', () => {
    gone = true;
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gone) throw new Error(`the server stopped while starting (exit ${child.exitCode ?? child.signalCode}):\n${output()}`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`the server did not answer /ready within 120 s:\n${output()}`);
    }
    const ok = await fetch(`${origin}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, origin, startMs: performance.now() - started, output, stop: () => stopChild(child) };
}

export interface BaselineChild {
  pid: number;
  origin: string;
  raw(scenario: string, connections: number, durationMs: number, amount?: number): Promise<Sample>;
  rawWalk(scenario: 'paged-download' | 'stream', durationMs: number): Promise<Sample>;
  lastUser(): Promise<number>;
  /** Deletes the baseline's users above `after` (and vacuums): answers how many. */
  deleteUsersAfter(after: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startBaseline(rt: Runtime, cwd: string, init: Extract<Command, { cmd: 'init' }>): Promise<BaselineChild> {
  const child = spawn(process.execPath, rt.baseline, { cwd, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output = tail(child);
  let nextId = 1;
  const waiting = new Map<number | 'ready', { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: Reply) => {
    const key = m.type === 'ready' ? 'ready' : (m.id ?? 'ready');
    const w = waiting.get(key);
    waiting.delete(key);
    if (!w) return;
    if (m.type === 'failed') w.reject(new Error(`baseline: ${m.error}`));
    else w.resolve(m);
  });
  child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`the baseline process stopped (${code ?? signal}):\n${output()}`));
    waiting.clear();
  });
  const ask = <T>(key: number | 'ready', c: Command) =>
    new Promise<T>((resolve, reject) => {
      waiting.set(key, { resolve: resolve as (v: unknown) => void, reject });
      child.send(c);
    });
  const ready = await ask<Extract<Reply, { type: 'ready' }>>('ready', init);
  return {
    pid: child.pid!,
    origin: `http://127.0.0.1:${ready.port}`,
    async raw(scenario, connections, durationMs, amount) {
      const id = nextId++;
      return (await ask<Extract<Reply, { type: 'done' }>>(id, { cmd: 'raw', id, scenario, connections, durationMs, amount })).sample;
    },
    async rawWalk(scenario, durationMs) {
      const id = nextId++;
      return (await ask<Extract<Reply, { type: 'done' }>>(id, { cmd: 'rawWalk', id, scenario, durationMs })).sample;
    },
    async lastUser() {
      const id = nextId++;
      return (await ask<Extract<Reply, { type: 'value' }>>(id, { cmd: 'lastUser', id })).value;
    },
    async deleteUsersAfter(after) {
      const id = nextId++;
      return (await ask<Extract<Reply, { type: 'value' }>>(id, { cmd: 'deleteUsersAfter', id, after })).value;
    },
    async stop() {
      if (child.connected) child.send({ cmd: 'close' } satisfies Command);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

const MiB = 1024 * 1024;

/** A value in kB from /proc/<pid>/status (VmRSS, VmHWM), in MiB; undefined off Linux or once the process is gone. */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (Number(m[1]) * 1024) / MiB : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time a process has used (user + system), in clock ticks; undefined off Linux. */
function cpuTicks(pid: number): number | undefined {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Waits until a server has finished what the last measurement left under way: autocannon
 * stops on time and drops its connections, but requests already sent still run (PGlite
 * serves them one at a time), and would slow the next measurement. First one call through
 * the server to its database (/ready queues behind them), then, unless `quick`, until the
 * process has used under 10% of a core for 150 ms (giving up after 15 s).
 */
export async function settle(origin: string, pid: number, quick: boolean): Promise<void> {
  await fetch(`${origin}/ready`).then(
    (r) => r.arrayBuffer(),
    () => undefined,
  );
  if (quick) return;
  const deadline = performance.now() + 15_000;
  let before = cpuTicks(pid);
  while (before !== undefined && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    const now = cpuTicks(pid);
    if (now === undefined || now - before <= 1) return;
    before = now;
  }
}

/** Samples a process's RSS every 50 ms between start and stop; answers the highest seen. */
export function watchRss(pid: number): { stop(): number | undefined } {
  let peak = procStatus(pid, 'VmRSS');
  const timer = setInterval(() => {
    const now = procStatus(pid, 'VmRSS');
    if (now !== undefined) peak = Math.max(peak ?? 0, now);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      const now = procStatus(pid, 'VmRSS');
      return now === undefined ? peak : Math.max(peak ?? 0, now);
    },
  };
}
