// iCalendar files: what other clients write is read; what Parley writes
// reads back the same; a bad file names its line.
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { IcsError, parseIcs, writeIcs, type IcsOut } from '../src/suite/calendar/ics.ts';
import { formatWall, toUtc } from '../src/lib/time.ts';

// As Google Calendar exports: a VTIMEZONE block, folded lines, escaped text,
// a weekly series with an exception and a moved occurrence, an all-day event.
const GOOGLE = [
  'BEGIN:VCALENDAR',
  'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
  'VERSION:2.0',
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Zurich',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'DTSTART;TZID=Europe/Zurich:20261102T090000',
  'DTEND;TZID=Europe/Zurich:20261102T093000',
  'RRULE:FREQ=WEEKLY;BYDAY=MO',
  'EXDATE;TZID=Europe/Zurich:20261109T090000',
  'UID:standup-123@google.com',
  'SUMMARY:Stand-up\\, team A',
  'DESCRIPTION:First line\\nSecond line with a long text that goes on and on so th',
  ' at it had to be folded',
  'LOCATION:Room 1\\; floor 2',
  'ATTENDEE;CN=Ann;ROLE=REQ-PARTICIPANT:mailto:ann@example.org',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'TRIGGER:-PT10M',
  'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:standup-123@google.com',
  'RECURRENCE-ID;TZID=Europe/Zurich:20261116T090000',
  'DTSTART;TZID=Europe/Zurich:20261116T100000',
  'DTEND;TZID=Europe/Zurich:20261116T103000',
  'SUMMARY:Stand-up (late)',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:holiday-1@google.com',
  'DTSTART;VALUE=DATE:20261225',
  'DTEND;VALUE=DATE:20261226',
  'SUMMARY:Christmas',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:utc-1',
  'DTSTART:20261201T080000Z',
  'DURATION:PT1H30M',
  'SUMMARY:Call',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

test('a Google Calendar export: series, exception, moved occurrence, all-day, UTC, folded and escaped text', async () => {
  const events = await parseIcs(GOOGLE, 'Europe/Paris');
  assert.equal(events.length, 4);
  const [series, moved, holiday, call] = events as [NonNullable<(typeof events)[0]>, NonNullable<(typeof events)[0]>, NonNullable<(typeof events)[0]>, NonNullable<(typeof events)[0]>];
  assert.equal(series.title, 'Stand-up, team A');
  assert.equal(series.description, 'First line\nSecond line with a long text that goes on and on so that it had to be folded');
  assert.equal(series.location, 'Room 1; floor 2');
  assert.equal(series.timeZone, 'Europe/Zurich');
  assert.equal(formatWall(series.start), '2026-11-02T09:00:00');
  assert.equal(formatWall(series.end), '2026-11-02T09:30:00');
  assert.equal(series.rrule, 'FREQ=WEEKLY;BYDAY=MO');
  assert.deepEqual(series.exdates.map((w) => formatWall(w)), ['2026-11-09T09:00:00']);
  assert.deepEqual(series.attendees, ['ann@example.org']);
  assert.equal(series.line, 13);
  assert.equal(moved.uid, series.uid);
  assert.equal(formatWall(moved.recurrenceId!), '2026-11-16T09:00:00');
  assert.equal(formatWall(moved.start), '2026-11-16T10:00:00');
  assert.equal(holiday.allDay, true);
  assert.equal(formatWall(holiday.start, true), '2026-12-25');
  assert.equal(formatWall(holiday.end, true), '2026-12-26');
  assert.equal(call.timeZone, 'UTC');
  assert.equal(formatWall(call.end), '2026-12-01T09:30:00');
});

const bad = async (lines: string[], line: number, words: string) => {
  await assert.rejects(
    () => parseIcs(lines.join('\r\n'), 'UTC'),
    (e: unknown) => e instanceof IcsError && e.line === line && e.message.startsWith(`line ${line}: `) && e.message.includes(words),
    `${words} at line ${line}`,
  );
};
const wrap = (...event: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:x', ...event, 'END:VEVENT', 'END:VCALENDAR'];

test('a bad file is refused with the line of its first problem', async () => {
  await bad(wrap('DTSTART:20261301T090000', 'SUMMARY:x'), 5, 'not a real date');
  await bad(wrap('DTSTART;TZID=Windows Standard Time:20261201T090000'), 5, 'unknown time zone');
  await bad(wrap('DTSTART:20261201T090000', 'RRULE:FREQ=HOURLY'), 6, 'RRULE: FREQ=HOURLY');
  await bad(wrap('DTSTART:20261201T090000', 'DTEND:20261201T080000'), 6, 'ends before it starts');
  await bad(wrap('SUMMARY:no start'), 3, 'no DTSTART');
  await bad(wrap('DTSTART:20261201T090000', 'this is not a property line'), 6, '":" expected');
  await bad(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'DTSTART:20261201T090000', 'END:VTODO'], 5, 'END:VTODO does not close BEGIN:VEVENT');
  await bad(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'DTSTART:20261201T090000'], 4, 'END:VEVENT is missing');
  await bad(['hello'], 1, '":" expected');
  await bad(['???'], 1, 'not a property');
  await bad(['BEGIN:VEVENT'], 1, 'BEGIN:VCALENDAR expected');
  await bad(wrap('DTSTART:20261201T090000', 'DURATION:PT1H', 'DTEND:20261201T100000'), 7, 'DTEND and DURATION');
  await bad(wrap('DTSTART:20261201T090000', 'DTSTART:20261201T100000'), 6, 'twice');
  await assert.rejects(() => parseIcs('', 'UTC'), (e: unknown) => e instanceof IcsError && e.message.includes('not an iCalendar file'));
  await assert.rejects(() => parseIcs(wrap('DTSTART:20261201T090000').join('\n').repeat(1), 'UTC', { maxEvents: 0 }), (e: unknown) => e instanceof IcsError && e.message.includes('more than 0 events'));
});

