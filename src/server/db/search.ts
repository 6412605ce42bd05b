import { createHash } from 'node:crypto';
import type { Queryable } from './client.js';

/**
 * A filtered listing of one table, in id order. `where` fragments use $1..$n numbered
 * in the order of `params`; the tenant filter is always the first of them.
 */
export interface Listing {
  table: string;
  columns: string;
  where: string[];
  params: unknown[];
  /**
   * The column the rows are ordered and walked by, and the value below every key. Integer
   * `id` by default; string-keyed records (units) name theirs, e.g. `id COLLATE "C"` from ''.
   */
  key?: { column: string; start: number | string };
  /**
   * Every write that can change which rows match, or their order, also takes the customer's
   * next event sequence number (event_counters.last_seq) in its own transaction: true for
   * records written only through audited changes (users, classes, placements). Facts learnt
   * from such a search (its count, the keys at fixed positions) are then kept, and reused by a
   * later statement only when it reads the same sequence number in its own snapshot. The
   * customer is the first parameter.
   */
  evented?: boolean;
}

const keyOf = (l: Listing) => l.key ?? { column: 'id', start: 0 };

export class Filters {
  readonly where: string[] = [];
  readonly params: unknown[] = [];

  constructor(customerId: number, column = 'customer_id') {
    this.eq(column, customerId);
  }

  private next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  eq(column: string, value: unknown): this {
    if (value !== undefined) this.where.push(`${column} = ${this.next(value)}`);
    return this;
  }

  /** Case-insensitive exact match; `*` is a wildcard (an extension). */
  text(column: string, value: string | undefined): this {
    if (value === undefined) return this;
    if (value.includes('*')) {
      const pattern = value
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)
        .replace(/\*/g, '%');
      this.where.push(`lower(${column}) LIKE ${this.next(pattern)}`);
    } else {
      this.where.push(`lower(${column}) = ${this.next(value.toLowerCase())}`);
    }
    return this;
  }

  atLeast(column: string, value: unknown): this {
    if (value !== undefined) this.where.push(`${column} >= ${this.next(value)}`);
    return this;
  }

  raw(sql: string): this {
    this.where.push(sql);
    return this;
  }

  /** A fragment with one parameter, written `$?` (e.g. `id IN (SELECT ... WHERE x = $?)`); skipped when the value is not given. */
  with(sql: string, value: unknown): this {
    if (value !== undefined) this.where.push(sql.replaceAll('$?', this.next(value)));
    return this;
  }

  /** `evented`: see Listing.evented (only for tables whose every write is an audited change). */
  listing(table: string, columns: string, opts: { evented?: boolean } = {}): Listing {
    return { table, columns, where: [...this.where], params: [...this.params], ...(opts.evented ? { evented: true } : {}) };
  }
}

function select(l: Listing, extraWhere: string, tail: string, extraColumns = ''): string {
  const where = [...l.where, ...(extraWhere ? [extraWhere] : [])].join(' AND ');
  return `SELECT ${l.columns}${extraColumns} FROM ${l.table} WHERE ${where} ORDER BY ${keyOf(l).column} ${tail}`;
}

/**
 * Every matching row, a batch at a time, each batch reached by key (id > last) so that
 * memory stays bounded and no batch re-reads the rows before it. The next batch is asked for
 * as soon as this one arrives, so on PostgreSQL the database reads it while this process
 * writes the current one out (at most two batches are held).
 */
export async function* batches<T extends { ID: number | string }>(db: Queryable, l: Listing, size = 1000): AsyncGenerator<T[]> {
  const key = keyOf(l);
  const n = l.params.length;
  const sql = select(l, `${key.column} > $${n + 1}`, `LIMIT $${n + 2}`);
  const read = (after: number | string) => db.query<T>(sql, [...l.params, after, size]);
  let next: Promise<T[]> | undefined = read(key.start);
  try {
    while (next) {
      const rows: T[] = await next;
      next = rows.length === size ? read(rows[rows.length - 1]!.ID) : undefined;
      if (rows.length > 0) yield rows;
    }
  } finally {
    // A download given up half-way (the client went) leaves a read in flight: let it end quietly.
    next?.catch(() => {});
  }
}

