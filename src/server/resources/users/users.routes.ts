import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { IdParams, authErrors, ErrorBody, Empty } from '../../../contract/common.js';
import { CreatedUser, CreateUserBody, UpdateUserBody, User, UserSearchFilter, UserSummary } from '../../../contract/users.js';
import type { Services } from '../registry.js';
import { schemaIssues } from '../../http/errors.js';
import { noContent, searchRoutes } from '../../http/replies.js';
import type { ApiApp } from '../../http/types.js';
import { API_PREFIX } from '../../http/prefix.js';

const tags = ['Users'];
const ilrNote = 'ILR values outside the code lists (L12-L16, LLDD codes) are kept and reported in a Warning header.';

/**
 * ILR codes we do not know are kept, and named in a Warning header (RFC 7234 style, code 199).
 * The header is set after the write has committed, so it must not be able to fail: it is
 * plain printable ASCII (anything else is written as \uXXXX) and at most WARNING_MAX bytes.
 */
export function warningHeader(warnings: string[]): string | undefined {
  if (warnings.length === 0) return undefined;
  const entries = warnings.map((w) => `199 learnfile "${headerSafe(w)}"`);
  let header = entries.join(', ');
  if (header.length > WARNING_MAX) header = `${header.slice(0, WARNING_MAX - 40)}..., 199 learnfile "more warnings left out"`;
  return header;
}
const WARNING_MAX = 2000;

const headerSafe = (text: string): string => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function warn(reply: FastifyReply, warnings: string[]): void {
  const header = warningHeader(warnings);
  if (header) reply.header('Warning', header);
}

export function userRoutes(app: ApiApp, { users }: Services): void {
  app.post(
    '/User',
    {
      attachValidation: true,
      schema: {
        operationId: 'createUser',
        tags,
        summary: 'Create a user',
        description:
          'Keychain creation off: 200 with the user, a generated Username and a Password shown this once. ' +
          'Keychain creation on: 200 with an empty body and a Location header; the account joins the Keychain for its email ' +
          `and a verification email is queued (unless KeychainEmailSuppression). ${ilrNote}`,
        body: CreateUserBody,
        errors: [
          'ORGANISATION_NOT_FOUND',
          'PLACEMENT_NOT_FOUND',
          'CLASSROOM_NOT_FOUND',
          'INVALID_ROLE',
          'DEFAULT_ASSESSOR_INVALID',
          'DEFAULT_EMPLOYER_INVALID',
          'LEARNER_STATUS_NOT_FOUND',
          'ULN_INVALID',
          'NINO_INVALID',
          'PROVIDER_NOT_FOUND',
        ],
        response: {
          200: {
            description:
              "Created. Two answers, by the centre's KeychainCreationForNewUserActive: off, the body is a CreatedUser " +
              '(with Username and Password); on, there is **no body** (Content-Length: 0) and Location names the new user.',
            headers: {
              Location: Type.String({ description: 'Keychain centres only: /api/v2.1/User/{id} of the new user' }),
              Warning: Type.String({ description: 'Only when ILR codes outside the code lists were kept' }),
            },
            content: { 'application/json': { schema: CreatedUser } },
          },
          ...authErrors,
        },
      },
    },
    async (req, reply) => {
      const outcome = await users.create(req.actor, req.body, schemaIssues(req));
      warn(reply, outcome.warnings);
      if (outcome.kind === 'credentials') return reply.send(outcome.user);
      // The vendor answers an empty body here; the Location header (ours) names the new user.
      return (reply as FastifyReply).header('Location', `${API_PREFIX}/User/${outcome.id}`).code(200).send();
    },
  );

  searchRoutes(app, '/User', {
    operationId: 'searchUsers',
    tags,
    summary: 'Users, unarchived unless Archived is true',
    filter: UserSearchFilter,
    item: UserSummary,
    run: (actor, filter, paging) => users.search(actor, filter, paging),
  });

  app.get(
    '/User/:id',
    {
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'One user (never a password)',
        params: IdParams,
        response: { 200: User, 404: ErrorBody, ...authErrors },
      },
    },
    async (req) => users.get(req.actor, req.params.id),
  );

  app.post(
    '/User/:id',
    {
      attachValidation: true,
      schema: {
        operationId: 'updateUser',
        tags,
        summary: 'Change a user: only the fields given',
        description: `Also how a learner's default assessor, default employer, class and placement change. ${ilrNote}`,
        params: IdParams,
        body: UpdateUserBody,
        errors: [
          'PLACEMENT_NOT_FOUND',
          'CLASSROOM_NOT_FOUND',
          'DEFAULT_ASSESSOR_INVALID',
          'DEFAULT_EMPLOYER_INVALID',
          'LEARNER_STATUS_NOT_FOUND',
          'ULN_INVALID',
          'NINO_INVALID',
          'USER_ARCHIVED',
          'PROVIDER_NOT_FOUND',
        ],
        response: { 204: Empty, 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      warn(reply, await users.update(req.actor, req.params.id, req.body, schemaIssues(req)));
      return noContent(reply as FastifyReply);
    },
  );

  for (const [path, archived] of [
    ['Archive', true],
    ['Unarchive', false],
  ] as const) {
    app.post(
      `/User/:id/${path}`,
      {
        schema: {
          operationId: archived ? 'archiveUser' : 'unarchiveUser',
          tags,
          summary: archived ? 'Archive a user: read-only and hidden from searches' : 'Unarchive a user',
          params: IdParams,
          response: { 204: Empty, 404: ErrorBody, ...authErrors },
        },
      },
      async (req, reply) => {
        await users.setArchived(req.actor, req.params.id, archived);
        return noContent(reply as FastifyReply);
      },
    );
  }

  app.delete(
    '/User/:id',
    {
      schema: {
        operationId: 'deleteUser',
        tags,
        summary: 'Delete a user',
        errors: ['USER_HAS_PROGRESS', 'USER_IN_USE'],
        description: "Refused (400) while the user has learning aims with recorded progress, or is a learner's default assessor or employer.",
        params: IdParams,
        response: { 204: Empty, 404: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      await users.delete(req.actor, req.params.id);
      return noContent(reply as FastifyReply);
    },
  );
}
