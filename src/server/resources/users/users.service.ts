import type { Database, Queryable } from '../../db/client.js';
import { auditCreate, deleteRecord, findRecord, updateRecord } from '../../db/records.js';
import type { OrganisationRow } from '../organisations/organisations.repository.js';
import * as repo from './users.repository.js';
import { releaseStaff } from '../assignments/assignments.service.js';
import { insertAudit } from '../../db/audit.repository.js';
import { VERIFY_PATH } from '../keychain/keychain.service.js';
import { keychainVerificationMail } from '../../mail/templates.js';
import { LearnerOnlyFields, Roles, RoleValues, type CreateUserBody, type UpdateUserBody, type User, type UserSearchFilter } from '../../../contract/users.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import { providerInRange, providerProblem, providerToCheck } from '../providers/providers.service.js';
import { organisationToRead, unknownOrganisation } from '../organisations/organisations.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import { generatedPassword, newToken, tokenHash } from '../../domain/secrets.js';
import { ilrWarnings, ninoProblem, normaliseNino, normaliseUln, ulnProblem } from '../../domain/uk-data.js';

const PLACED_ROLES: number[] = [Roles.Learner, Roles.Employer, Roles.Observer];
const ASSESSOR_ROLES: number[] = [Roles.Assessor, Roles.TraineeAssessor];
/**
 * `x@y.z`: one @, no white space, a dot inside the domain. Written without a regular
 * expression: the pattern this replaces backtracked quadratically, so one long value could
 * hold the event loop (and every other request) for seconds. Linear in the length.
 */
export function looksLikeEmail(text: string): boolean {
  const at = text.indexOf('@');
  if (at < 1 || at !== text.lastIndexOf('@') || /\s/.test(text)) return false;
  // A dot with something before and after it, as /^[^\s@]+@[^\s@]+\.[^\s@]+$/ meant.
  return text.slice(at + 2, -1).includes('.');
}
export const VERIFICATION_DAYS = 7;

type Values = Record<string, unknown>;

export type CreateOutcome =
  | { kind: 'credentials'; user: User & { Password: string }; warnings: string[] }
  | { kind: 'keychain'; id: number; warnings: string[] };

export interface UsersDeps {
  db: Database;
  searcher: Searcher;
  /** Base of the links put in emails (known for sure only once the server listens). */
  publicUrl: () => string;
  /** Told after a commit that queued mail, so the sender need not wait for its next poll. */
  mailQueued: () => void;
}

export class UsersService {
  constructor(private readonly deps: UsersDeps) {}

  async get(actor: Actor, id: number): Promise<User> {
    const user = await findRecord<User>(this.deps.db, repo.users, actor.customerId, id);
    if (!user) throw AppError.notFound();
    return user;
  }

  search(actor: Actor, filter: UserSearchFilter, paging?: Paging) {
    return this.deps.searcher.run(repo.userListing(actor.customerId, filter), paging);
  }

  async create(actor: Actor, body: CreateUserBody, schemaIssues: FieldIssue[]): Promise<CreateOutcome> {
    const { db } = this.deps;
    const issues = [...schemaIssues];
    const organisationId = organisationToRead(body.OrganisationID, issues);
    const values = forRole(body.Role, body as Values);
    const warnings = ilrWarnings(values as never);
    const outcome = await db.transaction(async (tx) => {
      if (typeof body.Role === 'number' && !RoleValues.includes(body.Role) && !issues.some((i) => i.field === 'Role')) {
        issues.push(issue('Role', 'must be one of 1, 4, 5, 10, 40, 45', 'INVALID_ROLE'));
      }
      // The organisation and everything the body names, read together.
      const org = await checkValues(tx, actor, { organisationId, creating: true }, body.Role, values, issues);
      if (issues.length > 0 || !org) throw AppError.invalid(issues);
      return org.KeychainCreationForNewUserActive
        ? this.createOnKeychain(tx, actor, org, values)
        : this.createWithLogin(tx, actor, values);
    });
    if (outcome.kind === 'keychain' && outcome.link) this.deps.mailQueued();
    return outcome.kind === 'keychain' ? { kind: 'keychain', id: outcome.id, warnings } : { ...outcome, warnings };
  }

  private async createWithLogin(tx: Queryable, actor: Actor, values: Values) {
    // A generated password has a fast hash of its own (secrets.ts): creates are not held to scrypt's pace.
    const login = generatedPassword();
    const base = usernameBase(String(values.FirstName ?? ''), String(values.LastName ?? ''));
    const { row, cols } = await repo.insertLoginUser(tx, actor.customerId, values, base, login.hash);
    await auditCreate(tx, repo.users, actor.customerId, actorLabel(actor), row, cols);
    return { kind: 'credentials' as const, user: { ...row, Password: login.password } };
  }

