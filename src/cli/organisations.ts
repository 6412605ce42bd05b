import { Option, type Command } from 'commander';
import type { Queryable } from '../server/db/client.js';
import { insertOrganisation, listOrganisations, updateOrganisation } from '../server/db/organisations.repository.js';
import { CliError, parseId, parseName, parseOnOff } from './args.js';
import { withDatabase } from './db.js';
import { examples, onOff, print, printJson, table } from './output.js';
import { requireCustomer } from './tokens.js';

type OrganisationRow = Awaited<ReturnType<typeof listOrganisations>>[number];

const keychainOption = () => new Option('--keychain <on|off>', 'Keychain creation for new users: they join a Keychain by email instead of getting a username and password').argParser(parseOnOff);
const suppressOption = () => new Option('--suppress-email <on|off>', 'suppress the verification email sent when a user joins a Keychain').argParser(parseOnOff);

/*
 * The operator works across customers, so an organisation is found by its ID alone; the
 * repository's lookup is scoped to one customer. A list scan is fine at operator scale.
 */
export async function requireOrganisation(db: Queryable, organisationId: number): Promise<OrganisationRow> {
  const found = (await listOrganisations(db)).find((o) => o.id === organisationId);
  if (!found) throw new CliError(`no organisation with ID ${organisationId} (see: learnfile organisation list)`);
  return found;
}

const json = (o: OrganisationRow) => ({
  id: o.id, customerId: o.customer_id, name: o.name,
  keychainCreation: o.keychain_creation_active, keychainEmailSuppression: o.keychain_email_suppression,
});

const describe = (o: OrganisationRow) =>
  `${o.name} (customer ${o.customer_id}; Keychain creation ${onOff(o.keychain_creation_active)}, email suppression ${onOff(o.keychain_email_suppression)})`;

export function registerOrganisations(program: Command): void {
  const organisation = program.command('organisation')
    .alias('org')
    .description('Create, update and list organisations (centres) and their Keychain settings')
    .addHelpText('after', examples('learnfile organisation create 3 "Northgate College" --keychain on', 'learnfile organisation list --customer 3'));

  organisation.command('create')
    .description('Create an organisation for a customer (Keychain creation and email suppression default to off)')
    .argument('<customerId>', 'the customer\'s ID', parseId)
    .argument('<name>', 'the organisation\'s name', parseName)
    .addOption(keychainOption())
    .addOption(suppressOption())
    .addHelpText('after', examples('learnfile organisation create 3 "Northgate College"', 'learnfile organisation create 3 "Riverside Centre" --keychain on --suppress-email off'))
    .action(async (customerId: number, name: string, opts: { keychain?: boolean; suppressEmail?: boolean }, cmd: Command) =>
      withDatabase(cmd, async (db) => {
        await requireCustomer(db, customerId);
        const id = await insertOrganisation(db, customerId, { name, keychain: opts.keychain, suppressEmail: opts.suppressEmail });
        print(`Organisation ${id} created: ${describe(await requireOrganisation(db, id))}`);
      }));

  organisation.command('update')
    .description('Rename an organisation or change its Keychain settings; options left out stay as they are')
    .argument('<organisationId>', 'the organisation\'s ID', parseId)
    .option('--name <name>', 'the new name', parseName)
    .addOption(keychainOption())
    .addOption(suppressOption())
    .addHelpText('after', examples('learnfile organisation update 4 --keychain on', 'learnfile organisation update 4 --name "Northgate College (Hull)" --suppress-email on'))
    .action(async (organisationId: number, opts: { name?: string; keychain?: boolean; suppressEmail?: boolean }, cmd: Command) => {
      if (opts.name === undefined && opts.keychain === undefined && opts.suppressEmail === undefined) {
        throw new CliError('nothing to change: give --name, --keychain or --suppress-email');
      }
      await withDatabase(cmd, async (db) => {
        // One transaction: the change, its audit record and its change event stand or fall together.
        if (!(await db.transaction((tx) => updateOrganisation(tx, organisationId, opts, 'operator:cli')))) {
          throw new CliError(`no organisation with ID ${organisationId} (see: learnfile organisation list)`);
        }
        print(`Organisation ${organisationId} updated: ${describe(await requireOrganisation(db, organisationId))}`);
      });
    });

  organisation.command('list')
    .description('List organisations with their Keychain settings')
    .option('--customer <customerId>', 'only this customer\'s organisations', parseId)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', examples('learnfile organisation list', 'learnfile organisation list --customer 3 --json'))
    .action(async (opts: { customer?: number; json?: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      if (opts.customer !== undefined) await requireCustomer(db, opts.customer);
      const rows = await listOrganisations(db, opts.customer);
      if (opts.json) {
        printJson(rows.map(json));
      } else if (rows.length === 0) {
        print('No organisations yet. Create one with: learnfile organisation create <customerId> <name>');
      } else {
        print(table(['ID', 'Customer', 'Name', 'Keychain creation', 'Email suppression'],
          rows.map((o) => [o.id, o.customer_id, o.name, onOff(o.keychain_creation_active), onOff(o.keychain_email_suppression)])));
      }
    }));
}
