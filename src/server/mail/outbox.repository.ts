import type { Queryable } from '../db/client.js';

export interface OutgoingMail {
  customerId: number | null;
  userId: number | null;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Text in the body that must not be kept once the message is sent (a verification token). */
  secret?: string;
}

/** Queues a message; called inside the transaction of the change that causes it. */
export async function enqueueMail(db: Queryable, m: OutgoingMail): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO mail_outbox (customer_id, user_id, to_address, subject, body_text, body_html, secret)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [m.customerId, m.userId, m.to, m.subject, m.text, m.html ?? null, m.secret ?? null],
  );
  return rows[0]!.id;
}

export interface ClaimedMail {
  id: number;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  attempts: number;
}

/**
 * Takes the oldest due message for the sender `owner`, leased for `leaseMs`. The lease keeps
 * other API processes off it while it is sent; the sender renews it while the send lasts
 * (renewLease), so a slow SMTP server cannot make it lapse; a sender that dies lets it lapse.
 */
export async function claimNext(db: Queryable, owner: string, leaseMs: number): Promise<ClaimedMail | undefined> {
  const rows = await db.query<ClaimedMail>(
    `UPDATE mail_outbox SET locked_until = now() + make_interval(secs => $2), lease_owner = $1, attempts = attempts + 1
      WHERE id = (SELECT id FROM mail_outbox
                   WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
                   ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, to_address, subject, body_text, body_html, attempts`,
    [owner, leaseMs / 1000],
  );
  return rows[0];
}

/** Extends a lease this sender still holds; false when it has lost it. */
export async function renewLease(db: Queryable, id: number, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db.query(
    `UPDATE mail_outbox SET locked_until = now() + make_interval(secs => $3)
      WHERE id = $1 AND lease_owner = $2 AND status = 'pending' RETURNING id`,
    [id, owner, leaseMs / 1000],
  );
  return rows.length > 0;
}

/** Sent: the secret (the verification token) is cut out of the stored copy. */
export async function markSent(db: Queryable, id: number, owner: string): Promise<void> {
  await db.query(
    `UPDATE mail_outbox SET status = 'sent', sent_at = now(), locked_until = NULL, lease_owner = NULL, last_error = NULL,
            body_text = CASE WHEN secret IS NULL THEN body_text ELSE replace(body_text, secret, '[removed once sent]') END,
            body_html = CASE WHEN secret IS NULL THEN body_html ELSE replace(body_html, secret, '[removed once sent]') END,
            secret = NULL
      WHERE id = $1 AND lease_owner = $2`,
    [id, owner],
  );
}

/** A failed attempt: retried after `retryMs`, or given up when `final`. */
export async function markFailed(db: Queryable, id: number, owner: string, error: string, retryMs: number, final: boolean): Promise<void> {
  await db.query(
    `UPDATE mail_outbox SET status = CASE WHEN $4 THEN 'failed' ELSE 'pending' END, locked_until = NULL, lease_owner = NULL,
            last_error = $2, next_attempt_at = now() + make_interval(secs => $3)
      WHERE id = $1 AND lease_owner = $5`,
    [id, error.slice(0, 500), retryMs / 1000, final, owner],
  );
}
