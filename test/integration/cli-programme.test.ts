/**
 * `learnfile import programme`, against a real learnfile server on a real port loaded with the
 * demo: the sample file gives standards, units, a template, aim fields and staff at all three
 * levels; a re-run changes nothing; bad rows are reported with the server's code; the rate
 * limit is waited out.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ApiClient } from '../../packages/client/src/index.js';
import { DEMO_TOKEN, seedDemo } from '../../src/server/demo/demo.js';
import { importProgramme, programmeSummary, type ProgrammeOutcome } from '../../src/cli/import-programme.js';
import { engine, harness, testConfig, type Harness, listening } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = join(ROOT, 'docs/examples/programme.csv');
type H = Harness & { reset(): Promise<void> };

/** A demo user's ID by MISID. */
async function userId(client: ApiClient, misid: string): Promise<number> {
  const [u] = await client.all('/User/Search', { MISID: misid });
  assert.ok(u, `no user ${misid}`);
  return u.ID;
}

/** The learner's programme as the API shows it: standards, units by standard, staff by kind. */
async function programme(client: ApiClient, learnerId: number) {
  const aims = await client.all('/LearningAim/Search', { UserID: learnerId });
  const units = ((await client.get('/User/{id}/UnitSummary', { id: learnerId })) ?? []) as {
    UnitID: string;
    StandardID: number;
    AssessorID: number | null;
    IQAID: number | null;
  }[];
  const held = ((await client.get('/User/{id}/Assignments', { id: learnerId })) ?? []) as {
    UserID: number;
    Kind: string;
    StandardID: number | null;
    UnitID: string | null;
  }[];
  return { aims, units, held };
}

const kinds = (outcomes: ProgrammeOutcome[]) => outcomes.map((o) => o.kind);

