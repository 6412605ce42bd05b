/**
 * The learning-aims step of `learnfile mirror`: each mirrored learner's aims on the source
 * are given to the learner's copy on the target (POST /Standard/{id}/Assign/{learnerId}),
 * then their dates, status and registration set (POST /LearningAim/{id}) and their assessor
 * and IQA slots filled (level 3 of POST /User/{id}/Assign), each only where it differs, so a
 * re-run sends nothing. A learner has one aim per standard, so the standard is the key.
 *
 * Catalogues are the operator's, not the API's: a source standard is matched in the target's
 * catalogue by Reference and Version (what `learnfile catalogue load` matches on), or by
 * Title when the source gives no Reference. A standard with no counterpart, or more than one,
 * is skipped with all its aims and reported; nothing is guessed.
 */
import { ApiError, type ApiClient } from '../../packages/client/src/index.js';
import { UpdateLearningAimBody } from '../contract/learning-aims.js';
import { fakesFor } from './anonymise.js';
import type { Tally } from './mirror.js';
import { changedFields, pool, progress, progressNote } from './remote.js';

type Rec = Record<string, unknown>;
interface AimSummary {
  ID: number;
  UserID: number;
  StandardID: number | null;
}
/** A source learning-aim status, and the target's of the same name. */
interface Status {
  name: string;
  target?: number;
}
interface StandardInfo {
  ID: number;
  Title: string;
  Reference: string | null;
  Version: string | null;
}

/** A source standard the target's catalogue has no single counterpart for, and the aims skipped for it. */
export interface UnmatchedStandard {
  source: StandardInfo;
  aims: number;
  note: string;
}

export interface AimMirrorOptions {
  concurrency: number;
  quiet?: boolean | undefined;
  /** The --anonymise key; undefined copies registration numbers as they are. */
  anonymiseKey?: string | undefined;
}

/** What POST /LearningAim/{id} may change; Progress and Weighting are the target's own. */
const AIM_FIELDS = Object.keys(UpdateLearningAimBody.properties);
const SLOTS = [
  ['AssessorID', 'assessor'],
  ['IQAID', 'IQA'],
] as const;
const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

