/**
 * The operator's bulk import of users (users.bulk.service.ts), joined to the operator
 * operations in admin.operations.ts: the CLI runs it in-process, or through the server that
 * holds the embedded database, one chunk per call (a chunk's JSON stays under the 2 MB body
 * limit at 5,000 rows of ordinary size).
 */
import { Type, type Static, type TSchema } from 'typebox';
import type { Services } from '../registry.js';
import { BULK_MAX_ROWS } from './users.bulk.service.js';

const op = <I extends TSchema, R>(summary: string, input: I, run: (s: Services, input: Static<I>) => Promise<R>) => ({ summary, input, run });

const Cell = Type.String({ maxLength: 20_000 });
const Key = Type.String({ minLength: 1, maxLength: 200 });

export const bulkUserOperations = {
  'users.bulkImport': op(
    'Create up to 5,000 learners and staff of an organisation in one transaction, with the checks of POST /User; ' +
      'rows whose MISID the organisation already has are skipped',
    Type.Object({
      organisationId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
      rows: Type.Array(Type.Record(Key, Cell), { maxItems: BULK_MAX_ROWS }),
      dryRun: Type.Boolean({ default: false }),
      mail: Type.Boolean({ default: true }),
      actor: Type.String({ default: 'operator', maxLength: 100 }),
      plannedStaff: Type.Optional(
        Type.Array(
          Type.Object({
            misid: Type.Optional(Type.String({ maxLength: 200 })),
            email: Type.Optional(Type.String({ maxLength: 320 })),
            role: Type.Integer(),
          }),
          { maxItems: 1_000_000 },
        ),
      ),
    }),
    (s, i) => s.usersBulk.import(i),
  ),
};
