// Calendars as devices sync them over CalDAV (http/dav/caldav.ts): one's own
// calendars and those shared with one (a read share is read-only there too),
// not the rooms'. Each event is one resource, named as the device PUT it (or
// "<id>.ics"), written with its changed occurrences and time zones as the
// .ics export writes it; a device's copy replaces the event whole. Change
// numbers come from the database's triggers (migration 018), so a change
// made anywhere (the web, an import, an invitation's answer, the trash)
// reaches devices.
import { CALENDAR_LIMITS } from '@parley/protocol';
import { InvalidSyncToken, PreconditionFailed, UidConflict } from '../../lib/errors.ts';
import type { Calendar } from './Calendar.ts';
import { CalendarNotFound, EventNotFound, InvalidIcs } from './errors.ts';
import { calendarFile } from './export.ts';
import { ICS_WORK } from './ics.ts';
import { readIcs, seriesOf, storeIcs } from './ics-import.ts';
import { calendarWork } from './occurrences.ts';
import type { CalendarRow, CalendarStore } from './store.ts';
import type { SyncEventRow } from './sync-store.ts';

/** An event as CalDAV serves it: its text written when asked for, its span for time-range queries. */
export interface DavEvent {
  href: string;
  etag: string;
  ics(): string;
  /** When it starts, and when its last occurrence ends (Infinity: never). */
  startAt: number;
  endAt: number;
}

export interface DavCalendarInfo {
  id: string;
  name: string;
  color: string;
  lastSeq: number;
  writable: boolean;
}

/** A device's copy of one event holds at most this many VEVENTs (the series and its changed occurrences). */
const EVENTS_PER_RESOURCE = 1000;

export class CalendarSync {
  readonly #store: CalendarStore;
  readonly #calendar: Calendar;

  constructor(store: CalendarStore, calendar: Calendar) {
    this.#store = store;
    this.#calendar = calendar;
  }

  /** One's calendars and those shared with one (each organization's default one made on first look). */
  async calendars(userId: string): Promise<DavCalendarInfo[]> {
    const sync = this.#store.syncStore();
    for (const orgId of await sync.orgsOf(userId)) await this.#calendar.calendars(userId, orgId);
    return Promise.all((await sync.calendarIds(userId)).map((id) => this.calendar(userId, id)));
  }

  /** A calendar `userId` may read over CalDAV; not found otherwise (a room's too). */
  async calendar(userId: string, calendarId: string): Promise<DavCalendarInfo> {
    const { cal, access } = await this.#readable(userId, calendarId);
    const state = await this.#store.syncStore().state(calendarId);
    return { id: cal.id, name: cal.name, color: cal.color, lastSeq: Number(state!.last_seq), writable: access === 'owner' || access === 'write' };
  }

  /** A device renames or recolours a calendar (PROPPATCH): as on the web, its owner alone. */
  async update(userId: string, calendarId: string, p: { name?: string; color?: string }): Promise<void> {
    await this.#readable(userId, calendarId);
    await this.#calendar.updateCalendar(userId, calendarId, p);
  }

