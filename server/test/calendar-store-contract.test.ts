// CalendarStore's contract, on PGlite and on a real PostgreSQL server: what
// the calendar's rules rely on of its SQL (transactions roll back, a room's
// lock serializes bookings, exceptions are replaced whole, imports replace
// by UID, ranges find occurrences moved in from far away, moderators named
// by account are found in the JSON list). The rules themselves are tested
// through Calendar in calendar-store.test.ts, on the same two databases.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Accounts } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import { CalendarStore, type EventFields, type StoredTimes } from '../src/suite/calendar/store.ts';
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-07T09:00Z');
const times = (startAt: number, endAt: number, over: Partial<StoredTimes> = {}): StoredTimes => ({
  timeZone: 'UTC',
  allDay: false,
  startLocal: new Date(startAt).toISOString().slice(0, 16),
  endLocal: new Date(endAt).toISOString().slice(0, 16),
  startAt,
  endAt,
  rrule: null,
  seriesEndAt: endAt,
  ...over,
});
const fields = (over: Partial<EventFields> = {}): EventFields => ({ title: 'T', description: '', location: '', attendees: [], roomId: null, moderatorIds: [], alarms: [], ...over });

for (const kind of DB_KINDS) {
  describe(`CalendarStore contract on ${kind}`, () => {
    let db: Db;
    let store: CalendarStore;
    let orgId: string;
    let ownerId: string;
    let otherId: string;
    let calendarId: string;

    beforeAll(async () => {
      db = await testDb(kind);
      store = new CalendarStore(db);
      const accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      const { orgs } = chatDomain(db);
      const signup = (name: string) => accounts.signup({ email: `${name}-${uniq()}@example.org`, username: `${name}${uniq()}`, name, password: 'correct horse battery' }, { address: 'test' });
      const owner = await signup('owner');
      const other = await signup('other');
      ownerId = owner.id;
      otherId = other.id;
      orgId = (await orgs.create(owner.id, 'Acme')).id;
      calendarId = `cal-${uniq()}`;
      await store.insertCalendar({ id: calendarId, orgId, ownerId, roomId: null, name: 'Mine', color: '#000000' });
    });
    afterAll(() => db.close());

    const newEvent = async (over: { fields?: Partial<EventFields>; times?: StoredTimes; meetingId?: string } = {}) => {
      const id = `ev-${uniq()}`;
      await store.insertEvent(
        { id, calendarId, uid: `${id}@test`, organizerId: ownerId, meetingId: over.meetingId ?? null, meetingUrl: over.meetingId ? `https://x/m/${over.meetingId}` : null },
        fields(over.fields),
        over.times ?? times(T0, T0 + HOUR),
      );
      return id;
    };

    test('roles, shares and the user calendar made once', async () => {
      assert.equal(await store.memberRole(orgId, ownerId), 'legal');
      assert.equal(await store.memberRole(orgId, otherId), undefined);
      const id = `cal-default-${uniq()}`;
      await Promise.all([store.ensureUserCalendar(id, orgId, ownerId), store.ensureUserCalendar(id, orgId, ownerId)]);
      assert.equal((await store.calendarsOf(orgId, ownerId, false)).filter((c) => c.id === id).length, 1);
      await store.setShare(calendarId, otherId, 'read');
      assert.equal((await store.calendar(calendarId, otherId))?.share, 'read');
      await store.setShare(calendarId, otherId, 'write');
      assert.equal((await store.calendar(calendarId, otherId))?.share, 'write');
      await store.setShare(calendarId, otherId, 'none');
      assert.equal((await store.calendar(calendarId, otherId))?.share, null);
      assert.equal((await store.calendar(calendarId, otherId))?.role, null, 'not a member');
    });

    test('a transaction that throws leaves nothing behind; inside one, tx runs in it', async () => {
      const id = `ev-${uniq()}`;
      await assert.rejects(
        store.tx(async (s) => {
          await s.insertEvent({ id, calendarId, uid: `${id}@t`, organizerId: ownerId, meetingId: null, meetingUrl: null }, fields(), times(T0, T0 + HOUR));
          await s.tx(async (inner) => assert.ok(await inner.event(id), 'the nested call sees the outer write'));
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await store.event(id), undefined);
    });

    test('exceptions are replaced whole; an occurrence change replaces the earlier one; an imported one keeps the first', async () => {
      const id = await newEvent({ times: times(T0, T0 + HOUR, { rrule: 'FREQ=DAILY;COUNT=5', seriesEndAt: T0 + 4 * 24 * HOUR + HOUR }) });
      const change = (title: string) => ({ title, description: null, location: null, start_local: '2026-12-08T10:00', end_local: '2026-12-08T11:00', start_at: T0 + 25 * HOUR, end_at: T0 + 26 * HOUR });
      await store.changeOccurrence(id, '2026-12-08T09:00', change('first'));
      await store.changeOccurrence(id, '2026-12-08T09:00', change('second'));
      await store.addImportedOverride(id, '2026-12-08T09:00', false, change('imported'));
      await store.cancelOccurrence(id, '2026-12-09T09:00');
      const before = (await store.overridesOf([id])).get(id)!;
      assert.deepEqual(before.map((o) => [o.recurrence_id, o.cancelled, o.title]).sort(), [['2026-12-08T09:00', false, 'second'], ['2026-12-09T09:00', true, null]]);
      await store.setExceptions(id, ['2026-12-10T09:30'], [{ ...before[0]!, recurrence_id: '2026-12-08T09:30' }]);
      assert.deepEqual((await store.event(id))!.exdates, ['2026-12-10T09:30']);
      assert.deepEqual([...(await store.overridesOf([id])).get(id)!.map((o) => o.recurrence_id)], ['2026-12-08T09:30']);
      await store.setExceptions(id, [], []);
      assert.equal((await store.overridesOf([id])).get(id), undefined);
    });

    test('an import replaces the event of its UID and drops its changed occurrences', async () => {
      const t = times(T0, T0 + HOUR);
      const uid = `uid-${uniq()}`;
      const first = await store.upsertByUid({ calendarId, uid, organizerId: ownerId, newId: `ev-${uniq()}`, url: null, exdates: [] }, { title: 'v1', description: '', location: '', attendees: [], alarms: [] }, t);
      await store.changeOccurrence(first, t.startLocal, { title: 'moved', description: null, location: null, start_local: null, end_local: null, start_at: null, end_at: null });
      const again = await store.upsertByUid({ calendarId, uid, organizerId: ownerId, newId: `ev-${uniq()}`, url: 'https://x', exdates: ['2026-12-07T09:00'] }, { title: 'v2', description: 'd', location: '', attendees: ['a@b.c'], alarms: [] }, t);
      assert.equal(again, first, 'the same event');
      const row = (await store.event(first))!;
      assert.deepEqual([row.title, row.meeting_url, row.exdates, row.attendees], ['v2', 'https://x', ['2026-12-07T09:00'], ['a@b.c']]);
      assert.equal((await store.overridesOf([first])).get(first), undefined);
    });

    test('a range finds series that span it and events with an occurrence moved into it from far away', async () => {
      const far = T0 + 300 * 24 * HOUR;
      const spanning = await newEvent({ times: times(T0 - 10 * 24 * HOUR, T0 - 10 * 24 * HOUR + HOUR, { rrule: 'FREQ=DAILY', seriesEndAt: null }) });
      const moved = await newEvent({ times: times(T0 - 50 * 24 * HOUR, T0 - 50 * 24 * HOUR + HOUR) });
      await store.changeOccurrence(moved, new Date(T0 - 50 * 24 * HOUR).toISOString().slice(0, 16), { title: null, description: null, location: null, start_local: null, end_local: null, start_at: far, end_at: far + HOUR });
      const ids = (await store.eventsInRange([calendarId], [], far, far + 2 * HOUR)).map((r) => r.id);
      assert.ok(ids.includes(spanning));
      assert.ok(ids.includes(moved));
      assert.equal((await store.eventsInRange([calendarId], [], far, far + 2 * HOUR)).every((r) => r.via_room === null), true);
    });

    test('rooms: counted, named uniquely, locked for the length of a transaction, deleted without their bookings', async () => {
      const roomId = `room-${uniq()}`;
      const room = { name: `Alps ${uniq()}`, address: '', floor: '', capacity: 6, equipment: ['screen'], allowOverlap: false, color: '#0d9488' };
      await store.insertRoom(roomId, orgId, room);
      await store.insertCalendar({ id: `cal-${uniq()}`, orgId, ownerId: null, roomId, name: room.name, color: '#0d9488' });
      assert.equal(await store.roomCount(orgId), 1);
      await assert.rejects(store.insertRoom(`room-${uniq()}`, orgId, room), (e: unknown) => (e as { code?: string }).code === '23505');
      assert.equal((await store.room(roomId))?.equipment[0], 'screen');
      // Two transactions locking the room: the second waits for the first to end.
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = store.tx(async (s) => {
        await s.lockRoom(roomId);
        order.push('first locked');
        await held;
        order.push('first done');
      });
      await new Promise((r) => setTimeout(r, 50));
      const second = store.tx(async (s) => {
        await s.lockRoom(roomId);
        order.push('second locked');
      });
      await new Promise((r) => setTimeout(r, 100));
      release();
      await Promise.all([first, second]);
      assert.deepEqual(order, ['first locked', 'first done', 'second locked']);
      const booking = await newEvent({ fields: { roomId } });
      assert.deepEqual((await store.bookingsInRange([roomId], T0, T0 + HOUR)).map((r) => r.id), [booking]);
      await store.updateRoom(roomId, { ...room, name: `${room.name} renamed` });
      assert.equal((await store.roomsOf(orgId)).find((r) => r.id === roomId)?.name, `${room.name} renamed`);
      await store.deleteRoom(roomId);
      assert.equal((await store.event(booking))?.room_id, null, 'the booking stays, without a room');
    });

    test('meetings made by events: found by id; moderators by account are the organizer and those named', async () => {
      const meetingId = `m-${uniq()}`;
      await newEvent({ meetingId, fields: { title: 'Weekly', moderatorIds: [otherId] } });
      assert.deepEqual(await store.eventByMeeting(meetingId), { title: 'Weekly', organizerId: ownerId, orgId }, 'with the organization its plan decides by');
      assert.equal(await store.moderatesMeeting(meetingId, ownerId), true);
      assert.equal(await store.moderatesMeeting(meetingId, otherId), true);
      assert.equal(await store.moderatesMeeting(meetingId, 'someone-else'), false);
      assert.equal(await store.eventByMeeting('no-such-meeting'), undefined);
    });
  });
}
