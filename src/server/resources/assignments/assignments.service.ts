import { unlessLostRace, type Database, type Queryable } from '../../db/client.js';
import { insertAudit } from '../../db/audit.repository.js';
import * as repo from './assignments.repository.js';
import * as aims from '../learning-aims/learning-aims.repository.js';
import * as summaries from '../unit-summaries/unit-summaries.repository.js';
import { findUnit } from '../units/units.repository.js';
import { pathBoolean } from '../framework-templates/framework-templates.service.js';
import type { AssignBody, Assignment } from '../../../contract/assignments.js';
import { Roles, roleWithArticle } from '../../../contract/users.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';

const SLOT_ROLES: number[] = [Roles.TraineeAssessor, Roles.Assessor, Roles.IQA];
const ADDITIONAL_ROLES: number[] = [...SLOT_ROLES, Roles.Employer, Roles.Observer];

export class AssignmentsService {
  constructor(private readonly db: Database) {}

  /**
   * POST /User/{id}/Assign and /Unassign (spec 5.3). `{id}` is the staff member and LearnerID
   * the learner; given the other way round, the roles tell them apart. Levels 3 and 2 fill
   * (or empty) the assessor or IQA slot of the learner's aim or unit summary, by the staff
   * member's role; level 1 adds to (or removes from) the learner's additional staff.
   */
  async assign(actor: Actor, pathUserId: number, body: AssignBody, schemaIssues: FieldIssue[], unassign = false): Promise<void> {
    if (body.Level === 3 && (await this.assignAimInOneStatement(actor, pathUserId, body, schemaIssues, unassign))) return;
    await this.db.transaction(async (tx) => {
      // Both people, held against deletion; then the learner's programme, locked: see lockLearner.
      const ids = peopleOf(pathUserId, body, schemaIssues);
      const { staff, learner, slot, field, target } = checkPeople(await aims.findPeople(tx, actor.customerId, ids), pathUserId, body, schemaIssues, unassign);
      const level = body.Level;
      const label = actorLabel(actor);
      let changed = false;

      if (level === 3) {
        // The learner locked (as lockLearner does), the standard checked and the aim locked, in one statement.
        const standardId = body.StandardID!;
        const aim = checkedAim(await repo.lockLearnerAim(tx, actor.customerId, learner.id, standardId), learner.id, standardId);
        const holder = aim[slot];
        if (unassign ? holder === staff.id : holder !== staff.id) {
          await repo.setAimSlotTouchingLearner(tx, actor.customerId, aim.id, slot, target);
          await insertAudit(tx, actor.customerId, label, 'learning_aim', aim.id, 'update', { [field]: { old: holder, new: target } });
        }
        return;
      }
      await aims.lockLearner(tx, actor.customerId, learner.id);
      if (level === 2) {
        const unitId = body.UnitID!;
        if (!(await findUnit(tx, actor.customerId, unitId))) {
          throw AppError.invalid([issue('UnitID', `${unitId} is not a unit of this customer`, 'UNIT_NOT_FOUND')]);
        }
        const rows = await summaries.summariesOfUnit(tx, actor.customerId, learner.id, unitId, body.StandardID);
        if (rows.length === 0) {
          throw AppError.invalid([
            issue(
              'UnitID',
              `learner ${learner.id} does not have unit ${unitId}${body.StandardID ? ` within standard ${body.StandardID}` : ''}`,
              'UNIT_NOT_ASSIGNED',
            ),
          ]);
        }
        for (const row of rows) {
          const holder = row[slot];
          if (unassign ? holder === staff.id : holder !== staff.id) {
            await summaries.setSummarySlot(tx, row.id, slot, target);
            await insertAudit(tx, actor.customerId, label, 'unit_summary', row.id, 'update', { [field]: { old: holder, new: target } });
            changed = true;
          }
        }
      } else {
        const done = unassign
          ? await repo.removeAdditional(tx, actor.customerId, learner.id, staff.id)
          : await repo.addAdditional(tx, actor.customerId, learner.id, staff.id);
        if (done) {
          await insertAudit(tx, actor.customerId, label, 'assignment', learner.id, unassign ? 'delete' : 'create', {
            LearnerID: { old: null, new: learner.id },
            UserID: unassign ? { old: staff.id, new: null } : { old: null, new: staff.id },
            Level: { old: null, new: 1 },
            OrganisationID: { old: null, new: learner.organisation_id },
          });
          changed = true;
        }
      }
      if (changed) await aims.touchUsers(tx, actor.customerId, [learner.id]);
    });
  }

