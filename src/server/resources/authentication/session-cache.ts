import { EventEmitter } from 'node:events';
import type { Database } from '../../db/client.js';
import { SESSIONS_CHANNEL } from './auth.repository.js';

/** What a request needs of a live session, and when it ends (ms since the epoch). */
export interface CachedSession {
  id: number;
  customerId: number;
  apiTokenId: number;
  expiresAt: number;
}

/**
 * Recently used sessions of this process, so that a call is authenticated without a database
 * round trip. Safe only while this process hears every early end of a session: the database
 * announces them on `learnfile_sessions` (migration 0030, triggers), and the cache serves and
 * stores entries only while it is subscribed. When the listening connection is lost the cache
 * empties and every lookup goes to the database until the subscription is back.
 *
 * A lookup that started before an announcement must not store what it read (the read may
 * predate the revocation): every announcement, loss and re-subscription moves `generation`,
 * and a store carries the generation its lookup started in.
 *
 * Bounded: at most `capacity` entries, least recently used dropped first; and an entry is
 * re-read from the database after `maxAgeMs` whatever happens, a last line of defence should
 * an announcement ever go astray.
 *
 * Events (for tests and logs): `message` (an announcement was applied), `lost`, `subscribed`.
 */
export class SessionCache extends EventEmitter {
  private readonly entries = new Map<string, CachedSession & { storedAt: number }>();
  private generation = 0;
  private subscribed = false;
  private stop: (() => Promise<void>) | undefined;

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs = 60_000,
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    super();
  }

  get size(): number {
    return this.entries.size;
  }

  /** True while announcements are heard (only then are entries served or stored). */
  get active(): boolean {
    return this.subscribed && this.capacity > 0;
  }

  /** Subscribes to the announcements; until this resolves the cache stays empty and unused. */
  async start(db: Database): Promise<void> {
    if (this.stop || this.capacity === 0) return;
    this.stop = await db.listen(
      SESSIONS_CHANNEL,
      (payload) => {
        if (payload === undefined) this.resubscribed();
        else this.apply(payload);
      },
      () => this.lost(),
    );
    this.resubscribed();
  }

  async close(): Promise<void> {
    const stop = this.stop;
    this.stop = undefined;
    this.subscribed = false;
    this.forget();
    await stop?.();
  }

  /** A cached session for this token hash, if live at `now` (ms). */
  get(key: string, now: number): CachedSession | undefined {
    if (!this.active) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now || this.monotonic() - entry.storedAt > this.maxAgeMs) return undefined;
    this.entries.set(key, entry);
    return entry;
  }

  /** Call before reading a session from the database; pass the answer to `store`. */
  begin(): number {
    return this.generation;
  }

  /** Keeps a session read from the database, unless something was announced since its read began. */
  store(key: string, session: CachedSession, generation: number): void {
    if (!this.active || generation !== this.generation) return;
    this.entries.delete(key);
    this.entries.set(key, { ...session, storedAt: this.monotonic() });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Ends a token's sessions in this process at once (the announcement follows for the others). */
  dropToken(apiTokenId: number): void {
    this.generation++;
    for (const [key, s] of this.entries) if (s.apiTokenId === apiTokenId) this.entries.delete(key);
  }

  /** Everything this process remembers goes (tests that empty the tables between cases). */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  private apply(payload: string): void {
    const [kind, raw] = payload.split(':');
    const id = Number(raw);
    if (kind === 'token' && Number.isInteger(id)) this.dropToken(id);
    else if (kind === 'session' && Number.isInteger(id)) {
      this.generation++;
      for (const [key, s] of this.entries) if (s.id === id) this.entries.delete(key);
    } else this.forget();
    this.emit('message', payload);
  }

  private lost(): void {
    this.subscribed = false;
    this.forget();
    this.emit('lost');
  }

  private resubscribed(): void {
    // Anything announced while deaf is unknown: start from nothing.
    this.forget();
    this.subscribed = true;
    this.emit('subscribed');
  }
}
