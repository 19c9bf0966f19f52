// Wall-clock time in IANA time zones, without a time zone library.
//
// An event is kept as its organizer wrote it: a wall-clock time ("09:00") in
// a time zone ("Europe/Zurich"). Recurrence is computed on wall-clock times
// (every Monday at 09:00 stays at 09:00 across daylight-saving changes, as
// RFC 5545 asks), and only then turned into instants. A wall-clock time is
// held as "wall milliseconds": the instant it would be if the zone were UTC,
// so day and month arithmetic is plain UTC arithmetic with no offsets in it.
// Offsets come from the runtime's own time zone data (Intl), so they are as
// current as Node's ICU.

const DAY_MS = 86_400_000;
export { DAY_MS };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is a time zone this runtime knows (IANA names, "UTC"). */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `utc`, in ms (Zurich in summer: +7,200,000). */
export function offsetAt(tz: string, utc: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(utc))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  // Formatting drops the milliseconds: compare whole seconds.
  return wall - Math.floor(utc / 1000) * 1000;
}

/** The wall-clock time in `tz` at instant `utc`. */
export function toWall(utc: number, tz: string): number {
  return utc + offsetAt(tz, utc);
}

/**
 * The instant of wall-clock time `wall` in `tz`. A time that happens twice
 * (clocks going back) is its first instant; a time that never happens
 * (clocks going forward) is read with the offset before the gap, so 02:30 on
 * a spring-forward night is 03:30: both as RFC 5545 says.
 */
export function toUtc(wall: number, tz: string): number {
  // The instant lies within [wall - 14 h, wall + 12 h] (the widest offsets
  // there are). Zones change offset months apart, so the offsets just
  // outside that span, a day either side, are the only candidates.
  const before = offsetAt(tz, wall - 28 * 3_600_000);
  const after = offsetAt(tz, wall + 26 * 3_600_000);
  // No change of offset in the span (nearly always): that offset is the one.
  if (before === after) return wall - before;
  const fits = [before, after].map((o) => wall - o).filter((t) => offsetAt(tz, t) === wall - t);
  if (fits.length) return Math.min(...fits);
  return wall - before;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" into wall ms; null when it is not a real date and time. */
export function parseWall(text: string): number | null {
  const m = LOCAL.exec(text);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h, mi, s);
  const back = new Date(wall);
  // Date.UTC rolls "February 30" over to March: refuse it instead.
  if (y! < 1900 || y! > 2200 || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return wall;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "YYYY-MM-DDTHH:MM:SS" (or "YYYY-MM-DD" with `dateOnly`). */
export function formatWall(wall: number, dateOnly = false): string {
  const d = new Date(wall);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return dateOnly ? date : `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Midnight of the wall day holding `wall`. */
export const startOfDay = (wall: number): number => Math.floor(wall / DAY_MS) * DAY_MS;

/** Day of the week of a wall time: 0 Monday ... 6 Sunday (RFC 5545 order, MO first). */
export const weekday = (wall: number): number => (new Date(wall).getUTCDay() + 6) % 7;
