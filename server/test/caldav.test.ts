// CalDAV as devices speak it, through tsdav (a CalDAV client from npm that
// no one here wrote): calendars found from the server's name, a weekly
// series with a cancelled and a moved occurrence and its own VTIMEZONE
// written by a device and shown by Parley, Parley's changes reaching the
// device by sync (a moved occurrence too), time-range queries, ETags, read
// shares read-only, and hostile calendars refused with nothing changed.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import ICAL from 'ical.js';
import { createDAVClient, type DAVCalendar } from 'tsdav';
import type { AuthReply, CalendarView, EventView, NewAppPasswordReply, OccurrenceView } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { authed, startChatServer, team } from './chat-helpers.ts';
import { davRequest } from './dav-helpers.ts';

const PASSWORD = 'correct horse battery';
const ZURICH = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Zurich',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];
const ics = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//device//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
/** Monday stand-ups at 09:30 Zurich, 5 weeks; the 2nd cancelled, the 3rd moved to 11:00 and renamed. */
const standup = (summary = 'Stand-up') =>
  ics(
    ...ZURICH,
    'BEGIN:VEVENT',
    'UID:standup-1@device',
    'DTSTAMP:20261201T080000Z',
    'DTSTART;TZID=Europe/Zurich:20261207T093000',
    'DTEND;TZID=Europe/Zurich:20261207T100000',
    'RRULE:FREQ=WEEKLY;COUNT=5',
    'EXDATE;TZID=Europe/Zurich:20261214T093000',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:standup-1@device',
    'DTSTAMP:20261201T080000Z',
    'RECURRENCE-ID;TZID=Europe/Zurich:20261221T093000',
    'DTSTART;TZID=Europe/Zurich:20261221T110000',
    'DTEND;TZID=Europe/Zurich:20261221T113000',
    'SUMMARY:Stand-up (late, Christmas)',
    'END:VEVENT',
  );

const raw = davRequest;

