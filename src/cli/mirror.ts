/**
 * `learnfile mirror`: copies one customer's centre structure (classes, placements, users)
 * and its learners' learning aims from one v2.1 server into another, over the API on both
 * sides. Records are matched on the target by MISID (classes and placements without one, by
 * name; aims by learner and standard), so a re-run updates what changed and creates only
 * what is missing. Organisations cannot be created through the v2.1 API: each source
 * organisation is mapped to an existing target organisation.
 */
import { Option, type Command } from 'commander';
import { ApiError, type ApiClient } from '../../packages/client/src/index.js';
import { CreateClassroomBody } from '../contract/classrooms.js';
import { CreatePlacementBody } from '../contract/placements.js';
import { CreateUserBody } from '../contract/users.js';
import { fakesFor } from './anonymise.js';
import { CliError } from './args.js';
import { LearningAimMirror, type UnmatchedStandard } from './mirror-learning-aims.js';
import { examples, print, setExitStatus } from './output.js';
import { changedFields, parseConcurrency, pool, progress, progressNote, remoteClient } from './remote.js';

export interface MirrorOptions {
  from?: string;
  fromToken?: string;
  to?: string;
  toToken?: string;
  map?: string[];
  anonymise?: boolean;
  seed?: string;
  concurrency?: number;
  quiet?: boolean;
}

type Kind = 'classes' | 'placements' | 'users' | 'learningAims';
export interface Tally {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}
export interface MirrorReport {
  organisations: { source: { ID: number; Name: string }; target?: { ID: number; Name: string }; note?: string }[];
  tallies: Record<Kind, Tally>;
  /** Source standards with no single counterpart in the target's catalogue: their aims were skipped. */
  unmatchedStandards: UnmatchedStandard[];
  problems: string[];
}

type Rec = Record<string, unknown>;
interface Org {
  ID: number;
  Name: string;
}

const STAFF_FIRST = (role: unknown) => (role === 1 ? 1 : 0);
const fieldsOf = (schema: { properties: object }) => Object.keys(schema.properties).filter((k) => k !== 'OrganisationID');
const CLASS_FIELDS = fieldsOf(CreateClassroomBody);
const PLACEMENT_FIELDS = fieldsOf(CreatePlacementBody);
const USER_FIELDS = fieldsOf(CreateUserBody).filter((k) => k !== 'Role');

function pickFields(record: Rec, fields: string[]): Rec {
  const out: Rec = {};
  for (const f of fields) if (record[f] !== null && record[f] !== undefined) out[f] = record[f];
  return out;
}

