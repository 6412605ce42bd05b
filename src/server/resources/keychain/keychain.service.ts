import type { Database } from '../../db/client.js';
import { findVerification, markVerified } from './keychain.repository.js';
import { tokenHash } from '../../domain/secrets.js';

/**
 * Where emailed verification links point: outside the compatible API's prefix, so that no
 * vendor path can ever reach (or be confused with) it.
 */
export const VERIFY_PATH = '/keychain/verify';

export type VerifyOutcome = 'verified' | 'already-verified' | 'expired' | 'unknown';

/** What a verification link does. Verifying twice is harmless: the second time says so. */
export class KeychainService {
  constructor(private readonly db: Database) {}

  /** Looks a link up without using it (the page a person lands on). */
  async inspect(token: string): Promise<VerifyOutcome | 'ready'> {
    const v = await findVerification(this.db, tokenHash(token));
    if (!v) return 'unknown';
    if (v.keychain_verified || v.used) return 'already-verified';
    return v.expired ? 'expired' : 'ready';
  }

  async verify(token: string): Promise<VerifyOutcome> {
    return this.db.transaction(async (tx) => {
      const v = await findVerification(tx, tokenHash(token), true);
      if (!v) return 'unknown';
      if (v.keychain_verified || v.used) return 'already-verified';
      if (v.expired) return 'expired';
      await markVerified(tx, v, `keychain-link:${v.id}`);
      return 'verified';
    });
  }
}
