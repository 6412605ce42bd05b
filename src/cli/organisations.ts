import { Option, type Command } from 'commander';
import type { OperationResult } from '../server/resources/admin/admin.operations.js';
import { CliError, parseId, parseName, parseOnOff } from './args.js';
import { operate } from './operate.js';
import { examples, onOff, print, printJson, table } from './output.js';

type OrganisationRow = OperationResult<'organisation.list'>[number];

const keychainOption = () =>
  new Option('--keychain <on|off>', 'Keychain creation for new users: they join a Keychain by email instead of getting a username and password').argParser(
    parseOnOff,
  );
const suppressOption = () => new Option('--suppress-email <on|off>', 'suppress the verification email sent when a user joins a Keychain').argParser(parseOnOff);

const describe = (o: OrganisationRow) =>
  `${o.name} (customer ${o.customerId}; Keychain creation ${onOff(o.keychainCreation)}, email suppression ${onOff(o.keychainEmailSuppression)})`;

export function registerOrganisations(program: Command): void {
  const organisation = program
    .command('organisation')
    .alias('org')
    .description('Create, update and list organisations (centres) and their Keychain settings')
    .addHelpText('after', examples('learnfile organisation create 3 "Northgate College" --keychain on', 'learnfile organisation list --customer 3'));

  organisation
    .command('create')
    .description('Create an organisation for a customer (Keychain creation and email suppression default to off)')
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<name>', "the organisation's name", parseName)
    .addOption(keychainOption())
    .addOption(suppressOption())
    .addHelpText(
      'after',
      examples('learnfile organisation create 3 "Northgate College"', 'learnfile organisation create 3 "Riverside Centre" --keychain on --suppress-email off'),
    )
    .action(async (customerId: number, name: string, opts: { keychain?: boolean; suppressEmail?: boolean }, cmd: Command) => {
      const created = await operate(cmd, 'organisation.create', { customerId, name, ...settings(opts) });
      print(`Organisation ${created.id} created: ${describe(created)}`);
    });

  organisation
    .command('update')
    .description('Rename an organisation or change its Keychain settings; options left out stay as they are')
    .argument('<organisationId>', "the organisation's ID", parseId)
    .option('--name <name>', 'the new name', parseName)
    .addOption(keychainOption())
    .addOption(suppressOption())
    .addHelpText(
      'after',
      examples('learnfile organisation update 4 --keychain on', 'learnfile organisation update 4 --name "Northgate College (Hull)" --suppress-email on'),
    )
    .action(async (organisationId: number, opts: { name?: string; keychain?: boolean; suppressEmail?: boolean }, cmd: Command) => {
      if (opts.name === undefined && opts.keychain === undefined && opts.suppressEmail === undefined) {
        throw new CliError('nothing to change: give --name, --keychain or --suppress-email');
      }
      const updated = await operate(cmd, 'organisation.update', { organisationId, ...settings(opts), actor: 'operator:cli' });
      print(`Organisation ${organisationId} updated: ${describe(updated)}`);
    });

  organisation
    .command('list')
    .description('List organisations with their Keychain settings')
    .option('--customer <customerId>', "only this customer's organisations", parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile organisation list', 'learnfile organisation list --customer 3 --json'))
    .action(async (opts: { customer?: number; json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'organisation.list', opts.customer === undefined ? {} : { customerId: opts.customer });
      if (opts.json) {
        printJson(rows);
      } else if (rows.length === 0) {
        print('No organisations yet. Create one with: learnfile organisation create <customerId> <name>');
      } else {
        print(
          table(
            ['ID', 'Customer', 'Name', 'Keychain creation', 'Email suppression'],
            rows.map((o) => [o.id, o.customerId, o.name, onOff(o.keychainCreation), onOff(o.keychainEmailSuppression)]),
          ),
        );
      }
    });
}

/** Only the settings given: an option left out leaves the setting as it is. */
function settings(opts: { name?: string; keychain?: boolean; suppressEmail?: boolean }) {
  return {
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.keychain === undefined ? {} : { keychain: opts.keychain }),
    ...(opts.suppressEmail === undefined ? {} : { suppressEmail: opts.suppressEmail }),
  };
}