/**
 * Remembers where recent pages ended, so that page N+1 of a walk is read by key instead of by
 * position (which costs as much as every row before it). A miss only costs speed: the page is
 * then found by position over the index. Per process, because the servers are stateless.
 *
 * For evented searches (Listing.evented) it also keeps facts that cost a scan to learn, each
 * with the customer's event sequence number it was read at, and used only by a statement that
 * reads the same number in its own snapshot (so never when anything may have changed): the
 * count of matches, and the key at every `positionStep`-th match of searches paged deeply.
 *
 * Keys are SHA-256 digests of the search (table, filter, page size, page number), so an entry
 * has a fixed size however large the filter: marks and counts are bounded by `capacity`
 * entries each (`maxBytes`, about 2.5 MB at the default 5,000), whatever clients send; kept
 * positions by POSITION_SEARCHES searches of one key per `positionStep` matches.
 */
export class PageMarks {
  /** A 43-character base64url digest key plus the mark and the Map's own overhead, generously. */
  static readonly ENTRY_BYTES = 200;
  /** The same for a kept count: a digest key, a sequence number and four facts. */
  static readonly COUNT_BYTES = 300;
  private readonly marks = new Map<string, Mark>();
  /** `windowMs`: how long after a page its mark is trusted to continue the walk. */
  constructor(
    private readonly capacity = 5000,
    readonly windowMs = 30_000,
  ) {}

  /** The most memory the marks and counts can hold, in bytes (an estimate, fixed by the capacity). */
  get maxBytes(): number {
    return this.capacity * (PageMarks.ENTRY_BYTES + PageMarks.COUNT_BYTES);
  }

  get size(): number {
    return this.marks.size;
  }

  /** The digest that stands for one page of one search. */
  static key(parts: unknown[], pageNumber: number): string {
    return createHash('sha256').update(JSON.stringify(parts)).update(`#${pageNumber}`).digest('base64url');
  }

  get(key: string): Mark | undefined {
    return touch(this.marks, key);
  }

  clear(): void {
    this.marks.clear();
    this.counts.clear();
    this.positions.clear();
  }

  // ---- facts of evented searches (Listing.evented), each valid while the sequence stands ----

  /** The count facts of recent searches, by PageMarks.key(search, 0); as many as page marks. */
  private readonly counts = new Map<string, { seq: number; facts: CountFacts }>();
  /** The key at every `positionStep`-th match of recent deep searches; at most POSITION_SEARCHES. */
  private readonly positions = new Map<string, Positions>();
  private readonly building = new Map<string, Promise<void>>();
  /** Answers served from kept facts (for tests and metrics). */
  readonly reused = { counts: 0, positions: 0 };
  /** How many matches apart the kept keys are (tests make it small). */
  positionStep = 1000;
  static readonly POSITION_SEARCHES = 32;

  count(key: string) {
    return touch(this.counts, key);
  }

  setCount(key: string, value: { seq: number; facts: CountFacts }): void {
    put(this.counts, key, value, this.capacity);
  }

  position(key: string): Positions | undefined {
    return touch(this.positions, key);
  }

  /** Reads a search's positions once (one at a time per search), after the answer that asked for them. */
  buildPositions(key: string, read: () => Promise<Positions>): void {
    if (this.building.has(key)) return;
    const work = read()
      .then((p) => put(this.positions, key, p, PageMarks.POSITION_SEARCHES))
      .catch(() => {}) // a failed read only costs speed
      .finally(() => this.building.delete(key));
    this.building.set(key, work);
  }

  /** Resolves when every positions read under way has ended (tests). */
  async settled(): Promise<void> {
    while (this.building.size > 0) await Promise.all(this.building.values());
  }

  set(key: string, mark: Mark): void {
    put(this.marks, key, mark, this.capacity);
  }
}

function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

function put<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) map.delete(map.keys().next().value!);
}

/** The keys of matches 1, 1 + step, 1 + 2 step, ... of a search, as of sequence number `seq`. */
interface Positions {
  seq: number;
  step: number;
  keys: (number | string)[];
}

interface Mark {
  lastId: number | string;
  total: number;
  exact: boolean;
  at: number;
}

