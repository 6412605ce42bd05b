import type { Database, Queryable } from '../../db/client.js';
import { findRecord, updateRecord } from '../../db/records.js';
import { insertAudit } from '../../db/audit.repository.js';
import * as repo from './learning-aims.repository.js';
import { findOrganisation } from '../organisations/organisations.repository.js';
import type { LearningAimSearchFilter, UpdateLearningAimBody } from '../../../contract/learning-aims.js';
import { Roles } from '../../../contract/users.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

type Aim = Record<string, unknown> & { ID: number; UserID: number; OrganisationID: number | null; LastModified: Date };

export class LearningAimsService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  search(actor: Actor, filter: LearningAimSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.learningAimListing(actor.customerId, filter), paging);
  }

  async get(actor: Actor, id: number) {
    const aim = await findRecord<Aim>(this.db, repo.learningAims, actor.customerId, id);
    if (!aim) throw AppError.notFound();
    return aim;
  }

  /** Changes only the fields given; Status must be one of the learner's organisation's learning-aim statuses. */
  async update(actor: Actor, id: number, body: UpdateLearningAimBody, schemaIssues: FieldIssue[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      const found = await findRecord<Aim>(tx, repo.learningAims, actor.customerId, id);
      if (!found) throw AppError.notFound();
      // The learner first, then the aim: the order every programme write takes.
      const learner = await repo.lockLearner(tx, actor.customerId, found.UserID);
      if (!learner) throw AppError.notFound();
      if (learner.archived) throw new AppError('USER_ARCHIVED', `Learner ${learner.id} is archived; unarchive them before changing their learning aims.`);
      const issues = [...schemaIssues];
      if (
        body.Status !== undefined &&
        !issues.some((i) => i.field === 'Status') &&
        !(await repo.statusInOrganisation(tx, actor.customerId, found.OrganisationID ?? learner.organisation_id, body.Status))
      ) {
        issues.push(issue('Status', `${body.Status} is not a learning-aim status of the learner's organisation`, 'LEARNING_AIM_STATUS_NOT_FOUND'));
      }
      if (issues.length > 0) throw AppError.invalid(issues);
      const after = await updateRecord<Aim>(tx, repo.learningAims, actor.customerId, id, body, actorLabel(actor));
      if (after && new Date(after.LastModified).getTime() !== new Date(found.LastModified).getTime()) {
        await repo.touchUsers(tx, actor.customerId, [learner.id]);
      }
    });
  }

  async statuses(actor: Actor, organisationId: number) {
    if (!(await findOrganisation(this.db, actor.customerId, organisationId))) throw AppError.notFound();
    return repo.learningAimStatuses(this.db, actor.customerId, organisationId);
  }

  // ---- operator ----

  async addStatus(organisationId: number, name: string, actor = 'operator'): Promise<{ id: number }> {
    return this.db.transaction(async (tx) => {
      const made = await repo.insertLearningAimStatus(tx, organisationId, name);
      if (!made) throw AppError.notFound(`No organisation with ID ${organisationId} (see: learnfile organisation list).`);
      await insertAudit(tx, made.customerId, actor, 'learning_aim_status', made.id, 'create', {
        OrganisationID: { old: null, new: organisationId },
        Name: { old: null, new: name },
      });
      return { id: made.id };
    });
  }

  async listStatuses(organisationId: number) {
    const customerId = await repo.organisationCustomer(this.db, organisationId);
    if (customerId === undefined) throw AppError.notFound(`No organisation with ID ${organisationId} (see: learnfile organisation list).`);
    return (await repo.learningAimStatuses(this.db, customerId, organisationId)).map((s) => ({ id: s.ID, name: s.Name }));
  }
}

/**
 * The learner a programme write is for, locked until it commits (see lockLearner). Unknown
 * (or another customer's) is a 404 when named in the path; not a learner, or archived, is a 400.
 */
export async function requireLearner(tx: Queryable, customerId: number, id: number): Promise<repo.Person> {
  const learner = await repo.lockLearner(tx, customerId, id);
  if (!learner) throw AppError.notFound();
  if (learner.role !== Roles.Learner) throw new AppError('LEARNER_INVALID', `User ${id} is not a learner.`);
  if (learner.archived) throw new AppError('USER_ARCHIVED', `Learner ${id} is archived; unarchive them before changing their programme.`);
  return learner;
}

/** Gives the learner an aim for the standard if they have none, audited; answers the aim. */
export async function giveStandard(
  tx: Queryable,
  customerId: number,
  actor: string,
  learner: repo.Person,
  standardId: number,
  d: repo.AimDefaults = {},
): Promise<{ aim: repo.AimRow; created: boolean }> {
  const result = await repo.ensureAim(tx, customerId, learner, standardId, d);
  if (result.created) {
    const a = result.aim;
    await insertAudit(tx, customerId, actor, 'learning_aim', a.id, 'create', {
      UserID: { old: null, new: learner.id },
      OrganisationID: { old: null, new: learner.organisation_id },
      StandardID: { old: null, new: standardId },
      StartDate: { old: null, new: a.start_date },
      PlannedEnd: { old: null, new: a.planned_end },
      Weighting: { old: null, new: a.weighting },
    });
  }
  return result;
}
