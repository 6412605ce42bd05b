import type { Queryable } from '../../db/client.js';
import { listAudit, type AuditFilter } from '../../db/audit.repository.js';

/** The audit trail for the operator: who changed what, with old and new values. */
export class AuditService {
  constructor(private readonly db: Queryable) {}

  async list(filter: AuditFilter) {
    const rows = await listAudit(this.db, filter);
    return rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      at: r.at,
      actor: r.actor,
      entity: r.entity,
      entityId: r.entity_id,
      action: r.action,
      changes: r.changes,
    }));
  }
}
