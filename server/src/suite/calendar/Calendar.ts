// The calendar of an organization: calendars (one's own, shared ones, one per
// meeting room), events with recurrence and per-occurrence changes, meeting
// links, room booking, and .ics import and export.
//
// Who sees what: a user sees the calendars they own, those shared with them,
// and (unless they are an external guest) every meeting room's calendar.
// Writing needs ownership or a "write" share. Rooms are created by
// administrators and legal representatives only, within the plan's number.
//
// Booking a room takes the room's row lock for the length of the
// transaction: two people booking the same slot at once are serialized, and
// the second is refused (ROOM_BUSY) unless the room allows overlaps.
import crypto from 'node:crypto';
import {
  CALENDAR_LIMITS,
  DomainError,
  PLAN_ROOMS,
  type CalendarView,
  type CreateCalendarBody,
  type CreateEventBody,
  type EventView,
  type OccurrenceBody,
  type OccurrenceView,
  type OrgRole,
  type Plan,
  type RoomBody,
  type RoomView,
  type UpdateEventBody,
} from '@parley/protocol';
import { newId } from '../../accounts/Accounts.ts';
import { isUniqueViolation, type Db, type Sql } from '../../store/db.ts';
import { IcsError, ICS_WORK, parseIcs, writeIcs, type IcsEvent } from './ics.ts';
import { Gate, Work, WorkExceeded } from '../../lib/work.ts';
import { expand, EXPANSION_LIMIT, formatRRule, parseRRule, RRuleError, UNITS, type RRule } from './recurrence.ts';
import { DAY_MS, formatWall, isTimeZone, parseWall, toUtc, toWall } from './time.ts';
import { requireName } from '../../lib/names.ts';

/**
 * Creates the Parley meeting of an event, owned by its organizer's account:
 * the organizer (and whom they name) open it as moderator signed in, with
 * the plain link; no moderator secret ever leaves the server for a calendar.
 */
export interface EventMeetings {
  create(title: string, ownerId: string): Promise<{ meetingId: string; url: string }>;
}

