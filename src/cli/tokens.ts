import type { Command } from 'commander';
import { parseId } from './args.js';
import { operate } from './operate.js';
import { examples, note, print, printJson, table, when } from './output.js';

export function registerTokens(program: Command): void {
  const token = program
    .command('token')
    .description('Create, revoke and list customer API tokens')
    .addHelpText('after', examples('learnfile token create 3 --label "MIS sync"', 'learnfile token list 3', 'learnfile token revoke 7'));

  token
    .command('create')
    .description('Create an API token for a customer; only the token goes to stdout, so scripts can capture it')
    .argument('<customerId>', "the customer's ID", parseId)
    .option('--label <label>', 'a note saying who or what uses the token')
    .addHelpText('after', examples('learnfile token create 3 --label "MIS sync"', 'TOKEN=$(learnfile token create 3)'))
    .action(async (customerId: number, opts: { label?: string }, cmd: Command) => {
      const created = await operate(cmd, 'token.create', { customerId, ...(opts.label === undefined ? {} : { label: opts.label }) });
      print(created.token);
      note(`Token ${created.tokenId} created for customer ${customerId} (${created.customerName}). Store it now; it cannot be shown again.`);
    });

  token
    .command('revoke')
    .description('Revoke an API token; sessions opened with it stop working at once')
    .argument('<tokenId>', "the token's ID (see: learnfile token list <customerId>)", parseId)
    .addHelpText('after', examples('learnfile token revoke 7'))
    .action(async (tokenId: number, _opts: object, cmd: Command) => {
      await operate(cmd, 'token.revoke', { tokenId });
      print(`Token ${tokenId} revoked.`);
    });

  token
    .command('list')
    .description("List a customer's API tokens (IDs, labels and dates; token values are never stored)")
    .argument('<customerId>', "the customer's ID", parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile token list 3'))
    .action(async (customerId: number, opts: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'token.list', { customerId });
      if (opts.json) {
        printJson(rows);
      } else if (rows.length === 0) {
        print(`Customer ${customerId} has no API tokens. Create one with: learnfile token create ${customerId}`);
      } else {
        print(
          table(
            ['ID', 'Label', 'Created', 'Revoked'],
            rows.map((t) => [t.id, t.label ?? '', when(t.createdAt), t.revokedAt ? when(t.revokedAt) : '-']),
          ),
        );
      }
    });
}
