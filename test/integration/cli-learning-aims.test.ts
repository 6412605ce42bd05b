/**
 * `learnfile export learning-aims` and the learning-aims step of `learnfile mirror`, against
 * real learnfile servers listening on real ports (two apps on two databases for the mirror).
 * Catalogues are made as an operator makes them (`learnfile standard create`).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { createClient, type ApiClient } from '../../packages/client/src/index.js';
import { importUsers } from '../../src/cli/import.js';
import { exportRows } from '../../src/cli/export.js';
import { mirror } from '../../src/cli/mirror.js';
import type { Database } from '../../src/server/db/client.js';
import { engine, harness, newCustomer, newLearningAimStatus, newOrganisation, runLearnfile, type Harness, listening } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type H = Harness & { reset(): Promise<void> };

/** A standard in the customer's catalogue, made with the operator's command. */
async function standard(db: Database, customerId: number, title: string, reference?: string, version?: string): Promise<number> {
  const args = ['standard', 'create', String(customerId), title];
  if (reference) args.push('--reference', reference);
  if (version) args.push('--standard-version', version);
  const run = await runLearnfile(args, { database: db });
  assert.equal(run.code, 0, run.stderr);
  return Number(/Standard (\d+) created/.exec(run.stdout)![1]);
}

/** An organisation with a class, a placement, the sample users (T-001 assessor, L-1001..3 learners) and an IQA. */
async function centre(h: H, url: string, customer: { customerId: number; token: string }, name: string) {
  const organisationId = await newOrganisation(h.db, customer.customerId, { name });
  const client = createClient({ baseUrl: url, customerToken: customer.token });
  await client.create('/Classroom', { OrganisationID: organisationId, Name: 'Motor Vehicle L3', MISID: 'MV3' });
  await client.create('/Placement', { OrganisationID: organisationId, Name: 'Hull Motors' });
  const loaded = await importUsers(client, join(ROOT, 'docs/examples/users.csv'), { organisation: String(organisationId), quiet: true });
  assert.ok(
    loaded.outcomes.every((o) => o.kind === 'create'),
    JSON.stringify(loaded.outcomes),
  );
  await client.create('/User', { OrganisationID: organisationId, Role: 10, FirstName: 'Ivo', LastName: 'Quinn', Email: 'ivo@example.org', MISID: 'I-001' });
  const byMisid = new Map((await client.all('/User/Search', { OrganisationID: organisationId })).map((u) => [String(u.MISID), u.ID]));
  return { organisationId, client, user: (misid: string) => byMisid.get(misid)! };
}

async function give(client: ApiClient, standardId: number, learnerId: number): Promise<number> {
  return (await client.create('/Standard/{id}/Assign/{learnerId}', {} as never, { id: standardId, learnerId })).id!;
}

async function capture(client: ApiClient, opts: object) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const n = await exportRows(client, 'learning-aims', { quiet: true, ...opts }, out);
  return { n, text, lines: text.trim().split('\n') };
}

describe(`learnfile export learning-aims (${engine})`, () => {
  let h: H;
  let url: string;
  before(async () => {
    h = await harness();
    url = await listening(h);
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
  });

  test("writes every aim as CSV with the API's field names and as JSON Lines with --full; --organisation keeps that organisation's learners' aims, archived learners' too", async () => {
    const customer = await newCustomer(h.db);
    const north = await centre(h, url, customer, 'Northgate College');
    const river = await centre(h, url, customer, 'Riverside Centre');
    const st70 = await standard(h.db, customer.customerId, 'Business Administrator', 'ST0070', '1.0');
    const st72 = await standard(h.db, customer.customerId, 'Customer Service Practitioner', 'ST0072', '1.0');
    const client = north.client;
    const ada = await give(client, st70, north.user('L-1001'));
    await client.update('/LearningAim/{id}', { id: ada }, { StartDate: '2025-09-01', PlannedEnd: '2027-08-31', RegistrationNumber: 'REG-1' });
    await give(client, st72, north.user('L-1001'));
    await give(client, st70, north.user('L-1002'));
    const riverAim = await give(client, st72, river.user('L-1001'));
    await client.post('/User/{id}/Archive', {}, { id: north.user('L-1002') });

    const csv = await capture(client, {});
    assert.equal(csv.n, 4);
    assert.equal(csv.lines[0], 'ID,UserID,StandardID,Status,StartDate,PlannedEnd,Progress');
    assert.ok(csv.lines.includes(`${ada},${north.user('L-1001')},${st70},,2025-09-01T00:00:00.000Z,2027-08-31T00:00:00.000Z,0`), csv.lines.join('\n'));

    const northOnly = await capture(client, { organisation: 'northgate college', format: 'jsonl', full: true });
    const records = northOnly.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(northOnly.n, 3, 'two aims of Ada and one of Ben, who is archived');
    assert.ok(!records.some((r) => r.ID === riverAim));
    assert.deepEqual(new Set(records.map((r) => r.OrganisationID)), new Set([north.organisationId]));
    const full = records.find((r) => r.ID === ada)!;
    assert.equal(full.RegistrationNumber, 'REG-1');
    assert.ok('AssessorID' in full && 'IQAID' in full && 'AchievedDate' in full, Object.keys(full).join(','));

    const riverCsv = await capture(client, { organisation: String(river.organisationId) });
    assert.deepEqual(
      riverCsv.lines.slice(1).map((l) => Number(l.split(',')[0])),
      [riverAim],
    );
  });
});