interface CalendarRow {
  id: string;
  org_id: string;
  owner_id: string | null;
  room_id: string | null;
  name: string;
  color: string;
}
interface EventRow {
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
}
interface OverrideRow {
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
interface RoomRow {
  id: string;
  org_id: string;
  name: string;
  address: string;
  floor: string;
  capacity: number;
  equipment: string[];
  allow_overlap: boolean;
  calendar_id: string;
}

type Access = CalendarView['access'];
const MANAGERS: readonly OrgRole[] = ['legal', 'admin'];
const EVENT_COLUMNS = `e.id, e.calendar_id, e.uid, e.organizer_id, e.title, e.description, e.location, e.time_zone, e.all_day, e.start_local, e.end_local,
  e.start_at::float8 as start_at, e.end_at::float8 as end_at, e.rrule, e.series_end_at::float8 as series_end_at, e.exdates, e.attendees, e.room_id, e.meeting_id, e.meeting_url,
  e.moderator_ids`;
const OVERRIDE_COLUMNS = `o.event_id, o.recurrence_id, o.cancelled, o.title, o.description, o.location, o.start_local, o.end_local, o.start_at::float8 as start_at, o.end_at::float8 as end_at`;
const ROOM_COLUMNS = 'r.id, r.org_id, r.name, r.address, r.floor, r.capacity, r.equipment, r.allow_overlap, c.id as calendar_id';

/** An event's times, checked and computed: what is stored. */
interface Timing {
  timeZone: string;
  allDay: boolean;
  /** Wall ms. */
  start: number;
  end: number;
  startAt: number;
  endAt: number;
  rrule: RRule | null;
  rruleText: string | null;
  seriesEndAt: number | null;
}

const invalidTime = (message: string) => new DomainError('INVALID_TIME', message);

/**
 * Work units one calendar request may spend on recurrence (see lib/work.ts):
 * about a fifth of a second of one core here. What people write (a weekly
 * meeting for years, the last workday of every month until 2100, a listing
 * of 5,000 occurrences) takes at most half of it; rules built to be costly
 * (every day of the year, BYSETPOS=366, UNTIL in the year 9999: 3,000,000)
 * are refused with TOO_COMPLEX. Imports have ICS_WORK.
 */
export const CALENDAR_WORK = 2_000_000;
/** Calendar requests computing at once on this node; the others queue (up to 64) in turn. */
const gate = new Gate(2, 64);

/** Reads an event's wall-clock times in its zone; all-day events have dates and an exclusive end day. */
async function timing(p: { timeZone: string; allDay?: boolean; start: string; end: string; rrule?: string | null }, work: Work): Promise<Timing> {
  if (!isTimeZone(p.timeZone)) throw invalidTime(`unknown time zone "${p.timeZone}" (IANA names, such as Europe/Zurich)`);
  const allDay = p.allDay ?? false;
  const start = parseWall(p.start);
  const end = parseWall(p.end);
  if (start === null || end === null) throw invalidTime('start or end is not a real date and time');
  const dateOnly = (s: string) => s.length === 10;
  if (allDay !== dateOnly(p.start) || allDay !== dateOnly(p.end)) throw invalidTime(allDay ? 'an all-day event has dates (YYYY-MM-DD), not times' : 'an event with times needs YYYY-MM-DDTHH:MM');
  if (allDay ? end <= start : end < start) throw invalidTime('the event ends before it starts');
  let rrule: RRule | null = null;
  if (p.rrule) {
    try {
      rrule = parseRRule(p.rrule);
    } catch (error) {
      if (error instanceof RRuleError) throw new DomainError('INVALID_RECURRENCE', error.message);
      throw error;
    }
  }
  const startAt = toUtc(start, p.timeZone);
  const endAt = allDay ? toUtc(end, p.timeZone) : startAt + (toUtc(end, p.timeZone) - toUtc(start, p.timeZone));
  const t: Timing = { timeZone: p.timeZone, allDay, start, end, startAt, endAt, rrule, rruleText: p.rrule || null, seriesEndAt: endAt };
  if (rrule) {
    // A bounded series ends with its last occurrence; an endless one never.
    if (rrule.count === undefined && !rrule.until) t.seriesEndAt = null;
    else {
      let last = start;
      let n = 0;
      for (const w of expand(rrule, start, p.timeZone, start, work)) {
        last = w;
        n++;
        if (work.due) await work.breathe();
      }
      if (n >= EXPANSION_LIMIT) t.seriesEndAt = null;
      else t.seriesEndAt = occurrenceTimes(t, last).endAt;
    }
  }
  return t;
}

/** The instants of the occurrence starting at wall time `w`: timed events last the same exact time; all-day ones the same number of days. */
function occurrenceTimes(t: Pick<Timing, 'timeZone' | 'allDay' | 'start' | 'end' | 'startAt' | 'endAt'>, w: number): { startAt: number; endAt: number; end: number } {
  const startAt = toUtc(w, t.timeZone);
  if (t.allDay) {
    const end = w + (t.end - t.start);
    return { startAt, endAt: toUtc(end, t.timeZone), end };
  }
  const endAt = startAt + (t.endAt - t.startAt);
  return { startAt, endAt, end: toWall(endAt, t.timeZone) };
}

const timingOf = (e: EventRow): Timing => {
  const start = parseWall(e.start_local)!;
  const end = parseWall(e.end_local)!;
  return { timeZone: e.time_zone, allDay: e.all_day, start, end, startAt: e.start_at, endAt: e.end_at, rrule: e.rrule ? parseRRule(e.rrule) : null, rruleText: e.rrule, seriesEndAt: e.series_end_at };
};

const localText = (wall: number, allDay: boolean) => formatWall(wall, allDay);

/**
 * The occurrences of an event that overlap [from, to), with its exceptions
 * and changed occurrences applied, in start order.
 */
export async function occurrencesOf(e: EventRow, overrides: OverrideRow[], from: number, to: number, work: Work, limit: number = CALENDAR_LIMITS.occurrences): Promise<OccurrenceView[]> {
  const t = timingOf(e);
  const base = {
    eventId: e.id,
    calendarId: e.calendar_id,
    organizerId: e.organizer_id,
    recurring: Boolean(t.rrule),
    title: e.title,
    description: e.description,
    location: e.location,
    timeZone: e.time_zone,
    allDay: e.all_day,
    roomId: e.room_id,
    meetingUrl: e.meeting_url,
    private: false,
  };
  const byId = new Map(overrides.map((o) => [o.recurrence_id, o]));
  const used = new Set<string>();
  const out: OccurrenceView[] = [];
  const push = (rid: string, start: number, startAt: number, endAt: number, end: number, o: OverrideRow | undefined) => {
    if (o) used.add(rid);
    if (o?.cancelled) return;
    const s = o?.start_at ?? startAt;
    const en = o?.end_at ?? endAt;
    if (!(s < to && en > from) && !(s === en && s >= from && s < to)) return;
    out.push({
      ...base,
      recurrenceId: rid,
      changed: Boolean(o),
      title: o?.title ?? base.title,
      description: o?.description ?? base.description,
      location: o?.location ?? base.location,
      start: o?.start_local ?? localText(start, e.all_day),
      end: o?.end_local ?? localText(end, e.all_day),
      startAt: s,
      endAt: en,
    });
  };
  if (!t.rrule) {
    push(localText(t.start, e.all_day), t.start, t.startAt, t.endAt, t.end, byId.get(localText(t.start, e.all_day)));
  } else {
    const exdates = new Set(e.exdates);
    const duration = t.endAt - t.startAt;
    // Occurrences that began before `from` may still run into it.
    const fromWall = toWall(from - duration, e.time_zone) - DAY_MS;
    for (const w of expand(t.rrule, t.start, e.time_zone, fromWall, work)) {
      work.spend(UNITS.zone);
      if (work.due) await work.breathe();
      const times = occurrenceTimes(t, w);
      if (times.startAt >= to) break;
      const rid = localText(w, e.all_day);
      if (exdates.has(rid)) continue;
      push(rid, w, times.startAt, times.endAt, times.end, byId.get(rid));
      if (out.length >= limit) break;
    }
  }
  // Occurrences moved into the range from far outside it.
  for (const o of overrides) {
    if (used.has(o.recurrence_id) || o.cancelled || o.start_at === null || o.end_at === null) continue;
    if (o.start_at < to && o.end_at > from) push(o.recurrence_id, parseWall(o.start_local!)!, o.start_at, o.end_at, parseWall(o.end_local!)!, o);
  }
  return out.sort((a, b) => a.startAt - b.startAt);
}

/**
 * A room's calendar shows everyone when it is taken, and by whom; what the
 * meeting is (and its link, which lets anyone in) only to those who can read
 * the calendar the event is in: the calendars here that are not rooms'.
 */
const readableIds = (visible: CalendarView[]) => new Set(visible.filter((c) => !c.roomId).map((c) => c.id));
/** What a booking shows in place of its own texts to the others, on screen and in files. */
const BUSY = { title: 'Busy', description: '', location: '' };
const privateOccurrence = (o: OccurrenceView): OccurrenceView => ({ ...o, ...BUSY, private: true, meetingUrl: null });

const eventView = (e: EventRow, viewerId: string): EventView => ({
  id: e.id,
  calendarId: e.calendar_id,
  uid: e.uid,
  organizerId: e.organizer_id,
  title: e.title,
  description: e.description,
  location: e.location,
  timeZone: e.time_zone,
  allDay: e.all_day,
  start: e.start_local,
  end: e.end_local,
  rrule: e.rrule,
  exdates: e.exdates,
  attendees: e.attendees,
  roomId: e.room_id,
  meetingUrl: e.meeting_url,
  moderatorIds: e.moderator_ids,
  // Only a meeting made for this event (not a link imported or pasted) has moderators by account.
  moderator: e.meeting_id !== null && (e.organizer_id === viewerId || e.moderator_ids.includes(viewerId)),
});

const roomView = (r: RoomRow): RoomView => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  address: r.address,
  floor: r.floor,
  capacity: r.capacity,
  equipment: r.equipment,
  allowOverlap: r.allow_overlap,
  calendarId: r.calendar_id,
});

/** The id of a user's default calendar in an organization: fixed, so two first visits at once create one. */
const defaultCalendarId = (orgId: string, userId: string) => `cal-${crypto.createHash('sha256').update(`${orgId}\n${userId}`).digest('base64url').slice(0, 22)}`;

