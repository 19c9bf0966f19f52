// iCalendar (RFC 5545) files: reading VEVENTs out of a .ics file and writing
// calendars back as one. Reading is all or nothing: the first problem stops
// it with the line it is on, and the caller imports nothing (a half-imported
// calendar is worse than none: the user cannot tell what is missing).
//
// Times: a TZID that names an IANA zone (what Google, Apple and Thunderbird
// write) is taken as that zone, whatever its VTIMEZONE says, since the
// runtime's zone data is more current than a file's copy. Any other TZID
// (Outlook's "W. Europe Standard Time") is resolved through its VTIMEZONE
// to the IANA zone with the same offsets (see vtimezone.ts). UTC times
// ("Z") are kept in UTC; floating times take the importing calendar's zone.
// Written files carry a VTIMEZONE for each zone they name.
import { beforeStart, trigger } from './valarm.ts';
import { Work } from '../../lib/work.ts';
import { parseRRule, RRuleError, UNITS } from './recurrence.ts';
import { DAY_MS, formatWall, isTimeZone, toUtc, toWall } from '../../lib/time.ts';
import { matchZone, parseOffset, vtimezoneLines, VtimezoneError, type Observance } from './vtimezone.ts';

export class IcsError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export interface IcsEvent {
  uid: string;
  /** Where its BEGIN:VEVENT is. */
  line: number;
  title: string;
  description: string;
  location: string;
  allDay: boolean;
  timeZone: string;
  /** Wall ms in `timeZone`. */
  start: number;
  end: number;
  rrule: string | null;
  /** Wall ms in `timeZone`. */
  exdates: number[];
  /** Set on a changed occurrence of a series: its original start, wall ms in the series' zone once resolved. */
  recurrenceId: number | null;
  cancelled: boolean;
  attendees: string[];
  /** Reminders: minutes before the start (the alarms a file's VALARMs set before it). */
  alarms: number[];
  /** Each attendee's answer as the file states it (PARTSTAT, upper case), by lower-case address: a reply file's content. */
  partstats: Record<string, string>;
  url: string | null;
}

interface Prop {
  name: string;
  params: Record<string, string>;
  value: string;
  line: number;
}

/** Physical lines unfolded into logical ones, each with the line it starts on. */
function* logicalLines(text: string): Generator<{ text: string; line: number }> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let current: { text: string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if ((l.startsWith(' ') || l.startsWith('\t')) && current) {
      current.text += l.slice(1);
      continue;
    }
    if (current) yield current;
    current = l ? { text: l, line: i + 1 } : null;
  }
  if (current) yield current;
}

function parseProp(text: string, line: number): Prop {
  // NAME *(;PARAM=VALUE) : VALUE, where parameter values may be quoted and hold ':' or ';'.
  let i = 0;
  const nameMatch = /^[A-Za-z0-9-]+/.exec(text);
  if (!nameMatch) throw new IcsError(line, `"${text.slice(0, 40)}" is not a property`);
  const name = nameMatch[0].toUpperCase();
  i = name.length;
  const params: Record<string, string> = {};
  while (text[i] === ';') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new IcsError(line, `${name}: a parameter has no value`);
    const pname = text.slice(i + 1, eq).toUpperCase();
    let j = eq + 1;
    let value = '';
    if (text[j] === '"') {
      const close = text.indexOf('"', j + 1);
      if (close < 0) throw new IcsError(line, `${name}: an unclosed quote`);
      value = text.slice(j + 1, close);
      j = close + 1;
    } else {
      while (j < text.length && text[j] !== ';' && text[j] !== ':') j++;
      value = text.slice(eq + 1, j);
    }
    params[pname] = value;
    i = j;
    // Further values of one parameter (MEMBER="a","b") are not needed here.
    while (text[i] === ',') {
      i++;
      if (text[i] === '"') i = text.indexOf('"', i + 1) + 1;
      else while (i < text.length && text[i] !== ';' && text[i] !== ':' && text[i] !== ',') i++;
    }
  }
  if (text[i] !== ':') throw new IcsError(line, `${name}: ":" expected before the value`);
  return { name, params, value: text.slice(i + 1), line };
}

