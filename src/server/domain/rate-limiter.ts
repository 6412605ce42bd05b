import type { FastifyBaseLogger } from 'fastify';
import type { Queryable } from '../db/client.js';
import { addCalls } from '../resources/authentication/auth.repository.js';
import { AppError } from './app-error.js';

export class RateLimited extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `More than the allowed calls this minute; retry in ${retryAfterSeconds} s.`, [], {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

interface Window { start: number; known: number; pending: number }

/**
 * Calls per customer per calendar minute. Counting happens here, in memory, so no request
 * waits on a database write; every `flushMs` the counts are added to the customer's row in
 * `rate_windows`, and the total read back includes the other API processes' calls. One
 * process is exact; several may together overshoot by what they take in one flush interval.
 */
export class RateLimiter {
  private readonly windows = new Map<number, Window>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly perMinute: number,
    private readonly log: FastifyBaseLogger,
    private readonly flushMs = 200,
  ) {}

  /** Counts one call, or throws RateLimited when the customer has used this minute up. */
  hit(customerId: number, now = Date.now()): void {
    const start = now - (now % 60_000);
    let w = this.windows.get(customerId);
    if (!w || w.start !== start) {
      w = { start, known: 0, pending: 0 };
      this.windows.set(customerId, w);
    }
    if (w.known + w.pending >= this.perMinute) throw new RateLimited(Math.max(1, Math.ceil((start + 60_000 - now) / 1000)));
    w.pending++;
  }

  /** Drops every count held in memory (tests that empty the database between cases). */
  forget(): void {
    this.windows.clear();
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Adds pending counts to the shared rows and learns the totals. Never runs twice at once. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    const current = Date.now() - (Date.now() % 60_000);
    for (const [customerId, w] of this.windows) {
      if (w.pending === 0) {
        if (w.start < current) this.windows.delete(customerId);
        continue;
      }
      const n = w.pending;
      // Moved from pending to known before the write, so calls counted while it is under way still see them.
      w.pending = 0;
      w.known += n;
      try {
        const total = await addCalls(this.db, customerId, new Date(w.start), n);
        w.known = Math.max(w.known, total);
      } catch (err) {
        w.known -= n;
        w.pending += n;
        this.log.warn({ err }, 'rate limit: could not record calls; will retry');
      }
    }
  }
}
