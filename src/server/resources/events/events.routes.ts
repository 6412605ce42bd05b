import { Type } from 'typebox';
import { authErrors, Empty } from '../../../contract/common.js';
import { ChangeEvent, EventFeedQuery, MAX_EVENT_WAIT_SECONDS } from '../../../contract/events.js';
import { sendList } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';
import type { Services } from '../registry.js';

export function eventRoutes(app: ApiApp, { events }: Services): void {
  app.get(
    '/Events',
    {
      schema: {
        operationId: 'getEvents',
        errors: ['EVENT_SEQUENCE_INVALID'],
        tags: ['Events'],
        summary: 'The change feed (extension)',
        description:
          'Every audited change of this customer, in Sequence order. Pass the last Sequence you saw as `after`: ' +
          'reading on from there never skips or repeats an event. With nothing to answer: 204, after waiting up to ' +
          `\`wait\` seconds (at most ${MAX_EVENT_WAIT_SECONDS}) for an event to commit. An \`after\` beyond the last event answers 400 (-127).`,
        querystring: EventFeedQuery,
        response: { 200: Type.Array(ChangeEvent), 204: Empty, ...authErrors },
      },
    },
    async (req, reply) => sendList(reply, await events.feed(req.actor, req.query)),
  );
}
