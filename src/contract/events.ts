import { Type, type Static } from 'typebox';
import { IsoDate, Nullable } from './common.js';

export const ChangeEvent = Type.Object(
  {
    Sequence: Type.Integer({ description: "Position in the customer's feed: strictly increasing, with no gaps" }),
    Type: Type.String({ description: 'What happened: `<record type>.<verb>`, e.g. `user.updated`' }),
    Time: IsoDate,
    RecordType: Type.String({ description: "The changed record's type, e.g. `user`, `classroom`, `keychain`" }),
    RecordID: Type.Integer({ description: "The changed record's ID: read it through the API for its values" }),
    OrganisationID: Nullable(Type.Integer({ description: "The record's organisation; null for customer-wide records (keychains)" })),
    Actor: Type.String({ description: 'Who made the change: `session:<id> token:<id>`, `operator:cli`, `keychain-link:<id>`...' }),
    Fields: Type.Optional(Type.Array(Type.String(), { description: 'Names (never values) of the changed fields; absent on created and deleted' })),
  },
  { title: 'ChangeEvent', description: 'One audited change. Carries no personal data.' },
);
export type ChangeEvent = Static<typeof ChangeEvent>;

export const MAX_EVENT_WAIT_SECONDS = 60;

export const EventFeedQuery = Type.Object({
  after: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
    examples: [0],
    description: 'Answer events with a greater Sequence (the last one you saw; 0 for the start)',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, examples: [100], description: 'At most this many events' }),
  wait: Type.Integer({
    minimum: 0,
    maximum: MAX_EVENT_WAIT_SECONDS,
    default: 0,
    examples: [0],
    description: 'Seconds to hold the request open when there is nothing yet: it answers as soon as an event commits',
  }),
});
export type EventFeedQuery = Static<typeof EventFeedQuery>;
