/**
 * The baseline process, started by the bench as a child (like our server) and told what to do
 * over IPC. It holds the baseline's database (a raw PGlite instance on its own copy of the
 * loaded data directory, or node-postgres on the same PostgreSQL database as our server) and
 * offers two baselines for every scenario:
 *
 * - a bare Fastify server (no auth, no validation, no audit) whose routes run the scenario's
 *   equivalent SQL (bench/scenarios.ts `sql`) and answer the rows as JSON;
 * - the raw driver: on request, C concurrent loops run the same SQL for a fixed time, with
 *   no HTTP at all, and the latencies are reported back.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { Readable } from 'node:stream';
import { DOWNLOAD_PAGE_SIZE, SCENARIOS, STREAM_BATCH, sql, type Fixture, type LoadScenario, type Query } from './scenarios.js';
import { summarise, type Sample } from './stats.js';

export type Command =
  | { cmd: 'init'; engine: 'pglite'; dataDir: string; fixture: Fixture; poolSize: number }
  | { cmd: 'init'; engine: 'postgres'; databaseUrl: string; fixture: Fixture; poolSize: number }
  | { cmd: 'raw'; id: number; scenario: string; connections: number; durationMs: number; amount?: number | undefined }
  | { cmd: 'rawWalk'; id: number; scenario: 'paged-download' | 'stream'; durationMs: number }
  /** The highest user ID now; then, after a create measurement, delete every user above it (see `tidy` in bench.ts). */
  | { cmd: 'lastUser'; id: number }
  | { cmd: 'deleteUsersAfter'; id: number; after: number }
  | { cmd: 'close' };

export type Reply =
  | { type: 'ready'; port: number }
  | { type: 'done'; id: number; sample: Sample }
  | { type: 'value'; id: number; value: number }
  | { type: 'failed'; id?: number; error: string };

