import { Type, type Static } from 'typebox';
import { Id, Nullable } from './common.js';

export const CreatePlacementBody = Type.Object({
  OrganisationID: Id(),
  Name: Type.String({ minLength: 1 }),
  Address: Type.Optional(Type.String()),
  Active: Type.Optional(Type.Boolean({ description: 'Defaults to true' })),
  Contact: Type.Optional(Type.String()),
  Email: Type.Optional(Type.String()),
  Fax: Type.Optional(Type.String()),
  Telephone: Type.Optional(Type.String()),
  Web: Type.Optional(Type.String()),
  MISID: Type.Optional(Type.String()),
}, {
  title: 'CreatePlacementBody',
  examples: [{
    OrganisationID: 1, Name: 'Harbour Cafe', Address: '3 Quay Street, Whitby YO21 3PY', Contact: 'Owner',
    Email: 'hello@harbour-cafe.example.com', Telephone: '01632 960123', MISID: 'PLC-1-3',
  }],
});
export type CreatePlacementBody = Static<typeof CreatePlacementBody>;

export const UpdatePlacementBody = Type.Partial(Type.Omit(CreatePlacementBody, ['OrganisationID']), {
  title: 'UpdatePlacementBody',
  examples: [{ Contact: 'Operations manager', Telephone: '01632 960456' }],
});
export type UpdatePlacementBody = Static<typeof UpdatePlacementBody>;

export const Placement = Type.Object({
  ID: Type.Integer(),
  OrganisationID: Id(),
  Name: Type.String(),
  Address: Nullable(Type.String()),
  Active: Type.Boolean(),
  Contact: Nullable(Type.String()),
  Email: Nullable(Type.String()),
  Fax: Nullable(Type.String()),
  Telephone: Nullable(Type.String()),
  Web: Nullable(Type.String()),
  MISID: Nullable(Type.String()),
}, { title: 'Placement' });
export type Placement = Static<typeof Placement>;

export const PlacementSearchFilter = Type.Object({
  OrganisationID: Type.Optional(Id()),
  Name: Type.Optional(Type.String({ description: 'Case-insensitive exact match; * is a wildcard' })),
}, { title: 'PlacementSearchFilter', examples: [{ OrganisationID: 1 }] });
export type PlacementSearchFilter = Static<typeof PlacementSearchFilter>;
