// A calendar as an .ics file: its events and their changed occurrences. A
// room's bookings are "Busy" to whoever cannot read the calendar they were
// made in, in a file as on screen (see occurrences.ts).
import { parseWall } from '../../lib/time.ts';
import { BUSY, localText, occurrenceTimes, timingOf } from './occurrences.ts';
import { writeIcs } from './ics.ts';
import type { EventRow, OverrideRow } from './store.ts';

/** An event's identity and times as a file names them (in a calendar file and in invitations alike). */
export const icsTimes = (e: EventRow) => ({
  uid: e.uid,
  allDay: e.all_day,
  timeZone: e.time_zone,
  start: e.start_local,
  end: e.end_local,
  rrule: e.rrule,
  exdates: e.exdates,
});

/** `readable`: the calendars the reader may read (null: every event shown in full). */
export function calendarFile(name: string, rows: EventRow[], overrides: Map<string, OverrideRow[]>, readable: Set<string> | null): string {
  return writeIcs(
    name,
    rows.map((e) => {
      const hidden = readable !== null && !readable.has(e.calendar_id);
      const shown = (own: string | null, series: string, busy: string) => (hidden ? busy : (own ?? series));
      return {
        ...icsTimes(e),
        title: shown(null, e.title, BUSY.title),
        description: shown(null, e.description, BUSY.description),
        location: shown(null, e.location, BUSY.location),
        attendees: hidden ? [] : e.attendees,
        url: hidden ? null : e.meeting_url,
        alarms: hidden ? [] : e.alarms,
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
}
