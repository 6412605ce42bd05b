import { Option, type Command } from 'commander';
import { listMail, requeueFailed, type MailRow, type MailStatus } from '../server/db/mail-list.repository.js';
import { parseId, parseLimit } from './args.js';
import { resolve } from 'node:path';
import { lockHolder } from '../server/db/lock.js';
import { CliError } from './args.js';
import { cliConfig, withDatabase } from './db.js';
import { examples, print, printJson, when } from './output.js';

export function registerMail(program: Command): void {
  const mail = program.command('mail')
    .description('Look at the mail outbox (verification links and other emails, sent or waiting)')
    .addHelpText('after', examples('learnfile mail list', 'learnfile mail list --status failed', 'learnfile mail retry --all-failed'));

  mail.command('list')
    .description('List outbox messages, newest first, with their full text (without SMTP_URL, mail stays here)')
    .addOption(new Option('--status <status>', 'only messages in this state').choices(['pending', 'sent', 'failed']))
    .option('--limit <n>', 'at most this many messages', parseLimit, 20)
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('learnfile mail list', 'learnfile mail list --status pending --limit 5', 'learnfile mail list --json'))
    .action(async (opts: { status?: MailStatus; limit: number; json?: boolean }, cmd: Command) => {
      const rows = await fromRunningServer(cmd, opts)
        ?? await withDatabase(cmd, (db) => listMail(db, { status: opts.status, limit: opts.limit }));
      if (opts.json) {
        printJson(rows.map((m) => ({
          id: m.id, customerId: m.customer_id, userId: m.user_id, status: m.status, attempts: m.attempts,
          to: m.to_address, subject: m.subject, createdAt: m.created_at, sentAt: m.sent_at,
          nextAttemptAt: m.next_attempt_at, lastError: m.last_error, bodyText: m.body_text,
        })));
      } else if (rows.length === 0) {
        print(opts.status ? `No ${opts.status} messages in the outbox.` : 'The outbox is empty.');
      } else {
        print(rows.map(message).join('\n\n'));
      }
    });

  mail.command('retry')
    .description('Put failed messages back in the queue with a fresh set of attempts (after an SMTP outage, say)')
    .argument('[ids...]', 'IDs of failed messages (see mail list --status failed)', (v: string, prev: number[] = []) => [...prev, parseId(v)])
    .option('--all-failed', 'every failed message')
    .addHelpText('after', examples('learnfile mail retry 12 13', 'learnfile mail retry --all-failed'))
    .action(async (ids: number[] | undefined, opts: { allFailed?: boolean }, cmd: Command) => {
      if (!opts.allFailed && (!ids || ids.length === 0)) throw new CliError('name the failed messages to retry, or give --all-failed');
      if (opts.allFailed && ids && ids.length > 0) throw new CliError('give message IDs or --all-failed, not both');
      const done = await withDatabase(cmd, (db) => requeueFailed(db, opts.allFailed ? undefined : ids));
      const missed = (ids ?? []).filter((id) => !done.includes(id));
      print(done.length === 0 ? 'No failed message to re-queue.' : `Re-queued ${done.length} message(s): ${done.join(', ')}`);
      if (missed.length > 0) throw new CliError(`not failed (or no such message): ${missed.join(', ')}`);
    });
}

/**
 * While a server holds the embedded database, only it may open it; the demo still needs the
 * verification links, so the CLI asks that server (address and key are in its lock file).
 */
async function fromRunningServer(cmd: Command, opts: { status?: MailStatus; limit: number }): Promise<MailRow[] | undefined> {
  const config = await cliConfig(cmd);
  if (config.DATABASE_URL) return undefined;
  const holder = lockHolder(resolve(config.DATA_DIR));
  if (!holder?.url || !holder.operatorKey) return undefined;
  const query = new URLSearchParams({ limit: String(opts.limit), ...(opts.status ? { status: opts.status } : {}) });
  let res: Response;
  try {
    res = await fetch(`${holder.url}/api/admin/mail?${query}`, { headers: { 'X-Operator-Key': holder.operatorKey } });
  } catch (err) {
    throw new CliError(`the server (pid ${holder.pid}) holds the database but does not answer at ${holder.url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new CliError(`the server (pid ${holder.pid}) refused the request: HTTP ${res.status}`);
  process.stderr.write(`(read from the running server, pid ${holder.pid})\n`);
  const rows = await res.json() as (Omit<MailRow, 'created_at' | 'sent_at' | 'next_attempt_at'> & Record<'created_at' | 'sent_at' | 'next_attempt_at', string | null>)[];
  const date = (s: string | null) => (s === null ? null : new Date(s));
  return rows.map((r) => ({ ...r, created_at: date(r.created_at)!, sent_at: date(r.sent_at), next_attempt_at: date(r.next_attempt_at)! }));
}

function message(m: MailRow): string {
  const state = m.status === 'sent' ? `sent ${when(m.sent_at)}`
    : m.status === 'pending' ? `pending, next attempt ${when(m.next_attempt_at)}`
      : m.status;
  const lines = [
    `#${m.id}  ${state}  attempts ${m.attempts}  created ${when(m.created_at)}`,
    `To:       ${m.to_address}`,
    `Subject:  ${m.subject}`,
  ];
  if (m.last_error) lines.push(`Error:    ${m.last_error}`);
  // Indented so one message's body cannot be mistaken for the next header; links stay whole.
  lines.push('', ...m.body_text.trimEnd().split(/\r?\n/).map((l) => (l ? `    ${l}` : '')));
  return lines.join('\n');
}