interface Db {
  /** The query function the Fastify routes use (PostgreSQL: a pool the size of our server's). */
  query: Query;
  /** A query function for C concurrent raw loops (PostgreSQL: a pool of C connections, all opened). */
  rawPool(connections: number): Promise<{ query: Query; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function openDb(c: Extract<Command, { cmd: 'init' }>): Promise<Db> {
  if (c.engine === 'pglite') {
    const db = new PGlite(c.dataDir);
    await db.waitReady;
    const query: Query = async (text, values) => ({ rows: (await db.query<Record<string, unknown>>(text, values ?? [])).rows });
    return { query, rawPool: async () => ({ query, close: async () => {} }), close: () => db.close() };
  }
  const pool = new pg.Pool({ connectionString: c.databaseUrl, max: c.poolSize });
  pool.on('error', () => {});
  return {
    query: (text, values) => pool.query(text, values),
    async rawPool(connections) {
      const raw = new pg.Pool({ connectionString: c.databaseUrl, max: connections });
      raw.on('error', () => {});
      // Every connection is opened before the clock starts, as a long-running server's would be.
      const clients = await Promise.all(Array.from({ length: connections }, () => raw.connect()));
      for (const client of clients) client.release();
      return { query: (text, values) => raw.query(text, values), close: () => raw.end() };
    },
    close: () => pool.end(),
  };
}

/** C loops, each running op back to back until the time is up (or `amount` ops have started); every latency is kept. */
async function loops(op: () => Promise<unknown>, connections: number, durationMs: number, amount?: number): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  let begun = 0;
  const more = () => (amount === undefined ? performance.now() < deadline : begun++ < amount);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (more()) {
        const t = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  return summarise(latencies, latencies.length, elapsed, errors, firstError);
}

/**
 * Walks every row by key, in pages (paged download: a latency per page) or batches (stream: a
 * latency per whole walk), until the time is up (at least once).
 */
async function walks(q: Query, customerId: number, size: number, latencyPer: 'page' | 'walk', durationMs: number): Promise<Sample> {
  const latencies: number[] = [];
  let rows = 0;
  let rowsPerWalk = 0;
  const started = performance.now();
  do {
    const t = performance.now();
    let last = 0;
    let walked = 0;
    for (;;) {
      const pageStarted = performance.now();
      const page = await sql.after(q, customerId, last, size);
      walked += page.rows.length;
      if (latencyPer === 'page') latencies.push(performance.now() - pageStarted);
      if (page.rows.length < size) break;
      last = page.rows[page.rows.length - 1]!.ID as number;
    }
    if (latencyPer === 'walk') latencies.push(performance.now() - t);
    rows += walked;
    rowsPerWalk = walked;
  } while (performance.now() - started < durationMs);
  return { ...summarise(latencies, rows, performance.now() - started, 0), rowsPerWalk };
}

async function startFastify(db: Db, f: Fixture): Promise<{ port: number; close(): Promise<unknown> }> {
  const app = Fastify({ logger: false });
  const q = db.query;
  const id = (params: unknown) => Number((params as { id: string }).id);
  app.post('/users', async (req) => {
    const res = await sql.insertUser(q, f.customerId, req.body as Record<string, unknown>);
    return { ID: res.rows[0]!.id };
  });
  app.post('/users/:id', async (req, reply) => {
    await sql.updateUser(q, f.customerId, id(req.params), (req.body as { MobileNumber: string }).MobileNumber);
    return reply.code(204).send();
  });
  app.get('/users/:id', async (req, reply) => {
    const res = await sql.selectUser(q, f.customerId, id(req.params));
    return res.rows[0] ?? reply.code(404).send();
  });
  app.get('/ready', async () => (await q('SELECT 1 AS ok')).rows[0]);
  app.get('/customer', async () => (await sql.selectCustomer(q, f.customerId)).rows[0]);
  app.post('/users/:id/assign', async (req, reply) => {
    const b = req.body as { LearnerID: number; StandardID: number };
    await sql.assignAim(q, f.customerId, id(req.params), b.LearnerID, b.StandardID);
    return reply.code(204).send();
  });
  app.post('/search/:page/:size', async (req, reply) => {
    const { page, size } = req.params as { page: string; size: string };
    const b = (req.body ?? {}) as { OrganisationID?: number; Role?: number };
    const res = await sql.page(q, f.customerId, b.OrganisationID, b.Role, (Number(page) - 1) * Number(size), Number(size));
    return res.rows.length > 0 ? res.rows : reply.code(204).send();
  });
  app.post('/walk/:after/:size', async (req, reply) => {
    const { after, size } = req.params as { after: string; size: string };
    const res = await sql.after(q, f.customerId, Number(after), Number(size));
    return res.rows.length > 0 ? res.rows : reply.code(204).send();
  });
  app.post('/search', async (_req, reply) => {
    async function* all(): AsyncGenerator<string> {
      let last = 0;
      let opened = false;
      for (;;) {
        const batch = (await sql.after(q, f.customerId, last, STREAM_BATCH)).rows;
        if (batch.length > 0) {
          yield (opened ? ',' : '[') + batch.map((r) => JSON.stringify(r)).join(',');
          opened = true;
        }
        if (batch.length < STREAM_BATCH) break;
        last = batch[batch.length - 1]!.ID as number;
      }
      yield opened ? ']' : '[]';
    }
    reply.type('application/json; charset=utf-8');
    return reply.send(Readable.from(all()));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('the baseline is not listening on a TCP port');
  return { port: address.port, close: () => app.close() };
}

async function main(): Promise<void> {
  const send = (m: Reply) => process.send!(m);
  let db: Db | undefined;
  let fixture: Fixture | undefined;
  let server: Awaited<ReturnType<typeof startFastify>> | undefined;
  // One command at a time: a raw run must not share the process with another.
  let queue = Promise.resolve();
  process.on('message', (c: Command) => {
    queue = queue.then(async () => {
      try {
        if (c.cmd === 'init') {
          db = await openDb(c);
          fixture = c.fixture;
          server = await startFastify(db, fixture);
          send({ type: 'ready', port: server.port });
        } else if (c.cmd === 'raw') {
          const s = SCENARIOS.find((x): x is LoadScenario => x.kind === 'load' && x.id === c.scenario);
          if (!s || !db || !fixture) throw new Error(`no load scenario ${c.scenario}, or not initialised`);
          const pool = await db.rawPool(c.connections);
          try {
            send({ type: 'done', id: c.id, sample: await loops(s.raw(fixture, pool.query), c.connections, c.durationMs, c.amount) });
          } finally {
            await pool.close();
          }
        } else if (c.cmd === 'rawWalk') {
          if (!db || !fixture) throw new Error('not initialised');
          const sample =
            c.scenario === 'paged-download'
              ? await walks(db.query, fixture.customerId, DOWNLOAD_PAGE_SIZE, 'page', c.durationMs)
              : await walks(db.query, fixture.customerId, STREAM_BATCH, 'walk', c.durationMs);
          send({ type: 'done', id: c.id, sample });
        } else if (c.cmd === 'lastUser') {
          if (!db || !fixture) throw new Error('not initialised');
          const rows = (await db.query('SELECT coalesce(max(id), 0) AS id FROM users WHERE customer_id = $1', [fixture.customerId])).rows;
          send({ type: 'value', id: c.id, value: Number(rows[0]!.id) });
        } else if (c.cmd === 'deleteUsersAfter') {
          if (!db || !fixture) throw new Error('not initialised');
          const gone = await db.query('DELETE FROM users WHERE customer_id = $1 AND id > $2 RETURNING id', [fixture.customerId, c.after]);
          await db.query('VACUUM (ANALYZE) users');
          send({ type: 'value', id: c.id, value: gone.rows.length });
        } else if (c.cmd === 'close') {
          await server?.close();
          await db?.close();
          process.disconnect();
        }
      } catch (err) {
        send({ type: 'failed', ...('id' in c ? { id: c.id } : {}), error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    });
  });
}

if (process.send) void main();
else {
  console.error('bench/baseline-server.ts is started by the bench (npm run bench), not on its own');
  process.exit(2);
}
