// Reminders as iCalendar writes them: a VALARM's TRIGGER is a DURATION
// before (negative) or after the start (RFC 5545 3.8.6.3); a reminder here
// is minutes before the start.

/** Minutes before the start of a negative DURATION ("-PT15M", "-P1D", "-P1W"); null for one after it (or zero written as after). */
export function beforeStart(v: string): number | null {
  const m = /^([+-]?)P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$/.exec(v.toUpperCase());
  if (!m || v.length < 3) return null;
  const minutes = (Number(m[2] ?? 0) * 7 + Number(m[3] ?? 0)) * 1440 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0) + Math.round(Number(m[6] ?? 0) / 60);
  if (m[1] !== '-' && minutes !== 0) return null;
  return minutes;
}

/** A reminder as a trigger: minutes before the start. */
export const trigger = (minutes: number) => (minutes === 0 ? 'PT0M' : minutes % 1440 === 0 ? `-P${minutes / 1440}D` : `-PT${minutes}M`);
