/**
 * The operator's bulk import of users (users.bulkImport, `learnfile bulk-import users`):
 * the same rules and the same records as POST /User, set-based writes with their audit
 * records and events, Keychains and verification mail, MISID-keyed re-runs, dry runs across
 * chunks, and the command line on both engines. Timing lives in bench/bulk.ts.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { warningHeader } from '../../src/server/resources/users/users.routes.js';
import { bulkImportFile, type BulkRun } from '../../src/cli/bulk-import.js';
import type { BulkImportResult } from '../../src/server/resources/users/users.bulk.service.js';
import { type Client, engine, freshDatabaseUrl, harness, newOrganisation, tenantWithCentre, testConfig } from '../helpers.js';

const KEY = 'test-operator-key-bulk-0001';
type H = Awaited<ReturnType<typeof harness>>;
type Centre = Awaited<ReturnType<typeof tenantWithCentre>>;

/** The operation through the admin door, as the CLI sends it to a running server. */
function door(h: H): BulkRun {
  return async (input) => {
    const res = await h.app.inject({ method: 'POST', url: '/api/admin/ops/users.bulkImport', headers: { 'x-operator-key': KEY }, payload: input });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ result: BulkImportResult }>().result;
  };
}

const bulk = (h: H, organisationId: number, rows: Record<string, string>[], extra: { dryRun?: boolean; mail?: boolean } = {}) =>
  door(h)({ organisationId, rows, dryRun: extra.dryRun ?? false, mail: extra.mail ?? true, actor: 'operator:test' });

