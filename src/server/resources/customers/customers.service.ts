import type { Database } from '../../db/client.js';
import { AppError } from '../../domain/app-error.js';
import { newToken, tokenHash } from '../../domain/secrets.js';
import type { Actor } from '../authentication/auth.service.js';
import * as repo from './customers.repository.js';

/**
 * Customers (tenants) and their API tokens. A customer's session reads its own customer;
 * the operator creates customers and issues and revokes their tokens.
 */
export class CustomersService {
  constructor(
    private readonly db: Database,
    /** Told after a revocation commits, so this process stops its sessions without waiting for the database's announcement. */
    private readonly tokenRevoked: (tokenId: number) => void = () => {},
  ) {}

  async current(actor: Actor): Promise<{ ID: number; Name: string }> {
    const customer = await repo.findCustomer(this.db, actor.customerId);
    if (!customer) throw AppError.notFound();
    return customer;
  }

  // ---- operator ----

  async require(customerId: number): Promise<{ ID: number; Name: string }> {
    const found = await repo.findCustomer(this.db, customerId);
    if (!found) throw AppError.notFound(`No customer with ID ${customerId} (see: learnfile customer list).`);
    return found;
  }

  /** Creates a customer and, when asked, its first API token; the token is answered this once. */
  async create(name: string, withToken: boolean): Promise<{ customerId: number; tokenId?: number; token?: string }> {
    const token = newToken();
    return this.db.transaction(async (tx) => {
      const customerId = await repo.insertCustomer(tx, name);
      if (!withToken) return { customerId };
      const tokenId = await repo.insertApiToken(tx, customerId, tokenHash(token), 'initial');
      return { customerId, tokenId, token };
    });
  }

  async list() {
    const rows = await repo.listCustomers(this.db);
    return rows.map((c) => ({ id: c.id, name: c.name, liveTokens: c.live_tokens, organisations: c.organisations, createdAt: c.created_at }));
  }

  async createToken(customerId: number, label: string | null): Promise<{ tokenId: number; token: string; customerName: string }> {
    const customer = await this.require(customerId);
    const token = newToken();
    const tokenId = await repo.insertApiToken(this.db, customerId, tokenHash(token), label);
    return { tokenId, token, customerName: customer.Name };
  }

  /**
   * Revoking ends every session opened with the token at once: the database announces it to
   * every API process's session cache (migration 0030), and this process drops them now.
   */
  async revokeToken(tokenId: number): Promise<void> {
    if (!(await repo.revokeApiToken(this.db, tokenId))) {
      throw AppError.notFound(`No live token with ID ${tokenId} (it does not exist or is already revoked).`);
    }
    this.tokenRevoked(tokenId);
  }

  async listTokens(customerId: number) {
    await this.require(customerId);
    const rows = await repo.listApiTokens(this.db, customerId);
    return rows.map((t) => ({ id: t.id, label: t.label, createdAt: t.created_at, revokedAt: t.revoked_at }));
  }
}
