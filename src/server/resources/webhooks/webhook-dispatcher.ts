import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client.js';
import { matchesAny } from '../events/event-types.js';
import type { EventSignal } from '../events/event-signal.js';
import { listEvents } from '../events/events.repository.js';
import { sign } from './webhook-signature.js';
import { anyActiveSubscription, claimDue, markDelivered, markFailed, type SubscriptionRow } from './webhooks.repository.js';

export interface DispatcherOptions {
  /** How often to look for retries that have come due (new events wake it at once). */
  pollMs: number;
  timeoutMs: number;
  batchSize: number;
  /** Delay after the first failure; doubling, capped at retryMaxMs, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A batch that has been failing this long marks its subscription failing. */
  retryHours: number;
  /** Deliveries run at once by one process (to different subscriptions). */
  concurrency: number;
}

export type Clock = () => Date;

/** Nominal delay before retry n (1-based), from 75% to 125% of it (jitter spreads retries out). */
export function retryDelayMs(opts: Pick<DispatcherOptions, 'retryBaseMs' | 'retryMaxMs'>, attempt: number, random: () => number): number {
  const nominal = Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(nominal * (0.75 + random() * 0.5));
}

/**
 * Delivers each subscription's events in order, a batch at a time, at least once: the cursor
 * moves only after the receiver answers 2xx, in its own short transaction. Several processes
 * may run one each; a subscription is leased to one of them at a time, and a lease left by a
 * killed process expires, after which another delivers from the last acknowledged cursor.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private held = 0;
  private off: (() => void) | undefined;
  private readonly leaseMs: number;
  /**
   * The last pass found no active subscription at all, so a commit cannot make anything due
   * and does not wake a pass (a write would otherwise cost every process a claim). A change
   * to subscriptions (kick(), or their NOTIFY from any process: a signal with no customer)
   * and the poll timer look again.
   */
  private noSubscriptions = false;

  constructor(
    private readonly db: Database,
    private readonly opts: DispatcherOptions,
    private readonly log: FastifyBaseLogger,
    private readonly clock: Clock = () => new Date(),
    private readonly random: () => number = Math.random,
  ) {
    // Longer than any one delivery can take, so a live holder never loses its lease.
    this.leaseMs = Math.max(60_000, opts.timeoutMs * 3);
  }

  start(signal: EventSignal): void {
    this.stopped = false;
    this.off = signal.on((customerId) => {
      if (customerId === undefined || !this.noSubscriptions) this.kick();
    });
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass now (or right after the one under way). */
  kick(): void {
    if (this.stopped) return;
    this.noSubscriptions = false;
    if (this.running || this.held > 0) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.log.error({ err }, 'webhooks: pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && this.held === 0) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once no pass is running or asked for (tests, and emptying tables). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Runs fn with no delivery under way or starting (kicks meanwhile run afterwards). Tests
   * empty every table this way: a pass reading two tables while TRUNCATE locks them in
   * another order would deadlock with it.
   */
  async whilePaused<T>(fn: () => Promise<T>): Promise<T> {
    this.held++;
    try {
      await this.idle();
      return await fn();
    } finally {
      this.held--;
      if (this.held === 0 && this.again) {
        this.again = false;
        this.kick();
      }
    }
  }

  /**
   * One claim first: every committed write wakes a pass, and usually nothing is due, so that
   * costs one statement; the other workers start only when there is something to deliver.
   */
  private async pass(): Promise<void> {
    const first = await this.claim();
    if (!first) {
      // A kick during the check (a new subscription) clears the flag again and runs another pass.
      this.noSubscriptions = !(await anyActiveSubscription(this.db));
      return;
    }
    await Promise.all([this.deliver(first.sub, first.token).then(() => this.work()), ...Array.from({ length: this.opts.concurrency - 1 }, () => this.work())]);
  }

  private async claim(): Promise<{ sub: SubscriptionRow; token: string } | undefined> {
    if (this.stopped) return undefined;
    const token = randomUUID();
    const sub = await claimDue(this.db, this.clock(), this.leaseMs, token);
    return sub && { sub, token };
  }

  private async work(): Promise<void> {
    for (let next = await this.claim(); next; next = await this.claim()) await this.deliver(next.sub, next.token);
  }

  private async deliver(sub: SubscriptionRow, token: string): Promise<void> {
    const events = await listEvents(this.db, sub.customer_id, sub.cursor_seq, this.opts.batchSize);
    const through = events.at(-1)?.Sequence ?? sub.cursor_seq;
    const matching = events.filter((e) => matchesAny(sub.event_types, e.Type));
    if (matching.length === 0) {
      await markDelivered(this.db, sub.id, token, through, this.clock(), false);
      return;
    }
    const now = this.clock();
    const id = `msg_${sub.id}_${matching[0]!.Sequence}_${matching.at(-1)!.Sequence}`;
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({ type: 'events', timestamp: now.toISOString(), data: { SubscriptionID: sub.id, Events: matching } });
    let problem: string | undefined;
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'learnfile-webhooks',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(sub.secret, id, timestamp, body),
        },
      });
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status > 299) problem = `HTTP ${res.status}`;
    } catch (err) {
      problem = (err as Error).message || String(err);
    }
    if (problem === undefined) {
      await markDelivered(this.db, sub.id, token, through, this.clock(), true);
      this.log.debug({ subscription: sub.id, through }, 'webhooks: delivered');
      return;
    }
    const at = this.clock();
    const attempts = sub.attempts + 1;
    const firstFailureAt = sub.first_failure_at ?? at;
    const failing = at.getTime() - firstFailureAt.getTime() >= this.opts.retryHours * 3_600_000;
    const nextAttemptAt = new Date(at.getTime() + retryDelayMs(this.opts, attempts, this.random));
    await markFailed(this.db, sub.id, token, { attempts, firstFailureAt, nextAttemptAt, failing, error: problem });
    this.log.warn({ subscription: sub.id, attempt: attempts, failing }, `webhooks: delivery failed: ${problem}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.off?.();
    if (this.timer) clearInterval(this.timer);
    await this.idle();
  }
}