/**
 * The next page of a walk, read while the client is still busy with this one (a walk of a
 * large search otherwise waits for the database on every page, where the unpaged download
 * reads ahead). A page read ahead is served only if nothing may have changed since it was
 * asked for: `changed()` (called when this process starts or ends a write, and when the
 * database announces a commit with change events from any process) drops them all. At
 * most `capacity` pages, each kept `ttlMs` at most.
 */
export class ReadAhead {
  private readonly pages = new Map<string, { rows: Promise<unknown[]>; generation: number; at: number }>();
  private generation = 0;
  /** Pages served from what was read ahead (for tests and metrics). */
  served = 0;

  constructor(
    private readonly capacity = 16,
    private readonly ttlMs = 5_000,
  ) {}

  changed(): void {
    this.generation++;
    this.pages.clear();
  }

  start(key: string, read: () => Promise<unknown[]>, now: number): void {
    if (this.capacity === 0) return;
    const rows = read();
    rows.catch(() => {}); // a read-ahead nobody takes must not fail loudly
    for (const [k, page] of this.pages) if (now - page.at > this.ttlMs) this.pages.delete(k);
    this.pages.delete(key);
    this.pages.set(key, { rows, generation: this.generation, at: now });
    if (this.pages.size > this.capacity) this.pages.delete(this.pages.keys().next().value!);
  }

  /** The rows read ahead for this page, if still good; a failed read-ahead answers undefined. */
  async take<T>(key: string, now: number): Promise<T[] | undefined> {
    const page = this.pages.get(key);
    if (!page) return undefined;
    this.pages.delete(key);
    if (page.generation !== this.generation || now - page.at > this.ttlMs) return undefined;
    const rows = await page.rows.catch(() => undefined);
    // A write may have begun while the read was under way.
    if (!rows || page.generation !== this.generation) return undefined;
    this.served++;
    return rows as T[];
  }

  clear(): void {
    this.pages.clear();
  }
}

/**
 * One page and the number of matches. `exact` says whether `total` was counted by this answer
 * (docs/decisions.md, "Searches and paging"): up to `exactCountLimit` matches it is; above
 * that `total` is an estimate, kept within what the page itself proves.
 */
export interface Page<T> {
  rows: T[];
  total: number;
  exact: boolean;
}

/** The count's column, carried by every row of a page read with its count (and removed). */
const COUNT = '__count';
/** The customer's event sequence number in the page's snapshot (evented searches). */
const SEQ = '__seq';
/** Whether a cold page was found from a kept position. */
const KEPT = '__kept';
/** [matches up to the cap, first key, key of the last one counted, last key of all (only when over the cap)]. */
type CountFacts = [number, number | string | null, number | string | null, number | string | null];

