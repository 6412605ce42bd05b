import nodemailer, { type Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Database } from '../db/client.js';
import { claimNext, markFailed, markSent, renewLease } from './outbox.repository.js';

export interface SenderOptions {
  smtpUrl: string;
  from: string;
  pollMs: number;
  maxAttempts: number;
  /** Delay before the first retry; each further retry waits twice as long. */
  retryBaseMs: number;
  /** How long a claim on a message lasts; renewed every third of it while the send lasts. */
  leaseMs: number;
  /** Told of each message sent and each failed attempt (the metrics count them). */
  onSent?: () => void;
  onFailed?: () => void;
}

/**
 * Sends what the outbox holds. Wakes on a timer and whenever a request queues mail; several
 * API processes can run one each. Exactly once across processes: a sender claims one message
 * at a time under a lease in its own name, renews the lease for as long as the SMTP exchange
 * takes, and only the lease holder can mark the message sent or failed. Another process can
 * take the message only after the holder stopped renewing for a whole lease, that is after it
 * died or lost the database for that long. The one window left is a sender that dies after
 * the SMTP server accepted the message and before it recorded that: the message is then
 * sent again (at least once), which no SMTP client can rule out.
 */
/** What became of one attempt, once the outbox records it. */
export interface MailOutcome {
  mailId: number;
  /** sent; failed for good (last attempt); or to be retried later */
  status: 'sent' | 'failed' | 'retry';
}

export class MailSender {
  /** Emits `outcome` (a MailOutcome) after each attempt is recorded: what tests and operators can wait on. */
  readonly outcomes = new EventEmitter();
  private readonly transport: Transporter;
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly opts: SenderOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.transport = nodemailer.createTransport(opts.smtpUrl);
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass now (or right after the one under way). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      // Never the error itself: it may carry addresses (SMTP replies) or SQL parameters.
      .catch((err: unknown) => this.log.error({ code: (err as { code?: unknown }).code, name: (err as Error).name }, 'mail: pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const mail = await claimNext(this.db, this.owner, this.opts.leaseMs);
      if (!mail) return;
      const renew = setInterval(
        () => {
          renewLease(this.db, mail.id, this.owner, this.opts.leaseMs)
            .then((held) => {
              if (!held) this.log.warn({ mailId: mail.id }, 'mail: lease lost while sending');
            })
            .catch(() => this.log.warn({ mailId: mail.id }, 'mail: could not renew the lease'));
        },
        Math.max(100, Math.floor(this.opts.leaseMs / 3)),
      );
      try {
        await this.transport.sendMail({
          from: this.opts.from,
          to: mail.to_address,
          subject: mail.subject,
          text: mail.body_text,
          ...(mail.body_html ? { html: mail.body_html } : {}),
        });
        clearInterval(renew);
        await markSent(this.db, mail.id, this.owner);
        this.opts.onSent?.();
        this.outcomes.emit('outcome', { mailId: mail.id, status: 'sent' } satisfies MailOutcome);
        this.log.info({ mailId: mail.id }, 'mail: sent');
      } catch (err) {
        clearInterval(renew);
        const final = mail.attempts >= this.opts.maxAttempts;
        const retryMs = this.opts.retryBaseMs * 2 ** (mail.attempts - 1);
        const reason = (err as Error).message ?? String(err);
        this.opts.onFailed?.();
        await markFailed(this.db, mail.id, this.owner, reason, retryMs, final);
        this.outcomes.emit('outcome', { mailId: mail.id, status: final ? 'failed' : 'retry' } satisfies MailOutcome);
        // The SMTP reply may quote the address; it is kept in the outbox (last_error), not logged.
        const smtpCode = (err as { responseCode?: unknown }).responseCode;
        this.log.warn({ mailId: mail.id, attempt: mail.attempts, final, smtpCode }, 'mail: send failed (see learnfile mail list)');
      }
    }
  }

  /** Resolves once no pass is running or asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.transport.close();
  }
}
