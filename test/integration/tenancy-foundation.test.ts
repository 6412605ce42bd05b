// Tenancy: one customer's session never sees, changes or uses another customer's
// organisations, learner statuses, classes or placements, and cannot tell they exist.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { Client, engine, newCustomer, newOrganisation, harnessPerSuite } from '../helpers.js';
import { insertLearnerStatus } from '../../src/server/resources/organisations/organisations.repository.js';

function assertNotFound(res: LightMyRequestResponse, label: string): void {
  assert.equal(res.statusCode, 404, `${label}: ${res.body}`);
  assert.deepEqual(Object.keys(res.json<object>()).sort(), ['code', 'message'], label);
  assert.equal(res.json<{ code: number }>().code, -404, label);
}

function assertNoContent(res: LightMyRequestResponse, label: string): void {
  assert.equal(res.statusCode, 204, `${label}: ${res.body}`);
  assert.equal(res.body, '', label);
}

describe(`tenancy of the data-download records (${engine})`, () => {
  const h = harnessPerSuite();

  /** A customer with one organisation, a learner status, a class and a placement, all named after it. */
  async function tenant(label: string) {
    const t = await newCustomer(h.db, `Customer ${label}`);
    const organisationId = await newOrganisation(h.db, t.customerId, { name: `Centre ${label}` });
    const statusId = (await insertLearnerStatus(h.db, organisationId, `Status ${label}`))!;
    const client = await Client.for(h.app, t.token);
    const classroom = await client.create('/Classroom', { OrganisationID: organisationId, Name: `Class ${label}`, MISID: `CLS-${label}` });
    const placement = await client.create('/Placement', { OrganisationID: organisationId, Name: `Placement ${label}`, MISID: `PLC-${label}` });
    assert.equal(classroom.statusCode, 200, classroom.body);
    assert.equal(placement.statusCode, 200, placement.body);
    return {
      ...t,
      label,
      organisationId,
      statusId,
      client,
      classroom: classroom.json<Record<string, unknown> & { ID: number }>(),
      placement: placement.json<Record<string, unknown> & { ID: number }>(),
    };
  }
  type Tenant = Awaited<ReturnType<typeof tenant>>;

  /** Everything B can see of its own records, to compare before and after A's attempts. */
  async function snapshot(t: Tenant) {
    const get = async (path: string) => {
      const res = await t.client.get(path);
      return [res.statusCode, res.body] as const;
    };
    const search = async (path: string) => {
      const res = await t.client.post(path, {});
      return [res.statusCode, res.body] as const;
    };
    return {
      organisation: await get(`/Organisation/${t.organisationId}`),
      statuses: await get(`/Organisation/${t.organisationId}/LearnerStatuses`),
      classroom: await get(`/Classroom/${t.classroom.ID}`),
      placement: await get(`/Placement/${t.placement.ID}`),
      organisations: await search('/Organisation/Search'),
      classrooms: await search('/Classroom/Search'),
      placements: await search('/Placement/Search'),
      rows: await h.db.query(
        `SELECT (SELECT count(*)::int FROM classrooms WHERE customer_id = $1) AS classes,
                (SELECT count(*)::int FROM placements WHERE customer_id = $1) AS placements,
                (SELECT count(*)::int FROM organisations WHERE customer_id = $1) AS organisations`,
        [t.customerId],
      ),
    };
  }

  test("reading another customer's organisation, statuses, class or placement by id answers 404", async () => {
    const a = await tenant('A');
    const b = await tenant('B');
    assertNotFound(await a.client.get(`/Organisation/${b.organisationId}`), 'organisation');
    assertNotFound(await a.client.get(`/Organisation/${b.organisationId}/LearnerStatuses`), 'learner statuses');
    assertNotFound(await a.client.get(`/Classroom/${b.classroom.ID}`), 'class');
    assertNotFound(await a.client.get(`/Placement/${b.placement.ID}`), 'placement');
  });

  test("another customer's records answer exactly like records that do not exist", async () => {
    const a = await tenant('A');
    const b = await tenant('B');
    const pairs: [string, string][] = [
      [`/Organisation/${b.organisationId}`, '/Organisation/9999'],
      [`/Organisation/${b.organisationId}/LearnerStatuses`, '/Organisation/9999/LearnerStatuses'],
      [`/Classroom/${b.classroom.ID}`, '/Classroom/9999'],
      [`/Placement/${b.placement.ID}`, '/Placement/9999'],
    ];
    for (const [theirs, nobodys] of pairs) {
      const x = await a.client.get(theirs);
      const y = await a.client.get(nobodys);
      assert.equal(x.statusCode, y.statusCode, theirs);
      assert.equal(x.body, y.body, theirs);
    }
  });

  test("updating another customer's class or placement answers 404 and changes nothing", async () => {
    const a = await tenant('A');
    const b = await tenant('B');
    const before = await snapshot(b);
    assertNotFound(await a.client.post(`/Classroom/${b.classroom.ID}`, { Name: 'Hijacked', Archive: true, OrganisationID: a.organisationId }), 'class');
    assertNotFound(await a.client.post(`/Placement/${b.placement.ID}`, { Name: 'Hijacked', Active: false }), 'placement');
    assertNotFound(await a.client.form(`/classroom/${b.classroom.ID}/`, { name: 'Hijacked by form' }), 'class by form');
    assert.deepEqual(await snapshot(b), before);
    const audit = await h.db.query(`SELECT 1 FROM audit_log WHERE customer_id = $1 AND action = 'update'`, [b.customerId]);
    assert.equal(audit.length, 0, 'no audit row for a refused write');
  });

  test("creating a class or placement in another customer's organisation answers -11 and creates nothing", async () => {
    const a = await tenant('A');
    const b = await tenant('B');
    const before = await snapshot(b);
    for (const path of ['/Classroom', '/Placement']) {
      const res = await a.client.post(path, { OrganisationID: b.organisationId, Name: 'Planted' });
      assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
      assert.equal(res.json<{ code: number }>().code, -11, path);
    }
    assert.deepEqual(await snapshot(b), before);
    const planted = await h.db.query(`SELECT 1 FROM classrooms WHERE name = 'Planted' UNION ALL SELECT 1 FROM placements WHERE name = 'Planted'`);
    assert.equal(planted.length, 0);
  });

  test("searches with another customer's OrganisationID, CustomerID or record names answer 204", async () => {
    const a = await tenant('A');
    const b = await tenant('B');
    const searches: [string, Record<string, unknown>][] = [
      ['/Organisation/Search', { CustomerID: b.customerId }],
      ['/Organisation/Search/1/10', { CustomerID: b.customerId }],
      ['/Organisation/Search', { Name: 'Centre B' }],
      ['/Organisation/Search', { Name: '*B' }],
      ['/Organisation/Search', { CustomerID: b.customerId, Name: '*' }],
      ['/Classroom/Search', { OrganisationID: b.organisationId }],
      ['/Classroom/Search/1/10', { OrganisationID: b.organisationId }],
      ['/Classroom/Search', { Name: 'Class B' }],
      ['/Classroom/Search', { Name: '*B', OrganisationID: b.organisationId }],
      ['/Placement/Search', { OrganisationID: b.organisationId }],
      ['/Placement/Search/1/10', { OrganisationID: b.organisationId }],
      ['/Placement/Search', { Name: 'placement b' }],
    ];
    for (const [path, filter] of searches) assertNoContent(await a.client.post(path, filter), `${path} ${JSON.stringify(filter)}`);
  });

  test("a search without filters answers only the caller's own records", async () => {
    const a = await tenant('A');
    await tenant('B');
    const orgs = await a.client.post('/Organisation/Search', {});
    assert.deepEqual(orgs.json(), [{ ID: a.organisationId, Name: 'Centre A', KeychainCreationForNewUserActive: false, KeychainEmailSuppression: false }]);
    const classes = await a.client.post('/Classroom/Search/1/100', {});
    assert.deepEqual(classes.json(), [{ ID: a.classroom.ID, Name: 'Class A', MISID: 'CLS-A' }]);
    assert.equal(classes.headers['x-total-count'], '1');
    const placements = await a.client.post('/Placement/Search', { Name: 'placement*' });
    assert.deepEqual(placements.json(), [{ ID: a.placement.ID, Name: 'Placement A', MISID: 'PLC-A' }]);
  });

  test("another customer's records are left exactly as they were after every attempt", async () => {
    const a = await tenant('A');
    const b = await tenant('B');
    const before = await snapshot(b);
    await a.client.get(`/Organisation/${b.organisationId}`);
    await a.client.get(`/Organisation/${b.organisationId}/LearnerStatuses`);
    await a.client.get(`/Classroom/${b.classroom.ID}`);
    await a.client.post(`/Classroom/${b.classroom.ID}`, { Name: 'x', MISID: 'x', StartOn: '2030-01-01', Archive: '1', CompletionMessage: 'x' });
    await a.client.post(`/Placement/${b.placement.ID}`, { Name: 'x', Address: 'x', Active: '0', Email: 'x', Web: 'x' });
    await a.client.post('/Classroom', { OrganisationID: b.organisationId, Name: 'x' });
    await a.client.post('/Placement', { OrganisationID: b.organisationId, Name: 'x' });
    await a.client.post('/Classroom/Search', { OrganisationID: b.organisationId });
    const after = await snapshot(b);
    assert.deepEqual(after, before);
    assert.equal(after.classroom[0], 200);
    assert.deepEqual(JSON.parse(after.classroom[1]), b.classroom);
    assert.deepEqual(JSON.parse(after.placement[1]), b.placement);
    assert.deepEqual(JSON.parse(after.statuses[1]), [{ ID: b.statusId, Name: 'Status B' }]);
    // And A's own records still work for A.
    assert.equal((await a.client.get(`/Classroom/${a.classroom.ID}`)).statusCode, 200);
  });
});
