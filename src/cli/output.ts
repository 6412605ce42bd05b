/** Human output is aligned text on stdout; notes meant for the person, not a script, go to stderr. */
import type { Database } from '../server/db/client.js';

/** Where a run's output and environment come from: the process, or a test running the CLI in-process. */
export interface CliContext {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  /**
   * An open database to work on instead of opening the configured one (and left open): the
   * tests run most commands in-process on the database their harness already holds.
   */
  database?: Database;
}

const processContext: CliContext = {
  env: process.env,
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};
let context = processContext;

/** Runs fn with this context in force (one run at a time: the CLI is not re-entrant). */
export async function withContext<T>(ctx: CliContext, fn: () => Promise<T>): Promise<T> {
  const previous = context;
  context = ctx;
  try {
    return await fn();
  } finally {
    context = previous;
  }
}

/**
 * The exit status of a run that finished but not fully (some rows were refused): 2. runCli
 * answers it, so the executable exits with it and a test running the CLI in-process reads it.
 */
let partialStatus = 0;
export const setExitStatus = (code: number): void => {
  partialStatus = code;
};
export const takeExitStatus = (): number => {
  const code = partialStatus;
  partialStatus = 0;
  return code;
};

export const cliEnv = (): Record<string, string | undefined> => context.env;
export const givenDatabase = (): Database | undefined => context.database;
export const writeOut = (text: string): void => context.out(text);
export const writeErr = (text: string): void => context.err(text);
export const print = (line = ''): void => {
  context.out(`${line}\n`);
};
export const note = (line: string): void => {
  context.err(`${line}\n`);
};
export const printJson = (value: unknown): void => {
  print(JSON.stringify(value, null, 2));
};

/** UTC to the second: operators compare these with server logs, which are UTC too. */
export function when(at: Date | string | null | undefined): string {
  if (at === null || at === undefined) return '';
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? String(at) : `${d.toISOString().slice(0, 19)}Z`;
}

export const onOff = (v: boolean): string => (v ? 'on' : 'off');

/** Columns padded to their widest cell; numeric-looking columns are right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const numeric = headers.map((_, i) => cells.length > 0 && cells.every((r) => /^\d*$/.test(r[i] ?? '')));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** The "Examples:" block every command's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}