/** Source organisation -> target organisation: --map first (IDs or names), then the same name. */
function mapOrganisations(source: Org[], target: Org[], maps: string[]): MirrorReport['organisations'] {
  const find = (list: Org[], v: string) => list.filter((o) => (/^\d+$/.test(v) && o.ID === Number(v)) || o.Name.toLowerCase() === v.toLowerCase());
  const explicit = new Map<number, Org>();
  for (const m of maps) {
    const [from, to] = m.split('=').map((s) => s.trim());
    if (!from || !to) throw new CliError(`--map "${m}" must be <source organisation>=<target organisation> (ID or name each side)`);
    const s = find(source, from);
    const t = find(target, to);
    if (s.length !== 1) throw new CliError(`--map "${m}": "${from}" matches ${s.length} source organisations`);
    if (t.length !== 1) throw new CliError(`--map "${m}": "${to}" matches ${t.length} target organisations`);
    explicit.set(s[0]!.ID, t[0]!);
  }
  return source.map((s) => {
    const mapped = explicit.get(s.ID);
    if (mapped) return { source: s, target: mapped };
    const byName = find(target, s.Name);
    if (byName.length === 1) return { source: s, target: byName[0]! };
    return {
      source: s,
      note:
        byName.length > 1
          ? `${byName.length} target organisations are named "${s.Name}"; choose one with --map ${s.ID}=<target ID>`
          : `no target organisation is named "${s.Name}". Organisations cannot be created through the v2.1 API: create it with the target's operator tools (for learnfile: learnfile organisation create) or map it with --map ${s.ID}=<target ID or name>`,
    };
  });
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

export async function mirror(from: ApiClient, to: ApiClient, opts: MirrorOptions): Promise<MirrorReport> {
  const key = opts.seed ?? opts.fromToken ?? '';
  const concurrency = opts.concurrency ?? 4;
  const problems: string[] = [];
  const aims = new LearningAimMirror(from, to, { concurrency, quiet: opts.quiet, anonymiseKey: opts.anonymise ? key : undefined }, problems);
  const tallies: Record<Kind, Tally> = {
    classes: { created: 0, updated: 0, unchanged: 0, failed: 0 },
    placements: { created: 0, updated: 0, unchanged: 0, failed: 0 },
    users: { created: 0, updated: 0, unchanged: 0, failed: 0 },
    learningAims: aims.tally,
  };
  const organisations = mapOrganisations(await from.all('/Organisation/Search'), await to.all('/Organisation/Search'), opts.map ?? []);

  /** Creates or updates one record on the target; answers its target ID. */
  const upsert = async (
    kind: Exclude<Kind, 'learningAims'>,
    path: '/Classroom' | '/Placement' | '/User',
    existingId: number | undefined,
    body: Rec,
    describe: string,
    lookup: () => Promise<number | undefined>,
  ): Promise<number | undefined> => {
    try {
      if (existingId !== undefined) {
        const current = (await to.get(`${path}/{id}`, { id: existingId })) as Rec;
        if (kind === 'users' && current.Role !== undefined && current.Role !== body.Role) {
          throw new CliError(`the target's user ${existingId} has role ${String(current.Role)}, the source's ${String(body.Role)}`);
        }
        const changes = changedFields(body, current, ['OrganisationID', 'Role']);
        if (Object.keys(changes).length === 0) {
          tallies[kind].unchanged++;
          return existingId;
        }
        await to.update(`${path}/{id}`, { id: existingId }, changes as never);
        tallies[kind].updated++;
        return existingId;
      }
      const created = await to.create(path, body as never);
      tallies[kind].created++;
      return created.id ?? (await lookup());
    } catch (err) {
      if (!(err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401) && !(err instanceof CliError)) throw err;
      tallies[kind].failed++;
      problems.push(`${describe}: ${err instanceof ApiError ? err.describe() : err.message}`);
      return undefined;
    }
  };

  for (const org of organisations) {
    if (!org.target) continue;
    const src = { OrganisationID: org.source.ID };
    const dst = { OrganisationID: org.target.ID };
    const ids = { classes: new Map<number, number>(), placements: new Map<number, number>(), users: new Map<number, number>() };

    for (const [kind, path, fields] of [
      ['classes', '/Classroom', CLASS_FIELDS],
      ['placements', '/Placement', PLACEMENT_FIELDS],
    ] as const) {
      const sourceRows = (await collect(from.download(`${path}/Search`, src as never))) as Rec[];
      const targetRows = (await collect(to.download(`${path}/Search`, dst as never))) as Rec[];
      const bar = progress(`mirror ${org.source.Name}: ${kind}`, sourceRows.length, { quiet: opts.quiet });
      await pool(sourceRows, concurrency, async (row) => {
        const record = (await from.get(`${path}/{id}`, { id: Number(row.ID) })) as Rec;
        const body = pickFields(record, [...fields]);
        if (opts.anonymise && kind === 'placements') {
          const fake = fakesFor(key, `placement:${String(row.ID)}`);
          for (const f of ['Contact', 'Email', 'Telephone', 'Fax'] as const) if (body[f]) body[f] = fake[f === 'Email' ? 'Email' : f];
          if (body.Address) body.Address = fake.WorkAddress;
        }
        const misid = typeof body.MISID === 'string' && body.MISID !== '' ? body.MISID.toLowerCase() : undefined;
        const name = String(body.Name ?? '').toLowerCase();
        const match = targetRows.filter((t) => (misid ? String(t.MISID ?? '').toLowerCase() === misid : String(t.Name ?? '').toLowerCase() === name));
        const id = await upsert(
          kind,
          path,
          match.length === 1 ? Number(match[0]!.ID) : undefined,
          { ...body, ...dst },
          `${kind === 'classes' ? 'class' : 'placement'} "${String(body.Name)}" (source ${String(row.ID)})`,
          async () => undefined,
        );
        if (id !== undefined) ids[kind].set(Number(row.ID), id);
        bar.tick();
      });
      bar.done();
    }

    // Learner statuses are the centre's own look-up: matched by name.
    const statuses = new Map<number, number>();
    const readStatuses = async (client: ApiClient, id: number) =>
      ((await client.get('/Organisation/{id}/LearnerStatuses', { id }).catch(() => undefined)) ?? []) as { ID: number; Name: string }[];
    const targetStatuses = await readStatuses(to, org.target.ID);
    for (const s of await readStatuses(from, org.source.ID)) {
      const t = targetStatuses.find((x) => x.Name.toLowerCase() === s.Name.toLowerCase());
      if (t) statuses.set(s.ID, t.ID);
    }

    const sourceUsers = (await collect(from.download('/User/Search', src))).map((u) => u as unknown as Rec);
    const records = new Map<number, Rec>();
    const bar = progress(`mirror ${org.source.Name}: users`, sourceUsers.length * 2, { quiet: opts.quiet });
    await pool(sourceUsers, concurrency, async (u) => {
      records.set(Number(u.ID), (await from.get('/User/{id}', { id: Number(u.ID) })) as Rec);
      bar.tick();
    });
    const targetByMisid = new Map<string, number[]>();
    for await (const t of to.download('/User/Search', dst)) {
      if (t.MISID) targetByMisid.set(t.MISID.toLowerCase(), [...(targetByMisid.get(t.MISID.toLowerCase()) ?? []), t.ID]);
    }
    // Staff first, so learners' default assessors and employers exist when learners arrive.
    const ordered = [...records.values()].sort((a, b) => STAFF_FIRST(a.Role) - STAFF_FIRST(b.Role) || Number(a.ID) - Number(b.ID));
    const groups = [ordered.filter((r) => r.Role !== 1), ordered.filter((r) => r.Role === 1)];
    for (const group of groups) {
      await pool(group, concurrency, async (record) => {
        const sourceId = Number(record.ID);
        const body: Rec = { ...pickFields(record, USER_FIELDS), ...dst, Role: record.Role };
        const what = `user ${sourceId}${record.MISID ? ` (MISID ${String(record.MISID)})` : ''}`;
        const remap = (field: string, map: Map<number, number>, label: string) => {
          if (body[field] === undefined) return;
          const to = map.get(Number(body[field]));
          if (to === undefined) {
            delete body[field];
            progressNote(`mirror: ${what}: its ${label} was not copied, so ${field} is left out`);
          } else body[field] = to;
        };
        remap('ClassroomID', ids.classes, 'class');
        remap('PlacementID', ids.placements, 'placement');
        remap('DefaultAssessorID', ids.users, 'default assessor');
        remap('DefaultEmployerID', ids.users, 'default employer');
        if (body.LearnerStatusID !== undefined) {
          const s = statuses.get(Number(body.LearnerStatusID));
          if (s === undefined) delete body.LearnerStatusID;
          else body.LearnerStatusID = s;
        }
        delete body.ProviderID; // providers are not mirrored (yet): the source's ID means nothing on the target
        // The key the target record is found by on the next run.
        body.MISID = typeof record.MISID === 'string' && record.MISID !== '' ? record.MISID : `MIRROR-${sourceId}`;
        if (opts.anonymise) {
          const fake = fakesFor(key, `user:${sourceId}`);
          for (const f of ['FirstName', 'LastName', 'Email'] as const) body[f] = fake[f];
          for (const f of ['MobileNumber', 'Telephone', 'HomeAddress', 'WorkAddress', 'ULN', 'NINO'] as const) {
            if (body[f] && !(f === 'ULN' && body[f] === '9999999999')) body[f] = fake[f];
          }
          if (typeof body.DOB === 'string') body.DOB = fake.dob(body.DOB);
          body.MISID = fake.MISID;
        }
        const matches = targetByMisid.get(String(body.MISID).toLowerCase()) ?? [];
        if (matches.length > 1) {
          tallies.users.failed++;
          problems.push(`${what}: MISID ${String(body.MISID)} matches ${matches.length} users on the target`);
          bar.tick();
          return;
        }
        const id = await upsert('users', '/User', matches[0], body, what, async () => {
          const found = await collect(to.download('/User/Search', { ...dst, MISID: String(body.MISID) }));
          return found.length === 1 ? found[0]!.ID : undefined;
        });
        if (id !== undefined) ids.users.set(sourceId, id);
        bar.tick();
      });
    }
    bar.done();

    const learners = new Map(groups[1]!.flatMap((r) => (ids.users.has(Number(r.ID)) ? [[Number(r.ID), ids.users.get(Number(r.ID))!] as const] : [])));
    await aims.organisation({ name: org.source.Name, sourceId: org.source.ID, targetId: org.target.ID }, learners, ids.users);
  }
  return { organisations, tallies, unmatchedStandards: [...aims.unmatched.values()], problems };
}

export function registerMirror(program: Command): void {
  program
    .command('mirror')
    .description("Copy one customer's classes, placements, users and learning aims from one v2.1 server into another (e.g. live into a sandbox)")
    .requiredOption('--from <url>', "the source server's base URL")
    .requiredOption('--from-token <token>', 'a customer token on the source server')
    .requiredOption('--to <url>', "the target server's base URL")
    .requiredOption('--to-token <token>', 'a customer token on the target server')
    .addOption(
      new Option('--map <source=target>', 'map a source organisation to a target organisation (IDs or names); repeatable').argParser(
        (v: string, prev: string[] = []) => [...prev, v],
      ),
    )
    .option('--anonymise', 'replace names, emails, phone numbers, addresses, ULN, NINO, MISID and birth dates with realistic stand-ins that pass validation')
    .option('--seed <secret>', 'key for the stand-ins (default: the source token); keep it to get the same stand-ins on a re-run')
    .addOption(new Option('--concurrency <n>', 'calls in flight per server').argParser(parseConcurrency).default(4))
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Organisations cannot be created through the v2.1 API, so each source organisation is
copied into an existing target organisation of the same name, or the one --map names;
an organisation with no counterpart is skipped and reported. Records are matched on the
target by MISID (classes and placements without one by name; users without one get the
MISID MIRROR-<source ID>), so running the same mirror again updates what changed and
creates only what is missing. Archived users are not copied; logins are the target's own.

Each copied learner gets the source learner's learning aims: the standard is found in the
target's catalogue by Reference and Version (by Title when the source standard has no
Reference), assigned, and its StartDate, PlannedEnd, Status (matched by name),
registration and achievement dates and its assessor and IQA (the copied staff) set where
they differ. Catalogues are the operator's (learnfile standard create, catalogue load):
a standard with no counterpart is skipped with its aims and listed in the output.
${examples(
  'learnfile mirror --from https://live.example.ac.uk --from-token $LIVE --to http://localhost:3000 --to-token $SANDBOX --anonymise',
  'learnfile mirror --from https://a.example --from-token $A --to https://b.example --to-token $B --map "Northgate College=Northgate Sandbox"',
)}`,
    )
    .action(async (opts: MirrorOptions) => {
      const from = remoteClient(opts.from, opts.fromToken, 'from');
      const to = remoteClient(opts.to, opts.toToken, 'to');
      const report = await mirror(from, to, opts);
      for (const o of report.organisations) {
        print(
          o.target
            ? `Organisation "${o.source.Name}" (source ${o.source.ID}) -> "${o.target.Name}" (target ${o.target.ID})`
            : `Organisation "${o.source.Name}" (source ${o.source.ID}) skipped: ${o.note}`,
        );
      }
      for (const [kind, t] of Object.entries(report.tallies)) {
        print(`${kind === 'learningAims' ? 'learning aims' : kind}: ${t.created} created, ${t.updated} updated, ${t.unchanged} unchanged, ${t.failed} failed`);
      }
      for (const u of report.unmatchedStandards) {
        const s = u.source;
        print(
          `skipped: standard "${s.Title}"${s.Reference ? ` (${s.Reference}${s.Version ? ` version ${s.Version}` : ''})` : ''}, source ${s.ID}: ${u.aims} learning aim${u.aims === 1 ? '' : 's'} not copied; ${u.note}`,
        );
      }
      for (const p of report.problems) print(`failed: ${p}`);
      if (report.problems.length > 0 || report.unmatchedStandards.length > 0 || report.organisations.some((o) => !o.target)) setExitStatus(2);
    });
}
