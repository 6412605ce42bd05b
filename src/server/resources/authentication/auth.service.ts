import type { Database } from '../../db/client.js';
import * as repo from './auth.repository.js';
import { AppError } from '../../domain/app-error.js';
import { newToken, sameHash, tokenHash } from '../../domain/secrets.js';
import type { AuthFailureLimiter, RateLimiter } from '../../domain/rate-limiter.js';
import type { SessionCache } from './session-cache.js';

/** Who is calling: the customer, and the session and API token they called with (for the audit trail). */
export interface Actor {
  customerId: number;
  sessionId: number;
  apiTokenId: number;
}

export const actorLabel = (a: Actor): string => `session:${a.sessionId} token:${a.apiTokenId}`;

export interface AuthSettings {
  sessionHours: number;
  /** The time sessions are issued and expire by (tests move it instead of waiting). */
  clock: () => Date;
}

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly limiter: RateLimiter,
    private readonly failures: AuthFailureLimiter,
    private readonly settings: AuthSettings,
    /** Sessions this process has recently seen; consulted before the database. */
    readonly sessions: SessionCache,
  ) {}

  /** Exchanges a customer token for a new session token; older sessions stay live. */
  async authenticate(customerToken: string | undefined, address: string): Promise<string> {
    this.failures.check(address);
    if (!customerToken) throw this.failed(address, 'X-CustomerToken is missing.');
    const tokenDigest = tokenHash(customerToken.trim());
    // Clients often authenticate and call at once, so the new session goes straight into the
    // cache, unless a revocation was announced since the token was found live.
    const generation = this.sessions.begin();
    const token = await repo.findLiveApiToken(this.db, tokenDigest);
    if (!token || !sameHash(token.token_hash, tokenDigest)) throw this.failed(address, 'The customer token is not recognised.');
    await this.limiter.hit(token.customer_id);
    const session = newToken();
    const hash = tokenHash(session);
    const now = this.settings.clock();
    const expiresAt = new Date(now.getTime() + this.settings.sessionHours * 3_600_000);
    const { id } = await repo.insertSession(this.db, token.customer_id, token.id, hash, now, expiresAt);
    this.sessions.store(cacheKey(hash), { id, customerId: token.customer_id, apiTokenId: token.id, expiresAt: expiresAt.getTime() }, generation);
    await repo.pruneExpired(this.db, token.customer_id, now);
    return session;
  }

  /** The caller behind a session token, counting the call against the customer's rate limit. */
  async resolve(sessionToken: string | undefined, address: string): Promise<Actor> {
    this.failures.check(address);
    // Some clients paste the token with the JSON quotes of an old answer still on it.
    const raw = sessionToken?.trim().replace(/^"(.*)"$/, '$1');
    if (!raw) throw this.failed(address, 'X-TokenID is missing.');
    const hash = tokenHash(raw);
    const key = cacheKey(hash);
    const now = this.settings.clock();
    const session = this.sessions.get(key, now.getTime()) ?? (await this.lookup(hash, key, now));
    if (!session) throw this.failed(address, 'The session token is unknown or has expired.');
    await this.limiter.hit(session.customerId);
    return { customerId: session.customerId, sessionId: session.id, apiTokenId: session.apiTokenId };
  }

  private async lookup(hash: Buffer, key: string, now: Date) {
    const generation = this.sessions.begin();
    const row = await repo.findLiveSession(this.db, hash, now);
    if (!row || !sameHash(row.token_hash, hash)) return undefined;
    const session = { id: Number(row.id), customerId: row.customer_id, apiTokenId: row.api_token_id, expiresAt: row.expires_at.getTime() };
    this.sessions.store(key, session, generation);
    return session;
  }

  private failed(address: string, message: string): AppError {
    this.failures.failed(address);
    return new AppError('UNAUTHORISED', message);
  }
}

/** The cache is keyed by the token's SHA-256 (never the token itself). */
const cacheKey = (hash: Buffer): string => hash.toString('base64url');
