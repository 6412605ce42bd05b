import type { Database } from '../../db/client.js';
import { AppError } from '../../domain/app-error.js';
import type { Actor } from '../authentication/auth.service.js';
import type { EventFeedQuery } from '../../../contract/events.js';
import type { EventSignal } from './event-signal.js';
import { lastSequence, listEvents, type EventRow } from './events.repository.js';

/** The change feed: a customer's events after a sequence number, waiting for them on request. */
export class EventsService {
  constructor(
    private readonly db: Database,
    private readonly signal: EventSignal,
  ) {}

  async feed(actor: Actor, q: EventFeedQuery): Promise<EventRow[]> {
    const deadline = Date.now() + q.wait * 1000;
    for (let first = true; ; first = false) {
      // Waiting starts before reading: an event committed in between still wakes us.
      const left = deadline - Date.now();
      const waiter = left > 0 ? this.signal.waiter(actor.customerId, left) : undefined;
      try {
        const rows = await listEvents(this.db, actor.customerId, q.after, q.limit);
        if (rows.length > 0) return rows;
        if (first) await this.checkAfter(actor, q.after);
        if (!waiter) return rows;
        await waiter.promise;
      } finally {
        waiter?.cancel();
      }
    }
  }

  /** A position beyond the last event is a consumer's mistake (or a restored database): say so. */
  private async checkAfter(actor: Actor, after: number): Promise<void> {
    const last = await lastSequence(this.db, actor.customerId);
    if (after > last) {
      throw new AppError('EVENT_SEQUENCE_INVALID', `after ${after} is beyond the last event (${last})`, [
        { field: 'after', message: `is beyond the last event (${last})`, error: 'EVENT_SEQUENCE_INVALID' },
      ]);
    }
  }
}