  async #readable(userId: string, calendarId: string): Promise<{ cal: CalendarRow; access: string }> {
    const found = await this.#calendar.access(calendarId, userId);
    if (found.access === 'room') throw new CalendarNotFound('no such calendar');
    return found;
  }

  /** Every event of the calendar. */
  async list(userId: string, calendarId: string): Promise<DavEvent[]> {
    const { cal } = await this.#readable(userId, calendarId);
    return this.#render(cal, await this.#store.syncStore().events(calendarId));
  }

  /** The events named `hrefs` (at most 1000). */
  async get(userId: string, calendarId: string, hrefs: string[]): Promise<DavEvent[]> {
    const { cal } = await this.#readable(userId, calendarId);
    return this.#render(cal, await this.#store.syncStore().byHrefs(calendarId, hrefs.slice(0, 1000)));
  }

  /**
   * What changed after change `since` (none: a first sync, every event);
   * a number the calendar never gave, or one older than a deletion it has
   * forgotten (90 days), cannot be answered truly.
   */
  async changes(userId: string, calendarId: string, since?: number): Promise<{ lastSeq: number; changed: DavEvent[]; deleted: string[] }> {
    const { cal } = await this.#readable(userId, calendarId);
    const sync = this.#store.syncStore();
    const state = (await sync.state(calendarId))!;
    const [last, purged] = [Number(state.last_seq), Number(state.purged_seq)];
    if (since !== undefined && (since > last || since < purged)) throw new InvalidSyncToken('sync again from the start');
    if (since === undefined) return { lastSeq: last, changed: await this.#render(cal, await sync.events(calendarId)), deleted: [] };
    // Up to the number read: a change made meanwhile comes next time, never lost.
    const { changed, deleted } = await sync.changes(calendarId, since, last);
    return { lastSeq: last, changed: await this.#render(cal, changed), deleted };
  }

  /** The events' rows and changed occurrences (read after the rows: never older than their ETag), each to be written as its own calendar file. */
  async #render(cal: CalendarRow, events: SyncEventRow[]): Promise<DavEvent[]> {
    if (!events.length) return [];
    const rows = await this.#store.syncStore().rows(events.map((e) => e.id));
    const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
    return rows.map((row) => ({
      href: row.href,
      etag: String(row.seq),
      ics: () => calendarFile(cal.name, [row], new Map([[row.id, overrides.get(row.id) ?? []]]), null),
      startAt: row.start_at,
      endAt: row.rrule ? (row.series_end_at ?? Infinity) : row.end_at,
    }));
  }

  /**
   * A device writes the event named `href` (RFC 4791 PUT): one UID, its
   * series and changed occurrences, replacing what was there. `ifMatch`:
   * only if the event has this ETag now; `ifNoneMatch`: only if there is none.
   */
  async put(userId: string, calendarId: string, href: string, text: string, cond: { ifMatch?: string; ifNoneMatch?: boolean } = {}): Promise<{ created: boolean }> {
    await this.#calendar.writable(calendarId, userId);
    const zone = (await this.#store.userTimeZone(userId)) ?? 'UTC';
    return calendarWork(
      'this event',
      async (work) => {
        const events = await readIcs(text, zone, work, Math.min(EVENTS_PER_RESOURCE, CALENDAR_LIMITS.icsEvents));
        const uids = new Set(events.map((e) => e.uid));
        if (uids.size !== 1) throw new InvalidIcs(uids.size ? 'line 1: one event (one UID) per resource' : 'line 1: no event (VEVENT) in it');
        const series = seriesOf(events);
        const uid = [...uids][0]!;
        return again(() => this.#store.tx(async (store) => {
          await this.#calendar.writable(calendarId, userId, store);
          const sync = store.syncStore();
          const existing = await sync.lockByHref(calendarId, href);
          await sync.state(calendarId, true);
          if (cond.ifNoneMatch && existing) throw new PreconditionFailed('an event of that name exists');
          if (cond.ifMatch !== undefined && (!existing || (cond.ifMatch !== '*' && cond.ifMatch !== String(existing.seq)))) throw new PreconditionFailed('the event changed meanwhile');
          if (existing && existing.uid !== uid) throw new UidConflict('an event keeps its UID', href);
          const other = existing ? undefined : await sync.byUid(calendarId, uid);
          if (other) throw new UidConflict('another event of this calendar has this UID', other.href);
          if (!series.size) throw new InvalidIcs('line 1: changed occurrences (RECURRENCE-ID) of an event that is not in it');
          const before = existing && (await store.event(existing.id));
          const id = (await storeIcs(store, { calendarId, userId, events, series, work, replace: true })).get(uid)!;
          if (!existing) await sync.setHref(id, href);
          // Its room and its attendees, as an edit in Parley.
          await this.#calendar.deviceWrote(store, userId, id, before, work);
          return { created: !existing };
        }));
      },
      ICS_WORK,
    );
  }

  /** A device deletes the event named `href`: to the trash, as from Parley (its ETag compared in the delete's transaction, the calendar locked). */
  async remove(userId: string, calendarId: string, href: string, ifMatch?: string): Promise<void> {
    await this.#calendar.writable(calendarId, userId);
    const [existing] = await this.#store.syncStore().byHrefs(calendarId, [href]);
    if (!existing) throw new EventNotFound('no such event');
    await again(() => this.#calendar.deleteEvent(userId, existing.id, async (store) => {
      const sync = store.syncStore();
      const now = await sync.lockByHref(calendarId, href);
      await sync.state(calendarId, true);
      if (now?.id !== existing.id) throw new EventNotFound('no such event');
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== String(now.seq)) throw new PreconditionFailed('the event changed meanwhile');
    }));
  }
}

/**
 * Runs `fn` again (twice at most) when PostgreSQL ended it to break a
 * deadlock (40P01): a device's write and an edit here of the same event at
 * the same moment can each hold a row the other waits for (its room, say).
 */
async function again<T>(fn: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await fn();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || tries >= 3) throw error;
    }
  }
}
