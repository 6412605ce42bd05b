import type { Command } from 'commander';
import type { CreateWebhookBody } from '../contract/webhooks.js';
import type { OperationResult } from '../server/resources/admin/admin.operations.js';
import { parseId } from './args.js';
import { operate } from './operate.js';
import { examples, print, printJson, table, when } from './output.js';

type WebhookView = OperationResult<'webhook.pause'>;

/** What the webhook commands do, whether on the database itself or through the running server. */
interface WebhookOps {
  create(body: CreateWebhookBody): Promise<WebhookView & { secret?: string }>;
  list(customerId?: number): Promise<WebhookView[]>;
  pause(id: number): Promise<WebhookView>;
  resume(id: number): Promise<WebhookView>;
  replay(id: number, from: number): Promise<WebhookView>;
  remove(id: number): Promise<void>;
}

export function registerWebhooks(program: Command): void {
  const webhook = program
    .command('webhook')
    .description("Webhook subscriptions: change events POSTed, signed, to a customer's URL")
    .addHelpText(
      'after',
      examples(
        'learnfile webhook add 1 https://mis.example.com/learnfile --events "user.*,keychain.verified"',
        'learnfile webhook list',
        'learnfile webhook replay 3 --from 120',
      ),
    );

  webhook
    .command('add <customerId> <url>')
    .description("Subscribe a URL to a customer's events; prints the signing secret once")
    .requiredOption('--events <types>', 'comma-separated: event names (user.updated), user.* or *')
    .option('--secret <secret>', 'whsec_ and base64 (generated when not given)')
    .option('--from <seq>', 'first sequence number to deliver (default: the next event)', parseId)
    .option('--json', 'print JSON')
    .action(async (customerId: string, url: string, opts: { events: string; secret?: string; from?: number; json?: boolean }, cmd: Command) => {
      const body: CreateWebhookBody = {
        customerId: parseId(customerId),
        url,
        eventTypes: opts.events
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        ...(opts.secret ? { secret: opts.secret } : {}),
        ...(opts.from ? { from: opts.from } : {}),
      };
      const sub = await withOps(cmd, (ops) => ops.create(body));
      if (opts.json) return printJson(sub);
      print(`Webhook ${sub.id} for customer ${sub.customerId}: ${sub.url} (${sub.eventTypes.join(', ')}), from sequence ${sub.cursor + 1}`);
      print(`Signing secret (shown only now; give it to the receiver): ${sub.secret}`);
    });

  webhook
    .command('list')
    .description('Subscriptions with their state: active, paused or failing, and how far delivery has got')
    .option('--customer <customerId>', "only this customer's", parseId)
    .option('--json', 'print JSON')
    .action(async (opts: { customer?: number; json?: boolean }, cmd: Command) => {
      const subs = await withOps(cmd, (ops) => ops.list(opts.customer));
      if (opts.json) return printJson(subs);
      if (subs.length === 0) return print('No webhook subscriptions.');
      print(
        table(
          ['id', 'customer', 'status', 'delivered', 'attempts', 'next attempt', 'url', 'events', 'last error'],
          subs.map((s) => [
            s.id,
            s.customerId,
            s.status,
            `${s.cursor}/${s.lastSequence}`,
            s.attempts,
            s.status === 'active' && s.cursor < s.lastSequence ? when(s.nextAttemptAt) : '-',
            s.url,
            s.eventTypes.join(','),
            s.lastError ?? '',
          ]),
        ),
      );
    });

  const simple = (name: 'pause' | 'resume', description: string) =>
    webhook
      .command(`${name} <id>`)
      .description(description)
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const sub = await withOps(cmd, (ops) => ops[name](parseId(id)));
        print(`Webhook ${sub.id} is ${sub.status}.`);
      });
  simple('pause', 'Stop delivering (events wait; nothing is lost)');
  simple('resume', 'Deliver again (after pause, or when failing), retrying at once');

  webhook
    .command('replay <id>')
    .description('Deliver again from a sequence number')
    .requiredOption('--from <seq>', 'the first sequence number to deliver again', parseId)
    .action(async (id: string, opts: { from: number }, cmd: Command) => {
      const sub = await withOps(cmd, (ops) => ops.replay(parseId(id), opts.from));
      print(`Webhook ${sub.id} will deliver from sequence ${sub.cursor + 1} (${sub.status}).`);
    });

  webhook
    .command('remove <id>')
    .description('Delete a subscription')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withOps(cmd, (ops) => ops.remove(parseId(id)));
      print(`Webhook ${id} removed.`);
    });
}

/** The webhook operations, run in-process or by the server that holds the embedded database. */
async function withOps<T>(cmd: Command, fn: (ops: WebhookOps) => Promise<T>): Promise<T> {
  return fn({
    create: (body) => operate(cmd, 'webhook.create', body),
    list: (customerId) => operate(cmd, 'webhook.list', customerId === undefined ? {} : { customerId }),
    pause: (id) => operate(cmd, 'webhook.pause', { id }),
    resume: (id) => operate(cmd, 'webhook.resume', { id }),
    replay: (id, from) => operate(cmd, 'webhook.replay', { id, from }),
    remove: async (id) => {
      await operate(cmd, 'webhook.remove', { id });
    },
  });
}
