import type { Queryable } from '../../db/client.js';
import type { AuditEntity } from '../../../contract/audit.js';
import { eventType, namesFields, recordType } from './event-types.js';

/** Committed events are announced on this channel with the customer's ID (announceEvents). */
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

/**
 * The events of many changes of one kind whose audit rows the caller has already written
 * (set-based bulk writes): one event per entity ID, in the order given, each with the same
 * type, organisation, actor and fields. Queued like any change, and written by a statement
 * that takes the IDs as one array instead of a JSON document per event.
 */
export async function queueEvents(db: Queryable, event: Omit<NewEvent, 'entityId'>, entityIds: number[]): Promise<void> {
  if (entityIds.length === 0) return;
  await queue(db, { ...event, entityIds });
}

/** Events written together by one statement: one change with its audit row, or a batch of events alone. */
type Pending = AuditedChange | (Omit<NewEvent, 'entityId'> & { entityIds: number[] });

const pending = new WeakMap<Queryable, Pending[]>();

/**
 * Records an audited change. Inside a transaction its audit row and event are written just
 * before COMMIT, together with the transaction's other changes, in one statement: the
 * customer's counter row (which orders commits) is locked only for that statement and the
 * commit, and never before a lock the transaction takes later (no deadlock). Outside a
 * transaction they are written at once, by one statement.
 */
export const queueChange = (db: Queryable, change: AuditedChange): Promise<void> => queue(db, change);

async function queue(db: Queryable, item: Pending): Promise<void> {
  if (!db.beforeCommit) {
    await write(db, [item]);
    announceEvents(db, item.customerId);
    return;
  }
  let list = pending.get(db);
  if (!list) {
    const fresh: Pending[] = [];
    pending.set(db, fresh);
    list = fresh;
    db.beforeCommit(async () => {
      pending.delete(db);
      // One customer at a time, lowest first: two transactions never wait on each other's counters.
      const customers = [...new Set(fresh.map((e) => e.customerId))].sort((a, b) => a - b);
      for (const customerId of customers) {
        await write(
          db,
          fresh.filter((e) => e.customerId === customerId),
        );
        announceEvents(db, customerId);
      }
    });
  }
  list.push(item);
}

/** One customer's pending items, in order: runs of single changes by one statement each, batches by one each. */
async function write(db: Queryable, items: Pending[]): Promise<void> {
  let singles: AuditedChange[] = [];
  for (const item of items) {
    if ('entityIds' in item) {
      if (singles.length > 0) await insertChanges(db, singles);
      singles = [];
      await insertBatch(db, item);
    } else {
      singles.push(item);
    }
  }
  if (singles.length > 0) await insertChanges(db, singles);
}

/**
 * Tells every process (EventSignal) that the customer has new events, once they are committed:
 * after the statement that wrote them, or after the COMMIT of their transaction. Never by a
 * NOTIFY inside the write (see Queryable.announce): the customer's counter already makes
 * their writes commit one at a time, and that NOTIFY would make every customer's do so.
 */
export function announceEvents(db: Queryable, customerId: number): void {
  db.announce(EVENTS_CHANNEL, String(customerId));
}

// Takes the customer's next $2 sequence numbers.
const COUNTER = `counter AS (
       INSERT INTO event_counters AS c (customer_id, last_seq) VALUES ($1, $2)
       ON CONFLICT (customer_id) DO UPDATE SET last_seq = c.last_seq + $2
       RETURNING last_seq)`;

/**
 * Writes one customer's audit rows (in the order of the changes) and takes the next sequence
 * numbers for their events, in one statement.
 */
async function insertChanges(db: Queryable, changes: AuditedChange[]): Promise<void> {
  const customerId = changes[0]!.customerId;
  const rows = changes.map((e, i) => ({
    i: i + 1,
    actor: e.actor,
    entity_id: e.entityId,
    audit_entity: e.entity,
    action: e.action,
    changes: e.changes,
    type: eventType(e.entity, e.action),
    entity: recordType(e.entity),
    organisation_id: e.organisationId,
    fields: namesFields(e.action) ? e.fields : null,
  }));
  await db.query(
    `WITH change AS (
       SELECT * FROM jsonb_to_recordset($3::jsonb) AS e(i int, actor text, entity_id bigint, audit_entity text, action text,
         changes jsonb, type text, entity text, organisation_id int, fields jsonb)),
     audit AS (
       INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes)
       SELECT $1, actor, audit_entity, entity_id, action, changes FROM change WHERE changes IS NOT NULL ORDER BY i),
     ${COUNTER}
     INSERT INTO events (customer_id, seq, type, entity, entity_id, organisation_id, actor, fields)
     SELECT $1, counter.last_seq - $2 + e.i, e.type, e.entity, e.entity_id, e.organisation_id, e.actor, e.fields
       FROM counter, change e`,
    [customerId, changes.length, JSON.stringify(rows)],
  );
}