test('what Parley writes reads back the same: zones, all-day, recurrence, exceptions, overrides, long and non-ASCII text', async () => {
  const events: IcsOut[] = [
    {
      uid: 'series-1@parley',
      title: 'Réunion d’équipe; planning, Q1 — with a title long enough to be folded over several lines of the file, ünïcödé included',
      description: 'Line one\nLine two, with \\ backslash',
      location: 'Salle 3',
      allDay: false,
      timeZone: 'Europe/Zurich',
      start: '2026-11-02T09:00:00',
      end: '2026-11-02T09:30:00',
      rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
      exdates: ['2026-11-09T09:00:00'],
      attendees: ['ann@example.org', 'bob@example.org'],
      url: 'https://parley.example/m/abc',
      overrides: [{ recurrenceId: '2026-11-16T09:00:00', cancelled: false, title: 'Moved', description: '', location: '', start: '2026-11-16T10:00:00', end: '2026-11-16T10:30:00' }],
    },
    { uid: 'day-1', title: 'Off', description: '', location: '', allDay: true, timeZone: 'UTC', start: '2026-12-24', end: '2026-12-26', rrule: null, exdates: [], attendees: [], url: null, overrides: [] },
  ];
  const text = writeIcs('Team', events);
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `folded: ${line}`);
  const back = await parseIcs(text, 'UTC');
  assert.equal(back.length, 3);
  const [s, o, d] = back as [NonNullable<(typeof back)[0]>, NonNullable<(typeof back)[0]>, NonNullable<(typeof back)[0]>];
  assert.equal(s.title, events[0]!.title);
  assert.equal(s.description, events[0]!.description);
  assert.equal(s.timeZone, 'Europe/Zurich');
  assert.equal(formatWall(s.start), events[0]!.start);
  assert.equal(s.rrule, events[0]!.rrule);
  assert.deepEqual(s.exdates.map((w) => formatWall(w)), events[0]!.exdates);
  assert.deepEqual(s.attendees, events[0]!.attendees);
  assert.equal(s.url, events[0]!.url);
  assert.equal(formatWall(o.recurrenceId!), '2026-11-16T09:00:00');
  assert.equal(o.title, 'Moved');
  assert.equal(d.allDay, true);
  assert.equal(formatWall(d.end, true), '2026-12-26');
});

