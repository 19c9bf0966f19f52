// Invitations to events on PGlite and on a real PostgreSQL server: each
// attendee (not the organizer) is mailed the event as an iCalendar request
// with an answer link; answers come by the link or by a reply file the
// organizer imports; a change of time, title or place is mailed again with a
// new link (the old one stops working); the token is stored hashed.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import { Calendar } from '../src/suite/calendar/Calendar.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import { parseIcs } from '../src/suite/calendar/ics.ts';
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

for (const kind of DB_KINDS) {
  describe(`event invitations on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let orgs: Orgs;
    let cal: Calendar;

    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      ({ orgs } = chatDomain(db));
      cal = new Calendar(new CalendarStore(db), { rsvpLink: (token) => `https://parley.test/calendar/rsvp/${token}` });
    });
    afterAll(() => db.close());

    const user = (name: string): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `${name.toLowerCase()}-${id}@example.org`, username: `${name}${id}`, name, password: 'correct horse battery' }, { address: 'test' });
    };
    /** The invitations to events mailed to `to` (not the organization's invitation). */
    const mails = (to: string) =>
      db.query<{ subject: string; body_text: string; ics: string | null }>('select subject, body_text, ics from mail_outbox where to_address = $1 and ics is not null order by created_at, id', [to]);
    const tokenIn = (text: string) => /https:\/\/parley\.test\/calendar\/rsvp\/([A-Za-z0-9_-]+)/.exec(text)?.[1];
    const setup = async () => {
      const olga = await user('Olga');
      const org = await orgs.create(olga.id, 'Acme');
      const max = await user('Max');
      await orgs.accept(max.id, (await orgs.invite(olga.id, org.id, { role: 'collaborator', email: max.email })).token);
      const calendarId = (await cal.calendars(olga.id, org.id)).find((c) => c.access === 'owner')!.id;
      const outside = `partner-${uniq()}@elsewhere.example`;
      return { olga, max, orgId: org.id, calendarId, outside };
    };

    test('attendees are mailed an iCalendar request and a link; answers by link show on the event; the organizer is not mailed', async () => {
      const { olga, max, calendarId, outside } = await setup();
      const event = await cal.createEvent(olga.id, { calendarId, title: 'Kick-off', timeZone: 'Europe/Zurich', start: '2027-06-01T10:00', end: '2027-06-01T11:00', location: 'Room 4', attendees: [max.email.toUpperCase(), outside, olga.email] });
      assert.equal((await mails(olga.email)).length, 0);
      const [toMax] = await mails(max.email);
      assert.match(toMax!.subject, /^Invitation: Kick-off · Tuesday, June 1, 2027 at 10:00\sAM – 11:00\sAM \(Europe\/Zurich\)$/);
      assert.match(toMax!.body_text, /Olga invites you to “Kick-off”/);
      assert.match(toMax!.body_text, /Where: Room 4/);
      assert.match(toMax!.ics!, /^METHOD:REQUEST\r$/m);
      assert.match(toMax!.ics!, /^ORGANIZER;CN="Olga":mailto:olga-/m);
      assert.match(toMax!.ics!, new RegExp(`^ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${max.email}\r$`, 'm'));
      assert.match(toMax!.ics!, new RegExp(`^UID:${event.uid}\r$`, 'm'));
      const [parsed] = await parseIcs(toMax!.ics!, 'UTC');
      assert.equal(parsed!.title, 'Kick-off');
      assert.equal(parsed!.timeZone, 'Europe/Zurich');
      // The link answers for Max; its token is kept hashed only.
      const token = tokenIn(toMax!.body_text)!;
      assert.equal((await db.query('select 1 from event_invitations where token_hash = $1', [token])).length, 0);
      const peek = await cal.invitations.peek(token);
      assert.deepEqual([peek.title, peek.organizer, peek.email, peek.status, peek.start], ['Kick-off', 'Olga', max.email, 'needs-action', '2027-06-01T10:00:00']);
      assert.equal(await cal.invitations.answer(token, 'accepted'), 'accepted');
      const outsideToken = tokenIn((await mails(outside))[0]!.body_text)!;
      await cal.invitations.answer(outsideToken, 'tentative');
      const seen = await cal.event(olga.id, event.id);
      assert.deepEqual(seen.attendeeStatus, { [max.email]: 'accepted', [outside]: 'tentative' });
      // Bad tokens answer nothing.
      for (const bad of ['x'.repeat(32), `${token}x`]) await assert.rejects(cal.invitations.answer(bad, 'declined'), code('EVENT_NOT_FOUND'));
    });

    test('a new time is mailed again with a new link (the old one stops working); a new description is not; a removed attendee’s link dies with the invitation', async () => {
      const { olga, max, calendarId, outside } = await setup();
      const event = await cal.createEvent(olga.id, { calendarId, title: 'Review', timeZone: 'UTC', start: '2027-06-02T10:00', end: '2027-06-02T11:00', attendees: [max.email, outside] });
      const first = tokenIn((await mails(max.email))[0]!.body_text)!;
      // As the editor saves: every field sent, only the description changed.
      await cal.updateEvent(olga.id, event.id, { title: 'Review', timeZone: 'UTC', start: '2027-06-02T10:00', end: '2027-06-02T11:00', location: '', description: 'agenda attached', attendees: [max.email, outside] });
      assert.equal((await mails(max.email)).length, 1, 'a description alone is not mailed');
      assert.equal((await cal.invitations.peek(first)).status, 'needs-action', 'the first link still works');
      await cal.updateEvent(olga.id, event.id, { start: '2027-06-02T14:00', end: '2027-06-02T15:00' });
      const again = await mails(max.email);
      assert.equal(again.length, 2);
      assert.match(again[1]!.ics!, /^DTSTART:20270602T140000Z\r$/m);
      const seq = (ics: string) => Number(/^SEQUENCE:(\d+)\r$/m.exec(ics)![1]);
      assert.ok(seq(again[1]!.ics!) >= seq(again[0]!.ics!), 'a later mailing does not rank below the earlier');
      const second = tokenIn(again[1]!.body_text)!;
      await assert.rejects(cal.invitations.peek(first), code('EVENT_NOT_FOUND'));
      assert.equal((await cal.invitations.peek(second)).status, 'needs-action');
      await cal.updateEvent(olga.id, event.id, { attendees: [outside] });
      await assert.rejects(cal.invitations.peek(second), code('EVENT_NOT_FOUND'));
      assert.deepEqual((await cal.event(olga.id, event.id)).attendeeStatus, { [outside]: 'needs-action' });
      // Max, taken off, is told it is off for him: a cancellation his mail program applies (same UID, STATUS:CANCELLED).
      const off = (await mails(max.email)).at(-1)!;
      assert.match(off.subject, /^Cancelled: Review · /);
      assert.match(off.body_text, /Olga cancelled “Review”/);
      assert.doesNotMatch(off.body_text, /https:\/\/parley\.test\/calendar\/rsvp\//, 'no answer link in a cancellation');
      assert.match(off.ics!, /^METHOD:CANCEL\r$/m);
      assert.match(off.ics!, /^STATUS:CANCELLED\r$/m);
      assert.match(off.ics!, new RegExp(`^UID:${event.uid}\r$`, 'm'));
      assert.match(off.ics!, new RegExp(`^ATTENDEE:mailto:${max.email}\r$`, 'm'));
      assert.ok(seq(off.ics!) >= seq(again[1]!.ics!), 'the cancellation ranks above the invitation it cancels');
      assert.equal((await mails(outside)).filter((m) => /^METHOD:CANCEL/m.test(m.ics!)).length, 0, 'those still invited are not told anything');
      // A deleted event's links answer nothing, and everyone invited is told it is cancelled.
      const outsideToken = tokenIn((await mails(outside)).at(-1)!.body_text)!;
      await cal.invitations.answer(outsideToken, 'accepted');
      const before = (await mails(outside)).length;
      await cal.deleteEvent(olga.id, event.id);
      await assert.rejects(cal.invitations.peek(outsideToken), code('EVENT_NOT_FOUND'));
      const cancelled = await mails(outside);
      assert.equal(cancelled.length, before + 1);
      assert.match(cancelled.at(-1)!.ics!, /^METHOD:CANCEL\r$/m);
      assert.equal((await mails(max.email)).length, 3, 'Max, no longer invited, hears nothing more');
      // Restored from the trash: its invitations and answers come back, and those told it was cancelled are invited again, with a new link.
      await cal.trash.restore(olga.id, event.id);
      const reinvited = (await mails(outside)).at(-1)!;
      assert.match(reinvited.ics!, /^METHOD:REQUEST\r$/m);
      const newToken = tokenIn(reinvited.body_text)!;
      await assert.rejects(cal.invitations.peek(outsideToken), code('EVENT_NOT_FOUND'));
      assert.equal((await cal.invitations.peek(newToken)).status, 'accepted');
      assert.deepEqual((await cal.event(olga.id, event.id)).attendeeStatus, { [outside]: 'accepted' });
    });

    test('an event already over is deleted without cancellations; a series is cancelled whatever its first date', async () => {
      const { olga, calendarId, outside } = await setup();
      const past = await cal.createEvent(olga.id, { calendarId, title: 'Last year', timeZone: 'UTC', start: '2020-03-02T10:00', end: '2020-03-02T11:00', attendees: [outside] });
      const series = await cal.createEvent(olga.id, { calendarId, title: 'Weekly', timeZone: 'UTC', start: '2020-03-03T10:00', end: '2020-03-03T11:00', rrule: 'FREQ=WEEKLY', attendees: [outside] });
      const cancels = async () => (await mails(outside)).filter((m) => /^METHOD:CANCEL\r$/m.test(m.ics!)).map((m) => m.subject);
      await cal.deleteEvent(olga.id, past.id);
      assert.deepEqual(await cancels(), []);
      await cal.deleteEvent(olga.id, series.id);
      const [subject, ...more] = await cancels();
      assert.match(subject!, /^Cancelled: Weekly · /);
      assert.equal(more.length, 0);
    });

    test('deleting a whole calendar cancels its events for everyone invited to them', async () => {
      const { olga, orgId, outside } = await setup();
      const extra = await cal.createCalendar(olga.id, { orgId, name: 'Projects' });
      await cal.createEvent(olga.id, { calendarId: extra.id, title: 'Launch', timeZone: 'UTC', start: '2027-07-01T10:00', end: '2027-07-01T11:00', attendees: [outside] });
      await cal.createEvent(olga.id, { calendarId: extra.id, title: 'Quiet', timeZone: 'UTC', start: '2027-07-02T10:00', end: '2027-07-02T11:00' });
      await cal.deleteCalendar(olga.id, extra.id);
      const cancels = (await mails(outside)).filter((m) => /^METHOD:CANCEL\r$/m.test(m.ics!)).map((m) => m.subject);
      assert.equal(cancels.length, 1);
      assert.match(cancels[0]!, /^Cancelled: Launch · /);
    });

    test('a reply file the organizer imports takes the answers of invited addresses only; other files and readers are refused', async () => {
      const { olga, max, orgId, calendarId, outside } = await setup();
      const event = await cal.createEvent(olga.id, { calendarId, title: 'Budget', timeZone: 'UTC', start: '2027-06-03T10:00', end: '2027-06-03T11:00', attendees: [outside] });
      const reply = (who: string, partstat: string, method = 'METHOD:REPLY') =>
        ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Thunderbird//EN', method, 'BEGIN:VEVENT', `UID:${event.uid}`, 'DTSTAMP:20270101T000000Z', 'DTSTART:20270603T100000Z', 'DTEND:20270603T110000Z', 'SUMMARY:Budget', `ATTENDEE;PARTSTAT=${partstat};CN=Partner:mailto:${who.toUpperCase()}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      assert.deepEqual(await cal.importReply(olga.id, calendarId, reply(outside, 'DECLINED')), { answered: 1, ignored: 0 });
      assert.deepEqual((await cal.event(olga.id, event.id)).attendeeStatus, { [outside]: 'declined' });
      assert.deepEqual(await cal.importReply(olga.id, calendarId, reply('stranger@elsewhere.example', 'ACCEPTED')), { answered: 0, ignored: 1 });
      assert.deepEqual(await cal.importReply(olga.id, calendarId, reply(outside, 'BOGUS')), { answered: 0, ignored: 1 });
      await assert.rejects(cal.importReply(olga.id, calendarId, reply(outside, 'ACCEPTED', 'METHOD:REQUEST')), code('INVALID_ICS'));
      await assert.rejects(cal.importReply(olga.id, calendarId, 'BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n'), code('INVALID_ICS'));
      await cal.share(olga.id, calendarId, max.id, 'read');
      await assert.rejects(cal.importReply(max.id, calendarId, reply(outside, 'ACCEPTED')), code('FORBIDDEN'));
      assert.deepEqual((await cal.event(olga.id, event.id)).attendeeStatus, { [outside]: 'declined' });
      void orgId;
    });

    test('invitation mail is bounded: refused, the save is undone and nothing is mailed', async () => {
      const { olga, orgId, calendarId, outside } = await setup();
      let left = 2;
      const bounded = new Calendar(new CalendarStore(db), { mayMail: async (_user, count) => (left -= count) >= 0 });
      const base = { calendarId, timeZone: 'UTC', start: '2027-06-04T10:00', end: '2027-06-04T11:00' };
      await bounded.createEvent(olga.id, { ...base, title: 'Two', attendees: [outside, `b-${outside}`] });
      await assert.rejects(bounded.createEvent(olga.id, { ...base, title: 'Too many', attendees: [`c-${outside}`] }), code('RATE_LIMITED'));
      const titles = (await bounded.occurrences(olga.id, orgId, Date.parse('2027-06-04T00:00Z'), Date.parse('2027-06-05T00:00Z'))).map((o) => o.title);
      assert.deepEqual(titles, ['Two']);
      assert.equal((await mails(`c-${outside}`)).length, 0);
    });
  });
}
