/**
 * What the import, export and mirror commands share: a client for a v2.1 server named by
 * flags or environment, progress on a terminal or as plain lines, a small worker pool, and
 * the comparison that turns "the row" and "the record" into only the fields that differ.
 * These commands speak HTTP only (through @learnfile/client), so they work against any
 * server that speaks the v2.1 contract, not only learnfile.
 */
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { ApiClient, type ClientOptions } from '../../packages/client/src/index.js';
import { CliError } from './args.js';
import { note } from './output.js';

export interface RemoteOptions {
  url?: string;
  token?: string;
}

/** --url and --token, falling back to LEARNFILE_URL and LEARNFILE_TOKEN. */
export function addRemoteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', "the v2.1 server's base URL").env('LEARNFILE_URL'))
    .addOption(new Option('--token <token>', "the customer token issued by the server's operator").env('LEARNFILE_TOKEN'));
}

export function remoteClient(url: string | undefined, token: string | undefined, what = '', extra: Partial<ClientOptions> = {}): ApiClient {
  const flag = what ? `--${what}` : '--url';
  const tokenFlag = what ? `--${what}-token` : '--token';
  if (!url) throw new CliError(`no server: give ${flag} <url>${what ? '' : ' or set LEARNFILE_URL'}`);
  if (!token) throw new CliError(`no customer token: give ${tokenFlag} <token>${what ? '' : ' or set LEARNFILE_TOKEN'}`);
  if (!/^https?:\/\//i.test(url)) throw new CliError(`${flag} must be an http:// or https:// URL, not "${url}"`);
  return new ApiClient({
    baseUrl: url,
    customerToken: token,
    userAgent: 'learnfile-cli',
    onWait: (e) => {
      if (e.reason === 'rate-limit') progressNote(`rate limit reached; waiting ${Math.ceil(e.ms / 1000)} s as the server asks`);
    },
    ...extra,
  });
}

let activeBar: cliProgress.SingleBar | undefined;

/** A note that does not tear a progress bar apart. */
export function progressNote(line: string): void {
  if (activeBar) activeBar.stop();
  note(line);
  if (activeBar) activeBar.start(activeBar.getTotal(), (activeBar as unknown as { value: number }).value);
}

export interface Progress {
  tick(n?: number): void;
  setTotal(total: number): void;
  done(): void;
}

/**
 * A bar with rate and ETA on a terminal; otherwise a plain line every few seconds (and at
 * the end), which reads well in a log file. Output goes to stderr, so stdout stays data.
 */
export function progress(label: string, total: number | undefined, opts: { tty?: boolean; quiet?: boolean; now?: () => number } = {}): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  let count = 0;
  let known = total;
  if (opts.quiet)
    return {
      tick: (n = 1) => {
        count += n;
      },
      setTotal: (t) => {
        known = t;
      },
      done: () => {},
    };
  const rate = () => count / Math.max(0.001, (now() - started) / 1000);
  if (opts.tty ?? process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          known === undefined
            ? `${label} {value} rows | {speed} rows/s | {duration_formatted}`
            : `${label} [{bar}] {percentage}% | {value}/{total} | {speed} rows/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(known ?? 0, 0, { speed: '0' });
    activeBar = bar;
    return {
      tick: (n = 1) => {
        count += n;
        bar.update(count, { speed: rate().toFixed(0) });
      },
      setTotal: (t) => {
        known = t;
        bar.setTotal(t);
      },
      done: () => {
        bar.update(count, { speed: rate().toFixed(0) });
        bar.stop();
        activeBar = undefined;
      },
    };
  }
  let lastLine = started;
  const line = () => {
    const r = rate();
    const part = known === undefined ? `${count} rows` : `${count}/${known} rows (${Math.floor((count / Math.max(1, known)) * 100)}%)`;
    const eta = known !== undefined && r > 0 && count < known ? `, ETA ${Math.ceil((known - count) / r)} s` : '';
    note(`${label} ${part}, ${r.toFixed(0)} rows/s${eta}`);
  };
  return {
    tick: (n = 1) => {
      count += n;
      if (now() - lastLine >= 2000) {
        lastLine = now();
        line();
      }
    },
    setTotal: (t) => {
      known = t;
    },
    done: line,
  };
}

/** Runs `work` over the items with at most `concurrency` at once, in order of start. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

export function parseConcurrency(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 32) throw new CliError('--concurrency must be a whole number from 1 to 32');
  return Number(value);
}

const DATE_FIELDS = new Set(['DOB', 'StartOn', 'PlannedEndDate', 'CreatedOn']);

/** Two values the same for the API's purposes (dates by instant, arrays by content, text trimmed)? */
export function sameValue(field: string, wanted: unknown, current: unknown): boolean {
  if (wanted === undefined) return true;
  if (wanted === null || wanted === '') return current === null || current === undefined || current === '';
  if (current === null || current === undefined) return false;
  if (
    DATE_FIELDS.has(field) ||
    (typeof wanted === 'string' && typeof current === 'string' && /^\d{4}-\d{2}-\d{2}/.test(wanted) && /^\d{4}-\d{2}-\d{2}T/.test(current))
  ) {
    const a = Date.parse(String(wanted).length === 10 ? `${String(wanted)}T00:00:00Z` : String(wanted));
    const b = Date.parse(String(current));
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a === b;
  }
  if (Array.isArray(wanted) || Array.isArray(current)) {
    return JSON.stringify(Array.isArray(wanted) ? wanted : [wanted]) === JSON.stringify(Array.isArray(current) ? current : [current]);
  }
  if (typeof wanted === 'number' || typeof current === 'number') return Number(wanted) === Number(current);
  if (typeof wanted === 'boolean' || typeof current === 'boolean') return String(wanted).toLowerCase() === String(current).toLowerCase();
  return String(wanted).trim() === String(current).trim();
}

/** The fields of `wanted` whose value differs from the record's. */
export function changedFields(wanted: Record<string, unknown>, record: Record<string, unknown>, skip: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(wanted)) {
    if (skip.includes(field) || value === undefined) continue;
    if (!sameValue(field, value, record[field])) out[field] = value;
  }
  return out;
}
