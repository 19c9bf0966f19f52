// Mail leaves through the mail_outbox table: written in the transaction of
// what it tells about (a reset, an invitation, an agenda), sent later by
// MailSender. A producer that runs twice writes nothing twice (dedupe_key).
import type { Sql } from '../../store/db.ts';
import { newId } from '../../lib/ids.ts';

export interface OutgoingMail {
  /** Stable for one message: a retried producer does not queue it again. */
  dedupeKey: string;
  /** The account it is for, when it is for one. */
  userId: string | null;
  to: string;
  subject: string;
  text: string;
  /** An invitation's calendar part (METHOD:REQUEST), sent beside the text. */
  ics?: string;
}

/** Queues one mail in the transaction `sql`; true when it was new. */
export async function queueMail(sql: Sql, mail: OutgoingMail, now = Date.now()): Promise<boolean> {
  const rows = await sql.query(
    'insert into mail_outbox (id, dedupe_key, user_id, to_address, subject, body_text, ics, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (dedupe_key) do nothing returning 1',
    [newId(), mail.dedupeKey, mail.userId, mail.to, mail.subject, mail.text, mail.ics ?? null, now],
  );
  return rows.length > 0;
}
