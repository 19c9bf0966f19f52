// iCalendar files: what other clients write is read; what Parley writes
// reads back the same; a bad file names its line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IcsError, parseIcs, writeIcs, type IcsOut } from '../src/suite/calendar/ics.ts';
import { formatWall } from '../src/suite/calendar/time.ts';

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

test('a Google Calendar export: series, exception, moved occurrence, all-day, UTC, folded and escaped text', () => {
  const events = parseIcs(GOOGLE, 'Europe/Paris');
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

const bad = (lines: string[], line: number, words: string) => {
  assert.throws(
    () => parseIcs(lines.join('\r\n'), 'UTC'),
    (e: unknown) => e instanceof IcsError && e.line === line && e.message.startsWith(`line ${line}: `) && e.message.includes(words),
    `${words} at line ${line}`,
  );
};
const wrap = (...event: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:x', ...event, 'END:VEVENT', 'END:VCALENDAR'];

test('a bad file is refused with the line of its first problem', () => {
  bad(wrap('DTSTART:20261301T090000', 'SUMMARY:x'), 5, 'not a real date');
  bad(wrap('DTSTART;TZID=Windows Standard Time:20261201T090000'), 5, 'unknown time zone');
  bad(wrap('DTSTART:20261201T090000', 'RRULE:FREQ=HOURLY'), 6, 'RRULE: FREQ=HOURLY');
  bad(wrap('DTSTART:20261201T090000', 'DTEND:20261201T080000'), 6, 'ends before it starts');
  bad(wrap('SUMMARY:no start'), 3, 'no DTSTART');
  bad(wrap('DTSTART:20261201T090000', 'this is not a property line'), 6, '":" expected');
  bad(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'DTSTART:20261201T090000', 'END:VTODO'], 5, 'END:VTODO does not close BEGIN:VEVENT');
  bad(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'DTSTART:20261201T090000'], 4, 'END:VEVENT is missing');
  bad(['hello'], 1, '":" expected');
  bad(['???'], 1, 'not a property');
  bad(['BEGIN:VEVENT'], 1, 'BEGIN:VCALENDAR expected');
  bad(wrap('DTSTART:20261201T090000', 'DURATION:PT1H', 'DTEND:20261201T100000'), 7, 'DTEND and DURATION');
  bad(wrap('DTSTART:20261201T090000', 'DTSTART:20261201T100000'), 6, 'twice');
  assert.throws(() => parseIcs('', 'UTC'), (e: unknown) => e instanceof IcsError && e.message.includes('not an iCalendar file'));
  assert.throws(() => parseIcs(wrap('DTSTART:20261201T090000').join('\n').repeat(1), 'UTC', 0), (e: unknown) => e instanceof IcsError && e.message.includes('more than 0 events'));
});

test('what Parley writes reads back the same: zones, all-day, recurrence, exceptions, overrides, long and non-ASCII text', () => {
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
  const back = parseIcs(text, 'UTC');
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
