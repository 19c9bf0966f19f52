// CalDAV's SQL, and nothing else: calendars' change numbers (set by the
// triggers of migration 018), events' names and numbers, tombstones. The
// rules are in sync.ts.
import { SqlStore, type Sql } from '../../store/db.ts';
import { EVENT_COLUMNS, type EventRow } from './store.ts';

export interface SyncEventRow {
  id: string;
  uid: string;
  href: string;
  seq: number;
}

export class CalendarSyncStore extends SqlStore<CalendarSyncStore> {
  protected on(sql: Sql): CalendarSyncStore {
    return new CalendarSyncStore(this.db, sql);
  }

  /** The organizations `userId` is a member of. */
  async orgsOf(userId: string): Promise<string[]> {
    return (await this.sql.query<{ org_id: string }>('select org_id from org_members where user_id = $1 order by org_id', [userId])).map((r) => r.org_id);
  }

  /** The calendars `userId` owns or has a share of, in organizations they are still a member of (not rooms'). */
  async calendarIds(userId: string): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `select c.id from calendars c
         join org_members m on m.org_id = c.org_id and m.user_id = $1
         left join calendar_shares s on s.calendar_id = c.id and s.user_id = $1
        where c.room_id is null and (c.owner_id = $1 or s.access is not null)
        order by c.created_at, c.id`,
      [userId],
    );
    return rows.map((r) => r.id);
  }

  /** The calendar's change numbers; `lock`: its row held until the transaction ends (changes of one calendar checked and made one at a time). */
  async state(calendarId: string, lock = false): Promise<{ last_seq: number; purged_seq: number } | undefined> {
    const [row] = await this.sql.query<{ last_seq: number; purged_seq: number }>(`select last_seq, purged_seq from calendars where id = $1${lock ? ' for update' : ''}`, [calendarId]);
    return row;
  }

  async events(calendarId: string): Promise<SyncEventRow[]> {
    return this.sql.query<SyncEventRow>('select id, uid, href, seq from events where calendar_id = $1', [calendarId]);
  }

  async byHrefs(calendarId: string, hrefs: string[]): Promise<SyncEventRow[]> {
    return this.sql.query<SyncEventRow>('select id, uid, href, seq from events where calendar_id = $1 and href = any($2::text[])', [calendarId, hrefs]);
  }

  /**
   * The calendar's event named `href`, its row locked until the transaction
   * ends. Taken before the calendar's row (state(…, true)): the order an
   * edit here takes them in (the event's row, then the calendar's, in the
   * numbering trigger), so the two never wait on each other.
   */
  async lockByHref(calendarId: string, href: string): Promise<SyncEventRow | undefined> {
    const [row] = await this.sql.query<SyncEventRow>('select id, uid, href, seq from events where calendar_id = $1 and href = $2 for update', [calendarId, href]);
    return row;
  }

  async byUid(calendarId: string, uid: string): Promise<SyncEventRow | undefined> {
    const [row] = await this.sql.query<SyncEventRow>('select id, uid, href, seq from events where calendar_id = $1 and uid = $2', [calendarId, uid]);
    return row;
  }

  /** These events, each with its name and change number read in the same row (an ETag never older than what it names). */
  async rows(ids: string[]): Promise<(EventRow & { href: string; seq: number })[]> {
    return this.sql.query<EventRow & { href: string; seq: number }>(`select ${EVENT_COLUMNS}, e.href, e.seq from events e where e.id = any($1::text[])`, [ids]);
  }

  async setHref(eventId: string, href: string): Promise<void> {
    await this.sql.query('update events set href = $2 where id = $1', [eventId, href]);
  }

  /** Events changed, and names deleted, after change `since` up to `upTo`. */
  async changes(calendarId: string, since: number, upTo: number): Promise<{ changed: SyncEventRow[]; deleted: string[] }> {
    const changed = await this.sql.query<SyncEventRow>('select id, uid, href, seq from events where calendar_id = $1 and seq > $2 and seq <= $3 order by seq', [calendarId, since, upTo]);
    const deleted = await this.sql.query<{ href: string }>('select href from event_tombstones where calendar_id = $1 and seq > $2 and seq <= $3 order by seq', [calendarId, since, upTo]);
    return { changed, deleted: deleted.map((r) => r.href) };
  }
}
