// The calendar over HTTP: meeting links whose organizer is the moderator
// (and that outlive their meeting's record), and the edge's answers to
// missing tokens, malformed, oversized and unauthorized requests.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Redis } from 'ioredis';
import type { AuthReply, CalendarView, EventView, MeetingId, OccurrenceView, RoomView } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { TokenSigner } from '../src/auth/tokens.ts';
import { authed, signup, startChatServer, team } from './chat-helpers.ts';
import { http } from './helpers.ts';

describe('calendar over HTTP', () => {
  let parley: Parley;
  let base: string;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(() => parley.close());

  const mine = async (token: string, orgId: string) => (await authed<{ calendars: CalendarView[] }>(base, token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;

  test('an event with a meeting link: the organizer and whom they name open it as moderators by account, others as participants; the link outlives its meeting record', async () => {
    const { owner, members, orgId } = await team(base, ['ann', 'cid']);
    const [ann, cid] = members as [AuthReply, AuthReply];
    const cal = await mine(owner.token, orgId);
    const created = await authed<{ event: EventView }>(base, owner.token, 'POST', '/api/events', {
      calendarId: cal.id,
      title: 'Planning',
      timeZone: 'Europe/Zurich',
      start: '2026-12-03T10:00',
      end: '2026-12-03T11:00',
      attendees: ['ann@example.org'],
      meeting: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body.event;
    assert.match(event.meetingUrl!, new RegExp(`^${base}/m/[A-Za-z0-9_-]+$`));
    // No moderator secret leaves the server for a calendar meeting: the organizer is moderator by account.
    assert.equal(JSON.stringify(created.body).includes('moderatorToken'), false);
    assert.equal(event.moderator, true);
    const meetingId = event.meetingUrl!.split('/m/')[1]!;
    // Ann, who can read the calendar, gets the link; she is not its moderator.
    await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/shares`, { userId: ann.user.id, access: 'read' });
    const seen = await authed<{ event: EventView }>(base, ann.token, 'GET', `/api/events/${event.id}`);
    assert.equal(seen.body.event.meetingUrl, event.meetingUrl);
    assert.equal(seen.body.event.moderator, false);
    const signer = new TokenSigner('test-secret');
    const join = async (session?: string, token?: string) =>
      http<{ token: string; moderatorBy: string | null }>(base, 'POST', `/api/meetings/${meetingId}/join`, { name: 'x', ...(token ? { moderatorToken: token } : {}) }, false, session ? { authorization: `Bearer ${session}` } : {});
    const organizer = await join(owner.token);
    assert.equal(signer.verify(organizer.body.token)?.moderator, true);
    assert.equal(organizer.body.moderatorBy, 'account');
    assert.equal(signer.verify((await join(ann.token)).body.token)?.moderator, false);
    assert.equal(signer.verify((await join()).body.token)?.moderator, false);
    assert.equal((await join(undefined, 'not-the-token-at-all')).status, 403);
    // The organizer names Cid: Cid is moderator from his next join; a writer of the calendar cannot name anyone.
    await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/shares`, { userId: ann.user.id, access: 'write' });
    const byAnn = await authed<{ error: { code: string } }>(base, ann.token, 'PATCH', `/api/events/${event.id}`, { moderatorIds: [ann.user.id] });
    assert.equal(byAnn.status, 403);
    assert.equal(byAnn.body.error.code, 'FORBIDDEN');
    const stranger = await signup(base, 'stranger', { orgName: 'Elsewhere' });
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/events/${event.id}`, { moderatorIds: [stranger.user.id] })).status, 404);
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/events/${event.id}`, { moderatorIds: [cid.user.id] })).status, 200);
    assert.equal(signer.verify((await join(cid.token)).body.token)?.moderator, true);
    // Named no more: his next join is a participant's.
    const cidToken = (await join(cid.token)).body.token;
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/events/${event.id}`, { moderatorIds: [] })).status, 200);
    assert.equal(signer.verify((await join(cid.token)).body.token)?.moderator, false);
    assert.equal(await parley.meetings.grantHolds(meetingId as MeetingId, signer.verify(cidToken)?.grant), false);
    // The record expires (or lived in a restarted server's memory): the event brings it back, still the organizer's.
    const redis = new Redis(process.env.PARLEY_TEST_REDIS_URL!);
    try {
      assert.equal(await redis.del(`parley:meeting:${meetingId}`), 1);
    } finally {
      redis.disconnect();
    }
    const info = await http<{ title: string }>(base, 'GET', `/api/meetings/${meetingId}`);
    assert.equal(info.status, 200);
    assert.equal(info.body.title, 'Planning');
    assert.equal(signer.verify((await join(owner.token)).body.token)?.moderator, true);
    assert.equal(signer.verify((await join()).body.token)?.moderator, false);
    // A meeting no event made stays unknown.
    assert.equal((await http(base, 'GET', '/api/meetings/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
    // Listed with its link in a range.
    const list = await authed<{ occurrences: OccurrenceView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/occurrences?from=${Date.parse('2026-12-03T00:00Z')}&to=${Date.parse('2026-12-04T00:00Z')}`);
    assert.deepEqual(list.body.occurrences.map((o) => [o.title, o.meetingUrl, o.startAt]), [['Planning', event.meetingUrl, Date.parse('2026-12-03T09:00Z')]]);
  });

  test('a meeting link copied or imported into another calendar confers nothing: not in the event, not in the agenda, not at the door', async () => {
    const { owner, members, orgId } = await team(base, ['mallory']);
    const mallory = members[0]!;
    const cal = await mine(owner.token, orgId);
    const created = await authed<{ event: EventView }>(base, owner.token, 'POST', '/api/events', {
      calendarId: cal.id,
      title: 'Board meeting',
      timeZone: 'UTC',
      start: '2026-12-10T10:00',
      end: '2026-12-10T11:00',
      meeting: true,
    });
    const url = created.body.event.meetingUrl!;
    const meetingId = url.split('/m/')[1]! as MeetingId;
    // Mallory saw the link somewhere and imports it as an event of her own, which makes her its organizer...
    const malCal = await mine(mallory.token, orgId);
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:stolen@example.org', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Board meeting', `URL:${url}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
    const imported = await fetch(`${base}/api/calendars/${malCal.id}/import`, { method: 'POST', headers: { authorization: `Bearer ${mallory.token}`, 'content-type': 'text/calendar' }, body: ics });
    assert.equal(imported.status, 200);
    // ...and pastes it into one she makes, too.
    const pasted = await authed<{ event: EventView }>(base, mallory.token, 'POST', '/api/events', { calendarId: malCal.id, title: 'Mine', timeZone: 'UTC', start: '2026-12-10T12:00', end: '2026-12-10T13:00', location: url });
    assert.equal(pasted.status, 201);
    const hers = await authed<{ occurrences: (OccurrenceView & { eventId: string })[] }>(base, mallory.token, 'GET', `/api/orgs/${orgId}/occurrences?from=${Date.parse('2026-12-10T00:00Z')}&to=${Date.parse('2026-12-11T00:00Z')}&calendarIds=${malCal.id}`);
    const stolen = hers.body.occurrences.find((o) => o.title === 'Board meeting')!;
    assert.equal(stolen.meetingUrl, url);
    const view = await authed<{ event: EventView }>(base, mallory.token, 'GET', `/api/events/${stolen.eventId}`);
    assert.equal(view.body.event.organizerId, mallory.user.id);
    assert.equal(view.body.event.moderator, false);
    assert.equal(JSON.stringify(view.body).includes('moderatorToken'), false);
    // Her daily agenda lists the link as it is, with no secret in it.
    const reminder = await authed<{ reminder: { id: string } }>(base, mallory.token, 'POST', '/api/reminders', { orgId, calendarId: malCal.id, chat: false, mail: true, time: '07:00', day: 'morning', weekdays: [0, 1, 2, 3, 4, 5, 6], includeRecurring: true, timeZone: 'UTC' });
    assert.equal(reminder.status, 201, JSON.stringify(reminder.body));
    await parley.chat!.agenda.tick(Date.parse('2026-12-10T07:00Z'));
    const [mail] = await parley.chat!.db.query<{ body_text: string }>('select body_text from mail_outbox where user_id = $1', [mallory.user.id]);
    assert.ok(mail!.body_text.includes(url), mail!.body_text);
    assert.equal(/moderatorToken/i.test(mail!.body_text), false);
    // At the door, signed in, she is a participant; the organizer is the moderator.
    const signer = new TokenSigner('test-secret');
    const joinAs = (session: string) => http<{ token: string }>(base, 'POST', `/api/meetings/${meetingId}/join`, { name: 'x' }, false, { authorization: `Bearer ${session}` });
    assert.equal(signer.verify((await joinAs(mallory.token)).body.token)?.moderator, false);
    assert.equal(signer.verify((await joinAs(owner.token)).body.token)?.moderator, true);
  });

  test('rooms and booking over HTTP; .ics in and out', async () => {
    const { owner, members, orgId } = await team(base, ['bob']);
    const bob = members[0]!;
    const room = await authed<{ room: RoomView }>(base, owner.token, 'POST', `/api/orgs/${orgId}/rooms`, { name: 'Alps', capacity: 6, equipment: ['screen'] });
    assert.equal(room.status, 201);
    assert.equal((await authed(base, bob.token, 'POST', `/api/orgs/${orgId}/rooms`, { name: 'Mine', capacity: 2 })).status, 403);
    const second = await authed<{ ok: false; error: { code: string; message: string } }>(base, owner.token, 'POST', `/api/orgs/${orgId}/rooms`, { name: 'Jura', capacity: 2 });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'PLAN_LIMIT');
    const listed = await authed<{ rooms: RoomView[]; plan: string; maxRooms: number }>(base, bob.token, 'GET', `/api/orgs/${orgId}/rooms`);
    assert.deepEqual([listed.body.plan, listed.body.maxRooms, listed.body.rooms.map((r) => r.name)], ['free', 1, ['Alps']]);
    const bobCal = await mine(bob.token, orgId);
    const book = (token: string, calendarId: string, start: string, end: string) =>
      authed<{ event: EventView; error?: { code: string } }>(base, token, 'POST', '/api/events', { calendarId, title: 'Booked', timeZone: 'UTC', start, end, roomId: room.body.room.id });
    assert.equal((await book(bob.token, bobCal.id, '2026-12-03T10:00', '2026-12-03T11:00')).status, 201);
    const clash = await book(owner.token, (await mine(owner.token, orgId)).id, '2026-12-03T10:30', '2026-12-03T11:30');
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error?.code, 'ROOM_BUSY');
    // Bob's booking with a meeting link: in the room's calendar the owner, who cannot read Bob's calendar, sees "Busy" and no link.
    const secret = await authed<{ event: EventView }>(base, bob.token, 'POST', '/api/events', { calendarId: bobCal.id, title: 'Interview', timeZone: 'UTC', start: '2026-12-04T10:00', end: '2026-12-04T11:00', roomId: room.body.room.id, meeting: true });
    assert.ok(secret.body.event.meetingUrl);
    const day4 = `from=${Date.parse('2026-12-04T00:00Z')}&to=${Date.parse('2026-12-05T00:00Z')}&calendarIds=${room.body.room.calendarId}`;
    const seen = await authed<{ occurrences: OccurrenceView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/occurrences?${day4}`);
    assert.deepEqual(seen.body.occurrences.map((o) => [o.private, o.title, o.description, o.meetingUrl, o.organizerId]), [[true, 'Busy', '', null, bob.user.id]]);
    const bobSees = await authed<{ occurrences: OccurrenceView[] }>(base, bob.token, 'GET', `/api/orgs/${orgId}/occurrences?${day4}`);
    assert.deepEqual(bobSees.body.occurrences.map((o) => [o.private, o.title, o.meetingUrl]), [[false, 'Interview', secret.body.event.meetingUrl]]);
    // The room's calendar as a file: the same.
    const roomIcs = async (token: string) => (await fetch(`${base}/api/calendars/${room.body.room.calendarId}/export`, { headers: { authorization: `Bearer ${token}` } })).text();
    const ownerFile = await roomIcs(owner.token);
    assert.match(ownerFile, /SUMMARY:Busy/);
    assert.doesNotMatch(ownerFile, /Interview|\/m\//);
    assert.match(await roomIcs(bob.token), /SUMMARY:Interview/);
    const free = await authed<{ rooms: RoomView[] }>(base, bob.token, 'GET', `/api/orgs/${orgId}/rooms/free?from=${Date.parse('2026-12-03T11:00Z')}&to=${Date.parse('2026-12-03T12:00Z')}&capacity=4`);
    assert.deepEqual(free.body.rooms.map((r) => r.name), ['Alps']);
    // .ics: out of Bob's calendar, into a new one, and a broken file refused with its line.
    const out = await fetch(`${base}/api/calendars/${bobCal.id}/export`, { headers: { authorization: `Bearer ${bob.token}` } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('content-type')!, /^text\/calendar/);
    const ics = await out.text();
    assert.match(ics, /SUMMARY:Booked/);
    const copy = await authed<{ calendar: CalendarView }>(base, bob.token, 'POST', '/api/calendars', { orgId, name: 'Copy' });
    const upload = (token: string, calendarId: string, body: string) =>
      fetch(`${base}/api/calendars/${calendarId}/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/calendar' }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { imported?: number; error?: { code: string; message: string } } }));
    assert.deepEqual((await upload(bob.token, copy.body.calendar.id, ics)).body.imported, 2);
    const broken = await upload(bob.token, copy.body.calendar.id, 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:2026\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error?.code, 'INVALID_ICS');
    assert.match(broken.body.error!.message, /^line 4: DTSTART/);
    // Someone else's calendar: not found, whatever the method.
    assert.equal((await upload(owner.token, copy.body.calendar.id, ics)).status, 404);
    assert.equal((await authed(base, owner.token, 'GET', `/api/calendars/${copy.body.calendar.id}/export`)).status, 404);
  });

  test('no token, a bad token, malformed, oversized and unknown input: a stable error, nothing changed', async () => {
    const { owner, orgId } = await team(base);
    const cal = await mine(owner.token, orgId);
    const error = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
    for (const [method, url, body] of [
      ['GET', `/api/orgs/${orgId}/calendars`, undefined],
      ['POST', '/api/events', { calendarId: cal.id, title: 'x', timeZone: 'UTC', start: '2026-12-03T10:00', end: '2026-12-03T11:00' }],
      ['GET', `/api/orgs/${orgId}/occurrences?from=1&to=2`, undefined],
      ['POST', `/api/orgs/${orgId}/rooms`, { name: 'Sneaky', capacity: 3 }],
      ['GET', `/api/calendars/${cal.id}/export`, undefined],
      ['GET', `/api/orgs/${orgId}/events/search?q=budget`, undefined],
      ['GET', `/api/orgs/${orgId}/calendar-trash`, undefined],
      ['POST', '/api/calendar-trash/e1/restore', undefined],
      ['DELETE', '/api/calendar-trash/e1', undefined],
      ['GET', `/api/orgs/${orgId}/freebusy?from=1&to=2`, undefined],
      ['PUT', `/api/calendars/${cal.id}/default-alarms`, { alarms: [10] }],
    ] as const) {
      const none = await http(base, method, url, body);
      assert.equal(none.status, 401, url);
      assert.equal(error(none), 'UNAUTHORIZED');
      assert.equal((await authed(base, 'forged-token-forged-token-forged-token-123', method, url, body)).status, 401, url);
    }
    const good = { calendarId: cal.id, title: 'x', timeZone: 'UTC', start: '2026-12-03T10:00', end: '2026-12-03T11:00' };
    for (const bad of [
      { ...good, extra: 1 },
      { ...good, title: '' },
      { ...good, title: 'x'.repeat(201) },
      { ...good, start: '3 December' },
      { ...good, calendarId: '../../etc' },
      { ...good, attendees: ['not an email'] },
      { ...good, attendees: Array.from({ length: 101 }, (_, i) => `a${i}@example.org`) },
      { ...good, description: 'x'.repeat(10_001) },
      { ...good, rrule: 42 },
      'not json at all',
    ]) {
      const res = await authed(base, owner.token, 'POST', '/api/events', bad);
      assert.equal(res.status, 400, JSON.stringify(bad).slice(0, 80));
      assert.equal(error(res), 'INVALID_PAYLOAD');
    }
    const time = await authed(base, owner.token, 'POST', '/api/events', { ...good, timeZone: 'Mars/Olympus' });
    assert.deepEqual([time.status, error(time)], [400, 'INVALID_TIME']);
    const rule = await authed<{ error: { message: string } }>(base, owner.token, 'POST', '/api/events', { ...good, rrule: 'FREQ=MINUTELY' });
    assert.deepEqual([rule.status, error(rule)], [400, 'INVALID_RECURRENCE']);
    assert.match(rule.body.error.message, /FREQ=MINUTELY/);
    for (const q of ['from=abc&to=2', 'from=1', 'from=1&to=2&evil=1', `from=0&to=${500 * 86_400_000}`]) {
      const res = await authed(base, owner.token, 'GET', `/api/orgs/${orgId}/occurrences?${q}`);
      assert.equal(res.status, 400, q);
    }
    for (const q of ['', 'q=', `q=${'x'.repeat(101)}`, 'q=a&evil=1', 'x=budget']) {
      const res = await authed(base, owner.token, 'GET', `/api/orgs/${orgId}/events/search?${q}`);
      assert.deepEqual([res.status, error(res)], [400, 'INVALID_PAYLOAD'], `search ?${q}`);
    }
    // Hostile words are words: LIKE's and SQL's characters match themselves only.
    for (const q of ['%25', "'%20or%201=1--", '%5C%5C', '__']) {
      const res = await authed<{ events: EventView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/events/search?q=${q}`);
      assert.deepEqual([res.status, res.body.events], [200, []], `search ${q}`);
    }
    for (const color of ['red', '#12345g', '#1234567', 'url(x)']) {
      const res = await authed(base, owner.token, 'POST', `/api/orgs/${orgId}/rooms`, { name: 'Painted', capacity: 2, color });
      assert.deepEqual([res.status, error(res)], [400, 'INVALID_PAYLOAD'], color);
    }
    // Free/busy, default reminders, invitation answers and reply files: malformed input is refused at the edge.
    // An address list past what an HTTP request line may hold is refused by the server before any route (431).
    assert.equal((await authed(base, owner.token, 'GET', `/api/orgs/${orgId}/freebusy?from=1&to=2&emails=${'a'.repeat(100 * 256 + 1)}`)).status, 431);
    for (const q of ['from=abc&to=2', 'from=1', 'from=1&to=2&roomIds=../x', 'from=1&to=2&exclude=a%20b', 'from=1&to=2&evil=1']) {
      const res = await authed(base, owner.token, 'GET', `/api/orgs/${orgId}/freebusy?${q}`);
      assert.deepEqual([res.status, error(res)], [400, 'INVALID_PAYLOAD'], `freebusy ?${q.slice(0, 60)}`);
    }
    for (const body of [{}, { alarms: 10 }, { alarms: [-1] }, { alarms: [40_321] }, { alarms: [5, 5] }, { alarms: [1, 2, 3, 4, 5, 6] }, { alarms: [1.5] }, { alarms: [10], more: 1 }]) {
      const res = await authed(base, owner.token, 'PUT', `/api/calendars/${cal.id}/default-alarms`, body);
      assert.deepEqual([res.status, error(res)], [400, 'INVALID_PAYLOAD'], `default-alarms ${JSON.stringify(body)}`);
    }
    assert.deepEqual((await authed<{ calendars: CalendarView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.id === cal.id)!.defaultAlarms, []);
    for (const bad of [{ method: 'GET', url: '/api/rsvp/short' }, { method: 'GET', url: `/api/rsvp/${'x'.repeat(20)}%00` }, { method: 'POST', url: `/api/rsvp/${'x'.repeat(30)}`, body: { answer: 'maybe' } }, { method: 'POST', url: `/api/rsvp/${'x'.repeat(30)}`, body: {} }]) {
      const res = await http(base, bad.method, bad.url, bad.body);
      assert.deepEqual([res.status, error(res)], [400, 'INVALID_PAYLOAD'], `${bad.method} ${bad.url}`);
    }
    const unknown = await http(base, 'POST', `/api/rsvp/${'x'.repeat(30)}`, { answer: 'accepted' });
    assert.deepEqual([unknown.status, error(unknown)], [404, 'EVENT_NOT_FOUND']);
    const empty = await fetch(`${base}/api/calendars/${cal.id}/replies`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/calendar' }, body: '' });
    assert.equal(empty.status, 400);
    const bigReply = await fetch(`${base}/api/calendars/${cal.id}/replies`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/calendar' }, body: 'X'.repeat(300 * 1024) });
    assert.equal(bigReply.status, 413);
    assert.equal(error(await authed(base, owner.token, 'POST', '/api/calendar-trash/nope/restore')), 'EVENT_NOT_FOUND');
    assert.equal((await authed(base, owner.token, 'POST', `/api/calendar-trash/${'z'.repeat(300)}/restore`)).status, 414);
    const big = await fetch(`${base}/api/calendars/${cal.id}/import`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/calendar' }, body: 'X'.repeat(3 * 1024 * 1024) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(error(await authed(base, owner.token, 'GET', '/api/events/nope')), 'EVENT_NOT_FOUND');
    assert.equal(error(await authed(base, owner.token, 'PUT', '/api/me/time-zone', { timeZone: 'Nowhere/Land' })), 'INVALID_TIME');
    assert.equal((await authed(base, owner.token, 'PUT', '/api/me/time-zone', { timeZone: 'Europe/Zurich' })).status, 200);
    // Nothing of all that was stored.
    const list = await authed<{ occurrences: OccurrenceView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/occurrences?from=${Date.parse('2026-12-01T00:00Z')}&to=${Date.parse('2026-12-31T00:00Z')}`);
    assert.deepEqual(list.body.occurrences, []);
    // The server is still up.
    assert.equal((await authed(base, owner.token, 'POST', '/api/events', good)).status, 201);
  });
});
