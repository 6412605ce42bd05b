// Spec section 4: searches answer plain JSON arrays in ID order, 204 for no match, pages
// from 1 with X-Total-Count, page-size limits, and a streamed download of every match.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { Client, engine, harness, newCustomer, newOrganisation, testConfig, harnessPerSuite } from '../helpers.js';
import type { EventSignal } from '../../src/server/resources/events/event-signal.js';
import type { PageMarks } from '../../src/server/db/search.js';

type H = Awaited<ReturnType<typeof harness>>;
interface Summary {
  ID: number;
  Name: string;
  MISID: string | null;
}

function assertNoContent(res: LightMyRequestResponse, label = ''): void {
  assert.equal(res.statusCode, 204, `${label} ${res.body}`);
  assert.equal(res.body, '', label);
  assert.equal(res.headers['content-type'], undefined, `${label}: a 204 carries no JSON`);
}

function assertList<T>(res: LightMyRequestResponse, label = ''): T[] {
  assert.equal(res.statusCode, 200, `${label} ${res.body}`);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', label);
  const body = res.json<T[]>();
  assert.ok(Array.isArray(body), `${label}: a plain JSON array`);
  return body;
}

const ids = (rows: { ID: number }[]) => rows.map((r) => r.ID);

describe(`searches and paging (${engine})`, () => {
  const h = harnessPerSuite();

  async function tenant(name = 'Customer') {
    const t = await newCustomer(h.db, name);
    const client = await Client.for(h.app, t.token);
    return { ...t, client };
  }

  async function newClass(client: Client, organisationId: number, name: string, misId?: string): Promise<Summary> {
    const res = await client.create('/Classroom', { OrganisationID: organisationId, Name: name, ...(misId ? { MISID: misId } : {}) });
    assert.equal(res.statusCode, 200, res.body);
    const row = res.json<Summary>();
    return { ID: row.ID, Name: row.Name, MISID: row.MISID };
  }

  async function newPlacement(client: Client, organisationId: number, name: string, misId?: string): Promise<Summary> {
    const res = await client.create('/Placement', { OrganisationID: organisationId, Name: name, ...(misId ? { MISID: misId } : {}) });
    assert.equal(res.statusCode, 200, res.body);
    const row = res.json<Summary>();
    return { ID: row.ID, Name: row.Name, MISID: row.MISID };
  }

  const orgRow = (ID: number, Name: string) => ({ ID, Name, KeychainCreationForNewUserActive: false, KeychainEmailSuppression: false });

  describe('filters', () => {
    test('organisations match Name case-insensitively and exactly', async () => {
      const t = await tenant();
      const north = await newOrganisation(h.db, t.customerId, { name: 'North College' });
      await newOrganisation(h.db, t.customerId, { name: 'North College Annex' });
      await newOrganisation(h.db, t.customerId, { name: 'South College' });
      const rows = assertList(await t.client.post('/Organisation/Search', { Name: 'NORTH college' }));
      assert.deepEqual(rows, [orgRow(north, 'North College')]);
      assertNoContent(await t.client.post('/Organisation/Search', { Name: 'North' }), 'a prefix is not a match');
    });

    test('organisations match a * wildcard anywhere in Name', async () => {
      const t = await tenant();
      const north = await newOrganisation(h.db, t.customerId, { name: 'North College' });
      const annex = await newOrganisation(h.db, t.customerId, { name: 'North College Annex' });
      const south = await newOrganisation(h.db, t.customerId, { name: 'South College' });
      assert.deepEqual(ids(assertList(await t.client.post('/Organisation/Search', { Name: '*college' }))), [north, south]);
      assert.deepEqual(ids(assertList(await t.client.post('/Organisation/Search', { Name: 'north*' }))), [north, annex]);
      assert.deepEqual(ids(assertList(await t.client.post('/Organisation/Search', { Name: '*TH*' }))), [north, annex, south]);
      assert.deepEqual(ids(assertList(await t.client.post('/Organisation/Search', { Name: '*' }))), [north, annex, south]);
    });

    test('% and _ in a Name filter are literal characters, not SQL wildcards', async () => {
      const t = await tenant();
      const org = await newOrganisation(h.db, t.customerId);
      const pct = await newClass(t.client, org, '100% Pass');
      await newClass(t.client, org, '1000 Pass');
      const under = await newClass(t.client, org, 'a_c');
      await newClass(t.client, org, 'abc');
      assert.deepEqual(assertList(await t.client.post('/Classroom/Search', { Name: '100%*' })), [pct]);
      assert.deepEqual(assertList(await t.client.post('/Classroom/Search', { Name: 'a_c' })), [under]);
      assert.deepEqual(assertList(await t.client.post('/Classroom/Search', { Name: 'a_*' })), [under]);
      assertNoContent(await t.client.post('/Classroom/Search', { Name: '%' }));
    });

    test("organisations filtered by the caller's CustomerID are all of the caller's", async () => {
      const t = await tenant();
      const a = await newOrganisation(h.db, t.customerId, { name: 'A' });
      const b = await newOrganisation(h.db, t.customerId, { name: 'B', keychain: true, suppressEmail: true });
      const rows = assertList(await t.client.post('/Organisation/Search', { CustomerID: t.customerId }));
      assert.deepEqual(rows, [orgRow(a, 'A'), { ID: b, Name: 'B', KeychainCreationForNewUserActive: true, KeychainEmailSuppression: true }]);
    });

    test('classes filter by OrganisationID and answer ID, Name and MISID in ID order', async () => {
      const t = await tenant();
      const one = await newOrganisation(h.db, t.customerId, { name: 'One' });
      const two = await newOrganisation(h.db, t.customerId, { name: 'Two' });
      const z = await newClass(t.client, one, 'Zebra', 'Z-1');
      await newClass(t.client, two, 'Other');
      const a = await newClass(t.client, one, 'Aardvark');
      const rows = assertList(await t.client.post('/Classroom/Search', { OrganisationID: one }));
      assert.deepEqual(rows, [
        { ID: z.ID, Name: 'Zebra', MISID: 'Z-1' },
        { ID: a.ID, Name: 'Aardvark', MISID: null },
      ]);
    });

    test('classes filter by Name and OrganisationID together', async () => {
      const t = await tenant();
      const one = await newOrganisation(h.db, t.customerId, { name: 'One' });
      const two = await newOrganisation(h.db, t.customerId, { name: 'Two' });
      const mine = await newClass(t.client, one, 'Business Admin');
      await newClass(t.client, two, 'Business Admin');
      await newClass(t.client, one, 'Business Admin L3');
      assert.deepEqual(assertList(await t.client.post('/Classroom/Search', { OrganisationID: one, Name: 'business ADMIN' })), [mine]);
    });

    test('placements filter by OrganisationID, Name and wildcard', async () => {
      const t = await tenant();
      const one = await newOrganisation(h.db, t.customerId, { name: 'One' });
      const two = await newOrganisation(h.db, t.customerId, { name: 'Two' });
      const acme = await newPlacement(t.client, one, 'Acme Logistics', 'P-1');
      const other = await newPlacement(t.client, two, 'Acme Dental');
      const bright = await newPlacement(t.client, one, 'Brightside');
      assert.deepEqual(assertList(await t.client.post('/Placement/Search', { OrganisationID: one })), [acme, bright]);
      assert.deepEqual(assertList(await t.client.post('/Placement/Search', { Name: 'ACME LOGISTICS' })), [acme]);
      assert.deepEqual(assertList(await t.client.post('/Placement/Search', { Name: 'acme*' })), [acme, other]);
      assert.deepEqual(assertList(await t.client.post('/Placement/Search', { Name: 'acme*', OrganisationID: two })), [other]);
    });

    test('a form filter with lower-case keys searches the same way', async () => {
      const t = await tenant();
      const one = await newOrganisation(h.db, t.customerId, { name: 'One' });
      const two = await newOrganisation(h.db, t.customerId, { name: 'Two' });
      await newClass(t.client, two, 'Elsewhere');
      const mine = await newClass(t.client, one, 'Here');
      assert.deepEqual(assertList(await t.client.form('/classroom/search/', { organisationid: String(one) })), [mine]);
      assert.deepEqual(assertList(await t.client.form('/Classroom/Search/1/10', { NAME: 'here' })), [mine]);
    });

    test('a search with no filter answers every record of the caller', async () => {
      const t = await tenant();
      const one = await newOrganisation(h.db, t.customerId, { name: 'One' });
      const two = await newOrganisation(h.db, t.customerId, { name: 'Two' });
      const a = await newPlacement(t.client, one, 'A');
      const b = await newPlacement(t.client, two, 'B');
      assert.deepEqual(assertList(await t.client.post('/Placement/Search')), [a, b]);
      assert.deepEqual(assertList(await t.client.post('/Placement/Search', {})), [a, b]);
    });
  });

  describe('no match', () => {
    test('a search with no match answers 204 with an empty body, for every entity and form', async () => {
      const t = await tenant();
      const org = await newOrganisation(h.db, t.customerId, { name: 'Only' });
      await newClass(t.client, org, 'Class');
      await newPlacement(t.client, org, 'Placement');
      assertNoContent(await t.client.post('/Organisation/Search', { Name: 'Nope' }), 'organisations');
      assertNoContent(await t.client.post('/Organisation/Search/1/10', { Name: 'Nope' }), 'organisations paged');
      assertNoContent(await t.client.post('/Classroom/Search', { Name: 'Nope' }), 'classes');
      assertNoContent(await t.client.post('/Classroom/Search/1/10', { OrganisationID: org + 1 }), 'classes paged');
      assertNoContent(await t.client.post('/Placement/Search', { Name: 'Nope' }), 'placements');
      assertNoContent(await t.client.post('/Placement/Search/1/10', { Name: 'Nope' }), 'placements paged');
    });

    test('a customer with no records at all gets 204 from every search', async () => {
      const t = await tenant();
      for (const path of ['/Organisation/Search', '/Classroom/Search', '/Placement/Search']) assertNoContent(await t.client.post(path, {}), path);
    });
  });

  describe('pages', () => {
    async function classes(n: number) {
      const t = await tenant();
      const org = await newOrganisation(h.db, t.customerId);
      const all: Summary[] = [];
      for (let i = 1; i <= n; i++) all.push(await newClass(t.client, org, `Class ${String(n - i).padStart(2, '0')}`));
      return { ...t, org, all };
    }

    test('a page answers its slice in ascending ID order with X-Total-Count', async () => {
      const t = await classes(10);
      const res = await t.client.post('/Classroom/Search/2/3', { OrganisationID: t.org });
      assert.deepEqual(assertList(res), t.all.slice(3, 6));
      assert.equal(res.headers['x-total-count'], '10');
      const last = await t.client.post('/Classroom/Search/4/3', { OrganisationID: t.org });
      assert.deepEqual(assertList(last), t.all.slice(9, 10));
      assert.equal(last.headers['x-total-count'], '10');
    });

    test('X-Total-Count counts only the matches of the filter', async () => {
      const t = await tenant();
      const org = await newOrganisation(h.db, t.customerId);
      const keep: Summary[] = [];
      for (let i = 0; i < 7; i++) {
        keep.push(await newClass(t.client, org, 'Match'));
        await newClass(t.client, org, 'Other');
      }
      const res = await t.client.post('/Classroom/Search/1/5', { Name: 'match' });
      assert.deepEqual(assertList(res), keep.slice(0, 5));
      assert.equal(res.headers['x-total-count'], '7');
    });

    test('a page past the end answers 204 with an empty body', async () => {
      const t = await classes(6);
      assertNoContent(await t.client.post('/Classroom/Search/3/3', {}));
      assertNoContent(await t.client.post('/Classroom/Search/100/3', {}));
    });

    test('page 0, size 0, a negative page and a size above 1000 answer 400 with code -102', async () => {
      const t = await classes(1);
      for (const path of [
        '/Classroom/Search/0/10',
        '/Classroom/Search/1/0',
        '/Classroom/Search/-1/10',
        '/Classroom/Search/1/1001',
        '/Placement/Search/0/1',
        '/Organisation/Search/1/5000',
      ]) {
        const res = await t.client.post(path, {});
        assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
        const body = res.json<{ code: number; message: string }>();
        assert.equal(body.code, -102, path);
        assert.ok(body.message.length > 0, path);
      }
      assert.deepEqual(assertList(await t.client.post('/Classroom/Search/1/1000', {})), t.all, 'size 1000 is allowed');
    });

    test('a non-numeric page number or size answers 400', async () => {
      const t = await classes(1);
      for (const path of ['/Classroom/Search/abc/10', '/Classroom/Search/1/ten', '/Classroom/Search/1.5/10']) {
        const res = await t.client.post(path, {});
        assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
        assert.equal(res.json<{ code: number }>().code, -102, path);
      }
    });

    test('paging through 25 classes with size 4 yields every ID exactly once, in order', async () => {
      const t = await tenant();
      const mine = await newOrganisation(h.db, t.customerId, { name: 'Mine' });
      const other = await newOrganisation(h.db, t.customerId, { name: 'Other' });
      const expected: number[] = [];
      for (let i = 0; i < 25; i++) {
        expected.push((await newClass(t.client, mine, `C${i}`)).ID);
        if (i % 3 === 0) await newClass(t.client, other, `X${i}`); // gaps in the ID sequence
      }
      const seen: number[] = [];
      let pageNumber = 1;
      for (; ; pageNumber++) {
        const res = await t.client.post(`/Classroom/Search/${pageNumber}/4`, { OrganisationID: mine });
        if (res.statusCode === 204) break;
        const rows = assertList<Summary>(res, `page ${pageNumber}`);
        assert.equal(res.headers['x-total-count'], '25', `page ${pageNumber}`);
        assert.equal(rows.length, pageNumber <= 6 ? 4 : 1, `page ${pageNumber}`);
        seen.push(...ids(rows));
        assert.ok(pageNumber < 20, 'the walk ends');
      }
      assert.equal(pageNumber, 8, 'pages 1-7, then 204');
      assert.deepEqual(seen, expected);
      assert.equal(new Set(seen).size, 25);
    });

    test('a page asked for directly answers the same slice as when walked to', async () => {
      const t = await tenant();
      const mine = await newOrganisation(h.db, t.customerId, { name: 'Mine' });
      const other = await newOrganisation(h.db, t.customerId, { name: 'Other' });
      const expected: Summary[] = [];
      for (let i = 0; i < 12; i++) {
        expected.push(await newClass(t.client, mine, `C${i}`));
        await newClass(t.client, other, `X${i}`);
      }
      const direct = assertList<Summary>(await t.client.post('/Classroom/Search/3/5', { OrganisationID: mine }));
      assert.deepEqual(direct, expected.slice(10, 12));
      const walked: Summary[][] = [];
      for (let p = 1; p <= 3; p++) walked.push(assertList<Summary>(await t.client.post(`/Classroom/Search/${p}/5`, { OrganisationID: mine })));
      assert.deepEqual(walked, [expected.slice(0, 5), expected.slice(5, 10), expected.slice(10, 12)]);
    });

    test('after classes are removed from a filter, a new walk still answers the current matches once each', async () => {
      const t = await classes(9);
      for (let p = 1; p <= 3; p++) assertList(await t.client.post(`/Classroom/Search/${p}/3`, { Name: 'class*' }));
      for (const gone of [t.all[1]!, t.all[4]!]) {
        assert.equal((await t.client.post(`/Classroom/${gone.ID}`, { Name: 'Renamed' })).statusCode, 200);
      }
      const remaining = t.all.filter((c) => c.ID !== t.all[1]!.ID && c.ID !== t.all[4]!.ID);
      const seen: Summary[] = [];
      for (let p = 1; p <= 3; p++) {
        const res = await t.client.post(`/Classroom/Search/${p}/3`, { Name: 'class*' });
        if (res.statusCode === 204) break;
        seen.push(...assertList<Summary>(res));
      }
      assert.deepEqual(seen, remaining);
    });

    test('a page mark left by an earlier walk is not trusted once the rows before it have changed', async (t) => {
      const c = await classes(9);
      assertList(await c.client.post('/Classroom/Search/1/3', { Name: 'class*' }));
      for (const gone of [c.all[0]!, c.all[1]!]) {
        assert.equal((await c.client.post(`/Classroom/${gone.ID}`, { Name: 'Renamed' })).statusCode, 200);
      }
      // Later (past the walk's 30-second window) another client jumps straight to page 2.
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 31_000 });
      const page2 = await c.client.post('/Classroom/Search/2/3', { Name: 'class*' });
      assert.deepEqual(assertList<Summary>(page2), c.all.slice(5, 8));
      assert.equal(page2.headers['x-total-count'], '7');
    });

    test('a walk resumed after its window, with rows added only after its mark, goes on where it left off', async (t) => {
      const c = await classes(9);
      assert.deepEqual(assertList<Summary>(await c.client.post('/Classroom/Search/1/3', {})), c.all.slice(0, 3));
      assert.deepEqual(assertList<Summary>(await c.client.post('/Classroom/Search/2/3', {})), c.all.slice(3, 6));
      const added = await newClass(c.client, c.org, 'Late');
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 31_000 });
      const page3 = await c.client.post('/Classroom/Search/3/3', {});
      assert.deepEqual(assertList<Summary>(page3), c.all.slice(6, 9));
      assert.equal(page3.headers['x-total-count'], '10');
      assert.deepEqual(assertList<Summary>(await c.client.post('/Classroom/Search/4/3', {})), [added]);
      assertNoContent(await c.client.post('/Classroom/Search/5/3', {}));
    });
  });

  describe('facts kept between searches (counts, positions)', () => {
    const marksOf = () => (h.app as unknown as { pageMarks: PageMarks }).pageMarks;
    async function classes(n: number) {
      const t = await tenant();
      const org = await newOrganisation(h.db, t.customerId);
      const all: Summary[] = [];
      for (let i = 1; i <= n; i++) all.push(await newClass(t.client, org, `Class ${String(i).padStart(2, '0')}`));
      return { ...t, org, all };
    }

    test('a count is reused only while no change has been made since it was counted, and is exact either way', async () => {
      const c = await classes(12);
      const marks = marksOf();
      const total = async () => {
        const res = await c.client.post('/Classroom/Search/1/5', { Name: 'class*' });
        assertList(res);
        return [res.headers['x-total-count'], res.headers['x-total-count-exact']];
      };
      assert.deepEqual(await total(), ['12', 'true']);
      const reused = marks.reused.counts;
      assert.deepEqual(await total(), ['12', 'true']);
      assert.equal(marks.reused.counts, reused + 1, 'nothing changed: the kept count answers');
      await newClass(c.client, c.org, 'Class 13');
      assert.deepEqual(await total(), ['13', 'true']);
      assert.equal(marks.reused.counts, reused + 1, 'a class was added: counted again');
      // A change that leaves the matches as they were still counts again (any change does).
      assert.equal((await c.client.post(`/Classroom/${c.all[0]!.ID}`, { Name: 'Renamed' })).statusCode, 200);
      assert.deepEqual(await total(), ['12', 'true']);
      assert.deepEqual(await total(), ['12', 'true']);
      assert.equal(marks.reused.counts, reused + 2);
      // Another customer's changes are theirs: this count stays reusable.
      const other = await classes(1);
      assert.equal(other.all.length, 1);
      assert.deepEqual(await total(), ['12', 'true']);
      assert.equal(marks.reused.counts, reused + 3);
    });

    test('a deep page jumped to starts from a kept position, answering exactly the slice OFFSET would, before and after a change', async () => {
      const c = await classes(60);
      const marks = marksOf();
      const step = marks.positionStep;
      marks.positionStep = 5;
      try {
        // Each page is one whose page before it was not read (else it would continue that walk).
        const page = async (n: number) => assertList<Summary>(await c.client.post(`/Classroom/Search/${n}/5`, { Name: 'class*' }));
        // Page 6 (matches 26-30) is deep enough to have the positions read, after its answer.
        assert.deepEqual(await page(6), c.all.slice(25, 30));
        await marks.settled();
        const reused = marks.reused.positions;
        assert.deepEqual(await page(9), c.all.slice(40, 45));
        assert.deepEqual(await page(12), c.all.slice(55, 60));
        assert.equal(marks.reused.positions, reused + 2, 'both jumps started from a kept key');
        // Renaming class 3 takes it out of the filter: every later match moves one place up.
        assert.equal((await c.client.post(`/Classroom/${c.all[2]!.ID}`, { Name: 'Renamed' })).statusCode, 200);
        const now = c.all.filter((_, i) => i !== 2);
        assert.deepEqual(await page(8), now.slice(35, 40), 'the kept positions are not used after a change');
        assert.equal(marks.reused.positions, reused + 2);
        await marks.settled();
        assert.deepEqual(await page(11), now.slice(50, 55));
        assert.deepEqual(await page(4), now.slice(15, 20));
        assert.equal(marks.reused.positions, reused + 4, 'read again at the new sequence number, then used');
      } finally {
        marks.positionStep = step;
      }
    });
  });

  describe('unpaged download', () => {
    test('the unpaged search answers all 2,500 classes of a big organisation as one JSON array in ID order', async () => {
      const t = await tenant();
      const big = await newOrganisation(h.db, t.customerId, { name: 'Big' });
      const small = await newOrganisation(h.db, t.customerId, { name: 'Small' });
      const before = await newClass(t.client, big, 'First', 'F-1');
      await newClass(t.client, small, 'Elsewhere');
      await h.db.query(`INSERT INTO classrooms (customer_id, organisation_id, name) SELECT $1, $2, 'C' || g FROM generate_series(1, 2498) g`, [
        t.customerId,
        big,
      ]);
      const lastOne = await newClass(t.client, big, 'Last');
      const res = await t.client.post('/Classroom/Search', { OrganisationID: big });
      const rows = assertList<Summary>(res);
      assert.equal(rows.length, 2500);
      assert.deepEqual(rows[0], before);
      assert.deepEqual(rows[2499], lastOne);
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.ID > rows[i - 1]!.ID, `ascending at ${i}`);
      assert.equal(new Set(ids(rows)).size, 2500);
      assert.deepEqual(
        rows.slice(1, 4).map((r) => [r.Name, r.MISID]),
        [
          ['C1', null],
          ['C2', null],
          ['C3', null],
        ],
      );
      const inDb = await h.db.query<{ id: number }>('SELECT id FROM classrooms WHERE organisation_id = $1 ORDER BY id', [big]);
      assert.deepEqual(
        ids(rows),
        inDb.map((r) => r.id),
      );
    });

    test('an unpaged search of exactly one batch (1,000 rows) is one valid array', async () => {
      const t = await tenant();
      const org = await newOrganisation(h.db, t.customerId);
      await h.db.query(`INSERT INTO classrooms (customer_id, organisation_id, name) SELECT $1, $2, 'C' || g FROM generate_series(1, 1000) g`, [
        t.customerId,
        org,
      ]);
      const rows = assertList<Summary>(await t.client.post('/Classroom/Search', {}));
      assert.equal(rows.length, 1000);
      assert.deepEqual(rows[999], { ID: 1000, Name: 'C1000', MISID: null });
    });
  });
});

