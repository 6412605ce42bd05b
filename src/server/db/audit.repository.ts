import type { Queryable } from './client.js';
import type { AuditEntity } from '../../contract/audit.js';
import { queueChange } from '../resources/events/events.repository.js';

export type Changes = Record<string, { old: unknown; new: unknown }>;

/**
 * Records a change: its audit row and its change event, both in the caller's transaction
 * (written together just before COMMIT; see queueChange): every audited entity has events,
 * with nothing to register. The event's organisation is `organisationId` when given, else the
 * record itself for an organisation, else the OrganisationID among the changes, else none
 * (customer-wide records: keychains).
 */
export async function insertAudit(
  db: Queryable,
  customerId: number,
  actor: string,
  entity: AuditEntity,
  entityId: number,
  action: string,
  changes: Changes,
  organisationId?: number | null,
): Promise<void> {
  const fromChanges = changes.OrganisationID?.new ?? changes.OrganisationID?.old;
  const organisation =
    organisationId !== undefined ? organisationId : entity === 'organisation' ? entityId : typeof fromChanges === 'number' ? fromChanges : null;
  await queueChange(db, { customerId, actor, entity, entityId, action, organisationId: organisation, fields: Object.keys(changes), changes });
}

export interface AuditFilter {
  customerId?: number | undefined;
  entity?: AuditEntity | undefined;
  entityId?: number | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  limit: number;
}

export interface AuditRow {
  id: number;
  customer_id: number;
  at: Date;
  actor: string;
  entity: string;
  entity_id: number;
  action: string;
  changes: Changes;
}

export async function listAudit(db: Queryable, f: AuditFilter): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT id, customer_id, at, actor, entity, entity_id, action, changes FROM audit_log
      WHERE ($1::int IS NULL OR customer_id = $1) AND ($2::text IS NULL OR entity = $2)
        AND ($3::bigint IS NULL OR entity_id = $3) AND ($4::text IS NULL OR action = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
      ORDER BY id DESC LIMIT $6`,
    [f.customerId ?? null, f.entity ?? null, f.entityId ?? null, f.action ?? null, f.since ?? null, f.limit],
  );
}
