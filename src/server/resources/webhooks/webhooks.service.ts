import type { Database, Queryable } from '../../db/client.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import type { CreateWebhookBody, WebhookView } from '../../../contract/webhooks.js';
import { EVENT_PATTERN } from '../events/event-types.js';
import { lastSequence } from '../events/events.repository.js';
import type { Clock } from './webhook-dispatcher.js';
import { newWebhookSecret, secretProblem } from './webhook-signature.js';
import * as repo from './webhooks.repository.js';

/**
 * The operator's webhook subscriptions: the CLI and the admin API both come here. The
 * deliverers of every process are woken by the repository's NOTIFY; `changed` wakes this
 * process's at once.
 */
export class WebhooksService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = () => new Date(),
    private readonly changed: () => void = () => {},
  ) {}

  async create(body: CreateWebhookBody): Promise<WebhookView> {
    const issues: FieldIssue[] = [];
    if (!isWebUrl(body.url)) issues.push(issue('url', 'must be an absolute http or https URL', 'WEBHOOK_URL_INVALID'));
    const badTypes = body.eventTypes.filter((t) => !EVENT_PATTERN.test(t));
    if (badTypes.length > 0) issues.push(issue('eventTypes', `${badTypes.join(', ')}: use an event name (user.updated), user.* or *`, 'EVENT_TYPE_INVALID'));
    const secretIssue = body.secret === undefined ? undefined : secretProblem(body.secret);
    if (secretIssue) issues.push(issue('secret', secretIssue));
    if (issues.length > 0) throw AppError.invalid(issues);
    const id = await this.db.transaction(async (tx) => {
      if (!(await repo.customerExists(tx, body.customerId))) throw new AppError('NOT_FOUND', `No customer with ID ${body.customerId}.`);
      const last = await lastSequence(tx, body.customerId);
      if (body.from !== undefined && body.from > last + 1) {
        throw AppError.invalid([issue('from', `is beyond the next event (${last + 1})`, 'EVENT_SEQUENCE_INVALID')]);
      }
      return repo.insertSubscription(
        tx,
        {
          customerId: body.customerId,
          url: body.url,
          eventTypes: [...new Set(body.eventTypes)],
          secret: body.secret ?? newWebhookSecret(),
          cursor: body.from === undefined ? last : body.from - 1,
        },
        this.clock(),
      );
    });
    this.changed();
    const row = (await repo.findSubscription(this.db, id))!;
    return { ...view(row), secret: row.secret };
  }

  async list(customerId?: number): Promise<WebhookView[]> {
    return (await repo.listSubscriptions(this.db, customerId)).map(view);
  }

  async get(id: number): Promise<WebhookView> {
    const row = await repo.findSubscription(this.db, id);
    if (!row) throw new AppError('NOT_FOUND', `No webhook subscription with ID ${id}.`);
    return view(row);
  }

  pause(id: number): Promise<WebhookView> {
    return this.change(id, (tx) => repo.pauseSubscription(tx, id));
  }

  /** Delivers again (a paused or failing subscription), retrying at once. */
  resume(id: number): Promise<WebhookView> {
    return this.change(id, (tx) => repo.resumeSubscription(tx, id, this.clock()));
  }

  /** Delivers every matching event from `from` on again (the status is left as it is). */
  async replay(id: number, from: number): Promise<WebhookView> {
    return this.change(id, async (tx) => {
      const sub = await repo.findSubscription(tx, id);
      if (!sub) return false;
      if (from > sub.last_seq + 1) throw AppError.invalid([issue('from', `is beyond the next event (${sub.last_seq + 1})`, 'EVENT_SEQUENCE_INVALID')]);
      return repo.replaySubscription(tx, id, from, this.clock());
    });
  }

  async remove(id: number): Promise<void> {
    if (!(await repo.deleteSubscription(this.db, id))) throw new AppError('NOT_FOUND', `No webhook subscription with ID ${id}.`);
  }

  private async change(id: number, fn: (tx: Queryable) => Promise<boolean>): Promise<WebhookView> {
    if (!(await this.db.transaction(fn))) throw new AppError('NOT_FOUND', `No webhook subscription with ID ${id}.`);
    this.changed();
    return this.get(id);
  }
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** What the operator sees; the secret only once, when the subscription is made. */
function view(r: repo.SubscriptionRow): WebhookView {
  return {
    id: r.id,
    customerId: r.customer_id,
    url: r.url,
    eventTypes: r.event_types,
    status: r.status,
    cursor: r.cursor_seq,
    lastSequence: r.last_seq,
    attempts: r.attempts,
    nextAttemptAt: iso(r.next_attempt_at)!,
    firstFailureAt: iso(r.first_failure_at),
    lastAttemptAt: iso(r.last_attempt_at),
    lastSuccessAt: iso(r.last_success_at),
    lastError: r.last_error,
    createdAt: iso(r.created_at)!,
  };
}
