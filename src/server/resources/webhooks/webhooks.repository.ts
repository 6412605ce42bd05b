import type { Queryable } from '../../db/client.js';
import { EVENTS_CHANNEL } from '../events/events.repository.js';
import type { WebhookStatus } from '../../../contract/webhooks.js';

export interface SubscriptionRow {
  id: number;
  customer_id: number;
  url: string;
  event_types: string[];
  secret: string;
  status: WebhookStatus;
  cursor_seq: number;
  last_seq: number;
  attempts: number;
  first_failure_at: Date | null;
  next_attempt_at: Date;
  lease_token: string | null;
  lease_until: Date | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  created_at: Date;
}

const COLUMNS = `s.id, s.customer_id, s.url, s.event_types, s.secret, s.status, s.cursor_seq,
  coalesce((SELECT c.last_seq FROM event_counters c WHERE c.customer_id = s.customer_id), 0) AS last_seq,
  s.attempts, s.first_failure_at, s.next_attempt_at, s.lease_token, s.lease_until, s.last_error,
  s.last_attempt_at, s.last_success_at, s.created_at`;

function numbers(row: SubscriptionRow): SubscriptionRow {
  return { ...row, cursor_seq: Number(row.cursor_seq), last_seq: Number(row.last_seq) };
}

export async function customerExists(db: Queryable, customerId: number): Promise<boolean> {
  return (await db.query('SELECT 1 FROM customers WHERE id = $1', [customerId])).length > 0;
}

export interface NewSubscription {
  customerId: number;
  url: string;
  eventTypes: string[];
  secret: string;
  cursor: number;
}

export async function insertSubscription(db: Queryable, s: NewSubscription, now: Date): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO webhook_subscriptions (customer_id, url, event_types, secret, cursor_seq, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
    [s.customerId, s.url, s.eventTypes, s.secret, s.cursor, now],
  );
  notifySubscriptionsChanged(db);
  return rows[0]!.id;
}

/** Whether any subscription is active (the deliverer rests while none is). */
export async function anyActiveSubscription(db: Queryable): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM webhook_subscriptions WHERE status = 'active' LIMIT 1`)).length > 0;
}

/**
 * Wakes the deliverers of every process (announced once committed). The payload is no
 * customer's ID, so listeners read it as "anything may have changed" (event-signal.ts), and
 * a deliverer resting for want of subscriptions looks again.
 */
function notifySubscriptionsChanged(db: Queryable): void {
  db.announce(EVENTS_CHANNEL, 'webhooks');
}

export async function findSubscription(db: Queryable, id: number): Promise<SubscriptionRow | undefined> {
  const rows = await db.query<SubscriptionRow>(`SELECT ${COLUMNS} FROM webhook_subscriptions s WHERE s.id = $1`, [id]);
  return rows[0] && numbers(rows[0]);
}

export async function listSubscriptions(db: Queryable, customerId?: number): Promise<SubscriptionRow[]> {
  const rows = await db.query<SubscriptionRow>(`SELECT ${COLUMNS} FROM webhook_subscriptions s WHERE ($1::int IS NULL OR s.customer_id = $1) ORDER BY s.id`, [
    customerId ?? null,
  ]);
  return rows.map(numbers);
}

/**
 * Operator changes. Each answers whether the subscription exists, and wakes the deliverers of
 * every process (announced on the events channel once committed).
 */
export async function pauseSubscription(db: Queryable, id: number): Promise<boolean> {
  return changed(db, `UPDATE webhook_subscriptions SET status = 'paused' WHERE id = $1 RETURNING customer_id`, [id]);
}

/** Active again, retrying at once with a fresh retry budget. */
export async function resumeSubscription(db: Queryable, id: number, now: Date): Promise<boolean> {
  return changed(
    db,
    `UPDATE webhook_subscriptions SET status = 'active', attempts = 0, first_failure_at = NULL, next_attempt_at = $2
      WHERE id = $1 RETURNING customer_id`,
    [id, now],
  );
}

/**
 * Delivers again from a sequence number. The lease is dropped, so a delivery under way when
 * this commits cannot move the cursor back past the replay point when it finishes.
 */
export async function replaySubscription(db: Queryable, id: number, from: number, now: Date): Promise<boolean> {
  return changed(
    db,
    `UPDATE webhook_subscriptions SET cursor_seq = $2, attempts = 0, first_failure_at = NULL, next_attempt_at = $3,
            lease_token = NULL, lease_until = NULL
      WHERE id = $1 RETURNING customer_id`,
    [id, from - 1, now],
  );
}

export async function deleteSubscription(db: Queryable, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id', [id])).length > 0;
}

async function changed(db: Queryable, sql: string, params: unknown[]): Promise<boolean> {
  const rows = await db.query<{ customer_id: number }>(sql, params);
  if (rows.length === 0) return false;
  notifySubscriptionsChanged(db);
  return true;
}

/**
 * Leases one active subscription that is due and has events past its cursor, in one
 * statement (a write that wakes every process must not cost each a transaction). SKIP LOCKED
 * lets several processes claim at once without waiting on each other; the lease (not a
 * held transaction) covers the HTTP call, so no connection or lock is held while it runs.
 */
export async function claimDue(db: Queryable, now: Date, leaseMs: number, token: string): Promise<SubscriptionRow | undefined> {
  const rows = await db.query<SubscriptionRow>(
    `UPDATE webhook_subscriptions s SET lease_token = $2, lease_until = $3, last_attempt_at = $1
      WHERE s.id = (
        SELECT d.id FROM webhook_subscriptions d
         WHERE d.status = 'active' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
           AND EXISTS (SELECT 1 FROM events e WHERE e.customer_id = d.customer_id AND e.seq > d.cursor_seq)
         ORDER BY d.next_attempt_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [now, token, new Date(now.getTime() + leaseMs)],
  );
  return rows[0] && numbers(rows[0]);
}

/**
 * The receiver acknowledged everything up to `cursor` (or nothing up to it matched). Only
 * the holder of the lease may move the cursor, and only forwards.
 */
export async function markDelivered(db: Queryable, id: number, token: string, cursor: number, now: Date, delivered: boolean): Promise<boolean> {
  const rows = await db.query(
    `UPDATE webhook_subscriptions SET cursor_seq = GREATEST(cursor_seq, $3), attempts = 0, first_failure_at = NULL,
            last_error = NULL, next_attempt_at = $4, lease_token = NULL, lease_until = NULL,
            last_success_at = CASE WHEN $5 THEN $4 ELSE last_success_at END
      WHERE id = $1 AND lease_token = $2 RETURNING id`,
    [id, token, cursor, now, delivered],
  );
  return rows.length > 0;
}

export interface Failure {
  attempts: number;
  firstFailureAt: Date;
  nextAttemptAt: Date;
  failing: boolean;
  error: string;
}

export async function markFailed(db: Queryable, id: number, token: string, f: Failure): Promise<boolean> {
  const rows = await db.query(
    `UPDATE webhook_subscriptions SET attempts = $3, first_failure_at = $4, next_attempt_at = $5,
            status = CASE WHEN $6 AND status = 'active' THEN 'failing' ELSE status END,
            last_error = $7, lease_token = NULL, lease_until = NULL
      WHERE id = $1 AND lease_token = $2 RETURNING id`,
    [id, token, f.attempts, f.firstFailureAt, f.nextAttemptAt, f.failing, f.error.slice(0, 500)],
  );
  return rows.length > 0;
}
