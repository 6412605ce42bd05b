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
      const pattern = value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
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

  listing(table: string, columns: string): Listing {
    return { table, columns, where: [...this.where], params: [...this.params] };
  }
}

function select(l: Listing, extraWhere: string, tail: string): string {
  const where = [...l.where, ...(extraWhere ? [extraWhere] : [])].join(' AND ');
  return `SELECT ${l.columns} FROM ${l.table} WHERE ${where} ORDER BY ${keyOf(l).column} ${tail}`;
}

/**
 * Every matching row, a batch at a time, each batch reached by key (id > last) so that
 * memory stays bounded and no batch re-reads the rows before it.
 */
export async function* batches<T extends { ID: number | string }>(db: Queryable, l: Listing, size = 1000): AsyncGenerator<T[]> {
  const key = keyOf(l);
  let last: number | string = key.start;
  const n = l.params.length;
  for (;;) {
    const rows = await db.query<T>(select(l, `${key.column} > $${n + 1}`, `LIMIT $${n + 2}`), [...l.params, last, size]);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    last = rows[rows.length - 1]!.ID;
  }
}

/**
 * Remembers where recent pages ended, so that page N+1 of a walk is read by key instead of
 * OFFSET (which costs as much as every row before it). A miss only costs speed: the page
 * falls back to OFFSET. Per process, because the servers are stateless.
 *
 * Keys are SHA-256 digests of the search (table, filter, page size, page number), so an entry
 * has a fixed size however large the filter: memory is bounded by `capacity` entries of
 * `ENTRY_BYTES` each (about 1 MB at the default 5,000), whatever clients send.
 */
export class PageMarks {
  /** A 43-character base64url digest key plus the mark and the Map's own overhead, generously. */
  static readonly ENTRY_BYTES = 200;
  private readonly marks = new Map<string, { lastId: number | string; total: number; at: number }>();
  constructor(private readonly capacity = 5000, readonly totalTtlMs = 30_000) {}

  /** The most memory the marks can hold, in bytes (an estimate, fixed by the capacity). */
  get maxBytes(): number {
    return this.capacity * PageMarks.ENTRY_BYTES;
  }

  get size(): number {
    return this.marks.size;
  }

  /** The digest that stands for one page of one search. */
  static key(parts: unknown[], pageNumber: number): string {
    return createHash('sha256').update(JSON.stringify(parts)).update(`#${pageNumber}`).digest('base64url');
  }

  get(key: string) {
    const mark = this.marks.get(key);
    if (mark) { this.marks.delete(key); this.marks.set(key, mark); }
    return mark;
  }

  clear(): void {
    this.marks.clear();
  }

  set(key: string, lastId: number | string, total: number, at: number): void {
    this.marks.delete(key);
    this.marks.set(key, { lastId, total, at });
    if (this.marks.size > this.capacity) this.marks.delete(this.marks.keys().next().value!);
  }
}

export interface Page<T> { rows: T[]; total: number }

export async function page<T extends { ID: number | string }>(
  db: Queryable, l: Listing, pageNumber: number, pageSize: number, marks: PageMarks,
): Promise<Page<T>> {
  const k = keyOf(l);
  const search = [l.table, l.where, l.params, pageSize];
  const previous = pageNumber > 1 ? marks.get(PageMarks.key(search, pageNumber - 1)) : undefined;
  const n = l.params.length;
  const byOffset = () =>
    db.query<T>(select(l, '', `LIMIT $${n + 1} OFFSET $${n + 2}`), [...l.params, pageSize, (pageNumber - 1) * pageSize]);
  let rows = previous
    ? await db.query<T>(select(l, `${k.column} > $${n + 1}`, `LIMIT $${n + 2}`), [...l.params, previous.lastId, pageSize])
    : await byOffset();
  // Counting every row on every page would make a full walk quadratic, so a walk reuses the
  // count taken on its first page for a short while (X-Total-Count is informational).
  const now = Date.now();
  const reuse = previous !== undefined && now - previous.at < marks.totalTtlMs;
  let total: number;
  if (reuse) {
    total = previous.total;
  } else {
    // A mark outside its walk's window may be left from an older walk over rows that have
    // changed since. The same scan that counts the matches checks that exactly the earlier
    // pages' rows still lie at or before the mark; if not, the page is read by OFFSET.
    const [count] = await db.query<{ n: number; after: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE ${k.column} > $${n + 1}) AS after FROM ${l.table} WHERE ${l.where.join(' AND ')}`,
      [...l.params, previous?.lastId ?? k.start]);
    total = Number(count!.n);
    if (previous && total - Number(count!.after) !== (pageNumber - 1) * pageSize) rows = await byOffset();
  }
  const last = rows[rows.length - 1];
  if (last) marks.set(PageMarks.key(search, pageNumber), last.ID, total, reuse ? previous.at : now);
  return { rows, total };
}