  /**
   * A level 3 assignment of the usual kind (LearnerID the learner) without a transaction:
   * the checks read their facts unlocked, then one statement reads them again with the locks
   * and sets the slot only if they are unchanged. Answers false when the transaction must
   * do it (an unusual request, or something changed in between); throws what it would.
   */
  private async assignAimInOneStatement(actor: Actor, pathUserId: number, body: AssignBody, schemaIssues: FieldIssue[], unassign: boolean): Promise<boolean> {
    if (typeof body.LearnerID !== 'number' || typeof body.StandardID !== 'number' || schemaIssues.length > 0) return false;
    const ids = peopleOf(pathUserId, body, schemaIssues);
    const standardId = body.StandardID;
    const facts = await repo.readLevel3Facts(this.db, actor.customerId, ids, body.LearnerID, standardId);
    const { staff, learner, slot, field, target } = checkPeople(new Map(facts.people.map((p) => [p.id, p])), pathUserId, body, schemaIssues, unassign);
    if (learner.id !== body.LearnerID) return false;
    const aim = checkedAim(facts, learner.id, standardId);
    const holder = aim[slot];
    if (unassign ? holder !== staff.id : holder === staff.id) return true;
    const written = await repo
      .setAimSlotChecked(
        this.db,
        actor.customerId,
        { people: ids, learnerId: learner.id, standardId, digest: facts.digest },
        { aimId: aim.id, slot, field, old: holder, target, actor: actorLabel(actor) },
      )
      .catch(unlessLostRace);
    return written === true;
  }

  /** GET /User/{id}/Assignments: everyone assigned to the learner, by kind (spec 5.3). */
  async list(actor: Actor, learnerId: number): Promise<Assignment[]> {
    const people = await this.db.transaction(async (tx) => aims.findPeople(tx, actor.customerId, [learnerId]));
    const learner = people.get(learnerId);
    if (!learner) throw AppError.notFound();
    if (learner.role !== Roles.Learner) throw new AppError('LEARNER_INVALID', `User ${learnerId} is not a learner; assignments are listed per learner.`);
    return repo.assignmentsOf(this.db, actor.customerId, learnerId);
  }

  /** POST /User/{userId}/AssignPlacement/{placementId}/{grantAccess}: links an employer to a placement of their organisation. */
  async assignPlacement(actor: Actor, userId: number, placementId: number, grantAccess: string): Promise<void> {
    const grant = pathBoolean('grantAccess', grantAccess);
    await this.db.transaction(async (tx) => {
      const user = (await aims.findPeople(tx, actor.customerId, [userId])).get(userId);
      if (!user) throw AppError.notFound();
      const issues: FieldIssue[] = [];
      if (user.role !== Roles.Employer)
        issues.push(issue('userId', `user ${userId} is ${roleWithArticle(user.role) ?? 'not an employer'}, not an Employer`, 'NOT_AN_EMPLOYER'));
      else if (user.archived) issues.push(issue('userId', `user ${userId} is archived`, 'STAFF_ARCHIVED'));
      if (!(await repo.placementInOrganisation(tx, actor.customerId, user.organisation_id, placementId))) {
        issues.push(issue('placementId', `${placementId} is not a placement of the employer's organisation`, 'PLACEMENT_NOT_FOUND'));
      }
      if (issues.length > 0) throw AppError.invalid(issues);
      await aims.lockLearner(tx, actor.customerId, userId);
      const before = await repo.linkPlacement(tx, actor.customerId, userId, placementId, grant);
      if (before === grant) return;
      await insertAudit(tx, actor.customerId, actorLabel(actor), 'employer_placement', userId, before === undefined ? 'create' : 'update', {
        ...(before === undefined
          ? { UserID: { old: null, new: userId }, PlacementID: { old: null, new: placementId } }
          : { PlacementID: { old: placementId, new: placementId } }),
        GrantAccess: { old: before ?? null, new: grant },
        OrganisationID: { old: null, new: user.organisation_id },
      });
      await aims.touchUsers(tx, actor.customerId, [userId]);
    });
  }
}

/**
 * Before a user is deleted: the slots they hold are emptied and they leave every learner's
 * additional staff, each change audited, and those learners' LastModified moves. (Deleting a
 * learner removes their own aims and unit summaries with them; -110 guards those with progress.)
 */
export async function releaseStaff(tx: Queryable, customerId: number, userId: number, actor: string): Promise<void> {
  const slots = await repo.releaseSlots(tx, customerId, userId);
  for (const s of slots) await insertAudit(tx, customerId, actor, s.entity, s.id, 'update', { [s.field]: { old: userId, new: null } });
  const learners = await repo.releaseAdditional(tx, customerId, userId);
  for (const learnerId of learners) {
    await insertAudit(tx, customerId, actor, 'assignment', learnerId, 'delete', {
      LearnerID: { old: null, new: learnerId },
      UserID: { old: userId, new: null },
      Level: { old: null, new: 1 },
    });
  }
  await aims.touchUsers(
    tx,
    customerId,
    [...new Set([...slots.map((s) => s.learnerId), ...learners])].filter((id) => id !== userId),
  );
}