const outlookZone = (tzid: string, std: [string, string, string], dst: [string, string, string]) => [
  'BEGIN:VTIMEZONE', `TZID:${tzid}`,
  'BEGIN:STANDARD', `DTSTART:${std[0]}`, `RRULE:${std[1]}`, `TZOFFSETFROM:${dst[2]}`, `TZOFFSETTO:${std[2]}`, 'END:STANDARD',
  'BEGIN:DAYLIGHT', `DTSTART:${dst[0]}`, `RRULE:${dst[1]}`, `TZOFFSETFROM:${std[2]}`, `TZOFFSETTO:${dst[2]}`, 'END:DAYLIGHT',
  'END:VTIMEZONE',
];

test('an Outlook file: Windows zone names are read through their VTIMEZONE as the IANA zone with the same offsets', async () => {
  const west = outlookZone('W. Europe Standard Time', ['16011028T030000', 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', '+0100'], ['16010325T020000', 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', '+0200']);
  const east = outlookZone('Eastern Standard Time', ['16011104T020000', 'FREQ=YEARLY;BYDAY=1SU;BYMONTH=11', '-0500'], ['16010311T020000', 'FREQ=YEARLY;BYDAY=2SU;BYMONTH=3', '-0400']);
  const file = [
    'BEGIN:VCALENDAR', 'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN', 'VERSION:2.0', ...west,
    'BEGIN:VEVENT', 'UID:summer', 'DTSTART;TZID="W. Europe Standard Time":20260706T090000', 'DTEND;TZID="W. Europe Standard Time":20260706T100000', 'SUMMARY:Summer', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:winter', 'DTSTART;TZID=W. Europe Standard Time:20261207T090000', 'DTEND;TZID=W. Europe Standard Time:20261207T100000', 'SUMMARY:Winter', 'END:VEVENT',
    // A zone defined after the event that names it.
    'BEGIN:VEVENT', 'UID:ny', 'DTSTART;TZID=Eastern Standard Time:20261102T090000', 'DTEND;TZID=Eastern Standard Time:20261102T093000', 'RRULE:FREQ=WEEKLY;COUNT=3', 'SUMMARY:NY', 'END:VEVENT',
    ...east,
    'END:VCALENDAR',
  ].join('\r\n');
  const now = Date.UTC(2026, 10, 30);
  const [summer, winter, ny] = await parseIcs(file, 'Asia/Tokyo', { now });
  // Of the zones that fit, a well-known one.
  assert.equal(summer!.timeZone, 'Europe/Berlin');
  assert.equal(toUtc(summer!.start, summer!.timeZone), Date.UTC(2026, 6, 6, 7));
  assert.equal(toUtc(winter!.start, winter!.timeZone), Date.UTC(2026, 11, 7, 8));
  assert.equal(ny!.timeZone, 'America/New_York');
  assert.equal(toUtc(ny!.start, ny!.timeZone), Date.UTC(2026, 10, 2, 14));
  assert.equal(ny!.rrule, 'FREQ=WEEKLY;COUNT=3');
  // The importer's own zone comes first when it fits.
  assert.equal((await parseIcs(file, 'Europe/Zurich', { now }))[0]!.timeZone, 'Europe/Zurich');

  // A zone whose offsets no real zone has, and broken zone blocks, are refused at their line.
  const odd = outlookZone('Odd Time', ['16011028T030000', 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', '+0117'], ['16010325T020000', 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', '+0217']);
  await bad(['BEGIN:VCALENDAR', ...odd, 'BEGIN:VEVENT', 'UID:a', 'DTSTART;TZID=Odd Time:20261201T090000', 'END:VEVENT', 'END:VCALENDAR'], 2, 'matches no known time zone');
  await bad(['BEGIN:VCALENDAR', ...west.map((l) => l.replace('TZOFFSETTO:+0100', 'TZOFFSETTO:+01xx'))], 8, 'TZOFFSETTO: "+01xx" is not a UTC offset');
  await bad(['BEGIN:VCALENDAR', ...west.map((l) => l.replace('BYDAY=-1SU;', 'BYDAY=-9XX;'))], 6, 'RRULE: BYDAY');
  await bad(['BEGIN:VCALENDAR', ...west.filter((l) => !l.startsWith('TZID'))], 2, 'no TZID');
  await bad(['BEGIN:VCALENDAR', ...west.filter((l) => l !== 'DTSTART:16011028T030000')], 8, 'no DTSTART');
});

