import { Type, type Static } from 'typebox';
import { Id } from './common.js';

/** The operator's view of webhook subscriptions (admin API; not part of the customer contract). */

export const WebhookStatus = Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('failing')]);
export type WebhookStatus = Static<typeof WebhookStatus>;

export const CreateWebhookBody = Type.Object({
  customerId: Id(),
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  eventTypes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100 }),
  secret: Type.Optional(Type.String({ maxLength: 200, description: 'whsec_ and base64; generated when not given' })),
  from: Type.Optional(Type.Integer({ minimum: 1, description: 'First sequence number to deliver; default: the next event' })),
});
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const ReplayWebhookBody = Type.Object({
  from: Type.Integer({ minimum: 1, description: 'Deliver again from this sequence number' }),
});

export const WebhookListQuery = Type.Object({ customer: Type.Optional(Id()) });

export interface WebhookView {
  id: number;
  customerId: number;
  url: string;
  eventTypes: string[];
  status: WebhookStatus;
  /** Every event up to this sequence number is delivered (or did not match). */
  cursor: number;
  /** The customer's last sequence number: cursor < lastSequence means deliveries are behind. */
  lastSequence: number;
  attempts: number;
  nextAttemptAt: string;
  firstFailureAt: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  createdAt: string;
  /** Only in the answer to create: shown once. */
  secret?: string;
}
