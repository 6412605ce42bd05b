import type { Command } from 'commander';
import { deleteCustomers, demoCustomers, listOrganisations } from '../server/resources/organisations/organisations.repository.js';
import { tokenHash } from '../server/domain/secrets.js';
import { CliError } from './args.js';
import { withDatabase } from './db.js';
import { examples, onOff, print, table } from './output.js';

export function registerSeed(program: Command): void {
  const seed = program.command('seed')
    .description('Load sample data')
    .addHelpText('after', examples('learnfile seed demo'));

  seed.command('demo')
    .description('Load the demo customer: two organisations (Keychain creation off and on) with classes, placements and learner statuses')
    .option('--force', 'replace an existing demo customer, deleting everything it holds')
    .addHelpText('after', examples('learnfile seed demo', 'learnfile seed demo --force'))
    .action(async (opts: { force?: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      // The demo pulls in the API's schemas; only this command needs them.
      const { DEMO_CUSTOMER, DEMO_TOKEN, demoTokenLive, seedDemo } = await import('../server/demo/demo.js');
      const existing = await demoCustomers(db, DEMO_CUSTOMER, tokenHash(DEMO_TOKEN));
      if (existing.length > 0 && !opts.force) {
        const token = (await demoTokenLive(db)) ? `; its token is ${DEMO_TOKEN}` : '';
        throw new CliError(`the demo customer is already loaded (customer ${existing.join(', ')})${token}. Use --force to replace it and everything it holds`);
      }
      if (existing.length > 0) {
        await deleteCustomers(db, existing);
        print(`Deleted the previous demo customer ${existing.join(', ')} and everything it held.`);
      }
      const { customerId } = await seedDemo(db);
      print(`Demo customer ${customerId} loaded: ${DEMO_CUSTOMER}`);
      const orgs = await listOrganisations(db, customerId);
      print(table(['Organisation', 'Name', 'Keychain creation'],
        orgs.map((o) => [o.id, o.name, onOff(o.keychain_creation_active)])));
      print(`Demo token (public, for trying things out): ${DEMO_TOKEN}`);
    }));
}