export async function page<T extends { ID: number | string }>(
  db: Queryable,
  l: Listing,
  pageNumber: number,
  pageSize: number,
  marks: PageMarks,
  exactCountLimit: number,
  readAhead?: ReadAhead,
): Promise<Page<T>> {
  const k = keyOf(l);
  const search = [l.table, l.where, l.params, pageSize];
  const offset = (pageNumber - 1) * pageSize;
  const now = Date.now();
  const previous = pageNumber > 1 ? marks.get(PageMarks.key(search, pageNumber - 1)) : undefined;
  // Within a walk, page N+1 starts after page N's last key: the same rows as by position while
  // nobody changes them, and no row skipped or repeated when somebody does.
  const walking = previous !== undefined && now - previous.at < marks.windowMs ? previous : undefined;
  const n = l.params.length;
  const where = l.where.join(' AND ');
  // A walk over more matches than are counted goes on with its first page's estimate;
  // everything else counts, in the same statement as the page (one round trip, one snapshot).
  const counting = !(walking && !walking.exact);
  const cap = exactCountLimit + 1;
  // Counting walks the search's index in key order (index-only where it covers the filter) and
  // stops at the cap; the last key of all is looked up only when there are more than that.
  const facts = (capParam: string) => `(SELECT json_build_array(count(*), min(m.k), max(m.k),
      CASE WHEN count(*) >= ${capParam} THEN (SELECT ${k.column} FROM ${l.table} WHERE ${where} ORDER BY ${k.column} DESC LIMIT 1) END)
    FROM (SELECT ${k.column} AS k FROM ${l.table} WHERE ${where} ORDER BY ${k.column} LIMIT ${capParam}) m)`;
  const params: unknown[] = [...l.params];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const capParam = counting ? param(cap) : '';
  // An evented search reads the customer's sequence number in the page's own snapshot: while
  // it equals the one a kept count was read at, that count is this snapshot's count exactly,
  // and the statement skips counting (the CASE never runs the count).
  const seq = l.evented ? `(SELECT coalesce((SELECT last_seq FROM event_counters WHERE customer_id = $1), 0))` : '';
  const countKey = l.evented && counting ? PageMarks.key([l.table, l.where, l.params], 0) : '';
  const kept = countKey ? marks.count(countKey) : undefined;
  let extra = '';
  if (counting) {
    const count = kept ? `CASE WHEN ${seq} = ${param(kept.seq)} THEN NULL ELSE ${facts(capParam)} END` : facts(capParam);
    extra = `, ${count} AS "${COUNT}"${l.evented ? `, ${seq} AS "${SEQ}"` : ''}`;
  }
  type Raw = T & { [COUNT]?: CountFacts; [SEQ]?: number; [KEPT]?: boolean };
  const ahead = walking && !counting && readAhead ? await readAhead.take<Raw>(PageMarks.key(search, pageNumber), now) : undefined;
  const positionsKey = l.evented ? PageMarks.key([l.table, l.where, l.params], -1) : '';
  let stalePositions: 'unknown' | 'check' | undefined;
  let sql: string;
  if (walking) {
    sql = select(l, `${k.column} > ${param(walking.lastId)}`, `LIMIT ${param(pageSize)}`, extra);
  } else if (offset === 0) {
    sql = select(l, '', `LIMIT ${param(pageSize)}`, extra);
  } else {
    // Cold, by position: skip over keys only (an index-only scan where the index covers the
    // filter), then read the page's rows from the first key on. From the key kept at the
    // nearest position before it, when the search's positions are known at this snapshot's
    // sequence number: then at most one step of keys is skipped.
    const skip = (from: string, by: number) => `(SELECT ${k.column} FROM ${l.table} WHERE ${where}${from} ORDER BY ${k.column} OFFSET ${param(by)} LIMIT 1)`;
    const known = positionsKey ? marks.position(positionsKey) : undefined;
    const at = known ? Math.min(Math.floor(offset / known.step), known.keys.length - 1) : 0;
    let first = skip('', offset);
    let keptColumn = '';
    if (known && at > 0) {
      const same = `${seq} = ${param(known.seq)}`;
      first = `CASE WHEN ${same} THEN ${skip(` AND ${k.column} >= ${param(known.keys[at])}`, offset - at * known.step)} ELSE ${first} END`;
      keptColumn = `, ${same} AS "${KEPT}"`;
    }
    sql = select(l, `${k.column} >= ${first}`, `LIMIT ${param(pageSize)}`, `${extra}${keptColumn}`);
    if (positionsKey && offset >= POSITIONS_FROM * marks.positionStep) stalePositions = known === undefined || at === 0 ? 'unknown' : 'check';
  }
  const raw = ahead ?? (await db.query<Raw>(sql, params));
  let counted = counting ? raw[0]?.[COUNT] : undefined;
  const rows: T[] = counting || raw[0]?.[KEPT] !== undefined ? raw.map(({ [COUNT]: _, [SEQ]: __, [KEPT]: ___, ...row }) => row as unknown as T) : raw;
  if (raw[0]?.[KEPT]) marks.reused.positions++;
  // A deep page found without kept positions (or with ones from an earlier sequence number):
  // read the search's positions once, after this answer, so that later jumps start near.
  if (stalePositions === 'unknown' || (stalePositions === 'check' && raw[0]?.[KEPT] === false)) {
    marks.buildPositions(positionsKey, () => positions(db, l, marks.positionStep));
  }
  if (countKey && raw[0]) {
    const current = Number(raw[0][SEQ]);
    if (!counted && kept && kept.seq === current) {
      counted = kept.facts;
      marks.reused.counts++;
    } else if (counted) {
      marks.setCount(countKey, { seq: current, facts: counted });
    }
  }
  if (counting && !counted) {
    // No row to carry the count (no match, or a page past the end): count alone.
    const [c] = await db.query<{ facts: CountFacts }>(`SELECT ${facts(`$${n + 1}`)} AS facts`, [...l.params, cap]);
    counted = c!.facts;
  }
  const seen = offset + rows.length;
  let total: number;
  let exact: boolean;
  if (!walking && rows.length > 0 && rows.length < pageSize) {
    // A short last page read by position counts the matches itself, in the same snapshot.
    [total, exact] = [seen, true];
  } else if (!counted) {
    [total, exact] = [Math.max(walking!.total, seen), false];
  } else if (Number(counted[0]) <= exactCountLimit) {
    [total, exact] = [Number(counted[0]), true];
  } else {
    [total, exact] = await estimate(db, l, counted, cap, rows, offset, walking !== undefined);
  }
  const last = rows[rows.length - 1];
  if (last) marks.set(PageMarks.key(search, pageNumber), { lastId: last.ID, total, exact, at: now });
  // A client walking a search too large to count reads the next page next: start reading it.
  if (last && walking && !exact && rows.length === pageSize && readAhead) {
    const nextSql = select(l, `${k.column} > $${n + 1}`, `LIMIT $${n + 2}`);
    readAhead.start(PageMarks.key(search, pageNumber + 1), () => db.query(nextSql, [...l.params, last.ID, pageSize]), now);
  }
  return { rows, total, exact };
}

