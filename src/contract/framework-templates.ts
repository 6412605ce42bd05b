import { Type, type Static } from 'typebox';
import { Id, Nullable, withExample } from './common.js';

export const FrameworkTemplateSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id("This organisation's templates and those shared by the whole customer")),
  },
  { title: 'FrameworkTemplateSearchFilter', examples: [{ OrganisationID: 1 }] },
);
export type FrameworkTemplateSearchFilter = Static<typeof FrameworkTemplateSearchFilter>;

export const FrameworkTemplateSummary = Type.Object(
  {
    ID: Type.Integer(),
    Title: Type.String({ maxLength: 200 }),
    OrganisationID: Nullable(Type.Integer({ description: 'Null: shared by every organisation of the customer (extension)' })),
  },
  { title: 'FrameworkTemplateSummary' },
);

export const FrameworkTemplateItem = Type.Object(
  {
    StandardID: Type.Integer(),
    UnitID: Nullable(Type.String({ maxLength: 200, description: 'Null for the standard itself' })),
    Weighting: Nullable(Type.Number()),
    StartOffsetDays: Type.Integer({ description: 'Default start: the assignment date plus this many days' }),
    EndOffsetDays: Nullable(Type.Integer({ description: 'Default planned end: the assignment date plus this many days' })),
  },
  { title: 'FrameworkTemplateItem' },
);

export const FrameworkTemplate = Type.Object(
  {
    ID: Type.Integer(),
    Title: Type.String({ maxLength: 200 }),
    OrganisationID: Nullable(Type.Integer()),
    Items: Type.Array(FrameworkTemplateItem),
  },
  { title: 'FrameworkTemplate' },
);

export const FrameworkTemplateAssignParams = Type.Object({
  id: withExample(Id('The framework template'), 1),
  userId: withExample(Id('The learner'), 6),
  onlyChangeAssigned: Type.String({
    maxLength: 200,
    examples: ['true'],
    description: 'true: only aims and units the learner already has are changed; false: missing ones are created too',
  }),
});