function groupByUser(rows: AimSummary[]): Map<number, AimSummary[]> {
  const out = new Map<number, AimSummary[]>();
  for (const r of rows) out.set(r.UserID, [...(out.get(r.UserID) ?? []), r]);
  return out;
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

/** One per mirror run: the aims and catalogues of both sides are read once and shared by every organisation. */
export class LearningAimMirror {
  readonly tally: Tally = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  readonly unmatched = new Map<number, UnmatchedStandard>();
  private sourceAims?: Promise<Map<number, AimSummary[]>>;
  private targetAims?: Promise<Map<number, AimSummary[]>>;
  private catalogue?: Promise<StandardInfo[]>;
  private readonly matches = new Map<number, Promise<number | UnmatchedStandard>>();
  private readonly targetStandards = new Map<number, Promise<StandardInfo>>();
  private readonly noted = new Set<string>();

  constructor(
    private readonly from: ApiClient,
    private readonly to: ApiClient,
    private readonly opts: AimMirrorOptions,
    private readonly problems: string[],
  ) {}

  /**
   * Copies the aims of one organisation's learners. `learners` and `staff` map source user
   * IDs to the target's, as the users step made them.
   */
  async organisation(org: { name: string; sourceId: number; targetId: number }, learners: Map<number, number>, staff: Map<number, number>): Promise<void> {
    this.sourceAims ??= collect(this.from.download('/LearningAim/Search', {})).then((rows) => groupByUser(rows as AimSummary[]));
    this.targetAims ??= collect(this.to.download('/LearningAim/Search', {})).then((rows) => groupByUser(rows as AimSummary[]));
    const [sourceAims, targetAims] = await Promise.all([this.sourceAims, this.targetAims]);
    const work = [...learners].flatMap(([sourceLearner, targetLearner]) => {
      if (!targetAims.has(targetLearner)) targetAims.set(targetLearner, []); // one list per learner, which copy() adds to
      return (sourceAims.get(sourceLearner) ?? []).filter((a) => a.StandardID !== null).map((aim) => ({ aim, targetLearner }));
    });
    if (work.length === 0) return;
    const statuses = await this.statusMap(org.sourceId, org.targetId);
    const bar = progress(`mirror ${org.name}: learning aims`, work.length, { quiet: this.opts.quiet });
    await pool(work, this.opts.concurrency, async ({ aim, targetLearner }) => {
      await this.copy(aim, targetLearner, targetAims.get(targetLearner)!, statuses, staff);
      bar.tick();
    });
    bar.done();
  }

  private async copy(aim: AimSummary, targetLearner: number, existing: AimSummary[], statuses: Map<number, Status>, staff: Map<number, number>) {
    const what = `learning aim ${aim.ID} (source learner ${aim.UserID}, standard ${aim.StandardID})`;
    try {
      const standard = await this.match(aim.StandardID!);
      if (typeof standard !== 'number') {
        standard.aims++;
        return;
      }
      const record = (await this.from.get('/LearningAim/{id}', { id: aim.ID })) as Rec;
      const body: Rec = {};
      for (const f of AIM_FIELDS) if (record[f] !== null && record[f] !== undefined) body[f] = record[f];
      if (body.Status !== undefined) {
        const status = statuses.get(Number(body.Status));
        if (status?.target === undefined) {
          delete body.Status;
          this.noteOnce(
            `status:${String(record.Status)}`,
            `mirror: the target has no learning-aim status named "${status?.name ?? String(record.Status)}", so aims with it are copied without Status`,
          );
        } else body.Status = status.target;
      }
      if (this.opts.anonymiseKey !== undefined && typeof body.RegistrationNumber === 'string') {
        // An awarding body's registration number names the person: a stand-in, stable per aim.
        body.RegistrationNumber = fakesFor(this.opts.anonymiseKey, `learning-aim:${aim.ID}`).MISID;
      }

      let targetId = existing.find((a) => a.StandardID === standard)?.ID;
      const created = targetId === undefined;
      if (targetId === undefined) {
        const answer = await this.to.create('/Standard/{id}/Assign/{learnerId}', {} as never, { id: standard, learnerId: targetLearner });
        targetId = answer.id ?? (await this.to.all('/LearningAim/Search', { UserID: targetLearner, StandardID: standard }))[0]?.ID;
        if (targetId === undefined) throw new Error(`the target answered no learning aim ID for standard ${standard} of learner ${targetLearner}`);
        existing.push({ ID: targetId, UserID: targetLearner, StandardID: standard });
      }
      const current = (await this.to.get('/LearningAim/{id}', { id: targetId })) as Rec;
      const changes = changedFields(body, current);
      if (Object.keys(changes).length > 0) await this.to.update('/LearningAim/{id}', { id: targetId }, changes as never);
      let slotsChanged = false;
      for (const [slot, label] of SLOTS) {
        if (record[slot] === null || record[slot] === undefined) continue; // the source's empty slot never clears the target's
        const holder = staff.get(Number(record[slot]));
        if (holder === undefined) {
          this.noteOnce(
            `staff:${String(record[slot])}`,
            `mirror: source user ${String(record[slot])}, the ${label} of some learning aims, was not copied, so those slots are left as they are`,
          );
        } else if (current[slot] !== holder) {
          await this.to.post('/User/{id}/Assign', { LearnerID: targetLearner, Level: 3, StandardID: standard }, { id: holder });
          slotsChanged = true;
        }
      }
      if (created) this.tally.created++;
      else if (Object.keys(changes).length > 0 || slotsChanged) this.tally.updated++;
      else this.tally.unchanged++;
    } catch (err) {
      if (!(err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401)) throw err;
      this.tally.failed++;
      this.problems.push(`${what}: ${err.describe()}`);
    }
  }

  private noteOnce(key: string, line: string): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    progressNote(line);
  }

  /** Source learning-aim status -> target status of the same name (statuses are each organisation's own). */
  private async statusMap(sourceOrg: number, targetOrg: number): Promise<Map<number, Status>> {
    const read = async (client: ApiClient, id: number) =>
      ((await client.get('/Organisation/{id}/LearningAimStatuses', { id }).catch(() => undefined)) ?? []) as { ID: number; Name: string }[];
    const [source, target] = await Promise.all([read(this.from, sourceOrg), read(this.to, targetOrg)]);
    const out = new Map<number, Status>();
    for (const s of source) {
      const t = target.filter((x) => same(x.Name, s.Name));
      out.set(s.ID, { name: s.Name, ...(t.length === 1 ? { target: t[0]!.ID } : {}) });
    }
    return out;
  }

  /** The target standard for a source standard, or why there is none (recorded in `unmatched`). */
  private match(sourceId: number): Promise<number | UnmatchedStandard> {
    let p = this.matches.get(sourceId);
    if (!p) {
      p = this.findCounterpart(sourceId);
      this.matches.set(sourceId, p);
    }
    return p;
  }

  private async findCounterpart(sourceId: number): Promise<number | UnmatchedStandard> {
    const source = standardInfo((await this.from.get('/Standard/{id}', { id: sourceId })) as Rec);
    this.catalogue ??= this.to.all('/Standard/Search').then((rows) => rows.map((r) => standardInfo(r as Rec)));
    const catalogue = await this.catalogue;
    let found: StandardInfo[];
    let note: string;
    if (source.Reference) {
      const sameReference = await Promise.all(catalogue.filter((t) => same(t.Reference, source.Reference)).map((t) => this.targetStandard(t.ID)));
      found = sameReference.filter((t) => same(t.Version, source.Version));
      const versions = sameReference.map((t) => t.Version ?? 'no version');
      note =
        found.length > 1
          ? `the target's catalogue has ${found.length} standards ${source.Reference} version ${source.Version ?? '(none)'} (IDs ${found.map((t) => t.ID).join(', ')})`
          : `the target's catalogue has no standard ${source.Reference} version ${source.Version ?? '(none)'}${versions.length > 0 ? ` (it has version ${versions.join(', ')})` : ''}`;
    } else {
      found = catalogue.filter((t) => same(t.Title, source.Title));
      note =
        found.length > 1
          ? `the source standard has no Reference and ${found.length} target standards are titled "${source.Title}"`
          : `the source standard has no Reference and no target standard is titled "${source.Title}"`;
    }
    if (found.length === 1) return found[0]!.ID;
    const unmatched: UnmatchedStandard = { source, aims: 0, note };
    this.unmatched.set(sourceId, unmatched);
    return unmatched;
  }

  /** The search answers no Version: one GET per target standard whose Reference is wanted. */
  private targetStandard(id: number): Promise<StandardInfo> {
    let p = this.targetStandards.get(id);
    if (!p) {
      p = this.to.get('/Standard/{id}', { id }).then((r) => standardInfo(r as Rec));
      this.targetStandards.set(id, p);
    }
    return p;
  }
}

function standardInfo(r: Rec): StandardInfo {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return { ID: Number(r.ID), Title: String(r.Title ?? ''), Reference: text(r.Reference), Version: text(r.Version) };
}
