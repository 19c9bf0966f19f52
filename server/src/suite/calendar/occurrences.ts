// The rules of time for events, with no storage: reading an event's times
// in its zone, expanding a series into occurrences with its exceptions, and
// finding the first clash between two sets of occurrences.
import { CALENDAR_LIMITS, type CalendarView, type OccurrenceView } from '@parley/protocol';
import { Gate, Work } from '../../lib/work.ts';
import { expand, EXPANSION_LIMIT, parseRRule, RRuleError, UNITS, type RRule } from './recurrence.ts';
import type { EventRow, OverrideRow, StoredTimes } from './store.ts';
import { DAY_MS, formatWall, isTimeZone, parseWall, toUtc, toWall } from '../../lib/time.ts';
import { InvalidTime } from '../../lib/errors.ts';
import { InvalidRecurrence } from './errors.ts';

/** An event's times, checked and computed: what is stored. */
export interface Timing {
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

/**
 * Runs work that may expand recurrence rules or read a calendar file:
 * behind the gate, within one request's budget, in time slices. Never
 * nested (a second permit waited for inside the first could deadlock):
 * helpers take the `work` of the public method that called them.
 */
export function calendarWork<T>(what: string, fn: (work: Work) => Promise<T>, limit = CALENDAR_WORK): Promise<T> {
  return gate.run(() => fn(new Work(limit, { what })));
}

export const invalidTime = (message: string) => new InvalidTime(message);

/** Reads an event's wall-clock times in its zone; all-day events have dates and an exclusive end day. */
export async function timing(p: { timeZone: string; allDay?: boolean; start: string; end: string; rrule?: string | null }, work: Work): Promise<Timing> {
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
      if (error instanceof RRuleError) throw new InvalidRecurrence(error.message);
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
      for (const w of expand(rrule, start, p.timeZone, start, work, true)) {
        if (Number.isNaN(w)) {
          await work.breathe();
          continue;
        }
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
export function occurrenceTimes(t: Pick<Timing, 'timeZone' | 'allDay' | 'start' | 'end' | 'startAt' | 'endAt'>, w: number): { startAt: number; endAt: number; end: number } {
  const startAt = toUtc(w, t.timeZone);
  if (t.allDay) {
    const end = w + (t.end - t.start);
    return { startAt, endAt: toUtc(end, t.timeZone), end };
  }
  const endAt = startAt + (t.endAt - t.startAt);
  return { startAt, endAt, end: toWall(endAt, t.timeZone) };
}

export const timingOf = (e: EventRow): Timing => {
  const start = parseWall(e.start_local)!;
  const end = parseWall(e.end_local)!;
  return { timeZone: e.time_zone, allDay: e.all_day, start, end, startAt: e.start_at, endAt: e.end_at, rrule: e.rrule ? parseRRule(e.rrule) : null, rruleText: e.rrule, seriesEndAt: e.series_end_at };
};

export const localText = (wall: number, allDay: boolean) => formatWall(wall, allDay);

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
    alarms: e.alarms,
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
    for (const w of expand(t.rrule, t.start, e.time_zone, fromWall, work, true)) {
      if (Number.isNaN(w)) {
        await work.breathe();
        continue;
      }
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

/** What an event stores of its times. */
export const storedTimes = (t: Timing): StoredTimes => ({
  timeZone: t.timeZone,
  allDay: t.allDay,
  startLocal: localText(t.start, t.allDay),
  endLocal: localText(t.end, t.allDay),
  startAt: t.startAt,
  endAt: t.endAt,
  rrule: t.rruleText,
  seriesEndAt: t.seriesEndAt,
});

/**
 * A room's calendar shows everyone when it is taken, and by whom; what the
 * meeting is (and its link, which lets anyone in) only to those who can read
 * the calendar the event is in: the calendars here that are not rooms'.
 */
export const readableIds = (visible: CalendarView[]) => new Set(visible.filter((c) => !c.roomId).map((c) => c.id));
/** What a booking shows in place of its own texts to the others, on screen and in files. */
export const BUSY = { title: 'Busy', description: '', location: '' };
export const privateOccurrence = (o: OccurrenceView): OccurrenceView => ({ ...o, ...BUSY, private: true, meetingUrl: null, alarms: [] });

/**
 * The first of `wanted` that overlaps any of `taken`, in O((W + T) log T):
 * a year of a daily booking against a busy room is thousands of each.
 */
export function firstClash<W extends { startAt: number; endAt: number }>(wanted: W[], taken: { startAt: number; endAt: number }[]): W | undefined {
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

