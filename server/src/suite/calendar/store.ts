// The calendar's SQL, and nothing else: what is stored and how it is found.
// The rules (who may see and write what, recurrence, booking) are in
// Calendar.ts and rooms.ts; they reach the tables only through this store.
import type { Language, OrgRole, Plan, RoomView } from '@parley/protocol';
import { InvitationStore } from './invitation-store.ts';
import { TrashStore } from './trash-store.ts';
import { CalendarSyncStore } from './sync-store.ts';
import { SqlStore, type Sql } from '../../store/db.ts';

export interface CalendarRow {
  id: string;
  org_id: string;
  owner_id: string | null;
  room_id: string | null;
  name: string;
  color: string;
  default_alarms: number[];
}
export interface EventRow {
  id: string;
  calendar_id: string;
  uid: string;
  organizer_id: string | null;
  title: string;
  description: string;
  location: string;
  time_zone: string;
  all_day: boolean;
  start_local: string;
  end_local: string;
  start_at: number;
  end_at: number;
  rrule: string | null;
  series_end_at: number | null;
  exdates: string[];
  attendees: string[];
  room_id: string | null;
  meeting_id: string | null;
  meeting_url: string | null;
  moderator_ids: string[];
  alarms: number[];
}
export interface OverrideRow {
  event_id: string;
  recurrence_id: string;
  cancelled: boolean;
  title: string | null;
  description: string | null;
  location: string | null;
  start_local: string | null;
  end_local: string | null;
  start_at: number | null;
  end_at: number | null;
}
export interface RoomRow {
  id: string;
  org_id: string;
  name: string;
  address: string;
  floor: string;
  capacity: number;
  equipment: string[];
  allow_overlap: boolean;
  calendar_id: string;
  color: string;
}

/** What an event stores of its times (see occurrences.ts `timing`). */
export interface StoredTimes {
  timeZone: string;
  allDay: boolean;
  startLocal: string;
  endLocal: string;
  startAt: number;
  endAt: number;
  rrule: string | null;
  seriesEndAt: number | null;
}

/** An event's own texts and links, as written by people (and files). */
export interface EventFields {
  title: string;
  description: string;
  location: string;
  attendees: string[];
  roomId: string | null;
  moderatorIds: string[];
  alarms: number[];
}

export type OverrideFields = Omit<OverrideRow, 'event_id' | 'recurrence_id' | 'cancelled'>;

/** What a room stores of what people write about it: its view without the ids. */
export type RoomFields = Omit<RoomView, 'id' | 'orgId' | 'calendarId'>;

export const EVENT_COLUMNS = `e.id, e.calendar_id, e.uid, e.organizer_id, e.title, e.description, e.location, e.time_zone, e.all_day, e.start_local, e.end_local,
  e.start_at::float8 as start_at, e.end_at::float8 as end_at, e.rrule, e.series_end_at::float8 as series_end_at, e.exdates, e.attendees, e.room_id, e.meeting_id, e.meeting_url,
  e.moderator_ids, e.alarms`;
const OVERRIDE_COLUMNS = `o.event_id, o.recurrence_id, o.cancelled, o.title, o.description, o.location, o.start_local, o.end_local, o.start_at::float8 as start_at, o.end_at::float8 as end_at`;
const ROOM_COLUMNS = 'r.id, r.org_id, r.name, r.address, r.floor, r.capacity, r.equipment, r.allow_overlap, c.id as calendar_id, c.color';

/** Events that may have an occurrence in [$from, $to): the series spans it, or one of its occurrences was moved into it. */
const inRange = (from: string, to: string) => `(e.start_at < ${to} and (e.series_end_at is null or e.series_end_at > ${from})
   or exists (select 1 from event_overrides o where o.event_id = e.id and o.start_at < ${to} and o.end_at > ${from}))`;

/**
 * The calendar's tables (calendars, shares, events, changed occurrences,
 * rooms) on one database, or inside one of its transactions (`tx`).
 */
export class CalendarStore extends SqlStore<CalendarStore> {


  protected on(sql: Sql): CalendarStore {
    return new CalendarStore(this.db, sql);
  }

