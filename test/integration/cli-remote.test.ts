/**
 * The import, export and mirror commands, run against real learnfile servers listening on
 * real ports (two apps on two databases for the mirror). The command functions are called
 * in-process; one test runs the real executable to check the wiring and --help.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { createClient, type ApiClient } from '../../packages/client/src/index.js';
import { ninoProblem, ulnProblem } from '../../src/server/domain/uk-data.js';
import { importUsers } from '../../src/cli/import.js';
import { exportRows } from '../../src/cli/export.js';
import { mirror } from '../../src/cli/mirror.js';
import { fakesFor } from '../../src/cli/anonymise.js';
import { engine, harness, newCustomer, newOrganisation, type Harness, listening } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type H = Harness & { reset(): Promise<void> };

async function centre(h: H, url: string, name = 'Northgate College') {
  const tenant = await newCustomer(h.db);
  const organisationId = await newOrganisation(h.db, tenant.customerId, { name });
  const client = createClient({ baseUrl: url, customerToken: tenant.token });
  await client.create('/Classroom', { OrganisationID: organisationId, Name: 'Motor Vehicle L3', MISID: 'MV3' });
  await client.create('/Placement', {
    OrganisationID: organisationId,
    Name: 'Hull Motors',
    Address: '1 Dock Street, Hull',
    Contact: 'Jo Real',
    Telephone: '01482 000000',
  });
  return { ...tenant, organisationId, client };
}

const users = async (client: ApiClient, organisationId: number) =>
  (await client.all('/User/Search', { OrganisationID: organisationId })).sort((a, b) => String(a.MISID).localeCompare(String(b.MISID)));

describe(`learnfile import users (${engine})`, () => {
  let h: H;
  let url: string;
  let dir: string;
  before(async () => {
    h = await harness();
    url = await listening(h);
    dir = await mkdtemp(join(tmpdir(), 'learnfile-import-'));
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await h.reset();
  });

  test('the sample CSV: dry run plans, the run creates staff before learners, a re-run changes nothing, an edit updates only what differs', async () => {
    const { client, organisationId } = await centre(h, url);
    const sample = join(ROOT, 'docs/examples/users.csv');
    const opts = { organisation: 'northgate college', quiet: true, errors: join(dir, 'errors.csv') };

    const plan = await importUsers(client, sample, { ...opts, dryRun: true });
    assert.deepEqual(
      plan.outcomes.map((o) => o.kind),
      ['create', 'create', 'create', 'create', 'create'],
    );
    assert.deepEqual(await users(client, organisationId), [], 'a dry run changes nothing');

    const first = await importUsers(client, sample, opts);
    assert.deepEqual(
      first.outcomes.map((o) => o.kind),
      ['create', 'create', 'create', 'create', 'create'],
      JSON.stringify(first.outcomes),
    );
    const after1 = await users(client, organisationId);
    assert.deepEqual(
      after1.map((u) => u.MISID),
      ['L-1001', 'L-1002', 'L-1003', 'T-001', 'T-002'],
    );
    const assessor = after1.find((u) => u.MISID === 'T-001')!;
    const ada = await client.get('/User/{id}', { id: after1.find((u) => u.MISID === 'L-1001')!.ID });
    assert.equal(ada?.DefaultAssessorID, assessor.ID, 'the assessor named by MISID in the same file');
    assert.equal(ada?.ULN, '9276308686');
    const ben = await client.get('/User/{id}', { id: after1.find((u) => u.MISID === 'L-1002')!.ID });
    assert.equal(ben?.DefaultAssessorID, assessor.ID, 'the assessor named by email');

    const again = await importUsers(client, sample, opts);
    assert.deepEqual(
      again.outcomes.map((o) => o.kind),
      ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged'],
    );

    // A mapped MIS export: other headers, one change, one new learner, one bad ULN.
    const mis = join(dir, 'mis.csv');
    await writeFile(
      mis,
      [
        'Student Ref,Forename,Surname,E-mail,Group,Employer,Tutor,Role,Mobile',
        'L-1001,Ada,Okafor,ada.new@example.org,MV3,Hull Motors,T-001,1,07700 900201',
        'L-1004,Dev,Shah,dev@example.org,Motor Vehicle L3,Hull Motors,T-001,Learner,',
        'L-1005,Eve,Hall,eve@example.org,Nowhere Class,Hull Motors,T-001,1,',
      ].join('\n'),
    );
    const mapping = join(ROOT, 'docs/examples/users-mapping.json');
    const dry = await importUsers(client, mis, { ...opts, mapping, dryRun: true });
    assert.deepEqual(
      dry.outcomes.map((o) => [o.kind, o.kind === 'update' ? o.fields : undefined]),
      [
        ['update', ['Email']],
        ['create', undefined],
        ['invalid', undefined],
      ],
    );
    const run = await importUsers(client, mis, { ...opts, mapping });
    assert.deepEqual(
      run.outcomes.map((o) => o.kind),
      ['update', 'create', 'invalid'],
    );
    assert.equal((await client.get('/User/{id}', { id: ada!.ID }))?.Email, 'ada.new@example.org');
    const report = await readFile(opts.errors, 'utf8');
    assert.match(report, /^Student Ref,Forename,.*,ErrorLine,ErrorCode,ErrorMessage\n/);
    assert.match(report, /L-1005,.*,4,,"Classroom ""Nowhere Class"" matches no classroom/);
  });

  test('rows the server refuses go to the error report with its code and message; the rest load', async () => {
    const { client, organisationId } = await centre(h, url);
    const file = join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'MISID,Role,FirstName,LastName,Email,Placement,Classroom,DefaultAssessor,ULN,NINO',
        'E-1,40,Gill,Ward,gill@example.org,Hull Motors,,,,',
        'E-2,1,Hal,Ward,hal@example.org,Hull Motors,MV3,E-3,1234567890,QQ123456A',
        'E-3,Tutor,Ivy,Wood,ivy@example.org,,,,,',
        ',5,No,Misid,nomisid@example.org,,,,,',
      ].join('\n'),
    );
    const result = await importUsers(client, file, { organisation: String(organisationId), quiet: true, errors: join(dir, 'bad.errors.csv'), concurrency: 2 });
    assert.deepEqual(
      result.outcomes.map((o) => o.kind),
      ['create', 'invalid', 'create', 'invalid'],
    );
    const refused = result.outcomes[1]!;
    assert.ok(
      refused.kind === 'invalid' && typeof refused.code === 'number' && /ULN/.test(refused.reason) && /NINO/.test(refused.reason),
      JSON.stringify(refused),
    );
    const report = await readFile(join(dir, 'bad.errors.csv'), 'utf8');
    assert.equal(report.trim().split('\n').length, 3, 'header and the two failed rows');
    assert.match(report, new RegExp(`E-2,.*,3,${refused.code},`));
    assert.match(report, /MISID is required/);
    assert.deepEqual(
      (await users(client, organisationId)).map((u) => u.MISID),
      ['E-1', 'E-3'],
    );
  });
});

describe(`learnfile export (${engine})`, () => {
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

  test('writes users as CSV that imports again, and placements as JSON Lines, from a streaming download', async () => {
    const { client, organisationId } = await centre(h, url);
    await importUsers(client, join(ROOT, 'docs/examples/users.csv'), { organisation: String(organisationId), quiet: true });
    const capture = async (kind: 'users' | 'placements' | 'classes', opts: object) => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => {
        text += c.toString();
      });
      const n = await exportRows(client, kind, { quiet: true, ...opts }, out);
      return { n, text };
    };
    const csv = await capture('users', { organisation: 'Northgate College' });
    assert.equal(csv.n, 5);
    const lines = csv.text.trim().split('\n');
    assert.equal(lines[0], 'ID,FirstName,LastName,MISID,Role,Email');
    assert.ok(
      lines.slice(1).some((l) => /,Ada,Okafor,L-1001,1,ada.okafor@example.org$/.test(l)),
      lines.join('\n'),
    );

    const full = await capture('users', { role: 'Learner', full: true, format: 'jsonl' });
    const records = full.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(records.map((r) => r.MISID).sort(), ['L-1001', 'L-1002', 'L-1003']);
    assert.equal(records.find((r) => r.MISID === 'L-1001')!.NINO, 'AB123456C');
    assert.deepEqual(
      records.map((r) => r.ID),
      records.map((r) => r.ID).sort((a, b) => Number(a) - Number(b)),
      "in the search's order",
    );

    const placements = await capture('placements', { format: 'jsonl' });
    assert.deepEqual(
      placements.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { Name: string }).Name),
      ['Hull Motors'],
    );
    assert.equal((await capture('classes', { organisation: String(organisationId) })).n, 1);
  });
});

describe(`learnfile mirror, learnfile to learnfile (${engine})`, () => {
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

  test('copies classes, placements and users with mapped IDs, anonymised, and a re-run changes nothing', async () => {
    const source = await centre(live, liveUrl);
    await newOrganisation(live.db, source.customerId, { name: 'Riverside Centre' });
    await importUsers(source.client, join(ROOT, 'docs/examples/users.csv'), { organisation: String(source.organisationId), quiet: true });
    const targetTenant = await newCustomer(sandbox.db);
    const targetOrg = await newOrganisation(sandbox.db, targetTenant.customerId, { name: 'Northgate College' });
    const target = createClient({ baseUrl: sandboxUrl, customerToken: targetTenant.token });
    const from = createClient({ baseUrl: liveUrl, customerToken: source.token });

    const opts = { fromToken: source.token, anonymise: true, quiet: true };
    const report = await mirror(from, target, opts);
    assert.equal(report.organisations.length, 2);
    assert.equal(report.organisations.find((o) => o.source.Name === 'Northgate College')?.target?.ID, targetOrg);
    const skipped = report.organisations.find((o) => o.source.Name === 'Riverside Centre')!;
    assert.ok(!skipped.target && /cannot be created through the v2\.1 API/.test(skipped.note!));
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.tallies, {
      classes: { created: 1, updated: 0, unchanged: 0, failed: 0 },
      placements: { created: 1, updated: 0, unchanged: 0, failed: 0 },
      users: { created: 5, updated: 0, unchanged: 0, failed: 0 },
      learningAims: { created: 0, updated: 0, unchanged: 0, failed: 0 },
    });

    const sourceUsers = await users(from, source.organisationId);
    const copied = await users(target, targetOrg);
    assert.equal(copied.length, 5);
    const sourceNames = new Set(sourceUsers.map((u) => `${u.FirstName} ${u.LastName}`));
    const sourceEmails = new Set(sourceUsers.map((u) => u.Email));
    for (const u of copied) {
      assert.ok(!sourceNames.has(`${u.FirstName} ${u.LastName}`) || true); // a stand-in may collide by chance; identifiers may not:
      assert.ok(!sourceEmails.has(u.Email), `email ${u.Email} is a stand-in`);
      assert.match(u.Email ?? '', /@example\.org$/);
      assert.match(String(u.MISID), /^ANON-[0-9A-F]{12}$/);
    }
    const [targetClass] = await target.all('/Classroom/Search', { OrganisationID: targetOrg });
    const [targetPlacement] = await target.all('/Placement/Search', { OrganisationID: targetOrg });
    const placement = await target.get('/Placement/{id}', { id: targetPlacement!.ID });
    assert.equal(placement?.Name, 'Hull Motors');
    assert.notEqual(placement?.Contact, 'Jo Real');
    assert.match(String(placement?.Telephone), /^01632 960\d{3}$/);
    const learners = await Promise.all(copied.filter((u) => u.Role === 1).map((u) => target.get('/User/{id}', { id: u.ID })));
    const assessor = copied.find((u) => u.Role === 5)!;
    for (const l of learners) {
      assert.equal(l?.ClassroomID, targetClass!.ID, 'class ID mapped');
      assert.equal(l?.PlacementID, targetPlacement!.ID, 'placement ID mapped');
      assert.equal(l?.DefaultAssessorID, assessor.ID, 'default assessor mapped to the copied assessor');
      if (l?.ULN) {
        assert.equal(ulnProblem(l.ULN), null);
        assert.notEqual(l.ULN, '9276308686');
      }
      if (l?.NINO) {
        assert.equal(ninoProblem(l.NINO), null);
        assert.notEqual(l.NINO, 'AB123456C');
      }
    }

    const again = await mirror(from, target, opts);
    assert.deepEqual(
      again.tallies,
      {
        classes: { created: 0, updated: 0, unchanged: 1, failed: 0 },
        placements: { created: 0, updated: 0, unchanged: 1, failed: 0 },
        users: { created: 0, updated: 0, unchanged: 5, failed: 0 },
        learningAims: { created: 0, updated: 0, unchanged: 0, failed: 0 },
      },
      'the same stand-ins on a re-run: nothing to do',
    );

    // A change at the source is carried over on the next run, and only that.
    await from.update('/Classroom/{id}', { id: (await from.all('/Classroom/Search'))[0]!.ID }, { Name: 'Motor Vehicle Level 3' });
    const third = await mirror(from, target, opts);
    assert.deepEqual(third.tallies.classes, { created: 0, updated: 1, unchanged: 0, failed: 0 });
    assert.equal((await target.get('/Classroom/{id}', { id: targetClass!.ID }))?.Name, 'Motor Vehicle Level 3');
  });

  test('stand-ins pass validation and are stable for a key', () => {
    for (let i = 0; i < 300; i++) {
      const f = fakesFor('key', `user:${i}`);
      assert.equal(ulnProblem(f.ULN), null, f.ULN);
      assert.equal(ninoProblem(f.NINO), null, f.NINO);
      assert.match(f.MobileNumber, /^07700 900\d{3}$/);
    }
    assert.deepEqual(fakesFor('k', 'user:1').ULN, fakesFor('k', 'user:1').ULN);
    assert.notEqual(fakesFor('k', 'user:1').MISID, fakesFor('other', 'user:1').MISID);
  });
});

describe(`the learnfile executable's remote commands (${engine})`, () => {
  test('every remote command has --help with examples, and a missing server is one clear line', async () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
          cwd: ROOT,
          env: { ...process.env, LEARNFILE_URL: '', LEARNFILE_TOKEN: '', ...env },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
        });
        child.on('close', (code) => resolve({ code, out, err }));
      });
    for (const cmd of [['import', 'users'], ['export', 'users'], ['export', 'placements'], ['export', 'learning-aims'], ['mirror']]) {
      const help = await run([...cmd, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.out, /Examples:\n {2}\$ learnfile /, `${cmd.join(' ')} --help`);
    }
    const missing = await run(['export', 'users']);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'learnfile: no server: give --url <url> or set LEARNFILE_URL\n');
  });
});
