// Sends the mail outbox over SMTP. What the suite mails (daily agendas) is
// first a row of mail_outbox, written in the same transaction as what caused
// it; with SMTP_URL set, the agenda's minute clock (calendar/agenda-queue.ts)
// has this send the rows that are due. Without it, mail stays in the table.
//
// Several nodes may send at once: each claims a few rows with FOR UPDATE
// SKIP LOCKED and pushes their next attempt a lease ahead, so a row is
// with one node at a time, and a node that dies mid-send leaves its rows to
// be taken again once the lease is over. SMTP itself cannot be exactly once
// (the server may accept a mail and the node die before marking it sent):
// each mail's Message-ID is made of its row id, the same on every attempt,
// so a copy can be recognized.
//
// A mail the server refuses (a 5xx on the sender, a recipient or the
// message) is given up at once: it would be refused again. Anything else (no
// connection, a 4xx, a wrong password) is retried with a growing delay, up
// to MAX_ATTEMPTS, so a server down for hours or a fixed configuration still
// delivers what waited.
import { createTransport } from 'nodemailer';
import type { Db } from '../../store/db.ts';

export const MAX_ATTEMPTS = 12;
/** How long a claimed row stays with the node sending it. */
export const LEASE_MS = 15 * 60_000;
/** Rows claimed at once: few enough to be sent well within the lease even by a slow server. */
const BATCH = 10;

/** The delay before attempt `attempts + 1`: a minute, doubling, at most an hour. */
export const retryDelay = (attempts: number): number => Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);

export interface MailSenderOptions {
  db: Db;
  /** smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465 (TLS from the start). */
  smtpUrl: string;
  /** The From header, e.g. `Parley <parley@example.org>`. */
  from: string;
}

interface OutboxRow {
  id: string;
  to_address: string;
  subject: string;
  body_text: string;
  /** An invitation's calendar part (METHOD:REQUEST), or null. */
  ics: string | null;
  attempts: number;
}

export interface SendResult {
  sent: number;
  failed: number;
  givenUp: number;
}

export class MailSender {
  readonly #db: Db;
  readonly #from: string;
  readonly #domain: string;
  readonly #transport: ReturnType<typeof createTransport>;

  constructor(opts: MailSenderOptions) {
    this.#db = opts.db;
    this.#from = opts.from;
    this.#domain = /@([^>\s]+)>?\s*$/.exec(opts.from)?.[1] ?? 'parley.invalid';
    // Bounded waits: a silent server must not hold the minute clock for long.
    this.#transport = createTransport({ url: opts.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 });
  }

  /** Sends what is due at `now`, a batch at a time, until nothing is left. */
  async sendDue(now = Date.now()): Promise<SendResult> {
    const result: SendResult = { sent: 0, failed: 0, givenUp: 0 };
    for (;;) {
      const rows = await this.#claim(now);
      // Once the server is out of reach, the rest of the batch waits for the
      // next attempt instead of each waiting out its own timeout.
      let unreachable: string | undefined;
      for (const row of rows) {
        if (unreachable) {
          result[await this.#failed(row, unreachable, false, now)]++;
          continue;
        }
        try {
          await this.#transport.sendMail({
            from: this.#from,
            to: row.to_address,
            subject: row.subject,
            text: row.body_text,
            // An invitation: the calendar part mail programs answer (Accept, Decline), and the same as a file.
            ...(row.ics ? { icalEvent: { method: 'REQUEST', filename: 'invite.ics', content: row.ics } } : {}),
            messageId: `<${row.id}@${this.#domain}>`,
            // RFC 3834: written by a program, not to be answered by vacation replies.
            headers: { 'Auto-Submitted': 'auto-generated' },
          });
          await this.#db.query('update mail_outbox set sent_at = $2, error = null where id = $1', [row.id, now]);
          result.sent++;
        } catch (error) {
          const e = error as Error & { code?: string; responseCode?: number };
          const aboutThisMail = e.code === 'EENVELOPE' || e.code === 'EMESSAGE';
          const message = `${e.code ?? 'ERROR'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${e.message}`.slice(0, 1000);
          if (!aboutThisMail) unreachable = message;
          result[await this.#failed(row, message, aboutThisMail && (e.responseCode ?? 0) >= 500, now)]++;
        }
      }
      if (rows.length < BATCH || unreachable) return result;
    }
  }

  close(): void {
    this.#transport.close();
  }

  async #claim(now: number): Promise<OutboxRow[]> {
    return this.#db.query<OutboxRow>(
      `update mail_outbox set attempts = attempts + 1, next_attempt_at = $2
        where id in (select id from mail_outbox
                      where sent_at is null and given_up_at is null and next_attempt_at <= $1
                      order by next_attempt_at, created_at limit ${BATCH}
                      for update skip locked)
        returning id, to_address, subject, body_text, ics, attempts`,
      [now, now + LEASE_MS],
    );
  }

  /** Records a failed attempt: retried later, or given up when refused or tried too often. */
  async #failed(row: OutboxRow, message: string, refused: boolean, now: number): Promise<'failed' | 'givenUp'> {
    const giveUp = refused || row.attempts >= MAX_ATTEMPTS;
    await this.#db.query('update mail_outbox set error = $2, next_attempt_at = $3, given_up_at = $4 where id = $1', [row.id, message, now + retryDelay(row.attempts), giveUp ? now : null]);
    return giveUp ? 'givenUp' : 'failed';
  }
}
