import type { Database } from '../../db/client.js';
import * as repo from './auth.repository.js';
import { AppError } from '../../domain/app-error.js';
import { newToken, sameHash, tokenHash } from '../../domain/secrets.js';
import type { AuthFailureLimiter, RateLimiter } from '../../domain/rate-limiter.js';

/** Who is calling: the customer, and the session and API token they called with (for the audit trail). */
export interface Actor {
  customerId: number;
  sessionId: number;
  apiTokenId: number;
}

export const actorLabel = (a: Actor): string => `session:${a.sessionId} token:${a.apiTokenId}`;

export interface AuthSettings { sessionHours: number }

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly limiter: RateLimiter,
    private readonly failures: AuthFailureLimiter,
    private readonly settings: AuthSettings,
  ) {}

  /** Exchanges a customer token for a new session token; older sessions stay live. */
  async authenticate(customerToken: string | undefined, address: string): Promise<string> {
    this.failures.check(address);
    if (!customerToken) throw this.failed(address, 'X-CustomerToken is missing.');
    const hash = tokenHash(customerToken.trim());
    const token = await repo.findLiveApiToken(this.db, hash);
    if (!token || !sameHash(token.token_hash, hash)) throw this.failed(address, 'The customer token is not recognised.');
    await this.limiter.hit(token.customer_id);
    const session = newToken();
    await repo.insertSession(this.db, token.customer_id, token.id, tokenHash(session), this.settings.sessionHours);
    await repo.pruneExpired(this.db, token.customer_id);
    return session;
  }

  /** The caller behind a session token, counting the call against the customer's rate limit. */
  async resolve(sessionToken: string | undefined, address: string): Promise<Actor> {
    this.failures.check(address);
    // Some clients paste the token with the JSON quotes of an old answer still on it.
    const raw = sessionToken?.trim().replace(/^"(.*)"$/, '$1');
    if (!raw) throw this.failed(address, 'X-TokenID is missing.');
    const hash = tokenHash(raw);
    const row = await repo.findLiveSession(this.db, hash);
    if (!row || !sameHash(row.token_hash, hash)) throw this.failed(address, 'The session token is unknown or has expired.');
    await this.limiter.hit(row.customer_id);
    return { customerId: row.customer_id, sessionId: row.id, apiTokenId: row.api_token_id };
  }

  private failed(address: string, message: string): AppError {
    this.failures.failed(address);
    return new AppError('UNAUTHORISED', message);
  }
}