const unescapeText = (v: string) => v.replace(/\\([nN,;\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
const escapeText = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/[,;]/g, (c) => `\\${c}`);

/** How a file's times are read: the zone of floating times, and TZIDs as IANA zones. */
interface Zones {
  defaultZone: string;
  /** The IANA zone a TZID stands for; throws IcsError at `p` when none. */
  resolve(tzid: string, p: Prop): string;
}

/** A DATE or DATE-TIME value with its zone: wall ms in that zone. */
function parseTime(p: Prop, value: string, zones: Zones): { wall: number; zone: string; date: boolean } {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) throw new IcsError(p.line, `${p.name}: "${value}" is not a date or date-time`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0)) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (new Date(wall).getUTCDate() !== d || new Date(wall).getUTCMonth() !== mo! - 1 || h! > 23 || mi! > 59 || s! > 60) {
    throw new IcsError(p.line, `${p.name}: "${value}" is not a real date`);
  }
  const date = m[4] === undefined;
  if (date && p.params.VALUE && p.params.VALUE.toUpperCase() !== 'DATE') throw new IcsError(p.line, `${p.name}: VALUE=${p.params.VALUE} with a date`);
  if (m[7]) return { wall, zone: 'UTC', date };
  const tzid = p.params.TZID?.replace(/^\//, '');
  return { wall, zone: tzid === undefined ? zones.defaultZone : zones.resolve(tzid, p), date };
}

/** In zone `zone`, the wall time of a time read in another zone. */
const inZone = (t: { wall: number; zone: string }, zone: string) => (t.zone === zone ? t.wall : toWall(toUtc(t.wall, t.zone), zone));

function parseDuration(p: Prop): number {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(p.value);
  if (!m || p.value === 'P' || p.value.endsWith('T')) throw new IcsError(p.line, `DURATION: "${p.value}" is not a duration`);
  const [w, d, h, mi, s] = m.slice(2).map((v) => Number(v ?? 0)) as number[];
  const ms = (((w! * 7 + d!) * 24 + h!) * 60 + mi!) * 60_000 + s! * 1000;
  if (m[1] === '-') throw new IcsError(p.line, 'DURATION: a negative duration');
  return ms;
}

/**
 * Work units one import may spend (see lib/work.ts), about half a second of
 * one core here: a file of 5,000 events with their rules takes under half
 * of it; one built to be costly (hundreds of home-made time zones that fit
 * many real ones until their last instant, rules that expand for millennia)
 * is refused with TOO_COMPLEX.
 */
export const ICS_WORK = 5_000_000;

export interface ParseOptions {
  /** More events than this are refused. */
  maxEvents?: number;
  /** Today (the zone matching of VTIMEZONE blocks looks at this year too). */
  now?: number;
  /** The request's work budget and time slices (a fresh budget by default). */
  work?: Work;
}

/**
 * The events of an iCalendar file. `defaultZone` is for floating times.
 * Throws IcsError (with the line) on the first problem, and TOO_COMPLEX
 * when the file needs more work than the budget allows. Reading lets the
 * event loop through every few milliseconds.
 */
export async function parseIcs(text: string, defaultZone: string, opts: ParseOptions = {}): Promise<IcsEvent[]> {
  const maxEvents = opts.maxEvents ?? Infinity;
  const now = opts.now ?? Date.now();
  const work = opts.work ?? new Work(ICS_WORK, { what: 'this calendar file' });
  // Events are read once the whole file is: a VTIMEZONE may follow the events that name it.
  const raw: { props: Prop[]; begin: number }[] = [];
  const timezones = new Map<string, { line: number; observances: Observance[] }>();
  const stack: string[] = [];
  let props: Prop[] | null = null;
  let begin = 0;
  let tz: { tzid: string | null; line: number; observances: Observance[] } | null = null;
  let obs: Prop[] | null = null;
  let sawCalendar = false;
  for (const { text: l, line } of logicalLines(text)) {
    if ((line & 31) === 0 && work.due) await work.breathe();
    // No text file holds one, and PostgreSQL would refuse it in a title.
    if (l.includes('\0')) throw new IcsError(line, 'a NUL character: this is not a text calendar file');
    const p = parseProp(l, line);
    if (p.name === 'BEGIN') {
      const what = p.value.toUpperCase();
      if (!stack.length && what !== 'VCALENDAR') throw new IcsError(line, `BEGIN:VCALENDAR expected, found BEGIN:${what}`);
      if (what === 'VCALENDAR') {
        if (stack.length) throw new IcsError(line, 'a VCALENDAR inside another');
        sawCalendar = true;
      }
      if (what === 'VEVENT') {
        if (stack.at(-1) !== 'VCALENDAR') throw new IcsError(line, 'a VEVENT outside a VCALENDAR');
        props = [];
        begin = line;
      }
      if (what === 'VTIMEZONE' && stack.at(-1) === 'VCALENDAR') tz = { tzid: null, line, observances: [] };
      if ((what === 'STANDARD' || what === 'DAYLIGHT') && tz && stack.at(-1) === 'VTIMEZONE') obs = [];
      stack.push(what);
      continue;
    }
    if (p.name === 'END') {
      const what = p.value.toUpperCase();
      if (stack.at(-1) !== what) throw new IcsError(line, `END:${what} does not close BEGIN:${stack.at(-1) ?? '(nothing)'}`);
      stack.pop();
      if (what === 'VEVENT') {
        raw.push({ props: props!, begin });
        if (raw.length > maxEvents) throw new IcsError(line, `more than ${maxEvents} events in one file`);
        props = null;
      }
      if ((what === 'STANDARD' || what === 'DAYLIGHT') && obs && tz) {
        tz.observances.push(observanceOf(obs, line));
        obs = null;
      }
      if (what === 'VTIMEZONE' && tz) {
        if (!tz.tzid) throw new IcsError(tz.line, 'the VTIMEZONE has no TZID');
        if (tz.observances.length > 20) throw new IcsError(tz.line, 'a VTIMEZONE with more than 20 observances');
        timezones.set(tz.tzid, { line: tz.line, observances: tz.observances });
        tz = null;
      }
      continue;
    }
    if (!stack.length) throw new IcsError(line, `${p.name} outside BEGIN:VCALENDAR`);
    // Of an event's sub-components, an alarm's trigger is kept (as a reminder); the rest is not.
    if (props && stack.at(-1) === 'VEVENT') props.push(p);
    if (props && stack.at(-1) === 'VALARM' && stack.at(-2) === 'VEVENT' && p.name === 'TRIGGER') props.push({ ...p, name: 'X-PARLEY-TRIGGER' });
    if (obs && (stack.at(-1) === 'STANDARD' || stack.at(-1) === 'DAYLIGHT')) obs.push(p);
    if (tz && stack.at(-1) === 'VTIMEZONE' && p.name === 'TZID') tz.tzid = p.value.replace(/^\//, '');
  }
  if (!sawCalendar) throw new IcsError(1, 'not an iCalendar file (no BEGIN:VCALENDAR)');
  if (stack.length) throw new IcsError(countLines(text), `END:${stack.at(-1)} is missing`);
  // Zones the file defines itself (Outlook's names), matched once each before
  // the events are read: matching is the costly part, and it yields.
  // The years each is needed in (the latest few), and this one, in one pass.
  const years = new Map<string, Set<number>>();
  for (const e of raw) {
    for (const q of e.props) {
      const tzid = q.params.TZID?.replace(/^\//, '');
      if (tzid === undefined || !timezones.has(tzid) || isTimeZone(tzid)) continue;
      let set = years.get(tzid);
      if (!set) years.set(tzid, (set = new Set([new Date(now).getUTCFullYear()])));
      if (/^\d{4}/.test(q.value)) set.add(Number(q.value.slice(0, 4)));
    }
    if (work.due) await work.breathe();
  }
  const resolved = new Map<string, string | null>();
  for (const [tzid, set] of years) {
    resolved.set(tzid, await matchZone(timezones.get(tzid)!.observances, [...set].sort((a, b) => b - a).slice(0, 6), defaultZone, work));
  }
  const zones: Zones = {
    defaultZone,
    resolve(tzid, p) {
      if (isTimeZone(tzid)) return tzid;
      const def = timezones.get(tzid);
      if (!def) throw new IcsError(p.line, `${p.name}: unknown time zone "${tzid}" (an IANA name such as Europe/Zurich, or one the file defines in a VTIMEZONE)`);
      const zone = resolved.get(tzid);
      if (!zone) throw new IcsError(def.line, `the time zone "${tzid}" defined here matches no known time zone`);
      return zone;
    },
  };
  const events: IcsEvent[] = [];
  for (const e of raw) {
    work.spend(e.props.length + 4 * UNITS.zone);
    events.push(eventOf(e.props, e.begin, zones));
    if (work.due) await work.breathe();
  }
  return events;
}

/** A STANDARD or DAYLIGHT block of a VTIMEZONE; `end` is the line of its END. */
function observanceOf(props: Prop[], end: number): Observance {
  const one = (name: string) => props.find((p) => p.name === name);
  const at = (p: Prop | undefined, name: string): Prop => {
    if (!p) throw new IcsError(end, `the time zone block before this line has no ${name}`);
    return p;
  };
  const dtstart = at(one('DTSTART'), 'DTSTART');
  // Onsets are local date-times, in no zone but the block's own offsets.
  const local: Zones = { defaultZone: '', resolve: (_, p) => { throw new IcsError(p.line, `${p.name}: a time zone block's times take no TZID`); } };
  const wallOf = (p: Prop, v: string) => {
    const t = parseTime(p, v, local);
    if (t.date || t.zone !== '') throw new IcsError(p.line, `${p.name}: "${v}" is not a local date-time`);
    return t.wall;
  };
  const wrap = <T>(p: Prop, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      if (error instanceof VtimezoneError || error instanceof RRuleError) throw new IcsError(p.line, `${p.name}: ${error.message}`);
      throw error;
    }
  };
  const from = at(one('TZOFFSETFROM'), 'TZOFFSETFROM');
  const to = at(one('TZOFFSETTO'), 'TZOFFSETTO');
  const rrule = one('RRULE');
  return {
    start: wallOf(dtstart, dtstart.value),
    from: wrap(from, () => parseOffset(from.value)),
    to: wrap(to, () => parseOffset(to.value)),
    rule: rrule ? wrap(rrule, () => parseRRule(rrule.value)) : null,
    rdates: props.filter((p) => p.name === 'RDATE').flatMap((p) => p.value.split(',').map((v) => wallOf(p, v))),
  };
}

const countLines = (text: string) => text.split(/\r\n|\n|\r/).length;

function eventOf(props: Prop[], line: number, zones: Zones): IcsEvent {
  const one = (name: string): Prop | undefined => {
    const all = props.filter((p) => p.name === name);
    if (all.length > 1) throw new IcsError(all[1]!.line, `${name} is given twice in one event`);
    return all[0];
  };
  const uid = one('UID');
  if (!uid || !uid.value.trim()) throw new IcsError(line, 'the event has no UID');
  if (uid.value.length > 255) throw new IcsError(uid.line, 'UID is longer than 255 characters');
  const dtstart = one('DTSTART');
  if (!dtstart) throw new IcsError(line, 'the event has no DTSTART');
  const start = parseTime(dtstart, dtstart.value, zones);
  const zone = start.zone;
  const dtend = one('DTEND');
  const duration = one('DURATION');
  if (dtend && duration) throw new IcsError(Math.max(dtend.line, duration.line), 'DTEND and DURATION cannot both be given');
  let end: number;
  if (dtend) {
    const e = parseTime(dtend, dtend.value, zones);
    if (e.date !== start.date) throw new IcsError(dtend.line, 'DTEND is a date where DTSTART is a date-time, or the reverse');
    end = inZone(e, zone);
  } else if (duration) {
    end = start.date ? start.wall + Math.max(1, Math.round(parseDuration(duration) / DAY_MS)) * DAY_MS : toWall(toUtc(start.wall, zone) + parseDuration(duration), zone);
  } else {
    // RFC 5545: a date alone lasts the day; a date-time alone, no time.
    end = start.date ? start.wall + DAY_MS : start.wall;
  }
  if (end < start.wall) throw new IcsError((dtend ?? duration ?? dtstart).line, 'the event ends before it starts');
  const rrule = one('RRULE');
  if (rrule) {
    try {
      parseRRule(rrule.value);
    } catch (error) {
      if (error instanceof RRuleError) throw new IcsError(rrule.line, `RRULE: ${error.message}`);
      throw error;
    }
  }
  const exdates = props
    .filter((p) => p.name === 'EXDATE')
    .flatMap((p) => p.value.split(',').map((v) => inZone(parseTime(p, v, zones), zone)));
  const rid = one('RECURRENCE-ID');
  const text = (name: string, max: number) => {
    const p = one(name);
    const v = p ? unescapeText(p.value) : '';
    if (v.length > max) throw new IcsError(p!.line, `${name} is longer than ${max} characters`);
    return v;
  };
  const attendees = props
    .filter((p) => p.name === 'ATTENDEE')
    .map((p) => p.value.replace(/^mailto:/i, '').trim())
    .filter((v) => /^[^\s@<>]+@[^\s@<>]+$/.test(v));
  // A reminder is a trigger before the start (RFC 5545 3.8.6.3); after it, at a date, or from the end: not one we keep.
  const alarms = props
    .filter((p) => p.name === 'X-PARLEY-TRIGGER' && !p.params.VALUE && (p.params.RELATED ?? 'START').toUpperCase() === 'START')
    .map((p) => beforeStart(p.value.trim()))
    .filter((m): m is number => m !== null && m <= 4 * 7 * 24 * 60);
  const partstats: Record<string, string> = {};
  for (const p of props.filter((q) => q.name === 'ATTENDEE' && q.params.PARTSTAT)) partstats[p.value.replace(/^mailto:/i, '').trim().toLowerCase()] = p.params.PARTSTAT!.toUpperCase();
  const url = one('URL');
  return {
    uid: uid.value.trim(),
    line,
    title: text('SUMMARY', 200) || '(no title)',
    description: text('DESCRIPTION', 10_000),
    location: text('LOCATION', 500),
    allDay: start.date,
    timeZone: zone,
    start: start.wall,
    end,
    rrule: rrule?.value ?? null,
    exdates,
    recurrenceId: rid ? inZone(parseTime(rid, rid.value, zones), zone) : null,
    cancelled: one('STATUS')?.value.toUpperCase() === 'CANCELLED',
    attendees: [...new Set(attendees)].slice(0, 100),
    alarms: [...new Set(alarms)].slice(0, 5),
    partstats,
    url: url && /^https?:\/\//.test(url.value) ? url.value : null,
  };
}

// ---- writing ----

/** What an exported event holds (wall times are text, as stored). */
export interface IcsOut {
  uid: string;
  title: string;
  description: string;
  location: string;
  allDay: boolean;
  timeZone: string;
  start: string;
  end: string;
  rrule: string | null;
  exdates: string[];
  attendees: string[];
  url: string | null;
  /** An invitation's organizer (who attendees answer to). */
  organizer?: { name: string; email: string };
  /** Reminders, minutes before the start (written as VALARMs). */
  alarms?: number[];
  /** An invitation's revision: a later mailing has a higher one, so mail programs take it over the earlier. */
  sequence?: number;
  overrides: { recurrenceId: string; cancelled: boolean; title: string; description: string; location: string; start: string; end: string }[];
}

/** A parameter value (a name), quoted: RFC 5545 forbids only the double quote and controls in it. */
const paramText = (v: string) => `"${v.replace(/["\p{Cc}]/gu, '')}"`;

/** Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character. */
function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length ? 74 : 75)) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

