/**
 * Fixtures for the learner's-journey tests: a centre with staff and a learner created over
 * HTTP, and (through SQL, for fixtures only) standards and learning aims, which another
 * part of the API creates.
 */
import type { Database } from '../src/server/db/client.js';
import { Client, type Harness, newCustomer, newOrganisation } from './helpers.js';

export const OPERATOR_KEY = 'test-operator-key-0123456789';

export interface JourneyCentre {
  customerId: number;
  organisationId: number;
  client: Client;
  classroomId: number;
  placementId: number;
  assessor: number;
  trainee: number;
  iqa: number;
  employer: number;
  learner: number;
}

async function created(client: Client, body: Record<string, unknown>): Promise<number> {
  const res = await client.post('/User', body);
  if (res.statusCode !== 200) throw new Error(`user create failed: ${res.statusCode} ${res.body}`);
  return res.json<{ ID: number }>().ID;
}

/** A customer with one centre, an assessor, a trainee assessor, an IQA, an employer and a learner. */
export async function journeyCentre(h: Harness, name = 'Customer', learner: Record<string, unknown> = {}): Promise<JourneyCentre> {
  const tenant = await newCustomer(h.db, name);
  const organisationId = await newOrganisation(h.db, tenant.customerId, { name: `${name} centre` });
  const client = await Client.for(h.app, tenant.token);
  return { ...tenant, ...(await furnish(client, organisationId, learner)), organisationId, client };
}

/** Another centre of the same customer, furnished the same way. */
export async function secondCentre(h: Harness, c: JourneyCentre): Promise<Omit<JourneyCentre, 'client' | 'customerId'>> {
  const organisationId = await newOrganisation(h.db, c.customerId, { name: 'Second centre' });
  return { organisationId, ...(await furnish(c.client, organisationId, {})) };
}

async function furnish(client: Client, organisationId: number, learner: Record<string, unknown>) {
  const classroomId = (await client.post('/Classroom', { OrganisationID: organisationId, Name: 'Class A' })).json<number>();
  const placementId = (await client.post('/Placement', { OrganisationID: organisationId, Name: 'Employer A' })).json<number>();
  const person = (role: number, first: string, extra: Record<string, unknown> = {}) =>
    created(client, {
      OrganisationID: organisationId,
      FirstName: first,
      LastName: 'Person',
      Email: `${first.toLowerCase()}@example.com`,
      Role: role,
      ...extra,
    });
  const assessor = await person(5, 'Asha');
  const trainee = await person(4, 'Theo');
  const iqa = await person(10, 'Ivy');
  const employer = await person(40, 'Evan', { PlacementID: placementId });
  const learnerId = await person(1, 'Lena', {
    DefaultAssessorID: assessor,
    ClassroomID: classroomId,
    PlacementID: placementId,
    ...learner,
  });
  return { classroomId, placementId, assessor, trainee, iqa, employer, learner: learnerId };
}

export async function insertStandard(db: Database, customerId: number, title: string, otjHours: number | null): Promise<number> {
  const rows = await db.query<{ id: number }>('INSERT INTO standards (customer_id, title, otj_hours) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    title,
    otjHours,
  ]);
  return rows[0]!.id;
}

export async function insertAim(
  db: Database,
  customerId: number,
  learnerId: number,
  standardId: number,
  o: { start?: string; end?: string; rpl?: number } = {},
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO learning_aims (customer_id, user_id, standard_id, start_date, planned_end, rpl_hours) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [customerId, learnerId, standardId, o.start ?? null, o.end ?? null, o.rpl ?? 0],
  );
  return rows[0]!.id;
}

/** Runs an operator operation through the admin door (POST /api/admin/ops/{name}); answers status and body. */
export async function operator(h: Harness, name: string, input: Record<string, unknown>) {
  const res = await h.app.inject({
    method: 'POST',
    url: `/api/admin/ops/${name}`,
    headers: { 'x-operator-key': OPERATOR_KEY },
    payload: input,
  });
  return {
    status: res.statusCode,
    body: res.json<{ result?: Record<string, unknown>; code?: number; message?: string; errors?: { field: string; code: number }[] }>(),
  };
}

/** Records a timesheet entry through the operator door and answers the new entry. */
export async function addEntry(
  h: Harness,
  c: { customerId: number },
  learnerId: number,
  from: string,
  to: string,
  offTheJob = true,
  category = 'Training course',
) {
  const res = await operator(h, 'timesheet.add', { customerId: c.customerId, learnerId, from, to, offTheJob, category });
  if (res.status !== 200) throw new Error(`timesheet.add failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.result as { ID: number; Hours: number };
}
