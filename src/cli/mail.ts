import { Option, type Command } from 'commander';
import { listMail, type MailRow, type MailStatus } from '../server/db/mail-list.repository.js';
import { parseLimit } from './args.js';
import { withDatabase } from './db.js';
import { examples, print, printJson, when } from './output.js';

export function registerMail(program: Command): void {
  const mail = program.command('mail')
    .description('Look at the mail outbox (verification links and other emails, sent or waiting)')
    .addHelpText('after', examples('learnfile mail list', 'learnfile mail list --status failed'));

  mail.command('list')
    .description('List outbox messages, newest first, with their full text (without SMTP_URL, mail stays here)')
    .addOption(new Option('--status <status>', 'only messages in this state').choices(['pending', 'sent', 'failed']))
    .option('--limit <n>', 'at most this many messages', parseLimit, 20)
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('learnfile mail list', 'learnfile mail list --status pending --limit 5', 'learnfile mail list --json'))
    .action(async (opts: { status?: MailStatus; limit: number; json?: boolean }, cmd: Command) => withDatabase(cmd, async (db) => {
      const rows = await listMail(db, { status: opts.status, limit: opts.limit });
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
    }));
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
