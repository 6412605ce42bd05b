import type { TObject } from 'typebox';
import { IdParams, authErrors, ErrorBody } from '../../../contract/common.js';
import { NamedRecordSummary } from '../../../contract/organisations.js';
import type { OrgRecordsService } from './org-records.service.js';
import type { Services } from '../registry.js';
import { Classroom, ClassroomSearchFilter, CreateClassroomBody, UpdateClassroomBody } from '../../../contract/classrooms.js';
import { CreatePlacementBody, Placement, PlacementSearchFilter, UpdatePlacementBody } from '../../../contract/placements.js';
import { schemaIssues } from '../../http/errors.js';
import { searchRoutes } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';

interface OrgRecordRoutes {
  base: '/Classroom' | '/Placement';
  noun: string;
  plural: string;
  record: TObject;
  create: TObject;
  update: TObject;
  filter: TObject;
  service: OrgRecordsService<Record<string, unknown>>;
}

/** Classes and placements have the same five calls; only their shapes differ. */
function orgRecordRoutes(app: ApiApp, o: OrgRecordRoutes): void {
  const tags = ['Data download'];
  searchRoutes(app, o.base, {
    tags, summary: `${o.plural} of the customer`, filter: o.filter, item: NamedRecordSummary,
    run: (actor, filter, paging) => o.service.search(actor, filter, paging),
  });
  app.get(`${o.base}/:id`, {
    schema: { tags, summary: `One ${o.noun}`, params: IdParams, response: { 200: o.record, 404: ErrorBody, ...authErrors } },
  }, async (req) => o.service.get(req.actor, req.params.id));
  app.post(o.base, {
    attachValidation: true,
    schema: { tags, summary: `Create a ${o.noun}`, body: o.create, response: { 200: o.record, ...authErrors } },
  }, async (req) => o.service.create(req.actor, req.body as never, schemaIssues(req)));
  app.post(`${o.base}/:id`, {
    schema: {
      tags, summary: `Change a ${o.noun} (only the fields given)`, params: IdParams, body: o.update,
      response: { 200: o.record, 404: ErrorBody, ...authErrors },
    },
  }, async (req) => o.service.update(req.actor, req.params.id, req.body as Record<string, unknown>));
}

export function classroomRoutes(app: ApiApp, { classrooms }: Services): void {
  orgRecordRoutes(app, {
    base: '/Classroom', noun: 'class', plural: 'Classes', record: Classroom, create: CreateClassroomBody,
    update: UpdateClassroomBody, filter: ClassroomSearchFilter, service: classrooms,
  });
}

export function placementRoutes(app: ApiApp, { placements }: Services): void {
  orgRecordRoutes(app, {
    base: '/Placement', noun: 'placement', plural: 'Placements', record: Placement, create: CreatePlacementBody,
    update: UpdatePlacementBody, filter: PlacementSearchFilter, service: placements,
  });
}
