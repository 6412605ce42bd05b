// Spec section 5.1: the data-download records (customer, organisations, learner statuses,
// classes, placements) with their exact shapes, partial updates and the audit trail.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, engine, newCustomer, newOrganisation, harnessPerSuite } from '../helpers.js';
import { insertLearnerStatus } from '../../src/server/resources/organisations/organisations.repository.js';

interface AuditEntry {
  customer_id: number;
  actor: string;
  entity: string;
  entity_id: number;
  action: string;
  changes: Record<string, { old: unknown; new: unknown }>;
}

describe(`data-download records (${engine})`, () => {
  const h = harnessPerSuite();

  async function centre(opts: { customer?: string; name?: string; keychain?: boolean; suppressEmail?: boolean } = {}) {
    const t = await newCustomer(h.db, opts.customer ?? 'Customer');
    const organisationId = await newOrganisation(h.db, t.customerId, opts);
    const client = await Client.for(h.app, t.token);
    return { ...t, organisationId, client };
  }

  const audit = (entity: string, entityId: number) =>
    h.db.query<AuditEntry>(
      'SELECT customer_id, actor, entity, entity_id::int AS entity_id, action, changes FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id',
      [entity, entityId],
    );

  describe('customer and organisations', () => {
    test("GET /Customer answers the session's customer as {ID, Name}", async () => {
      await newCustomer(h.db, 'Someone Else');
      const c = await centre({ customer: 'Northgate Training Ltd' });
      const res = await c.client.get('/Customer');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { ID: c.customerId, Name: 'Northgate Training Ltd' });
    });

    test('GET /Organisation/{id} answers ID, Name and both Keychain settings', async () => {
      const c = await centre({ name: 'Riverside', keychain: true, suppressEmail: false });
      const other = await newOrganisation(h.db, c.customerId, { name: 'Quiet', keychain: false, suppressEmail: true });
      const res = await c.client.get(`/Organisation/${c.organisationId}`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { ID: c.organisationId, Name: 'Riverside', KeychainCreationForNewUserActive: true, KeychainEmailSuppression: false });
      assert.deepEqual((await c.client.get(`/Organisation/${other}`)).json(), {
        ID: other,
        Name: 'Quiet',
        KeychainCreationForNewUserActive: false,
        KeychainEmailSuppression: true,
      });
    });

    test("GET /Organisation/{id}/LearnerStatuses answers the organisation's statuses as [{ID, Name}] in ID order", async () => {
      const c = await centre();
      const other = await newOrganisation(h.db, c.customerId, { name: 'Other' });
      const continuing = await insertLearnerStatus(h.db, c.organisationId, 'Continuing');
      await insertLearnerStatus(h.db, other, 'Elsewhere');
      const withdrawn = await insertLearnerStatus(h.db, c.organisationId, 'Withdrawn');
      const res = await c.client.get(`/Organisation/${c.organisationId}/LearnerStatuses`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), [
        { ID: continuing, Name: 'Continuing' },
        { ID: withdrawn, Name: 'Withdrawn' },
      ]);
    });

    test('GET /Organisation/{id}/LearnerStatuses answers 204 with no body when the organisation has none', async () => {
      const c = await centre();
      const other = await newOrganisation(h.db, c.customerId, { name: 'Other' });
      await insertLearnerStatus(h.db, other, 'Elsewhere');
      const res = await c.client.get(`/Organisation/${c.organisationId}/LearnerStatuses`);
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
    });

    test('GET /Organisation/{id}/LearnerStatuses of an unknown organisation answers 404', async () => {
      const c = await centre();
      const res = await c.client.get('/Organisation/777/LearnerStatuses');
      assert.equal(res.statusCode, 404);
      assert.equal(res.json<{ code: number }>().code, -404);
    });
  });

  describe('classes', () => {
    test('creating a class answers 200 with the new ID as a bare JSON number', async () => {
      const c = await centre();
      const res = await c.client.post('/Classroom', { OrganisationID: c.organisationId, Name: 'Business Admin L3' });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /^application\/json/);
      assert.match(res.body, /^[1-9]\d*$/);
      const id: unknown = JSON.parse(res.body);
      assert.ok(Number.isInteger(id));
      assert.equal((await c.client.get(`/Classroom/${id}`)).json<{ Name: string }>().Name, 'Business Admin L3');
    });

    test('a class created with only OrganisationID and Name reads back with its defaults', async () => {
      const c = await centre();
      const res = await c.client.create('/Classroom', { OrganisationID: c.organisationId, Name: 'Business Admin L3' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<{ ID: number }>();
      assert.ok(Number.isInteger(body.ID) && body.ID > 0);
      assert.deepEqual(body, {
        ID: body.ID,
        OrganisationID: c.organisationId,
        Name: 'Business Admin L3',
        MISID: null,
        StartOn: null,
        Archive: false,
        CompletionMessage: null,
        SendCompletionMessage: false,
        IVFinalSignOff: false,
      });
    });

    test('creating a class with every field reads back every field', async () => {
      const c = await centre();
      const given = {
        OrganisationID: c.organisationId,
        Name: 'Digital Marketer',
        MISID: 'DM-2026',
        StartOn: '2026-09-01T08:00:00.000Z',
        Archive: true,
        CompletionMessage: 'Congratulations!',
        SendCompletionMessage: true,
        IVFinalSignOff: true,
      };
      const res = await c.client.create('/Classroom', given);
      assert.equal(res.statusCode, 200, res.body);
      const created = res.json<{ ID: number }>();
      assert.deepEqual(created, { ID: created.ID, ...given });
      const read = await c.client.get(`/Classroom/${created.ID}`);
      assert.equal(read.statusCode, 200);
      assert.deepEqual(read.json(), created);
    });

    test('updating a class changes only the fields given and answers the whole object', async () => {
      const c = await centre();
      const created = (
        await c.client.create('/Classroom', {
          OrganisationID: c.organisationId,
          Name: 'Before',
          MISID: 'M-1',
          StartOn: '2026-01-05',
          CompletionMessage: 'Done',
        })
      ).json<Record<string, unknown> & { ID: number }>();
      const res = await c.client.post(`/Classroom/${created.ID}`, { Name: 'After', Archive: true });
      assert.equal(res.statusCode, 200, res.body);
      const expected = { ...created, Name: 'After', Archive: true };
      assert.deepEqual(res.json(), expected);
      assert.deepEqual((await c.client.get(`/Classroom/${created.ID}`)).json(), expected);
    });

    test('an OrganisationID in a class update is ignored: a class never moves organisation', async () => {
      const c = await centre();
      const second = await newOrganisation(h.db, c.customerId, { name: 'Second' });
      const created = (await c.client.create('/Classroom', { OrganisationID: c.organisationId, Name: 'Stays' })).json<{ ID: number }>();
      const res = await c.client.post(`/Classroom/${created.ID}`, { OrganisationID: second, organisationID: second, MISID: 'X' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ OrganisationID: number }>().OrganisationID, c.organisationId);
      assert.equal((await c.client.get(`/Classroom/${created.ID}`)).json<{ OrganisationID: number }>().OrganisationID, c.organisationId);
      assert.equal((await c.client.post('/Classroom/Search', { OrganisationID: second })).statusCode, 204);
    });

    test('an update with no fields answers the class unchanged', async () => {
      const c = await centre();
      const created = (await c.client.create('/Classroom', { OrganisationID: c.organisationId, Name: 'Same' })).json<{ ID: number }>();
      const res = await c.client.post(`/Classroom/${created.ID}`, {});
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), created);
    });

    test('creating a class leaves an audit row with each given field as old null, new value', async () => {
      const c = await centre();
      const created = (
        await c.client.create('/Classroom', {
          OrganisationID: c.organisationId,
          Name: 'Audited',
          StartOn: '2026-09-01',
          Archive: true,
        })
      ).json<{ ID: number }>();
      const rows = await audit('classroom', created.ID);
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.equal(row!.action, 'create');
      assert.equal(row!.customer_id, c.customerId);
      assert.match(row!.actor, /^session:\d+ token:\d+$/);
      assert.deepEqual(row!.changes, {
        OrganisationID: { old: null, new: c.organisationId },
        Name: { old: null, new: 'Audited' },
        StartOn: { old: null, new: '2026-09-01T00:00:00.000Z' },
        Archive: { old: null, new: true },
      });
    });

    test('updating a class leaves an audit row with only the changed fields, old and new', async () => {
      const c = await centre();
      const created = (
        await c.client.create('/Classroom', {
          OrganisationID: c.organisationId,
          Name: 'Old name',
          MISID: 'Same',
          StartOn: '2026-01-01',
        })
      ).json<{ ID: number }>();
      await c.client.post(`/Classroom/${created.ID}`, { Name: 'New name', MISID: 'Same', StartOn: '2026-02-01T00:00:00+00:00', IVFinalSignOff: 'true' });
      const rows = await audit('classroom', created.ID);
      assert.deepEqual(
        rows.map((r) => r.action),
        ['create', 'update'],
      );
      assert.deepEqual(rows[1]!.changes, {
        Name: { old: 'Old name', new: 'New name' },
        StartOn: { old: '2026-01-01T00:00:00.000Z', new: '2026-02-01T00:00:00.000Z' },
        IVFinalSignOff: { old: false, new: true },
      });
      assert.equal(rows[1]!.customer_id, c.customerId);
    });
  });

  describe('placements', () => {
    test('creating a placement answers 200 with the new ID as a bare JSON number', async () => {
      const c = await centre();
      const res = await c.client.post('/Placement', { OrganisationID: c.organisationId, Name: 'Acme Logistics' });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /^application\/json/);
      assert.match(res.body, /^[1-9]\d*$/);
      assert.equal((await c.client.get(`/Placement/${res.body}`)).json<{ Name: string }>().Name, 'Acme Logistics');
    });

    test('a placement created with only OrganisationID and Name reads back in full, Active true by default', async () => {
      const c = await centre();
      const res = await c.client.create('/Placement', { OrganisationID: c.organisationId, Name: 'Acme Logistics' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<{ ID: number }>();
      assert.deepEqual(body, {
        ID: body.ID,
        OrganisationID: c.organisationId,
        Name: 'Acme Logistics',
        Address: null,
        Active: true,
        Contact: null,
        Email: null,
        Fax: null,
        Telephone: null,
        Web: null,
        MISID: null,
      });
    });

    test('creating a placement with every field reads back every field', async () => {
      const c = await centre();
      const given = {
        OrganisationID: c.organisationId,
        Name: 'Brightside Dental',
        Address: '12 High Street, York YO1 8AB',
        Active: false,
        Contact: 'Practice manager',
        Email: 'office@example.com',
        Fax: '01632 960001',
        Telephone: '01632 960000',
        Web: 'https://brightside.example',
        MISID: 'EMP-7',
      };
      const res = await c.client.create('/Placement', given);
      assert.equal(res.statusCode, 200, res.body);
      const created = res.json<{ ID: number }>();
      assert.deepEqual(created, { ID: created.ID, ...given });
      assert.deepEqual((await c.client.get(`/Placement/${created.ID}`)).json(), created);
    });

    test('updating a placement changes only the fields given; OrganisationID is ignored', async () => {
      const c = await centre();
      const second = await newOrganisation(h.db, c.customerId, { name: 'Second' });
      const created = (
        await c.client.create('/Placement', {
          OrganisationID: c.organisationId,
          Name: 'Acme',
          Address: '1 Road',
          Email: 'a@example.com',
        })
      ).json<Record<string, unknown> & { ID: number }>();
      const res = await c.client.post(`/Placement/${created.ID}`, { Telephone: '0100', Active: 'false', OrganisationID: second });
      assert.equal(res.statusCode, 200, res.body);
      const expected = { ...created, Telephone: '0100', Active: false };
      assert.deepEqual(res.json(), expected);
      assert.deepEqual((await c.client.get(`/Placement/${created.ID}`)).json(), expected);
    });

    test('updating a placement that does not exist answers 404', async () => {
      const c = await centre();
      const res = await c.client.post('/Placement/4040', { Name: 'Nobody' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json<{ code: number }>().code, -404);
    });

    test('creating and updating a placement leaves audit rows with old and new values', async () => {
      const c = await centre();
      const created = (await c.client.create('/Placement', { OrganisationID: c.organisationId, Name: 'Acme', Web: 'acme.example' })).json<{ ID: number }>();
      await c.client.post(`/Placement/${created.ID}`, { Active: false, Web: 'https://acme.example', Name: 'Acme' });
      const rows = await audit('placement', created.ID);
      assert.deepEqual(
        rows.map((r) => [r.entity, r.action, r.customer_id]),
        [
          ['placement', 'create', c.customerId],
          ['placement', 'update', c.customerId],
        ],
      );
      assert.deepEqual(rows[0]!.changes, {
        OrganisationID: { old: null, new: c.organisationId },
        Name: { old: null, new: 'Acme' },
        Web: { old: null, new: 'acme.example' },
      });
      assert.deepEqual(rows[1]!.changes, { Active: { old: true, new: false }, Web: { old: 'acme.example', new: 'https://acme.example' } });
    });
  });
});
