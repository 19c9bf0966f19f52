// The calendar of an organization: calendars (one's own, shared ones, one per
// meeting room), events with recurrence and per-occurrence changes, meeting
// links, and .ics import and export. Rooms and their booking are in
// rooms.ts, the rules of time in occurrences.ts, the SQL in store.ts.
//
// Who sees what: a user sees the calendars they own, those shared with them,
// and (unless they are an external guest) every meeting room's calendar.
// Writing needs ownership or a "write" share.
import crypto from 'node:crypto';
import {
  CALENDAR_LIMITS,
  DomainError,
  type CalendarView,
  type CreateCalendarBody,
  type CreateEventBody,
  type EventView,
  type OccurrenceBody,
  type OccurrenceView,
  type UpdateCalendarBody,
  type UpdateEventBody,
} from '@parley/protocol';
import { newId } from '../../lib/ids.ts';
import { requireName } from '../../lib/names.ts';
import { WorkExceeded, type Work } from '../../lib/work.ts';
import { ICS_WORK } from './ics.ts';
import { readIcs, seriesOf, sortedAlarms, storeIcs } from './ics-import.ts';
import {
  calendarWork,
  invalidTime,
  localText,
  occurrencesOf,
  occurrenceTimes,
  privateOccurrence,
  readableIds,
  storedTimes,
  timing,
  timingOf,
  type Timing,
} from './occurrences.ts';
import { expand, formatRRule, parseRRule, UNITS } from './recurrence.ts';
import type { EventMeetings } from './meetings.ts';
import { EventTrash } from './trash.ts';
import { calendarFile } from './export.ts';
import { EventSearch } from './search.ts';
import { FreeBusy } from './freebusy.ts';
import { EventInvitations } from './invitations.ts';
import { eventView } from './views.ts';
import { MeetingRooms, roleIn } from './rooms.ts';
import type { CalendarRow, CalendarStore, EventRow } from './store.ts';
import { DAY_MS, parseWall, toUtc, toWall } from '../../lib/time.ts';
import { UserNotFound } from '../../accounts/errors.ts';
import { Forbidden, InvalidRequest, MediaUnavailable } from '../../lib/errors.ts';
import { CalendarNotFound, EventNotFound, InvalidIcs } from './errors.ts';

type Access = CalendarView['access'];

const eventTitle = (title: string) => requireName(title, 200, 'an event title');


/** The id of a user's default calendar in an organization: fixed, so two first visits at once create one. */
const defaultCalendarId = (orgId: string, userId: string) => `cal-${crypto.createHash('sha256').update(`${orgId}\n${userId}`).digest('base64url').slice(0, 22)}`;

export class Calendar {
  readonly #store: CalendarStore;
  readonly #meetings: EventMeetings | undefined;
  readonly rooms: MeetingRooms;
  /** Deleted events, restorable for 30 days. */
  readonly trash: EventTrash;
  /** Events found by their words. */
  readonly search: EventSearch;
  /** When people and rooms are taken. */
  readonly freeBusy: FreeBusy;
  /** Attendees' invitations and answers. */
  readonly invitations: EventInvitations;

  /** `meetings`: where events' meetings are made (none: events cannot have one). */
  constructor(store: CalendarStore, deps: { meetings?: EventMeetings; rsvpLink?: (token: string) => string; mayMail?: (userId: string, count: number) => Promise<boolean> } = {}) {
    this.#store = store;
    this.#meetings = deps.meetings;
    this.rooms = new MeetingRooms(store);
    this.trash = new EventTrash(store, store.trashStore(), {
      rooms: this.rooms,
      writable: (calendarId, userId, s) => this.#writable(calendarId, userId, s),
      restored: (s, eventId, userId) => this.invitations.restored(s, eventId, userId),
    });
    this.search = new EventSearch(store);
    this.freeBusy = new FreeBusy(store);
    this.invitations = new EventInvitations(store, store.invitationStore(), { link: deps.rsvpLink ?? ((token) => token), mayMail: deps.mayMail });
  }

