import type { Command } from 'commander';
import { insertApiToken, insertCustomer, listCustomers } from '../server/resources/organisations/organisations.repository.js';
import { newToken, tokenHash } from '../server/domain/secrets.js';
import { parseName } from './args.js';
import { withDatabase } from './db.js';
import { examples, print, printJson, table, when } from './output.js';

export function registerCustomers(program: Command): void {
  const customer = program.command('customer')
    .description('Create and list customers (tenants: each has its own API tokens and organisations)')
    .addHelpText('after', examples('learnfile customer create "Northgate Training Ltd"', 'learnfile customer list'));

  customer.command('create')
    .description('Create a customer and, unless --no-token, an API token for it (shown once)')
    .argument('<name>', 'the customer\'s name', parseName)
    .option('--no-token', 'create the customer without an API token (make one later with `learnfile token create`)')
    .addHelpText('after', examples('learnfile customer create "Northgate Training Ltd"', 'learnfile customer create "Acme" --no-token'))
    .action(async (name: string, opts: { token: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      const token = newToken();
      const created = await db.transaction(async (tx) => {
        const customerId = await insertCustomer(tx, name);
        const tokenId = opts.token ? await insertApiToken(tx, customerId, tokenHash(token), 'initial') : undefined;
        return { customerId, tokenId };
      });
      print(`Customer ${created.customerId} created: ${name}`);
      if (created.tokenId === undefined) return;
      print(`API token ${created.tokenId}: ${token}`);
      print('Store it now; it cannot be shown again (only its hash is kept). Send it as the X-CustomerToken header to POST /api/v2.1/Authentication.');
    }));

  customer.command('list')
    .description('List customers with their live token and organisation counts')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile customer list', 'learnfile customer list --json'))
    .action(async (opts: { json?: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      const rows = await listCustomers(db);
      if (opts.json) {
        printJson(rows.map((c) => ({ id: c.id, name: c.name, liveTokens: c.live_tokens, organisations: c.organisations, createdAt: c.created_at })));
      } else if (rows.length === 0) {
        print('No customers yet. Create one with: learnfile customer create <name>');
      } else {
        print(table(['ID', 'Name', 'Live tokens', 'Organisations', 'Created'],
          rows.map((c) => [c.id, c.name, c.live_tokens, c.organisations, when(c.created_at)])));
      }
    }));
}
