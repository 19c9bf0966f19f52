// The calendar trash's SQL, and nothing else: deleted events kept 30 days
// as they were (see migration 012). The rules are in trash.ts.
import { SqlStore, type Sql } from '../../store/db.ts';

export interface TrashRow {
  id: string;
  calendar_id: string;
  title: string;
  start_at: number;
  rrule: string | null;
  deleted_at: number;
  deleted_by: string | null;
  deleted_by_name: string | null;
}

export class TrashStore extends SqlStore<TrashStore> {
  protected on(sql: Sql): TrashStore {
    return new TrashStore(this.db, sql);
  }

  /** Moves an event (and its changed occurrences) into the trash. */
  async put(eventId: string, by: string, at: number): Promise<void> {
    await this.sql.query(
      `insert into event_trash (id, calendar_id, title, start_at, rrule, deleted_at, deleted_by, event, overrides, invitations)
       select e.id, e.calendar_id, e.title, e.start_at, e.rrule, $2, $3, to_jsonb(e),
              coalesce((select jsonb_agg(to_jsonb(o)) from event_overrides o where o.event_id = e.id), '[]'),
              coalesce((select jsonb_agg(to_jsonb(i)) from event_invitations i where i.event_id = e.id), '[]')
         from events e where e.id = $1
       on conflict (id) do nothing`,
      [eventId, at, by],
    );
    await this.sql.query('delete from events where id = $1', [eventId]);
  }

  /** What is in the trash of these calendars since `since`, newest first. */
  async list(calendarIds: string[], since: number, limit: number): Promise<TrashRow[]> {
    return this.sql.query<TrashRow>(
      `select t.id, t.calendar_id, t.title, t.start_at::float8 as start_at, t.rrule, t.deleted_at::float8 as deleted_at, t.deleted_by, u.name as deleted_by_name
         from event_trash t left join users u on u.id = t.deleted_by
        where t.calendar_id = any($1) and t.deleted_at >= $2
        order by t.deleted_at desc, t.id limit $3`,
      [calendarIds, since, limit],
    );
  }

  /** One trashed event, locked for the rest of the transaction. */
  async lock(eventId: string): Promise<(TrashRow & { uid: string; room_id: string | null }) | undefined> {
    const [row] = await this.sql.query<TrashRow & { uid: string; room_id: string | null }>(
      `select t.id, t.calendar_id, t.title, t.start_at::float8 as start_at, t.rrule, t.deleted_at::float8 as deleted_at, t.deleted_by, null as deleted_by_name,
              t.event->>'uid' as uid, t.event->>'room_id' as room_id
         from event_trash t where t.id = $1 for update`,
      [eventId],
    );
    return row;
  }

  /**
   * Puts the event back as it was (under `uid`: its own, or a new one when
   * its own was taken meanwhile), with its changed occurrences and its
   * invitations. A room or an organizer's account deleted meanwhile is
   * left out (the event stays, without them).
   */
  async restore(eventId: string, uid: string, at: number): Promise<void> {
    await this.sql.query(
      `insert into events select * from jsonb_populate_record(null::events, (
         select t.event || jsonb_build_object('uid', $2::text, 'updated_at', $3::bigint,
                  'room_id', (select r.id from rooms r where r.id = t.event->>'room_id'),
                  'organizer_id', (select u.id from users u where u.id = t.event->>'organizer_id'))
           from event_trash t where t.id = $1))`,
      [eventId, uid, at],
    );
    await this.sql.query(`insert into event_overrides select * from jsonb_populate_recordset(null::event_overrides, (select overrides from event_trash where id = $1))`, [eventId]);
    await this.sql.query(`insert into event_invitations select * from jsonb_populate_recordset(null::event_invitations, (select invitations from event_trash where id = $1))`, [eventId]);
    await this.sql.query('delete from event_trash where id = $1', [eventId]);
  }

  async drop(eventId: string): Promise<void> {
    await this.sql.query('delete from event_trash where id = $1', [eventId]);
  }

  /** Forgets what was deleted before `before` (older than the trash keeps). */
  async purge(before: number): Promise<void> {
    await this.sql.query('delete from event_trash where deleted_at < $1', [before]);
  }

  async uidTaken(calendarId: string, uid: string): Promise<boolean> {
    return (await this.sql.query('select 1 from events where calendar_id = $1 and uid = $2', [calendarId, uid])).length > 0;
  }
}