export class Calendar {
  readonly #db: Db;
  meetings: EventMeetings | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Runs work that may expand recurrence rules or read a calendar file:
   * behind the gate, within one request's budget, in time slices. Never
   * nested (a second permit waited for inside the first could deadlock):
   * private helpers take the `work` of the public method that called them.
   */
  #work<T>(what: string, fn: (work: Work) => Promise<T>, limit = CALENDAR_WORK): Promise<T> {
    return gate.run(() => fn(new Work(limit, { what })));
  }

  // ---- access ----

  async #role(orgId: string, userId: string, sql: Sql = this.#db): Promise<OrgRole> {
    const [row] = await sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    if (!row) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    return row.role;
  }

  /** A calendar and what `userId` may do with it; CALENDAR_NOT_FOUND when they may not see it. */
  async #calendar(calendarId: string, userId: string, sql: Sql = this.#db): Promise<{ cal: CalendarRow; access: Access }> {
    const [row] = await sql.query<CalendarRow & { share: 'read' | 'write' | null; role: OrgRole | null }>(
      `select c.id, c.org_id, c.owner_id, c.room_id, c.name, c.color, s.access as share, m.role
         from calendars c
         left join calendar_shares s on s.calendar_id = c.id and s.user_id = $2
         left join org_members m on m.org_id = c.org_id and m.user_id = $2
        where c.id = $1`,
      [calendarId, userId],
    );
    // Former members keep nothing, not even their own calendars' contents.
    const access: Access | null = !row?.role
      ? null
      : row.owner_id === userId
        ? 'owner'
        : row.share
          ? row.share
          : row.room_id && row.role !== 'external'
            ? 'room'
            : null;
    if (!row || !access) throw new DomainError('CALENDAR_NOT_FOUND', 'no such calendar');
    return { cal: row, access };
  }

  async #writable(calendarId: string, userId: string, sql: Sql = this.#db): Promise<CalendarRow> {
    const { cal, access } = await this.#calendar(calendarId, userId, sql);
    if (access === 'room') throw new DomainError('FORBIDDEN', 'a room’s calendar fills itself: book the room from an event in your calendar');
    if (access !== 'owner' && access !== 'write') throw new DomainError('FORBIDDEN', 'this calendar is shared with you read-only');
    return cal;
  }

  async #event(eventId: string, userId: string, sql: Sql = this.#db): Promise<{ event: EventRow; access: Access }> {
    const [event] = await sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.id = $1`, [eventId]);
    if (!event) throw new DomainError('EVENT_NOT_FOUND', 'no such event');
    try {
      return { event, access: (await this.#calendar(event.calendar_id, userId, sql)).access };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CALENDAR_NOT_FOUND') throw new DomainError('EVENT_NOT_FOUND', 'no such event');
      throw error;
    }
  }

  // ---- calendars ----

  /** The calendars `userId` sees in an organization (their default one is made on first look). */
  async calendars(userId: string, orgId: string): Promise<CalendarView[]> {
    const role = await this.#role(orgId, userId);
    const id = defaultCalendarId(orgId, userId);
    await this.#db.query(
      `insert into calendars (id, org_id, owner_id, name, created_at) select $1, $2, $3, u.name, $4 from users u where u.id = $3 on conflict (id) do nothing`,
      [id, orgId, userId, Date.now()],
    );
    const rows = await this.#db.query<CalendarRow & { share: 'read' | 'write' | null }>(
      `select c.id, c.org_id, c.owner_id, c.room_id, c.name, c.color, s.access as share
         from calendars c left join calendar_shares s on s.calendar_id = c.id and s.user_id = $2
        where c.org_id = $1 and (c.owner_id = $2 or s.user_id is not null or (c.room_id is not null and $3))
        order by c.room_id is not null, c.owner_id = $2 desc, c.created_at, c.name`,
      [orgId, userId, role !== 'external'],
    );
    return rows.map((c) => ({
      id: c.id,
      orgId: c.org_id,
      name: c.name,
      color: c.color,
      access: c.owner_id === userId ? 'owner' : (c.share ?? 'room'),
      ownerId: c.owner_id,
      roomId: c.room_id,
    }));
  }

  async createCalendar(userId: string, p: CreateCalendarBody): Promise<CalendarView> {
    const name = requireName(p.name, 100, 'a calendar name');
    await this.#role(p.orgId, userId);
    const id = newId();
    await this.#db.query('insert into calendars (id, org_id, owner_id, name, color, created_at) values ($1, $2, $3, $4, $5, $6)', [id, p.orgId, userId, name, p.color ?? '#2563eb', Date.now()]);
    return { id, orgId: p.orgId, name, color: p.color ?? '#2563eb', access: 'owner', ownerId: userId, roomId: null };
  }

  /** Shares one's calendar with another member of its organization ('none' takes the share back). */
  async share(userId: string, calendarId: string, targetId: string, access: 'read' | 'write' | 'none'): Promise<void> {
    const { cal, access: mine } = await this.#calendar(calendarId, userId);
    if (mine !== 'owner') throw new DomainError('FORBIDDEN', 'only the owner shares a calendar');
    if (targetId === userId) throw new DomainError('INVALID_PAYLOAD', 'a calendar is not shared with its owner');
    const [member] = await this.#db.query('select 1 from org_members where org_id = $1 and user_id = $2', [cal.org_id, targetId]);
    if (!member) throw new DomainError('USER_NOT_FOUND', 'no such member of this organization');
    if (access === 'none') await this.#db.query('delete from calendar_shares where calendar_id = $1 and user_id = $2', [calendarId, targetId]);
    else {
      await this.#db.query(
        'insert into calendar_shares (calendar_id, user_id, access) values ($1, $2, $3) on conflict (calendar_id, user_id) do update set access = excluded.access',
        [calendarId, targetId, access],
      );
    }
  }

  async deleteCalendar(userId: string, calendarId: string): Promise<void> {
    const { cal, access } = await this.#calendar(calendarId, userId);
    if (access !== 'owner') throw new DomainError('FORBIDDEN', 'only the owner deletes a calendar');
    if (cal.id === defaultCalendarId(cal.org_id, userId)) throw new DomainError('FORBIDDEN', 'your default calendar stays (delete its events instead)');
    await this.#db.query('delete from calendars where id = $1', [calendarId]);
  }

  // ---- events ----

  async event(userId: string, eventId: string): Promise<EventView> {
    return eventView((await this.#event(eventId, userId)).event, userId);
  }

  async createEvent(userId: string, p: CreateEventBody): Promise<EventView> {
    return this.#work('this event’s recurrence', (work) => this.#createEvent(userId, p, work));
  }

  async #createEvent(userId: string, p: CreateEventBody, work: Work): Promise<EventView> {
    const t = await timing(p, work);
    // The meeting exists before the event that links to it: a meeting
    // without its event is harmless (it expires unused); the reverse is a dead link.
    const meeting = p.meeting ? await this.#newMeeting(p.title, userId) : null;
    const id = newId();
    await this.#db.tx(async (sql) => {
      const cal = await this.#writable(p.calendarId, userId, sql);
      await this.#checkModerators(sql, cal.org_id, p.moderatorIds);
      if (p.roomId) await this.#book(sql, userId, cal.org_id, p.roomId, id, t, work);
      await sql.query(
        `insert into events (id, calendar_id, uid, organizer_id, title, description, location, time_zone, all_day, start_local, end_local, start_at, end_at,
                             rrule, series_end_at, attendees, room_id, meeting_id, meeting_url, created_at, updated_at, moderator_ids)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21)`,
        [
          id,
          p.calendarId,
          `${id}@parley`,
          userId,
          requireName(p.title, 200, 'an event title'),
          p.description ?? '',
          p.location ?? '',
          t.timeZone,
          t.allDay,
          localText(t.start, t.allDay),
          localText(t.end, t.allDay),
          t.startAt,
          t.endAt,
          t.rruleText,
          t.seriesEndAt,
          JSON.stringify(p.attendees ?? []),
          p.roomId ?? null,
          meeting?.meetingId ?? null,
          meeting?.url ?? null,
          Date.now(),
          JSON.stringify(p.moderatorIds ?? []),
        ],
      );
    });
    return this.event(userId, id);
  }

  async updateEvent(userId: string, eventId: string, p: UpdateEventBody): Promise<EventView> {
    return this.#work('this event’s recurrence', (work) => this.#updateEvent(userId, eventId, p, work));
  }

  async #updateEvent(userId: string, eventId: string, p: UpdateEventBody, work: Work): Promise<EventView> {
    const { event } = await this.#event(eventId, userId);
    const wantsMeeting = p.meeting === true && !event.meeting_id;
    // The meeting is the organizer's, whoever adds it (someone with write access, say).
    const meeting = wantsMeeting ? await this.#newMeeting(p.title ?? event.title, event.organizer_id ?? userId) : null;
    await this.#db.tx(async (sql) => {
      // Read again under the transaction, with the right to write.
      const { event: e } = await this.#event(eventId, userId, sql);
      const cal = await this.#writable(e.calendar_id, userId, sql);
      if (p.moderatorIds !== undefined && JSON.stringify(p.moderatorIds) !== JSON.stringify(e.moderator_ids)) {
        // Who moderates the organizer's meeting is the organizer's to say.
        if (e.organizer_id !== userId) throw new DomainError('FORBIDDEN', 'only the organizer names the meeting’s moderators');
        await this.#checkModerators(sql, cal.org_id, p.moderatorIds);
      }
      const timesChange = p.start !== undefined || p.end !== undefined || p.timeZone !== undefined || p.allDay !== undefined || p.rrule !== undefined;
      const t = await timing(
        {
          timeZone: p.timeZone ?? e.time_zone,
          allDay: p.allDay ?? e.all_day,
          start: p.start ?? e.start_local,
          end: p.end ?? e.end_local,
          rrule: p.rrule === undefined ? e.rrule : p.rrule,
        },
        work,
      );
      const roomId = p.roomId === undefined ? e.room_id : p.roomId;
      if (roomId && (timesChange || roomId !== e.room_id)) await this.#book(sql, userId, cal.org_id, roomId, e.id, t, work);
      if (timesChange) await this.#carryExceptions(sql, e, t);
      await sql.query(
        `update events set title = $2, description = $3, location = $4, time_zone = $5, all_day = $6, start_local = $7, end_local = $8, start_at = $9, end_at = $10,
                rrule = $11, series_end_at = $12, attendees = $13, room_id = $14, meeting_id = coalesce($15, meeting_id), meeting_url = coalesce($16, meeting_url),
                updated_at = $17, moderator_ids = $18
          where id = $1`,
        [
          e.id,
          (p.title === undefined ? undefined : requireName(p.title, 200, 'an event title')) ?? e.title,
          p.description ?? e.description,
          p.location ?? e.location,
          t.timeZone,
          t.allDay,
          localText(t.start, t.allDay),
          localText(t.end, t.allDay),
          t.startAt,
          t.endAt,
          t.rruleText,
          t.seriesEndAt,
          JSON.stringify(p.attendees ?? e.attendees),
          roomId,
          meeting?.meetingId ?? null,
          meeting?.url ?? null,
          Date.now(),
          JSON.stringify(p.moderatorIds ?? e.moderator_ids),
        ],
      );
    });
    return this.event(userId, eventId);
  }

  /** Named moderators are members of the event's organization (bots are not). */
  async #checkModerators(sql: Sql, orgId: string, ids: string[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const found = await sql.query<{ user_id: string }>(`select user_id from org_members where org_id = $1 and user_id = any($2) and role <> 'bot'`, [orgId, ids]);
    if (found.length !== new Set(ids).size) throw new DomainError('USER_NOT_FOUND', 'a named moderator is not a member of this organization');
  }

  /**
   * Cancelled and changed occurrences are named by their original start. An
   * editor sends the whole event back, so most saves change no times at all:
   * those keep every exception. A series moved to another time of day (or,
   * when its rule picks no particular days, by any amount) takes them along,
   * as people expect of "every Monday, now at 09:30". A new rule, zone or
   * kind of event, or a date move the rule's days cannot follow, leaves them
   * pointing nowhere: they are dropped, as Outlook does.
   */
  async #carryExceptions(sql: Sql, e: EventRow, t: Timing): Promise<void> {
    const norm = (r: string | null) => (r ? formatRRule(parseRRule(r)) : null);
    const oldStart = parseWall(e.start_local)!;
    const shift = t.start - oldStart;
    const sameRule = norm(t.rruleText) === norm(e.rrule) && t.timeZone === e.time_zone && t.allDay === e.all_day;
    if (sameRule && shift === 0) return;
    const rule = t.rrule;
    const followsDays = rule !== null && !rule.byDay && !rule.byMonthDay && !rule.byMonth && !rule.bySetPos;
    const sameDay = Math.floor(t.start / DAY_MS) === Math.floor(oldStart / DAY_MS);
    if (!sameRule || !(sameDay || followsDays)) {
      await sql.query('delete from event_overrides where event_id = $1', [e.id]);
      await sql.query(`update events set exdates = '[]' where id = $1`, [e.id]);
      return;
    }
    const moved = (rid: string) => localText(parseWall(rid)! + shift, e.all_day);
    await sql.query('update events set exdates = $2 where id = $1', [e.id, JSON.stringify(e.exdates.map(moved))]);
    // Re-inserted rather than updated in place: shifted ids may pass through each other's old ones.
    const rows = await sql.query<OverrideRow>(`select ${OVERRIDE_COLUMNS} from event_overrides o where o.event_id = $1`, [e.id]);
    await sql.query('delete from event_overrides where event_id = $1', [e.id]);
    for (const o of rows) {
      await sql.query(
        `insert into event_overrides (event_id, recurrence_id, cancelled, title, description, location, start_local, end_local, start_at, end_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [e.id, moved(o.recurrence_id), o.cancelled, o.title, o.description, o.location, o.start_local, o.end_local, o.start_at, o.end_at],
      );
    }
  }

  async deleteEvent(userId: string, eventId: string): Promise<void> {
    await this.#db.tx(async (sql) => {
      const { event } = await this.#event(eventId, userId, sql);
      await this.#writable(event.calendar_id, userId, sql);
      await sql.query('delete from events where id = $1', [eventId]);
    });
  }

  /** Moves, changes or cancels one occurrence of a series; the series stays as it is. */
  async setOccurrence(userId: string, eventId: string, p: OccurrenceBody): Promise<EventView> {
    return this.#work('this event’s recurrence', (work) => this.#setOccurrence(userId, eventId, p, work));
  }

  async #setOccurrence(userId: string, eventId: string, p: OccurrenceBody, work: Work): Promise<EventView> {
    await this.#db.tx(async (sql) => {
      const { event: e } = await this.#event(eventId, userId, sql);
      const cal = await this.#writable(e.calendar_id, userId, sql);
      const t = timingOf(e);
      const rid = parseWall(p.recurrenceId);
      if (rid === null) throw invalidTime('recurrenceId is not a real date and time');
      const ridText = localText(rid, e.all_day);
      // It must be one of the series' own occurrences.
      let found = !t.rrule && rid === t.start;
      if (t.rrule) {
        for (const w of expand(t.rrule, t.start, e.time_zone, rid - DAY_MS, work)) {
          if (w === rid) found = true;
          if (w >= rid) break;
          if (work.due) await work.breathe();
        }
      }
      if (!found || e.exdates.includes(ridText)) throw new DomainError('EVENT_NOT_FOUND', 'the event has no occurrence at that time');
      if (p.cancelled && !t.rrule) throw new DomainError('INVALID_PAYLOAD', 'cancel a single event by deleting it');
      if (p.cancelled) {
        await sql.query(
          `insert into event_overrides (event_id, recurrence_id, cancelled) values ($1, $2, true)
           on conflict (event_id, recurrence_id) do update set cancelled = true, title = null, description = null, location = null, start_local = null, end_local = null, start_at = null, end_at = null`,
          [e.id, ridText],
        );
        return;
      }
      const orig = occurrenceTimes(t, rid);
      let start = rid;
      let end = orig.end;
      let startAt = orig.startAt;
      let endAt = orig.endAt;
      if (p.start !== undefined || p.end !== undefined) {
        const moved = await timing({ timeZone: e.time_zone, allDay: e.all_day, start: p.start ?? ridText, end: p.end ?? localText(orig.end, e.all_day) }, work);
        ({ start, end, startAt, endAt } = moved);
      }
      if (e.room_id) await this.#book(sql, userId, cal.org_id, e.room_id, e.id, { ...t, start, end, startAt, endAt, rrule: null, rruleText: null, seriesEndAt: endAt }, work, ridText);
      await sql.query(
        `insert into event_overrides (event_id, recurrence_id, cancelled, title, description, location, start_local, end_local, start_at, end_at)
         values ($1, $2, false, $3, $4, $5, $6, $7, $8, $9)
         on conflict (event_id, recurrence_id) do update set cancelled = false, title = excluded.title, description = excluded.description, location = excluded.location,
           start_local = excluded.start_local, end_local = excluded.end_local, start_at = excluded.start_at, end_at = excluded.end_at`,
        [e.id, ridText, (p.title === undefined ? undefined : requireName(p.title, 200, 'an event title')) ?? null, p.description ?? null, p.location ?? null, localText(start, e.all_day), localText(end, e.all_day), startAt, endAt],
      );
    });
    return this.event(userId, eventId);
  }

  /**
   * Occurrences in [from, to) of the calendars `userId` sees in an
   * organization (or of the chosen ones), in start order.
   */
  async occurrences(userId: string, orgId: string, from: number, to: number, calendarIds?: string[]): Promise<OccurrenceView[]> {
    return this.#work('this range of the calendar', (work) => this.#occurrences(userId, orgId, from, to, work, calendarIds));
  }

  async #occurrences(userId: string, orgId: string, from: number, to: number, work: Work, calendarIds?: string[]): Promise<OccurrenceView[]> {
    if (to <= from) throw invalidTime('the range ends before it starts');
    if (to - from > CALENDAR_LIMITS.rangeDays * DAY_MS) throw invalidTime(`a range is at most ${CALENDAR_LIMITS.rangeDays} days`);
    const visible = await this.calendars(userId, orgId);
    let chosen = visible;
    if (calendarIds) {
      const ids = new Set(visible.map((c) => c.id));
      const unknown = calendarIds.find((id) => !ids.has(id));
      if (unknown) throw new DomainError('CALENDAR_NOT_FOUND', 'no such calendar');
      chosen = visible.filter((c) => calendarIds.includes(c.id));
    }
    const own = chosen.filter((c) => !c.roomId).map((c) => c.id);
    const rooms = chosen.filter((c) => c.roomId).map((c) => c.roomId!);
    const rows = await this.#db.query<EventRow & { via_room: string | null }>(
      `select ${EVENT_COLUMNS}, null as via_room from events e
        where e.calendar_id = any($1) and ${inRange('$2', '$3')}
       union all
       select ${EVENT_COLUMNS}, e.room_id as via_room from events e
        where e.room_id = any($4) and ${inRange('$2', '$3')}`,
      [own, from, to, rooms],
    );
    const overrides = await this.#overridesOf(this.#db, rows.map((r) => r.id));
    const roomCalendar = new Map(chosen.filter((c) => c.roomId).map((c) => [c.roomId!, c.id]));
    const readable = readableIds(visible);
    const out: OccurrenceView[] = [];
    for (const row of rows) {
      const shown = row.via_room ? { ...row, calendar_id: roomCalendar.get(row.via_room)! } : row;
      const found = await occurrencesOf(shown, overrides.get(row.id) ?? [], from, to, work);
      out.push(...(row.via_room && !readable.has(row.calendar_id) ? found.map(privateOccurrence) : found));
      if (out.length > CALENDAR_LIMITS.occurrences) break;
    }
    return out.sort((a, b) => a.startAt - b.startAt || a.title.localeCompare(b.title)).slice(0, CALENDAR_LIMITS.occurrences);
  }

  async #overridesOf(sql: Sql, eventIds: string[]): Promise<Map<string, OverrideRow[]>> {
    const map = new Map<string, OverrideRow[]>();
    if (!eventIds.length) return map;
    for (const o of await sql.query<OverrideRow>(`select ${OVERRIDE_COLUMNS} from event_overrides o where o.event_id = any($1)`, [eventIds])) {
      map.set(o.event_id, [...(map.get(o.event_id) ?? []), o]);
    }
    return map;
  }

  // ---- meetings ----

  async #newMeeting(title: string, ownerId: string): Promise<{ meetingId: string; url: string }> {
    if (!this.meetings) throw new DomainError('MEDIA_UNAVAILABLE', 'this server makes no meetings');
    return this.meetings.create(title.trim(), ownerId);
  }

  /**
   * The event a meeting was made for (a meeting record that expired comes
   * back from it, owned by the organizer). Only the event that made it
   * counts: one where the link was pasted or imported has no meeting_id.
   */
  async eventByMeeting(meetingId: string): Promise<{ title: string; organizerId: string | null } | undefined> {
    const [row] = await this.#db.query<{ title: string; organizer_id: string | null }>('select title, organizer_id from events where meeting_id = $1 order by created_at limit 1', [meetingId]);
    return row && { title: row.title, organizerId: row.organizer_id };
  }

  /** Whether `userId` moderates a calendar meeting by account: its event's organizer, or named by them. */
  async moderatesMeeting(meetingId: string, userId: string): Promise<boolean> {
    const rows = await this.#db.query('select 1 from events where meeting_id = $1 and (organizer_id = $2 or moderator_ids ? $2) limit 1', [meetingId, userId]);
    return rows.length > 0;
  }

  // ---- rooms ----

  async #manager(orgId: string, userId: string, sql: Sql = this.#db): Promise<void> {
    const role = await this.#role(orgId, userId, sql);
    if (!MANAGERS.includes(role)) throw new DomainError('FORBIDDEN', 'only administrators manage meeting rooms');
  }

  async #room(roomId: string, orgId: string | null, userId: string, sql: Sql = this.#db): Promise<RoomRow> {
    const [room] = await sql.query<RoomRow>(`select ${ROOM_COLUMNS} from rooms r join calendars c on c.room_id = r.id where r.id = $1`, [roomId]);
    if (!room || (orgId && room.org_id !== orgId)) throw new DomainError('MEETING_ROOM_NOT_FOUND', 'no such meeting room');
    const role = await this.#role(room.org_id, userId, sql).catch(() => null);
    if (!role || role === 'external') throw new DomainError('MEETING_ROOM_NOT_FOUND', 'no such meeting room');
    return room;
  }

  async rooms(userId: string, orgId: string): Promise<RoomView[]> {
    const role = await this.#role(orgId, userId);
    if (role === 'external') return [];
    const rows = await this.#db.query<RoomRow>(`select ${ROOM_COLUMNS} from rooms r join calendars c on c.room_id = r.id where r.org_id = $1 order by r.name`, [orgId]);
    return rows.map(roomView);
  }

  async createRoom(userId: string, orgId: string, p: RoomBody): Promise<RoomView> {
    const id = newId();
    await this.#db.tx(async (sql) => {
      // The organization's row is the lock: two rooms created at once cannot both pass the plan's limit.
      const [org] = await sql.query<{ plan: Plan }>('select plan from orgs where id = $1 for update', [orgId]);
      if (!org) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
      await this.#manager(orgId, userId, sql);
      const [{ n }] = (await sql.query<{ n: number }>('select count(*)::int as n from rooms where org_id = $1', [orgId])) as [{ n: number }];
      const max = PLAN_ROOMS[org.plan];
      if (n >= max) throw new DomainError('PLAN_LIMIT', `the ${org.plan} plan has ${max} meeting room${max === 1 ? '' : 's'}; this organization has them all`);
      try {
        await sql.query(
          `insert into rooms (id, org_id, name, address, floor, capacity, equipment, allow_overlap, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, orgId, requireName(p.name, 100, "a room's name"), p.address ?? '', p.floor ?? '', p.capacity, JSON.stringify([...new Set(p.equipment ?? [])]), p.allowOverlap ?? false, Date.now()],
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('INVALID_PAYLOAD', 'another meeting room has this name');
        throw error;
      }
      await sql.query('insert into calendars (id, org_id, room_id, name, color, created_at) values ($1, $2, $3, $4, $5, $6)', [newId(), orgId, id, requireName(p.name, 100, "a room's name"), '#0d9488', Date.now()]);
    });
    return roomView(await this.#room(id, orgId, userId));
  }

  async updateRoom(userId: string, roomId: string, p: RoomBody): Promise<RoomView> {
    const room = await this.#room(roomId, null, userId);
    await this.#manager(room.org_id, userId);
    try {
      await this.#db.tx(async (sql) => {
        await sql.query('update rooms set name = $2, address = $3, floor = $4, capacity = $5, equipment = $6, allow_overlap = $7 where id = $1', [
          roomId,
          requireName(p.name, 100, "a room's name"),
          p.address ?? '',
          p.floor ?? '',
          p.capacity,
          JSON.stringify([...new Set(p.equipment ?? [])]),
          p.allowOverlap ?? false,
        ]);
        await sql.query('update calendars set name = $2 where room_id = $1', [roomId, requireName(p.name, 100, "a room's name")]);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('INVALID_PAYLOAD', 'another meeting room has this name');
      throw error;
    }
    return roomView(await this.#room(roomId, null, userId));
  }

  /** A copy of a room (name, place, capacity, equipment), without its bookings. */
  async duplicateRoom(userId: string, roomId: string): Promise<RoomView> {
    const room = await this.#room(roomId, null, userId);
    const names = new Set((await this.#db.query<{ name: string }>('select name from rooms where org_id = $1', [room.org_id])).map((r) => r.name));
    let name = `${room.name} (copy)`;
    for (let i = 2; names.has(name); i++) name = `${room.name} (copy ${i})`;
    return this.createRoom(userId, room.org_id, { name: name.slice(0, 100), address: room.address, floor: room.floor, capacity: room.capacity, equipment: room.equipment, allowOverlap: room.allow_overlap });
  }

  async deleteRoom(userId: string, roomId: string): Promise<void> {
    const room = await this.#room(roomId, null, userId);
    await this.#manager(room.org_id, userId);
    // Its bookings stay as events, without a room.
    await this.#db.query('delete from rooms where id = $1', [roomId]);
  }

  async setPlan(userId: string, orgId: string, plan: Plan): Promise<void> {
    const role = await this.#role(orgId, userId);
    if (role !== 'legal') throw new DomainError('FORBIDDEN', 'only a legal representative changes the plan');
    await this.#db.query('update orgs set plan = $2 where id = $1', [orgId, plan]);
  }

  async plan(orgId: string): Promise<Plan> {
    const [row] = await this.#db.query<{ plan: Plan }>('select plan from orgs where id = $1', [orgId]);
    return row?.plan ?? 'free';
  }

  /**
   * Rooms free over [from, to) (rooms that allow overlaps always are), big
   * enough; the three rooms `userId` booked most recently come first.
   */
  async freeRooms(userId: string, orgId: string, from: number, to: number, capacity = 1): Promise<(RoomView & { recent: boolean })[]> {
    return this.#work('this search for free rooms', (work) => this.#freeRooms(userId, orgId, from, to, capacity, work));
  }

  async #freeRooms(userId: string, orgId: string, from: number, to: number, capacity: number, work: Work): Promise<(RoomView & { recent: boolean })[]> {
    if (to <= from) throw invalidTime('the range ends before it starts');
    if (to - from > CALENDAR_LIMITS.rangeDays * DAY_MS) throw invalidTime(`a range is at most ${CALENDAR_LIMITS.rangeDays} days`);
    const all = (await this.rooms(userId, orgId)).filter((r) => r.capacity >= capacity);
    const busy = new Set<string>();
    const candidates = all.filter((r) => !r.allowOverlap).map((r) => r.id);
    if (candidates.length) {
      const rows = await this.#db.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.room_id = any($1) and ${inRange('$2', '$3')}`, [candidates, from, to]);
      const overrides = await this.#overridesOf(this.#db, rows.map((r) => r.id));
      for (const row of rows) if (!busy.has(row.room_id!) && (await occurrencesOf(row, overrides.get(row.id) ?? [], from, to, work, 1)).length) busy.add(row.room_id!);
    }
    const recent = (
      await this.#db.query<{ room_id: string }>(
        `select room_id from events where organizer_id = $1 and room_id = any($2) group by room_id order by max(created_at) desc limit 3`,
        [userId, all.map((r) => r.id)],
      )
    ).map((r) => r.room_id);
    const free = all.filter((r) => !busy.has(r.id));
    const rank = (r: RoomView) => (recent.includes(r.id) ? recent.indexOf(r.id) : 3);
    return free.map((r) => ({ ...r, recent: recent.includes(r.id) })).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  }

  /**
   * Checks that `roomId` is free for the event's occurrences (over the
   * booking horizon for an endless series) and locks it until commit.
   * `onlyOccurrence`: checking one moved occurrence of `eventId`, whose
   * other occurrences stay where they are.
   */
  async #book(sql: Sql, userId: string, orgId: string, roomId: string, eventId: string, t: Timing, work: Work, onlyOccurrence?: string): Promise<void> {
    // Guests see no rooms, so they book none either (not even by id).
    if ((await this.#role(orgId, userId, sql)) === 'external') throw new DomainError('MEETING_ROOM_NOT_FOUND', 'no such meeting room');
    const [room] = await sql.query<{ org_id: string; allow_overlap: boolean; name: string }>('select org_id, allow_overlap, name from rooms where id = $1 for update', [roomId]);
    if (!room || room.org_id !== orgId) throw new DomainError('MEETING_ROOM_NOT_FOUND', 'no such meeting room');
    if (room.allow_overlap) return;
    const horizon = t.startAt + CALENDAR_LIMITS.bookingHorizonDays * DAY_MS;
    const until = Math.min(t.seriesEndAt ?? horizon, horizon);
    const mine: EventRow = {
      id: eventId,
      calendar_id: '',
      uid: '',
      organizer_id: null,
      title: '',
      description: '',
      location: '',
      time_zone: t.timeZone,
      all_day: t.allDay,
      start_local: localText(t.start, t.allDay),
      end_local: localText(t.end, t.allDay),
      start_at: t.startAt,
      end_at: t.endAt,
      rrule: t.rruleText,
      series_end_at: t.seriesEndAt,
      exdates: [],
      attendees: [],
      room_id: roomId,
      meeting_id: null,
      meeting_url: null,
      moderator_ids: [],
    };
    const wanted = await occurrencesOf(mine, [], t.startAt, Math.max(until, t.endAt + 1), work);
    if (!wanted.length) return;
    const from = wanted[0]!.startAt;
    const to = wanted.at(-1)!.endAt;
    const others = await sql.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.room_id = $1 and ${inRange('$2', '$3')}`, [roomId, from, to]);
    const overrides = await this.#overridesOf(sql, others.map((o) => o.id));
    const taken: { startAt: number; endAt: number }[] = [];
    for (const o of others) {
      for (const occ of await occurrencesOf(o, overrides.get(o.id) ?? [], from, to, work)) {
        // The event being changed does not collide with itself, except its other occurrences when one is moved.
        if (o.id === eventId && (!onlyOccurrence || occ.recurrenceId === onlyOccurrence)) continue;
        taken.push(occ);
      }
    }
    const clash = firstClash(wanted, taken);
    // Said in the booker's own times: who else booked, and when, is theirs to know only through the room's calendar.
    if (clash) throw new DomainError('ROOM_BUSY', `${room.name} is already booked at the time of ${wanted.length > 1 ? 'your occurrence of' : 'your event on'} ${clash.start.replace('T', ' ').slice(0, 16)}`);
  }

  // ---- iCalendar ----

  /** Imports an .ics file into a calendar, all of it or nothing; events already there (same UID) are replaced. */
  async importIcs(userId: string, calendarId: string, text: string): Promise<{ imported: number }> {
    return this.#work('this calendar file', (work) => this.#importIcs(userId, calendarId, text, work), ICS_WORK);
  }

  async #importIcs(userId: string, calendarId: string, text: string, work: Work): Promise<{ imported: number }> {
    const cal = await this.#writable(calendarId, userId);
    const [{ time_zone: zone }] = (await this.#db.query<{ time_zone: string }>('select time_zone from users where id = $1', [userId])) as [{ time_zone: string }];
    let events: IcsEvent[];
    try {
      events = await parseIcs(text, zone, { maxEvents: CALENDAR_LIMITS.icsEvents, work });
    } catch (error) {
      if (error instanceof IcsError) throw new DomainError('INVALID_ICS', error.message);
      throw error;
    }
    const series = new Map<string, IcsEvent>();
    for (const e of events) {
      if (e.recurrenceId !== null) continue;
      if (series.has(e.uid)) throw new DomainError('INVALID_ICS', `line ${e.line}: UID ${e.uid} is used by two events`);
      series.set(e.uid, e);
    }
    const now = Date.now();
    await this.#db.tx(async (sql) => {
      await this.#writable(cal.id, userId, sql);
      const ids = new Map<string, { id: string; t: Timing; allDay: boolean }>();
      for (const e of series.values()) {
        let t: Timing;
        try {
          t = await timing({ timeZone: e.timeZone, allDay: e.allDay, start: localText(e.start, e.allDay), end: localText(e.end, e.allDay), rrule: e.rrule }, work);
        } catch (error) {
          if (error instanceof DomainError && !(error instanceof WorkExceeded)) throw new DomainError('INVALID_ICS', `line ${e.line}: ${error.message}`);
          throw error;
        }
        const [row] = await sql.query<{ id: string }>(
          `insert into events (id, calendar_id, uid, organizer_id, title, description, location, time_zone, all_day, start_local, end_local, start_at, end_at,
                               rrule, series_end_at, exdates, attendees, meeting_url, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)
           on conflict (calendar_id, uid) do update set title = excluded.title, description = excluded.description, location = excluded.location,
             time_zone = excluded.time_zone, all_day = excluded.all_day, start_local = excluded.start_local, end_local = excluded.end_local,
             start_at = excluded.start_at, end_at = excluded.end_at, rrule = excluded.rrule, series_end_at = excluded.series_end_at,
             exdates = excluded.exdates, attendees = excluded.attendees, meeting_url = excluded.meeting_url, updated_at = excluded.updated_at
           returning id`,
          [
            newId(),
            cal.id,
            e.uid,
            userId,
            e.title,
            e.description,
            e.location,
            t.timeZone,
            t.allDay,
            localText(t.start, t.allDay),
            localText(t.end, t.allDay),
            t.startAt,
            t.endAt,
            t.rruleText,
            t.seriesEndAt,
            JSON.stringify(e.exdates.map((w) => localText(w, e.allDay))),
            JSON.stringify(e.attendees),
            e.url,
            now,
          ],
        );
        await sql.query('delete from event_overrides where event_id = $1', [row!.id]);
        ids.set(e.uid, { id: row!.id, t, allDay: e.allDay });
      }
      for (const e of events) {
        if (e.recurrenceId === null) continue;
        const parent = ids.get(e.uid);
        if (!parent) throw new DomainError('INVALID_ICS', `line ${e.line}: a changed occurrence (RECURRENCE-ID) of an event that is not in the file`);
        work.spend(3 * UNITS.zone);
        if (work.due) await work.breathe();
        const startAt = toUtc(e.start, e.timeZone);
        const endAt = toUtc(e.end, e.timeZone);
        // The occurrence it changes, in the series' own zone (a client may write it in another).
        const rid = e.timeZone === parent.t.timeZone || e.allDay ? e.recurrenceId : toWall(toUtc(e.recurrenceId, e.timeZone), parent.t.timeZone);
        await sql.query(
          `insert into event_overrides (event_id, recurrence_id, cancelled, title, description, location, start_local, end_local, start_at, end_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (event_id, recurrence_id) do nothing`,
          [
            parent.id,
            localText(rid, parent.allDay),
            e.cancelled,
            e.title,
            e.description,
            e.location,
            localText(toWall(startAt, parent.t.timeZone), e.allDay),
            localText(toWall(endAt, parent.t.timeZone), e.allDay),
            startAt,
            endAt,
          ],
        );
      }
    });
    return { imported: events.length };
  }

  /** A calendar as an .ics file: its events with their exceptions and changed occurrences. */
  async exportIcs(userId: string, calendarId: string): Promise<{ name: string; text: string }> {
    const { cal } = await this.#calendar(calendarId, userId);
    const rows = cal.room_id
      ? await this.#db.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.room_id = $1 order by e.start_at`, [cal.room_id])
      : await this.#db.query<EventRow>(`select ${EVENT_COLUMNS} from events e where e.calendar_id = $1 order by e.start_at`, [calendarId]);
    const overrides = await this.#overridesOf(this.#db, rows.map((r) => r.id));
    // A room's bookings are "Busy" to whoever cannot read their own calendar, in a file as on screen (see occurrences).
    const readable = cal.room_id ? readableIds(await this.calendars(userId, cal.org_id)) : null;
    const text = writeIcs(
      cal.name,
      rows.map((e) => {
        const hidden = readable !== null && !readable.has(e.calendar_id);
        const shown = (own: string | null, series: string, busy: string) => (hidden ? busy : (own ?? series));
        return {
          uid: e.uid,
          title: shown(null, e.title, BUSY.title),
          description: shown(null, e.description, BUSY.description),
          location: shown(null, e.location, BUSY.location),
          allDay: e.all_day,
          timeZone: e.time_zone,
          start: e.start_local,
          end: e.end_local,
          rrule: e.rrule,
          exdates: e.exdates,
          attendees: hidden ? [] : e.attendees,
          url: hidden ? null : e.meeting_url,
          overrides: (overrides.get(e.id) ?? []).map((o) => {
            const times = occurrenceTimes(timingOf(e), parseWall(o.recurrence_id)!);
            return {
              recurrenceId: o.recurrence_id,
              cancelled: o.cancelled,
              title: shown(o.title, e.title, BUSY.title),
              description: shown(o.description, e.description, BUSY.description),
              location: shown(o.location, e.location, BUSY.location),
              start: o.start_local ?? o.recurrence_id,
              end: o.end_local ?? localText(times.end, e.all_day),
            };
          }),
        };
      }),
    );
    return { name: cal.name, text };
  }
}

/**
 * The first of `wanted` that overlaps any of `taken`, in O((W + T) log T):
 * a year of a daily booking against a busy room is thousands of each.
 */
function firstClash<W extends { startAt: number; endAt: number }>(wanted: W[], taken: { startAt: number; endAt: number }[]): W | undefined {
  const sorted = [...taken].sort((a, b) => a.startAt - b.startAt);
  // endMax[i]: the latest end among the first i + 1 bookings by start.
  const endMax: number[] = [];
  for (const x of sorted) endMax.push(Math.max(endMax.at(-1) ?? -Infinity, x.endAt));
  for (const w of wanted) {
    // How many bookings start before `w` ends (binary search).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.startAt < w.endAt) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && endMax[lo - 1]! > w.startAt) return w;
  }
  return undefined;
}

/** Events that may have an occurrence in [$from, $to): the series spans it, or one of its occurrences was moved into it. */
const inRange = (from: string, to: string) => `(e.start_at < ${to} and (e.series_end_at is null or e.series_end_at > ${from})
   or exists (select 1 from event_overrides o where o.event_id = e.id and o.start_at < ${to} and o.end_at > ${from}))`;
