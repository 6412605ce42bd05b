import type { Queryable } from '../../db/client.js';
import { eventType, namesFields, recordType } from './event-types.js';

/** Committing a transaction with events notifies this channel with the customer's ID. */
export const EVENTS_CHANNEL = 'learnfile_events';

export interface NewEvent {
  customerId: number;
  actor: string;
  entity: string;
  entityId: number;
  action: string;
  organisationId: number | null;
  /** Names of the changed fields (never their values). */
  fields: string[];
}

/** An event as the feed and webhooks answer it. */
export interface EventRow {
  Sequence: number;
  Type: string;
  Time: Date;
  RecordType: string;
  RecordID: number;
  OrganisationID: number | null;
  Actor: string;
  Fields?: string[];
}

/** An audited change: its audit row (with the changed values) and its event (names only). */
export interface AuditedChange extends NewEvent {
  /** The changed values for the audit row; null when the caller wrote the audit row itself (bulk writes). */
  changes: Record<string, unknown> | null;
}

/** The event of a change whose audit row is already written (set-based bulk writes). */
export const queueEvent = (db: Queryable, event: NewEvent): Promise<void> => queueChange(db, { ...event, changes: null });

const pending = new WeakMap<Queryable, AuditedChange[]>();

/**
 * Records an audited change. Inside a transaction its audit row and event are written just
 * before COMMIT, together with the transaction's other changes, in one statement: the
 * customer's counter row (which orders commits) is locked only for that statement and the
 * commit, and never before a lock the transaction takes later (no deadlock). Outside a
 * transaction they are written at once, by one statement.
 */
export async function queueChange(db: Queryable, change: AuditedChange): Promise<void> {
  if (!db.beforeCommit) {
    await insertChanges(db, [change]);
    return;
  }
  let list = pending.get(db);
  if (!list) {
    const fresh: AuditedChange[] = [];
    pending.set(db, fresh);
    list = fresh;
    db.beforeCommit(async () => {
      pending.delete(db);
      // One customer at a time, lowest first: two transactions never wait on each other's counters.
      const customers = [...new Set(fresh.map((e) => e.customerId))].sort((a, b) => a - b);
      for (const customerId of customers) await insertChanges(db, fresh.filter((e) => e.customerId === customerId));
    });
  }
  list.push(change);
}

/**
 * Writes one customer's audit rows (in the order of the changes) and takes the next sequence
 * numbers for their events, in one statement.
 */
async function insertChanges(db: Queryable, changes: AuditedChange[]): Promise<void> {
  const customerId = changes[0]!.customerId;
  const rows = changes.map((e, i) => ({
    i: i + 1, actor: e.actor, entity_id: e.entityId, audit_entity: e.entity, action: e.action, changes: e.changes,
    type: eventType(e.entity, e.action), entity: recordType(e.entity), organisation_id: e.organisationId,
    fields: namesFields(e.action) ? e.fields : null,
  }));
  // One notification for the statement, not one per event: a bulk write queues thousands.
  await db.query(
    `WITH change AS (
       SELECT * FROM jsonb_to_recordset($3::jsonb) AS e(i int, actor text, entity_id bigint, audit_entity text, action text,
         changes jsonb, type text, entity text, organisation_id int, fields jsonb)),
     audit AS (
       INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes)
       SELECT $1, actor, audit_entity, entity_id, action, changes FROM change WHERE changes IS NOT NULL ORDER BY i),
     counter AS (
       INSERT INTO event_counters AS c (customer_id, last_seq) VALUES ($1, $2)
       ON CONFLICT (customer_id) DO UPDATE SET last_seq = c.last_seq + $2
       RETURNING last_seq),
     inserted AS (
       INSERT INTO events (customer_id, seq, type, entity, entity_id, organisation_id, actor, fields)
       SELECT $1, counter.last_seq - $2 + e.i, e.type, e.entity, e.entity_id, e.organisation_id, e.actor, e.fields
         FROM counter, change e
       RETURNING 1)
     SELECT pg_notify('${EVENTS_CHANNEL}', $1::text) WHERE EXISTS (SELECT 1 FROM inserted)`,
    [customerId, changes.length, JSON.stringify(rows)]);
}

const COLUMNS = `seq AS "Sequence", type AS "Type", at AS "Time", entity AS "RecordType", entity_id AS "RecordID",
  organisation_id AS "OrganisationID", actor AS "Actor", fields AS "Fields"`;

/** The customer's events after a sequence number, in order. */
export async function listEvents(db: Queryable, customerId: number, after: number, limit: number): Promise<EventRow[]> {
  const rows = await db.query<EventRow & { Fields: string[] | null }>(
    `SELECT ${COLUMNS} FROM events WHERE customer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [customerId, after, limit]);
  for (const row of rows) {
    row.Sequence = Number(row.Sequence);
    row.RecordID = Number(row.RecordID);
    if (row.Fields === null) delete (row as EventRow).Fields;
  }
  return rows;
}

/** The customer's last sequence number (0 before the first event). */
export async function lastSequence(db: Queryable, customerId: number): Promise<number> {
  const rows = await db.query<{ last_seq: number }>('SELECT last_seq FROM event_counters WHERE customer_id = $1', [customerId]);
  return Number(rows[0]?.last_seq ?? 0);
}