  // ---- access ----

  /** A calendar and what `userId` may do with it; CALENDAR_NOT_FOUND when they may not see it. */
  async #calendar(calendarId: string, userId: string, store = this.#store): Promise<{ cal: CalendarRow; access: Access }> {
    const row = await store.calendar(calendarId, userId);
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
    if (!row || !access) throw new CalendarNotFound('no such calendar');
    return { cal: row, access };
  }

  async #writable(calendarId: string, userId: string, store = this.#store): Promise<CalendarRow> {
    const { cal, access } = await this.#calendar(calendarId, userId, store);
    if (access === 'room') throw new Forbidden('a room’s calendar fills itself: book the room from an event in your calendar');
    if (access !== 'owner' && access !== 'write') throw new Forbidden('this calendar is shared with you read-only');
    return cal;
  }

  async #event(eventId: string, userId: string, store = this.#store): Promise<{ event: EventRow; access: Access }> {
    const event = await store.event(eventId);
    if (!event) throw new EventNotFound('no such event');
    try {
      return { event, access: (await this.#calendar(event.calendar_id, userId, store)).access };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CALENDAR_NOT_FOUND') throw new EventNotFound('no such event');
      throw error;
    }
  }

  // ---- calendars ----

  /** The calendars `userId` sees in an organization (their default one is made on first look). */
  async calendars(userId: string, orgId: string): Promise<CalendarView[]> {
    const role = await roleIn(this.#store, orgId, userId);
    await this.#store.ensureUserCalendar(defaultCalendarId(orgId, userId), orgId, userId);
    const rows = await this.#store.calendarsOf(orgId, userId, role !== 'external');
    return rows.map((c) => ({
      id: c.id,
      orgId: c.org_id,
      name: c.name,
      color: c.color,
      access: c.owner_id === userId ? 'owner' : (c.share ?? 'room'),
      ownerId: c.owner_id,
      roomId: c.room_id,
      defaultAlarms: c.default_alarms,
    }));
  }

  async createCalendar(userId: string, p: CreateCalendarBody): Promise<CalendarView> {
    const name = requireName(p.name, 100, 'a calendar name');
    await roleIn(this.#store, p.orgId, userId);
    const id = newId();
    const color = p.color ?? '#2563eb';
    await this.#store.insertCalendar({ id, orgId: p.orgId, ownerId: userId, roomId: null, name, color });
    return { id, orgId: p.orgId, name, color, access: 'owner', ownerId: userId, roomId: null, defaultAlarms: [] };
  }

  /** Renames or recolours one's calendar (the web, or a device over CalDAV). A room's calendar is named after its room. */
  async updateCalendar(userId: string, calendarId: string, p: UpdateCalendarBody): Promise<void> {
    const { cal, access } = await this.#calendar(calendarId, userId);
    if (access !== 'owner') throw new Forbidden('only the owner renames a calendar');
    if (cal.room_id) throw new Forbidden("a room's calendar is named after its room");
    await this.#store.updateCalendar(calendarId, { name: p.name === undefined ? undefined : requireName(p.name, 100, 'a calendar name'), color: p.color });
  }

  /** The reminders new events of a calendar get (its writers set them). */
  async setDefaultAlarms(userId: string, calendarId: string, alarms: number[]): Promise<void> {
    await this.#writable(calendarId, userId);
    await this.#store.setDefaultAlarms(calendarId, sortedAlarms(alarms));
  }

  /** Shares one's calendar with another member of its organization ('none' takes the share back). */
  async share(userId: string, calendarId: string, targetId: string, access: 'read' | 'write' | 'none'): Promise<void> {
    const { cal, access: mine } = await this.#calendar(calendarId, userId);
    if (mine !== 'owner') throw new Forbidden('only the owner shares a calendar');
    if (targetId === userId) throw new InvalidRequest('a calendar is not shared with its owner');
    if (!(await this.#store.memberRole(cal.org_id, targetId))) throw new UserNotFound('no such member of this organization');
    await this.#store.setShare(calendarId, targetId, access);
  }

  async deleteCalendar(userId: string, calendarId: string): Promise<void> {
    const { cal, access } = await this.#calendar(calendarId, userId);
    if (access !== 'owner') throw new Forbidden('only the owner deletes a calendar');
    if (cal.id === defaultCalendarId(cal.org_id, userId)) throw new Forbidden('your default calendar stays (delete its events instead)');
    await this.#store.tx(async (store) => {
      await this.invitations.cancelCalendar(store, calendarId);
      await store.deleteCalendar(calendarId);
    });
  }

  // ---- events ----

  /** One event, with its attendees' answers. */
  async event(userId: string, eventId: string): Promise<EventView> {
    return { ...eventView((await this.#event(eventId, userId)).event, userId), attendeeStatus: await this.invitations.statuses(eventId) };
  }

  async createEvent(userId: string, p: CreateEventBody): Promise<EventView> {
    return calendarWork('this event’s recurrence', (work) => this.#createEvent(userId, p, work));
  }

  async #createEvent(userId: string, p: CreateEventBody, work: Work): Promise<EventView> {
    const t = await timing(p, work);
    // The meeting exists before the event that links to it: a meeting
    // without its event is harmless (it expires unused); the reverse is a dead link.
    // The calendar's organization, read first: the meeting belongs to it (its plan decides about streaming).
    const meeting = p.meeting ? await this.#newMeeting(p.title, userId, (await this.#writable(p.calendarId, userId)).org_id) : null;
    const id = newId();
    await this.#store.tx(async (store) => {
      const cal = await this.#writable(p.calendarId, userId, store);
      await this.#checkModerators(store, cal.org_id, p.moderatorIds);
      if (p.roomId) await this.rooms.book(store, userId, cal.org_id, p.roomId, id, t, work);
      await store.insertEvent(
        { id, calendarId: p.calendarId, uid: `${id}@parley`, organizerId: userId, meetingId: meeting?.meetingId ?? null, meetingUrl: meeting?.url ?? null },
        // No reminders named: the calendar's default ones.
        { title: eventTitle(p.title), description: p.description ?? '', location: p.location ?? '', attendees: p.attendees ?? [], roomId: p.roomId ?? null, moderatorIds: p.moderatorIds ?? [], alarms: sortedAlarms(p.alarms ?? cal.default_alarms) },
        storedTimes(t),
      );
      await this.invitations.sync(store, id, false, userId);
    });
    return this.event(userId, id);
  }

  async updateEvent(userId: string, eventId: string, p: UpdateEventBody): Promise<EventView> {
    return calendarWork('this event’s recurrence', (work) => this.#updateEvent(userId, eventId, p, work));
  }

  async #updateEvent(userId: string, eventId: string, p: UpdateEventBody, work: Work): Promise<EventView> {
    const { event } = await this.#event(eventId, userId);
    const wantsMeeting = p.meeting === true && !event.meeting_id;
    // The meeting is the organizer's, whoever adds it (someone with write access, say).
    const meeting = wantsMeeting ? await this.#newMeeting(p.title ?? event.title, event.organizer_id ?? userId, (await this.#writable(event.calendar_id, userId)).org_id) : null;
    await this.#store.tx(async (store) => {
      // Read again under the transaction, with the right to write.
      const { event: e } = await this.#event(eventId, userId, store);
      const cal = await this.#writable(e.calendar_id, userId, store);
      if (p.moderatorIds !== undefined && JSON.stringify(p.moderatorIds) !== JSON.stringify(e.moderator_ids)) {
        // Who moderates the organizer's meeting is the organizer's to say.
        if (e.organizer_id !== userId) throw new Forbidden('only the organizer names the meeting’s moderators');
        await this.#checkModerators(store, cal.org_id, p.moderatorIds);
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
      if (roomId && (timesChange || roomId !== e.room_id)) await this.rooms.book(store, userId, cal.org_id, roomId, e.id, t, work);
      if (timesChange) await this.#carryExceptions(store, e, t);
      await store.updateEvent(
        e.id,
        {
          title: (p.title === undefined ? undefined : eventTitle(p.title)) ?? e.title,
          description: p.description ?? e.description,
          location: p.location ?? e.location,
          attendees: p.attendees ?? e.attendees,
          alarms: p.alarms ? sortedAlarms(p.alarms) : e.alarms,
          roomId,
          moderatorIds: p.moderatorIds ?? e.moderator_ids,
        },
        storedTimes(t),
        meeting && { id: meeting.meetingId, url: meeting.url },
      );
      // Those already invited hear of a new time, title or place (values compared: the editor sends every field).
      const moved = t.startAt !== e.start_at || t.endAt !== e.end_at || t.timeZone !== e.time_zone || t.allDay !== e.all_day || (t.rruleText ?? null) !== (e.rrule ?? null);
      const told = moved || (p.title !== undefined && eventTitle(p.title) !== e.title) || (p.location !== undefined && p.location !== e.location);
      await this.invitations.sync(store, e.id, told, userId);
    });
    return this.event(userId, eventId);
  }

  /** Named moderators are members of the event's organization (bots are not). */
  async #checkModerators(store: CalendarStore, orgId: string, ids: string[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const found = await store.peopleAmong(orgId, ids);
    if (found.length !== new Set(ids).size) throw new UserNotFound('a named moderator is not a member of this organization');
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
  async #carryExceptions(store: CalendarStore, e: EventRow, t: Timing): Promise<void> {
    const norm = (r: string | null) => (r ? formatRRule(parseRRule(r)) : null);
    const oldStart = parseWall(e.start_local)!;
    const shift = t.start - oldStart;
    const sameRule = norm(t.rruleText) === norm(e.rrule) && t.timeZone === e.time_zone && t.allDay === e.all_day;
    if (sameRule && shift === 0) return;
    const rule = t.rrule;
    const followsDays = rule !== null && !rule.byDay && !rule.byMonthDay && !rule.byMonth && !rule.bySetPos;
    const sameDay = Math.floor(t.start / DAY_MS) === Math.floor(oldStart / DAY_MS);
    if (!sameRule || !(sameDay || followsDays)) return store.setExceptions(e.id, [], []);
    const moved = (rid: string) => localText(parseWall(rid)! + shift, e.all_day);
    const overrides = (await store.overridesOf([e.id])).get(e.id) ?? [];
    await store.setExceptions(
      e.id,
      e.exdates.map(moved),
      overrides.map((o) => ({ ...o, recurrence_id: moved(o.recurrence_id) })),
    );
  }

  /** `check`: run once the event is read again in the transaction (CalDAV compares its ETag there). */
  async deleteEvent(userId: string, eventId: string, check?: (store: CalendarStore) => Promise<void>): Promise<void> {
    await this.#store.tx(async (store) => {
      const { event } = await this.#event(eventId, userId, store);
      await this.#writable(event.calendar_id, userId, store);
      await check?.(store);
      await this.invitations.cancelAll(store, eventId);
      await this.trash.put(store, eventId, userId);
    });
  }

  /**
   * After a device's copy replaced an event (CalDAV, sync.ts), in its
   * transaction: the room it books stays its only if free at the new times
   * (else ROOM_BUSY and nothing is stored), and its attendees hear of a new
   * time, title or place, as after an edit here. `before`: the event as it
   * was (none: the device made it).
   */
  async deviceWrote(store: CalendarStore, userId: string, eventId: string, before: EventRow | undefined, work: Work): Promise<void> {
    const e = (await store.event(eventId))!;
    const moved = !before || e.start_at !== before.start_at || e.end_at !== before.end_at || e.time_zone !== before.time_zone || e.all_day !== before.all_day || e.rrule !== before.rrule;
    if (e.room_id && moved) await this.rooms.book(store, userId, (await this.#writable(e.calendar_id, userId, store)).org_id, e.room_id, e.id, timingOf(e), work);
    await this.invitations.sync(store, e.id, moved || e.title !== before?.title || e.location !== before?.location, userId);
  }

  /** Moves, changes or cancels one occurrence of a series; the series stays as it is. */
  async setOccurrence(userId: string, eventId: string, p: OccurrenceBody): Promise<EventView> {
    return calendarWork('this event’s recurrence', (work) => this.#setOccurrence(userId, eventId, p, work));
  }

  async #setOccurrence(userId: string, eventId: string, p: OccurrenceBody, work: Work): Promise<EventView> {
    await this.#store.tx(async (store) => {
      const { event: e } = await this.#event(eventId, userId, store);
      const cal = await this.#writable(e.calendar_id, userId, store);
      const t = timingOf(e);
      const rid = parseWall(p.recurrenceId);
      if (rid === null) throw invalidTime('recurrenceId is not a real date and time');
      const ridText = localText(rid, e.all_day);
      // It must be one of the series' own occurrences.
      let found = !t.rrule && rid === t.start;
      if (t.rrule) {
        for (const w of expand(t.rrule, t.start, e.time_zone, rid - DAY_MS, work, true)) {
          if (Number.isNaN(w)) {
            await work.breathe();
            continue;
          }
          if (w === rid) found = true;
          if (w >= rid) break;
          if (work.due) await work.breathe();
        }
      }
      if (!found || e.exdates.includes(ridText)) throw new EventNotFound('the event has no occurrence at that time');
      if (p.cancelled && !t.rrule) throw new InvalidRequest('cancel a single event by deleting it');
      if (p.cancelled) return store.cancelOccurrence(e.id, ridText);
      const orig = occurrenceTimes(t, rid);
      let start = rid;
      let end = orig.end;
      let startAt = orig.startAt;
      let endAt = orig.endAt;
      if (p.start !== undefined || p.end !== undefined) {
        const moved = await timing({ timeZone: e.time_zone, allDay: e.all_day, start: p.start ?? ridText, end: p.end ?? localText(orig.end, e.all_day) }, work);
        ({ start, end, startAt, endAt } = moved);
      }
      if (e.room_id) await this.rooms.book(store, userId, cal.org_id, e.room_id, e.id, { ...t, start, end, startAt, endAt, rrule: null, rruleText: null, seriesEndAt: endAt }, work, ridText);
      await store.changeOccurrence(e.id, ridText, {
        title: (p.title === undefined ? undefined : eventTitle(p.title)) ?? null,
        description: p.description ?? null,
        location: p.location ?? null,
        start_local: localText(start, e.all_day),
        end_local: localText(end, e.all_day),
        start_at: startAt,
        end_at: endAt,
      });
    });
    return this.event(userId, eventId);
  }

  /**
   * Occurrences in [from, to) of the calendars `userId` sees in an
   * organization (or of the chosen ones), in start order.
   */
  async occurrences(userId: string, orgId: string, from: number, to: number, calendarIds?: string[]): Promise<OccurrenceView[]> {
    return calendarWork('this range of the calendar', (work) => this.#occurrences(userId, orgId, from, to, work, calendarIds));
  }

  async #occurrences(userId: string, orgId: string, from: number, to: number, work: Work, calendarIds?: string[]): Promise<OccurrenceView[]> {
    if (to <= from) throw invalidTime('the range ends before it starts');
    if (to - from > CALENDAR_LIMITS.rangeDays * DAY_MS) throw invalidTime(`a range is at most ${CALENDAR_LIMITS.rangeDays} days`);
    const visible = await this.calendars(userId, orgId);
    let chosen = visible;
    if (calendarIds) {
      const ids = new Set(visible.map((c) => c.id));
      const unknown = calendarIds.find((id) => !ids.has(id));
      if (unknown) throw new CalendarNotFound('no such calendar');
      chosen = visible.filter((c) => calendarIds.includes(c.id));
    }
    const own = chosen.filter((c) => !c.roomId).map((c) => c.id);
    const rooms = chosen.filter((c) => c.roomId).map((c) => c.roomId!);
    const rows = await this.#store.eventsInRange(own, rooms, from, to);
    const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
    const roomCalendar = new Map(chosen.filter((c) => c.roomId).map((c) => [c.roomId!, c.id]));
    const readable = readableIds(visible);
    const out: OccurrenceView[] = [];
    for (const row of rows) {
      const shown = row.via_room ? { ...row, calendar_id: roomCalendar.get(row.via_room)! } : row;
      const found = await occurrencesOf(shown, overrides.get(row.id) ?? [], from, to, work);
      out.push(...(row.via_room && !readable.has(row.calendar_id) ? found.map(privateOccurrence) : found));
      if (out.length > CALENDAR_LIMITS.occurrences) break;
    }
    await this.rooms.markConflicts(out, from, to, work);
    return out.sort((a, b) => a.startAt - b.startAt || a.title.localeCompare(b.title)).slice(0, CALENDAR_LIMITS.occurrences);
  }

  // ---- meetings ----

  async #newMeeting(title: string, ownerId: string, orgId: string): Promise<{ meetingId: string; url: string }> {
    if (!this.#meetings) throw new MediaUnavailable('this server makes no meetings');
    return this.#meetings.create(title.trim(), ownerId, orgId);
  }

  // ---- iCalendar ----

  /** Imports an .ics file into a calendar, all of it or nothing; events already there (same UID) are replaced. */
  async importIcs(userId: string, calendarId: string, text: string): Promise<{ imported: number }> {
    return calendarWork('this calendar file', (work) => this.#importIcs(userId, calendarId, text, work), ICS_WORK);
  }

  async #importIcs(userId: string, calendarId: string, text: string, work: Work): Promise<{ imported: number }> {
    const cal = await this.#writable(calendarId, userId);
    const events = await readIcs(text, (await this.#store.userTimeZone(userId))!, work, CALENDAR_LIMITS.icsEvents);
    const series = seriesOf(events);
    await this.#store.tx(async (store) => {
      await this.#writable(cal.id, userId, store);
      await storeIcs(store, { calendarId: cal.id, userId, events, series, work, replace: false });
    });
    return { imported: events.length };
  }

  /** What `userId` may do with a calendar (CALENDAR_NOT_FOUND if nothing), for CalDAV (sync.ts). */
  async access(calendarId: string, userId: string, store = this.#store): Promise<{ cal: CalendarRow; access: Access }> {
    return this.#calendar(calendarId, userId, store);
  }

  /** The calendar if `userId` may write to it (else FORBIDDEN or CALENDAR_NOT_FOUND), for CalDAV (sync.ts). */
  async writable(calendarId: string, userId: string, store = this.#store): Promise<CalendarRow> {
    return this.#writable(calendarId, userId, store);
  }

  /** An attendee's answer file (METHOD:REPLY), imported by someone who may write to the event's calendar. */
  async importReply(userId: string, calendarId: string, text: string): Promise<{ answered: number; ignored: number }> {
    const zone = (await this.#store.userTimeZone(userId)) ?? 'UTC';
    return this.#store.tx(async (store) => this.invitations.importReply(store, await this.#writable(calendarId, userId, store), text, zone));
  }

  /** A calendar as an .ics file: its events with their exceptions and changed occurrences. */
  async exportIcs(userId: string, calendarId: string): Promise<{ name: string; text: string }> {
    const { cal } = await this.#calendar(calendarId, userId);
    const rows = await this.#store.eventsOf(cal.room_id ? { roomId: cal.room_id } : { calendarId });
    const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
    // A room's bookings are "Busy" to whoever cannot read their own calendar, in a file as on screen (see occurrences).
    const readable = cal.room_id ? readableIds(await this.calendars(userId, cal.org_id)) : null;
    const text = calendarFile(cal.name, rows, overrides, readable);
    return { name: cal.name, text };
  }
}
