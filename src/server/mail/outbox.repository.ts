import type { Queryable } from '../db/client.js';

export interface OutgoingMail {
  customerId: number | null;
  userId: number | null;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Queues a message; called inside the transaction of the change that causes it. */
export async function enqueueMail(db: Queryable, m: OutgoingMail): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO mail_outbox (customer_id, user_id, to_address, subject, body_text, body_html)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, [m.customerId, m.userId, m.to, m.subject, m.text, m.html ?? null]);
  return rows[0]!.id;
}

export interface ClaimedMail { id: number; to_address: string; subject: string; body_text: string; body_html: string | null; attempts: number }

/**
 * Takes up to `limit` due messages for this sender. The lease (locked_until) keeps other API
 * processes off them while they are sent; a sender that dies mid-send lets the lease lapse.
 */
export async function claimDue(db: Queryable, limit: number, leaseSeconds: number): Promise<ClaimedMail[]> {
  return db.query<ClaimedMail>(
    `UPDATE mail_outbox SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
      WHERE id IN (SELECT id FROM mail_outbox
                    WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING id, to_address, subject, body_text, body_html, attempts`, [limit, leaseSeconds]);
}

export async function markSent(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1`, [id]);
}

/** A failed attempt: retried after `retryMs`, or given up when `final`. */
export async function markFailed(db: Queryable, id: number, error: string, retryMs: number, final: boolean): Promise<void> {
  await db.query(
    `UPDATE mail_outbox SET status = CASE WHEN $4 THEN 'failed' ELSE 'pending' END, locked_until = NULL, last_error = $2,
            next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`, [id, error.slice(0, 500), retryMs / 1000, final]);
}
