// CalDAV's sync rules on PGlite and PostgreSQL (the same tests on both): the
// triggers of migration 018 number every change of a calendar's events,
// whichever path makes it (an edit, a moved occurrence, the trash and back),
// deletions leave a tombstone, a tombstone that has left (after 90 days)
// makes older tokens invalid, and an event back from the trash whose device
// name was taken meanwhile gets its own. A device's copy of an event with a
// room books the room again at its new times, or is refused.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import { Calendar } from '../src/suite/calendar/Calendar.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import { CalendarSync } from '../src/suite/calendar/sync.ts';
import type { Orgs } from '../src/org/Orgs.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';

const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
/** One event of an hour from `start` (UTC, as iCalendar writes it). */
const ics = (uid: string, summary: string, start = '20270104T090000Z', extra: string[] = []) => {
  const end = start.replace(/T(\d\d)/, (_m, h: string) => `T${String(Number(h) + 1).padStart(2, '0')}`);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${summary}`, ...extra, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
};

for (const kind of DB_KINDS) {
  describe(`CalDAV sync rules on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let orgs: Orgs;
    let calendar: Calendar;
    let sync: CalendarSync;
    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      ({ orgs } = chatDomain(db));
      const store = new CalendarStore(db);
      calendar = new Calendar(store);
      sync = new CalendarSync(store, calendar);
    });
    afterAll(() => db.close());
    const owner = async (): Promise<{ me: UserRow; orgId: string; calId: string }> => {
      const id = uniq();
      const me = await accounts.signup({ email: `s-${id}@example.org`, username: `s${id}`, name: `S ${id}`, password: 'correct horse battery' }, { address: 'test' });
      const org = await orgs.create(me.id, 'Acme');
      const [cal] = (await sync.calendars(me.id)).filter((c) => c.writable);
      return { me, orgId: org.id, calId: cal!.id };
    };

    test('edits, moved occurrences, deletions and restores are each numbered; a sync tells exactly what changed since', async () => {
      const { me, orgId, calId } = await owner();
      const made = await calendar.createEvent(me.id, { calendarId: calId, title: 'Weekly', timeZone: 'Europe/Zurich', start: '2027-01-04T09:00', end: '2027-01-04T10:00', rrule: 'FREQ=WEEKLY;COUNT=4' });
      await sync.put(me.id, calId, 'device.ics', ics('device-1', 'From the phone'));
      const first = await sync.changes(me.id, calId);
      assert.deepEqual(first.changed.map((e) => e.href).sort(), [`${made.id}.ics`, 'device.ics'].sort());
      assert.deepEqual(await sync.changes(me.id, calId, first.lastSeq).then((c) => [c.changed.length, c.deleted.length]), [0, 0]);
      // A moved occurrence changes its event (the overrides' trigger).
      await calendar.setOccurrence(me.id, made.id, { recurrenceId: '2027-01-11T09:00', start: '2027-01-11T11:00', end: '2027-01-11T12:00' });
      const moved = await sync.changes(me.id, calId, first.lastSeq);
      assert.deepEqual(moved.changed.map((e) => e.href), [`${made.id}.ics`]);
      assert.match(moved.changed[0]!.ics(), /RECURRENCE-ID;TZID=Europe\/Zurich:20270111T090000/);
      // Deleted here: a tombstone; back from the trash: changed again, under its name.
      await calendar.deleteEvent(me.id, made.id);
      const gone = await sync.changes(me.id, calId, moved.lastSeq);
      assert.deepEqual([gone.changed, gone.deleted], [[], [`${made.id}.ics`]]);
      await calendar.trash.restore(me.id, made.id);
      const back = await sync.changes(me.id, calId, gone.lastSeq);
      assert.deepEqual([back.changed.map((e) => e.href), back.deleted], [[`${made.id}.ics`], []]);
      // Each ETag is the number of the event's last change.
      const etags = new Map((await sync.list(me.id, calId)).map((e) => [e.href, e.etag]));
      assert.ok(Number(etags.get(`${made.id}.ics`)) > Number(etags.get('device.ics')));
    });

    test('an event back from the trash whose device name was taken meanwhile gets its own name, not an error', async () => {
      const { me, orgId, calId } = await owner();
      await sync.put(me.id, calId, 'same.ics', ics('first-uid', 'First'));
      const [first] = (await calendar.occurrences(me.id, orgId, Date.UTC(2027, 0, 1), Date.UTC(2027, 0, 10))).filter((o) => o.title === 'First');
      await sync.remove(me.id, calId, 'same.ics');
      await sync.put(me.id, calId, 'same.ics', ics('second-uid', 'Second'));
      await calendar.trash.restore(me.id, first!.eventId);
      const hrefs = (await sync.list(me.id, calId)).map((e) => e.href).sort();
      assert.deepEqual(hrefs, [`${first!.eventId}.ics`, 'same.ics'].sort());
    });

    test('tombstones older than 90 days leave, and a token from before them is refused: the device syncs from scratch', async () => {
      const { me, calId } = await owner();
      await sync.put(me.id, calId, 'a.ics', ics('a', 'A'));
      await sync.put(me.id, calId, 'b.ics', ics('b', 'B'));
      const seen = (await sync.changes(me.id, calId)).lastSeq;
      await sync.remove(me.id, calId, 'a.ics');
      assert.deepEqual((await sync.changes(me.id, calId, seen)).deleted, ['a.ics']);
      // A's tombstone is 91 days old when B is deleted: it leaves, and `seen` can no longer be answered truly.
      await db.query('update event_tombstones set deleted_at = deleted_at - $2 where calendar_id = $1', [calId, 91 * 86_400_000]);
      await sync.remove(me.id, calId, 'b.ics');
      await assert.rejects(sync.changes(me.id, calId, seen), code('INVALID_SYNC_TOKEN'));
      const fresh = await sync.changes(me.id, calId);
      assert.deepEqual([fresh.changed, fresh.deleted], [[], []]);
      assert.deepEqual((await sync.changes(me.id, calId, fresh.lastSeq)).deleted, []);
    });

    test('a device moving an event with a room books the room at the new time, or is refused and nothing changes', async () => {
      const { me, orgId, calId } = await owner();
      const room = await calendar.rooms.create(me.id, orgId, { name: 'Aula', capacity: 10 });
      const booked = await calendar.createEvent(me.id, { calendarId: calId, title: 'Board', timeZone: 'UTC', start: '2027-02-01T10:00', end: '2027-02-01T11:00', roomId: room.id });
      await calendar.createEvent(me.id, { calendarId: calId, title: 'Other', timeZone: 'UTC', start: '2027-02-01T14:00', end: '2027-02-01T15:00', roomId: room.id });
      const href = `${booked.id}.ics`;
      const before = (await sync.get(me.id, calId, [href]))[0]!;
      const uid = /UID:(.*)\r\n/.exec(before.ics())![1]!;
      await assert.rejects(sync.put(me.id, calId, href, ics(uid, 'Board', '20270201T140000Z')), code('ROOM_BUSY'));
      assert.equal((await sync.get(me.id, calId, [href]))[0]!.etag, before.etag, 'nothing changed');
      await sync.put(me.id, calId, href, ics(uid, 'Board', '20270201T120000Z'));
      const after = await calendar.event(me.id, booked.id);
      assert.deepEqual([after.start, after.roomId], ['2027-02-01T12:00:00', room.id]);
    });
  });
}
