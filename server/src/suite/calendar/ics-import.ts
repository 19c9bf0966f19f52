// An iCalendar file written into a calendar: its series upserted by UID,
// their changed occurrences (RECURRENCE-ID) added. The .ics import (all of a
// file, or nothing) and CalDAV's PUT (one event and its exceptions, replaced
// whole) share it.
import { DomainError } from '@parley/protocol';
import { newId } from '../../lib/ids.ts';
import { toUtc, toWall } from '../../lib/time.ts';
import { WorkExceeded, type Work } from '../../lib/work.ts';
import { InvalidIcs } from './errors.ts';
import { IcsError, parseIcs, type IcsEvent } from './ics.ts';
import { localText, storedTimes, timing, type Timing } from './occurrences.ts';
import { UNITS } from './recurrence.ts';
import type { CalendarStore } from './store.ts';

/** Reminders as kept: each once, soonest before the start last (at most 5, as the schema says). */
export const sortedAlarms = (alarms: number[]) => [...new Set(alarms)].sort((a, b) => b - a).slice(0, 5);

/** A file's events, its floating times in `zone`; INVALID_ICS naming the line of what cannot be read. */
export async function readIcs(text: string, zone: string, work: Work, maxEvents: number): Promise<IcsEvent[]> {
  try {
    return await parseIcs(text, zone, { maxEvents, work });
  } catch (error) {
    if (error instanceof IcsError) throw new InvalidIcs(error.message);
    throw error;
  }
}

/** The file's series by UID (not their changed occurrences); two series of one UID are refused. */
export function seriesOf(events: IcsEvent[]): Map<string, IcsEvent> {
  const series = new Map<string, IcsEvent>();
  for (const e of events) {
    if (e.recurrenceId !== null) continue;
    if (series.has(e.uid)) throw new InvalidIcs(`line ${e.line}: UID ${e.uid} is used by two events`);
    series.set(e.uid, e);
  }
  return series;
}

/**
 * Writes the file's events into the calendar, in the caller's transaction;
 * answers the series' ids by UID. `replace`: a series' former changed
 * occurrences go first (a device's copy is the whole event); else those
 * already there stay (an import adds to what is there).
 */
export async function storeIcs(
  store: CalendarStore,
  p: { calendarId: string; userId: string; events: IcsEvent[]; series: Map<string, IcsEvent>; work: Work; replace: boolean },
): Promise<Map<string, string>> {
  const { work } = p;
  const ids = new Map<string, { id: string; t: Timing; allDay: boolean }>();
  for (const e of p.series.values()) {
    let t: Timing;
    try {
      t = await timing({ timeZone: e.timeZone, allDay: e.allDay, start: localText(e.start, e.allDay), end: localText(e.end, e.allDay), rrule: e.rrule }, work);
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof WorkExceeded)) throw new InvalidIcs(`line ${e.line}: ${error.message}`);
      throw error;
    }
    const exdates = e.exdates.map((w) => localText(w, e.allDay));
    const id = await store.upsertByUid(
      { calendarId: p.calendarId, uid: e.uid, organizerId: p.userId, newId: newId(), url: e.url, exdates },
      { title: e.title, description: e.description, location: e.location, attendees: e.attendees, alarms: sortedAlarms(e.alarms) },
      storedTimes(t),
    );
    if (p.replace) await store.setExceptions(id, exdates, []);
    ids.set(e.uid, { id, t, allDay: e.allDay });
  }
  for (const e of p.events) {
    if (e.recurrenceId === null) continue;
    const parent = ids.get(e.uid);
    if (!parent) throw new InvalidIcs(`line ${e.line}: a changed occurrence (RECURRENCE-ID) of an event that is not in the file`);
    work.spend(3 * UNITS.zone);
    if (work.due) await work.breathe();
    const startAt = toUtc(e.start, e.timeZone);
    const endAt = toUtc(e.end, e.timeZone);
    // The occurrence it changes, in the series' own zone (a client may write it in another).
    const rid = e.timeZone === parent.t.timeZone || e.allDay ? e.recurrenceId : toWall(toUtc(e.recurrenceId, e.timeZone), parent.t.timeZone);
    await store.addImportedOverride(parent.id, localText(rid, parent.allDay), e.cancelled, {
      title: e.title,
      description: e.description,
      location: e.location,
      start_local: localText(toWall(startAt, parent.t.timeZone), e.allDay),
      end_local: localText(toWall(endAt, parent.t.timeZone), e.allDay),
      start_at: startAt,
      end_at: endAt,
    });
  }
  return new Map([...ids].map(([uid, v]) => [uid, v.id]));
}
