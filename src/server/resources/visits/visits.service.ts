import type { Database } from '../../db/client.js';
import { findRecord, insertRecord } from '../../db/records.js';
import { insertAudit } from '../../db/audit.repository.js';
import * as repo from './visits.repository.js';
import { BuiltInVisitTypes, DEFAULT_VISIT_TYPE, type CreateVisitBody, type Visit, type VisitSearchFilter } from '../../../contract/visits.js';
import { AppError, issue, type FieldIssue } from '../../domain/app-error.js';
import type { Paging, Searcher } from '../../domain/search.service.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import { requireOrganisation, type OrganisationsService } from '../organisations/organisations.service.js';
import { checkOrder, checkParticipants } from '../journey/journey.rules.js';
import { touchLearner } from '../journey/journey.repository.js';

const builtIn = (id: number) => BuiltInVisitTypes.some((t) => t.ID === id);

/** Visits (appointments) booked for a learner with an assessor of their organisation. */
export class VisitsService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
    private readonly organisations: OrganisationsService,
  ) {}

  async get(actor: Actor, id: number): Promise<Visit> {
    const row = await findRecord<Visit>(this.db, repo.visits, actor.customerId, id);
    if (!row) throw AppError.notFound();
    return row;
  }

  search(actor: Actor, filter: VisitSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.visitListing(actor.customerId, filter), paging);
  }

  /** Books a visit; answers its ID. */
  async create(actor: Actor, body: CreateVisitBody, schemaIssues: FieldIssue[]): Promise<number> {
    const issues = [...schemaIssues];
    return this.db.transaction(async (tx) => {
      const org = body.OrganisationID === undefined ? undefined : await requireOrganisation(tx, actor, body.OrganisationID, issues);
      const learner = await checkParticipants(
        tx,
        actor.customerId,
        {
          learner: { field: 'LearnerID', id: body.LearnerID },
          assessor: { field: 'AssessorID', id: body.AssessorID },
          ...(org ? { organisationId: org.ID } : {}),
        },
        issues,
      );
      checkOrder(issues, 'DateFrom', body.DateFrom, 'DateTo', body.DateTo);
      const type = body.VisitTypeID ?? DEFAULT_VISIT_TYPE;
      if (
        learner &&
        !issues.some((i) => i.field === 'VisitTypeID') &&
        !builtIn(type) &&
        !(await repo.isCustomVisitType(tx, actor.customerId, learner.organisation_id, type))
      ) {
        issues.push(issue('VisitTypeID', `${type} is not a visit type of this organisation`, 'VISIT_TYPE_INVALID'));
      }
      if (issues.length > 0 || !learner) throw AppError.invalid(issues);
      const row = await insertRecord<Visit>(
        tx,
        repo.visits,
        actor.customerId,
        {
          ...body,
          OrganisationID: learner.organisation_id,
          VisitTypeID: type,
        },
        actorLabel(actor),
      );
      await touchLearner(tx, actor.customerId, learner.id);
      return row.ID;
    });
  }

  async visitTypes(actor: Actor, organisationId: number) {
    await this.organisations.get(actor, organisationId);
    return [...BuiltInVisitTypes, ...(await repo.customVisitTypes(this.db, actor.customerId, organisationId))];
  }

  // ---- operator ----

  /** Adds a centre's own visit type (numbered from 101); audited as the operator. */
  async addVisitType(organisationId: number, name: string, actor = 'operator'): Promise<{ id: number; name: string }> {
    const org = await this.organisations.requireAny(organisationId);
    const id = await this.db.transaction(async (tx) => {
      const created = await repo.insertVisitType(tx, org.customerId, organisationId, name);
      await insertAudit(tx, org.customerId, actor, 'visit_type', created, 'create', { Name: { old: null, new: name } });
      return created;
    });
    return { id, name };
  }

  async listVisitTypes(organisationId: number): Promise<{ id: number; name: string; builtIn: boolean }[]> {
    const org = await this.organisations.requireAny(organisationId);
    const own = await repo.customVisitTypes(this.db, org.customerId, organisationId);
    return [...BuiltInVisitTypes.map((t) => ({ id: t.ID, name: t.Name, builtIn: true })), ...own.map((t) => ({ id: t.ID, name: t.Name, builtIn: false }))];
  }
}
