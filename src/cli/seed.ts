import type { Command } from 'commander';
import { operate } from './operate.js';
import { examples, onOff, print, table } from './output.js';

export function registerSeed(program: Command): void {
  const seed = program.command('seed').description('Load sample data').addHelpText('after', examples('learnfile seed demo'));

  seed
    .command('demo')
    .description('Load the demo customer: two organisations (Keychain creation off and on) with classes, placements, staff, learners and learner statuses')
    .option('--force', 'replace an existing demo customer, deleting everything it holds')
    .addHelpText('after', examples('learnfile seed demo', 'learnfile seed demo --force'))
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const loaded = await operate(cmd, 'demo.seed', { force: opts.force ?? false });
      if (loaded.replaced.length > 0) print(`Deleted the previous demo customer ${loaded.replaced.join(', ')} and everything it held.`);
      print(`Demo customer ${loaded.customerId} loaded: ${loaded.customerName}`);
      print(
        table(
          ['Organisation', 'Name', 'Keychain creation'],
          loaded.organisations.map((o) => [o.id, o.name, onOff(o.keychainCreation)]),
        ),
      );
      print(`Demo token (public, for trying things out): ${loaded.token}`);
    });
}
