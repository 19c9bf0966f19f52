// The daily agendas' SQL, and nothing else: reminders and their deliveries.
// The rules (due days, rendering, sending) are in Agenda.ts.
import type { Language } from '@parley/protocol';
import { SqlStore, type Sql } from '../../store/db.ts';

export interface ReminderRow {
  id: string;
  user_id: string;
  org_id: string;
  calendar_id: string;
  by_chat: boolean;
  by_mail: boolean;
  send_time: string;
  send_day: 'morning' | 'evening';
  weekdays: number[];
  include_recurring: boolean;
  time_zone: string;
  enabled: boolean;
}
/** What a person sets of a reminder. */
export type ReminderFields = Omit<ReminderRow, 'id' | 'user_id' | 'org_id'>;
/** A reminder due to be looked at, with what its mail needs of its owner. */
export type DueReminder = ReminderRow & { language: Language; email: string };

/** Reminders and deliveries on one database, or inside one of its transactions. */
export class AgendaStore extends SqlStore<AgendaStore> {


  protected on(sql: Sql): AgendaStore {
    return new AgendaStore(this.db, sql);
  }

  async userTimeZone(userId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ time_zone: string }>('select time_zone from users where id = $1', [userId]);
    return row?.time_zone;
  }

  /** The user's reminders in an organization, oldest first. */
  async reminders(userId: string, orgId: string): Promise<ReminderRow[]> {
    return this.sql.query('select * from agenda_reminders where user_id = $1 and org_id = $2 order by created_at', [userId, orgId]);
  }

  /** One of the user's reminders. */
  async reminder(id: string, userId: string): Promise<ReminderRow | undefined> {
    const [row] = await this.sql.query<ReminderRow>('select * from agenda_reminders where id = $1 and user_id = $2', [id, userId]);
    return row;
  }

  async insert(r: ReminderRow, at: number): Promise<void> {
    await this.sql.query(
      `insert into agenda_reminders (id, user_id, org_id, calendar_id, by_chat, by_mail, send_time, send_day, weekdays, include_recurring, time_zone, enabled, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [r.id, r.user_id, r.org_id, r.calendar_id, r.by_chat, r.by_mail, r.send_time, r.send_day, JSON.stringify(r.weekdays), r.include_recurring, r.time_zone, r.enabled, at],
    );
  }

  /** Writes what the person set; its next send time is worked out again. */
  async update(id: string, f: ReminderFields): Promise<void> {
    await this.sql.query(
      `update agenda_reminders set calendar_id = $2, by_chat = $3, by_mail = $4, send_time = $5, send_day = $6, weekdays = $7, include_recurring = $8, time_zone = $9, enabled = $10,
              next_send_at = null
        where id = $1`,
      [id, f.calendar_id, f.by_chat, f.by_mail, f.send_time, f.send_day, JSON.stringify(f.weekdays), f.include_recurring, f.time_zone, f.enabled],
    );
  }

  async remove(id: string): Promise<void> {
    await this.sql.query('delete from agenda_reminders where id = $1', [id]);
  }

  /** Turns a reminder off; false when there is none. */
  async disable(id: string): Promise<boolean> {
    return (await this.sql.query('update agenda_reminders set enabled = false where id = $1 returning id', [id])).length > 0;
  }

  /** Enabled reminders whose next send time has come at `now` (or is not worked out yet). */
  async due(now: number): Promise<DueReminder[]> {
    return this.sql.query(
      `select r.*, u.language, u.email from agenda_reminders r join users u on u.id = r.user_id
        where r.enabled and (r.next_send_at is null or r.next_send_at <= $1)`,
      [now],
    );
  }

  async setNextSendAt(id: string, at: number): Promise<void> {
    await this.sql.query('update agenda_reminders set next_send_at = $2 where id = $1', [id, at]);
  }

  async delivered(id: string, day: string): Promise<boolean> {
    return (await this.sql.query('select 1 from agenda_deliveries where reminder_id = $1 and day = $2', [id, day])).length > 0;
  }

  /** Records the day's delivery; false when another tick recorded it first. */
  async recordDelivery(id: string, day: string, at: number): Promise<boolean> {
    return (await this.sql.query('insert into agenda_deliveries (reminder_id, day, sent_at) values ($1, $2, $3) on conflict do nothing returning day', [id, day, at])).length > 0;
  }
}
