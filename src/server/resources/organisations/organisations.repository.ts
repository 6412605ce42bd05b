import type { Queryable } from '../../db/client.js';
import { Filters, type Listing } from '../../db/search.js';
import { insertAudit, type Changes } from '../../db/audit.repository.js';

export const ORGANISATION_COLUMNS = `id AS "ID", name AS "Name",
  keychain_creation_active AS "KeychainCreationForNewUserActive",
  keychain_email_suppression AS "KeychainEmailSuppression"`;

export interface OrganisationRow {
  ID: number;
  Name: string;
  KeychainCreationForNewUserActive: boolean;
  KeychainEmailSuppression: boolean;
}

export async function findOrganisation(db: Queryable, customerId: number, id: number): Promise<OrganisationRow | undefined> {
  const rows = await db.query<OrganisationRow>(`SELECT ${ORGANISATION_COLUMNS} FROM organisations WHERE customer_id = $1 AND id = $2`, [customerId, id]);
  return rows[0];
}

export function organisationListing(customerId: number, filter: { CustomerID?: number | undefined; Name?: string | undefined }): Listing {
  return new Filters(customerId).eq('customer_id', filter.CustomerID).text('name', filter.Name).listing('organisations', ORGANISATION_COLUMNS);
}

export async function learnerStatuses(db: Queryable, customerId: number, organisationId: number) {
  return db.query<{ ID: number; Name: string }>(
    'SELECT id AS "ID", name AS "Name" FROM learner_statuses WHERE customer_id = $1 AND organisation_id = $2 ORDER BY id',
    [customerId, organisationId],
  );
}

// ---- operator side ----

export interface OrganisationSettings {
  name?: string | undefined;
  keychain?: boolean | undefined;
  suppressEmail?: boolean | undefined;
}

export async function insertOrganisation(db: Queryable, customerId: number, s: OrganisationSettings & { name: string }): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO organisations (customer_id, name, keychain_creation_active, keychain_email_suppression)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [customerId, s.name, s.keychain ?? false, s.suppressEmail ?? false],
  );
  return rows[0]!.id;
}

/** Changes an organisation's settings and records the change (actor: who ran it, e.g. `operator:cli`). */
export async function updateOrganisation(db: Queryable, id: number, s: OrganisationSettings, actor = 'operator'): Promise<boolean> {
  const rows = await db.query<{ customer_id: number; old: Record<string, unknown>; new: Record<string, unknown> }>(
    `WITH before AS (SELECT * FROM organisations WHERE id = $1 FOR UPDATE)
     UPDATE organisations o SET name = coalesce($2, o.name),
            keychain_creation_active = coalesce($3, o.keychain_creation_active),
            keychain_email_suppression = coalesce($4, o.keychain_email_suppression),
            updated_at = now()
       FROM before b WHERE o.id = b.id
     RETURNING o.customer_id,
       json_build_object('Name', b.name, 'KeychainCreationForNewUserActive', b.keychain_creation_active,
                         'KeychainEmailSuppression', b.keychain_email_suppression) AS old,
       json_build_object('Name', o.name, 'KeychainCreationForNewUserActive', o.keychain_creation_active,
                         'KeychainEmailSuppression', o.keychain_email_suppression) AS new`,
    [id, s.name ?? null, s.keychain ?? null, s.suppressEmail ?? null],
  );
  const row = rows[0];
  if (!row) return false;
  const changes: Changes = {};
  for (const key of Object.keys(row.new)) {
    if (row.old[key] !== row.new[key]) changes[key] = { old: row.old[key], new: row.new[key] };
  }
  if (Object.keys(changes).length > 0) await insertAudit(db, row.customer_id, actor, 'organisation', id, 'update', changes);
  return true;
}

export async function listOrganisations(db: Queryable, customerId?: number) {
  return db.query<{ id: number; customer_id: number; name: string; keychain_creation_active: boolean; keychain_email_suppression: boolean }>(
    `SELECT id, customer_id, name, keychain_creation_active, keychain_email_suppression FROM organisations
      WHERE $1::int IS NULL OR customer_id = $1 ORDER BY id`,
    [customerId ?? null],
  );
}

export async function insertLearnerStatus(db: Queryable, organisationId: number, name: string): Promise<number | undefined> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO learner_statuses (customer_id, organisation_id, name)
     SELECT customer_id, id, $2 FROM organisations WHERE id = $1 RETURNING id`,
    [organisationId, name],
  );
  return rows[0]?.id;
}
