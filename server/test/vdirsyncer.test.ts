// Debian's vdirsyncer, a real two-way CardDAV and CalDAV sync tool no one
// here wrote, syncs folders of .vcf and .ics files with Parley: it finds the
// address book and the calendar from the server's name alone, then items
// made, edited and deleted on either side reach the other, and one edited on
// both sides is settled by its ETag as vdirsyncer is told ("a wins": the
// device's copy). Recurring events keep their exceptions and time zones.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AddressBookView, AuthReply, CalendarView, ContactView, EventView, NewAppPasswordReply, OccurrenceView } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { authed, signup, startChatServer } from './chat-helpers.ts';

const run = promisify(execFile);

describe('vdirsyncer syncs folders of vCards and events with Parley, both ways', () => {
  let parley: Parley;
  let me: AuthReply;
  let dir: string;
  let book: AddressBookView;
  let local: string;
  let cal: CalendarView;
  let localCal: string;
  let orgId: string;

  beforeAll(async () => {
    parley = await startChatServer();
    me = await signup(parley.url, 'Vera', { orgName: 'Vera & Co' });
    orgId = me.orgs[0]!.id;
    cal = (await authed<{ calendars: CalendarView[] }>(parley.url, me.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;
    const made = await authed<NewAppPasswordReply>(parley.url, me.token, 'POST', '/api/me/app-passwords', { name: 'vdirsyncer', password: 'correct horse battery' });
    book = (await authed<{ books: AddressBookView[] }>(parley.url, me.token, 'GET', '/api/contacts/books')).body.books[0]!;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-vdirsyncer-'));
    local = path.join(dir, 'contacts', book.id);
    // The device's side of the book, as a phone has its own (else discover asks on the terminal whether to make it).
    fs.mkdirSync(local, { recursive: true });
    localCal = path.join(dir, 'calendars', cal.id);
    fs.mkdirSync(localCal, { recursive: true });
    const quote = (s: string) => JSON.stringify(s);
    fs.writeFileSync(
      path.join(dir, 'config'),
      [
        '[general]',
        `status_path = ${quote(path.join(dir, 'status'))}`,
        '[pair contacts]',
        'a = "phone"',
        'b = "parley"',
        'collections = ["from b"]',
        'conflict_resolution = "a wins"',
        '[storage phone]',
        'type = "filesystem"',
        `path = ${quote(path.join(dir, 'contacts'))}`,
        'fileext = ".vcf"',
        '[storage parley]',
        'type = "carddav"',
        // The server's address alone: vdirsyncer finds the rest (/.well-known/carddav, the principal, its home).
        `url = ${quote(parley.url)}`,
        `username = ${quote(me.user.username)}`,
        `password = ${quote(made.body.secret)}`,
        '[pair calendar]',
        'a = "phone_calendar"',
        'b = "parley_calendar"',
        'collections = ["from b"]',
        'conflict_resolution = "a wins"',
        '[storage phone_calendar]',
        'type = "filesystem"',
        `path = ${quote(path.join(dir, 'calendars'))}`,
        'fileext = ".ics"',
        '[storage parley_calendar]',
        'type = "caldav"',
        `url = ${quote(parley.url)}`,
        `username = ${quote(me.user.username)}`,
        `password = ${quote(made.body.secret)}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await parley?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const vdirsyncer = async (...args: string[]) => {
    try {
      return await run('vdirsyncer', ['-c', path.join(dir, 'config'), ...args], { env: { ...process.env, HOME: dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 60_000 });
    } catch (e) {
      const err = e as Error & { stdout?: string; stderr?: string };
      throw new Error(`vdirsyncer ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    }
  };
  const files = () => (fs.existsSync(local) ? fs.readdirSync(local).filter((f) => f.endsWith('.vcf')) : []);
  const fileWith = (text: string) => files().find((f) => fs.readFileSync(path.join(local, f), 'utf8').includes(text));
  const inParley = async () => (await authed<{ contacts: ContactView[] }>(parley.url, me.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts;
  const card = (uid: string, fn: string, extra = '') => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn.split(' ').reverse().join(';')};;;\r\n${extra}END:VCARD\r\n`;

  test('made, edited and deleted on either side, seen on the other; a card edited on both sides settled by ETag', { timeout: 180_000 }, async () => {
    // Parley first: a card made in the web client.
    const web = (await authed<{ contact: ContactView }>(parley.url, me.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Walter', familyName: 'Web', phones: [{ value: '+41 44 123 45 67', type: 'work' }] }))
      .body.contact;
    await vdirsyncer('discover', 'contacts');
    await vdirsyncer('sync', 'contacts');
    const webFile = fileWith('FN:Walter Web');
    assert.ok(webFile, `the web's card is a file on the device: ${files().join(', ')}`);
    assert.match(fs.readFileSync(path.join(local, webFile), 'utf8'), /TEL;TYPE=work,voice:\+41 44 123 45 67/);

    // The device makes one, with a photo: Parley shows it, and keeps the photo.
    fs.writeFileSync(path.join(local, 'dana.vcf'), card('dana-1', 'Dana Device', 'EMAIL;TYPE=HOME:dana@example.org\r\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\n'));
    await vdirsyncer('sync', 'contacts');
    let cards = await inParley();
    const dana = cards.find((c) => c.uid === 'dana-1');
    assert.deepEqual([dana?.displayName, dana?.emails], ['Dana Device', [{ value: 'dana@example.org', type: 'home' }]]);

    // Edited on the device, then in Parley: each reaches the other side.
    fs.writeFileSync(path.join(local, 'dana.vcf'), card('dana-1', 'Dana Edited', 'EMAIL;TYPE=HOME:dana@example.org\r\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\n'));
    await vdirsyncer('sync', 'contacts');
    assert.equal((await inParley()).find((c) => c.uid === 'dana-1')?.displayName, 'Dana Edited');
    await authed(parley.url, me.token, 'PUT', `/api/contacts/${web.id}`, { givenName: 'Walter', familyName: 'Webber' });
    await vdirsyncer('sync', 'contacts');
    assert.ok(fileWith('FN:Walter Webber'), 'Parley’s edit reached the device');
    assert.ok(fs.readFileSync(path.join(local, 'dana.vcf'), 'utf8').includes('PHOTO'), 'the photo came back');

    // Both sides edit Dana between two syncs: vdirsyncer sees both ETags changed and, told "a wins", writes the device's copy over Parley's with If-Match.
    const danaId = (await inParley()).find((c) => c.uid === 'dana-1')!.id;
    await authed(parley.url, me.token, 'PUT', `/api/contacts/${danaId}`, { givenName: 'Dana', familyName: 'Parley-side' });
    fs.writeFileSync(path.join(local, 'dana.vcf'), card('dana-1', 'Dana Phone-side', 'EMAIL;TYPE=HOME:dana@example.org\r\n'));
    const settled = await vdirsyncer('sync', 'contacts');
    assert.match(settled.stdout + settled.stderr, /Doing conflict resolution for item dana-1/);
    assert.equal((await inParley()).find((c) => c.uid === 'dana-1')?.displayName, 'Dana Phone-side');
    assert.ok(fileWith('FN:Dana Phone-side'));

    // Deleted in Parley: gone from the device. Deleted on the device: in Parley's trash. (A third card stays:
    // vdirsyncer refuses, as a safety, a sync that would empty one side.)
    fs.writeFileSync(path.join(local, 'kim.vcf'), card('kim-1', 'Kim Keeps'));
    await authed(parley.url, me.token, 'DELETE', `/api/contacts/${web.id}`);
    await vdirsyncer('sync', 'contacts');
    assert.equal(fileWith('Walter'), undefined, 'Parley’s deletion reached the device');
    fs.rmSync(path.join(local, 'dana.vcf'));
    await vdirsyncer('sync', 'contacts');
    cards = await inParley();
    assert.deepEqual(cards.map((c) => c.displayName), ['Kim Keeps']);
    const trash = (await authed<{ contacts: ContactView[] }>(parley.url, me.token, 'GET', `/api/contacts/books/${book.id}/trash`)).body.contacts;
    assert.deepEqual(trash.map((c) => c.displayName).sort(), ['Dana Phone-side', 'Walter Webber']);
    // A last sync with nothing new changes nothing on either side.
    await vdirsyncer('sync', 'contacts');
    assert.deepEqual(files(), ['kim.vcf']);
    assert.deepEqual((await inParley()).map((c) => c.displayName), ['Kim Keeps']);
  });

  const calFiles = () => fs.readdirSync(localCal).filter((f) => f.endsWith('.ics'));
  const calFileWith = (text: string) => calFiles().find((f) => fs.readFileSync(path.join(localCal, f), 'utf8').includes(text));
  const occurrences = async () =>
    (await authed<{ occurrences: OccurrenceView[] }>(parley.url, me.token, 'GET', `/api/orgs/${orgId}/occurrences?from=${Date.UTC(2026, 11, 1)}&to=${Date.UTC(2027, 2, 1)}`)).body.occurrences;
  const zurich = ['BEGIN:VTIMEZONE', 'TZID:Europe/Zurich', 'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'END:VTIMEZONE'];
  /** A device's weekly yoga class: the 2nd cancelled, the 3rd an hour later. */
  const yoga = (summary: string) =>
    [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//phone//EN', ...zurich,
      'BEGIN:VEVENT', 'UID:yoga-1@phone', 'DTSTAMP:20261201T000000Z', 'DTSTART;TZID=Europe/Zurich:20261208T180000', 'DTEND;TZID=Europe/Zurich:20261208T190000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/Zurich:20261215T180000', `SUMMARY:${summary}`, 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:yoga-1@phone', 'DTSTAMP:20261201T000000Z', 'RECURRENCE-ID;TZID=Europe/Zurich:20261222T180000', 'DTSTART;TZID=Europe/Zurich:20261222T190000', 'DTEND;TZID=Europe/Zurich:20261222T200000', `SUMMARY:${summary} (late)`, 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');

  test('a calendar both ways: recurring events keep their cancelled and moved occurrences and their time zone', { timeout: 180_000 }, async () => {
    // Parley first: a weekly review, its 2nd occurrence moved from the web.
    const review = (await authed<{ event: EventView }>(parley.url, me.token, 'POST', '/api/events', { calendarId: cal.id, title: 'Review', timeZone: 'Europe/Zurich', start: '2027-01-11T14:00', end: '2027-01-11T15:00', rrule: 'FREQ=WEEKLY;COUNT=3' })).body.event;
    await authed(parley.url, me.token, 'PUT', `/api/events/${review.id}/occurrences`, { recurrenceId: '2027-01-18T14:00', start: '2027-01-19T09:00', end: '2027-01-19T10:00' });
    await vdirsyncer('discover', 'calendar');
    await vdirsyncer('sync', 'calendar');
    const reviewFile = calFileWith('SUMMARY:Review');
    assert.ok(reviewFile, `Parley's event is a file on the device: ${calFiles().join(', ')}`);
    const reviewText = fs.readFileSync(path.join(localCal, reviewFile), 'utf8');
    for (const line of ['RRULE:FREQ=WEEKLY;COUNT=3', 'RECURRENCE-ID;TZID=Europe/Zurich:20270118T140000', 'DTSTART;TZID=Europe/Zurich:20270119T090000', 'BEGIN:VTIMEZONE']) assert.ok(reviewText.includes(line), `${line} in\n${reviewText}`);

    // The device's series reaches Parley whole.
    fs.writeFileSync(path.join(localCal, 'yoga.ics'), yoga('Yoga'));
    await vdirsyncer('sync', 'calendar');
    const yogaIn = async () => (await occurrences()).filter((o) => o.title.startsWith('Yoga')).map((o) => [o.start, o.title]);
    assert.deepEqual(await yogaIn(), [
      ['2026-12-08T18:00:00', 'Yoga'],
      ['2026-12-22T19:00:00', 'Yoga (late)'],
      ['2026-12-29T18:00:00', 'Yoga'],
    ]);
    // Renamed on the device: the series and its moved occurrence, in Parley.
    fs.writeFileSync(path.join(localCal, 'yoga.ics'), yoga('Hatha yoga'));
    await vdirsyncer('sync', 'calendar');
    assert.deepEqual((await yogaIn()).length, 0);
    assert.deepEqual((await occurrences()).filter((o) => o.title.startsWith('Hatha')).map((o) => o.title), ['Hatha yoga', 'Hatha yoga (late)', 'Hatha yoga']);
    // Renamed in Parley: on the device.
    await authed(parley.url, me.token, 'PATCH', `/api/events/${review.id}`, { title: 'Weekly review' });
    await vdirsyncer('sync', 'calendar');
    assert.ok(calFileWith('SUMMARY:Weekly review'), 'Parley’s rename reached the device');

    // Both sides change the yoga class: "a wins", by ETag.
    const yogaId = (await occurrences()).find((o) => o.title === 'Hatha yoga')!.eventId;
    await authed(parley.url, me.token, 'PATCH', `/api/events/${yogaId}`, { title: 'Parley-side yoga' });
    fs.writeFileSync(path.join(localCal, 'yoga.ics'), yoga('Phone-side yoga'));
    const settled = await vdirsyncer('sync', 'calendar');
    assert.match(settled.stdout + settled.stderr, /Doing conflict resolution for item yoga-1@phone/);
    assert.equal((await occurrences()).filter((o) => o.title === 'Phone-side yoga').length, 2);

    // Deleted on either side, gone from the other (the review goes to Parley's trash).
    await authed(parley.url, me.token, 'DELETE', `/api/events/${yogaId}`);
    await vdirsyncer('sync', 'calendar');
    assert.equal(calFileWith('yoga'), undefined);
    fs.writeFileSync(path.join(localCal, 'keep.ics'), ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//phone//EN', 'BEGIN:VEVENT', 'UID:keep-1@phone', 'DTSTAMP:20261201T000000Z', 'DTSTART:20270301T100000Z', 'DTEND:20270301T110000Z', 'SUMMARY:Keep', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    fs.rmSync(path.join(localCal, reviewFile));
    await vdirsyncer('sync', 'calendar');
    const trash = (await authed<{ events: { title: string }[] }>(parley.url, me.token, 'GET', `/api/orgs/${orgId}/calendar-trash`)).body.events;
    assert.deepEqual(trash.map((e) => e.title).sort(), ['Phone-side yoga', 'Weekly review']);
    await vdirsyncer('sync', 'calendar');
    assert.deepEqual(calFiles(), ['keep.ics']);
  });
});
