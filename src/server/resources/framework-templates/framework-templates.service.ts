import type { Database, Queryable } from '../../db/client.js';
import { insertAudit, type Changes } from '../../db/audit.repository.js';
import * as repo from './framework-templates.repository.js';
import * as aims from '../learning-aims/learning-aims.repository.js';
import * as summaries from '../unit-summaries/unit-summaries.repository.js';
import { standardExists } from '../standards/standards.repository.js';
import { unitInStandard } from '../units/units.repository.js';
import { findOrganisation } from '../organisations/organisations.repository.js';
import { giveStandard, requireLearner } from '../learning-aims/learning-aims.service.js';
import { giveUnit } from '../unit-summaries/unit-summaries.service.js';
import type { FrameworkTemplateSearchFilter } from '../../../contract/framework-templates.js';
import { AppError, issue } from '../../domain/app-error.js';
import { actorLabel, type Actor } from '../authentication/auth.service.js';
import type { Paging, Searcher } from '../../domain/search.service.js';

/** `true`/`false`/`1`/`0` in any case, as clients write booleans in paths. */
export function pathBoolean(field: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw AppError.invalid([issue(field, 'must be true or false')]);
}

const defaultsOf = (item: repo.TemplateItemRow | undefined): aims.AimDefaults =>
  item ? { startDays: item.StartOffsetDays, endDays: item.EndOffsetDays, weighting: item.Weighting } : {};

export interface TemplateItemInput {
  standardId: number;
  unitId?: string | undefined;
  weighting?: number | undefined;
  startOffsetDays?: number | undefined;
  endOffsetDays?: number | undefined;
}

export class FrameworkTemplatesService {
  constructor(
    private readonly db: Database,
    private readonly searcher: Searcher,
  ) {}

  search(actor: Actor, filter: FrameworkTemplateSearchFilter, paging?: Paging) {
    return this.searcher.run(repo.templateListing(actor.customerId, filter), paging);
  }

  async get(actor: Actor, id: number) {
    const template = await repo.findTemplate(this.db, actor.customerId, id);
    if (!template) throw AppError.notFound();
    return template;
  }

  /**
   * Applies the template to the learner in one transaction. Not only-changing: every aim and
   * unit it lists that the learner lacks is created with the template's defaults (start and
   * planned end as offsets from today, weighting). Aims and units the learner has already get
   * the template's weighting, and its dates only where theirs are empty. Only-changing: just
   * the latter.
   */
  async assign(actor: Actor, templateId: number, learnerId: number, onlyChangeAssigned: string): Promise<void> {
    const onlyChange = pathBoolean('onlyChangeAssigned', onlyChangeAssigned);
    await this.db.transaction(async (tx) => {
      const template = await repo.findTemplate(tx, actor.customerId, templateId);
      if (!template) throw AppError.notFound();
      const learner = await requireLearner(tx, actor.customerId, learnerId);
      if (template.OrganisationID !== null && template.OrganisationID !== learner.organisation_id) {
        throw new AppError(
          'TEMPLATE_NOT_IN_ORGANISATION',
          `Framework template ${templateId} belongs to organisation ${template.OrganisationID}, learner ${learnerId} to ${learner.organisation_id}.`,
        );
      }
      const label = actorLabel(actor);
      let changed = false;
      const standardItems = new Map(template.Items.filter((i) => i.UnitID === null).map((i) => [i.StandardID, i]));
      const aimIds = new Map<number, number>();
      const standards = [...new Set(template.Items.map((i) => i.StandardID))];
      for (const standardId of standards) {
        const d = defaultsOf(standardItems.get(standardId));
        const existing = await aims.findAim(tx, actor.customerId, learner.id, standardId, true);
        if (existing) {
          aimIds.set(standardId, existing.id);
          changed = (await applyDefaults(tx, actor.customerId, label, 'learning_aim', existing.id, d)) || changed;
        } else if (!onlyChange) {
          const made = await giveStandard(tx, actor.customerId, label, learner, standardId, d);
          aimIds.set(standardId, made.aim.id);
          changed = true;
        }
      }
      for (const item of template.Items.filter((i) => i.UnitID !== null)) {
        const aimId = aimIds.get(item.StandardID);
        if (aimId === undefined) continue;
        const d = defaultsOf(item);
        const existing = (await summaries.summariesOfUnit(tx, actor.customerId, learner.id, item.UnitID!, item.StandardID))[0];
        if (existing) {
          changed = (await applyDefaults(tx, actor.customerId, label, 'unit_summary', existing.id, d)) || changed;
        } else if (!onlyChange) {
          await giveUnit(tx, actor.customerId, label, learner, aimId, item.UnitID!, d);
          changed = true;
        }
      }
      if (changed) await aims.touchUsers(tx, actor.customerId, [learner.id]);
    });
  }