/** A record created or updated by the same statement, as SQL over its CTEs (see statementChanges). */
export interface ChangeInStatement {
  entity: AuditEntity;
  action: 'create' | 'update';
  /** FROM (and WHERE) yielding one row when the record was written, none otherwise. */
  from: string;
  id: string;
  organisationId: string;
  /** The audit record's changes, as jsonb. */
  changes: string;
  /** The names of the changed fields (an update's event carries them). */
  fields?: string[];
}

/**
 * CTEs (to follow the ones that write the records) writing the audit records and change
 * events of records created or updated by the same statement, in the order given: what
 * queueChange and insertChanges write for a transaction, for a write made by one statement
 * outside any. The customer's counter is taken after everything else the statement locks.
 * The caller announces the events (announceEvents) once the statement has written.
 */
export function statementChanges(st: { p(value: unknown): string }, customerId: number, actor: string, changes: ChangeInStatement[]): string {
  const customer = st.p(customerId);
  const who = st.p(actor);
  const rows = changes.map(
    (c, i) =>
      `SELECT ${i + 1} AS k, ${st.p(c.entity)}::text AS audit_entity, ${st.p(c.action)}::text AS action,
              ${st.p(eventType(c.entity, c.action))}::text AS type, ${st.p(recordType(c.entity))}::text AS entity,
              (${c.id})::bigint AS entity_id, (${c.organisationId})::int AS organisation_id, ${c.changes} AS changes,
              ${st.p(namesFields(c.action) ? JSON.stringify(c.fields ?? []) : null)}::jsonb AS fields FROM ${c.from}`,
  );
  return `written AS (${rows.join(' UNION ALL ')}),
     written_audit AS (
       INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes)
       SELECT ${customer}, ${who}, audit_entity, entity_id, action, changes FROM written ORDER BY k),
     written_counter AS (
       INSERT INTO event_counters AS c (customer_id, last_seq) SELECT ${customer}, count(*) FROM written HAVING count(*) > 0
       ON CONFLICT (customer_id) DO UPDATE SET last_seq = c.last_seq + EXCLUDED.last_seq
       RETURNING last_seq),
     written_events AS (
       INSERT INTO events (customer_id, seq, type, entity, entity_id, organisation_id, actor, fields)
       SELECT ${customer}, n.last_seq - (SELECT count(*) FROM written) + row_number() OVER (ORDER BY e.k), e.type, e.entity, e.entity_id,
              e.organisation_id, ${who}, e.fields
         FROM written_counter n, written e)`;
}

/** A batch's events, numbered in the order of its IDs, in one statement. */
async function insertBatch(db: Queryable, batch: Omit<NewEvent, 'entityId'> & { entityIds: number[] }): Promise<void> {
  await db.query(
    `WITH ${COUNTER}
     INSERT INTO events (customer_id, seq, type, entity, entity_id, organisation_id, actor, fields)
     SELECT $1, counter.last_seq - $2 + x.i, $3, $4, x.id, $5, $6, $7::jsonb
       FROM counter, unnest($8::bigint[]) WITH ORDINALITY AS x(id, i)`,
    [
      batch.customerId,
      batch.entityIds.length,
      eventType(batch.entity, batch.action),
      recordType(batch.entity),
      batch.organisationId,
      batch.actor,
      namesFields(batch.action) ? JSON.stringify(batch.fields) : null,
      batch.entityIds,
    ],
  );
}

const COLUMNS = `seq AS "Sequence", type AS "Type", at AS "Time", entity AS "RecordType", entity_id AS "RecordID",
  organisation_id AS "OrganisationID", actor AS "Actor", fields AS "Fields"`;

/** The customer's events after a sequence number, in order. */
export async function listEvents(db: Queryable, customerId: number, after: number, limit: number): Promise<EventRow[]> {
  const rows = await db.query<EventRow & { Fields: string[] | null }>(
    `SELECT ${COLUMNS} FROM events WHERE customer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [customerId, after, limit],
  );
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
