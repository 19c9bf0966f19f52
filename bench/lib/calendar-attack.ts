// Calendar input built to be costly, sent all at once to a live server:
// what the calendar-cost test checks is refused and stored nowhere, and
// what the calendar-cost benchmark measures /healthz against.
import type { CalendarView } from '@parley/protocol';

/** Rules built to be costly: hundreds of candidate days a period, one kept (leap years only), for millennia. */
export const WORST_RULES = [
  'FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=366;UNTIL=99991231T000000Z',
  'FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=366;COUNT=99999',
  `FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=${Array.from({ length: 31 }, (_, i) => i + 1).join(',')};BYSETPOS=366;UNTIL=99991231`,
];
/** Costly-looking rules that the occurrence limit (5,000) bounds: heavy, but within the budget, so accepted. */
export const HEAVY_RULES = [
  'FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=366,365,364,363,362,361,360;COUNT=99999',
  'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=31;UNTIL=99991231T235959Z',
  'FREQ=DAILY;UNTIL=99991231T000000Z',
];

/**
 * A VTIMEZONE that keeps the European rules through its latest years and
 * leaves them only at the last instant matching checks (late December of the
 * oldest year the file uses): every European zone is checked nearly to the end.
 */
function lookalikeZone(tzid: string): string[] {
  return [
    'BEGIN:VTIMEZONE',
    `TZID:${tzid}`,
    'BEGIN:STANDARD',
    'DTSTART:19961027T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'RDATE:20211228T030000',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:19810329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'RDATE:20211227T020000',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ];
}

/** Many look-alike zones, each named by events in the six years matching looks at. */
export function lookalikeFile(zones: number): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0'];
  for (let z = 0; z < zones; z++) lines.push(...lookalikeZone(`Lookalike ${z}`));
  for (let z = 0; z < zones; z++) {
    for (const year of [2026, 2021]) lines.push('BEGIN:VEVENT', `UID:z${z}-${year}`, `DTSTART;TZID=Lookalike ${z}:${year}0601T090000`, 'SUMMARY:x', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

/** Many events, each a long bounded series that must be expanded to find its end. */
export function longSeriesFile(events: number): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0'];
  for (let i = 0; i < events; i++) {
    lines.push('BEGIN:VEVENT', `UID:s${i}`, 'DTSTART:20260105T090000Z', 'DTEND:20260105T100000Z', `RRULE:${HEAVY_RULES[i % HEAVY_RULES.length]}`, 'SUMMARY:x', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

type Reply<T = { error?: { code: string } }> = { status: number; body: T };

export interface AttackReplies {
  /** The worst rules, each sent twice as an event. */
  events: Reply[];
  /** The heavy but bounded rules, as events. */
  heavy: Reply[];
  /** 60 look-alike zones (within the budget), 1500 (beyond it), 2000 long series. */
  zonesSmall: Reply;
  zonesBig: Reply;
  series: Reply;
  /** Three listings of the heavy, honest calendar (3 daily series over 400 days). */
  listings: Reply<{ occurrences: unknown[] }>[];
}

export interface CalendarAttack {
  /** The calendar the listings read (3 daily series). */
  listedId: string;
  /** The calendar the costly events and imports go to. */
  costlyId: string;
  /** Sends it all at once; answers when every reply is in. */
  run(): Promise<AttackReplies>;
}

/** Sets the attack up in `orgId` for its owner (`token`): calendars, the heavy listing's events, the files. */
export async function prepareCalendarAttack(base: string, token: string, orgId: string): Promise<CalendarAttack> {
  const call = async <T>(method: string, url: string, body?: unknown): Promise<Reply<T>> => {
    const res = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const listed = (await call<{ calendars: CalendarView[] }>('GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;
  const costly = (await call<{ calendar: CalendarView }>('POST', '/api/calendars', { orgId, name: 'Costly' })).body.calendar;
  // A calendar that is heavy to list: daily meetings over the whole 400-day range.
  for (let i = 0; i < 3; i++) {
    const res = await call('POST', '/api/events', { calendarId: listed.id, title: `Daily ${i}`, timeZone: 'Europe/Zurich', start: `2026-01-01T1${i}:00`, end: `2026-01-01T1${i}:30`, rrule: 'FREQ=DAILY' });
    if (res.status !== 201) throw new Error(`daily event: ${res.status} ${JSON.stringify(res.body)}`);
  }
  // Made before the attack starts, as bytes: the prober is in the server's
  // process, and making the files (or fetch encoding a 700 KB string, 10-20
  // ms) during it timed this code, not the server's.
  const bytes = (text: string) => new TextEncoder().encode(text);
  const files = { zonesSmall: bytes(lookalikeFile(60)), zonesBig: bytes(lookalikeFile(1500)), series: bytes(longSeriesFile(2000)) };
  const raw = async (body: Uint8Array<ArrayBuffer>): Promise<Reply> => {
    const res = await fetch(`${base}/api/calendars/${costly.id}/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/calendar' }, body });
    return { status: res.status, body: (await res.json()) as Reply['body'] };
  };
  const event = (rrule: string) => call<Reply['body']>('POST', '/api/events', { calendarId: costly.id, title: 'Costly', timeZone: 'Europe/Zurich', start: '2026-01-05T09:00', end: '2026-01-05T10:00', rrule });
  const from = Date.UTC(2026, 0, 1);
  const listing = () => call<{ occurrences: unknown[] }>('GET', `/api/orgs/${orgId}/occurrences?from=${from}&to=${from + 400 * 86_400_000}&calendarIds=${listed.id}`);
  return {
    listedId: listed.id,
    costlyId: costly.id,
    async run() {
      const [events, heavy, zonesSmall, zonesBig, series, listings] = await Promise.all([
        Promise.all([...WORST_RULES, ...WORST_RULES].map(event)),
        Promise.all(HEAVY_RULES.map(event)),
        raw(files.zonesSmall),
        raw(files.zonesBig),
        raw(files.series),
        Promise.all([listing(), listing(), listing()]),
      ]);
      return { events, heavy, zonesSmall, zonesBig, series, listings };
    },
  };
}