  /** The trash's store on the same database (or transaction). */
  trashStore(): TrashStore {
    return new TrashStore(this.db, this.sql);
  }

  // ---- members and their organizations ----

  async memberRole(orgId: string, userId: string): Promise<OrgRole | undefined> {
    const [row] = await this.sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    return row?.role;
  }

  /** Those of `ids` who are members of the organization and not bots. */
  async peopleAmong(orgId: string, ids: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>(`select user_id from org_members where org_id = $1 and user_id = any($2) and role <> 'bot'`, [orgId, ids]);
    return rows.map((r) => r.user_id);
  }

  /** Who someone is, as an invitation names them. */
  async memberProfile(userId: string): Promise<{ name: string; email: string; language: Language } | undefined> {
    const [row] = await this.sql.query<{ name: string; email: string; language: Language }>('select name, email, language from users where id = $1', [userId]);
    return row;
  }

  async eventByUid(calendarId: string, uid: string): Promise<EventRow | undefined> {
    const [row] = await this.sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.calendar_id = $1 and e.uid = $2`, [calendarId, uid]);
    return row;
  }

  /** The invitations' store on the same database (or transaction). */
  invitationStore(): InvitationStore {
    return new InvitationStore(this.db, this.sql);
  }

  /** CalDAV's SQL, in this store's transaction. */
  syncStore(): CalendarSyncStore {
    return new CalendarSyncStore(this.db, this.sql);
  }

  async userTimeZone(userId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ time_zone: string }>('select time_zone from users where id = $1', [userId]);
    return row?.time_zone;
  }

  /** The organization's plan; `lock` holds its row until the transaction ends (rooms are counted under it). */
  async plan(orgId: string, opts: { lock?: boolean } = {}): Promise<Plan | undefined> {
    const [row] = await this.sql.query<{ plan: Plan }>(`select plan from orgs where id = $1${opts.lock ? ' for update' : ''}`, [orgId]);
    return row?.plan;
  }

  async setPlan(orgId: string, plan: Plan): Promise<void> {
    await this.sql.query('update orgs set plan = $2 where id = $1', [orgId, plan]);
  }

  // ---- calendars ----

  /** A calendar, with `userId`'s share of it and role in its organization. */
  async calendar(calendarId: string, userId: string): Promise<(CalendarRow & { share: 'read' | 'write' | null; role: OrgRole | null }) | undefined> {
    const [row] = await this.sql.query<CalendarRow & { share: 'read' | 'write' | null; role: OrgRole | null }>(
      `select c.id, c.org_id, c.owner_id, c.room_id, c.name, c.color, c.default_alarms, s.access as share, m.role
         from calendars c
         left join calendar_shares s on s.calendar_id = c.id and s.user_id = $2
         left join org_members m on m.org_id = c.org_id and m.user_id = $2
        where c.id = $1`,
      [calendarId, userId],
    );
    return row;
  }

  /** Creates a user's calendar named after them, unless one has this id. */
  async ensureUserCalendar(id: string, orgId: string, userId: string): Promise<void> {
    await this.sql.query(
      `insert into calendars (id, org_id, owner_id, name, created_at) select $1, $2, $3, u.name, $4 from users u where u.id = $3 on conflict (id) do nothing`,
      [id, orgId, userId, Date.now()],
    );
  }

  /** The calendars `userId` owns or was given in an organization, and the rooms' when `withRooms`; own first, rooms last. */
  async calendarsOf(orgId: string, userId: string, withRooms: boolean): Promise<(CalendarRow & { share: 'read' | 'write' | null })[]> {
    return this.sql.query<CalendarRow & { share: 'read' | 'write' | null }>(
      `select c.id, c.org_id, c.owner_id, c.room_id, c.name, c.color, c.default_alarms, s.access as share
         from calendars c left join calendar_shares s on s.calendar_id = c.id and s.user_id = $2
        where c.org_id = $1 and (c.owner_id = $2 or s.user_id is not null or (c.room_id is not null and $3))
        order by c.room_id is not null, c.owner_id = $2 desc, c.created_at, c.name`,
      [orgId, userId, withRooms],
    );
  }

  /** Sets the name and colour given (one left undefined stays); the sync token moves, so devices read the calendar's properties again. */
  async updateCalendar(calendarId: string, p: { name?: string | undefined; color?: string | undefined }): Promise<void> {
    await this.sql.query('update calendars set name = coalesce($2, name), color = coalesce($3, color), last_seq = last_seq + 1 where id = $1', [calendarId, p.name ?? null, p.color ?? null]);
  }

  async setDefaultAlarms(calendarId: string, alarms: number[]): Promise<void> {
    await this.sql.query('update calendars set default_alarms = $2 where id = $1', [calendarId, JSON.stringify(alarms)]);
  }

  async insertCalendar(c: { id: string; orgId: string; ownerId: string | null; roomId: string | null; name: string; color: string }): Promise<void> {
    await this.sql.query('insert into calendars (id, org_id, owner_id, room_id, name, color, created_at) values ($1, $2, $3, $4, $5, $6, $7)', [
      c.id,
      c.orgId,
      c.ownerId,
      c.roomId,
      c.name,
      c.color,
      Date.now(),
    ]);
  }

  /** Gives `userId` read or write access to a calendar, or ('none') takes it back. */
  async setShare(calendarId: string, userId: string, access: 'read' | 'write' | 'none'): Promise<void> {
    if (access === 'none') await this.sql.query('delete from calendar_shares where calendar_id = $1 and user_id = $2', [calendarId, userId]);
    else {
      await this.sql.query(
        'insert into calendar_shares (calendar_id, user_id, access) values ($1, $2, $3) on conflict (calendar_id, user_id) do update set access = excluded.access',
        [calendarId, userId, access],
      );
    }
  }

  async deleteCalendar(calendarId: string): Promise<void> {
    await this.sql.query('delete from calendars where id = $1', [calendarId]);
  }

  // ---- events ----

  async event(eventId: string): Promise<EventRow | undefined> {
    const [row] = await this.sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.id = $1`, [eventId]);
    return row;
  }

  /**
   * Events of these calendars whose title, description, place or attendees
   * hold every pattern (LIKE-escaped words, folded here as the text is):
   * those not over yet first (a series that goes on counts), soonest first,
   * then past ones, latest first.
   */
  async searchEvents(calendarIds: string[], patterns: string[], now: number, limit: number): Promise<EventRow[]> {
    return this.sql.query<EventRow>(
      `select ${EVENT_COLUMNS} from events e
        where e.calendar_id = any($1)
          and (select bool_and(parley_fold(e.title || ' ' || e.description || ' ' || e.location || ' ' || e.attendees::text) like '%' || parley_fold(w) || '%')
                 from unnest($2::text[]) as w)
        order by not (e.series_end_at is null or e.series_end_at > $3), case when e.series_end_at is null or e.series_end_at > $3 then e.start_at end, e.start_at desc, e.id
        limit $4`,
      [calendarIds, patterns, now, limit],
    );
  }

  async insertEvent(e: { id: string; calendarId: string; uid: string; organizerId: string; meetingId: string | null; meetingUrl: string | null }, f: EventFields, t: StoredTimes): Promise<void> {
    const now = Date.now();
    await this.sql.query(
      `insert into events (id, calendar_id, uid, organizer_id, title, description, location, time_zone, all_day, start_local, end_local, start_at, end_at,
                           rrule, series_end_at, attendees, room_id, meeting_id, meeting_url, created_at, updated_at, moderator_ids, alarms)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, $22)`,
      [
        e.id, e.calendarId, e.uid, e.organizerId, f.title, f.description, f.location,
        t.timeZone, t.allDay, t.startLocal, t.endLocal, t.startAt, t.endAt, t.rrule, t.seriesEndAt,
        JSON.stringify(f.attendees), f.roomId, e.meetingId, e.meetingUrl, now, JSON.stringify(f.moderatorIds), JSON.stringify(f.alarms),
      ],
    );
  }

  /** Rewrites an event; a meeting, once linked, stays (null keeps the one it has). */
  async updateEvent(eventId: string, f: EventFields, t: StoredTimes, meeting: { id: string; url: string } | null): Promise<void> {
    await this.sql.query(
      `update events set title = $2, description = $3, location = $4, time_zone = $5, all_day = $6, start_local = $7, end_local = $8, start_at = $9, end_at = $10,
              rrule = $11, series_end_at = $12, attendees = $13, room_id = $14, meeting_id = coalesce($15, meeting_id), meeting_url = coalesce($16, meeting_url),
              updated_at = $17, moderator_ids = $18, alarms = $19
        where id = $1`,
      [
        eventId, f.title, f.description, f.location, t.timeZone, t.allDay, t.startLocal, t.endLocal, t.startAt, t.endAt,
        t.rrule, t.seriesEndAt, JSON.stringify(f.attendees), f.roomId, meeting?.id ?? null, meeting?.url ?? null, Date.now(), JSON.stringify(f.moderatorIds), JSON.stringify(f.alarms),
      ],
    );
  }


  /**
   * Imports an event by its UID: a new one, or the one of that UID in the
   * calendar rewritten (its changed occurrences are dropped: the file brings
   * its own). Answers its id.
   */
  async upsertByUid(e: { calendarId: string; uid: string; organizerId: string; newId: string; url: string | null; exdates: string[] }, f: Omit<EventFields, 'roomId' | 'moderatorIds'>, t: StoredTimes): Promise<string> {
    const now = Date.now();
    const [row] = await this.sql.query<{ id: string }>(
      `insert into events (id, calendar_id, uid, organizer_id, title, description, location, time_zone, all_day, start_local, end_local, start_at, end_at,
                           rrule, series_end_at, exdates, attendees, meeting_url, created_at, updated_at, alarms)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20)
       on conflict (calendar_id, uid) do update set title = excluded.title, description = excluded.description, location = excluded.location,
         time_zone = excluded.time_zone, all_day = excluded.all_day, start_local = excluded.start_local, end_local = excluded.end_local,
         start_at = excluded.start_at, end_at = excluded.end_at, rrule = excluded.rrule, series_end_at = excluded.series_end_at,
         exdates = excluded.exdates, attendees = excluded.attendees, updated_at = excluded.updated_at, alarms = excluded.alarms,
         -- A file (or a device) does not replace the link of the event's own Parley meeting.
         meeting_url = case when events.meeting_id is null then excluded.meeting_url else events.meeting_url end
       returning id`,
      [
        e.newId, e.calendarId, e.uid, e.organizerId, f.title, f.description, f.location,
        t.timeZone, t.allDay, t.startLocal, t.endLocal, t.startAt, t.endAt, t.rrule, t.seriesEndAt,
        JSON.stringify(e.exdates), JSON.stringify(f.attendees), e.url, now, JSON.stringify(f.alarms),
      ],
    );
    await this.sql.query('delete from event_overrides where event_id = $1', [row!.id]);
    return row!.id;
  }

  /** Events of these calendars, and the bookings of these rooms (`via_room`), that may occur in [from, to). */
  async eventsInRange(calendarIds: string[], roomIds: string[], from: number, to: number): Promise<(EventRow & { via_room: string | null })[]> {
    return this.sql.query<EventRow & { via_room: string | null }>(
      `select ${EVENT_COLUMNS}, null as via_room from events e
        where e.calendar_id = any($1) and ${inRange('$2', '$3')}
       union all
       select ${EVENT_COLUMNS}, e.room_id as via_room from events e
        where e.room_id = any($4) and ${inRange('$2', '$3')}`,
      [calendarIds, from, to, roomIds],
    );
  }

  /** The bookings of these rooms that may occur in [from, to). */
  async memberById(orgId: string, userId: string): Promise<{ id: string; email: string; name: string } | undefined> {
    const [row] = await this.sql.query<{ id: string; email: string; name: string }>(
      `select u.id, lower(u.email) as email, u.name from users u join org_members m on m.user_id = u.id and m.org_id = $1 where u.id = $2`,
      [orgId, userId],
    );
    return row;
  }

  /** Members of the organization with these (lower-case) addresses. */
  async membersByEmail(orgId: string, emails: string[]): Promise<{ id: string; email: string; name: string }[]> {
    return this.sql.query(
      `select u.id, lower(u.email) as email, u.name from users u join org_members m on m.user_id = u.id and m.org_id = $1 where lower(u.email) = any($2) and m.role <> 'bot'`,
      [orgId, emails],
    );
  }

  /**
   * Events of the organization that may fall in [from, to) and keep these
   * people busy: in a calendar one of them owns, or naming one of them
   * (lower-case addresses) as attendee. All-day events leave people free.
   */
  /** The events that may take these people's time, with the addresses of those invited who declined. */
  async busyEvents(orgId: string, ownerIds: string[], emails: string[], from: number, to: number): Promise<(EventRow & { owner_id: string | null; declined: string[] })[]> {
    return this.sql.query<EventRow & { owner_id: string | null; declined: string[] }>(
      `select ${EVENT_COLUMNS}, c.owner_id,
              array(select i.email from event_invitations i where i.event_id = e.id and i.status = 'declined') as declined
         from events e join calendars c on c.id = e.calendar_id
        where c.org_id = $1 and not e.all_day and ${inRange('$4', '$5')}
          and (c.owner_id = any($2) or exists (select 1 from jsonb_array_elements_text(e.attendees) a where lower(a) = any($3)))`,
      [orgId, ownerIds, emails, from, to],
    );
  }

  async bookingsInRange(roomIds: string[], from: number, to: number): Promise<EventRow[]> {
    return this.sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.room_id = any($1) and ${inRange('$2', '$3')}`, [roomIds, from, to]);
  }

  /** Every event of a calendar, or (a room's calendar) every booking of the room, by start. */
  async eventsOf(where: { calendarId: string } | { roomId: string }): Promise<EventRow[]> {
    return 'roomId' in where
      ? this.sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.room_id = $1 order by e.start_at`, [where.roomId])
      : this.sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.calendar_id = $1 order by e.start_at`, [where.calendarId]);
  }

  /** The rooms among `roomIds` that `userId` booked most recently, the latest first. */
  async recentRooms(userId: string, roomIds: string[], limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ room_id: string }>(
      `select room_id from events where organizer_id = $1 and room_id = any($2) group by room_id order by max(created_at) desc limit $3`,
      [userId, roomIds, limit],
    );
    return rows.map((r) => r.room_id);
  }

  /** The event a meeting was made for (the first, should there be several). */
  async eventByMeeting(meetingId: string): Promise<{ title: string; organizerId: string | null; orgId: string } | undefined> {
    const [row] = await this.sql.query<{ title: string; organizer_id: string | null; org_id: string }>(
      'select e.title, e.organizer_id, c.org_id from events e join calendars c on c.id = e.calendar_id where e.meeting_id = $1 order by e.created_at limit 1',
      [meetingId],
    );
    return row && { title: row.title, organizerId: row.organizer_id, orgId: row.org_id };
  }

  /** Whether an event made this meeting with `userId` as its organizer or one of the moderators they named. */
  async moderatesMeeting(meetingId: string, userId: string): Promise<boolean> {
    const rows = await this.sql.query('select 1 from events where meeting_id = $1 and (organizer_id = $2 or moderator_ids ? $2) limit 1', [meetingId, userId]);
    return rows.length > 0;
  }

  // ---- cancelled and changed occurrences ----

  async overridesOf(eventIds: string[]): Promise<Map<string, OverrideRow[]>> {
    const map = new Map<string, OverrideRow[]>();
    if (!eventIds.length) return map;
    for (const o of await this.sql.query<OverrideRow>(`select ${OVERRIDE_COLUMNS} from event_overrides o where o.event_id = any($1)`, [eventIds])) {
      map.set(o.event_id, [...(map.get(o.event_id) ?? []), o]);
    }
    return map;
  }

  /** Replaces an event's exceptions: the cancelled dates and the changed occurrences. */
  async setExceptions(eventId: string, exdates: string[], overrides: OverrideRow[]): Promise<void> {
    await this.sql.query('update events set exdates = $2 where id = $1', [eventId, JSON.stringify(exdates)]);
    await this.sql.query('delete from event_overrides where event_id = $1', [eventId]);
    for (const o of overrides) await this.#insertOverride(eventId, o.recurrence_id, o.cancelled, o, 'replace');
  }

  async cancelOccurrence(eventId: string, recurrenceId: string): Promise<void> {
    await this.sql.query(
      `insert into event_overrides (event_id, recurrence_id, cancelled) values ($1, $2, true)
       on conflict (event_id, recurrence_id) do update set cancelled = true, title = null, description = null, location = null, start_local = null, end_local = null, start_at = null, end_at = null`,
      [eventId, recurrenceId],
    );
  }

  /** Changes one occurrence (it replaces an earlier change of it). */
  async changeOccurrence(eventId: string, recurrenceId: string, f: OverrideFields): Promise<void> {
    await this.#insertOverride(eventId, recurrenceId, false, f, 'replace');
  }

  /** A changed or cancelled occurrence read from a file; the first one for an occurrence wins. */
  async addImportedOverride(eventId: string, recurrenceId: string, cancelled: boolean, f: OverrideFields): Promise<void> {
    await this.#insertOverride(eventId, recurrenceId, cancelled, f, 'keep');
  }

  async #insertOverride(eventId: string, recurrenceId: string, cancelled: boolean, f: OverrideFields, conflict: 'replace' | 'keep'): Promise<void> {
    await this.sql.query(
      `insert into event_overrides (event_id, recurrence_id, cancelled, title, description, location, start_local, end_local, start_at, end_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (event_id, recurrence_id) do ${
         conflict === 'keep'
           ? 'nothing'
           : `update set cancelled = excluded.cancelled, title = excluded.title, description = excluded.description, location = excluded.location,
           start_local = excluded.start_local, end_local = excluded.end_local, start_at = excluded.start_at, end_at = excluded.end_at`
       }`,
      [eventId, recurrenceId, cancelled, f.title, f.description, f.location, f.start_local, f.end_local, f.start_at, f.end_at],
    );
  }

  // ---- meeting rooms ----

  async room(roomId: string): Promise<RoomRow | undefined> {
    const [room] = await this.sql.query<RoomRow>(`select ${ROOM_COLUMNS} from rooms r join calendars c on c.room_id = r.id where r.id = $1`, [roomId]);
    return room;
  }

  /** The room's row, held until the transaction ends (bookings of one room are serialized on it). */
  async lockRoom(roomId: string): Promise<{ org_id: string; allow_overlap: boolean; name: string } | undefined> {
    const [room] = await this.sql.query<{ org_id: string; allow_overlap: boolean; name: string }>('select org_id, allow_overlap, name from rooms where id = $1 for update', [roomId]);
    return room;
  }

  async roomsOf(orgId: string): Promise<RoomRow[]> {
    return this.sql.query<RoomRow>(`select ${ROOM_COLUMNS} from rooms r join calendars c on c.room_id = r.id where r.org_id = $1 order by r.name`, [orgId]);
  }

  async roomCount(orgId: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>('select count(*)::int as n from rooms where org_id = $1', [orgId]);
    return row?.n ?? 0;
  }

  /** Inserts a room; a unique violation (its name is taken) is the caller's to read. */
  async insertRoom(id: string, orgId: string, r: RoomFields): Promise<void> {
    await this.sql.query(`insert into rooms (id, org_id, name, address, floor, capacity, equipment, allow_overlap, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      id, orgId, r.name, r.address, r.floor, r.capacity, JSON.stringify(r.equipment), r.allowOverlap, Date.now(),
    ]);
  }

  /** Rewrites a room and renames its calendar. */
  async updateRoom(roomId: string, r: RoomFields): Promise<void> {
    await this.sql.query('update rooms set name = $2, address = $3, floor = $4, capacity = $5, equipment = $6, allow_overlap = $7 where id = $1', [
      roomId, r.name, r.address, r.floor, r.capacity, JSON.stringify(r.equipment), r.allowOverlap,
    ]);
    await this.sql.query('update calendars set name = $2, color = $3 where room_id = $1', [roomId, r.name, r.color]);
  }

  /** Deletes a room; its bookings stay as events, without a room. */
  async deleteRoom(roomId: string): Promise<void> {
    await this.sql.query('delete from rooms where id = $1', [roomId]);
  }
}
