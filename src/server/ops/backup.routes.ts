import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.js';
import { sameHash, tokenHash } from '../domain/secrets.js';
import { AppError } from '../domain/app-error.js';

/**
 * `learnfile backup` while this process holds the embedded database: only the holder may
 * read the directory consistently, so the CLI asks it (with the operator key from the
 * private lock file) and saves what it answers. Hidden from the OpenAPI contract.
 */
export function backupRoutes(app: FastifyInstance, db: Database, operatorKey: string): void {
  const expected = tokenHash(operatorKey);
  app.get('/api/admin/backup', { schema: { hide: true } }, async (req, reply) => {
    const key = req.headers['x-operator-key'];
    if (typeof key !== 'string' || !sameHash(tokenHash(key), expected)) throw new AppError('UNAUTHORISED', 'The operator key is missing or wrong.');
    if (!db.backup) throw new AppError('NOT_FOUND', 'Only the embedded database is backed up by learnfile; use pg_dump for PostgreSQL.');
    const blob = await db.backup();
    req.log.info(`backup: sent ${blob.size} bytes to the operator CLI`);
    return reply
      .type('application/gzip')
      .header('Cache-Control', 'no-store')
      .send(Buffer.from(await blob.arrayBuffer()));
  });
}
