import { Type, type Static } from 'typebox';
import { Id, Nullable, Text, TextLimits as L } from './common.js';

export const CreatePlacementBody = Type.Object(
  {
    OrganisationID: Id(),
    Name: Text(L.name, { minLength: 1 }),
    Address: Type.Optional(Text(L.address)),
    Active: Type.Optional(Type.Boolean({ description: 'Defaults to true' })),
    Contact: Type.Optional(Text(L.name)),
    Email: Type.Optional(Text(L.email)),
    Fax: Type.Optional(Text(L.phone)),
    Telephone: Type.Optional(Text(L.phone)),
    Web: Type.Optional(Text(L.url)),
    MISID: Type.Optional(Text(L.code)),
  },
  {
    title: 'CreatePlacementBody',
    examples: [
      {
        OrganisationID: 1,
        Name: 'Harbour Cafe',
        Address: '3 Quay Street, Whitby YO21 3PY',
        Contact: 'Owner',
        Email: 'hello@harbour-cafe.example.com',
        Telephone: '01632 960123',
        MISID: 'PLC-1-3',
      },
    ],
  },
);
export type CreatePlacementBody = Static<typeof CreatePlacementBody>;

export const UpdatePlacementBody = Type.Partial(Type.Omit(CreatePlacementBody, ['OrganisationID']), {
  title: 'UpdatePlacementBody',
  examples: [{ Contact: 'Operations manager', Telephone: '01632 960456' }],
});
export type UpdatePlacementBody = Static<typeof UpdatePlacementBody>;

export const Placement = Type.Object(
  {
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
  },
  { title: 'Placement' },
);
export type Placement = Static<typeof Placement>;

export const PlacementSearchFilter = Type.Object(
  {
    OrganisationID: Type.Optional(Id()),
    Name: Type.Optional(Text(L.name, { description: 'Case-insensitive exact match; * is a wildcard' })),
  },
  { title: 'PlacementSearchFilter', examples: [{ OrganisationID: 1 }] },
);
export type PlacementSearchFilter = Static<typeof PlacementSearchFilter>;