  private async createOnKeychain(tx: Queryable, actor: Actor, org: OrganisationRow, values: Values) {
    const email = String(values.Email);
    let link: string | undefined;
    let verification: repo.KeychainSignUp['verification'];
    if (!org.KeychainEmailSuppression) {
      const token = newToken();
      link = `${this.deps.publicUrl()}${VERIFY_PATH}/${token}`;
      const mail = keychainVerificationMail({ firstName: String(values.FirstName), organisation: org.Name, days: VERIFICATION_DAYS, link });
      verification = { tokenHash: tokenHash(token), days: VERIFICATION_DAYS, subject: mail.subject, text: mail.text, html: mail.html ?? null, secret: token };
    }
    // The Keychain, the user, the verification token and the email: one statement.
    const created = await repo.insertKeychainUser(tx, actor.customerId, values, { email, verification });
    const label = actorLabel(actor);
    if (created.keychainCreated) {
      await insertAudit(tx, actor.customerId, label, 'keychain', created.keychainId, 'create', { Email: { old: null, new: email } });
    }
    await auditCreate(tx, repo.users, actor.customerId, label, created.row, created.cols);
    return { kind: 'keychain' as const, id: created.row.ID, link };
  }

  /** Changes only the fields given, with the same rules as create; answers the ILR warnings. */
  async update(actor: Actor, id: number, body: UpdateUserBody, schemaIssues: FieldIssue[]): Promise<string[]> {
    return this.deps.db.transaction(async (tx) => {
      const current = await findRecord<User>(tx, repo.users, actor.customerId, id, true);
      if (!current) throw AppError.notFound();
      if (current.Archived) throw new AppError('USER_ARCHIVED', `User ${id} is archived; unarchive it before changing it.`);
      const issues = [...schemaIssues];
      const values = forRole(current.Role, body as Values);
      await checkValues(tx, actor, { organisationId: current.OrganisationID, creating: false, currentProviderId: current.ProviderID }, current.Role, values, issues);
      if (issues.length > 0) throw AppError.invalid(issues);
      await updateRecord(tx, repo.users, actor.customerId, id, values, actorLabel(actor), { before: current as unknown as Values });
      return ilrWarnings(values as never);
    });
  }

  async setArchived(actor: Actor, id: number, archived: boolean): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const current = await findRecord<User>(tx, repo.users, actor.customerId, id, true);
      if (!current) throw AppError.notFound();
      if (await repo.setArchived(tx, actor.customerId, id, archived)) {
        await insertAudit(tx, actor.customerId, actorLabel(actor), 'user', id, archived ? 'archive' : 'unarchive',
          { Archived: { old: !archived, new: archived } }, current.OrganisationID);
      }
    });
  }

  async delete(actor: Actor, id: number): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const current = await findRecord<User>(tx, repo.users, actor.customerId, id, true);
      if (!current) throw AppError.notFound();
      const blockers = await repo.deleteBlockers(tx, id);
      if (blockers.progress > 0) throw new AppError('USER_HAS_PROGRESS');
      if (blockers.dependants > 0) {
        throw new AppError('USER_IN_USE', `User ${id} is the default assessor or employer of ${blockers.dependants} learner(s); change theirs first.`);
      }
      // The aim and unit slots and additional assignments they hold are let go, audited (decisions.md).
      await releaseStaff(tx, actor.customerId, id, actorLabel(actor));
      await deleteRecord(tx, repo.users, actor.customerId, id, actorLabel(actor));
    });
  }
}

/** The body's fields that this role carries. */
function forRole(role: unknown, body: Values): Values {
  const values: Values = { ...body };
  if (role !== Roles.Learner) for (const f of LearnerOnlyFields) delete values[f];
  if (!PLACED_ROLES.includes(role as number)) delete values.PlacementID;
  return values;
}

const usernameBase = (first: string, last: string): string =>
  `${first.slice(0, 1)}${last}`.normalize('NFKD').toLowerCase().replace(/[^a-z]/g, '').slice(0, 20) || 'user';

/**
 * Every rule beyond field shapes: role-mandatory fields, references within the organisation,
 * UK identifiers, the training provider. Adds to `issues` (so all problems are reported
 * together) and normalises `values` in place (ULN and NINO without spaces; empty means not
 * given). What the body names is looked up in one statement (repo.referenceFacts); a create
 * reads its organisation there too and gets it back (an unknown one is -11 alone). Without an
 * organisation (not given or malformed on create) only the provider is checked.
 */
