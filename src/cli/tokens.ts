import type { Command } from 'commander';
import type { Queryable } from '../server/db/client.js';
import { findCustomer, insertApiToken, listApiTokens, revokeApiToken } from '../server/resources/organisations/organisations.repository.js';
import { newToken, tokenHash } from '../server/domain/secrets.js';
import { CliError, parseId } from './args.js';
import { withDatabase } from './db.js';
import { examples, note, print, printJson, table, when } from './output.js';

export async function requireCustomer(db: Queryable, customerId: number): Promise<{ ID: number; Name: string }> {
  const found = await findCustomer(db, customerId);
  if (!found) throw new CliError(`no customer with ID ${customerId} (see: learnfile customer list)`);
  return found;
}

export function registerTokens(program: Command): void {
  const token = program.command('token')
    .description('Create, revoke and list customer API tokens')
    .addHelpText('after', examples('learnfile token create 3 --label "MIS sync"', 'learnfile token list 3', 'learnfile token revoke 7'));

  token.command('create')
    .description('Create an API token for a customer; only the token goes to stdout, so scripts can capture it')
    .argument('<customerId>', 'the customer\'s ID', parseId)
    .option('--label <label>', 'a note saying who or what uses the token')
    .addHelpText('after', examples('learnfile token create 3 --label "MIS sync"', 'TOKEN=$(learnfile token create 3)'))
    .action(async (customerId: number, opts: { label?: string }, cmd: Command) => withDatabase(cmd, async (db) => {
      const customer = await requireCustomer(db, customerId);
      const value = newToken();
      const tokenId = await insertApiToken(db, customerId, tokenHash(value), opts.label ?? null);
      print(value);
      note(`Token ${tokenId} created for customer ${customerId} (${customer.Name}). Store it now; it cannot be shown again.`);
    }));

  token.command('revoke')
    .description('Revoke an API token; sessions opened with it stop working at once')
    .argument('<tokenId>', 'the token\'s ID (see: learnfile token list <customerId>)', parseId)
    .addHelpText('after', examples('learnfile token revoke 7'))
    .action(async (tokenId: number, _opts: object, cmd: Command) => withDatabase(cmd, async (db) => {
      if (!(await revokeApiToken(db, tokenId))) throw new CliError(`no live token with ID ${tokenId} (it does not exist or is already revoked)`);
      print(`Token ${tokenId} revoked.`);
    }));

  token.command('list')
    .description('List a customer\'s API tokens (IDs, labels and dates; token values are never stored)')
    .argument('<customerId>', 'the customer\'s ID', parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile token list 3'))
    .action(async (customerId: number, opts: { json?: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      await requireCustomer(db, customerId);
      const rows = await listApiTokens(db, customerId);
      if (opts.json) {
        printJson(rows.map((t) => ({ id: t.id, label: t.label, createdAt: t.created_at, revokedAt: t.revoked_at })));
      } else if (rows.length === 0) {
        print(`Customer ${customerId} has no API tokens. Create one with: learnfile token create ${customerId}`);
      } else {
        print(table(['ID', 'Label', 'Created', 'Revoked'],
          rows.map((t) => [t.id, t.label ?? '', when(t.created_at), t.revoked_at ? when(t.revoked_at) : '-'])));
      }
    }));
}