describe(`X-Total-Count above EXACT_COUNT_LIMIT (${engine})`, () => {
  let h: H;
  // Counted exactly up to 10 matches; above that an estimate, marked as one.
  before(async () => {
    h = await harness(testConfig({ EXACT_COUNT_LIMIT: '10' }));
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  async function centreWithClasses(n: number) {
    const t = await newCustomer(h.db);
    const client = await Client.for(h.app, t.token);
    const org = await newOrganisation(h.db, t.customerId);
    await h.db.query(`INSERT INTO classrooms (customer_id, organisation_id, name) SELECT $1, $2, 'C' || g FROM generate_series(1, $3::int) g`, [
      t.customerId,
      org,
      n,
    ]);
    const all = (await h.db.query<{ id: number }>('SELECT id FROM classrooms WHERE organisation_id = $1 ORDER BY id', [org])).map((r) => r.id);
    return { ...t, client, org, all };
  }
  const count = (res: LightMyRequestResponse) => [res.headers['x-total-count'], res.headers['x-total-count-exact']];

  test('up to the limit the count is exact and says so', async () => {
    const c = await centreWithClasses(10);
    const res = await c.client.post('/Classroom/Search/1/3', {});
    assert.deepEqual(ids(assertList<Summary>(res)), c.all.slice(0, 3));
    assert.deepEqual(count(res), ['10', 'true']);
  });

  test('above it, every page answers the same rows, and X-Total-Count is an estimate marked X-Total-Count-Exact: false', async () => {
    const c = await centreWithClasses(40);
    const first = await c.client.post('/Classroom/Search/1/5', {});
    assert.deepEqual(ids(assertList<Summary>(first)), c.all.slice(0, 5));
    // Evenly spread IDs: the estimate from their density is right.
    assert.deepEqual(count(first), ['40', 'false']);
    const walked: number[] = [...ids(first.json<Summary[]>())];
    for (let p = 2; ; p++) {
      const res = await c.client.post(`/Classroom/Search/${p}/5`, {});
      if (res.statusCode === 204) break;
      walked.push(...ids(assertList<Summary>(res)));
      assert.equal(res.headers['x-total-count-exact'], 'false', `page ${p} carries the walk's estimate`);
    }
    assert.deepEqual(walked, c.all, 'every row once, in order');
  });

  test('a page jumped to directly answers the same slice, and a short last page knows the exact count', async () => {
    const c = await centreWithClasses(23);
    (h.app as unknown as { pageMarks: { clear(): void } }).pageMarks.clear();
    const middle = await c.client.post('/Classroom/Search/3/5', {});
    assert.deepEqual(ids(assertList<Summary>(middle)), c.all.slice(10, 15));
    assert.equal(middle.headers['x-total-count-exact'], 'false');
    (h.app as unknown as { pageMarks: { clear(): void } }).pageMarks.clear();
    const last = await c.client.post('/Classroom/Search/5/5', {});
    assert.deepEqual(ids(assertList<Summary>(last)), c.all.slice(20, 23));
    assert.deepEqual(count(last), ['23', 'true']);
  });

  test('an estimate never claims fewer matches than a page proves, nor more than a page past the end allows', async () => {
    const c = await centreWithClasses(30);
    // Skew the keys: 15 matches, the first 11 close together, the last 4 far apart.
    await h.db.query(`UPDATE classrooms SET name = 'Other' WHERE organisation_id = $1 AND id > $2 AND id <= $3`, [c.org, c.all[10], c.all[25]]);
    const matches = [...c.all.slice(0, 11), ...c.all.slice(26)];
    const deep = await c.client.post('/Classroom/Search/3/5', { Name: 'c*' });
    assert.deepEqual(ids(assertList<Summary>(deep)), matches.slice(10, 15));
    assert.equal(deep.headers['x-total-count-exact'], 'false');
    assert.ok(Number(deep.headers['x-total-count']) >= 15, `at least the matches seen, got ${String(deep.headers['x-total-count'])}`);
    (h.app as unknown as { pageMarks: { clear(): void } }).pageMarks.clear();
    const past = await c.client.post('/Classroom/Search/40/1', { Name: 'c*' });
    assertNoContent(past);
    assert.equal(past.headers['x-total-count-exact'], 'false');
    const total = Number(past.headers['x-total-count']);
    assert.ok(total > 10 && total <= 39, `more than the limit, fewer than page 40 of 1 would need; got ${total}`);
  });

  test('a page past the end of a list longer than the limit answers 204 with a bounded estimate', async () => {
    const c = await centreWithClasses(25);
    const past = await c.client.post('/Classroom/Search/100/1', {});
    assertNoContent(past);
    const total = Number(past.headers['x-total-count']);
    assert.equal(past.headers['x-total-count-exact'], 'false');
    assert.ok(total > 10 && total <= 99, `between the limit and the page's position, got ${total}`);
  });

  test('a walk through a large search gets its next page read ahead, never served across a write', async () => {
    const c = await centreWithClasses(40);
    const readAhead = (h.app as unknown as { readAhead: { served: number } }).readAhead;
    const before = readAhead.served;
    const page = async (p: number) => assertList<Summary>(await c.client.post(`/Classroom/Search/${p}/5`, {}));
    assert.deepEqual(ids(await page(1)), c.all.slice(0, 5));
    assert.deepEqual(ids(await page(2)), c.all.slice(5, 10));
    assert.deepEqual(ids(await page(3)), c.all.slice(10, 15));
    assert.equal(readAhead.served - before, 1, 'page 3 was read while the client looked at page 2');
    // A write between two pages: what was read ahead for page 4 is not used. Its commit is also
    // announced to every process (NOTIFY, which drops pages read ahead too); waiting for this
    // process to hear it keeps that late notice from landing after page 4 below.
    const renamed = c.all[16]!;
    const signal = (h.app as unknown as { eventSignal: EventSignal }).eventSignal;
    const heard = signal.waiter(c.customerId, 10_000).promise;
    assert.equal((await c.client.post(`/Classroom/${renamed}`, { Name: 'Renamed' })).statusCode, 200);
    await heard;
    const fourth = await page(4);
    assert.deepEqual(ids(fourth), c.all.slice(15, 20));
    assert.equal(fourth.find((r) => r.ID === renamed)?.Name, 'Renamed');
    assert.equal(readAhead.served - before, 1);
    assert.deepEqual(ids(await page(5)), c.all.slice(20, 25));
    assert.equal(readAhead.served - before, 2);
  });

  test('string-keyed searches (units) above the limit estimate too', async () => {
    const t = await newCustomer(h.db);
    const client = await Client.for(h.app, t.token);
    await h.db.query(`INSERT INTO units (customer_id, id, title) SELECT $1, 'U' || lpad(g::text, 3, '0'), 'Unit ' || g FROM generate_series(1, 30) g`, [
      t.customerId,
    ]);
    const res = await client.post('/Unit/Search/2/4', {});
    const body = assertList<{ ID: string }>(res);
    assert.deepEqual(
      body.map((u) => u.ID),
      ['U005', 'U006', 'U007', 'U008'],
    );
    assert.equal(res.headers['x-total-count-exact'], 'false');
    assert.ok(Number(res.headers['x-total-count']) >= 11);
  });
});
