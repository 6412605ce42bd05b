/**
 * Create, read, update and delete of one tenant-owned table whose API fields map one-to-one
 * onto columns, with the audit record written by the same statement sequence (so inside
 * the caller's transaction). Identifiers come from the specs below, never from input.
 */
import type { AuditEntity } from '../../contract/audit.js';
import type { Queryable } from './client.js';
import { insertAudit, type Changes } from './audit.repository.js';

export interface RecordSpec {
  table: string;
  /** Name used in the audit trail. */
  entity: AuditEntity;
  /** API field -> column, for every field the API reads back (ID first). */
  fields: Record<string, string>;
  /** Fields that are read back but never written through the generic writer. */
  readOnly?: string[];
  /** Fields stored as timestamptz (changesJson writes them as JavaScript's toISOString does). */
  timestamps?: string[];
}

/**
 * SQL for the audit record's changes of a row written by the same statement (alias: its
 * RETURNING, with the API field names): each field's new value as stored, exactly as the
 * audit of a transaction's write records it from the row read back; the old value is null
 * (a create) or `old(field)`, an SQL jsonb expression.
 */
export function changesJson(spec: RecordSpec, fields: string[], alias: string, old: (field: string) => string = () => 'NULL'): string {
  const value = (field: string) =>
    spec.timestamps?.includes(field)
      ? `to_jsonb(to_char(${alias}."${field}" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`
      : `to_jsonb(${alias}."${field}")`;
  const pairs = fields.map((field) => `'${field}', jsonb_build_object('old', ${old(field)}, 'new', ${value(field)})`);
  if (pairs.length === 0) return `'{}'::jsonb`;
  // A function takes at most 100 arguments: objects of up to 40 fields, joined.
  const groups: string[] = [];
  for (let i = 0; i < pairs.length; i += 40) groups.push(`jsonb_build_object(${pairs.slice(i, i + 40).join(', ')})`);
  return groups.join(' || ');
}

/** A statement's parameters, built with its text: `p(value)` adds one and answers its `$n`. */
export class Statement {
  readonly params: unknown[];
  constructor(first: unknown[] = []) {
    this.params = [...first];
  }
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

export function selectList(spec: RecordSpec): string {
  return Object.entries(spec.fields)
    .map(([field, column]) => `${column} AS "${field}"`)
    .join(', ');
}

/** The organisation a change event names: the row's own OrganisationID, when its table has one. */
const organisationOf = (row: Record<string, unknown>): number | undefined => (typeof row.OrganisationID === 'number' ? row.OrganisationID : undefined);

const comparable = (v: unknown): string => JSON.stringify(v instanceof Date ? v.toISOString() : (v ?? null));

/** The given fields the generic writer may write: [API field, column, value]. */
export function writable(spec: RecordSpec, values: Record<string, unknown>): [string, string, unknown][] {
  return Object.entries(values)
    .filter(([field, value]) => value !== undefined && field !== 'ID' && spec.fields[field] && !spec.readOnly?.includes(field))
    .map(([field, value]) => [field, spec.fields[field]!, value]);
}

/** The given fields whose values differ from the row's: what an update writes and audits. */
export function changedFields(spec: RecordSpec, before: Record<string, unknown>, values: Record<string, unknown>): [string, string, unknown][] {
  return writable(spec, values).filter(([field, , value]) => comparable(before[field]) !== comparable(value));
}

/** A JSON text of a value as the audit trail records it (dates as toISOString). */
export const auditJson = (v: unknown): string => JSON.stringify(v ?? null);

export async function findRecord<T>(db: Queryable, spec: RecordSpec, customerId: number, id: number, lock = false): Promise<T | undefined> {
  const rows = await db.query<T>(`SELECT ${selectList(spec)} FROM ${spec.table} WHERE customer_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [
    customerId,
    id,
  ]);
  return rows[0];
}

/** Inserts a row; `extra` holds columns outside the API fields (customer_id is always set). */
export async function insertRecord<T>(
  db: Queryable,
  spec: RecordSpec,
  customerId: number,
  values: Record<string, unknown>,
  actor: string,
  extra: Record<string, unknown> = {},
): Promise<T> {
  const cols = writable(spec, values);
  const columns = ['customer_id', ...Object.keys(extra), ...cols.map(([, c]) => c)];
  const params = [customerId, ...Object.values(extra), ...cols.map(([, , v]) => v)];
  const rows = await db.query<T & { ID: number }>(
    `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING ${selectList(spec)}`,
    params,
  );
  const row = rows[0]!;
  await auditCreate(db, spec, customerId, actor, row, cols);
  return row;
}

/** The audit row of a created record: each written field's value as stored. */
export async function auditCreate(
  db: Queryable,
  spec: RecordSpec,
  customerId: number,
  actor: string,
  row: { ID: number },
  cols: [string, string, unknown][],
): Promise<void> {
  const changes: Changes = {};
  for (const [field] of cols) changes[field] = { old: null, new: (row as Record<string, unknown>)[field] };
  await insertAudit(db, customerId, actor, spec.entity, row.ID, 'create', changes, organisationOf(row));
}

/**
 * Changes only the fields given, and only if they differ; records old and new values.
 * Answers the row as it now is, or undefined when there is no such row for this customer.
 * `before` is the row as the caller already read it with `findRecord(..., lock = true)` in
 * this transaction, so that it is not read twice.
 */
export async function updateRecord<T>(
  db: Queryable,
  spec: RecordSpec,
  customerId: number,
  id: number,
  values: Record<string, unknown>,
  actor: string,
  opts: { action?: string; before?: Record<string, unknown> } = {},
): Promise<T | undefined> {
  const action = opts.action ?? 'update';
  const before = opts.before ?? (await findRecord<Record<string, unknown>>(db, spec, customerId, id, true));
  if (!before) return undefined;
  const changed = changedFields(spec, before, values);
  if (changed.length === 0) return before as T;
  const sets = changed.map(([, column], i) => `${column} = $${i + 3}`);
  const rows = await db.query<T>(
    `UPDATE ${spec.table} SET ${sets.join(', ')}, updated_at = now() WHERE customer_id = $1 AND id = $2 RETURNING ${selectList(spec)}`,
    [customerId, id, ...changed.map(([, , v]) => v)],
  );
  const after = rows[0] as Record<string, unknown>;
  const changes: Changes = {};
  for (const [field] of changed) changes[field] = { old: before[field] ?? null, new: after[field] ?? null };
  await insertAudit(db, customerId, actor, spec.entity, id, action, changes, organisationOf(after));
  return after as T;
}

/** Deletes a row, keeping its last values in the audit trail. */
export async function deleteRecord(db: Queryable, spec: RecordSpec, customerId: number, id: number, actor: string): Promise<boolean> {
  const rows = await db.query<Record<string, unknown>>(`DELETE FROM ${spec.table} WHERE customer_id = $1 AND id = $2 RETURNING ${selectList(spec)}`, [
    customerId,
    id,
  ]);
  const row = rows[0];
  if (!row) return false;
  const changes: Changes = {};
  for (const [field, value] of Object.entries(row)) if (value !== null) changes[field] = { old: value, new: null };
  await insertAudit(db, customerId, actor, spec.entity, id, 'delete', changes, organisationOf(row));
  return true;
}