/** Cold pages at least this many steps deep have their search's positions kept. */
const POSITIONS_FROM = 4;

/** The keys of every `step`-th match of an evented search, and the sequence number they hold at (one snapshot). */
async function positions(db: Queryable, l: Listing, step: number): Promise<Positions> {
  const k = keyOf(l);
  const n = l.params.length;
  const [row] = await db.query<{ seq: number; keys: (number | string)[] }>(
    `SELECT coalesce((SELECT last_seq FROM event_counters WHERE customer_id = $1), 0) AS seq,
            (SELECT coalesce(array_agg(m.k ORDER BY m.k), '{}') FROM (
               SELECT ${k.column} AS k, row_number() OVER (ORDER BY ${k.column}) AS n FROM ${l.table} WHERE ${l.where.join(' AND ')}) m
              WHERE (m.n - 1) % $${n + 1} = 0) AS keys`,
    [...l.params, step],
  );
  return { seq: Number(row!.seq), step, keys: row!.keys };
}

/**
 * More matches than are counted. Keys are spread over the matches about evenly (IDs are given
 * in order of creation, whatever the filter), so the matches after the furthest known one are
 * estimated from the density of keys up to it: known are the first key, the cap-th match's
 * key, this page's last key and position (when read by position), and the last key of all.
 * String keys have no density: there the planner's estimate serves. Never less than the
 * matches proven, and for a page past the end never more than its position.
 */
async function estimate<T extends { ID: number | string }>(
  db: Queryable,
  l: Listing,
  facts: CountFacts,
  cap: number,
  rows: T[],
  offset: number,
  walking: boolean,
): Promise<[number, boolean]> {
  const [, first, capKey, top] = facts;
  const lastRow = rows[rows.length - 1];
  const proven = lastRow ? offset + rows.length : cap;
  if (top !== null && top === capKey) return [cap, true];
  let guess: number;
  if (typeof first === 'number' && typeof capKey === 'number' && typeof top === 'number') {
    // The furthest point whose position is known: this page's last row, if read by position.
    const [position, key] =
      lastRow && !walking && offset + rows.length > cap && typeof lastRow.ID === 'number' ? [offset + rows.length, lastRow.ID] : [cap, capKey];
    guess = key > first ? position + ((top - key) * (position - 1)) / (key - first) : position;
  } else {
    const [plan] = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${l.table} WHERE ${l.where.join(' AND ')}`,
      l.params,
    );
    guess = plan!['QUERY PLAN'][0].Plan['Plan Rows'];
  }
  const atLeast = Math.max(cap, proven);
  const atMost = !lastRow && !walking ? Math.max(offset, atLeast) : Infinity;
  return [Math.min(Math.max(Math.round(guess), atLeast), atMost), false];
}
