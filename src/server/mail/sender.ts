import nodemailer, { type Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.js';
import { claimDue, markFailed, markSent } from '../db/mail.repository.js';

export interface SenderOptions {
  smtpUrl: string;
  from: string;
  pollMs: number;
  maxAttempts: number;
  /** Delay before the first retry; each further retry waits twice as long. */
  retryBaseMs: number;
  /** Told of each message sent and each failed attempt (the metrics count them). */
  onSent?: () => void;
  onFailed?: () => void;
}

/**
 * Sends what the outbox holds. Wakes on a timer and whenever a request queues mail; several
 * API processes can run one each, since messages are leased before sending.
 */
export class MailSender {
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly db: Database, private readonly opts: SenderOptions, private readonly log: FastifyBaseLogger) {
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
    if (this.running) { this.again = true; return; }
    this.running = this.drain()
      .catch((err: unknown) => this.log.error({ err }, 'mail: pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) { this.again = false; this.kick(); }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await claimDue(this.db, 10, 120);
      if (batch.length === 0 || this.stopped) return;
      for (const mail of batch) {
        try {
          await this.transport.sendMail({
            from: this.opts.from, to: mail.to_address, subject: mail.subject, text: mail.body_text,
            ...(mail.body_html ? { html: mail.body_html } : {}),
          });
          await markSent(this.db, mail.id);
          this.opts.onSent?.();
          this.log.info({ mailId: mail.id }, 'mail: sent');
        } catch (err) {
          const final = mail.attempts >= this.opts.maxAttempts;
          const retryMs = this.opts.retryBaseMs * 2 ** (mail.attempts - 1);
          this.opts.onFailed?.();
          await markFailed(this.db, mail.id, (err as Error).message ?? String(err), retryMs, final);
          this.log.warn({ mailId: mail.id, attempt: mail.attempts, final }, `mail: send failed: ${(err as Error).message}`);
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.transport.close();
  }
}
