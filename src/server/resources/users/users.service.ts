import type { Database, Queryable } from '../../db/client.js';
import { deleteRecord, findRecord, insertRecord, updateRecord } from '../../db/records.js';
import type { OrganisationRow } from '../organisations/organisations.repository.js';
import * as repo from './users.repository.js';
import { releaseStaff } from '../assignments/assignments.service.js';
import { insertAudit } from '../../db/audit.repository.js';
import { insertVerification, upsertKeychain } from '../keychain/keychain.repository.js';
import { VERIFY_PATH } from '../keychain/keychain.service.js';
import { enqueueMail } from '../../mail/outbox.repository.js';
import { keychainVerificationMail } from '../../mail/templates.js';
import { type CreateUserBody, type UpdateUserBody, type User, type UserSearchFilter } from '../../../contract/users.js';
import { AppError, type FieldIssue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import { checkProviderReference } from '../providers/providers.service.js';
import { requireOrganisation } from '../organisations/organisations.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import { hashPassword, newPassword, newToken, tokenHash } from '../../domain/secrets.js';
import { ilrWarnings } from '../../domain/uk-data.js';
import { checkRole, checkUserValues, forRole, referencesToCheck, usernameBase, type Values } from './users.rules.js';

export const VERIFICATION_DAYS = 7;

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
    const org = await requireOrganisation(db, actor, body.OrganisationID, issues);
    const values = forRole(body.Role, body as Values);
    const warnings = ilrWarnings(values as never);
    // Hash before the transaction: scrypt is slow on purpose, and PGlite serves one transaction at a time.
    const password = org && !org.KeychainCreationForNewUserActive ? newPassword() : undefined;
    const passwordHash = password ? await hashPassword(password) : undefined;

    const outcome = await db.transaction(async (tx) => {
      checkRole(body.Role, issues);
      if (org) await checkValues(tx, actor, org.ID, body.Role, values, issues, true);
      await checkProviderReference(tx, actor.customerId, values, undefined, issues);
      if (issues.length > 0 || !org) throw AppError.invalid(issues);
      return org.KeychainCreationForNewUserActive
        ? this.createOnKeychain(tx, actor, org, values)
        : this.createWithLogin(tx, actor, values, password!, passwordHash!);
    });
    if (outcome.kind === 'keychain' && outcome.link) this.deps.mailQueued();
    return outcome.kind === 'keychain' ? { kind: 'keychain', id: outcome.id, warnings } : { ...outcome, warnings };
  }

  private async createWithLogin(tx: Queryable, actor: Actor, values: Values, password: string, passwordHash: string) {
    const user = await insertRecord<User>(tx, repo.users, actor.customerId, values, actorLabel(actor));
    const username = await repo.assignUsername(tx, user.ID, usernameBase(user.FirstName, user.LastName), passwordHash);
    return { kind: 'credentials' as const, user: { ...user, Username: username, Password: password } };
  }

  private async createOnKeychain(tx: Queryable, actor: Actor, org: OrganisationRow, values: Values) {
    const email = String(values.Email);
    const keychain = await upsertKeychain(tx, actor.customerId, email);
    if (keychain.created) {
      await insertAudit(tx, actor.customerId, actorLabel(actor), 'keychain', keychain.id, 'create', { Email: { old: null, new: email } });
    }
    const user = await insertRecord<User>(tx, repo.users, actor.customerId, values, actorLabel(actor), { keychain_id: keychain.id });
    let link: string | undefined;
    if (!org.KeychainEmailSuppression) {
      const token = newToken();
      link = `${this.deps.publicUrl()}${VERIFY_PATH}/${token}`;
      await insertVerification(tx, actor.customerId, keychain.id, user.ID, tokenHash(token), VERIFICATION_DAYS);
      const mail = keychainVerificationMail({
        firstName: user.FirstName, organisation: org.Name, days: VERIFICATION_DAYS,
        link,
      });
      await enqueueMail(tx, { customerId: actor.customerId, userId: user.ID, to: email, ...mail, secret: token });
    }
    return { kind: 'keychain' as const, id: user.ID, link };
  }

  /** Changes only the fields given, with the same rules as create; answers the ILR warnings. */
  async update(actor: Actor, id: number, body: UpdateUserBody, schemaIssues: FieldIssue[]): Promise<string[]> {
    return this.deps.db.transaction(async (tx) => {
      const current = await findRecord<User>(tx, repo.users, actor.customerId, id, true);
      if (!current) throw AppError.notFound();
      if (current.Archived) throw new AppError('USER_ARCHIVED', `User ${id} is archived; unarchive it before changing it.`);
      const issues = [...schemaIssues];
      const values = forRole(current.Role, body as Values);
      await checkValues(tx, actor, current.OrganisationID, current.Role, values, issues, false);
      await checkProviderReference(tx, actor.customerId, values, current.ProviderID, issues);
      if (issues.length > 0) throw AppError.invalid(issues);
      await updateRecord(tx, repo.users, actor.customerId, id, values, actorLabel(actor));
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

/**
 * Every rule beyond field shapes (users.rules.ts), with the facts it needs read here: the
 * referenced class, placement and learner status, and the referenced staff, held against
 * deletion until the write commits (findUserRefs).
 */
async function checkValues(
  tx: Queryable, actor: Actor, organisationId: number, role: unknown, values: Values, issues: FieldIssue[], creating: boolean,
): Promise<void> {
  const refs = referencesToCheck(values, issues);
  const owned = new Set<string>();
  for (const { table, id } of refs.owned) {
    if (await repo.inOrganisation(tx, table, actor.customerId, organisationId, id)) owned.add(`${table}:${id}`);
  }
  const staff = await repo.findUserRefs(tx, actor.customerId, refs.staffIds);
  checkUserValues(organisationId, role, values, issues, creating, { owns: (table, id) => owned.has(`${table}:${id}`), staff });
}
