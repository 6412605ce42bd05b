/** Human output is aligned text on stdout; notes meant for the person, not a script, go to stderr. */

export const print = (line = ''): void => { process.stdout.write(`${line}\n`); };
export const note = (line: string): void => { process.stderr.write(`${line}\n`); };
export const printJson = (value: unknown): void => { print(JSON.stringify(value, null, 2)); };

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
  const line = (r: string[]) => r
    .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** The "Examples:" block every command's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}
