import { Option, type Command } from 'commander';
import type { OperationResult } from '../server/resources/admin/admin.operations.js';
import { CliError, parseId, parseLimit } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, when } from './output.js';

type MailStatus = 'pending' | 'sent' | 'failed';
type MailRow = OperationResult<'mail.list'>[number];

export function registerMail(program: Command): void {
  const mail = program
    .command('mail')
    .description('Look at the mail outbox (verification links and other emails, sent or waiting)')
    .addHelpText('after', examples('learnfile mail list', 'learnfile mail list --status failed', 'learnfile mail retry --all-failed'));

  mail
    .command('list')
    .description('List outbox messages, newest first, with their full text (without SMTP_URL, mail stays here)')
    .addOption(new Option('--status <status>', 'only messages in this state').choices(['pending', 'sent', 'failed']))
    .option('--limit <n>', 'at most this many messages', parseLimit, 20)
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('learnfile mail list', 'learnfile mail list --status pending --limit 5', 'learnfile mail list --json'))
    .action(async (opts: { status?: MailStatus; limit: number; json?: boolean }, cmd: Command) => {
      const rows = await operate(cmd, 'mail.list', { ...(opts.status ? { status: opts.status } : {}), limit: opts.limit });
      if (opts.json) {
        printJson(rows);
      } else if (rows.length === 0) {
        print(opts.status ? `No ${opts.status} messages in the outbox.` : 'The outbox is empty.');
      } else {
        print(rows.map(message).join('\n\n'));
      }
    });

  mail
    .command('retry')
    .description('Put failed messages back in the queue with a fresh set of attempts (after an SMTP outage, say)')
    .argument('[ids...]', 'IDs of failed messages (see mail list --status failed)', (v: string, prev: number[] = []) => [...prev, parseId(v)])
    .option('--all-failed', 'every failed message')
    .addHelpText('after', examples('learnfile mail retry 12 13', 'learnfile mail retry --all-failed'))
    .action(async (ids: number[] | undefined, opts: { allFailed?: boolean }, cmd: Command) => {
      if (!opts.allFailed && (!ids || ids.length === 0)) throw new CliError('name the failed messages to retry, or give --all-failed');
      if (opts.allFailed && ids && ids.length > 0) throw new CliError('give message IDs or --all-failed, not both');
      const done = await operate(cmd, 'mail.retry', opts.allFailed ? {} : { ids: ids ?? [] });
      const missed = (ids ?? []).filter((id) => !done.includes(id));
      print(done.length === 0 ? 'No failed message to re-queue.' : `Re-queued ${done.length} message(s): ${done.join(', ')}`);
      if (missed.length > 0) throw new CliError(`not failed (or no such message): ${missed.join(', ')}`);
    });
}

function message(m: MailRow): string {
  const state = m.status === 'sent' ? `sent ${when(m.sentAt)}` : m.status === 'pending' ? `pending, next attempt ${when(m.nextAttemptAt)}` : m.status;
  const lines = [`#${m.id}  ${state}  attempts ${m.attempts}  created ${when(m.createdAt)}`, `To:       ${m.to}`, `Subject:  ${m.subject}`];
  if (m.lastError) lines.push(`Error:    ${m.lastError}`);
  // Indented so one message's body cannot be mistaken for the next header; links stay whole.
  lines.push(
    '',
    ...m.bodyText
      .trimEnd()
      .split(/\r?\n/)
      .map((l) => (l ? `    ${l}` : '')),
  );
  return lines.join('\n');
}
