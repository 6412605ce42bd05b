import type { Queryable } from '../db/client.js';
import { listMail, requeueFailed, type MailStatus } from './mail-list.repository.js';

/** The mail outbox for the operator, newest first, bodies (and so links) included. */
export class MailService {
  constructor(private readonly db: Queryable) {}

  async list(filter: { status?: MailStatus | undefined; limit: number }) {
    const rows = await listMail(this.db, filter);
    return rows.map((m) => ({
      id: m.id,
      customerId: m.customer_id,
      userId: m.user_id,
      status: m.status,
      attempts: m.attempts,
      to: m.to_address,
      subject: m.subject,
      createdAt: m.created_at,
      sentAt: m.sent_at,
      nextAttemptAt: m.next_attempt_at,
      lastError: m.last_error,
      bodyText: m.body_text,
    }));
  }

  /** Failed messages back in the queue with fresh attempts: the named ones, or every failed one. */
  requeue(ids: number[] | undefined): Promise<number[]> {
    return requeueFailed(this.db, ids);
  }
}
