import { Option, type Command } from 'commander';
import { listAudit, type AuditRow, type Changes } from '../server/db/audit.repository.js';
import { parseId, parseLimit, parseSince } from './args.js';
import { withDatabase } from './db.js';
import { examples, print, printJson, when } from './output.js';

interface AuditOptions {
  customer?: number; entity?: string; id?: number; action?: string; since?: Date; limit: number; json?: boolean;
}

export function registerAudit(program: Command): void {
  program.command('audit')
    .description('Show the audit trail (who changed what), newest first, one line per change')
    .option('--customer <customerId>', 'only this customer\'s records', parseId)
    .addOption(new Option('--entity <entity>', 'only this kind of record').choices(['user', 'classroom', 'placement', 'keychain', 'organisation']))
    .option('--id <n>', 'only the record with this ID (use with --entity)', parseId)
    .option('--action <action>', 'only this action, e.g. create, update, delete')
    .option('--since <iso>', 'only changes at or after this time', parseSince)
    .option('--limit <n>', 'at most this many records', parseLimit, 50)
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples(
      'learnfile audit --customer 3',
      'learnfile audit --entity classroom --id 12',
      'learnfile audit --action delete --since 2026-09-01 --json',
    ))
    .action(async (opts: AuditOptions, cmd: Command) => withDatabase(cmd, async (db) => {
      const rows = await listAudit(db, {
        customerId: opts.customer, entity: opts.entity, entityId: opts.id, action: opts.action, since: opts.since, limit: opts.limit,
      });
      if (opts.json) {
        printJson(rows.map((r) => ({
          id: r.id, customerId: r.customer_id, at: r.at, actor: r.actor, entity: r.entity, entityId: r.entity_id, action: r.action, changes: r.changes,
        })));
      } else if (rows.length === 0) {
        print('No audit records match.');
      } else {
        print(lines(rows).join('\n'));
      }
    }));
}

function lines(rows: AuditRow[]): string[] {
  const cells = rows.map((r) => [when(r.at), `customer ${r.customer_id}`, `${r.entity} ${r.entity_id}`, r.action, r.actor]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c, n) => `${c.map((v, i) => v.padEnd(widths[i]!)).join('  ')}  ${changes(rows[n]!.changes)}`.trimEnd());
}

/** `Field: old -> new`; JSON keeps the difference between "", null and "null" visible. */
function changes(c: Changes): string {
  return Object.entries(c ?? {})
    .map(([field, { old, new: now }]) => `${field}: ${JSON.stringify(old ?? null)} -> ${JSON.stringify(now ?? null)}`)
    .join('; ');
}
