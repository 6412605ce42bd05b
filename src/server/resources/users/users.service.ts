import { unlessLostRace, type Database, type Queryable } from '../../db/client.js';
import { auditCreate, changedFields, deleteRecord, findRecord, updateRecord } from '../../db/records.js';
import type { OrganisationRow } from '../organisations/organisations.repository.js';
import * as repo from './users.repository.js';
import { releaseStaff } from '../assignments/assignments.service.js';
import { insertAudit } from '../../db/audit.repository.js';
import { VERIFY_PATH } from '../keychain/keychain.service.js';
import { keychainVerificationMail } from '../../mail/templates.js';
import type { CreateUserBody, UpdateUserBody, User, UserSearchFilter } from '../../../contract/users.js';
import { AppError, type FieldIssue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import { providerInRange, providerProblem, providerToCheck } from '../providers/providers.service.js';
import { organisationToRead, unknownOrganisation } from '../organisations/organisations.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import { generatedPassword, newToken, tokenHash } from '../../domain/secrets.js';
import { ilrWarnings } from '../../domain/uk-data.js';
import { checkRole, checkUserValues, forRole, usernameBase, type OwnedTable, type Values } from './users.rules.js';

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
  /** Facts read before checked writes, kept for the next ones (repo.FactsCache). */
  readonly facts = new repo.FactsCache();

  constructor(private readonly deps: UsersDeps) {}

  async get(actor: Actor, id: number): Promise<User> {
    const user = await findRecord<User>(this.deps.db, repo.users, actor.customerId, id);
    if (!user) throw AppError.notFound();
    return user;
  }

  search(actor: Actor, filter: UserSearchFilter, paging?: Paging) {
    return this.deps.searcher.run(repo.userListing(actor.customerId, filter), paging);
  }

  /**
   * The rules are checked against facts read without a transaction, and the user written by
   * one statement that reads them again and writes only if they are unchanged, with its audit
   * records and events (two round trips, no BEGIN or COMMIT). When something it names changed
   * in between, or the statement lost a deadlock, the create runs again in a transaction.
   */
  async create(actor: Actor, body: CreateUserBody, schemaIssues: FieldIssue[]): Promise<CreateOutcome> {
    const { db } = this.deps;
    const organisationId = organisationToRead(body.OrganisationID, [...schemaIssues]);
    const values = forRole(body.Role, body as Values);
    const warnings = ilrWarnings(values as never);
    const checked = async (q: Queryable, cache?: repo.FactsCache) => {
      const issues = [...schemaIssues];
      organisationToRead(body.OrganisationID, issues);
      checkRole(body.Role, issues);
      // The organisation and everything the body names, read together.
      const facts = await checkValues(q, actor, { organisationId, creating: true }, body.Role, values, issues, cache);
      if (issues.length > 0 || !facts.org) throw AppError.invalid(issues);
      return { ...facts, org: facts.org };
    };
    const write = (q: Queryable, org: OrganisationRow, guard?: repo.CheckedCreate) =>
      org.KeychainCreationForNewUserActive ? this.createOnKeychain(q, actor, org, values, guard) : this.createWithLogin(q, actor, values, guard);
    const first = await checked(db, this.facts);
    const outcome =
      (await write(db, first.org, { query: first.query, digest: first.digest, actor: actorLabel(actor) }).catch(unlessLostRace)) ??
      (await db.transaction(async (tx) => {
        this.facts.forget(actor.customerId, first.query);
        return (await write(tx, (await checked(tx)).org))!;
      }));
    if (outcome.kind === 'keychain' && outcome.link) this.deps.mailQueued();
    return outcome.kind === 'keychain' ? { kind: 'keychain', id: outcome.id, warnings } : { ...outcome, warnings };
  }

  private async createWithLogin(q: Queryable, actor: Actor, values: Values, guard?: repo.CheckedCreate) {
    // A generated password has a fast hash of its own (secrets.ts): creates are not held to scrypt's pace.
    const login = generatedPassword();
    const base = usernameBase(String(values.FirstName ?? ''), String(values.LastName ?? ''));
    const created = await repo.insertLoginUser(q, actor.customerId, values, base, login.hash, guard);
    if (!created) return undefined;
    if (!guard) await auditCreate(q, repo.users, actor.customerId, actorLabel(actor), created.row, created.cols);
    return { kind: 'credentials' as const, user: { ...created.row, Password: login.password } };
  }

  private async createOnKeychain(q: Queryable, actor: Actor, org: OrganisationRow, values: Values, guard?: repo.CheckedCreate) {
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
    const created = await repo.insertKeychainUser(q, actor.customerId, values, { email, verification }, guard);
    if (!created) return undefined;
    if (!guard) {
      const label = actorLabel(actor);
      if (created.keychainCreated) {
        await insertAudit(q, actor.customerId, label, 'keychain', created.keychainId, 'create', { Email: { old: null, new: email } });
      }
      await auditCreate(q, repo.users, actor.customerId, label, created.row, created.cols);
    }
    return { kind: 'keychain' as const, id: created.row.ID, link };
  }

  /**
   * Changes only the fields given, with the same rules as create; answers the ILR warnings.
   * Like create: checked against the user and facts read without a transaction, then written
   * by one statement that writes only if both are as read; else again in a transaction.
   */
  async update(actor: Actor, id: number, body: UpdateUserBody, schemaIssues: FieldIssue[]): Promise<string[]> {
    const { db } = this.deps;
    const check = async (q: Queryable, current: User | undefined, cache?: repo.FactsCache) => {
      if (!current) throw AppError.notFound();
      if (current.Archived) throw new AppError('USER_ARCHIVED', `User ${id} is archived; unarchive it before changing it.`);
      const issues = [...schemaIssues];
      const values = forRole(current.Role, body as Values);
      const facts = await checkValues(
        q,
        actor,
        { organisationId: current.OrganisationID, creating: false, currentProviderId: current.ProviderID },
        current.Role,
        values,
        issues,
        cache,
      );
      if (issues.length > 0) throw AppError.invalid(issues);
      return { values, facts };
    };
    const current = await repo.findUserWithDigest(db, actor.customerId, id);
    const { values, facts } = await check(db, current, this.facts);
    const changed = changedFields(repo.users, current as unknown as Values, values);
    const written =
      changed.length === 0 ||
      (await repo
        .updateUserChecked(db, actor.customerId, current!, changed, { facts: facts.digest ? facts : undefined, actor: actorLabel(actor) })
        .catch(unlessLostRace));
    if (!written) {
      this.facts.forget(actor.customerId, facts.query);
      await this.deps.db.transaction(async (tx) => {
        const locked = await findRecord<User>(tx, repo.users, actor.customerId, id, true);
        const again = await check(tx, locked);
        await updateRecord(tx, repo.users, actor.customerId, id, again.values, actorLabel(actor), { before: locked as unknown as Values });
      });
    }
    return ilrWarnings(values as never);
  }

  async setArchived(actor: Actor, id: number, archived: boolean): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const current = await findRecord<User>(tx, repo.users, actor.customerId, id, true);
      if (!current) throw AppError.notFound();
      if (await repo.setArchived(tx, actor.customerId, id, archived)) {
        await insertAudit(
          tx,
          actor.customerId,
          actorLabel(actor),
          'user',
          id,
          archived ? 'archive' : 'unarchive',
          { Archived: { old: !archived, new: archived } },
          current.OrganisationID,
        );
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
 * Every rule beyond field shapes (users.rules.ts, shared with the bulk import), with the facts
 * it needs read in one statement (repo.referenceFacts): the referenced class, placement,
 * learner status and staff, the training provider, and on create the organisation itself,
 * which is answered (an unknown one is -11 alone). Without an organisation (not given or
 * malformed on create) only the provider is checked. With `cache` (outside a transaction,
 * before a checked write) the facts may be kept ones (repo.FactsCache).
 */
async function checkValues(
  tx: Queryable,
  actor: Actor,
  at: { organisationId: number | undefined; creating: boolean; currentProviderId?: unknown },
  role: unknown,
  values: Values,
  issues: FieldIssue[],
  cache?: repo.FactsCache,
): Promise<{ org: OrganisationRow | undefined; query: repo.ReferenceQuery; digest: string }> {
  const { creating, organisationId } = at;
  const bad = (field: string) => issues.some((i) => i.field === field);
  const present = (field: string) => values[field] !== undefined && !bad(field);
  const inOrganisation = organisationId !== undefined;
  const ref = (field: string) => (inOrganisation && present(field) ? (values[field] as number) : undefined);
  const staffFields = (['DefaultAssessorID', 'DefaultEmployerID'] as const).filter((f) => inOrganisation && present(f));
  const providerId = providerToCheck(values, at.currentProviderId, issues);
  const query: repo.ReferenceQuery = {
    organisationId,
    readOrganisation: creating && inOrganisation,
    classroomId: ref('ClassroomID'),
    placementId: ref('PlacementID'),
    learnerStatusId: ref('LearnerStatusID'),
    staffIds: staffFields.map((f) => values[f]).filter((v): v is number => Number.isInteger(v)),
    providerId: providerId !== undefined && providerInRange(providerId) ? providerId : undefined,
  };
  const asked =
    query.readOrganisation ||
    query.classroomId !== undefined ||
    query.placementId !== undefined ||
    query.learnerStatusId !== undefined ||
    query.staffIds.length > 0 ||
    query.providerId !== undefined;
  const judge = (facts: repo.ReferenceFacts | undefined): { org?: OrganisationRow; found: FieldIssue[]; refusal?: unknown } => {
    const found = [...issues];
    try {
      const org = facts?.organisation ?? undefined;
      if (creating && inOrganisation && !org) throw unknownOrganisation(organisationId);
      if (inOrganisation) {
        const owned: Record<OwnedTable, boolean> = {
          classrooms: facts?.classroom === true,
          placements: facts?.placement === true,
          learner_statuses: facts?.learnerStatus === true,
        };
        checkUserValues(organisationId, role, values, found, creating, { owns: (table) => owned[table], staff: facts?.staff ?? new Map() });
      }
      providerProblem(providerId, query.providerId !== undefined && facts?.provider === true, found);
      return { org, found };
    } catch (refusal) {
      return { found, refusal };
    }
  };
  const fresh = async () => ({ ...(await repo.referenceFacts(tx, actor.customerId, query, { lock: tx.beforeCommit !== undefined })), cached: false });
  let facts = asked ? await (cache ? cache.read(tx, actor.customerId, query) : fresh()) : undefined;
  let verdict = judge(facts);
  if (cache && facts?.cached && (verdict.refusal !== undefined || verdict.found.length > 0)) {
    // Kept facts may be stale: a write about to be refused, for whatever reason, is judged
    // again on fresh ones, so that the 400 names exactly what fresh facts find wrong.
    cache.forget(actor.customerId, query);
    facts = await fresh();
    verdict = judge(facts);
  }
  if (verdict.refusal !== undefined) throw verdict.refusal;
  issues.splice(0, issues.length, ...verdict.found);
  return { org: verdict.org, query, digest: facts?.digest ?? '' };
}
