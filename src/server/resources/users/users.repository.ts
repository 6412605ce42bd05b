import type { Queryable } from '../../db/client.js';
import type { RecordSpec } from '../../db/records.js';
import { Filters, type Listing } from '../../db/search.js';

export const users: RecordSpec = {
  table: 'users',
  entity: 'user',
  fields: {
    ID: 'id', OrganisationID: 'organisation_id', Role: 'role', FirstName: 'first_name', LastName: 'last_name', Email: 'email',
    Username: 'username', KeychainID: 'keychain_id',
    KeychainVerified: 'coalesce((SELECT k.verified_at IS NOT NULL FROM keychains k WHERE k.id = keychain_id), false)',
    DefaultAssessorID: 'default_assessor_id', DefaultEmployerID: 'default_employer_id', ClassroomID: 'classroom_id',
    PlacementID: 'placement_id', MISID: 'mis_id', CreatedOn: 'created_on', CompanyName: 'company_name',
    MobileNumber: 'mobile_number', Telephone: 'telephone', Website: 'website', WorkAddress: 'work_address',
    HomeAddress: 'home_address', ProviderID: 'provider_id', ULN: 'uln', NINO: 'nino', EpisodeName: 'episode_name',
    CentreRegister: 'centre_register', DOB: 'dob', StartOn: 'start_on', PlannedEndDate: 'planned_end_date',
    L12: 'l12', L13: 'l13', L14: 'l14', L15: 'l15', L16: 'l16', PrimaryLLDDCode: 'primary_lldd_code',
    SecondaryLLDDCodes: 'secondary_lldd_codes', SupportFunding: 'support_funding', LearnerStatusID: 'learner_status_id',
    ContractedHours: 'contracted_hours',
    Archived: 'archived_at IS NOT NULL', LastModified: 'updated_at',
  },
  readOnly: ['Username', 'KeychainID', 'KeychainVerified', 'Archived', 'LastModified'],
};

export interface UserRef { id: number; organisation_id: number; role: number; archived: boolean }

/**
 * The users a create or update refers to, by id, limited to the caller's customer. The rows
 * are locked against deletion (KEY SHARE) until the write commits: a concurrent delete of a
 * referenced user then either waits and sees the new reference (-111), or wins and the
 * write finds no such user (-104), never a foreign-key failure.
 */
export async function findUserRefs(db: Queryable, customerId: number, ids: number[]): Promise<Map<number, UserRef>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<UserRef>(
    `SELECT id, organisation_id, role, archived_at IS NOT NULL AS archived FROM users
      WHERE customer_id = $1 AND id = ANY($2::int[]) ORDER BY id FOR KEY SHARE`,
    [customerId, ids]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Whether a classroom, placement or learner status of that id belongs to that organisation. */
export async function inOrganisation(
  db: Queryable, table: 'classrooms' | 'placements' | 'learner_statuses', customerId: number, organisationId: number, id: number,
): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM ${table} WHERE customer_id = $1 AND organisation_id = $2 AND id = $3`, [customerId, organisationId, id]);
  return rows.length > 0;
}

/** Sets a login name that is unique by construction: letters from the name, then the unique user id. */
export async function assignUsername(db: Queryable, id: number, base: string, passwordHash: string): Promise<string> {
  const rows = await db.query<{ username: string }>(
    'UPDATE users SET username = $2 || id::text, password_hash = $3 WHERE id = $1 RETURNING username', [id, base, passwordHash]);
  return rows[0]!.username;
}

export async function setArchived(db: Queryable, customerId: number, id: number, archived: boolean): Promise<boolean> {
  const rows = await db.query(
    `UPDATE users SET archived_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE customer_id = $1 AND id = $2 AND (archived_at IS NOT NULL) <> $3 RETURNING id`, [customerId, id, archived]);
  return rows.length > 0;
}

/** Why a user cannot be deleted yet: learning aims with progress, or learners that name them as default staff. */
export async function deleteBlockers(db: Queryable, id: number): Promise<{ progress: number; dependants: number }> {
  const rows = await db.query<{ progress: number; dependants: number }>(
    `SELECT (SELECT count(*) FROM learning_aims WHERE user_id = $1 AND progress > 0) AS progress,
            (SELECT count(*) FROM users WHERE default_assessor_id = $1 OR default_employer_id = $1) AS dependants`, [id]);
  return rows[0]!;
}

export function userListing(customerId: number, f: {
  OrganisationID?: number | undefined; Role?: number | undefined; FirstName?: string | undefined; LastName?: string | undefined;
  MISID?: string | undefined; Email?: string | undefined; LastModified?: string | undefined; Archived?: boolean | undefined;
}): Listing {
  return new Filters(customerId)
    .eq('organisation_id', f.OrganisationID)
    .eq('role', f.Role)
    .text('first_name', f.FirstName)
    .text('last_name', f.LastName)
    .eq('mis_id', f.MISID)
    .text('email', f.Email)
    .atLeast('updated_at', f.LastModified)
    .raw(f.Archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL')
    .listing('users', 'id AS "ID", first_name AS "FirstName", last_name AS "LastName", mis_id AS "MISID", role AS "Role", email AS "Email"');
}
