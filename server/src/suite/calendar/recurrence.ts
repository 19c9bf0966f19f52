// Recurrence rules (RFC 5545 RRULE) and their expansion.
//
// Supported: FREQ DAILY / WEEKLY / MONTHLY / YEARLY, INTERVAL, COUNT, UNTIL,
// BYDAY (with ordinals: 2MO, -1FR), BYMONTHDAY (negative from the month's
// end), BYMONTH, BYSETPOS, WKST. That covers what calendar clients write
// ("every weekday", "the last Friday of the month", "every year on 29
// February"). Other parts (BYHOUR, BYWEEKNO, BYYEARDAY, SECONDLY...) are
// refused by name rather than silently ignored: a rule half understood would
// put meetings on the wrong days.
//
// Expansion works on wall-clock times (see lib/time.ts), so a weekly 09:00 stays
// at 09:00 through daylight-saving changes; callers turn each occurrence
// into an instant in the event's zone.
import type { Work } from '../../lib/work.ts';
import { DAY_MS, startOfDay, toUtc, weekday } from '../../lib/time.ts';

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
const FREQS: readonly Frequency[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

export interface RRule {
  freq: Frequency;
  interval: number;
  count?: number;
  /** Last instant an occurrence may start at: UTC ms (UNTIL=...Z), or wall ms (a date or a floating time). */
  until?: { utc: number } | { wall: number };
  /** Weekdays (0 Monday), with an ordinal in the month or year (0: every one). */
  byDay?: { n: number; day: number }[];
  byMonthDay?: number[];
  /** Months, 1-12. */
  byMonth?: number[];
  bySetPos?: number[];
  /** First day of the week (0 Monday). */
  wkst: number;
}

export class RRuleError extends Error {}

/** Most occurrences one expansion yields, and most periods it looks through: a rule that never matches ends, too. */
export const EXPANSION_LIMIT = 5000;
const PERIOD_LIMIT = 50_000;

/**
 * What expansion costs, in work units (see lib/work.ts): a candidate day
 * looked at is one; turning a wall time into an instant in a zone (several
 * Intl calls, ~100 times a candidate day here) is ZONE, one offset look-up
 * OFFSET. Callers charge them for their own conversions too.
 */
export const UNITS = { day: 1, period: 10, offset: 30, zone: 100 } as const;

const intList = (part: string, value: string, min: number, max: number, zero = false): number[] =>
  value.split(',').map((v) => {
    const n = Number(v);
    if (!/^[+-]?\d{1,3}$/.test(v) || Math.abs(n) < min || Math.abs(n) > max || (!zero && n === 0)) throw new RRuleError(`${part}: "${v}" is out of range`);
    return n;
  });

/** UNTIL: a date (YYYYMMDD), a UTC date-time (…Z) or a floating one. */
function parseUntil(value: string): RRule['until'] {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) throw new RRuleError(`UNTIL: "${value}" is not a date or date-time`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0)) as number[];
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (new Date(ms).getUTCDate() !== d || h! > 23 || mi! > 59 || s! > 59) throw new RRuleError(`UNTIL: "${value}" is not a real date`);
  // A date alone: the whole of that day.
  if (m[4] === undefined) return { wall: ms + DAY_MS - 1000 };
  return m[7] ? { utc: ms } : { wall: ms };
}

