import type { TObject } from 'typebox';
import { IdParams, NewId, authErrors, ErrorBody } from '../../../contract/common.js';
import { NamedRecordSummary } from '../../../contract/organisations.js';
import type { OrgRecordsService } from './org-records.service.js';
import type { Services } from '../registry.js';
import { Classroom, ClassroomSearchFilter, CreateClassroomBody, UpdateClassroomBody } from '../../../contract/classrooms.js';
import { CreatePlacementBody, Placement, PlacementSearchFilter, UpdatePlacementBody } from '../../../contract/placements.js';
import { schemaIssues } from '../../http/errors.js';
import { searchRoutes, sendId } from '../../http/replies.js';
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
  const name = o.base.slice(1); // operationIds: getClassroom, searchPlacements, ...
  searchRoutes(app, o.base, {
    operationId: `search${name}s`,
    tags,
    summary: `${o.plural} of the customer`,
    filter: o.filter,
    item: NamedRecordSummary,
    run: (actor, filter, paging) => o.service.search(actor, filter, paging),
  });
  app.get(
    `${o.base}/:id`,
    {
      schema: { operationId: `get${name}`, tags, summary: `One ${o.noun}`, params: IdParams, response: { 200: o.record, 404: ErrorBody, ...authErrors } },
    },
    async (req) => o.service.get(req.actor, req.params.id),
  );
  app.post(
    o.base,
    {
      attachValidation: true,
      schema: {
        operationId: `create${name}`,
        tags,
        summary: `Create a ${o.noun}`,
        description: 'Answers 200 with the new ID as a bare JSON number (`42`), not the record: clients read it with `is_integer(json_decode($body))`.',
        body: o.create,
        errors: ['ORGANISATION_NOT_FOUND'],
        response: { 200: NewId, ...authErrors },
      },
    },
    async (req, reply) => {
      const created = await o.service.create(req.actor, req.body as never, schemaIssues(req));
      return sendId(reply, created.ID as number);
    },
  );
  app.post(
    `${o.base}/:id`,
    {
      schema: {
        operationId: `update${name}`,
        tags,
        summary: `Change a ${o.noun} (only the fields given)`,
        params: IdParams,
        body: o.update,
        response: { 200: o.record, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => o.service.update(req.actor, req.params.id, req.body as Record<string, unknown>),
  );
}

export function classroomRoutes(app: ApiApp, { classrooms }: Services): void {
  orgRecordRoutes(app, {
    base: '/Classroom',
    noun: 'class',
    plural: 'Classes',
    record: Classroom,
    create: CreateClassroomBody,
    update: UpdateClassroomBody,
    filter: ClassroomSearchFilter,
    service: classrooms,
  });
}

export function placementRoutes(app: ApiApp, { placements }: Services): void {
  orgRecordRoutes(app, {
    base: '/Placement',
    noun: 'placement',
    plural: 'Placements',
    record: Placement,
    create: CreatePlacementBody,
    update: UpdatePlacementBody,
    filter: PlacementSearchFilter,
    service: placements,
  });
}
