import type { Queryable } from './client.js';
import { queueEvent } from '../resources/events/events.repository.js';

export type Changes = Record<string, { old: unknown; new: unknown }>;

/**
 * Writes the audit record of a change and queues its change event, both in the caller's
 * transaction: every audited entity has events, with nothing to register (see
 * eventOrganisation for the organisation an event names).
 */
export async function insertAudit(
  db: Queryable, customerId: number, actor: string, entity: string, entityId: number, action: string, changes: Changes,
  organisationId?: number | null,
): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes) VALUES ($1, $2, $3, $4, $5, $6)`,
    [customerId, actor, entity, entityId, action, JSON.stringify(changes)]);
  await queueEvent(db, { customerId, actor, entity, entityId, action, organisationId: eventOrganisation(entity, entityId, changes, organisationId), fields: Object.keys(changes) });
}

export interface AuditEntry { entity: string; entityId: number; action: string; changes: Changes; organisationId?: number | null }

/**
 * Many audit records in one statement, each with its change event, exactly as insertAudit
 * would write them one by one: for bulk writes, where a statement per record would cost
 * more than the records themselves.
 */
export async function insertAudits(db: Queryable, customerId: number, actor: string, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes)
     SELECT $1, $2, e.entity, e.entity_id, e.action, e.changes
       FROM jsonb_to_recordset($3::jsonb) AS e(entity text, entity_id bigint, action text, changes jsonb)`,
    [customerId, actor, JSON.stringify(entries.map((e) => ({ entity: e.entity, entity_id: e.entityId, action: e.action, changes: e.changes })))]);
  for (const e of entries) {
    await queueEvent(db, {
      customerId, actor, entity: e.entity, entityId: e.entityId, action: e.action,
      organisationId: eventOrganisation(e.entity, e.entityId, e.changes, e.organisationId), fields: Object.keys(e.changes),
    });
  }
}

/**
 * The organisation a change event names: `organisationId` when given, else the record itself
 * for an organisation, else the OrganisationID among the changes, else none (customer-wide
 * records: keychains).
 */
function eventOrganisation(entity: string, entityId: number, changes: Changes, organisationId: number | null | undefined): number | null {
  const fromChanges = changes.OrganisationID?.new ?? changes.OrganisationID?.old;
  return organisationId !== undefined ? organisationId
    : entity === 'organisation' ? entityId
      : typeof fromChanges === 'number' ? fromChanges : null;
}

export interface AuditFilter {
  customerId?: number | undefined;
  entity?: string | undefined;
  entityId?: number | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  limit: number;
}

export interface AuditRow {
  id: number; customer_id: number; at: Date; actor: string; entity: string; entity_id: number; action: string; changes: Changes;
}

export async function listAudit(db: Queryable, f: AuditFilter): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT id, customer_id, at, actor, entity, entity_id, action, changes FROM audit_log
      WHERE ($1::int IS NULL OR customer_id = $1) AND ($2::text IS NULL OR entity = $2)
        AND ($3::bigint IS NULL OR entity_id = $3) AND ($4::text IS NULL OR action = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
      ORDER BY id DESC LIMIT $6`,
    [f.customerId ?? null, f.entity ?? null, f.entityId ?? null, f.action ?? null, f.since ?? null, f.limit]);
}
