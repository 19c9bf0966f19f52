// The calendar's store contract on PGlite and on a real PostgreSQL server:
// who sees which calendar, recurrence with changed occurrences, room
// booking and its conflicts, plan limits, .ics import and export.
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError, type OccurrenceView } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import { Calendar } from '../src/suite/calendar/Calendar.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import { parseIcs } from '../src/suite/calendar/ics.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';
import type { Orgs } from '../src/org/Orgs.ts';

const code = (c: string) => (e: unknown) => {
  if (e instanceof DomainError && e.code === c) return true;
  throw e;
};
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;
const brief = (o: OccurrenceView[]) => o.map((x) => `${x.title} ${new Date(x.startAt).toISOString().slice(0, 16)}`);

for (const kind of DB_KINDS) {
  describe(`calendar store on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let orgs: Orgs;
    let cal: Calendar;

    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      ({ orgs } = chatDomain(db));
      cal = new Calendar(new CalendarStore(db));
    });
    afterAll(() => db.close());

    const user = (name: string): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `${name}-${id}@example.org`, username: `${name}${id}`, name: `${name} ${id}`, password: 'correct horse battery' }, { address: 'test' });
    };
    /** An organization: its legal representative, a collaborator, an external guest. */
    const team = async () => {
      const owner = await user('owner');
      const org = await orgs.create(owner.id, 'Acme');
      const member = await user('member');
      await orgs.accept(member.id, (await orgs.invite(owner.id, org.id, { role: 'collaborator', email: member.email })).token);
      const general = (await orgs.forUser(owner.id)).find((o) => o.id === org.id)!;
      void general;
      const guest = await user('guest');
      const channels = await db.query<{ id: string }>('select id from channels where org_id = $1', [org.id]);
      await orgs.accept(guest.id, (await orgs.invite(owner.id, org.id, { role: 'external', channelIds: [channels[0]!.id], email: guest.email })).token);
      const mine = async (u: UserRow) => (await cal.calendars(u.id, org.id)).find((c) => c.access === 'owner')!.id;
      return { owner, member, guest, org, mine };
    };

    test('everyone has a default calendar (made once, even on two first looks at once); others see it only once shared', async () => {
      const { owner, member, guest, org, mine } = await team();
      const [a, b] = await Promise.all([cal.calendars(owner.id, org.id), cal.calendars(owner.id, org.id)]);
      assert.equal(a.length, 1);
      assert.deepEqual(a, b);
      const ownerCal = await mine(owner);
      const ev = await cal.createEvent(owner.id, { calendarId: ownerCal, title: 'Budget', timeZone: 'Europe/Zurich', start: '2026-12-02T10:00', end: '2026-12-02T11:00' });
      const range = [at('2026-12-01T00:00Z'), at('2026-12-08T00:00Z')] as const;
      await assert.rejects(cal.occurrences(member.id, org.id, ...range, [ownerCal]), code('CALENDAR_NOT_FOUND'));
      await assert.rejects(cal.event(member.id, ev.id), code('EVENT_NOT_FOUND'));
      await assert.rejects(cal.createEvent(member.id, { calendarId: ownerCal, title: 'x', timeZone: 'UTC', start: '2026-12-02T10:00', end: '2026-12-02T11:00' }), code('CALENDAR_NOT_FOUND'));
      await assert.rejects(cal.share(member.id, ownerCal, member.id, 'write'), code('CALENDAR_NOT_FOUND'));
      // Read-only: seen, not written.
      await cal.share(owner.id, ownerCal, member.id, 'read');
      assert.deepEqual(brief(await cal.occurrences(member.id, org.id, ...range, [ownerCal])), ['Budget 2026-12-02T09:00']);
      await assert.rejects(cal.updateEvent(member.id, ev.id, { title: 'Mine now' }), code('FORBIDDEN'));
      await assert.rejects(cal.deleteEvent(member.id, ev.id), code('FORBIDDEN'));
      await assert.rejects(cal.share(member.id, ownerCal, guest.id, 'read'), code('FORBIDDEN'));
      await cal.share(owner.id, ownerCal, member.id, 'write');
      await cal.updateEvent(member.id, ev.id, { title: 'Budget 2027' });
      await cal.share(owner.id, ownerCal, member.id, 'none');
      await assert.rejects(cal.event(member.id, ev.id), code('EVENT_NOT_FOUND'));
      // Sharing with someone outside the organization is refused.
      const stranger = await user('stranger');
      await assert.rejects(cal.share(owner.id, ownerCal, stranger.id, 'read'), code('USER_NOT_FOUND'));
      await assert.rejects(cal.calendars(stranger.id, org.id), code('ORG_NOT_FOUND'));
    });

    test('bad times and rules are refused and store nothing', async () => {
      const { owner, mine } = await team();
      const c = await mine(owner);
      const base = { calendarId: c, title: 'x', timeZone: 'Europe/Zurich', start: '2026-12-02T10:00', end: '2026-12-02T11:00' };
      await assert.rejects(cal.createEvent(owner.id, { ...base, timeZone: 'Mars/Olympus' }), code('INVALID_TIME'));
      await assert.rejects(cal.createEvent(owner.id, { ...base, end: '2026-12-02T09:00' }), code('INVALID_TIME'));
      await assert.rejects(cal.createEvent(owner.id, { ...base, start: '2026-02-30T10:00' }), code('INVALID_TIME'));
      await assert.rejects(cal.createEvent(owner.id, { ...base, allDay: true }), code('INVALID_TIME'));
      await assert.rejects(cal.createEvent(owner.id, { ...base, rrule: 'FREQ=HOURLY' }), code('INVALID_RECURRENCE'));
      await assert.rejects(cal.createEvent(owner.id, { ...base, rrule: 'FREQ=WEEKLY;BYWEEKNO=2' }), (e: unknown) => e instanceof DomainError && e.message.includes('BYWEEKNO'));
      const [{ n: count }] = (await db.query<{ n: number }>('select count(*)::int as n from events where calendar_id = $1', [c])) as [{ n: number }];
      assert.equal(count, 0);
    });

    test('a weekly series across the change to summer time; one occurrence moved, one renamed, one cancelled; the series stays', async () => {
      const { owner, org, mine } = await team();
      const c = await mine(owner);
      const ev = await cal.createEvent(owner.id, { calendarId: c, title: 'Stand-up', timeZone: 'Europe/Zurich', start: '2026-03-16T09:00', end: '2026-03-16T09:15', rrule: 'FREQ=WEEKLY;COUNT=5' });
      const range = [at('2026-03-01T00:00Z'), at('2026-05-01T00:00Z')] as const;
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), [
        'Stand-up 2026-03-16T08:00',
        'Stand-up 2026-03-23T08:00',
        'Stand-up 2026-03-30T07:00',
        'Stand-up 2026-04-06T07:00',
        'Stand-up 2026-04-13T07:00',
      ]);
      await cal.setOccurrence(owner.id, ev.id, { recurrenceId: '2026-03-23T09:00', cancelled: true });
      await cal.setOccurrence(owner.id, ev.id, { recurrenceId: '2026-03-30T09:00', title: 'Stand-up (demo)' });
      // Moved a week later, outside where the series would have it.
      await cal.setOccurrence(owner.id, ev.id, { recurrenceId: '2026-04-06T09:00', start: '2026-04-14T11:00', end: '2026-04-14T11:30' });
      await assert.rejects(cal.setOccurrence(owner.id, ev.id, { recurrenceId: '2026-04-07T09:00', cancelled: true }), code('EVENT_NOT_FOUND'));
      const all = await cal.occurrences(owner.id, org.id, ...range);
      assert.deepEqual(brief(all), ['Stand-up 2026-03-16T08:00', 'Stand-up (demo) 2026-03-30T07:00', 'Stand-up 2026-04-13T07:00', 'Stand-up 2026-04-14T09:00']);
      const moved = all.at(-1)!;
      assert.equal(moved.recurrenceId, '2026-04-06T09:00:00');
      assert.equal(moved.start, '2026-04-14T11:00:00');
      assert.equal(moved.changed, true);
      // A range holding only the moved occurrence finds it.
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, at('2026-04-14T00:00Z'), at('2026-04-15T00:00Z'))), ['Stand-up 2026-04-14T09:00']);
      // A range holding only its original time does not.
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, at('2026-04-06T00:00Z'), at('2026-04-07T00:00Z'))), []);
      const series = await cal.event(owner.id, ev.id);
      assert.equal(series.title, 'Stand-up');
      assert.equal(series.rrule, 'FREQ=WEEKLY;COUNT=5');
    });

    test('editing a series keeps its exceptions when it can: resent unchanged, or moved to another time of day; a new rule drops them', async () => {
      const { owner, org, mine } = await team();
      const c = await mine(owner);
      const body = { title: 'Stand-up', description: '', location: '', timeZone: 'Europe/Zurich', allDay: false, start: '2026-03-16T09:00', end: '2026-03-16T09:15', rrule: 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4' };
      const ev = await cal.createEvent(owner.id, { calendarId: c, ...body });
      const range = [at('2026-03-01T00:00Z'), at('2026-05-01T00:00Z')] as const;
      await cal.setOccurrence(owner.id, ev.id, { recurrenceId: '2026-03-18T09:00', cancelled: true });
      await cal.setOccurrence(owner.id, ev.id, { recurrenceId: '2026-03-23T09:00', title: 'Stand-up (demo)' });
      const kept = ['Stand-up 2026-03-16T08:00', 'Stand-up (demo) 2026-03-23T08:00', 'Stand-up 2026-03-25T08:00'];
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), kept);
      // An editor sends the whole event back: a new title only, the same rule spelt another way.
      await cal.updateEvent(owner.id, ev.id, { ...body, title: 'Daily sync', rrule: 'FREQ=WEEKLY;COUNT=4;BYDAY=MO,WE' });
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), ['Daily sync 2026-03-16T08:00', 'Stand-up (demo) 2026-03-23T08:00', 'Daily sync 2026-03-25T08:00']);
      // Half an hour later: the cancelled one stays cancelled, the changed one keeps its change.
      await cal.updateEvent(owner.id, ev.id, { ...body, title: 'Daily sync', start: '2026-03-16T09:30', end: '2026-03-16T09:45' });
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), ['Daily sync 2026-03-16T08:30', 'Stand-up (demo) 2026-03-23T08:00', 'Daily sync 2026-03-25T08:30']);
      assert.deepEqual((await cal.occurrences(owner.id, org.id, ...range)).map((o) => o.recurrenceId), ['2026-03-16T09:30:00', '2026-03-23T09:30:00', '2026-03-25T09:30:00']);
      // Tuesdays and Thursdays: the old exceptions name no occurrence any more and are dropped.
      await cal.updateEvent(owner.id, ev.id, { rrule: 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4', start: '2026-03-17T09:30', end: '2026-03-17T09:45' });
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), [
        'Daily sync 2026-03-17T08:30', 'Daily sync 2026-03-19T08:30', 'Daily sync 2026-03-24T08:30', 'Daily sync 2026-03-26T08:30',
      ]);
      const [{ n }] = (await db.query<{ n: number }>('select count(*)::int as n from event_overrides where event_id = $1', [ev.id])) as [{ n: number }];
      assert.equal(n, 0);
    });

    test('an endless daily series begun years ago, and an all-day event, in a range', async () => {
      const { owner, org, mine } = await team();
      const c = await mine(owner);
      await cal.createEvent(owner.id, { calendarId: c, title: 'Check', timeZone: 'America/New_York', start: '2015-01-01T08:30', end: '2015-01-01T08:45', rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR' });
      await cal.createEvent(owner.id, { calendarId: c, title: 'Holiday', timeZone: 'Europe/Zurich', allDay: true, start: '2026-12-25', end: '2026-12-27' });
      const list = await cal.occurrences(owner.id, org.id, at('2026-12-24T00:00Z'), at('2026-12-29T00:00Z'));
      assert.deepEqual(brief(list), ['Check 2026-12-24T13:30', 'Holiday 2026-12-24T23:00', 'Check 2026-12-25T13:30', 'Check 2026-12-28T13:30']);
      const holiday = list.find((o) => o.title === 'Holiday')!;
      assert.equal(holiday.allDay, true);
      assert.equal(holiday.end, '2026-12-27');
      await assert.rejects(cal.occurrences(owner.id, org.id, at('2026-01-01T00:00Z'), at('2028-01-01T00:00Z')), code('INVALID_TIME'));
    });

    test('rooms: administrators only, within the plan (free 1, standard 2, business 6, enterprise 50), duplicated without bookings', async () => {
      const { owner, member, guest, org } = await team();
      const room = { name: 'Alps', address: 'Main street 1', floor: '2', capacity: 8, equipment: ['screen', 'camera'] };
      await assert.rejects(cal.rooms.create(member.id, org.id, room), code('FORBIDDEN'));
      await assert.rejects(cal.rooms.create(guest.id, org.id, room), code('FORBIDDEN'));
      const alps = await cal.rooms.create(owner.id, org.id, room);
      assert.deepEqual([alps.name, alps.capacity, alps.equipment, alps.floor], ['Alps', 8, ['screen', 'camera'], '2']);
      await assert.rejects(cal.rooms.create(owner.id, org.id, { ...room, name: 'Jura' }), code('PLAN_LIMIT'));
      await assert.rejects(cal.rooms.setPlan(member.id, org.id, 'enterprise'), code('FORBIDDEN'));
      await cal.rooms.setPlan(owner.id, org.id, 'standard');
      // The last place, asked for twice at once: one gets it.
      const race = await Promise.allSettled([cal.rooms.create(owner.id, org.id, { ...room, name: 'Jura' }), cal.rooms.duplicate(owner.id, alps.id)]);
      assert.equal(race.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(race.some((r) => r.status === 'rejected' && r.reason instanceof DomainError && r.reason.code === 'PLAN_LIMIT'));
      await cal.rooms.setPlan(owner.id, org.id, 'business');
      for (let i = 0; i < 4; i++) await cal.rooms.duplicate(owner.id, alps.id);
      await assert.rejects(cal.rooms.duplicate(owner.id, alps.id), code('PLAN_LIMIT'));
      const names = (await cal.rooms.list(member.id, org.id)).map((r) => r.name);
      assert.equal(names.length, 6);
      assert.ok(names.includes('Alps (copy)') && names.includes('Alps (copy 2)'), names.join());
      // Guests see no rooms, nor their calendars; members see every room's calendar.
      assert.deepEqual(await cal.rooms.list(guest.id, org.id), []);
      assert.equal((await cal.calendars(guest.id, org.id)).filter((c) => c.access === 'room').length, 0);
      assert.equal((await cal.calendars(member.id, org.id)).filter((c) => c.access === 'room').length, 6);
      await assert.rejects(cal.rooms.update(member.id, alps.id, { ...room, capacity: 2 }), code('FORBIDDEN'));
      assert.equal((await cal.rooms.update(owner.id, alps.id, { ...room, capacity: 10 })).capacity, 10);
    });

    test('booking: a taken slot is refused, the next one is free, a recurring booking collides weeks ahead, two bookers at once get one slot', async () => {
      const { owner, member, org, mine } = await team();
      await cal.rooms.setPlan(owner.id, org.id, 'business');
      const alps = await cal.rooms.create(owner.id, org.id, { name: 'Alps', capacity: 8 });
      const hall = await cal.rooms.create(owner.id, org.id, { name: 'Hall', capacity: 200, allowOverlap: true });
      const oc = await mine(owner);
      const mc = await mine(member);
      const ev = (calendarId: string, start: string, end: string, extra = {}) => ({ calendarId, title: `At ${start}`, timeZone: 'Europe/Zurich', start, end, roomId: alps.id, ...extra });
      await cal.createEvent(owner.id, ev(oc, '2026-12-07T10:00', '2026-12-07T11:00'));
      await assert.rejects(cal.createEvent(member.id, ev(mc, '2026-12-07T10:30', '2026-12-07T11:30')), code('ROOM_BUSY'));
      await cal.createEvent(member.id, ev(mc, '2026-12-07T11:00', '2026-12-07T12:00'));
      // Weekly on Mondays at 10:30: its 4th occurrence meets a booking on 28 December.
      await cal.createEvent(owner.id, ev(oc, '2026-12-28T10:00', '2026-12-28T10:45'));
      await assert.rejects(cal.createEvent(member.id, ev(mc, '2026-12-08T10:30', '2026-12-08T11:00', { rrule: 'FREQ=DAILY;BYDAY=MO;COUNT=4' })), code('ROOM_BUSY'));
      await assert.rejects(cal.createEvent(member.id, ev(mc, '2026-12-14T10:30', '2026-12-14T11:00', { rrule: 'FREQ=WEEKLY' })), code('ROOM_BUSY'));
      const weekly = await cal.createEvent(member.id, ev(mc, '2026-12-14T08:00', '2026-12-14T09:00', { rrule: 'FREQ=WEEKLY' }));
      // Moving one of its occurrences onto a booked time is refused; elsewhere it is fine.
      await assert.rejects(cal.setOccurrence(member.id, weekly.id, { recurrenceId: '2026-12-21T08:00', start: '2026-12-28T10:15', end: '2026-12-28T10:30' }), code('ROOM_BUSY'));
      await cal.setOccurrence(member.id, weekly.id, { recurrenceId: '2026-12-21T08:00', start: '2026-12-21T14:00', end: '2026-12-21T15:00' });
      // The freed slot is bookable, the moved one is not.
      await cal.createEvent(owner.id, ev(oc, '2026-12-21T08:00', '2026-12-21T09:00'));
      await assert.rejects(cal.createEvent(owner.id, ev(oc, '2026-12-21T14:30', '2026-12-21T15:30')), code('ROOM_BUSY'));
      // A room that allows overlaps takes both.
      await cal.createEvent(owner.id, ev(oc, '2026-12-07T10:00', '2026-12-07T11:00', { roomId: hall.id }));
      await cal.createEvent(member.id, ev(mc, '2026-12-07T10:00', '2026-12-07T11:00', { roomId: hall.id }));
      // Two people booking one free slot at the same moment: one gets it.
      const race = await Promise.allSettled([
        cal.createEvent(owner.id, ev(oc, '2026-12-09T15:00', '2026-12-09T16:00')),
        cal.createEvent(member.id, ev(mc, '2026-12-09T15:30', '2026-12-09T16:30')),
      ]);
      assert.deepEqual(race.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      // A room of another organization cannot be booked.
      const other = await team();
      await assert.rejects(cal.createEvent(other.owner.id, ev(await other.mine(other.owner), '2026-12-10T10:00', '2026-12-10T11:00')), code('MEETING_ROOM_NOT_FOUND'));
      // The room's calendar shows its bookings to every member.
      const roomCal = (await cal.calendars(member.id, org.id)).find((c) => c.roomId === alps.id)!;
      const booked = await cal.occurrences(member.id, org.id, at('2026-12-07T00:00Z'), at('2026-12-08T00:00Z'), [roomCal.id]);
      assert.deepEqual(booked.map((o) => o.start), ['2026-12-07T10:00:00', '2026-12-07T11:00:00']);
      assert.ok(booked.every((o) => o.calendarId === roomCal.id));
      // What the owner's booking is stays in the owner's calendar (its meeting link too: see calendar-http): the member sees "Busy", by whom, when.
      const secret = await cal.createEvent(owner.id, ev(oc, '2026-12-11T10:00', '2026-12-11T11:00', { title: 'Layoffs', description: 'confidential', location: 'Alps' }));
      const [masked] = await cal.occurrences(member.id, org.id, at('2026-12-11T00:00Z'), at('2026-12-12T00:00Z'), [roomCal.id]);
      assert.deepEqual(
        [masked!.private, masked!.title, masked!.description, masked!.location, masked!.meetingUrl, masked!.organizerId, masked!.start],
        [true, 'Busy', '', '', null, owner.id, '2026-12-11T10:00:00'],
      );
      await assert.rejects(cal.event(member.id, secret.id), code('EVENT_NOT_FOUND'));
      // The owner, and a member the owner's calendar is shared with, see it in the room's calendar as it is.
      const [own] = await cal.occurrences(owner.id, org.id, at('2026-12-11T00:00Z'), at('2026-12-12T00:00Z'), [roomCal.id]);
      assert.deepEqual([own!.private, own!.title, own!.meetingUrl], [false, 'Layoffs', secret.meetingUrl]);
      await cal.share(owner.id, oc, member.id, 'read');
      const [shared] = await cal.occurrences(member.id, org.id, at('2026-12-11T00:00Z'), at('2026-12-12T00:00Z'), [roomCal.id]);
      assert.deepEqual([shared!.private, shared!.title], [false, 'Layoffs']);
      await assert.rejects(cal.createEvent(member.id, { calendarId: roomCal.id, title: 'x', timeZone: 'UTC', start: '2026-12-10T10:00', end: '2026-12-10T11:00' }), code('FORBIDDEN'));
    });

    test('a room that allows several bookings shows each double-booked occurrence as a conflict; a room keeps its colour unless a change names one', async () => {
      const { owner, member, org, mine } = await team();
      await cal.rooms.setPlan(owner.id, org.id, 'standard');
      const atrium = await cal.rooms.create(owner.id, org.id, { name: 'Atrium', capacity: 50, allowOverlap: true, color: '#aa3366' });
      assert.equal(atrium.color, '#aa3366');
      assert.equal((await cal.calendars(owner.id, org.id)).find((c) => c.roomId === atrium.id)!.color, '#aa3366');
      const oc = await mine(owner);
      const mc = await mine(member);
      const at = (calendarId: string, title: string, start: string, end: string) => ({ calendarId, title, timeZone: 'UTC', start, end, roomId: atrium.id });
      await cal.createEvent(owner.id, at(oc, 'Town hall', '2027-02-01T10:00', '2027-02-01T11:00'));
      await cal.createEvent(member.id, at(mc, 'Yoga', '2027-02-01T10:30', '2027-02-01T11:30'));
      await cal.createEvent(member.id, at(mc, 'Lunch talk', '2027-02-01T12:00', '2027-02-01T13:00'));
      // A daily series meets the town hall once.
      await cal.createEvent(owner.id, { ...at(oc, 'Standup', '2027-01-31T10:45', '2027-01-31T11:00'), rrule: 'FREQ=DAILY;COUNT=3' });
      const range = [Date.parse('2027-01-31T00:00Z'), Date.parse('2027-02-03T00:00Z')] as const;
      const marks = (await cal.occurrences(owner.id, org.id, ...range, [oc])).map((o) => `${o.title} ${o.start.slice(5, 16)}${o.conflict ? ' conflict' : ''}`);
      assert.deepEqual(marks, ['Standup 01-31T10:45', 'Town hall 02-01T10:00 conflict', 'Standup 02-01T10:45 conflict', 'Standup 02-02T10:45']);
      const theirs = (await cal.occurrences(member.id, org.id, ...range, [mc])).map((o) => `${o.title}${o.conflict ? ' conflict' : ''}`);
      assert.deepEqual(theirs, ['Yoga conflict', 'Lunch talk']);
      // Edited without a colour: it keeps its own; with one: the room's calendar takes it.
      const renamed = await cal.rooms.update(owner.id, atrium.id, { name: 'Great atrium', capacity: 60, allowOverlap: true });
      assert.equal(renamed.color, '#aa3366');
      assert.equal((await cal.rooms.update(owner.id, atrium.id, { name: 'Great atrium', capacity: 60, allowOverlap: true, color: '#112233' })).color, '#112233');
      assert.equal((await cal.calendars(member.id, org.id)).find((c) => c.roomId === atrium.id)!.color, '#112233');
      await assert.rejects(cal.rooms.update(member.id, atrium.id, { name: 'Mine', capacity: 1, color: '#000000' }), code('FORBIDDEN'));
    });

    test('reminders: a calendar’s default for its new events, an event’s own, carried by its occurrences, written and read as VALARMs', async () => {
      const { owner, member, org, mine } = await team();
      const c = await mine(owner);
      await cal.setDefaultAlarms(owner.id, c, [10, 60, 10]);
      assert.deepEqual((await cal.calendars(owner.id, org.id)).find((x) => x.id === c)!.defaultAlarms, [60, 10]);
      const base = { calendarId: c, timeZone: 'UTC', start: '2027-03-10T09:00', end: '2027-03-10T10:00' };
      const withDefault = await cal.createEvent(owner.id, { ...base, title: 'Default' });
      assert.deepEqual(withDefault.alarms, [60, 10]);
      assert.deepEqual((await cal.createEvent(owner.id, { ...base, title: 'None', alarms: [] })).alarms, []);
      assert.deepEqual((await cal.updateEvent(owner.id, withDefault.id, { alarms: [1440, 5] })).alarms, [1440, 5]);
      assert.deepEqual((await cal.updateEvent(owner.id, withDefault.id, { title: 'Renamed' })).alarms, [1440, 5], 'kept when not named');
      const occ = (await cal.occurrences(owner.id, org.id, Date.parse('2027-03-10T00:00Z'), Date.parse('2027-03-11T00:00Z'), [c])).find((o) => o.title === 'Renamed');
      assert.deepEqual(occ!.alarms, [1440, 5]);
      // Only who may write to the calendar sets its default.
      await cal.share(owner.id, c, member.id, 'read');
      await assert.rejects(cal.setDefaultAlarms(member.id, c, [5]), code('FORBIDDEN'));
      // Written as VALARMs; read back from a file, with the triggers that are not reminders before the start left out.
      const { text } = await cal.exportIcs(owner.id, c);
      assert.match(text, /BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Renamed\r\nTRIGGER:-P1D\r\nEND:VALARM\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Renamed\r\nTRIGGER:-PT5M\r\nEND:VALARM/);
      const file = [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:alarms-1', 'DTSTAMP:20270101T000000Z', 'DTSTART:20270311T090000Z', 'DTEND:20270311T100000Z', 'SUMMARY:From Thunderbird',
        'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'END:VALARM',
        'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;RELATED=END:-PT5M', 'END:VALARM',
        'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;VALUE=DATE-TIME:20270311T080000Z', 'END:VALARM',
        'BEGIN:VALARM', 'ACTION:EMAIL', 'TRIGGER:-P1DT2H', 'END:VALARM',
        'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:PT10M', 'END:VALARM',
        'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-P99999999W', 'END:VALARM',
        'END:VEVENT', 'END:VCALENDAR', '',
      ].join('\r\n');
      await cal.importIcs(owner.id, c, file);
      const [imported] = (await cal.occurrences(owner.id, org.id, Date.parse('2027-03-11T00:00Z'), Date.parse('2027-03-12T00:00Z'), [c])).filter((o) => o.title === 'From Thunderbird');
      assert.deepEqual(imported!.alarms, [1560, 15]);
    });

    test('free rooms for a slot: busy and small rooms left out, the three last booked first', async () => {
      const { owner, member, org, mine } = await team();
      await cal.rooms.setPlan(owner.id, org.id, 'business');
      const rooms = [];
      for (const [name, capacity] of [['A', 4], ['B', 4], ['C', 12], ['D', 4], ['E', 4], ['F', 2]] as const) rooms.push(await cal.rooms.create(owner.id, org.id, { name, capacity }));
      const [a, b, c, d, e] = rooms as [(typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0]];
      const mc = await mine(member);
      // The member booked E, then B, then D, then C (most recent), long ago; A is busy at the slot.
      for (const room of [e, b, d, c]) await cal.createEvent(member.id, { calendarId: mc, title: 'x', timeZone: 'UTC', start: '2026-01-05T10:00', end: '2026-01-05T10:30', roomId: room.id });
      await cal.createEvent(owner.id, { calendarId: await mine(owner), title: 'busy', timeZone: 'UTC', start: '2026-12-07T09:30', end: '2026-12-07T10:30', roomId: a.id });
      const free = await cal.rooms.free(member.id, org.id, at('2026-12-07T10:00Z'), at('2026-12-07T11:00Z'), 3);
      assert.deepEqual(free.map((r) => [r.name, r.recent]), [['C', true], ['D', true], ['B', true], ['E', false]]);
      await assert.rejects(cal.rooms.free(member.id, org.id, at('2026-12-07T11:00Z'), at('2026-12-07T10:00Z')), code('INVALID_TIME'));
    });

    test('.ics import is all or nothing and names the bad line; re-import replaces; export reads back the same', async () => {
      const { owner, org, mine } = await team();
      const c = await mine(owner);
      const file = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:weekly-1',
        'DTSTART;TZID=Europe/Zurich:20261102T090000',
        'DTEND;TZID=Europe/Zurich:20261102T093000',
        'RRULE:FREQ=WEEKLY;COUNT=4',
        'EXDATE;TZID=Europe/Zurich:20261109T090000',
        'SUMMARY:Weekly',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:weekly-1',
        'RECURRENCE-ID;TZID=Europe/Zurich:20261116T090000',
        'DTSTART;TZID=Europe/Zurich:20261116T140000',
        'DTEND;TZID=Europe/Zurich:20261116T143000',
        'SUMMARY:Weekly (afternoon)',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:one-1',
        'DTSTART:20261103T120000Z',
        'DTEND:20261103T130000Z',
        'SUMMARY:Lunch',
        'END:VEVENT',
        'END:VCALENDAR',
      ];
      const count = async () => ((await db.query<{ n: number }>('select count(*)::int as n from events where calendar_id = $1', [c])) as [{ n: number }])[0].n;
      // A bad third event: nothing of the first two lands.
      const broken = [...file.slice(0, -1), 'BEGIN:VEVENT', 'UID:bad', 'DTSTART:20261199T120000Z', 'END:VEVENT', 'END:VCALENDAR'];
      await assert.rejects(cal.importIcs(owner.id, c, broken.join('\r\n')), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_ICS' && e.message.startsWith('line 26:'));
      const badRule = file.map((l) => (l === 'RRULE:FREQ=WEEKLY;COUNT=4' ? 'RRULE:FREQ=WEEKLY;BYHOUR=9' : l));
      await assert.rejects(cal.importIcs(owner.id, c, badRule.join('\r\n')), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_ICS' && e.message.startsWith('line 7:'));
      assert.equal(await count(), 0);
      assert.deepEqual(await cal.importIcs(owner.id, c, file.join('\r\n')), { imported: 3 });
      const range = [at('2026-11-01T00:00Z'), at('2026-12-01T00:00Z')] as const;
      const expected = ['Weekly 2026-11-02T08:00', 'Lunch 2026-11-03T12:00', 'Weekly (afternoon) 2026-11-16T13:00', 'Weekly 2026-11-23T08:00'];
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), expected);
      // Again: replaced, not doubled.
      await cal.importIcs(owner.id, c, file.join('\r\n'));
      assert.equal(await count(), 2);
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range)), expected);
      // Out, and into a fresh calendar: the same occurrences.
      const { text } = await cal.exportIcs(owner.id, c);
      assert.equal((await parseIcs(text, 'UTC')).length, 3);
      const copy = await cal.createCalendar(owner.id, { orgId: org.id, name: 'Copy' });
      await cal.importIcs(owner.id, copy.id, text);
      assert.deepEqual(brief(await cal.occurrences(owner.id, org.id, ...range, [copy.id])), expected);
      // Someone without write access imports nothing.
      const reader = await user('reader');
      await assert.rejects(cal.importIcs(reader.id, c, file.join('\r\n')), code('CALENDAR_NOT_FOUND'));
      void DAY;
    });
  });
}
