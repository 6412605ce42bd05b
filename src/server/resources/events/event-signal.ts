import type { Database } from '../../db/client.js';
import { EVENTS_CHANNEL } from './events.repository.js';

type Listener = (customerId: number | undefined) => void;

/**
 * Tells this process when a transaction with change events has committed, in this process
 * or another one on the same database: the event insert NOTIFYs with the customer's ID, and
 * PostgreSQL (and PGlite) deliver a NOTIFY only on COMMIT. `undefined` means "maybe any
 * customer" (after a lost connection to the database is re-established).
 */
export class EventSignal {
  private readonly listeners = new Set<Listener>();
  private stopListening: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(private readonly db: Database) {}

  async start(): Promise<void> {
    this.closed = false;
    this.stopListening ??= await this.db.listen(EVENTS_CHANNEL, (payload) => {
      const id = payload === undefined ? undefined : Number(payload);
      this.fire(Number.isInteger(id) ? id : undefined);
    });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Resolves when the customer may have new events, or after ms, or when the signal closes.
   * Register before reading, so a commit between the read and the wait is not missed.
   */
  waiter(customerId: number, ms: number): { promise: Promise<void>; cancel(): void } {
    let cancel = () => {};
    if (this.closed) return { promise: Promise.resolve(), cancel };
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const off = this.on((id) => {
        if (id === undefined || id === customerId) done();
      });
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
      cancel = done;
    });
    return { promise, cancel };
  }

  private fire(customerId: number | undefined): void {
    for (const listener of [...this.listeners]) listener(customerId);
  }

  /** Stops listening and releases every waiter. */
  async close(): Promise<void> {
    this.closed = true;
    const stop = this.stopListening;
    this.stopListening = undefined;
    await stop?.();
    this.fire(undefined);
  }
}
