/** Reading and writing CSV for the import and export commands. */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CliError } from './args.js';

export interface CsvRow {
  line: number;
  cells: Record<string, string>;
}

/**
 * Every data row of a CSV file with a header line, keyed by the header as written, with the
 * line it starts on; cells trimmed, empty lines skipped. Parsed as plain arrays and counted
 * here: asking the parser for each record's position tripled the cost of a 100,000-row file.
 */
export function readCsv(file: string): { headers: string[]; rows: CsvRow[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let records: string[][];
  try {
    records = plainRecords(text) ?? (parse(text, { bom: true, relax_column_count: true }) as string[][]);
  } catch (err) {
    throw new CliError(`${file} is not readable CSV: ${(err as Error).message}`);
  }
  const isEmpty = (r: string[]) => r.length === 1 && r[0]!.trim() === '';
  const newlines = (r: string[]) => {
    let n = 0;
    for (const c of r) if (c.includes('\n')) n += c.split('\n').length - 1;
    return n;
  };
  let line = 1;
  let i = 0;
  for (; i < records.length && isEmpty(records[i]!); i++) line++;
  const header = records[i];
  if (!header) return { headers: [], rows: [] };
  const headers = header.map((h) => h.trim());
  line += 1 + newlines(header);
  const rows: CsvRow[] = [];
  for (i++; i < records.length; i++) {
    const r = records[i]!;
    const start = line;
    line += 1 + newlines(r);
    if (isEmpty(r)) continue;
    if (r.length !== headers.length) {
      throw new CliError(`${file} is not readable CSV: line ${start} has ${r.length} fields where the header has ${headers.length}`);
    }
    const cells: Record<string, string> = {};
    for (let k = 0; k < headers.length; k++) cells[headers[k]!] = r[k]!.trim();
    rows.push({ line: start, cells });
  }
  return { headers, rows };
}

/**
 * The records of a file with no quoted field (no `"` anywhere) and plain line ends, split
 * directly: without quotes, every comma ends a field and every line end a record, so this is
 * exactly what the parser would answer, about five times sooner on a 100,000-row export
 * (most MIS exports quote nothing). Anything else is the parser's (undefined here).
 */
export function plainRecords(text: string): string[][] | undefined {
  if (/["\r]/.test(text) && /"|\r(?!\n)/.test(text)) return undefined;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line).split(','));
}

/** One CSV field, quoted when it needs to be. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? value.join(';') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\n`;

export interface RowFailure {
  line: number;
  code?: number | undefined;
  message: string;
}

/**
 * The rows that failed, as they were in the file (same header), with the line, the error
 * code and the message added: fix them there and run the same command on it again.
 * Answers the file written.
 */
export function writeErrorReport(file: string, headers: string[], rows: readonly CsvRow[], failures: readonly RowFailure[]): string {
  const byLine = new Map(rows.map((r) => [r.line, r]));
  let out = csvLine([...headers, 'ErrorLine', 'ErrorCode', 'ErrorMessage']);
  for (const f of [...failures].sort((a, b) => a.line - b.line)) {
    const row = byLine.get(f.line);
    out += csvLine([...headers.map((h) => row?.cells[h] ?? ''), f.line, f.code ?? '', f.message]);
  }
  writeFileSync(file, out);
  return file;
}

/** `<file>.errors.csv` beside the working directory, or the path given. */
export const errorFileFor = (file: string, given?: string): string => given ?? `${basename(file).replace(/\.csv$/i, '')}.errors.csv`;
