import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CreateWebhookBody, WebhookView } from '../contract/webhooks.js';
import { lockHolder } from '../server/db/lock.js';
import { CliError, parseId } from './args.js';
import { cliConfig, withDatabase } from './db.js';
import { examples, print, printJson, table, when } from './output.js';

/** What the webhook commands do, whether on the database itself or through the running server. */
interface WebhookOps {
  create(body: CreateWebhookBody): Promise<WebhookView>;
  list(customerId?: number): Promise<WebhookView[]>;
  pause(id: number): Promise<WebhookView>;
  resume(id: number): Promise<WebhookView>;
  replay(id: number, from: number): Promise<WebhookView>;
  remove(id: number): Promise<void>;
}

export function registerWebhooks(program: Command): void {
  const webhook = program.command('webhook')
    .description('Webhook subscriptions: change events POSTed, signed, to a customer\'s URL')
    .addHelpText('after', examples(
      'learnfile webhook add 1 https://mis.example.com/learnfile --events "user.*,keychain.verified"',
      'learnfile webhook list', 'learnfile webhook replay 3 --from 120'));

  webhook.command('add <customerId> <url>')
    .description('Subscribe a URL to a customer\'s events; prints the signing secret once')
    .requiredOption('--events <types>', 'comma-separated: event names (user.updated), user.* or *')
    .option('--secret <secret>', 'whsec_ and base64 (generated when not given)')
    .option('--from <seq>', 'first sequence number to deliver (default: the next event)', parseId)
    .option('--json', 'print JSON')
    .action(async (customerId: string, url: string, opts: { events: string; secret?: string; from?: number; json?: boolean }, cmd: Command) => {
      const body: CreateWebhookBody = {
        customerId: parseId(customerId), url, eventTypes: opts.events.split(',').map((s) => s.trim()).filter(Boolean),
        ...(opts.secret ? { secret: opts.secret } : {}), ...(opts.from ? { from: opts.from } : {}),
      };
      const sub = await withOps(cmd, (ops) => ops.create(body));
      if (opts.json) return printJson(sub);
      print(`Webhook ${sub.id} for customer ${sub.customerId}: ${sub.url} (${sub.eventTypes.join(', ')}), from sequence ${sub.cursor + 1}`);
      print(`Signing secret (shown only now; give it to the receiver): ${sub.secret}`);
    });

  webhook.command('list')
    .description('Subscriptions with their state: active, paused or failing, and how far delivery has got')
    .option('--customer <customerId>', 'only this customer\'s', parseId)
    .option('--json', 'print JSON')
    .action(async (opts: { customer?: number; json?: boolean }, cmd: Command) => {
      const subs = await withOps(cmd, (ops) => ops.list(opts.customer));
      if (opts.json) return printJson(subs);
      if (subs.length === 0) return print('No webhook subscriptions.');
      print(table(['id', 'customer', 'status', 'delivered', 'attempts', 'next attempt', 'url', 'events', 'last error'],
        subs.map((s) => [s.id, s.customerId, s.status, `${s.cursor}/${s.lastSequence}`, s.attempts,
          s.status === 'active' && s.cursor < s.lastSequence ? when(s.nextAttemptAt) : '-', s.url, s.eventTypes.join(','), s.lastError ?? ''])));
    });

  const simple = (name: 'pause' | 'resume', description: string) => webhook.command(`${name} <id>`)
    .description(description)
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const sub = await withOps(cmd, (ops) => ops[name](parseId(id)));
      print(`Webhook ${sub.id} is ${sub.status}.`);
    });
  simple('pause', 'Stop delivering (events wait; nothing is lost)');
  simple('resume', 'Deliver again (after pause, or when failing), retrying at once');

  webhook.command('replay <id>')
    .description('Deliver again from a sequence number')
    .requiredOption('--from <seq>', 'the first sequence number to deliver again', parseId)
    .action(async (id: string, opts: { from: number }, cmd: Command) => {
      const sub = await withOps(cmd, (ops) => ops.replay(parseId(id), opts.from));
      print(`Webhook ${sub.id} will deliver from sequence ${sub.cursor + 1} (${sub.status}).`);
    });

  webhook.command('remove <id>')
    .description('Delete a subscription')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withOps(cmd, (ops) => ops.remove(parseId(id)));
      print(`Webhook ${id} removed.`);
    });
}

/**
 * On the embedded database held by a running server, the server does the work (admin API,
 * with the key from its lock file); otherwise the CLI opens the database itself.
 */
async function withOps<T>(cmd: Command, fn: (ops: WebhookOps) => Promise<T>): Promise<T> {
  const config = await cliConfig(cmd);
  const holder = config.DATABASE_URL ? undefined : lockHolder(resolve(config.DATA_DIR));
  if (holder?.url && holder.operatorKey) {
    process.stderr.write(`(through the running server, pid ${holder.pid})\n`);
    return fn(httpOps(holder.url, holder.operatorKey));
  }
  const { WebhooksService } = await import('../server/resources/webhooks/webhooks.service.js');
  const { AppError } = await import('../server/domain/app-error.js');
  return withDatabase(cmd, async (db) => {
    const service = new WebhooksService(db);
    try {
      return await fn(service);
    } catch (err) {
      if (err instanceof AppError) throw new CliError(explain(err.message, err.issues));
      throw err;
    }
  });
}

/** Every field's problem on one line, so the operator can fix them all at once. */
const explain = (message: string, issues: { field: string; message: string }[]): string =>
  (issues.length > 1 ? issues.map((i) => `${i.field} ${i.message}`).join('; ') : message);

function httpOps(base: string, key: string): WebhookOps {
  const call = async <T>(method: string, path: string, body?: object): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}/api/admin/webhooks${path}`, {
        method, headers: { 'x-operator-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new CliError(`the server holds the database but does not answer at ${base}: ${(err as Error).message}`);
    }
    if (res.status === 204) return undefined as T;
    const answer = await res.json() as T & { message?: string; errors?: { field: string; message: string }[] };
    if (!res.ok) throw new CliError(explain(answer.message ?? `the server answered HTTP ${res.status}`, answer.errors ?? []));
    return answer;
  };
  return {
    create: (body) => call('POST', '', body),
    list: (customerId) => call('GET', customerId ? `?customer=${customerId}` : ''),
    pause: (id) => call('POST', `/${id}/pause`),
    resume: (id) => call('POST', `/${id}/resume`),
    replay: (id, from) => call('POST', `/${id}/replay`, { from }),
    remove: (id) => call('DELETE', `/${id}`),
  };
}
