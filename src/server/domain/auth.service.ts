import type { Database } from '../db/client.js';
import * as repo from '../db/auth.repository.js';
import { AppError } from './app-error.js';
import { newToken, sameHash, tokenHash } from './secrets.js';

/** Who is calling: the customer, and the session and API token they called with (for the audit trail). */
export interface Actor {
  customerId: number;
  sessionId: number;
  apiTokenId: number;
}

export const actorLabel = (a: Actor): string => `session:${a.sessionId} token:${a.apiTokenId}`;

export interface AuthSettings { sessionHours: number; ratePerMinute: number }

export class AuthService {
  constructor(private readonly db: Database, private readonly settings: AuthSettings) {}

  /** Exchanges a customer token for a new session token; older sessions stay live. */
  async authenticate(customerToken: string | undefined): Promise<string> {
    if (!customerToken) throw new AppError('UNAUTHORISED', 'X-CustomerToken is missing.');
    const hash = tokenHash(customerToken.trim());
    const token = await repo.findLiveApiToken(this.db, hash);
    if (!token || !sameHash(token.token_hash, hash)) throw new AppError('UNAUTHORISED', 'The customer token is not recognised.');
    this.enforceLimit(await repo.countCall(this.db, token.customer_id));
    const session = newToken();
    await repo.insertSession(this.db, token.customer_id, token.id, tokenHash(session), this.settings.sessionHours);
    await repo.pruneExpired(this.db, token.customer_id);
    return session;
  }

  /** The caller behind a session token, counting the call against the customer's rate limit. */
  async resolve(sessionToken: string | undefined): Promise<Actor> {
    // Some clients paste the token with the JSON quotes of an old answer still on it.
    const raw = sessionToken?.trim().replace(/^"(.*)"$/, '$1');
    if (!raw) throw new AppError('UNAUTHORISED', 'X-TokenID is missing.');
    const hash = tokenHash(raw);
    const row = await repo.resolveSessionAndCount(this.db, hash);
    if (!row || !sameHash(row.token_hash, hash)) throw new AppError('UNAUTHORISED', 'The session token is unknown or has expired.');
    this.enforceLimit(row);
    return { customerId: row.customer_id, sessionId: row.id, apiTokenId: row.api_token_id };
  }

  private enforceLimit(window: { calls: number; window_start: Date }): void {
    if (window.calls <= this.settings.ratePerMinute) return;
    const retryAfter = Math.max(1, Math.ceil((window.window_start.getTime() + 60_000 - Date.now()) / 1000));
    throw new RateLimited(retryAfter);
  }
}

export class RateLimited extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `More than the allowed calls this minute; retry in ${retryAfterSeconds} s.`, [], { 'Retry-After': String(retryAfterSeconds) });
  }
}