async function user(c: Client, id: number) {
  const res = await c.get(`/User/${id}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Record<string, unknown>>();
}

const asCells = (body: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v.join(';') : String(v)]));

describe(`bulk import of users (${engine})`, () => {
  let h: H;
  let dir: string;
  before(async () => {
    h = await harness(testConfig({ OPERATOR_KEY: KEY }));
    dir = await mkdtemp(join(tmpdir(), 'learnfile-bulk-'));
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await h.reset();
  });

  async function staff(t: Centre) {
    const make = async (body: Record<string, unknown>) => {
      const res = await t.client.post('/User', { OrganisationID: t.organisationId, LastName: 'Staff', ...body });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ ID: number }>().ID;
    };
    const assessor = await make({ Role: 5, FirstName: 'Asha', Email: 'asha@example.ac.uk', MISID: 'T-1' });
    const employer = await make({ Role: 40, FirstName: 'Emma', Email: 'emma@hull-motors.example', MISID: 'E-1', PlacementID: t.placementId });
    const status = (
      await h.db.query<{ id: number }>(`INSERT INTO learner_statuses (customer_id, organisation_id, name) VALUES ($1, $2, 'On programme') RETURNING id`, [
        t.customerId,
        t.organisationId,
      ])
    )[0]!.id;
    return { assessor, employer, status };
  }

  test('each row is judged as POST /User judges the same body: the same error code, or the same record, audit record and event', async () => {
    const t = await tenantWithCentre(h);
    const { assessor, employer, status } = await staff(t);
    const good = {
      Role: 1,
      FirstName: 'Zoë',
      LastName: "O'Neill",
      Email: 'zoe@example.org',
      DefaultAssessorID: assessor,
      DefaultEmployerID: employer,
      ClassroomID: t.classroomId,
      PlacementID: t.placementId,
      LearnerStatusID: status,
      ULN: '9276 308 686',
      NINO: 'ab 12 34 56 c',
      DOB: '2006-05-04',
      StartOn: '2025-09-01T09:00:00+01:00',
      L12: '31',
      L13: 'F',
      SecondaryLLDDCodes: ['4', '5'],
      SupportFunding: 'TRUE',
      ContractedHours: '37.5',
      MobileNumber: '07700 900123',
      CompanyName: 'Hull Motors',
    };
    const bad: Record<string, unknown>[] = [
      { ...good, ClassroomID: undefined },
      { ...good, ULN: '1234567890' },
      { ...good, NINO: 'QQ12345' },
      { ...good, Role: 7 },
      { ...good, DefaultAssessorID: employer },
      { ...good, Email: 'not an email' },
      { ...good, ProviderID: 999 },
      { ...good, LearnerStatusID: 999 },
      { ...good, DOB: '2022-02-30' },
      { ...good, FirstName: 'x'.repeat(201) },
      { ...good, ULN: 'abc', PlacementID: 999, Email: '' },
      { Role: 40, FirstName: 'No', LastName: 'Placement', Email: 'np@example.org' },
    ];
    const bodies = [good, { ...good, L12: '12' }, { Role: 10, FirstName: 'Ian', LastName: 'Iqa', Email: 'ian@example.ac.uk', ClassroomID: 999 }, ...bad].map(
      (b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    );

    const api: { status: number; code?: number; id?: number; warning?: string }[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await t.client.post('/User', { OrganisationID: t.organisationId, ...body, MISID: `API-${i}` });
      api.push(
        res.statusCode === 200
          ? { status: 200, id: res.json<{ ID: number }>().ID, ...(res.headers.warning ? { warning: String(res.headers.warning) } : {}) }
          : { status: res.statusCode, code: res.json<{ code: number }>().code },
      );
    }
    const result = await bulk(
      h,
      t.organisationId,
      bodies.map((b, i) => asCells({ ...b, MISID: `BULK-${i}` })),
    );
    assert.equal(result.created, 3);
    assert.deepEqual(result.existing, []);
    const refused = new Map(result.invalid.map((p) => [p.index, p]));
    for (const [i, a] of api.entries()) {
      if (a.status === 200) assert.ok(!refused.has(i), `row ${i} was refused: ${JSON.stringify(refused.get(i))}`);
      else assert.equal(refused.get(i)?.code, a.code, `row ${i}: POST /User answered ${a.code}, the bulk import ${JSON.stringify(refused.get(i))}`);
    }
    assert.deepEqual(
      refused
        .get(13)!
        .errors.map((e) => e.field)
        .sort(),
      ['Email', 'PlacementID', 'ULN'],
      'every problem of a row is named',
    );
    // ILR codes outside the lists are kept and reported, as POST /User reports them in its Warning header.
    for (const [i, a] of api.entries()) {
      if (a.status !== 200) continue;
      assert.equal(warningHeader(result.warnings.filter((w) => w.index === i).map((w) => w.message)), a.warning, `row ${i}`);
    }
    assert.ok(result.warnings.some((w) => w.index === 1 && /L12 value "12" is not a known ILR ethnicity code/.test(w.message)));

    // The records: the same as POST /User made, but for the keys.
    const c = t.client;
    const [found] = (await c.post('/User/Search', { MISID: 'BULK-0' })).json<{ ID: number }[]>();
    const viaApi = await user(c, api[0]!.id!);
    const viaBulk = await user(c, found!.ID);
    const strip = (u: Record<string, unknown>) => {
      const { ID: _i, MISID: _m, Username: _u, LastModified: _l, ...rest } = u;
      return rest;
    };
    assert.deepEqual(strip(viaBulk), strip(viaApi));
    assert.equal(viaBulk.Username, `zoneill${found!.ID}`, 'a login name as POST /User makes it');
    const [stored] = await h.db.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = $1', [found!.ID]);
    assert.equal(stored!.password_hash, null, 'no password: none was generated');

    const audit = async (id: number) =>
      await h.db.query<{ actor: string; action: string; changes: Record<string, { old: unknown; new: unknown }> }>(
        `SELECT actor, action, changes FROM audit_log WHERE entity = 'user' AND entity_id = $1`,
        [id],
      );
    const [a1] = await audit(api[0]!.id!);
    const [a2] = await audit(found!.ID);
    assert.equal(a2!.actor, 'operator:test');
    assert.equal(a2!.action, 'create');
    assert.deepEqual({ ...a2!.changes, MISID: null }, { ...a1!.changes, MISID: null }, 'the same audit record, field for field');
    const events = await h.db.query<{ type: string; organisation_id: number; fields: unknown }>(
      `SELECT type, organisation_id, fields FROM events WHERE entity_id = ANY($1::bigint[]) AND entity = 'user' ORDER BY seq`,
      [[api[0]!.id!, found!.ID]],
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.organisation_id]),
      [
        ['user.created', t.organisationId],
        ['user.created', t.organisationId],
      ],
    );
    const seqs = await h.db.query<{ seq: number }>('SELECT seq FROM events WHERE customer_id = $1 ORDER BY seq', [t.customerId]);
    assert.deepEqual(
      seqs.map((s) => Number(s.seq)),
      seqs.map((_, i) => i + 1),
      'event numbers without gaps',
    );
  });

  test('a CSV with references by name, MISID and email loads across chunks, staff first; a dry run writes nothing; a re-run skips what is there', async () => {
    const t = await tenantWithCentre(h);
    await h.db.query(`UPDATE classrooms SET mis_id = 'MV3' WHERE id = $1`, [t.classroomId]);
    const file = join(dir, 'people.csv');
    await writeFile(
      file,
      [
        'Student Ref,Forename,Surname,E-mail,Role,Group,Employer,Tutor,Boss,ULN',
        'L-1,Ada,Okafor,ada@example.org,Learner,MV3,Employer A,T-9,emma@example.org,9276308686',
        'L-2,Ben,Ng,ben@example.org,1,class a,Employer A,tess@example.ac.uk,,',
        'L-3,Cy,Hall,cy@example.org,1,Nowhere,Employer A,T-9,,',
        'T-9,Tess,Tutor,tess@example.ac.uk,Assessor,,,,,',
        'E-9,Emma,Boss,emma@example.org,Employer,,Employer A,,,',
        'L-1,Dup,Licate,dup@example.org,1,MV3,Employer A,T-9,,',
        ',No,Misid,nomisid@example.org,1,MV3,Employer A,T-9,,',
      ].join('\n'),
    );
    const mapping = join(dir, 'mapping.json');
    await writeFile(
      mapping,
      JSON.stringify({
        'Student Ref': 'MISID',
        Forename: 'FirstName',
        Surname: 'LastName',
        'E-mail': 'Email',
        Group: 'Classroom',
        Employer: 'Placement',
        Tutor: 'DefaultAssessor',
        Boss: 'DefaultEmployer',
      }),
    );
    const opts = { organisation: t.organisationId, mapping, chunkSize: 2, quiet: true, errors: join(dir, 'people.errors.csv') };

    const plan = await bulkImportFile(door(h), file, { ...opts, dryRun: true });
    assert.equal(plan.chunks, 3, 'six rows to send (the repeated MISID is not), two at a time');
    assert.equal(plan.created, 4, JSON.stringify(plan));
    assert.deepEqual(
      plan.invalid.map((p) => p.line),
      [4, 7, 8],
      'learners may name staff that earlier chunks would create',
    );
    assert.equal(plan.invalid[1]!.code, undefined, 'a MISID repeated in the file is found before anything is sent');
    assert.equal((await t.client.post('/User/Search', { OrganisationID: t.organisationId })).statusCode, 204, 'a dry run writes nothing');

    const run = await bulkImportFile(door(h), file, opts);
    assert.equal(run.created, 4);
    assert.deepEqual(
      run.invalid.map((p) => [p.line, p.code]),
      [
        [4, -58],
        [7, undefined],
        [8, -100],
      ],
    );
    const report = await readFile(opts.errors, 'utf8');
    assert.match(report, /^Student Ref,Forename,.*,ErrorLine,ErrorCode,ErrorMessage\n/);
    assert.match(report, /L-3,Cy,.*,4,-58,"ClassroomID ""Nowhere"" matches no class of the organisation by MISID or name"\n/);
    assert.match(report, /L-1,Dup,.*,7,,MISID L-1 already appears on line 2\n/);
    assert.match(report, /MISID is required/);

    const people = (await t.client.post('/User/Search', { OrganisationID: t.organisationId })).json<{ ID: number; MISID: string }[]>();
    const id = (m: string) => people.find((p) => p.MISID === m)!.ID;
    const ada = await user(t.client, id('L-1'));
    assert.deepEqual([ada.ClassroomID, ada.PlacementID, ada.DefaultAssessorID, ada.DefaultEmployerID], [t.classroomId, t.placementId, id('T-9'), id('E-9')]);
    assert.equal((await user(t.client, id('L-2'))).DefaultAssessorID, id('T-9'), 'an assessor named by email');

    const again = await bulkImportFile(door(h), file, opts);
    assert.equal(again.created, 0);
    assert.equal(again.existing, 4);
    assert.equal((await h.db.query(`SELECT 1 FROM audit_log WHERE entity = 'user'`)).length, 4, 'a re-run writes nothing');
  });

  test('a Keychain centre links every account to the Keychain of its email and queues verification mail, unless suppressed or told not to', async () => {
    const t = await tenantWithCentre(h, { keychain: true });
    const quiet = await newOrganisation(h.db, t.customerId, { name: 'Quiet', keychain: true, suppressEmail: true });
    const existing = await t.client.post('/User', {
      OrganisationID: t.organisationId,
      Role: 5,
      FirstName: 'Kay',
      LastName: 'Old',
      Email: 'kay.éclair@example.org',
    });
    assert.equal(existing.statusCode, 200, existing.body);
    const [before] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox');
    const rows = [
      { MISID: 'K-1', Role: '5', FirstName: 'Kay', LastName: 'New', Email: 'KAY.ÉCLAIR@example.org' },
      { MISID: 'K-2', Role: '10', FirstName: 'Lou', LastName: 'One', Email: 'lou@example.org' },
      { MISID: 'K-3', Role: '4', FirstName: 'Lou', LastName: 'Two', Email: ' Lou@Example.org' },
    ];
    const result = await bulk(h, t.organisationId, rows);
    assert.equal(result.created, 3);
    assert.deepEqual(result.keychains, { created: 1, linked: 3 });
    assert.equal(result.mails, 3);
    const keychains = await h.db.query<{ mis_id: string; keychain_id: number; username: string | null }>(
      `SELECT mis_id, keychain_id, username FROM users WHERE mis_id IS NOT NULL ORDER BY mis_id`,
    );
    const kay = (await h.db.query<{ keychain_id: number }>(`SELECT keychain_id FROM users WHERE last_name = 'Old'`))[0]!.keychain_id;
    assert.equal(keychains[0]!.keychain_id, kay, 'the Keychain already there for the email (keys compared as POST /User compares them)');
    assert.equal(keychains[1]!.keychain_id, keychains[2]!.keychain_id, 'one new Keychain for two spellings of one email');
    assert.ok(keychains.every((k) => k.username === null));
    const mail = await h.db.query<{ to_address: string; body_text: string; secret: string }>(
      'SELECT to_address, body_text, secret FROM mail_outbox ORDER BY id',
    );
    assert.equal(mail.length - before!.n, 3);
    const last = mail.at(-1)!;
    assert.ok(last.body_text.includes(`/keychain/verify/${last.secret}`) || last.body_text.includes(last.secret), 'the link carries the token');
    const verifications = await h.db.query('SELECT 1 FROM keychain_verifications');
    assert.equal(verifications.length, 4);
    const page = await h.app.inject({ method: 'GET', url: /https?:\/\/[^/]+(\/\S+)/.exec(last.body_text)![1]! });
    assert.equal(page.statusCode, 200, 'the link in the mail opens the verification page');

    const suppressed = await bulk(h, quiet, [{ MISID: 'Q-1', Role: '5', FirstName: 'Q', LastName: 'One', Email: 'q@example.org' }]);
    const noMail = await bulk(h, t.organisationId, [{ MISID: 'K-4', Role: '5', FirstName: 'N', LastName: 'Four', Email: 'n@example.org' }], { mail: false });
    assert.deepEqual([suppressed.mails, noMail.mails, suppressed.keychains.created, noMail.keychains.created], [0, 0, 1, 1]);
    const types = await h.db.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM events WHERE entity IN ('user', 'keychain') GROUP BY type ORDER BY type`,
    );
    assert.deepEqual(
      types.map((r) => [r.type, r.n]),
      [
        ['keychain.created', 4],
        ['user.created', 6],
      ],
    );
  });

  test('a chunk over 5,000 rows or a row with an over-long cell is refused as a whole, naming the field', async () => {
    const t = await tenantWithCentre(h);
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/admin/ops/users.bulkImport',
      headers: { 'x-operator-key': KEY },
      payload: { organisationId: t.organisationId, rows: Array.from({ length: 5001 }, () => ({ MISID: 'x' })) },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /rows/);
    const unknown = await h.app.inject({
      method: 'POST',
      url: '/api/admin/ops/users.bulkImport',
      headers: { 'x-operator-key': KEY },
      payload: { organisationId: 999, rows: [] },
    });
    assert.equal(unknown.statusCode, 404);
  });
});

