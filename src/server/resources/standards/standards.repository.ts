import type { Queryable } from '../../db/client.js';
import { Filters, type Listing } from '../../db/search.js';

const COLUMNS = `id AS "ID", title AS "Title", reference AS "Reference", version AS "Version", level AS "Level",
  otj_hours::float8 AS "OTJHours"`;
const UNITS = `coalesce((SELECT array_agg(u.id ORDER BY u.display, u.id COLLATE "C") FROM standard_units su
  JOIN units u ON u.customer_id = su.customer_id AND u.id = su.unit_id WHERE su.standard_id = s.id), '{}') AS "Units"`;

export interface StandardRow {
  ID: number;
  Title: string;
  Reference: string | null;
  Version: string | null;
  Level: number | null;
  OTJHours: number | null;
  Units: string[];
}

export async function findStandard(db: Queryable, customerId: number, id: number): Promise<StandardRow | undefined> {
  const rows = await db.query<StandardRow>(`SELECT ${COLUMNS}, ${UNITS} FROM standards s WHERE customer_id = $1 AND id = $2`, [customerId, id]);
  return rows[0];
}

export async function standardExists(db: Queryable, customerId: number, id: number): Promise<boolean> {
  return (await db.query('SELECT 1 FROM standards WHERE customer_id = $1 AND id = $2', [customerId, id])).length > 0;
}

export function standardListing(customerId: number, f: { OrganisationID?: number | undefined; Title?: string | undefined }): Listing {
  return new Filters(customerId)
    .with('id IN (SELECT standard_id FROM organisation_standards WHERE organisation_id = $?)', f.OrganisationID)
    .text('title', f.Title)
    .listing('standards', 'id AS "ID", title AS "Title", reference AS "Reference", level AS "Level"');
}

/** The standards an organisation offers (GET /Organisation/{id}/AssignedStandards). */
export async function offeredStandards(db: Queryable, customerId: number, organisationId: number) {
  return db.query<{ ID: number; Title: string }>(
    `SELECT s.id AS "ID", s.title AS "Title" FROM organisation_standards os JOIN standards s ON s.id = os.standard_id
      WHERE os.customer_id = $1 AND os.organisation_id = $2 ORDER BY s.id`,
    [customerId, organisationId],
  );
}

// ---- operator side ----

export interface StandardValues {
  title: string;
  reference?: string | null | undefined;
  version?: string | null | undefined;
  level?: number | null | undefined;
  otjHours?: number | null | undefined;
}

export async function insertStandard(db: Queryable, customerId: number, v: StandardValues): Promise<StandardRow> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO standards (customer_id, title, reference, version, level, otj_hours) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [customerId, v.title, v.reference ?? null, v.version ?? null, v.level ?? null, v.otjHours ?? null],
  );
  return (await findStandard(db, customerId, rows[0]!.id))!;
}

/** Changes the given values; answers the row before the change, or undefined when there is none. */
export async function updateStandard(db: Queryable, customerId: number, id: number, v: StandardValues): Promise<StandardRow | undefined> {
  const before = (
    await db.query<StandardRow>(`SELECT ${COLUMNS}, '{}'::text[] AS "Units" FROM standards s WHERE customer_id = $1 AND id = $2 FOR UPDATE`, [customerId, id])
  )[0];
  if (!before) return undefined;
  await db.query(
    `UPDATE standards SET title = $3, reference = coalesce($4, reference), version = coalesce($5, version), level = coalesce($6, level),
            otj_hours = coalesce($7, otj_hours), updated_at = now() WHERE customer_id = $1 AND id = $2`,
    [customerId, id, v.title, v.reference ?? null, v.version ?? null, v.level ?? null, v.otjHours ?? null],
  );
  return before;
}

export async function findStandardByReference(db: Queryable, customerId: number, reference: string, version: string | null): Promise<number | undefined> {
  const rows = await db.query<{ id: number }>(
    `SELECT id FROM standards WHERE customer_id = $1 AND reference = $2 AND version IS NOT DISTINCT FROM $3 ORDER BY id LIMIT 1`,
    [customerId, reference, version],
  );
  return rows[0]?.id;
}

export async function listStandards(db: Queryable, customerId: number) {
  return db.query<StandardRow & { Organisations: number[] }>(
    `SELECT ${COLUMNS}, ${UNITS},
            coalesce((SELECT array_agg(os.organisation_id ORDER BY os.organisation_id) FROM organisation_standards os WHERE os.standard_id = s.id), '{}') AS "Organisations"
       FROM standards s WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
}

/** Whether the organisation now offers the standard because of this call (false: it already did). */
export async function offerStandard(db: Queryable, customerId: number, organisationId: number, standardId: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO organisation_standards (customer_id, organisation_id, standard_id) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING standard_id`,
    [customerId, organisationId, standardId],
  );
  return rows.length > 0;
}
