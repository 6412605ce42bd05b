import type { Queryable } from '../db/client.js';

export type MailStatus = 'pending' | 'sent' | 'failed';

export interface MailRow {
  id: number;
  customer_id: number | null;
  user_id: number | null;
  to_address: string;
  subject: string;
  body_text: string;
  status: MailStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

/** The outbox for the operator, newest first. */
export async function listMail(db: Queryable, f: { status?: MailStatus | undefined; limit: number }): Promise<MailRow[]> {
  return db.query<MailRow>(
    `SELECT id, customer_id, user_id, to_address, subject, body_text, status, attempts, next_attempt_at,
            last_error, created_at, sent_at
       FROM mail_outbox WHERE $1::text IS NULL OR status = $1
      ORDER BY id DESC LIMIT $2`,
    [f.status ?? null, f.limit],
  );
}

/**
 * Puts failed messages back in the queue with a fresh set of attempts: the given IDs, or
 * every failed message when `ids` is undefined. Answers the IDs re-queued.
 */
export async function requeueFailed(db: Queryable, ids: number[] | undefined): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    `UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, lease_owner = NULL
      WHERE status = 'failed' AND ($1::int[] IS NULL OR id = ANY($1::int[])) RETURNING id`,
    [ids ?? null],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
