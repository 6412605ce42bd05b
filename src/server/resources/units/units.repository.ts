import type { Queryable } from '../../db/client.js';
import { Filters, type Listing } from '../../db/search.js';

const COLUMNS = 'id AS "ID", title AS "Title", ndaq_code AS "NDAQCode", display AS "Display"';
const STANDARDS = `coalesce((SELECT array_agg(su.standard_id ORDER BY su.standard_id) FROM standard_units su
  WHERE su.customer_id = u.customer_id AND su.unit_id = u.id), '{}') AS "StandardIDs"`;

export interface UnitRow {
  ID: string;
  Title: string;
  NDAQCode: string | null;
  Display: number;
  StandardIDs: number[];
}

export async function findUnit(db: Queryable, customerId: number, id: string): Promise<UnitRow | undefined> {
  const rows = await db.query<UnitRow>(`SELECT ${COLUMNS}, ${STANDARDS} FROM units u WHERE customer_id = $1 AND id = $2`, [customerId, id]);
  return rows[0];
}

/** Units are walked by their string ID in byte order, the same on every engine. */
export function unitListing(
  customerId: number,
  f: { OrganisationID?: number | undefined; StandardID?: number | undefined; Title?: string | undefined },
): Listing {
  const listing = new Filters(customerId)
    .with(`id IN (SELECT unit_id FROM standard_units WHERE customer_id = $1 AND standard_id = $?)`, f.StandardID)
    .with(
      `id IN (SELECT su.unit_id FROM standard_units su JOIN organisation_standards os ON os.standard_id = su.standard_id
                   WHERE su.customer_id = $1 AND os.organisation_id = $?)`,
      f.OrganisationID,
    )
    .text('title', f.Title)
    .listing('units', COLUMNS);
  return { ...listing, key: { column: 'id COLLATE "C"', start: '' } };
}

export async function unitInStandard(db: Queryable, customerId: number, unitId: string, standardId: number): Promise<boolean> {
  return (
    (await db.query('SELECT 1 FROM standard_units WHERE customer_id = $1 AND unit_id = $2 AND standard_id = $3', [customerId, unitId, standardId])).length > 0
  );
}

// ---- operator side ----

export interface UnitValues {
  id: string;
  title: string;
  ndaqCode?: string | null | undefined;
  display?: number | undefined;
}

export interface UnitWrite {
  seq: number;
  before: { Title: string; NDAQCode: string | null; Display: number } | undefined;
}

/** Creates the unit, or changes its title, code and order when the customer has it already. */
export async function upsertUnit(db: Queryable, customerId: number, v: UnitValues): Promise<UnitWrite> {
  const before = (
    await db.query<{ seq: number; Title: string; NDAQCode: string | null; Display: number }>(
      `SELECT seq, title AS "Title", ndaq_code AS "NDAQCode", display AS "Display" FROM units WHERE customer_id = $1 AND id = $2 FOR UPDATE`,
      [customerId, v.id],
    )
  )[0];
  const rows = await db.query<{ seq: number }>(
    `INSERT INTO units (customer_id, id, title, ndaq_code, display) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (customer_id, id) DO UPDATE SET title = EXCLUDED.title, ndaq_code = coalesce(EXCLUDED.ndaq_code, units.ndaq_code),
       display = CASE WHEN $6 THEN EXCLUDED.display ELSE units.display END, updated_at = now()
     RETURNING seq`,
    [customerId, v.id, v.title, v.ndaqCode ?? null, v.display ?? 0, v.display !== undefined],
  );
  return { seq: rows[0]!.seq, before: before ? { Title: before.Title, NDAQCode: before.NDAQCode, Display: before.Display } : undefined };
}

export async function findUnitForAudit(db: Queryable, customerId: number, id: string) {
  const rows = await db.query<{ seq: number; Title: string; NDAQCode: string | null; Display: number }>(
    `SELECT seq, title AS "Title", ndaq_code AS "NDAQCode", display AS "Display" FROM units WHERE customer_id = $1 AND id = $2`,
    [customerId, id],
  );
  return rows[0];
}

/** Whether the unit now belongs to the standard because of this call. */
export async function linkUnit(db: Queryable, customerId: number, standardId: number, unitId: string): Promise<boolean> {
  const rows = await db.query(`INSERT INTO standard_units (customer_id, standard_id, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING unit_id`, [
    customerId,
    standardId,
    unitId,
  ]);
  return rows.length > 0;
}

export async function listUnits(db: Queryable, customerId: number, standardId?: number) {
  return db.query<UnitRow>(
    `SELECT ${COLUMNS}, ${STANDARDS} FROM units u WHERE customer_id = $1
       AND ($2::int IS NULL OR id IN (SELECT unit_id FROM standard_units WHERE customer_id = $1 AND standard_id = $2))
     ORDER BY id COLLATE "C"`,
    [customerId, standardId ?? null],
  );
}
