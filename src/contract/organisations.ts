import { Type, type Static } from 'typebox';
import { Id, Nullable, Text, TextLimits as L } from './common.js';

export const Customer = Type.Object({ ID: Type.Integer(), Name: Type.String() }, { title: 'Customer' });

export const Organisation = Type.Object(
  {
    ID: Type.Integer(),
    Name: Type.String(),
    KeychainCreationForNewUserActive: Type.Boolean({ description: 'On: new users join a Keychain by email instead of getting a username and password.' }),
    KeychainEmailSuppression: Type.Boolean({ description: 'On: no verification email is sent when a user joins a Keychain.' }),
  },
  { title: 'Organisation' },
);
export type Organisation = Static<typeof Organisation>;

export const OrganisationSearchFilter = Type.Object(
  {
    CustomerID: Type.Optional(Id()),
    Name: Type.Optional(Text(L.name, { description: 'Case-insensitive exact match; * is a wildcard' })),
  },
  { title: 'OrganisationSearchFilter', examples: [{ Name: 'Northgate*' }] },
);
export type OrganisationSearchFilter = Static<typeof OrganisationSearchFilter>;

export const LearnerStatus = Type.Object({ ID: Type.Integer(), Name: Type.String() }, { title: 'LearnerStatus' });

/** What searches of classes and placements answer for each match. */
export const NamedRecordSummary = Type.Object({ ID: Type.Integer(), Name: Type.String(), MISID: Nullable(Type.String()) }, { title: 'NamedRecordSummary' });
