import type { Command } from 'commander';
import { parseName } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, table, when } from './output.js';

export function registerCustomers(program: Command): void {
  const customer = program
    .command('customer')
    .description('Create and list customers (tenants: each has its own API tokens and organisations)')
    .addHelpText('after', examples('learnfile customer create "Northgate Training Ltd"', 'learnfile customer list'));

  customer
    .command('create')
    .description('Create a customer and, unless --no-token, an API token for it (shown once)')
    .argument('<name>', "the customer's name", parseName)
    .option('--no-token', 'create the customer without an API token (make one later with `learnfile token create`)')
    .addHelpText('after', examples('learnfile customer create "Northgate Training Ltd"', 'learnfile customer create "Acme" --no-token'))
    .action(async (name: string, opts: { token: boolean }, cmd: Command) => {
      const created = await operate(cmd, 'customer.create', { name, withToken: opts.token });
      print(`Customer ${created.customerId} created: ${name}`);
      if (created.tokenId === undefined) return;
      print(`API token ${created.tokenId}: ${created.token}`);
      print('Store it now; it cannot be shown again (only its hash is kept). Send it as the X-CustomerToken header to POST /api/v2.1/Authentication.');
    });

  customer
    .command('list')
    .description('List customers with their live token and organisation counts')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile customer list', 'learnfile customer list --json'))
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'customer.list', {});
      if (opts.json) {
        printJson(rows);
      } else if (rows.length === 0) {
        print('No customers yet. Create one with: learnfile customer create <name>');
      } else {
        print(
          table(
            ['ID', 'Name', 'Live tokens', 'Organisations', 'Created'],
            rows.map((c) => [c.id, c.name, c.liveTokens, c.organisations, when(c.createdAt)]),
          ),
        );
      }
    });
}
