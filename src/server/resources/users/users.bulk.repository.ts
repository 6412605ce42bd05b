/**
 * The SQL of the bulk import (users.bulk.service.ts): every statement handles a whole chunk
 * of rows (thousands) at once, reading or writing sets through arrays and one JSON document
 * (jsonb_to_recordset), never a statement per row.
 */
import type { Queryable } from '../../db/client.js';
import type { UserRef } from './users.rules.js';
import { users } from './users.repository.js';
import { ORGANISATION_COLUMNS } from '../organisations/organisations.repository.js';

/** Users of the organisation with these MISIDs (compared as stored: the users_mis_id index answers it). */
export async function usersByMisid(db: Queryable, customerId: number, organisationId: number, misids: string[]) {
  if (misids.length === 0) return [];
  return db.query<{ id: number; mis_id: string; archived: boolean }>(
    `SELECT id, mis_id, archived_at IS NOT NULL AS archived FROM users
      WHERE customer_id = $1 AND mis_id = ANY($3::text[]) AND organisation_id = $2`,
    [customerId, organisationId, misids],
  );
}

export interface NamedRow {
  id: number;
  mis_id: string | null;
  name: string;
}

/**
 * The organisation's classes, placements or learner statuses that a chunk may name: by ID, or
 * by MISID or name compared case-insensitively. Learner statuses have names only.
 */
export async function namedRows(
  db: Queryable,
  table: 'classrooms' | 'placements' | 'learner_statuses',
  customerId: number,
  organisationId: number,
  ids: number[],
  keys: string[],
): Promise<NamedRow[]> {
  if (ids.length === 0 && keys.length === 0) return [];
  const misid = table === 'learner_statuses' ? 'NULL::text' : 'mis_id';
  return db.query<NamedRow>(
    `SELECT id, ${misid} AS mis_id, name FROM ${table}
      WHERE customer_id = $1 AND organisation_id = $2
        AND (id = ANY($3::int[]) OR lower(name) IN (SELECT lower(k) FROM unnest($4::text[]) AS k)${table === 'learner_statuses' ? '' : ' OR lower(mis_id) IN (SELECT lower(k) FROM unnest($4::text[]) AS k)'})`,
    [customerId, organisationId, ids, keys],
  );
}

export interface StaffRow extends UserRef {
  mis_id: string | null;
  email: string;
}

/**
 * Users a chunk names as default assessor or employer: by ID anywhere in the customer (the
 * rules then say "not of this organisation"), or by MISID or email within the organisation.
 * Held against deletion (KEY SHARE) until the chunk commits, as a single create holds them.
 */
export async function staffRows(
  db: Queryable,
  customerId: number,
  organisationId: number,
  ids: number[],
  misids: string[],
  emails: string[],
): Promise<StaffRow[]> {
  if (ids.length === 0 && misids.length === 0 && emails.length === 0) return [];
  return db.query<StaffRow>(
    `SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived, mis_id, email FROM users
      WHERE customer_id = $1
        AND (id = ANY($3::int[]) OR (organisation_id = $2 AND (mis_id = ANY($4::text[]) OR lower(email) = ANY(SELECT lower(e) FROM unnest($5::text[]) AS e))))
      ORDER BY id FOR KEY SHARE`,
    [customerId, organisationId, ids, misids, emails],
  );
}

export async function existingProviders(db: Queryable, customerId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ id: number }>('SELECT id::float8 AS id FROM providers WHERE customer_id = $1 AND id = ANY($2::bigint[]) FOR KEY SHARE', [
    customerId,
    ids,
  ]);
  return new Set(rows.map((r) => Number(r.id)));
}