describe(`learnfile import programme (${engine})`, () => {
  let h: H;
  let url: string;
  let dir: string;
  before(async () => {
    h = await harness();
    url = await listening(h);
    dir = await mkdtemp(join(tmpdir(), 'learnfile-programme-'));
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await h.reset();
    await seedDemo(h.db);
  });

  for (const downloadAllAbove of [25, 0]) {
    test(`the sample file gives each learner what it names, and a re-run changes nothing (${downloadAllAbove === 0 ? 'aims read by one download' : 'aims read per learner'})`, async () => {
      const client = createClient({ baseUrl: url, customerToken: DEMO_TOKEN });
      const opts = { quiet: true, downloadAllAbove, errors: join(dir, 'errors.csv') };
      const before = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');

      const plan = await importProgramme(client, SAMPLE, { ...opts, dryRun: true });
      assert.deepEqual(kinds(plan.outcomes), ['change', 'change', 'change', 'change'], JSON.stringify(plan.outcomes));
      assert.deepEqual((await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n, before[0]!.n, 'a dry run changes nothing');
      const first = plan.outcomes[0]!;
      assert.ok(first.kind === 'change');
      assert.deepEqual(
        first.actions.map((a) => a.replace(/\d+/g, 'N')),
        [
          'give standard N STN',
          'give unit CS_KN',
          'give unit CS_SN',
          'set StartDate, PlannedEnd, Status of the standard N aim',
          'assessor of the standard N aim: CN-trainee',
          'IQA of the standard N aim: CN-iqa',
          'assessor of unit CS_KN: CN-assessor',
          'assessor of unit CS_SN: CN-assessor',
          'additional staff: CN-employer',
        ],
      );

      const run = await importProgramme(client, SAMPLE, opts);
      assert.equal(run.errorFile, undefined, JSON.stringify(run.outcomes));
      assert.deepEqual(
        run.outcomes.map((o) => (o.kind === 'change' ? o.actions : [])),
        plan.outcomes.map((o) => (o.kind === 'change' ? o.actions : [])),
        'the run did what the dry run planned',
      );
      assert.match(
        programmeSummary(run.outcomes, false),
        /^Imported: 4 rows changed \(1 learning aims, 3 units, 1 templates, 2 aim updates, \d+ staff assignments\), 0 unchanged, 0 invalid\.$/,
      );

      const [st70] = await client.all('/Standard/Search', { Title: 'Business Administrator' });
      const [st72] = await client.all('/Standard/Search', { Title: 'Customer Service Practitioner' });
      const id = Object.fromEntries(
        await Promise.all(
          ['C1-learner1', 'C1-learner2', 'C1-learner3', 'C1-assessor', 'C1-trainee', 'C1-iqa', 'C1-employer', 'C1-observer'].map(
            async (m) => [m, await userId(client, m)] as const,
          ),
        ),
      );
      const p1 = await programme(client, id['C1-learner1']!);
      const aim72 = p1.aims.find((a) => a.StandardID === st72!.ID)!;
      assert.equal(aim72.StartDate, '2026-09-01T00:00:00.000Z');
      assert.equal(aim72.PlannedEnd, '2027-08-31T00:00:00.000Z');
      const statuses = (await client.get('/Organisation/{id}/LearningAimStatuses', { id: 1 })) as { ID: number; Name: string }[];
      assert.equal(aim72.Status, statuses.find((s) => s.Name === 'On programme')!.ID);
      assert.deepEqual(
        p1.units
          .filter((u) => u.StandardID === st72!.ID)
          .map((u) => [u.UnitID, u.AssessorID])
          .sort(),
        [
          ['CS_K1', id['C1-assessor']],
          ['CS_S1', id['C1-assessor']],
        ],
      );
      assert.ok(p1.held.some((x) => x.Kind === 'LearningAim' && x.StandardID === st72!.ID && x.UserID === id['C1-trainee']));
      assert.ok(p1.held.some((x) => x.Kind === 'LearningAim' && x.StandardID === st72!.ID && x.UserID === id['C1-iqa']));
      assert.ok(p1.held.some((x) => x.Kind === 'Additional' && x.UserID === id['C1-employer']));
      const p3 = await programme(client, id['C1-learner3']!);
      assert.deepEqual(p3.aims.map((a) => a.StandardID).sort(), [st70!.ID, st72!.ID].sort(), 'the template gave the Business Administrator aim');
      assert.equal(p3.units.filter((u) => u.StandardID === st70!.ID).length, 5, 'with every unit the template lists');
      assert.ok(p3.held.some((x) => x.Kind === 'LearningAim' && x.StandardID === st70!.ID && x.UserID === id['C1-assessor']));
      const cs = p3.units.find((u) => u.UnitID === 'CS_S1')!;
      assert.deepEqual([cs.AssessorID, cs.IQAID], [id['C1-trainee'], id['C1-iqa']]);

      const audited = (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
      const again = await importProgramme(client, SAMPLE, opts);
      assert.deepEqual(kinds(again.outcomes), ['unchanged', 'unchanged', 'unchanged', 'unchanged'], JSON.stringify(again.outcomes));
      assert.equal((await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n, audited, 'a re-run writes nothing');
    });
  }

  test("bad rows are reported, locally or with the server's code, in the error file; the good rows are done", async () => {
    const client = createClient({ baseUrl: url, customerToken: DEMO_TOKEN });
    const [otherTemplate] = (await client.all('/FrameworkTemplate/Search', { OrganisationID: 2 })).filter((t) => t.OrganisationID === 2);
    const file = join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'Student,Standard,UnitID,Template,Status,IQA,Extra',
        'C1-nobody,ST0070,,,,,',
        'C1-learner1,ST0070,CS_K1,,,,',
        'C1-learner1,ST0070,,,Graduated,,',
        'C1-learner1,ST0070,,,,C1-assessor,',
        `C1-learner2,,,${otherTemplate!.ID},,,`,
        'C1-learner2,ST0070,KS_IT4,,Gateway,,C1-observer;C1-employer',
        'C1-learner2,,,,,,',
      ].join('\n'),
    );
    const mapping = join(dir, 'mapping.json');
    await writeFile(mapping, JSON.stringify({ Student: 'LearnerMISID', Template: 'FrameworkTemplateID', IQA: 'IQAMISID', Extra: 'AdditionalMISID' }));
    const result = await importProgramme(client, file, { mapping, quiet: true, errors: join(dir, 'bad.errors.csv') });
    const byLine = new Map(result.outcomes.map((o) => [o.line, o]));
    const reason = (line: number) => {
      const o = byLine.get(line)!;
      return o.kind === 'invalid' ? o.reason : `not invalid: ${o.kind}`;
    };
    assert.match(reason(2), /LearnerMISID C1-nobody matches no learner/);
    assert.match(reason(3), /UnitID CS_K1 does not belong to standard/);
    assert.match(reason(4), /Status "Graduated" is not one of the learning-aim statuses/);
    assert.match(reason(5), /IQAMISID "C1-assessor" matches no IQA/);
    const refused = byLine.get(6)!;
    assert.ok(refused.kind === 'invalid' && refused.code === -142, JSON.stringify(refused));
    const done = byLine.get(7)!;
    assert.ok(done.kind === 'change', JSON.stringify(done));
    assert.deepEqual(
      done.actions.map((a) => a.replace(/\d+/g, 'N')),
      ['set Status of the standard N aim', 'additional staff: CN-observer'],
      "the new status and the observer; the unit and the employer are learner 2's already",
    );
    assert.match(reason(8), /names nothing to give/);
    const report = await readFile(join(dir, 'bad.errors.csv'), 'utf8');
    assert.match(report, /^Student,Standard,UnitID,Template,Status,IQA,Extra,ErrorLine,ErrorCode,ErrorMessage\n/);
    assert.equal(report.trim().split('\n').length, 1 + 6);
    assert.match(report, /\n.*,6,-142,/);
  });
});

describe(`learnfile import programme and the rate limit (${engine})`, () => {
  let h: H;
  let url: string;
  before(async () => {
    h = await harness(testConfig({ RATE_LIMIT_PER_MINUTE: '20' }));
    url = await listening(h);
    await seedDemo(h.db);
  });
  after(async () => {
    await h.close();
  });

  test('waits out 429 answers for Retry-After and finishes the file', async () => {
    const slept: number[] = [];
    const client = createClient({
      baseUrl: url,
      customerToken: DEMO_TOKEN,
      // What the minute rolling over does to the server's counts, without waiting for it.
      sleep: async (ms) => {
        slept.push(ms);
        await (h.app as unknown as { forgetCaches(): Promise<void> }).forgetCaches();
        await h.db.exec('DELETE FROM rate_windows');
      },
    });
    const result = await importProgramme(client, SAMPLE, { quiet: true, concurrency: 2 });
    assert.deepEqual(kinds(result.outcomes), ['change', 'change', 'change', 'change'], JSON.stringify(result.outcomes));
    assert.ok(slept.length >= 1, 'the limit was reached and waited out');
    assert.ok(
      slept.every((ms) => ms >= 1000 && ms <= 60_000),
      `waits follow Retry-After: ${slept.join(', ')}`,
    );
  });
});