describe(`learnfile mirror: learning aims, learnfile to learnfile (${engine})`, () => {
  let live: H;
  let sandbox: H;
  let liveUrl: string;
  let sandboxUrl: string;
  before(async () => {
    live = await harness();
    sandbox = await harness();
    liveUrl = await listening(live);
    sandboxUrl = await listening(sandbox);
  });
  after(async () => {
    await live.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    await live.reset();
    await sandbox.reset();
  });

  /** Live: Ada has ST0070 (dated, with status, registration, assessor and IQA) and ST0072 v1.0; Ben has a standard without a reference. */
  async function scenario() {
    const liveCustomer = await newCustomer(live.db);
    const src = await centre(live, liveUrl, liveCustomer, 'Northgate College');
    await newLearningAimStatus(live.db, src.organisationId, 'Break in learning');
    const onProgramme = await newLearningAimStatus(live.db, src.organisationId, 'On programme');
    const st70 = await standard(live.db, liveCustomer.customerId, 'Business Administrator', 'ST0070', '1.0');
    const st72 = await standard(live.db, liveCustomer.customerId, 'Customer Service Practitioner', 'ST0072', '1.0');
    const maths = await standard(live.db, liveCustomer.customerId, 'Functional Skills Maths');
    const adaAim = await give(src.client, st70, src.user('L-1001'));
    await src.client.update(
      '/LearningAim/{id}',
      { id: adaAim },
      { StartDate: '2025-09-01', PlannedEnd: '2027-08-31', Status: onProgramme, RegistrationNumber: 'AB-778812', RegistrationDate: '2025-10-01' },
    );
    for (const staff of ['T-001', 'I-001']) {
      await src.client.post('/User/{id}/Assign', { LearnerID: src.user('L-1001'), Level: 3, StandardID: st70 }, { id: src.user(staff) });
    }
    await give(src.client, st72, src.user('L-1001'));
    const benAim = await give(src.client, maths, src.user('L-1002'));
    const withdrawn = await newLearningAimStatus(live.db, src.organisationId, 'Withdrawn'); // the sandbox has no such status
    await src.client.update('/LearningAim/{id}', { id: benAim }, { Status: withdrawn });

    // The sandbox: the same organisation and statuses (in another order, so other IDs), and a
    // catalogue with ST0070 1.0, ST0072 only in version 2.0, and the maths standard by title.
    const sandboxCustomer = await newCustomer(sandbox.db);
    const targetOrg = await newOrganisation(sandbox.db, sandboxCustomer.customerId, { name: 'Northgate College' });
    const targetOnProgramme = await newLearningAimStatus(sandbox.db, targetOrg, 'On programme');
    await newLearningAimStatus(sandbox.db, targetOrg, 'Break in learning');
    await standard(sandbox.db, sandboxCustomer.customerId, 'Business Administrator', 'ST0070', '0.9');
    const t70 = await standard(sandbox.db, sandboxCustomer.customerId, 'Business Administrator', 'ST0070', '1.0');
    await standard(sandbox.db, sandboxCustomer.customerId, 'Customer Service Practitioner', 'ST0072', '2.0');
    const tMaths = await standard(sandbox.db, sandboxCustomer.customerId, 'functional skills maths');
    const from = createClient({ baseUrl: liveUrl, customerToken: liveCustomer.token });
    const to = createClient({ baseUrl: sandboxUrl, customerToken: sandboxCustomer.token });
    return { src, from, to, liveCustomer, sandboxCustomer, targetOrg, targetOnProgramme, adaAim, st72, t70, tMaths };
  }

  const targetUser = async (to: ApiClient, organisationId: number, misid: string) =>
    (await to.all('/User/Search', { OrganisationID: organisationId, MISID: misid }))[0]!.ID;

  test("copies each learner's aims with their dates, status, registration, assessor and IQA; skips and reports a standard the target lacks; a re-run changes nothing", async () => {
    const s = await scenario();
    const opts = { fromToken: s.liveCustomer.token, quiet: true };
    const report = await mirror(s.from, s.to, opts);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.tallies.users, { created: 6, updated: 0, unchanged: 0, failed: 0 });
    assert.deepEqual(report.tallies.learningAims, { created: 2, updated: 0, unchanged: 0, failed: 0 });
    assert.equal(report.unmatchedStandards.length, 1);
    const [skipped] = report.unmatchedStandards;
    assert.equal(skipped!.source.ID, s.st72);
    assert.equal(skipped!.aims, 1);
    assert.match(skipped!.note, /no standard ST0072 version 1\.0 \(it has version 2\.0\)/);

    const ada = await targetUser(s.to, s.targetOrg, 'L-1001');
    const [adaAim, ...more] = await s.to.all('/LearningAim/Search', { UserID: ada });
    assert.equal(more.length, 0, 'the standard without a counterpart was not given');
    const aim = (await s.to.get('/LearningAim/{id}', { id: adaAim!.ID }))!;
    assert.equal(aim.StandardID, s.t70, 'matched by reference and version, not the older version');
    assert.equal(aim.StartDate, '2025-09-01T00:00:00.000Z');
    assert.equal(aim.PlannedEnd, '2027-08-31T00:00:00.000Z');
    assert.equal(aim.RegistrationDate, '2025-10-01T00:00:00.000Z');
    assert.equal(aim.RegistrationNumber, 'AB-778812');
    assert.equal(aim.Status, s.targetOnProgramme, 'the status of the same name');
    assert.equal(aim.AssessorID, await targetUser(s.to, s.targetOrg, 'T-001'));
    assert.equal(aim.IQAID, await targetUser(s.to, s.targetOrg, 'I-001'));
    const benAims = await s.to.all('/LearningAim/Search', { UserID: await targetUser(s.to, s.targetOrg, 'L-1002') });
    assert.deepEqual(
      benAims.map((a) => [a.StandardID, a.Status]),
      [[s.tMaths, null]],
      'a standard without a reference is matched by title; a status the target lacks is left out',
    );

    const before = await s.to.all('/LearningAim/Search');
    const again = await mirror(s.from, s.to, opts);
    assert.deepEqual(again.tallies.learningAims, { created: 0, updated: 0, unchanged: 2, failed: 0 });
    assert.equal(again.unmatchedStandards[0]?.aims, 1, 'still reported');
    assert.deepEqual(await s.to.all('/LearningAim/Search'), before);
    assert.equal((await s.to.get('/LearningAim/{id}', { id: adaAim!.ID }))!.LastModified, aim.LastModified, 'nothing was written');

    // A change on either side is set again from the source on the next run, and only that aim.
    await s.to.update('/LearningAim/{id}', { id: adaAim!.ID }, { PlannedEnd: '2028-01-31' });
    await s.from.update('/LearningAim/{id}', { id: s.adaAim }, { AchievedDate: '2027-07-15' });
    const third = await mirror(s.from, s.to, opts);
    assert.deepEqual(third.tallies.learningAims, { created: 0, updated: 1, unchanged: 1, failed: 0 });
    const changed = (await s.to.get('/LearningAim/{id}', { id: adaAim!.ID }))!;
    assert.equal(changed.PlannedEnd, '2027-08-31T00:00:00.000Z');
    assert.equal(changed.AchievedDate, '2027-07-15T00:00:00.000Z');
  });

  test('the command prints the skipped standard and exits 2; --anonymise replaces the registration number with a stable stand-in', async () => {
    const s = await scenario();
    const args = ['mirror', '--from', liveUrl, '--from-token', s.liveCustomer.token, '--to', sandboxUrl, '--to-token', s.sandboxCustomer.token];
    const run = await runLearnfile([...args, '--anonymise', '--quiet']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /^learning aims: 2 created, 0 updated, 0 unchanged, 0 failed$/m);
    assert.match(
      run.stdout,
      new RegExp(
        `^skipped: standard "Customer Service Practitioner" \\(ST0072 version 1\\.0\\), source ${s.st72}: 1 learning aim not copied; the target's catalogue has no standard ST0072 version 1\\.0`,
        'm',
      ),
    );
    const aims = await Promise.all((await s.to.all('/LearningAim/Search')).map((a) => s.to.get('/LearningAim/{id}', { id: a.ID })));
    const registered = aims.find((a) => a?.RegistrationNumber);
    assert.match(String(registered?.RegistrationNumber), /^ANON-[0-9A-F]{12}$/);

    const again = await runLearnfile([...args, '--anonymise', '--quiet']);
    assert.match(again.stdout, /^learning aims: 0 created, 0 updated, 2 unchanged, 0 failed$/m);
  });
});
