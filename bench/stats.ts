/** One measurement and the arithmetic over several (median and spread across rounds). */

/** One measured run of one variant of one scenario. */
export interface Sample {
  /** Requests (or raw operations) answered as expected; rows for the walks. */
  count: number;
  elapsedMs: number;
  /** count per second. */
  rate: number;
  /** Latency of one request (walks: one page, or one whole stream), in ms. */
  p50: number;
  p99: number;
  /** Unexpected answers, connection errors, failed queries. */
  errors: number;
  firstError?: string;
  /** Highest resident set size of the process that served it while it ran, in MiB (the raw driver: the baseline process). */
  peakRssMiB?: number;
  /** Walks: rows in the last whole download. */
  rowsPerWalk?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarise(latencies: number[], count: number, elapsedMs: number, errors: number, firstError?: string): Sample {
  const sorted = Float64Array.from(latencies).sort();
  const arr = Array.from(sorted);
  return {
    count,
    elapsedMs,
    rate: elapsedMs > 0 ? count / (elapsedMs / 1000) : 0,
    p50: percentile(arr, 50),
    p99: percentile(arr, 99),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The rounds of one variant, reduced: median rate with its range, median latencies, highest RSS. */
export interface Summary {
  rate: { median: number; min: number; max: number };
  p50: number;
  p99: number;
  peakRssMiB: number | null;
  errors: number;
  rounds: Sample[];
}

export function reduce(rounds: Sample[]): Summary {
  const rates = rounds.map((r) => r.rate);
  const rss = rounds.map((r) => r.peakRssMiB).filter((x): x is number => typeof x === 'number');
  return {
    rate: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    peakRssMiB: rss.length > 0 ? Math.max(...rss) : null,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    rounds,
  };
}