const compact = (local: string, allDay: boolean) => {
  const digits = local.replace(/[-:]/g, '');
  return allDay ? digits.slice(0, 8) : digits.length === 13 ? `${digits}00` : digits.slice(0, 15);
};
const timeProp = (name: string, local: string, zone: string, allDay: boolean) =>
  allDay ? `${name};VALUE=DATE:${compact(local, true)}` : zone === 'UTC' ? `${name}:${compact(local, false)}Z` : `${name};TZID=${zone}:${compact(local, false)}`;

/**
 * A whole calendar as an .ics file (CRLF lines, folded). With `method`
 * REQUEST it is an invitation (RFC 5546): attendees are asked to answer
 * (PARTSTAT=NEEDS-ACTION, RSVP=TRUE) to its organizer; with CANCEL it tells
 * them the event is off (STATUS:CANCELLED), and mail programs remove it.
 */
export function writeIcs(name: string, events: IcsOut[], now = Date.now(), method?: 'REQUEST' | 'CANCEL'): string {
  const stamp = `${formatWall(now).replace(/[-:]/g, '')}Z`;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Parley//Calendar//EN', 'CALSCALE:GREGORIAN', ...(method ? [`METHOD:${method}`] : []), `X-WR-CALNAME:${escapeText(name)}`];
  // A VTIMEZONE for each zone named (timed events outside UTC), over the years the file's times fall in.
  const years = new Map<string, { from: number; to: number }>();
  for (const e of events) {
    if (e.allDay || e.timeZone === 'UTC') continue;
    const span = years.get(e.timeZone) ?? { from: Infinity, to: new Date(now).getUTCFullYear() };
    for (const t of [e.start, e.end, ...e.exdates, ...e.overrides.flatMap((o) => [o.start, o.end, o.recurrenceId])]) {
      const y = Number(t.slice(0, 4));
      span.from = Math.min(span.from, y);
      span.to = Math.max(span.to, y);
    }
    years.set(e.timeZone, span);
  }
  for (const [zone, span] of [...years].sort(([a], [b]) => a.localeCompare(b))) lines.push(...vtimezoneLines(zone, span.from, span.to));
  const common = (e: { title: string; description: string; location: string }) => [
    `SUMMARY:${escapeText(e.title)}`,
    ...(e.description ? [`DESCRIPTION:${escapeText(e.description)}`] : []),
    ...(e.location ? [`LOCATION:${escapeText(e.location)}`] : []),
  ];
  for (const e of events) {
    lines.push('BEGIN:VEVENT', `UID:${e.uid}`, `DTSTAMP:${stamp}`, timeProp('DTSTART', e.start, e.timeZone, e.allDay), timeProp('DTEND', e.end, e.timeZone, e.allDay), ...common(e));
    if (e.rrule) lines.push(`RRULE:${e.rrule}`);
    for (const x of e.exdates) lines.push(timeProp('EXDATE', x, e.timeZone, e.allDay));
    if (e.organizer) lines.push(`ORGANIZER;CN=${paramText(e.organizer.name)}:mailto:${e.organizer.email}`);
    if (e.sequence !== undefined) lines.push(`SEQUENCE:${e.sequence}`);
    if (method === 'CANCEL') lines.push('STATUS:CANCELLED');
    for (const a of e.attendees) lines.push(method === 'REQUEST' ? `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}` : `ATTENDEE:mailto:${a}`);
    if (e.url) lines.push(`URL:${e.url}`);
    for (const m of e.alarms ?? []) lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(e.title)}`, `TRIGGER:${trigger(m)}`, 'END:VALARM');
    lines.push('END:VEVENT');
    for (const o of e.overrides) {
      lines.push('BEGIN:VEVENT', `UID:${e.uid}`, `DTSTAMP:${stamp}`, timeProp('RECURRENCE-ID', o.recurrenceId, e.timeZone, e.allDay));
      lines.push(timeProp('DTSTART', o.start, e.timeZone, e.allDay), timeProp('DTEND', o.end, e.timeZone, e.allDay), ...common(o));
      if (o.cancelled) lines.push('STATUS:CANCELLED');
      lines.push('END:VEVENT');
    }
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
