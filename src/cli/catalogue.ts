import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CliError, parseId, parseName } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, table } from './output.js';

const ids = (value: string): number[] => value.split(',').map((v) => parseId(v.trim()));
const num = (value: string): number => {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError('Expected a number.');
  return Number(value);
};
const int = (value: string): number => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number.');
  return Number(value);
};

/** `standard`, `unit`, `template`, `learning-aim-status` and `catalogue load`: the programme catalogue of section 6. */
export function registerCatalogue(program: Command): void {
  const standard = program
    .command('standard')
    .description("Add and list the apprenticeship standards in a customer's catalogue, and which organisations offer them")
    .addHelpText(
      'after',
      examples('learnfile standard create 1 "Business Administrator" --reference ST0070 --level 3 --otj-hours 372 --offer 1,2', 'learnfile standard list 1'),
    );
  standard
    .command('create')
    .description('Add a standard')
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<title>', "the standard's title", parseName)
    .option('--reference <ref>', 'apprenticeship standard reference, e.g. ST0070', parseName)
    .option('--standard-version <v>', 'version of the standard, e.g. 1.1', parseName)
    .option('--level <n>', 'level, 1 to 8', parseId)
    .option('--otj-hours <hours>', 'minimum off-the-job training hours', num)
    .option('--offer <organisationIds>', 'comma-separated organisations that offer it', ids)
    .addHelpText('after', examples('learnfile standard create 1 "Customer Service Practitioner" --reference ST0072 --level 2 --otj-hours 278 --offer 1'))
    .action(
      async (
        customerId: number,
        title: string,
        o: { reference?: string; standardVersion?: string; level?: number; otjHours?: number; offer?: number[] },
        cmd: Command,
      ) => {
        const row = await operate(cmd, 'standard.create', {
          customerId,
          title,
          actor: 'operator:cli',
          ...(o.reference ? { reference: o.reference } : {}),
          ...(o.standardVersion ? { version: o.standardVersion } : {}),
          ...(o.level ? { level: o.level } : {}),
          ...(o.otjHours !== undefined ? { otjHours: o.otjHours } : {}),
          ...(o.offer ? { organisationIds: o.offer } : {}),
        });
        print(`Standard ${row.ID} created: ${row.Title}${row.Reference ? ` (${row.Reference})` : ''}`);
      },
    );
  standard
    .command('offer')
    .description('Offer a standard to an organisation (what GET /Organisation/{id}/AssignedStandards lists)')
    .argument('<organisationId>', "the organisation's ID", parseId)
    .argument('<standardId>', "the standard's ID", parseId)
    .action(async (organisationId: number, standardId: number, _o: object, cmd: Command) => {
      await operate(cmd, 'standard.offer', { organisationId, standardId, actor: 'operator:cli' });
      print(`Organisation ${organisationId} offers standard ${standardId}`);
    });
  standard
    .command('list')
    .description("List a customer's standards")
    .argument('<customerId>', "the customer's ID", parseId)
    .option('--json', 'print JSON instead of a table')
    .action(async (customerId: number, o: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'standard.list', { customerId });
      if (o.json) return printJson(rows);
      if (rows.length === 0)
        return print(
          `Customer ${customerId} has no standards. Add one with: learnfile standard create ${customerId} <title>, or load a file with: learnfile catalogue load ${customerId} <file>`,
        );
      print(
        table(
          ['ID', 'Reference', 'Level', 'OTJ hours', 'Units', 'Offered by', 'Title'],
          rows.map((r) => [r.ID, r.Reference ?? '', r.Level ?? '', r.OTJHours ?? '', r.Units.length, r.Organisations.join(','), r.Title]),
        ),
      );
    });

  const unit = program
    .command('unit')
    .description('Add and list units (string IDs such as KS_COMM1, unique per customer)')
    .addHelpText('after', examples('learnfile unit create 1 KS_COMM1 "Communication" --standard 3 --ndaq 603/1234/5', 'learnfile unit list 1 --standard 3'));
  unit
    .command('create')
    .description('Add a unit, or change the one with that ID, and link it to standards')
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<unitId>', "the unit's ID, e.g. KS_COMM1", parseName)
    .argument('<title>', "the unit's title", parseName)
    .option('--standard <standardIds>', 'comma-separated standards it belongs to', ids)
    .option('--ndaq <code>', 'NDAQ code', parseName)
    .option('--display <n>', 'display order', int)
    .action(async (customerId: number, id: string, title: string, o: { standard?: number[]; ndaq?: string; display?: number }, cmd: Command) => {
      const row = await operate(cmd, 'unit.create', {
        customerId,
        id,
        title,
        actor: 'operator:cli',
        ...(o.standard ? { standardIds: o.standard } : {}),
        ...(o.ndaq ? { ndaqCode: o.ndaq } : {}),
        ...(o.display !== undefined ? { display: o.display } : {}),
      });
      print(`Unit ${row.ID} saved: ${row.Title} (standards ${row.StandardIDs.join(', ') || 'none'})`);
    });
  unit
    .command('list')
    .description("List a customer's units")
    .argument('<customerId>', "the customer's ID", parseId)
    .option('--standard <standardId>', "only this standard's units", parseId)
    .option('--json', 'print JSON instead of a table')
    .action(async (customerId: number, o: { standard?: number; json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'unit.list', { customerId, ...(o.standard ? { standardId: o.standard } : {}) });
      if (o.json) return printJson(rows);
      if (rows.length === 0) return print('No units. Add one with: learnfile unit create <customerId> <unitId> <title> --standard <id>');
      print(
        table(
          ['ID', 'NDAQ', 'Display', 'Standards', 'Title'],
          rows.map((r) => [r.ID, r.NDAQCode ?? '', r.Display, r.StandardIDs.join(','), r.Title]),
        ),
      );
    });

  const template = program
    .command('template')
    .description('Create and list framework templates: standards and units with weightings and default dates')
    .addHelpText(
      'after',
      examples('learnfile template create 1 "Business Admin L3" --organisation 1 --item 3:::90:0:548 --item 3:KS_COMM1:50:0:180', 'learnfile template list 1'),
    );
  template
    .command('create')
    .description('Create a framework template. Each --item is standardId[:unitId[:weighting[:startDays[:endDays]]]]; days count from the assignment date')
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<title>', "the template's title", parseName)
    .option('--organisation <organisationId>', 'only this organisation may use it (default: the whole customer)', parseId)
    .option('--item <spec>', 'an item (repeat for more)', (v: string, all: string[] = []) => [...all, v])
    .action(async (customerId: number, title: string, o: { organisation?: number; item?: string[] }, cmd: Command) => {
      if (!o.item?.length) throw new CliError('give at least one --item standardId[:unitId[:weighting[:startDays[:endDays]]]]');
      const items = o.item.map((spec) => {
        const [standardId, unitId, weighting, start, end] = spec.split(':');
        const item: { standardId: number; unitId?: string; weighting?: number; startOffsetDays?: number; endOffsetDays?: number } = {
          standardId: parseId(standardId ?? ''),
        };
        if (unitId) item.unitId = unitId;
        if (weighting) item.weighting = num(weighting);
        if (start) item.startOffsetDays = int(start);
        if (end) item.endOffsetDays = int(end);
        return item;
      });
      const row = await operate(cmd, 'template.create', {
        customerId,
        title,
        items,
        actor: 'operator:cli',
        ...(o.organisation ? { organisationId: o.organisation } : {}),
      });
      print(`Framework template ${row.ID} created: ${row.Title} (${row.Items.length} items)`);
    });
  template
    .command('list')
    .description("List a customer's framework templates")
    .argument('<customerId>', "the customer's ID", parseId)
    .option('--json', 'print JSON instead of a table')
    .action(async (customerId: number, o: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'template.list', { customerId });
      if (o.json) return printJson(rows);
      if (rows.length === 0) return print('No framework templates. Create one with: learnfile template create <customerId> <title> --item <standardId>');
      print(
        table(
          ['ID', 'Organisation', 'Items', 'Title'],
          rows.map((r) => [r.ID, r.OrganisationID ?? 'all', r.Items, r.Title]),
        ),
      );
    });

  const status = program
    .command('learning-aim-status')
    .description('Add and list the learning-aim statuses an organisation offers')
    .addHelpText('after', examples('learnfile learning-aim-status add 1 "On programme"', 'learnfile learning-aim-status list 1'));
  status
    .command('add')
    .argument('<organisationId>', "the organisation's ID", parseId)
    .argument('<name>', 'the status', parseName)
    .action(async (organisationId: number, name: string, _o: object, cmd: Command) => {
      const { id } = await operate(cmd, 'learningAimStatus.add', { organisationId, name, actor: 'operator:cli' });
      print(`Learning-aim status ${id} added to organisation ${organisationId}: ${name}`);
    });
  status
    .command('list')
    .argument('<organisationId>', "the organisation's ID", parseId)
    .option('--json', 'print JSON instead of a table')
    .action(async (organisationId: number, o: { json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'learningAimStatus.list', { organisationId });
      if (o.json) return printJson(rows);
      if (rows.length === 0)
        return print(`Organisation ${organisationId} has no learning-aim statuses. Add one with: learnfile learning-aim-status add ${organisationId} <name>`);
      print(
        table(
          ['ID', 'Name'],
          rows.map((r) => [r.id, r.name]),
        ),
      );
    });

  program
    .command('catalogue')
    .description('Bulk-load a catalogue of standards, units and templates')
    .command('load')
    .description(
      'Load a JSON or CSV catalogue file into a customer; loading the same file again changes nothing. CSV columns: standard_reference, standard_title, standard_version, standard_level, otj_hours, unit_id, unit_title, ndaq_code, display (one row per unit)',
    )
    .argument('<customerId>', "the customer's ID", parseId)
    .argument('<file>', 'a .json or .csv file')
    .option('--format <json|csv>', "the file's format (default: from its extension)")
    .option('--offer <organisationIds>', 'comma-separated organisations that offer every standard in the file', ids)
    .addHelpText('after', examples('learnfile catalogue load 1 standards.csv --offer 1,2', 'learnfile catalogue load 1 catalogue.json'))
    .action(async (customerId: number, file: string, o: { format?: string; offer?: number[] }, cmd: Command) => {
      const format = (o.format ?? extname(file).slice(1)).toLowerCase();
      if (format !== 'json' && format !== 'csv') throw new CliError(`cannot tell the format of ${file}: give --format json or --format csv`);
      let content: string;
      try {
        content = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const r = await operate(cmd, 'catalogue.load', { customerId, format, content, actor: 'operator:cli', ...(o.offer ? { organisationIds: o.offer } : {}) });
      print(
        `Loaded ${file}: standards ${r.standards.created} new, ${r.standards.existing} already there; units ${r.units.created} new, ${r.units.existing} already there; templates ${r.templates.created} new, ${r.templates.existing} already there${r.offered ? `; ${r.offered} offers` : ''}`,
      );
    });
}