/** n new user IDs from the table's own sequence, so rows can name each other before they are written. */
export async function allocateUserIds(db: Queryable, n: number): Promise<number[]> {
  if (n === 0) return [];
  const rows = await db.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('users', 'id'))::int AS id FROM generate_series(1, $1::int)`, [n]);
  return rows.map((r) => r.id);
}

/**
 * The customer's Keychain for each email, made where missing, with the audit record of each
 * one made; one statement for the chunk. `emails` holds one spelling per key (the first seen)
 * and `keys` the keys, computed as upsertKeychain computes them (trimmed, lower case).
 */
export async function upsertKeychainsAudited(
  db: Queryable,
  customerId: number,
  actor: string,
  emails: string[],
  keys: string[],
): Promise<{ id: number; email_key: string; created: boolean }[]> {
  if (emails.length === 0) return [];
  return db.query(
    `WITH k AS (
       INSERT INTO keychains (customer_id, email, email_key)
       SELECT $1, x.e, x.k FROM unnest($2::text[], $3::text[]) AS x(e, k)
       ON CONFLICT (customer_id, email_key) DO UPDATE SET email_key = EXCLUDED.email_key
       RETURNING id, email, email_key, (xmax = 0) AS created
     ), a AS (
       INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes)
       SELECT $1, $4, 'keychain', k.id, 'create', jsonb_build_object('Email', jsonb_build_object('old', NULL, 'new', k.email)) FROM k WHERE k.created
     )
     SELECT id, email_key, created FROM k`,
    [customerId, emails, keys, actor],
  );
}

// The SQL type of each column a bulk insert writes (text where not named). Dates are read as
// text first: their canonical form is what the audit record keeps, as POST /User's does.
const COLUMN_TYPES: Record<string, string> = {
  id: 'int',
  organisation_id: 'int',
  role: 'smallint',
  default_assessor_id: 'int',
  default_employer_id: 'int',
  classroom_id: 'int',
  placement_id: 'int',
  learner_status_id: 'int',
  keychain_id: 'int',
  provider_id: 'bigint',
  secondary_lldd_codes: 'text[]',
  support_funding: 'boolean',
  contracted_hours: 'float8',
};
const DATE_COLUMNS = new Set(['created_on', 'dob', 'start_on', 'planned_end_date']);

/** The columns of `users` an API field is written to (the writable fields of the record spec). */
export const WRITABLE_FIELDS = Object.entries(users.fields)
  .filter(([field]) => field !== 'ID' && !users.readOnly?.includes(field))
  .map(([field, column]) => ({ field, column }));

export interface NewUserRow {
  id: number;
  values: Record<string, unknown>;
  keychainId: number | null;
  username: string | null;
}

/**
 * Inserts the users and their audit records in one statement from one JSON document: each
 * value travels once, and the audit record of each user is built from the row's own values
 * (`{"Field": {"old": null, "new": value}}` for every field given, as db/records.ts writes a
 * create; to_json writes each value as JSON.stringify does). IDs come from allocateUserIds, so a learner may name a default assessor inserted
 * by the same statement (foreign keys are checked at its end). `password_hash` stays empty:
 * see users.bulk.service.ts. The events are the caller's to queue.
 */
export async function insertUsersAudited(db: Queryable, customerId: number, actor: string, rows: NewUserRow[]): Promise<void> {
  if (rows.length === 0) return;
  // Only the fields some row gives: the audit record is built from these.
  const given = WRITABLE_FIELDS.filter(({ field }) => rows.some((r) => r.values[field] !== undefined));
  const columns = ['id', 'keychain_id', 'username', ...given.map((f) => f.column)];
  const payload = rows.map((r) => {
    const o: Record<string, unknown> = { id: r.id, keychain_id: r.keychainId, username: r.username };
    for (const { field, column } of given) if (r.values[field] !== undefined) o[column] = r.values[field];
    return o;
  });
  const typeOf = (c: string) => COLUMN_TYPES[c] ?? 'text';
  // Written as JSON text and read once as jsonb: measured cheaper than building it with
  // jsonb_build_object. Field names are identifiers from the record spec, never input.
  const changes = given
    .map(({ field, column }) => `CASE WHEN r.${column} IS NOT NULL THEN '"${field}":{"old":null,"new":' || to_json(r.${column})::text || '}' END`)
    .join(', ');
  await db.query(
    `WITH r AS MATERIALIZED (
       SELECT * FROM json_to_recordset($2::json) AS r(${columns.map((c) => `${c} ${typeOf(c)}`).join(', ')})
     ), u AS (
       INSERT INTO users (customer_id, ${columns.join(', ')})
       SELECT $1, ${columns.map((c) => (DATE_COLUMNS.has(c) ? `r.${c}::timestamptz` : `r.${c}`)).join(', ')} FROM r
     )
     INSERT INTO audit_log (customer_id, actor, entity, entity_id, action, changes)
     SELECT $1, $3, 'user', r.id, 'create', ('{' || concat_ws(',', ${changes}) || '}')::jsonb FROM r`,
    [customerId, JSON.stringify(payload), actor],
  );
}

/** Verification tokens (hashes) for new Keychain accounts, one statement. */
export async function insertVerifications(
  db: Queryable,
  customerId: number,
  rows: { keychainId: number; userId: number; hash: Buffer }[],
  days: number,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO keychain_verifications (customer_id, keychain_id, user_id, token_hash, expires_at)
     SELECT $1, k, u, decode(h, 'hex'), now() + make_interval(days => $5)
       FROM unnest($2::int[], $3::int[], $4::text[]) AS x(k, u, h)`,
    [customerId, rows.map((r) => r.keychainId), rows.map((r) => r.userId), rows.map((r) => r.hash.toString('hex')), days],
  );
}

/** Messages for the outbox, one statement (the sender takes them from there as for any other). */
export async function insertMails(
  db: Queryable,
  customerId: number,
  mails: { userId: number; to: string; subject: string; text: string; html: string; secret: string }[],
): Promise<void> {
  if (mails.length === 0) return;
  await db.query(
    `INSERT INTO mail_outbox (customer_id, user_id, to_address, subject, body_text, body_html, secret)
     SELECT $1, m.user_id, m.to_address, m.subject, m.body_text, m.body_html, m.secret
       FROM jsonb_to_recordset($2::jsonb) AS m(user_id int, to_address text, subject text, body_text text, body_html text, secret text)`,
    [
      customerId,
      JSON.stringify(mails.map((m) => ({ user_id: m.userId, to_address: m.to, subject: m.subject, body_text: m.text, body_html: m.html, secret: m.secret }))),
    ],
  );
}

/** The organisation (with its customer and Keychain settings) an operator names by ID alone. */
export async function organisationWithCustomer(db: Queryable, id: number) {
  const rows = await db.query<{ customerId: number; ID: number; Name: string; KeychainCreationForNewUserActive: boolean; KeychainEmailSuppression: boolean }>(
    `SELECT customer_id AS "customerId", ${ORGANISATION_COLUMNS} FROM organisations WHERE id = $1`,
    [id],
  );
  return rows[0];
}