  // ---- operator ----

  async create(customerId: number, organisationId: number | null, title: string, items: TemplateItemInput[], actor = 'operator') {
    return this.db.transaction(async (tx) => {
      const id = await createTemplate(tx, customerId, organisationId, title, items, actor);
      return (await repo.findTemplate(tx, customerId, id))!;
    });
  }

  async list(customerId: number) {
    return repo.listTemplates(this.db, customerId);
  }
}

/** Creates a template with its items (audited); every standard and unit must be the customer's, each unit within its standard. */
export async function createTemplate(
  tx: Queryable,
  customerId: number,
  organisationId: number | null,
  title: string,
  items: TemplateItemInput[],
  actor: string,
): Promise<number> {
  if (organisationId !== null && !(await findOrganisation(tx, customerId, organisationId))) {
    throw AppError.notFound(`No organisation with ID ${organisationId} in customer ${customerId}.`);
  }
  const problems: string[] = [];
  for (const item of items) {
    if (!(await standardExists(tx, customerId, item.standardId))) problems.push(`standard ${item.standardId} is not in the catalogue`);
    else if (item.unitId !== undefined && !(await unitInStandard(tx, customerId, item.unitId, item.standardId))) {
      problems.push(`unit ${item.unitId} does not belong to standard ${item.standardId}`);
    }
  }
  if (problems.length > 0) throw AppError.invalid(problems.map((p) => issue('item', p)));
  const id = await repo.insertTemplate(tx, customerId, organisationId, title);
  const rows: repo.TemplateItemRow[] = [];
  // A unit needs its standard in the template: add the standard (without defaults) when it is not listed.
  const listed = new Set(items.filter((i) => i.unitId === undefined).map((i) => i.standardId));
  for (const item of items) {
    if (item.unitId !== undefined && !listed.has(item.standardId)) {
      rows.push({ StandardID: item.standardId, UnitID: null, Weighting: null, StartOffsetDays: 0, EndOffsetDays: null });
      listed.add(item.standardId);
    }
    rows.push({
      StandardID: item.standardId,
      UnitID: item.unitId ?? null,
      Weighting: item.weighting ?? null,
      StartOffsetDays: item.startOffsetDays ?? 0,
      EndOffsetDays: item.endOffsetDays ?? null,
    });
  }
  const seen = new Set<string>();
  for (const row of rows) {
    const key = `${row.StandardID}/${row.UnitID ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await repo.insertTemplateItem(tx, customerId, id, row);
  }
  await insertAudit(tx, customerId, actor, 'framework_template', id, 'create', {
    Title: { old: null, new: title },
    OrganisationID: { old: null, new: organisationId },
    Items: { old: null, new: [...seen] },
  });
  return id;
}

/** Applies a template's defaults to an aim or unit the learner has; audits what changed. */
async function applyDefaults(
  tx: Queryable,
  customerId: number,
  actor: string,
  entity: 'learning_aim' | 'unit_summary',
  id: number,
  d: aims.AimDefaults,
): Promise<boolean> {
  const read = entity === 'learning_aim' ? aims.aimValues : summaries.summaryValues;
  const before = await read(tx, id);
  if (entity === 'learning_aim') await aims.applyAimDefaults(tx, id, d);
  else await summaries.applySummaryDefaults(tx, id, d);
  const after = await read(tx, id);
  const changes: Changes = {};
  for (const field of ['Weighting', 'StartDate', 'PlannedEnd'] as const) {
    const [o, n] = [before[field], after[field]];
    const same = o instanceof Date && n instanceof Date ? o.getTime() === n.getTime() : o === n;
    if (!same) changes[field] = { old: o, new: n };
  }
  if (Object.keys(changes).length === 0) return false;
  await insertAudit(tx, customerId, actor, entity, id, 'update', changes);
  return true;
}