describe(`learnfile bulk-import users, the command (${engine})`, () => {
  let dir: string;
  let flags: string[];
  let dropDb: (() => Promise<void>) | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'learnfile-bulk-cli-'));
    if (process.env.DATABASE_URL) {
      const fresh = await freshDatabaseUrl();
      flags = ['--database-url', fresh.url];
      dropDb = fresh.drop;
    } else {
      flags = ['--data-dir', join(dir, 'data')];
    }
  });
  after(async () => {
    await dropDb?.();
    await rm(dir, { recursive: true, force: true });
  });

  async function learnfile(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const env: NodeJS.ProcessEnv = { ...process.env, LEARNFILE_DEBUG: '' };
    delete env.DATABASE_URL;
    delete env.DATA_DIR;
    const code = await runCli([...flags, ...args], {
      env,
      out: (s) => {
        stdout += s;
      },
      err: (s) => {
        stderr += s;
      },
    });
    return { code, stdout, stderr };
  }

  test('loads a file in chunks, exits 2 naming the error file when rows fail, and --help has examples', async () => {
    assert.equal((await learnfile('migrate')).code, 0);
    assert.equal((await learnfile('customer', 'create', 'Bulk Co')).code, 0);
    assert.equal((await learnfile('organisation', 'create', '1', 'Centre')).code, 0);
    const file = join(dir, 'staff.csv');
    await writeFile(
      file,
      'MISID,FirstName,LastName,Email,Role\nS-1,Ann,Ash,ann@example.org,Assessor\nS-2,Bo,Birch,bo@example.org,IQA\nS-3,Cal,Cedar,not-an-email,5\n',
    );
    const errors = join(dir, 'staff.errors.csv');
    const run = await learnfile('bulk-import', 'users', file, '--organisation', '1', '--chunk-size', '2', '--errors', errors, '--quiet');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /invalid {4}line 4: \[-100\] Email must be an email address/);
    assert.match(run.stdout, /Imported: 2 created, 0 already there \(skipped\), 1 invalid, of 3 rows in 2 chunk\(s\)\./);
    assert.match(run.stdout, new RegExp(`Rows that failed are in ${errors.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    assert.match(await readFile(errors, 'utf8'), /S-3,Cal,Cedar,not-an-email,5,4,-100,Email must be an email address/);
    const again = await learnfile('bulk-import', 'users', file, '--organisation', '1', '--errors', errors, '--quiet');
    assert.match(again.stdout, /Imported: 0 created, 2 already there/);
    const help = await learnfile('bulk-import', 'users', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:\n {2}\$ learnfile bulk-import users /);
  });
});
