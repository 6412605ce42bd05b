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

const pending = new WeakMap<Queryable, NewEvent[]>();

/**
 * Records the event of an audited change. Inside a transaction it is written just before
 * COMMIT, so the customer's counter row (which orders commits) is locked only for the
 * insert and the commit, and never before a lock the transaction takes later (no deadlock).
 * Outside a transaction it is written at once, by one statement.
 */
export async function queueEvent(db: Queryable, event: NewEvent): Promise<void> {
  if (!db.beforeCommit) {
    await insertEvents(db, [event]);
    return;
  }
  let list = pending.get(db);
  if (!list) {
    const fresh: NewEvent[] = [];
    pending.set(db, fresh);
    list = fresh;
    db.beforeCommit(async () => {
      pending.delete(db);
      // One customer at a time, lowest first: two transactions never wait on each other's counters.
      const customers = [...new Set(fresh.map((e) => e.customerId))].sort((a, b) => a - b);
      for (const customerId of customers) await insertEvents(db, fresh.filter((e) => e.customerId === customerId));
    });
  }
  list.push(event);
}

/** Takes the next sequence numbers of one customer and writes the events, in one statement. */
async function insertEvents(db: Queryable, events: NewEvent[]): Promise<void> {
  const customerId = events[0]!.customerId;
  const rows = events.map((e, i) => ({
    i: i + 1, type: eventType(e.entity, e.action), entity: recordType(e.entity), entity_id: e.entityId,
    organisation_id: e.organisationId, actor: e.actor, fields: namesFields(e.action) ? e.fields : null,
  }));
  // One notification for the statement, not one per event: a bulk write queues thousands.
  await db.query(
    `WITH counter AS (
       INSERT INTO event_counters AS c (customer_id, last_seq) VALUES ($1, $2)
       ON CONFLICT (customer_id) DO UPDATE SET last_seq = c.last_seq + $2
       RETURNING last_seq),
     inserted AS (
       INSERT INTO events (customer_id, seq, type, entity, entity_id, organisation_id, actor, fields)
       SELECT $1, counter.last_seq - $2 + e.i, e.type, e.entity, e.entity_id, e.organisation_id, e.actor, e.fields
         FROM counter, jsonb_to_recordset($3::jsonb)
           AS e(i int, type text, entity text, entity_id bigint, organisation_id int, actor text, fields jsonb)
       RETURNING 1)
     SELECT pg_notify('${EVENTS_CHANNEL}', $1::text) WHERE EXISTS (SELECT 1 FROM inserted)`,
    [customerId, events.length, JSON.stringify(rows)]);
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