/** Parses an RRULE value ("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"); throws RRuleError naming the part at fault. */
export function parseRRule(text: string): RRule {
  if (text.length > 500) throw new RRuleError('the rule is too long');
  const seen = new Set<string>();
  const rule: Partial<RRule> & { wkst: number } = { interval: 1, wkst: 0 };
  for (const item of text.replace(/^RRULE:/i, '').split(';')) {
    if (!item) continue;
    const eq = item.indexOf('=');
    const part = (eq < 0 ? item : item.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? '' : item.slice(eq + 1).toUpperCase();
    if (seen.has(part)) throw new RRuleError(`${part} is given twice`);
    seen.add(part);
    if (!value) throw new RRuleError(`${part} has no value`);
    switch (part) {
      case 'FREQ':
        if (!FREQS.includes(value as Frequency)) throw new RRuleError(`FREQ=${value} is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)`);
        rule.freq = value as Frequency;
        break;
      case 'INTERVAL':
        rule.interval = intList(part, value, 1, 999)[0]!;
        break;
      case 'COUNT':
        if (!/^\d{1,5}$/.test(value) || Number(value) < 1) throw new RRuleError(`COUNT: "${value}" is not a positive number`);
        rule.count = Number(value);
        break;
      case 'UNTIL':
        rule.until = parseUntil(value);
        break;
      case 'BYDAY':
        rule.byDay = value.split(',').map((v) => {
          const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(v);
          const n = Number(m?.[1] ?? 0);
          if (!m || Math.abs(n) > 53 || (m[1] !== undefined && n === 0)) throw new RRuleError(`BYDAY: "${v}" is not a weekday`);
          return { n, day: WEEKDAYS.indexOf(m[2] as (typeof WEEKDAYS)[number]) };
        });
        break;
      case 'BYMONTHDAY':
        rule.byMonthDay = intList(part, value, 1, 31);
        break;
      case 'BYMONTH':
        rule.byMonth = intList(part, value, 1, 12).map((n) => {
          if (n < 0) throw new RRuleError(`BYMONTH: "${n}" is out of range`);
          return n;
        });
        break;
      case 'BYSETPOS':
        rule.bySetPos = intList(part, value, 1, 366);
        break;
      case 'WKST':
        if (!WEEKDAYS.includes(value as (typeof WEEKDAYS)[number])) throw new RRuleError(`WKST: "${value}" is not a weekday`);
        rule.wkst = WEEKDAYS.indexOf(value as (typeof WEEKDAYS)[number]);
        break;
      default:
        throw new RRuleError(`${part} is not supported`);
    }
  }
  if (!rule.freq) throw new RRuleError('FREQ is missing');
  if (rule.count !== undefined && rule.until) throw new RRuleError('COUNT and UNTIL cannot both be given');
  if (rule.byDay?.some((d) => d.n !== 0) && (rule.freq === 'DAILY' || rule.freq === 'WEEKLY')) throw new RRuleError(`BYDAY with a number only goes with MONTHLY or YEARLY`);
  if (rule.byMonthDay && rule.freq === 'WEEKLY') throw new RRuleError('BYMONTHDAY does not go with WEEKLY');
  if (rule.bySetPos && !rule.byDay && !rule.byMonthDay && !rule.byMonth) throw new RRuleError('BYSETPOS needs another BY part');
  return rule as RRule;
}

/** The rule written back as an RRULE value, parts in a fixed order. */
export function formatRRule(rule: RRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until) {
    const utc = 'utc' in rule.until;
    const d = new Date('utc' in rule.until ? rule.until.utc : rule.until.wall);
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    parts.push(`UNTIL=${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${utc ? 'Z' : ''}`);
  }
  if (rule.byMonth) parts.push(`BYMONTH=${rule.byMonth.join(',')}`);
  if (rule.byMonthDay) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(',')}`);
  if (rule.byDay) parts.push(`BYDAY=${rule.byDay.map((d) => `${d.n || ''}${WEEKDAYS[d.day]}`).join(',')}`);
  if (rule.bySetPos) parts.push(`BYSETPOS=${rule.bySetPos.join(',')}`);
  if (rule.wkst !== 0) parts.push(`WKST=${WEEKDAYS[rule.wkst]}`);
  return parts.join(';');
}

const daysInMonth = (y: number, m0: number) => new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();

/** Days (wall midnights) of month `m0` of `y` that BYMONTHDAY and BYDAY pick (ordinals counted in the month). */
function daysInMonthPicked(rule: RRule, y: number, m0: number, defaultDay: number): number[] {
  const len = daysInMonth(y, m0);
  const first = Date.UTC(y, m0, 1);
  let days: number[] | null = null;
  if (rule.byMonthDay) {
    days = rule.byMonthDay.map((d) => (d > 0 ? d : len + d + 1)).filter((d) => d >= 1 && d <= len);
  }
  if (rule.byDay) {
    const picked = pickWeekdays(rule.byDay, first, len);
    days = days ? days.filter((d) => picked.has(d)) : [...picked];
  }
  if (!days) days = defaultDay <= len ? [defaultDay] : []; // 31st in a shorter month: none (RFC 5545)
  return [...new Set(days)].sort((a, b) => a - b).map((d) => first + (d - 1) * DAY_MS);
}

/** Day numbers (1-based) within a span of `len` days from `first` that match the BYDAY list (ordinals counted in the span). */
function pickWeekdays(byDay: RRule['byDay'] & object, first: number, len: number): Set<number> {
  const picked = new Set<number>();
  for (const { n, day } of byDay) {
    const matches: number[] = [];
    const offset = (day - weekday(first) + 7) % 7;
    for (let d = 1 + offset; d <= len; d += 7) matches.push(d);
    if (n === 0) matches.forEach((d) => picked.add(d));
    else {
      const d = n > 0 ? matches[n - 1] : matches[matches.length + n];
      if (d !== undefined) picked.add(d);
    }
  }
  return picked;
}

/** The candidate days (wall midnights) of period `k` of the rule, sorted; time of day is added by the caller. */
function periodDays(rule: RRule, start: number, k: number): number[] {
  const s = new Date(start);
  const y = s.getUTCFullYear();
  const m0 = s.getUTCMonth();
  const dom = s.getUTCDate();
  const inMonths = (d: number) => !rule.byMonth || rule.byMonth.includes(new Date(d).getUTCMonth() + 1);
  switch (rule.freq) {
    case 'DAILY': {
      const day = startOfDay(start) + k * rule.interval * DAY_MS;
      const dd = new Date(day);
      if (!inMonths(day)) return [];
      if (rule.byMonthDay && !rule.byMonthDay.some((n) => (n > 0 ? n : daysInMonth(dd.getUTCFullYear(), dd.getUTCMonth()) + n + 1) === dd.getUTCDate())) return [];
      if (rule.byDay && !rule.byDay.some((b) => b.day === weekday(day))) return [];
      return [day];
    }
    case 'WEEKLY': {
      const weekStart = startOfDay(start) - ((weekday(start) - rule.wkst + 7) % 7) * DAY_MS + k * rule.interval * 7 * DAY_MS;
      const days = rule.byDay ? rule.byDay.map((b) => weekStart + ((b.day - rule.wkst + 7) % 7) * DAY_MS) : [weekStart + ((weekday(start) - rule.wkst + 7) % 7) * DAY_MS];
      return [...new Set(days)].filter(inMonths).sort((a, b) => a - b);
    }
    case 'MONTHLY': {
      const month = m0 + k * rule.interval;
      const yy = y + Math.floor(month / 12);
      const mm = ((month % 12) + 12) % 12;
      if (rule.byMonth && !rule.byMonth.includes(mm + 1)) return [];
      return daysInMonthPicked(rule, yy, mm, dom);
    }
    case 'YEARLY': {
      const yy = y + k * rule.interval;
      if (rule.byMonth) return rule.byMonth.slice().sort((a, b) => a - b).flatMap((m) => daysInMonthPicked(rule, yy, m - 1, dom));
      if (rule.byMonthDay) {
        // Those days of every month; a BYDAY beside them only narrows.
        const months = Array.from({ length: 12 }, (_, m) => daysInMonthPicked({ ...rule, byDay: undefined }, yy, m, dom)).flat();
        return months.filter((d) => !rule.byDay || rule.byDay.some((b) => b.day === weekday(d)));
      }
      if (rule.byDay) {
        // Ordinals count in the whole year ("the 20th Monday").
        const first = Date.UTC(yy, 0, 1);
        const len = (Date.UTC(yy + 1, 0, 1) - first) / DAY_MS;
        return [...pickWeekdays(rule.byDay, first, len)].sort((a, b) => a - b).map((d) => first + (d - 1) * DAY_MS);
      }
      // The start's own day; 29 February only in leap years.
      return dom <= daysInMonth(yy, m0) ? [Date.UTC(yy, m0, dom)] : [];
    }
  }
}

/** How many whole periods of the rule lie between `start` and `from` (a lower bound: where expansion may begin). */
function periodsBefore(rule: RRule, start: number, from: number): number {
  if (from <= start) return 0;
  const a = new Date(start);
  const b = new Date(from);
  const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
  const periods = { DAILY: (from - start) / DAY_MS, WEEKLY: (from - start) / (7 * DAY_MS), MONTHLY: months, YEARLY: months / 12 }[rule.freq];
  return Math.max(0, Math.floor(periods / rule.interval) - 1);
}

/** What `expand` hands a caller that asked for pauses when its time slice is used up: not an occurrence. */
export const PAUSE = Number.NaN;

/**
 * The occurrences of `rule` from `start` (wall ms, the first occurrence
 * whether or not the rule picks it, as clients expect of DTSTART), as wall
 * ms in order. `tz` turns an UNTIL given in UTC into a wall limit. `from`
 * (wall ms) skips whole periods before it when the rule has no COUNT (which
 * must be counted from the start): a daily meeting begun years ago is not
 * walked day by day. At most EXPANSION_LIMIT occurrences. `work` counts the
 * cost and throws when its budget is spent; with `pauses`, PAUSE comes
 * between periods whenever its slice is used up (`await work.breathe()`).
 */
export function* expand(rule: RRule, start: number, tz: string, from = start, work?: Work, pauses = false): Generator<number> {
  const timeOfDay = start - startOfDay(start);
  const ends = (wall: number): boolean => {
    if (!rule.until) return false;
    if (!('utc' in rule.until)) return wall > rule.until.wall;
    work?.spend(UNITS.zone);
    return toUtc(wall, tz) > rule.until.utc;
  };
  if (ends(start)) return;
  let count = 1;
  yield start;
  if (rule.count === 1) return;
  let emptyRun = 0;
  const k0 = rule.count === undefined ? periodsBefore(rule, start, from) : 0;
  for (let k = k0; k < k0 + PERIOD_LIMIT && count < EXPANSION_LIMIT; k++) {
    // Periods that give nothing (a rule keeping one day in four years) are
    // computed back to back: a caller that asked for pauses is handed one
    // when its slice is used up, to let the event loop through.
    if (pauses && work?.due) yield PAUSE;
    let days = periodDays(rule, start, k);
    // Charged per period as computed, before anything is yielded: a rule
    // whose periods hold hundreds of candidates (YEARLY with every weekday)
    // and pick one of them (BYSETPOS=366) costs what it costs to compute.
    work?.spend(UNITS.period + days.length * UNITS.day + (rule.bySetPos?.length ?? 0));
    if (rule.bySetPos) {
      const all = days;
      days = [...new Set(rule.bySetPos.map((p) => (p > 0 ? all[p - 1] : all[all.length + p])).filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
    }
    // Rules that can never match again (31 February) give up after a while.
    emptyRun = days.length ? 0 : emptyRun + 1;
    if (emptyRun > 2000) return;
    for (const day of days) {
      const wall = day + timeOfDay;
      if (wall <= start) continue;
      if (ends(wall)) return;
      if (rule.count !== undefined && count >= rule.count) return;
      count += 1;
      yield wall;
      // The last counted occurrence: no period after it is computed (a rule whose periods are mostly empty would walk 2000 of them first).
      if (rule.count !== undefined && count >= rule.count) return;
    }
  }
}