async function checkValues(
  tx: Queryable, actor: Actor, at: { organisationId: number | undefined; creating: boolean; currentProviderId?: unknown },
  role: unknown, values: Values, issues: FieldIssue[],
): Promise<OrganisationRow | undefined> {
  const { creating, organisationId } = at;
  const bad = (field: string) => issues.some((i) => i.field === field);
  const present = (field: string) => values[field] !== undefined && !bad(field);
  const inOrganisation = organisationId !== undefined;
  const ref = (field: string) => (inOrganisation && present(field) ? values[field] as number : undefined);
  const staffFields = (['DefaultAssessorID', 'DefaultEmployerID'] as const).filter((f) => inOrganisation && present(f));
  const providerId = providerToCheck(values, at.currentProviderId, issues);
  const query: repo.ReferenceQuery = {
    organisationId, readOrganisation: creating && inOrganisation,
    classroomId: ref('ClassroomID'), placementId: ref('PlacementID'), learnerStatusId: ref('LearnerStatusID'),
    staffIds: staffFields.map((f) => values[f]).filter((v): v is number => Number.isInteger(v)),
    providerId: providerId !== undefined && providerInRange(providerId) ? providerId : undefined,
  };
  const asked = query.readOrganisation || query.classroomId !== undefined || query.placementId !== undefined
    || query.learnerStatusId !== undefined || query.staffIds.length > 0 || query.providerId !== undefined;
  const facts = asked ? await repo.referenceFacts(tx, actor.customerId, query) : undefined;
  const org = facts?.organisation ?? undefined;
  if (creating && inOrganisation && !org) throw unknownOrganisation(organisationId);

  if (inOrganisation) {
    if (creating && role === Roles.Learner) {
      for (const [field, error] of [['DefaultAssessorID', 'DEFAULT_ASSESSOR_INVALID'], ['ClassroomID', 'CLASSROOM_NOT_FOUND'], ['PlacementID', 'PLACEMENT_NOT_FOUND']] as const) {
        if (values[field] === undefined && !bad(field)) issues.push(issue(field, 'is required for learners', error));
      }
    }
    if (creating && (role === Roles.Employer || role === Roles.Observer) && values.PlacementID === undefined && !bad('PlacementID')) {
      issues.push(issue('PlacementID', 'is required for employers and observers', 'PLACEMENT_NOT_FOUND'));
    }
    if (present('Email') && !looksLikeEmail(String(values.Email).trim())) issues.push(issue('Email', 'must be an email address'));

    const owned = (field: string, found: boolean | null | undefined, error: 'CLASSROOM_NOT_FOUND' | 'PLACEMENT_NOT_FOUND' | 'LEARNER_STATUS_NOT_FOUND', what: string) => {
      if (present(field) && !found) issues.push(issue(field, `${values[field]} is not ${what} of this organisation`, error));
    };
    owned('ClassroomID', facts?.classroom, 'CLASSROOM_NOT_FOUND', 'a class');
    owned('PlacementID', facts?.placement, 'PLACEMENT_NOT_FOUND', 'a placement');
    owned('LearnerStatusID', facts?.learnerStatus, 'LEARNER_STATUS_NOT_FOUND', 'a learner status');

    const staffCheck = (field: string, roles: number[], error: 'DEFAULT_ASSESSOR_INVALID' | 'DEFAULT_EMPLOYER_INVALID', what: string) => {
      if (!present(field)) return;
      const ref = facts?.staff.get(values[field] as number);
      if (!ref || ref.organisation_id !== organisationId) issues.push(issue(field, `${values[field]} is not a user of this organisation`, error));
      else if (!roles.includes(ref.role)) issues.push(issue(field, `${values[field]} is not ${what}`, error));
      else if (ref.archived) issues.push(issue(field, `${values[field]} is archived`, error));
    };
    staffCheck('DefaultAssessorID', ASSESSOR_ROLES, 'DEFAULT_ASSESSOR_INVALID', 'an Assessor/Tutor or Trainee Assessor');
    staffCheck('DefaultEmployerID', [Roles.Employer], 'DEFAULT_EMPLOYER_INVALID', 'an Employer');

    if (typeof values.ULN === 'string' && !bad('ULN')) {
      const problem = values.ULN.trim() === '' ? null : ulnProblem(values.ULN);
      if (problem) issues.push(issue('ULN', problem, 'ULN_INVALID'));
      else values.ULN = values.ULN.trim() === '' ? null : normaliseUln(values.ULN);
    }
    if (typeof values.NINO === 'string' && !bad('NINO')) {
      const problem = values.NINO.trim() === '' ? null : ninoProblem(values.NINO);
      if (problem) issues.push(issue('NINO', problem, 'NINO_INVALID'));
      else values.NINO = values.NINO.trim() === '' ? null : normaliseNino(values.NINO);
    }
  }
  providerProblem(providerId, query.providerId !== undefined && facts?.provider === true, issues);
  return org;
}