/** The users an assignment reads: the path's, and LearnerID when it is a well-formed ID. */
function peopleOf(pathUserId: number, body: AssignBody, schemaIssues: FieldIssue[]): number[] {
  const learnerOk = typeof body.LearnerID === 'number' && !schemaIssues.some((i) => i.field === 'LearnerID');
  return [pathUserId, ...(learnerOk ? [body.LearnerID] : [])];
}

/**
 * An assignment's checks of the body and the two people (404 for an unknown path user, one
 * 400 naming every problem, -109 for an archived learner): answers who is the staff member
 * and who the learner, and the slot and field the staff member's role fills.
 */
function checkPeople(people: Map<number, aims.Person>, pathUserId: number, body: AssignBody, schemaIssues: FieldIssue[], unassign: boolean) {
  const issues = [...schemaIssues];
  const bad = (field: string) => issues.some((i) => i.field === field);
  if (typeof body.Level === 'number' && ![1, 2, 3].includes(body.Level) && !bad('Level')) {
    issues.push(issue('Level', 'must be 3 (learning aim), 2 (unit summary) or 1 (additional)', 'ASSIGN_LEVEL_INVALID'));
  }
  const pathUser = people.get(pathUserId);
  if (!pathUser) throw AppError.notFound();
  if (bad('LearnerID') || body.LearnerID === undefined) throw AppError.invalid(issues);
  const other = people.get(body.LearnerID);
  if (!other) {
    issues.push(issue('LearnerID', `${body.LearnerID} is not a user of this customer`, 'LEARNER_INVALID'));
    throw AppError.invalid(issues);
  }
  const swapped = pathUser.role === Roles.Learner && other.role !== Roles.Learner;
  const [staff, learner] = swapped ? [other, pathUser] : [pathUser, other];
  const staffField = swapped ? 'LearnerID' : 'id';
  if (learner.role !== Roles.Learner) {
    issues.push(issue('LearnerID', `${learner.id} is ${roleWithArticle(learner.role) ?? 'not a learner'}, not a learner`, 'LEARNER_INVALID'));
  }
  const level = body.Level;
  const allowed = level === 1 ? ADDITIONAL_ROLES : SLOT_ROLES;
  if ([1, 2, 3].includes(level) && !allowed.includes(staff.role)) {
    issues.push(
      issue(
        staffField,
        `user ${staff.id} is ${roleWithArticle(staff.role) ?? 'of another role'}; level ${level} takes ${level === 1 ? 'assessors, IQAs, employers and observers' : 'assessors and IQAs'}`,
        'ASSIGN_ROLE_INVALID',
      ),
    );
  }
  if (!unassign && staff.archived) issues.push(issue(staffField, `user ${staff.id} is archived`, 'STAFF_ARCHIVED'));
  if (staff.organisation_id !== learner.organisation_id) {
    issues.push(
      issue(
        staffField,
        `user ${staff.id} is in organisation ${staff.organisation_id}, learner ${learner.id} in ${learner.organisation_id}`,
        'NOT_SAME_ORGANISATION',
      ),
    );
  }
  if (level === 3 && body.StandardID === undefined && !bad('StandardID')) issues.push(issue('StandardID', 'is required for level 3', 'STANDARD_NOT_FOUND'));
  if (level === 2 && body.UnitID === undefined && !bad('UnitID')) issues.push(issue('UnitID', 'is required for level 2', 'UNIT_NOT_FOUND'));
  if (issues.length > 0) throw AppError.invalid(issues);
  if (learner.archived) throw new AppError('USER_ARCHIVED', `Learner ${learner.id} is archived; unarchive them before changing their assignments.`);
  const slot: aims.Slot = staff.role === Roles.IQA ? 'iqa_id' : 'assessor_id';
  return { staff, learner, slot, field: staff.role === Roles.IQA ? 'IQAID' : 'AssessorID', target: unassign ? null : staff.id };
}

/** A level 3 assignment's aim, or the 400 for an unknown standard or a learner without an aim for it. */
function checkedAim<A>(found: { standard: boolean; aim: A | null | undefined }, learnerId: number, standardId: number): A {
  if (!found.standard) throw AppError.invalid([issue('StandardID', `${standardId} is not a standard of this customer`, 'STANDARD_NOT_FOUND')]);
  if (!found.aim) throw AppError.invalid([issue('StandardID', `learner ${learnerId} has no learning aim for standard ${standardId}`, 'LEARNING_AIM_MISSING')]);
  return found.aim;
}
