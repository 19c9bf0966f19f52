// VTIMEZONE blocks, both ways.
//
// Written: RFC 5545 requires one for every TZID a file names, and Outlook
// refuses times in a zone it has no definition for. They are derived from
// the runtime's zone data (Intl): each offset change in the years the file
// covers, and a change that recurs every year on the same weekday rule
// ("last Sunday of March at 02:00") as one yearly RRULE, left open when it
// still holds in the last year so clients extend it to later occurrences.
//
// Read: Outlook and Exchange name their zones in Windows' words ("W. Europe
// Standard Time") and define them only by their VTIMEZONE. Such a TZID is
// resolved to an IANA zone whose offsets are the same all through the years
// the file's events need (the importing calendar's own zone first, when it
// fits): the events then land on the same instants, and keep doing so as
// the runtime's zone data moves on.
import { WorkExceeded, type Work } from '../../lib/work.ts';
import { expand, UNITS, WEEKDAYS, type RRule } from './recurrence.ts';
import { DAY_MS, formatWall, offsetAt } from '../../lib/time.ts';

const HOUR_MS = 3_600_000;
/** At most this many years of offset changes per exported zone. */
const MAX_YEARS = 30;

export interface Transition {
  /** The instant the offset changes. */
  utc: number;
  from: number;
  to: number;
}

/**
 * The offset changes of `zone` in [fromUtc, toUtc): checked a week apart,
 * then narrowed to the minute (zones change offset months apart).
 */
export function transitions(zone: string, fromUtc: number, toUtc: number): Transition[] {
  const out: Transition[] = [];
  const step = 7 * DAY_MS;
  let prevT = fromUtc;
  let prev = offsetAt(zone, prevT);
  for (let t = fromUtc + step; prevT < toUtc; t += step) {
    const o = offsetAt(zone, t);
    if (o !== prev) {
      let lo = prevT;
      let hi = t;
      while (hi - lo > 60_000) {
        // Whole minutes (the span always is some), at least one: the loop always narrows.
        const mid = lo + Math.max(60_000, Math.floor((hi - lo) / 120_000) * 60_000);
        if (offsetAt(zone, mid) === prev) lo = mid;
        else hi = mid;
      }
      if (hi < toUtc) out.push({ utc: hi, from: prev, to: o });
    }
    prevT = t;
    prev = o;
  }
  return out;
}

const formatOffset = (ms: number) => {
  const sign = ms < 0 ? '-' : '+';
  const s = Math.abs(ms) / 1000;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = s % 60 ? String(s % 60).padStart(2, '0') : '';
  return `${sign}${hh}${mm}${ss}`;
};
const compactWall = (wall: number) => formatWall(wall).replace(/[-:]/g, '');
const compactUtc = (utc: number) => `${compactWall(utc)}Z`;

interface Group {
  first: Transition;
  last: Transition;
  lastYear: number;
  count: number;
  month: number;
  byDay: string;
}

const cache = new Map<string, string[]>();

/**
 * The VTIMEZONE of `zone` for files whose times fall in [fromYear, toYear],
 * as content lines. The span is cut to its last MAX_YEARS years.
 */
export function vtimezoneLines(zone: string, fromYear: number, toYear: number): string[] {
  fromYear = Math.max(fromYear, toYear - MAX_YEARS + 1);
  const key = `${zone}|${fromYear}|${toYear}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  const changes = transitions(zone, Date.UTC(fromYear, 0, 1) - 14 * HOUR_MS, Date.UTC(toYear + 1, 0, 1) + 14 * HOUR_MS);
  if (changes.length === 0) {
    const o = offsetAt(zone, Date.UTC(fromYear, 0, 1));
    lines.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${formatOffset(o)}`, `TZOFFSETTO:${formatOffset(o)}`, 'END:STANDARD');
  } else {
    // Changes on the same rule in consecutive years become one group.
    const groups: Group[] = [];
    const open = new Map<string, Group>();
    for (const t of changes) {
      // The onset is written in the wall time before the change (RFC 5545 3.6.5).
      const wall = t.utc + t.from;
      const d = new Date(wall);
      const month = d.getUTCMonth() + 1;
      const day = d.getUTCDate();
      const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), month, 0)).getUTCDate();
      const nth = day + 7 > daysInMonth ? -1 : Math.ceil(day / 7);
      const byDay = `${nth}${WEEKDAYS[(d.getUTCDay() + 6) % 7]}`;
      const k = `${t.from}|${t.to}|${month}|${byDay}|${wall % DAY_MS}`;
      const year = d.getUTCFullYear();
      const g = open.get(k);
      if (g && g.lastYear === year - 1) {
        g.last = t;
        g.lastYear = year;
        g.count += 1;
      } else {
        const n: Group = { first: t, last: t, lastYear: year, count: 1, month, byDay };
        groups.push(n);
        open.set(k, n);
      }
    }
    for (const g of groups) {
      const kind = g.first.to > g.first.from ? 'DAYLIGHT' : 'STANDARD';
      lines.push(`BEGIN:${kind}`, `DTSTART:${compactWall(g.first.utc + g.first.from)}`, `TZOFFSETFROM:${formatOffset(g.first.from)}`, `TZOFFSETTO:${formatOffset(g.first.to)}`);
      if (g.count > 1) {
        // Still in force at the end of the span: left open, so later years follow it too.
        const until = g.lastYear >= toYear ? '' : `;UNTIL=${compactUtc(g.last.utc)}`;
        lines.push(`RRULE:FREQ=YEARLY;BYMONTH=${g.month};BYDAY=${g.byDay}${until}`);
      }
      lines.push(`END:${kind}`);
    }
  }
  lines.push('END:VTIMEZONE');
  if (cache.size > 200) cache.delete(cache.keys().next().value!);
  cache.set(key, lines);
  return lines;
}

