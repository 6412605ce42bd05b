/**
 * The operator's catalogue commands, run in-process on a fresh database, and the same
 * operations through the admin door a running server opens (one implementation, two doors).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, createTestDb, engine, harness, newCustomer, newOrganisation, runLearnfile, testConfig, type TestDb } from '../helpers.js';

const CSV = `standard_reference,standard_title,standard_version,standard_level,otj_hours,unit_id,unit_title,ndaq_code,display
ST0070,Business Administrator,1.0,3,372,KS_COMM1,Communication,603/1,1
ST0070,Business Administrator,1.0,3,372,KS_ORG2,The organisation,,2
ST0072,Customer Service Practitioner,1.1,2,278,CS_K1,"Knowing your customers, and why",,1
`;

describe(`operator catalogue commands (${engine})`, () => {
  let dir: string;
  let t: TestDb;
  const learnfile = (...args: string[]) => runLearnfile(args, { database: t.db });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'learnfile-catalogue-'));
    t = await createTestDb();
  });
  after(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test('standard, unit, template, learning-aim-status and catalogue load work from the command line', async () => {
    assert.equal((await learnfile('customer', 'create', 'Cat Co')).code, 0);
    assert.equal((await learnfile('organisation', 'create', '1', 'Centre')).code, 0);
    const csv = join(dir, 'cat.csv');
    await writeFile(csv, CSV);
    const load = await learnfile('catalogue', 'load', '1', csv, '--offer', '1');
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /standards 2 new, 0 already there; units 3 new/);
    assert.match((await learnfile('catalogue', 'load', '1', csv)).stdout, /standards 0 new, 2 already there; units 0 new, 3 already there/);
    const created = await learnfile(
      'standard',
      'create',
      '1',
      'Software Developer',
      '--reference',
      'ST0119',
      '--standard-version',
      '1.1',
      '--level',
      '4',
      '--otj-hours',
      '400',
      '--offer',
      '1',
    );
    assert.match(created.stdout, /Standard 3 created: Software Developer \(ST0119\)/);
    assert.equal((await learnfile('unit', 'create', '1', 'SD/K 1', 'Lifecycle', '--standard', '3')).code, 0);
    const units = JSON.parse((await learnfile('unit', 'list', '1', '--standard', '3', '--json')).stdout);
    assert.deepEqual(
      units.map((u: { ID: string }) => u.ID),
      ['SD/K 1'],
    );
    const template = await learnfile('template', 'create', '1', 'BA L3', '--organisation', '1', '--item', '1:::100:0:548', '--item', '1:KS_COMM1:50:0:180');
    assert.match(template.stdout, /Framework template 1 created: BA L3 \(2 items\)/);
    const bad = await learnfile('template', 'create', '1', 'Bad', '--item', '1:CS_K1');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unit CS_K1 does not belong to standard 1/);
    assert.equal((await learnfile('learning-aim-status', 'add', '1', 'On programme')).code, 0);
    const standards = JSON.parse((await learnfile('standard', 'list', '1', '--json')).stdout);
    assert.deepEqual(
      standards.map((s: { Reference: string; Organisations: number[]; Units: string[] }) => [s.Reference, s.Organisations, s.Units.length]),
      [
        ['ST0070', [1], 2],
        ['ST0072', [1], 1],
        ['ST0119', [1], 1],
      ],
    );
    const badCsv = join(dir, 'bad.csv');
    await writeFile(badCsv, 'standard_reference,standard_title,unit_id,unit_title\n,No reference,U1,\n');
    const refused = await learnfile('catalogue', 'load', '1', badCsv);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /standards\/0\/reference/);
  });
});

describe(`catalogue operations through the admin door (${engine})`, () => {
  let h: Awaited<ReturnType<typeof harness>>;
  before(async () => {
    h = await harness(testConfig({ OPERATOR_KEY: 'test-operator-key-123456' }));
  });
  after(async () => {
    await h.close();
  });

  test('a JSON catalogue loads through POST /api/admin/ops/catalogue.load and is served at once', async () => {
    const tenant = await newCustomer(h.db, 'Door Co');
    const org = await newOrganisation(h.db, tenant.customerId);
    const file = {
      standards: [
        {
          reference: 'ST0116',
          title: 'Digital Marketer',
          level: 3,
          otjHours: 372,
          units: [
            { id: 'DM_K1', title: 'Marketing principles' },
            { id: 'DM_K2', title: 'Digital channels' },
          ],
        },
      ],
      templates: [
        {
          title: 'DM L3',
          organisationId: org,
          items: [
            { reference: 'ST0116', weighting: 100, endOffsetDays: 450 },
            { reference: 'ST0116', unitId: 'DM_K1' },
          ],
        },
      ],
    };
    const call = (name: string, body: object) =>
      h.app.inject({
        method: 'POST',
        url: `/api/admin/ops/${name}`,
        headers: { 'x-operator-key': 'test-operator-key-123456' },
        payload: body,
      });
    const res = await call('catalogue.load', { customerId: tenant.customerId, format: 'json', content: JSON.stringify(file), organisationIds: [org] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().result, {
      standards: { created: 1, existing: 0 },
      units: { created: 2, existing: 0 },
      templates: { created: 1, existing: 0 },
      offered: 1,
    });
    assert.equal((await call('learningAimStatus.add', { organisationId: org, name: 'On programme' })).statusCode, 200);
    const c = await Client.for(h.app, tenant.token);
    assert.deepEqual((await c.get(`/Organisation/${org}/AssignedStandards`)).json(), [{ ID: 1, Title: 'Digital Marketer' }]);
    assert.equal((await c.post('/FrameworkTemplate/Search', { OrganisationID: org })).json()[0].Title, 'DM L3');
    assert.deepEqual((await c.get(`/Organisation/${org}/LearningAimStatuses`)).json(), [{ ID: 1, Name: 'On programme' }]);
    const audit = await h.db.query<{ entity: string; actor: string }>(`SELECT DISTINCT entity, actor FROM audit_log ORDER BY entity`);
    assert.deepEqual(
      audit.map((a) => a.entity),
      ['framework_template', 'learning_aim_status', 'organisation_standard', 'standard', 'standard_unit', 'unit'],
    );
    assert.ok(audit.every((a) => a.actor === 'operator'));
    const wrong = await call('catalogue.load', { customerId: tenant.customerId, format: 'json', content: '{"standards": [{"title": 1}]}' });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().errors.length >= 2);
  });
});
