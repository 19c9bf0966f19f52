// Finding things in the calendar, on PGlite and on a real PostgreSQL server:
// the trash (a deleted event comes back as it was, its changed occurrences,
// room and UID, for 30 days, for those who may write to its calendar; a room
// booked meanwhile refuses the restore), event search (every word, accents
// and case aside, in the calendars one can read only), and free/busy (when
// people and rooms are taken, never what takes them).
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CALENDAR_LIMITS, DomainError } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import { Calendar } from '../src/suite/calendar/Calendar.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import type { Orgs } from '../src/org/Orgs.ts';
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';

const code = (c: string) => (e: unknown) => {
  if (e instanceof DomainError && e.code === c) return true;
  throw e;
};
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`calendar trash, search and free/busy on ${kind}`, () => {
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
      return accounts.signup({ email: `${name}-${id}@example.org`, username: `${name}${id}`, name, password: 'correct horse battery' }, { address: 'test' });
    };
    const team = async () => {
      const owner = await user('Olga');
      const org = await orgs.create(owner.id, 'Acme');
      const join = async (name: string, role: 'collaborator' | 'external') => {
        const u = await user(name);
        const channels = await db.query<{ id: string }>('select id from channels where org_id = $1', [org.id]);
        await orgs.accept(u.id, (await orgs.invite(owner.id, org.id, { role, email: u.email, ...(role === 'external' ? { channelIds: [channels[0]!.id] } : {}) })).token);
        return u;
      };
      const member = await join('Max', 'collaborator');
      const guest = await join('Gus', 'external');
      const mine = async (u: UserRow) => (await cal.calendars(u.id, org.id)).find((c) => c.access === 'owner')!.id;
      return { owner, member, guest, orgId: org.id, mine };
    };
    const week = (from: string) => [Date.parse(from), Date.parse(from) + 7 * DAY] as const;

    test('a deleted series comes back with its changed occurrences, its room and its UID; the trash lists it for writers only', async () => {
      const { owner, member, guest, orgId, mine } = await team();
      const calendarId = await mine(owner);
      const room = await cal.rooms.create(owner.id, orgId, { name: 'Blue room', capacity: 6 });
      const series = await cal.createEvent(owner.id, { calendarId, title: 'Standup', timeZone: 'Europe/Zurich', start: '2027-03-01T09:00', end: '2027-03-01T09:15', rrule: 'FREQ=DAILY;COUNT=5', roomId: room.id });
      await cal.setOccurrence(owner.id, series.id, { recurrenceId: '2027-03-02T09:00:00', start: '2027-03-02T10:00', end: '2027-03-02T10:15' });
      // In the owner's calendar (the room's calendar shows the same bookings).
      const inMine = async () => (await cal.occurrences(owner.id, orgId, ...week('2027-03-01T00:00Z'), [calendarId])).map((o) => o.startAt);
      const before = await inMine();
      assert.equal(before.length, 5);
      await cal.deleteEvent(owner.id, series.id);
      await assert.rejects(cal.event(owner.id, series.id), code('EVENT_NOT_FOUND'));
      assert.deepEqual(await inMine(), []);
      const [trashed] = await cal.trash.list(owner.id, orgId);
      assert.equal(trashed!.id, series.id);
      assert.equal(trashed!.title, 'Standup');
      assert.equal(trashed!.recurring, true);
      assert.equal(trashed!.deletedBy, 'Olga');
      assert.equal(trashed!.purgeAt - trashed!.deletedAt, CALENDAR_LIMITS.trashDays * DAY);
      // Others: a reader of the calendar, a guest, a stranger learn nothing and restore nothing.
      await cal.share(owner.id, calendarId, member.id, 'read');
      assert.deepEqual(await cal.trash.list(member.id, orgId), []);
      await assert.rejects(cal.trash.restore(member.id, series.id), code('FORBIDDEN'));
      await assert.rejects(cal.trash.restore(guest.id, series.id), code('EVENT_NOT_FOUND'));
      const stranger = await user('Sam');
      await assert.rejects(cal.trash.list(stranger.id, orgId), code('ORG_NOT_FOUND'));
      await assert.rejects(cal.trash.restore(stranger.id, series.id), code('EVENT_NOT_FOUND'));
      await assert.rejects(cal.trash.drop(stranger.id, series.id), code('EVENT_NOT_FOUND'));
      // The room was freed: someone books it; the restore is then refused and changes nothing.
      const blocker = await cal.createEvent(member.id, { calendarId: await mine(member), title: 'Interview', timeZone: 'Europe/Zurich', start: '2027-03-03T09:00', end: '2027-03-03T10:00', roomId: room.id });
      await assert.rejects(cal.trash.restore(owner.id, series.id), code('ROOM_BUSY'));
      assert.equal((await cal.trash.list(owner.id, orgId)).length, 1);
      await assert.rejects(cal.event(owner.id, series.id), code('EVENT_NOT_FOUND'));
      await cal.deleteEvent(member.id, blocker.id);
      // A writer restores it: the same id, UID, room and moved occurrence.
      await cal.share(owner.id, calendarId, member.id, 'write');
      // Max's trash: his own deleted interview, and now the shared calendar's series.
      assert.deepEqual((await cal.trash.list(member.id, orgId)).map((t) => t.title).sort(), ['Interview', 'Standup']);
      await cal.trash.restore(member.id, series.id);
      const back = await cal.event(owner.id, series.id);
      assert.equal(back.uid, series.uid);
      assert.equal(back.roomId, room.id);
      assert.deepEqual(await inMine(), before);
      assert.deepEqual(await cal.trash.list(owner.id, orgId), []);
      await assert.rejects(cal.trash.restore(owner.id, series.id), code('EVENT_NOT_FOUND'));
    });

    test('after 30 days, or deleted for good, an event is gone; a UID taken meanwhile gives the restored event a new one', async () => {
      const { owner, orgId, mine } = await team();
      const calendarId = await mine(owner);
      const make = (title: string) => cal.createEvent(owner.id, { calendarId, title, timeZone: 'UTC', start: '2027-04-01T10:00', end: '2027-04-01T11:00' });
      const old = await make('Old');
      const gone = await make('Gone');
      const twin = await make('Twin');
      for (const e of [old, gone, twin]) await cal.deleteEvent(owner.id, e.id);
      await db.query('update event_trash set deleted_at = $2 where id = $1', [old.id, Date.now() - (CALENDAR_LIMITS.trashDays * DAY + 60_000)]);
      assert.deepEqual((await cal.trash.list(owner.id, orgId)).map((t) => t.title).sort(), ['Gone', 'Twin']);
      await assert.rejects(cal.trash.restore(owner.id, old.id), code('EVENT_NOT_FOUND'));
      await cal.trash.drop(owner.id, gone.id);
      // A room deleted meanwhile: the event comes back without it.
      const room = await cal.rooms.create(owner.id, orgId, { name: 'Temporary', capacity: 3 });
      const booked = await cal.createEvent(owner.id, { calendarId, title: 'Booked', timeZone: 'UTC', start: '2027-04-03T10:00', end: '2027-04-03T11:00', roomId: room.id });
      await cal.deleteEvent(owner.id, booked.id);
      await cal.rooms.remove(owner.id, room.id);
      await cal.trash.restore(owner.id, booked.id);
      assert.equal((await cal.event(owner.id, booked.id)).roomId, null);
      await assert.rejects(cal.trash.restore(owner.id, gone.id), code('EVENT_NOT_FOUND'));
      // An import brings an event of Twin's UID meanwhile.
      const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${twin.uid}`, 'DTSTAMP:20270101T000000Z', 'DTSTART:20270402T100000Z', 'DTEND:20270402T110000Z', 'SUMMARY:Imported twin', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
      await cal.importIcs(owner.id, calendarId, ics);
      await cal.trash.restore(owner.id, twin.id);
      const restored = await cal.event(owner.id, twin.id);
      assert.notEqual(restored.uid, twin.uid);
      assert.equal(restored.title, 'Twin');
    });

    test('search: every word, accents and case aside, in title, description, place and attendees; in readable calendars only; upcoming first', async () => {
      const { owner, member, guest, orgId, mine } = await team();
      const calendarId = await mine(owner);
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
      const make = (title: string, startMs: number, more: { description?: string; location?: string; attendees?: string[] } = {}) =>
        cal.createEvent(owner.id, { calendarId, title, timeZone: 'UTC', start: iso(startMs), end: iso(startMs + 3600_000), ...more });
      await make('Réunion budget', now + 2 * DAY, { description: 'Chiffres du trimestre', location: 'Zürich, salle 4', attendees: ['carla@example.org'] });
      await make('Budget review', now - 3 * DAY);
      await make('Budget planning', now + 1 * DAY);
      await make('100% done_party', now + 5 * DAY);
      const titles = async (who: UserRow, q: string) => (await cal.search.find(who.id, orgId, q)).map((e) => e.title);
      assert.deepEqual(await titles(owner, 'REUNION'), ['Réunion budget']);
      assert.deepEqual(await titles(owner, 'zurich'), ['Réunion budget']);
      assert.deepEqual(await titles(owner, 'trimestre'), ['Réunion budget']);
      assert.deepEqual(await titles(owner, 'carla@example'), ['Réunion budget']);
      assert.deepEqual(await titles(owner, 'budget'), ['Budget planning', 'Réunion budget', 'Budget review'], 'upcoming soonest first, then the past');
      assert.deepEqual(await titles(owner, 'budget salle'), ['Réunion budget']);
      assert.deepEqual(await titles(owner, 'budget nowhere'), []);
      // LIKE's characters are letters like any other; one letter alone finds nothing.
      assert.deepEqual(await titles(owner, '0%'), ['100% done_party']);
      assert.deepEqual(await titles(owner, '%%'), [], 'a wildcard would have matched everything');
      assert.deepEqual(await titles(owner, 'e_p'), ['100% done_party']);
      assert.deepEqual(await titles(owner, '__'), []);
      assert.deepEqual(await titles(owner, 'b'), []);
      // Others see only what is shared with them.
      assert.deepEqual(await titles(member, 'budget'), []);
      await cal.share(owner.id, calendarId, member.id, 'read');
      assert.equal((await titles(member, 'budget')).length, 3);
      assert.deepEqual(await titles(guest, 'budget'), []);
      await assert.rejects(cal.search.find((await user('Sam')).id, orgId, 'budget'), code('ORG_NOT_FOUND'));
      // A deleted event is not found; restored, it is.
      const [planning] = await cal.search.find(owner.id, orgId, 'planning');
      await cal.deleteEvent(owner.id, planning!.id);
      assert.deepEqual(await titles(owner, 'planning'), []);
      await cal.trash.restore(owner.id, planning!.id);
      assert.deepEqual(await titles(owner, 'planning'), ['Budget planning']);
    });

    test('free/busy: own events and those naming one as attendee, series and moved occurrences, rooms; all-day and cancelled ones leave one free; times only', async () => {
      const { owner, member, guest, orgId, mine } = await team();
      const olga = await mine(owner);
      const max = await mine(member);
      const room = await cal.rooms.create(owner.id, orgId, { name: 'Green room', capacity: 4 });
      await cal.createEvent(member.id, { calendarId: max, title: 'Secret interview', timeZone: 'UTC', start: '2027-05-03T10:00', end: '2027-05-03T11:00' });
      await cal.createEvent(owner.id, { calendarId: olga, title: 'Review', timeZone: 'UTC', start: '2027-05-03T13:00', end: '2027-05-03T14:00', attendees: [member.email.toUpperCase()] });
      const daily = await cal.createEvent(member.id, { calendarId: max, title: 'Standup', timeZone: 'UTC', start: '2027-05-03T09:00', end: '2027-05-03T09:30', rrule: 'FREQ=DAILY;COUNT=3' });
      await cal.setOccurrence(member.id, daily.id, { recurrenceId: '2027-05-04T09:00:00', cancelled: true });
      await cal.createEvent(member.id, { calendarId: max, title: 'Holiday', timeZone: 'UTC', allDay: true, start: '2027-05-03', end: '2027-05-04' });
      await cal.createEvent(owner.id, { calendarId: olga, title: 'Board', timeZone: 'UTC', start: '2027-05-03T15:00', end: '2027-05-03T16:00', roomId: room.id });
      const from = Date.parse('2027-05-03T00:00Z');
      const to = Date.parse('2027-05-06T00:00Z');
      const hm = (list: { startAt: number; endAt: number }[]) => list.map((b) => `${new Date(b.startAt).toISOString().slice(5, 16)}/${new Date(b.endAt).toISOString().slice(11, 16)}`);
      const view = await cal.freeBusy.busy(owner.id, orgId, { from, to, emails: [member.email, 'nobody@example.org'], roomIds: [room.id] });
      assert.deepEqual(view.people.map((p) => p.name), ['Olga', 'Max'], 'the asker first');
      assert.deepEqual(hm(view.people[0]!.busy), ['05-03T13:00/14:00', '05-03T15:00/16:00']);
      assert.deepEqual(hm(view.people[1]!.busy), ['05-03T09:00/09:30', '05-03T10:00/11:00', '05-03T13:00/14:00', '05-05T09:00/09:30']);
      assert.deepEqual(hm(view.rooms[0]!.busy), ['05-03T15:00/16:00']);
      assert.deepEqual(view.unknown, ['nobody@example.org']);
      assert.ok(!/Secret|Review|Standup|Board|Holiday/.test(JSON.stringify(view)), 'times only, never titles');
      // The event being edited keeps no one busy (nor its room).
      const [board] = (await cal.search.find(owner.id, orgId, 'board'));
      const editing = await cal.freeBusy.busy(owner.id, orgId, { from, to, emails: [], roomIds: [room.id], exclude: board!.id });
      assert.deepEqual([hm(editing.people[0]!.busy), hm(editing.rooms[0]!.busy)], [['05-03T13:00/14:00'], []]);
      // Who may ask, for what.
      await assert.rejects(cal.freeBusy.busy(guest.id, orgId, { from, to, emails: [owner.email], roomIds: [] }), code('FORBIDDEN'));
      await assert.rejects(cal.freeBusy.busy((await user('Sam')).id, orgId, { from, to, emails: [], roomIds: [] }), code('ORG_NOT_FOUND'));
      await assert.rejects(cal.freeBusy.busy(owner.id, orgId, { from, to: from + 32 * DAY, emails: [], roomIds: [] }), code('INVALID_TIME'));
      await assert.rejects(cal.freeBusy.busy(owner.id, orgId, { from: to, to: from, emails: [], roomIds: [] }), code('INVALID_TIME'));
      const other = await team();
      const theirRoom = await cal.rooms.create(other.owner.id, other.orgId, { name: 'Theirs', capacity: 2 });
      await assert.rejects(cal.freeBusy.busy(owner.id, orgId, { from, to, emails: [], roomIds: [theirRoom.id] }), code('MEETING_ROOM_NOT_FOUND'));
      // People of another organization are unknown here, whatever their calendars hold.
      const outside = await cal.freeBusy.busy(owner.id, orgId, { from, to, emails: [other.owner.email], roomIds: [] });
      assert.deepEqual([outside.people.length, outside.unknown], [1, [other.owner.email.toLowerCase()]]);
      // Max declines the review (by his invitation's link): he is free then; Olga, who organizes it, is not.
      const [invite] = await db.query<{ body_text: string }>('select body_text from mail_outbox where to_address = $1 and ics is not null', [member.email.toLowerCase()]);
      const token = /^([A-Za-z0-9_-]{32})$/m.exec(invite!.body_text)![1]!;
      await cal.invitations.answer(token, 'declined');
      const declined = await cal.freeBusy.busy(owner.id, orgId, { from, to, emails: [member.email], roomIds: [] });
      assert.deepEqual(hm(declined.people[0]!.busy), ['05-03T13:00/14:00', '05-03T15:00/16:00']);
      assert.deepEqual(hm(declined.people[1]!.busy), ['05-03T09:00/09:30', '05-03T10:00/11:00', '05-05T09:00/09:30']);
      // Accepting again makes him busy again.
      await cal.invitations.answer(token, 'accepted');
      const back = await cal.freeBusy.busy(owner.id, orgId, { from, to, emails: [member.email], roomIds: [] });
      assert.ok(hm(back.people[1]!.busy).includes('05-03T13:00/14:00'));
    });
  });
}