test('every zone a written file names has a VTIMEZONE that gives the same offsets, DST rules and all', async () => {
  const zones = ['Europe/Zurich', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Tokyo', 'Africa/Casablanca', 'America/Sao_Paulo', 'Asia/Kolkata'];
  const events: IcsOut[] = zones.flatMap((zone, i) => ['2018-03-10T09:00:00', '2027-07-01T18:30:00'].map((start, j) => ({
    uid: `e${i}-${j}`, title: zone, description: '', location: '', allDay: false, timeZone: zone, start, end: start.replace(/T\d\d/, 'T23'),
    rrule: null, exdates: [], attendees: [], url: null, overrides: [],
  })));
  events.push({ uid: 'utc', title: 'UTC', description: '', location: '', allDay: false, timeZone: 'UTC', start: '2026-01-01T10:00:00', end: '2026-01-01T11:00:00', rrule: null, exdates: [], attendees: [], url: null, overrides: [] });
  const text = writeIcs('Zones', events, Date.UTC(2026, 10, 30));
  const named = new Set([...text.matchAll(/TZID=([^:;]+)/g)].map((m) => m[1]));
  const defined = [...text.matchAll(/^TZID:(.+)$/gm)].map((m) => m[1]!.trim());
  assert.deepEqual([...named].sort(), [...zones].sort());
  assert.deepEqual([...defined].sort(), [...zones].sort());
  for (const zone of zones) {
    // Named otherwise, each zone is found again from its VTIMEZONE alone: the zone itself when preferred...
    const renamed = text.replaceAll(zone, 'Renamed Zone');
    const back = (await parseIcs(renamed, zone)).filter((e) => e.title === 'Renamed Zone');
    assert.equal(back.length, 2);
    for (const e of back) assert.equal(e.timeZone, zone, `${zone} read back from its VTIMEZONE`);
    // ...and otherwise a zone that puts the events at the same instants.
    const other = (await parseIcs(renamed, 'UTC')).filter((e) => e.title === 'Renamed Zone');
    other.forEach((e, k) => assert.equal(toUtc(e.start, e.timeZone), toUtc(back[k]!.start, zone), `${zone} as ${e.timeZone}`));
  }
  // The rules are yearly RRULEs, not a list of dates.
  const zurich = text.slice(text.indexOf('TZID:Europe/Zurich'), text.indexOf('END:VTIMEZONE', text.indexOf('TZID:Europe/Zurich')));
  assert.match(zurich, /RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n/);
  assert.match(zurich, /RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n/);
});

test('a VTIMEZONE that changes offset every day or week, or a dozen times a year, is no zone there is', async () => {
  const event = (tzid: string) => ['BEGIN:VEVENT', 'UID:a', `DTSTART;TZID=${tzid}:20261201T090000`, 'END:VEVENT', 'END:VCALENDAR'];
  const daily = outlookZone('Flapping Time', ['20000101T030000', 'FREQ=DAILY', '+0100'], ['20000101T150000', 'FREQ=DAILY', '+0200']);
  await bad(['BEGIN:VCALENDAR', ...daily, ...event('Flapping Time')], 2, 'matches no known time zone');
  const monthly = outlookZone('Monthly Time', ['20000101T030000', 'FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1', '+0100'], ['20000115T030000', 'FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=15', '+0200']);
  await bad(['BEGIN:VCALENDAR', ...monthly, ...event('Monthly Time')], 2, 'matches no known time zone');
});
