import { Option, type Command } from 'commander';
import { AuditEntities, type AuditEntity } from '../contract/audit.js';
import type { OperationResult } from '../server/resources/admin/admin.operations.js';
import { parseId, parseLimit, parseSince } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, when } from './output.js';

interface AuditOptions {
  customer?: number;
  entity?: AuditEntity;
  id?: number;
  action?: string;
  since?: Date;
  limit: number;
  json?: boolean;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('Show the audit trail (who changed what), newest first, one line per change')
    .option('--customer <customerId>', "only this customer's records", parseId)
    .addOption(new Option('--entity <entity>', 'only this kind of record').choices(AuditEntities))
    .option('--id <n>', 'only the record with this ID (use with --entity)', parseId)
    .option('--action <action>', 'only this action, e.g. create, update, delete')
    .option('--since <iso>', 'only changes at or after this time', parseSince)
    .option('--limit <n>', 'at most this many records', parseLimit, 50)
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      examples('learnfile audit --customer 3', 'learnfile audit --entity classroom --id 12', 'learnfile audit --action delete --since 2026-09-01 --json'),
    )
    .action(async (opts: AuditOptions, cmd: Command) => {
      const rows = await operate(cmd, 'audit.list', {
        ...(opts.customer === undefined ? {} : { customerId: opts.customer }),
        ...(opts.entity === undefined ? {} : { entity: opts.entity }),
        ...(opts.id === undefined ? {} : { entityId: opts.id }),
        ...(opts.action === undefined ? {} : { action: opts.action }),
        ...(opts.since === undefined ? {} : { since: opts.since.toISOString() }),
        limit: opts.limit,
      });
      if (opts.json) {
        printJson(rows);
      } else if (rows.length === 0) {
        print('No audit records match.');
      } else {
        print(lines(rows).join('\n'));
      }
    });
}

type AuditRow = OperationResult<'audit.list'>[number];
type Changes = AuditRow['changes'];

function lines(rows: AuditRow[]): string[] {
  const cells = rows.map((r) => [when(r.at), `customer ${r.customerId}`, `${r.entity} ${r.entityId}`, r.action, r.actor]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c, n) => `${c.map((v, i) => v.padEnd(widths[i]!)).join('  ')}  ${changes(rows[n]!.changes)}`.trimEnd());
}

/** `Field: old -> new`; JSON keeps the difference between "", null and "null" visible. */
function changes(c: Changes): string {
  return Object.entries(c ?? {})
    .map(([field, { old, new: now }]) => `${field}: ${JSON.stringify(old ?? null)} -> ${JSON.stringify(now ?? null)}`)
    .join('; ');
}
