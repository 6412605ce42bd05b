import type { Queryable } from '../../db/client.js';
import { Filters, type Listing } from '../../db/search.js';

export function templateListing(customerId: number, f: { OrganisationID?: number | undefined }): Listing {
  return new Filters(customerId)
    .with('(organisation_id = $? OR organisation_id IS NULL)', f.OrganisationID)
    .listing('framework_templates', 'id AS "ID", title AS "Title", organisation_id AS "OrganisationID"');
}

export interface TemplateItemRow {
  StandardID: number;
  UnitID: string | null;
  Weighting: number | null;
  StartOffsetDays: number;
  EndOffsetDays: number | null;
}
export interface TemplateRow {
  ID: number;
  Title: string;
  OrganisationID: number | null;
  Items: TemplateItemRow[];
}

/** The template with its items: standards first, then their units, in the order they were added. */
export async function findTemplate(db: Queryable, customerId: number, id: number): Promise<TemplateRow | undefined> {
  const rows = await db.query<Omit<TemplateRow, 'Items'>>(
    'SELECT id AS "ID", title AS "Title", organisation_id AS "OrganisationID" FROM framework_templates WHERE customer_id = $1 AND id = $2',
    [customerId, id],
  );
  const template = rows[0];
  if (!template) return undefined;
  const items = await db.query<TemplateItemRow>(
    `SELECT standard_id AS "StandardID", unit_id AS "UnitID", weighting::float8 AS "Weighting",
            start_offset_days AS "StartOffsetDays", end_offset_days AS "EndOffsetDays"
       FROM framework_template_items WHERE template_id = $1 ORDER BY unit_id IS NOT NULL, id`,
    [id],
  );
  return { ...template, Items: items };
}

// ---- operator side ----

export async function insertTemplate(db: Queryable, customerId: number, organisationId: number | null, title: string): Promise<number> {
  const rows = await db.query<{ id: number }>('INSERT INTO framework_templates (customer_id, organisation_id, title) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    organisationId,
    title,
  ]);
  return rows[0]!.id;
}

export async function insertTemplateItem(db: Queryable, customerId: number, templateId: number, item: TemplateItemRow): Promise<void> {
  await db.query(
    `INSERT INTO framework_template_items (customer_id, template_id, standard_id, unit_id, weighting, start_offset_days, end_offset_days)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [customerId, templateId, item.StandardID, item.UnitID, item.Weighting, item.StartOffsetDays, item.EndOffsetDays],
  );
}

export async function listTemplates(db: Queryable, customerId: number) {
  return db.query<{ ID: number; Title: string; OrganisationID: number | null; Items: number }>(
    `SELECT t.id AS "ID", t.title AS "Title", t.organisation_id AS "OrganisationID",
            (SELECT count(*) FROM framework_template_items i WHERE i.template_id = t.id) AS "Items"
       FROM framework_templates t WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
}

export async function findTemplateByTitle(db: Queryable, customerId: number, organisationId: number | null, title: string): Promise<number | undefined> {
  const rows = await db.query<{ id: number }>(
    'SELECT id FROM framework_templates WHERE customer_id = $1 AND organisation_id IS NOT DISTINCT FROM $2 AND title = $3 ORDER BY id LIMIT 1',
    [customerId, organisationId, title],
  );
  return rows[0]?.id;
}