describe('CalDAV with a real client', () => {
  let parley: Parley;
  let base: string;
  let owner: AuthReply;
  let ann: AuthReply;
  let orgId: string;
  let cal: CalendarView;
  let ownerAuth: string;
  let annAuth: string;
  const appPassword = async (who: AuthReply) => `${who.user.username}:${(await authed<NewAppPasswordReply>(base, who.token, 'POST', '/api/me/app-passwords', { name: 'tsdav', password: PASSWORD })).body.secret}`;
  const client = (credentials: string) => {
    const [username, password] = credentials.split(/:(.*)/s);
    return createDAVClient({ serverUrl: base, credentials: { username, password }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  };
  const occurrences = async (who = owner) =>
    (await authed<{ occurrences: OccurrenceView[] }>(base, who.token, 'GET', `/api/orgs/${orgId}/occurrences?from=${Date.UTC(2026, 11, 1)}&to=${Date.UTC(2027, 1, 1)}`)).body.occurrences;

  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
    const t = await team(base, ['ann']);
    [owner, ann, orgId] = [t.owner, t.members[0]!, t.orgId];
    cal = (await authed<{ calendars: CalendarView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;
    ownerAuth = await appPassword(owner);
    annAuth = await appPassword(ann);
  });
  afterAll(() => parley.close());

  test('a device’s weekly series with a cancelled and a moved occurrence shows in Parley; Parley’s changes reach the device by sync', async () => {
    const dav = await client(ownerAuth);
    const calendars = await dav.fetchCalendars();
    const mine = calendars.find((c) => c.url.endsWith(`/dav/calendars/${owner.user.id}/${cal.id}/`)) as DAVCalendar;
    assert.ok(mine, calendars.map((c) => c.url).join(', '));
    assert.equal(mine.displayName, cal.name);
    assert.equal((await dav.createCalendarObject({ calendar: mine, filename: 'standup.ics', iCalString: standup() })).status, 201);
    // The token after the device's own write: what follows is Parley's alone.
    const token = (await dav.fetchCalendars()).find((c) => c.url === mine.url)!.syncToken as string;
    const shown = (await occurrences()).filter((o) => o.title.startsWith('Stand-up'));
    assert.deepEqual(
      shown.map((o) => [o.start, o.title]),
      [
        ['2026-12-07T09:30:00', 'Stand-up'],
        ['2026-12-21T11:00:00', 'Stand-up (late, Christmas)'],
        ['2026-12-28T09:30:00', 'Stand-up'],
        ['2027-01-04T09:30:00', 'Stand-up'],
      ],
    );
    assert.equal(shown[0]!.startAt, Date.UTC(2026, 11, 7, 8, 30), 'Zurich is UTC+1 in December');

    // What the device reads back: the same series, exceptions and zone, as one resource.
    const [object] = await dav.fetchCalendarObjects({ calendar: mine });
    const vcal = new ICAL.Component(ICAL.parse(String(object!.data)));
    const [series, moved] = vcal.getAllSubcomponents('vevent');
    assert.equal(series!.getFirstPropertyValue('uid'), 'standup-1@device');
    assert.equal(String(series!.getFirstPropertyValue('rrule')), 'FREQ=WEEKLY;COUNT=5');
    assert.equal(series!.getFirstProperty('exdate')!.getFirstValue()!.toString(), '2026-12-14T09:30:00');
    assert.equal(moved!.getFirstPropertyValue('summary'), 'Stand-up (late, Christmas)');
    assert.equal(moved!.getFirstProperty('recurrence-id')!.getParameter('tzid'), 'Europe/Zurich');
    assert.ok(vcal.getFirstSubcomponent('vtimezone'), 'a VTIMEZONE comes with it');

    // Parley: a new event, and the 4th stand-up moved from the web. The device's sync sees both, and nothing else.
    const made = (await authed<{ event: EventView }>(base, owner.token, 'POST', '/api/events', { calendarId: cal.id, title: 'Review', timeZone: 'Europe/Zurich', start: '2027-01-12T14:00', end: '2027-01-12T15:00' })).body.event;
    const standupId = shown[0]!.eventId;
    await authed(base, owner.token, 'PUT', `/api/events/${standupId}/occurrences`, { recurrenceId: '2026-12-28T09:30', start: '2026-12-29T09:30', end: '2026-12-29T10:00' });
    const changes = await dav.syncCollection({ url: mine.url, props: { 'd:getetag': {}, 'c:calendar-data': {} }, syncLevel: 1, syncToken: token });
    const hrefs = changes.map((r) => decodeURIComponent(r.href!.split('/').pop()!)).sort();
    assert.deepEqual(hrefs, [`${made.id}.ics`, 'standup.ics'].sort());
    const afterMove = await dav.fetchCalendarObjects({ calendar: mine, objectUrls: [`${mine.url}standup.ics`] });
    assert.match(String(afterMove[0]!.data), /RECURRENCE-ID;TZID=Europe\/Zurich:20261228T093000/);

    // Time ranges: January holds the review and the last stand-up's series; December's first week only the stand-up.
    const january = await dav.fetchCalendarObjects({ calendar: mine, timeRange: { start: '2027-01-10T00:00:00Z', end: '2027-01-20T00:00:00Z' } });
    assert.deepEqual(january.map((o) => o.url.split('/').pop()), [`${made.id}.ics`]);
    const early = await dav.fetchCalendarObjects({ calendar: mine, timeRange: { start: '2026-12-07T00:00:00Z', end: '2026-12-08T00:00:00Z' } });
    assert.deepEqual(early.map((o) => o.url.split('/').pop()), ['standup.ics']);

    // The device edits with the ETag it has: fine once; the same old ETag again is refused and changes nothing.
    const [current] = await dav.fetchCalendarObjects({ calendar: mine, objectUrls: [`${mine.url}standup.ics`] });
    assert.equal((await dav.updateCalendarObject({ calendarObject: { ...current!, data: standup('Daily stand-up') } })).status, 204);
    assert.equal((await dav.updateCalendarObject({ calendarObject: { ...current!, data: standup('Stale') } })).status, 412);
    const titles = (await occurrences()).filter((o) => o.eventId === standupId).map((o) => o.title);
    assert.deepEqual(titles, ['Daily stand-up', 'Stand-up (late, Christmas)', 'Daily stand-up', 'Daily stand-up']);

    // Deleted by the device: in Parley's trash, and told to the next sync as gone.
    const before = (await dav.fetchCalendars()).find((c) => c.url === mine.url)!.syncToken as string;
    const [latest] = await dav.fetchCalendarObjects({ calendar: mine, objectUrls: [`${mine.url}standup.ics`] });
    assert.equal((await dav.deleteCalendarObject({ calendarObject: latest! })).status, 204);
    const trash = (await authed<{ events: { id: string; title: string }[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/calendar-trash`)).body.events;
    assert.deepEqual(trash.map((e) => e.title), ['Daily stand-up']);
    const gone = await dav.syncCollection({ url: mine.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: before });
    assert.deepEqual(gone.map((r) => [r.href!.split('/').pop(), r.status]), [['standup.ics', 404]]);
  });

  test('a calendar shared read-only is read over CalDAV and never written; unshared, it is not found', async () => {
    await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/shares`, { userId: ann.user.id, access: 'read' });
    const dav = await client(annAuth);
    const calendars = await dav.fetchCalendars();
    const shared = calendars.find((c) => c.url.endsWith(`/${cal.id}/`));
    assert.ok(shared, 'the shared calendar is listed');
    const path = `/dav/calendars/${ann.user.id}/${cal.id}/`;
    const listing = await raw(base, 'PROPFIND', path, annAuth, '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>', { depth: '0' });
    assert.equal(listing.status, 207);
    assert.doesNotMatch(listing.text, /<d:write\/>/);
    const put = await raw(base, 'PUT', `${path}planted.ics`, annAuth, standup(), { 'content-type': 'text/calendar' });
    assert.equal(put.status, 403);
    const objects = await dav.fetchCalendarObjects({ calendar: shared! });
    const del = await raw(base, 'DELETE', `${path}${objects[0]!.url.split('/').pop()}`, annAuth);
    assert.equal(del.status, 403);
    assert.equal((await occurrences()).filter((o) => o.title === 'Review').length, 1);
    await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/shares`, { userId: ann.user.id, access: 'none' });
    assert.equal((await raw(base, 'PROPFIND', path, annAuth, undefined, { depth: '0' })).status, 404);
    // The owner's calendar under the owner's home, asked by Ann: not hers.
    assert.equal((await raw(base, 'PROPFIND', `/dav/calendars/${owner.user.id}/${cal.id}/`, annAuth, undefined, { depth: '0' })).status, 404);
  });

  test('a calendar renamed and recoloured from a device (PROPPATCH, as Apple Calendar writes it) and on the web; readers, rooms, strangers and bad values change nothing', async () => {
    const mine = (await authed<{ calendar: CalendarView }>(base, owner.token, 'POST', '/api/calendars', { orgId, name: 'Side project' })).body.calendar;
    const path = `/dav/calendars/${owner.user.id}/${mine.id}/`;
    const patch = (who: string, at: string, props: string) =>
      raw(base, 'PROPPATCH', at, who, `<d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop>${props}</d:prop></d:set></d:propertyupdate>`, { 'content-type': 'application/xml' });
    const seen = async () => (await authed<{ calendars: CalendarView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.id === mine.id)!;

    const set = await patch(ownerAuth, path, '<d:displayname>Garden</d:displayname><a:calendar-color>#16A34AFF</a:calendar-color>');
    assert.equal(set.status, 207);
    assert.match(set.text, /HTTP\/1\.1 200/);
    assert.deepEqual(await seen().then((c) => [c.name, c.color]), ['Garden', '#16a34a'], 'the colour without its opacity');
    const token = async () => (await raw(base, 'PROPFIND', path, ownerAuth, '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>', { depth: '0' })).text.match(/urn:parley:sync:[^<]+/)![0];
    const before = await token();
    assert.equal((await patch(ownerAuth, path, '<d:displayname>Garden!</d:displayname>')).status, 207);
    assert.notEqual(await token(), before, 'a device that only looks at the sync token reads the new name');
    assert.equal((await patch(ownerAuth, path, '<d:displayname>Garden</d:displayname>')).status, 207);
    // The device (tsdav) reads both back.
    const listed = (await (await client(ownerAuth)).fetchCalendars()).find((c) => c.url.endsWith(`/${mine.id}/`));
    assert.equal(listed?.displayName, 'Garden');
    assert.match((await raw(base, 'PROPFIND', path, ownerAuth, '<d:propfind xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:prop><a:calendar-color/></d:prop></d:propfind>', { depth: '0' })).text, /#16a34a/);

    // A bad colour, an empty or over-long name, or a property not settable: refused (403), the others not done (424), nothing set.
    for (const props of ['<d:displayname>Nope</d:displayname><a:calendar-color>red</a:calendar-color>', '<d:displayname>   </d:displayname>', '<d:displayname>\u200b\u200b</d:displayname>', `<d:displayname>${'x'.repeat(101)}</d:displayname>`, '<d:displayname>Nope</d:displayname><d:getetag>"1"</d:getetag>']) {
      const refused = await patch(ownerAuth, path, props);
      assert.equal(refused.status, 207, props);
      assert.match(refused.text, /HTTP\/1\.1 403/, props);
      if (props.includes('Nope')) assert.match(refused.text, /HTTP\/1\.1 424/, props);
    }
    const removal = await raw(base, 'PROPPATCH', path, ownerAuth, '<d:propertyupdate xmlns:d="DAV:"><d:remove><d:prop><d:displayname/></d:prop></d:remove></d:propertyupdate>', { 'content-type': 'application/xml' });
    assert.match(removal.text, /HTTP\/1\.1 403/);
    assert.deepEqual(await seen().then((c) => [c.name, c.color]), ['Garden', '#16a34a']);

    // Shared with Ann to write: she may add events, not rename it (over CalDAV or the web); unshared, it is not found.
    await authed(base, owner.token, 'PUT', `/api/calendars/${mine.id}/shares`, { userId: ann.user.id, access: 'write' });
    assert.equal((await patch(annAuth, `/dav/calendars/${ann.user.id}/${mine.id}/`, '<d:displayname>Ann’s</d:displayname>')).status, 403);
    assert.equal((await authed(base, ann.token, 'PATCH', `/api/calendars/${mine.id}`, { name: 'Ann’s' })).status, 403);
    await authed(base, owner.token, 'PUT', `/api/calendars/${mine.id}/shares`, { userId: ann.user.id, access: 'none' });
    const stranger = await authed<{ error: { code: string } }>(base, ann.token, 'PATCH', `/api/calendars/${mine.id}`, { name: 'Ann’s' });
    assert.deepEqual([stranger.status, stranger.body.error.code], [404, 'CALENDAR_NOT_FOUND']);
    assert.equal((await patch(annAuth, path, '<d:displayname>Ann’s</d:displayname>')).status, 404, 'the owner’s path, asked by Ann');

    // On the web: its owner renames and recolours it; bad bodies are refused with their code.
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/calendars/${mine.id}`, { name: '  Vegetables  ', color: '#ea580c' })).status, 200);
    assert.deepEqual(await seen().then((c) => [c.name, c.color]), ['Vegetables', '#ea580c']);
    for (const body of [{}, { color: 'orange' }, { name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', extra: 1 }, { name: 42 }]) {
      const bad = await authed<{ error: { code: string } }>(base, owner.token, 'PATCH', `/api/calendars/${mine.id}`, body);
      assert.deepEqual([bad.status, bad.body.error.code], [400, 'INVALID_PAYLOAD'], JSON.stringify(body));
    }
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/calendars/${mine.id}`, { name: '\u0000\u200b' })).status, 400);
    assert.equal((await fetch(`${base}/api/calendars/${mine.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status, 401);
    // A room's calendar is named after its room, even for the administrator.
    await authed(base, owner.token, 'POST', `/api/orgs/${orgId}/rooms`, { name: 'Alps', capacity: 6 });
    const room = (await authed<{ calendars: CalendarView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.roomId)!;
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/calendars/${room.id}`, { name: 'Mine' })).status, 403);
    assert.deepEqual(await seen().then((c) => [c.name, c.color]), ['Vegetables', '#ea580c']);
  });

  test('hostile or broken calendars are refused with a clear status and nothing changes', async () => {
    const path = `/dav/calendars/${owner.user.id}/${cal.id}/`;
    const state = async () => (await raw(base, 'PROPFIND', path, ownerAuth, '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>', { depth: '0' })).text.match(/urn:parley:sync:[^<]+/)![0];
    const before = await state();
    const event = (uid: string, extra: string[] = []) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTART:20270101T100000Z', 'DTEND:20270101T110000Z', 'SUMMARY:x', ...extra, 'END:VEVENT'];
    const cases: [string, string | Buffer, number][] = [
      ['garbage.ics', 'hello, not a calendar', 400],
      ['two.ics', ics(...event('a'), ...event('b')), 400],
      ['todo.ics', ics('BEGIN:VTODO', 'UID:t', 'SUMMARY:x', 'END:VTODO'), 400],
      ['orphan.ics', ics('BEGIN:VEVENT', 'UID:o', 'RECURRENCE-ID:20270101T100000Z', 'DTSTART:20270101T100000Z', 'DTEND:20270101T110000Z', 'END:VEVENT'), 400],
      ['badrule.ics', ics(...event('r', ['RRULE:FREQ=SOMETIMES'])), 400],
      [
        'many.ics',
        ics(...event('m', ['RRULE:FREQ=DAILY']), ...Array.from({ length: 1000 }, (_, i) => ['BEGIN:VEVENT', 'UID:m', `RECURRENCE-ID:${new Date(Date.UTC(2027, 0, 2 + i)).toISOString().slice(0, 10).replaceAll('-', '')}T100000Z`, 'DTSTART:20270101T120000Z', 'DTEND:20270101T130000Z', 'END:VEVENT']).flat()),
        400,
      ],
      ['deep.ics', ics(...Array.from({ length: 2000 }, () => 'BEGIN:X-NEST'), ...Array.from({ length: 2000 }, () => 'END:X-NEST')), 400],
      ['binary.ics', Buffer.from([0x42, 0x45, 0xff, 0xfe, 0x00, 0x01]), 400],
      ['huge.ics', ics(...event('h', [`DESCRIPTION:${'x'.repeat(1_100_000)}`])), 413],
    ];
    for (const [name, body, status] of cases) {
      const res = await raw(base, 'PUT', `${path}${name}`, ownerAuth, body as string, { 'content-type': 'text/calendar' });
      assert.equal(res.status, status, `${name}: ${res.status} ${res.text.slice(0, 200)}`);
      if (name === 'many.ics') assert.match(res.text, /1000/, 'refused for its number of events');
    }
    const wrongType = await raw(base, 'PUT', `${path}vcard.ics`, ownerAuth, 'BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n', { 'content-type': 'text/vcard' });
    assert.equal(wrongType.status, 415);
    const badRange = await raw(base, 'REPORT', path, ownerAuth, '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="yesterday"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>');
    assert.equal(badRange.status, 400);
    assert.equal(await state(), before, 'no change was numbered');
  });
});
