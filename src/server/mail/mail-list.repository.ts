import type { Queryable } from '../db/client.js';

export type MailStatus = 'pending' | 'sent' | 'failed';

export interface MailRow {
  id: number; customer_id: number | null; user_id: number | null; to_address: string; subject: string;
  body_text: string; status: MailStatus; attempts: number; next_attempt_at: Date; last_error: string | null;
  created_at: Date; sent_at: Date | null;
}

/** The outbox for the operator, newest first. */
export async function listMail(db: Queryable, f: { status?: MailStatus | undefined; limit: number }): Promise<MailRow[]> {
  return db.query<MailRow>(
    `SELECT id, customer_id, user_id, to_address, subject, body_text, status, attempts, next_attempt_at,
            last_error, created_at, sent_at
       FROM mail_outbox WHERE $1::text IS NULL OR status = $1
      ORDER BY id DESC LIMIT $2`, [f.status ?? null, f.limit]);
}