// ---- reading ----

/** One STANDARD or DAYLIGHT block of a VTIMEZONE read from a file. */
export interface Observance {
  /** Onset, wall ms in the offset before it. */
  start: number;
  from: number;
  to: number;
  rule: RRule | null;
  /** Further onsets (RDATE), wall ms. */
  rdates: number[];
}

export class VtimezoneError extends Error {}

/** "+0100", "-0530", "+013045" as ms. */
export function parseOffset(text: string): number {
  const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(text.trim());
  if (!m || Number(m[3]) > 59) throw new VtimezoneError(`"${text}" is not a UTC offset`);
  const ms = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === '-' ? -ms : ms;
}

/** The onsets of the observances up to `untilUtc`, in order. */
function onsets(observances: Observance[], untilUtc: number, work: Work): Transition[] {
  const out: Transition[] = [];
  for (const o of observances) {
    const walls = [o.start, ...o.rdates];
    work.spend(walls.length);
    if (o.rule) {
      for (const wall of expand(o.rule, o.start, 'UTC', o.start, work)) {
        if (wall - o.from > untilUtc) break;
        walls.push(wall);
      }
    }
    for (const wall of walls) if (wall - o.from <= untilUtc) out.push({ utc: wall - o.from, from: o.from, to: o.to });
  }
  return out.sort((a, b) => a.utc - b.utc);
}

/** The offset a VTIMEZONE gives at instant `utc` (`changes` in order). */
function offsetIn(changes: Transition[], utc: number): number {
  // The last change at or before `utc`, by bisection.
  let lo = 0;
  let hi = changes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (changes[mid]!.utc <= utc) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? changes[0]!.from : changes[lo - 1]!.to;
}

/** Real zones change offset a few times a year at most (Morocco, with Ramadan, four). */
const MAX_CHANGES_PER_YEAR = 8;

/**
 * Tried right after the importer's own zone: of the zones that fit, a
 * well-known one reads best in the calendar ("W. Europe Standard Time" is
 * Europe/Berlin, not Africa/Ceuta, the first with the same rules).
 */
const MAJOR_ZONES = [
  'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Europe/Zurich', 'Europe/Helsinki', 'Europe/Moscow', 'Europe/Istanbul',
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'America/Halifax',
  'America/Sao_Paulo', 'America/Mexico_City', 'Pacific/Honolulu', 'Asia/Tokyo', 'Asia/Shanghai', 'Asia/Kolkata', 'Asia/Dubai',
  'Asia/Singapore', 'Asia/Jerusalem', 'Australia/Sydney', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Perth', 'Pacific/Auckland',
  'Africa/Johannesburg', 'Africa/Cairo', 'Africa/Lagos', 'UTC',
];

/**
 * The IANA zone that keeps the offsets of `observances` through `years`
 * (checked mid-month, and either side of each change), `preferred` first;
 * null when no zone of this runtime does.
 */
export async function matchZone(observances: Observance[], years: number[], preferred: string, work: Work): Promise<string | null> {
  // Zones change on yearly rules (every producer writes them so); a daily or weekly one describes no zone there is.
  if (observances.length === 0 || years.length === 0 || observances.some((o) => o.rule && o.rule.freq !== 'YEARLY')) return null;
  const changes = onsets(observances, Date.UTC(Math.max(...years) + 1, 0, 1), work);
  if (changes.length === 0) return null;
  const instants: number[] = [];
  for (const y of new Set(years)) {
    for (let m = 0; m < 12; m++) instants.push(Date.UTC(y, m, 15, 12));
    const inYear = changes.filter((c) => new Date(c.utc).getUTCFullYear() === y);
    // A block that changes offset daily or weekly is no zone there is (and would make this slow).
    if (inYear.length > MAX_CHANGES_PER_YEAR) return null;
    for (const c of inYear) instants.push(c.utc - 60_000, c.utc + 60_000);
  }
  const wanted = instants.map((t) => offsetIn(changes, t));
  const candidates = [...new Set([preferred, ...MAJOR_ZONES, ...Intl.supportedValuesOf('timeZone')])];
  for (const zone of candidates) {
    try {
      // Charged per look-up: a block built to fit many zones until its last instant costs them all.
      if (instants.every((t, i) => (work.spend(UNITS.offset), offsetAt(zone, t) === wanted[i]))) return zone;
    } catch (error) {
      // Not a zone this runtime knows (a preferred zone that is not one); a spent budget ends the search.
      if (error instanceof WorkExceeded) throw error;
    }
    if (work.due) await work.breathe();
  }
  return null;
}
