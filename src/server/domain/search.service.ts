import type { Queryable } from '../db/client.js';
import { batches, page, type Listing, type PageMarks, type ReadAhead } from '../db/search.js';
import { AppError } from './app-error.js';

export interface Paging {
  page: number;
  size: number;
}

export type SearchAnswer<T> = { kind: 'page'; rows: T[]; total: number; exact: boolean } | { kind: 'all'; batches: AsyncGenerator<T[]> };

/** Runs a listing either as one page or as a stream of every match, by the rules of spec section 4. */
export class Searcher {
  constructor(
    private readonly db: Queryable,
    private readonly marks: PageMarks,
    private readonly maxPageSize: number,
    /** Up to this many matches a page's X-Total-Count is counted exactly; above, it is an estimate. */
    private readonly exactCountLimit = 10_000,
    private readonly readAhead?: ReadAhead,
  ) {}

  run<T extends { ID: number | string }>(listing: Listing, paging: Paging | undefined): Promise<SearchAnswer<T>> | SearchAnswer<T> {
    if (!paging) return { kind: 'all', batches: batches<T>(this.db, listing) };
    if (paging.page < 1 || paging.size < 1 || paging.size > this.maxPageSize) {
      throw new AppError('INVALID_PAGE', `pageNumber must be 1 or more and pageSize from 1 to ${this.maxPageSize}.`);
    }
    return page<T>(this.db, listing, paging.page, paging.size, this.marks, this.exactCountLimit, this.readAhead).then((p) => ({ kind: 'page' as const, ...p }));
  }
}
