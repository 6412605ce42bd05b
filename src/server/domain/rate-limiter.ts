import type { Queryable } from '../db/client.js';
import { claimCalls } from '../resources/authentication/auth.repository.js';
import { AppError } from './app-error.js';

export class RateLimited extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `More than the allowed calls this minute; retry in ${retryAfterSeconds} s.`, [], {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

const MINUTE = 60_000;
const minuteOf = (now: number) => now - (now % MINUTE);
const secondsLeft = (start: number, now: number) => Math.max(1, Math.ceil((start + MINUTE - now) / 1000));

interface Window {
  start: number;
  left: number;
  exhausted: boolean;
  claiming: Promise<void> | undefined;
}

/**
 * Calls per customer per calendar minute, shared by every API process on one database.
 * The customer's row in `rate_windows` counts calls *granted*, and a process takes them in
 * small blocks (2% of the limit) with one conditional UPDATE that never lets the row pass
 * the limit; it then spends a block in memory. So the processes together never accept more
 * than the limit, and at most one unspent block per process is left over at the end of a
 * minute (all of them if a single process is busy). One database write per block, not per call.
 */
export class RateLimiter {
  private readonly windows = new Map<number, Window>();
  readonly block: number;

  constructor(
    private readonly db: Queryable,
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.block = Math.max(1, Math.floor(perMinute / 50));
  }

  /** Counts one call, or throws RateLimited when the customer has used this minute up. */
  async hit(customerId: number, now = this.clock()): Promise<void> {
    const start = minuteOf(now);
    let w = this.windows.get(customerId);
    if (!w || w.start !== start) {
      w = { start, left: 0, exhausted: false, claiming: undefined };
      this.windows.set(customerId, w);
    }
    for (;;) {
      if (w.left > 0) {
        w.left--;
        return;
      }
      if (w.exhausted) throw new RateLimited(secondsLeft(start, now));
      const window = w;
      window.claiming ??= this.claim(customerId, window).finally(() => {
        window.claiming = undefined;
      });
      await window.claiming;
    }
  }

  private async claim(customerId: number, w: Window): Promise<void> {
    const granted = await claimCalls(this.db, customerId, new Date(w.start), this.block, this.perMinute);
    if (granted === 0) w.exhausted = true;
    else w.left += granted;
  }

  /** Drops every count held in memory (tests that empty the database between cases). */
  forget(): void {
    this.windows.clear();
  }
}

/**
 * Failed authentications per client address per minute, so that tokens cannot be guessed at
 * speed. Beyond the limit every authentication from that address is refused (429, -112)
 * until the minute ends, even one that would succeed: answering a right guess differently
 * would defeat the point. Per process and in memory (a guesser spread over N processes gets
 * N times the limit, still far too few to matter against 256-bit tokens); the table of
 * addresses is bounded, oldest dropped first.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
    private readonly capacity = 10_000,
  ) {}

  /** Throws when this address has failed too often this minute. */
  check(address: string, now = this.clock()): void {
    const f = this.failures.get(address);
    if (f && f.start === minuteOf(now) && f.count >= this.perMinute) {
      const seconds = secondsLeft(f.start, now);
      throw new AppError('AUTH_THROTTLED', `Too many failed authentications from this address; retry in ${seconds} s.`, [], {
        'Retry-After': String(seconds),
      });
    }
  }

  failed(address: string, now = this.clock()): void {
    const start = minuteOf(now);
    const f = this.failures.get(address);
    this.failures.delete(address);
    this.failures.set(address, f && f.start === start ? { start, count: f.count + 1 } : { start, count: 1 });
    if (this.failures.size > this.capacity) this.failures.delete(this.failures.keys().next().value!);
  }

  forget(): void {
    this.failures.clear();
  }
}
