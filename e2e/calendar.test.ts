// The calendar in real Chromium pages (in Zurich time): an administrator adds
// a meeting room (the free plan's only one), creates an event with a meeting
// link and that room, shares the calendar, and asks for a daily agenda. The
// agenda clock's tick is given its time (not waited for); Euria's message
// arrives in chat, its link opens the meeting as its moderator, a colleague
// joins from the shared calendar, and both pages decode each other's video.
// Then, in the month view, a weekly series: one occurrence cancelled, the
// series renamed and moved (the cancelled one stays cancelled), another
// occurrence moved and renamed alone, and an Outlook .ics file (a Windows
// zone name) imported beside it. An event found by search, deleted, and
// restored from the trash. Free/busy in the editor proposes the next time
// all are free; an invited partner outside the organization accepts from
// the mailed link, on a phone, and the organizer sees the answer. The browser reads British English: times
// as en-GB writes them (24 h), weeks from Monday.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import type { Parley } from '@parley/server';
import { Euria } from '@parley/bots';
import { invite, signUp } from './chat-pages.ts';
import { launchBrowser, participantId, shotsDir, startStack, tmpDir, waitForMediaFrom } from './helpers.ts';
import { assertScreen } from './layout.ts';

const EURIA_TOKEN = 'e2e-euria-token-calendar-0123456789';
const ZONE = 'Europe/Zurich';

const shots = shotsDir('calendar');

describe('calendar in the browser', () => {
  let parley: Parley;
  let browser: Browser;
  let euria: Euria;
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    const queueName = `bots-cal-${tag}`;
    parley = await startStack({
      config: {
        database: { kind: 'pglite', dir: path.join(tmpDir('calendar-e2e'), 'pglite') },
        bots: { queueName, agendaQueueName: `agenda-cal-${tag}`, euriaToken: EURIA_TOKEN },
      },
    });
    euria = new Euria({ serverUrl: parley.url, token: EURIA_TOKEN, redisUrl: process.env.PARLEY_TEST_REDIS_URL!, queueName, log: pino({ level: 'silent' }) }).start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await euria?.close();
    await parley?.close();
  });

  async function person(name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['camera', 'microphone'], timezoneId: ZONE, locale: 'en-GB' });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
    return page;
  }

  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
  /** A wall-clock time as the page writes it (en-GB: 9:00, 16:30). */
  const at = (h: number, m: number) => new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit' }).format(new Date(2000, 0, 1, h, m));

  test('an event with a meeting link and a room; the agenda in chat; its link opens the meeting; a colleague joins from the shared calendar', async () => {
    const alice = await person('alice');
    await signUp(alice, `${parley.url}/chat`, { name: 'Alice', username: `alice${tag}`, org: 'Acme' });
    const inviteUrl = await invite(alice, 'collaborator', `bob${tag}@example.org`);
    const bob = await person('bob');
    await signUp(bob, inviteUrl, { name: 'Bob', username: `bob${tag}` });

    // Rooms: the free plan has one.
    await alice.getByTestId('go-calendar').click();
    await alice.getByTestId('calendar-app').waitFor();
    await alice.getByTestId('open-rooms').click();
    await alice.getByTestId('room-name').fill('Alps');
    await alice.getByTestId('room-seats').fill('8');
    await alice.getByTestId('room-equipment').fill('screen, camera');
    await alice.getByTestId('room-create').click();
    await alice.locator('[data-testid=room-row][data-room-name="Alps"]').waitFor();
    await alice.getByTestId('room-name').fill('Jura');
    await alice.getByTestId('room-create').click();
    assert.match((await alice.getByTestId('rooms-error').textContent())!, /free plan has 1 meeting room/);
    assert.equal(await alice.getByTestId('rooms-plan').textContent(), '1 of 1 rooms (free plan)');
    await alice.getByRole('dialog').getByLabel('Close').click();

    // The event: today 10:00-11:00, a meeting link, the room picked among the free ones.
    await alice.getByTestId('new-event').click();
    await alice.getByTestId('event-title').fill('Design review');
    await alice.getByTestId('event-start').fill(`${today}T10:00`);
    // The end moved with the start, keeping the hour the editor opened with.
    assert.equal(await alice.getByTestId('event-end').inputValue(), `${today}T11:00`);
    await alice.getByTestId('event-start').fill(`${today}T09:30`);
    assert.equal(await alice.getByTestId('event-end').inputValue(), `${today}T10:30`);
    await alice.getByTestId('event-start').fill(`${today}T10:00`);
    await alice.getByTestId('event-end').fill(`${today}T11:00`);
    await alice.getByTestId('event-meeting').check();
    await alice.getByTestId('room-capacity').fill('4');
    await alice.getByTestId('find-rooms').click();
    const alps = alice.locator('[data-testid=free-room][data-room-name="Alps"]');
    await alps.waitFor();
    assert.match((await alps.textContent())!, /8 seats · screen, camera/);
    await alps.locator('input').check();
    await alice.getByTestId('event-save').click();
    await alice.getByTestId('event-editor').waitFor({ state: 'detached' });
    const onAlice = alice.locator('[data-testid=occurrence][data-title="Design review"]').first();
    await onAlice.waitFor();
    // The week opens at working hours (07:00 at the top), with now drawn across today.
    const scroll = await alice.getByTestId('week-grid').evaluate((e) => ({ top: e.scrollTop, most: e.scrollHeight - e.clientHeight }));
    assert.ok(Math.abs(scroll.top - Math.min(7 * 40, scroll.most)) <= 1, `the week is scrolled to 07:00: ${JSON.stringify(scroll)}`);
    await alice.getByTestId('now-line').waitFor();
    await onAlice.click();
    assert.match((await alice.getByTestId('event-room').textContent())!, /Alps/);
    // One plain link for everyone: Alice is moderator by her account, no secret in the page.
    assert.match((await alice.getByTestId('join-meeting').getAttribute('href'))!, /\/m\/[A-Za-z0-9_-]+$/);
    assert.match((await alice.getByTestId('join-meeting').textContent())!, /as moderator/);
    assert.match((await alice.getByTestId('event-when').textContent())!, /10:00/);
    await alice.getByRole('dialog').getByLabel('Close').click();

    // Shared with Bob, read-only.
    await alice.locator('[data-testid=calendar-entry][data-access=owner]').getByTestId('share-calendar').click();
    await alice.getByTestId('share-user').selectOption({ label: `Bob (@bob${tag})` });
    await alice.getByTestId('share-save').click();
    await alice.getByTestId('share-done').filter({ hasText: 'Shared.' }).waitFor();
    await alice.getByRole('dialog').getByLabel('Close').click();

    // A daily agenda at this very minute (in Zurich), by Euria in chat, every day.
    const now = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now() - 60_000);
    const [nowH, nowM] = now.split(':').map(Number) as [number, number];
    await alice.getByTestId('open-reminders').click();
    // Every weekday's name shows beside its box (measured once the dialog is open: it is drawn before it is shown).
    await alice.getByRole('dialog').getByTestId('reminder-weekday').last().waitFor();
    for (const l of await alice.getByTestId('reminder-weekday').evaluateAll((els) => els.map((e) => ({ text: e.parentElement!.textContent, width: e.parentElement!.getBoundingClientRect().width, scroll: e.parentElement!.scrollWidth, client: e.parentElement!.clientWidth })))) {
      assert.ok(l.width >= 40 && l.scroll <= l.client + 1, `${l.text} is cut: ${JSON.stringify(l)}`);
    }
    await alice.screenshot({ path: `${shots}/agenda-dialog.png` });
    await alice.getByTestId('reminder-time').fill(now);
    for (const box of await alice.getByTestId('reminder-weekday').all()) await box.check();
    await alice.getByTestId('reminder-create').click();
    await alice.getByTestId('reminder-row').waitFor();
    assert.match((await alice.getByTestId('reminder-row').textContent())!, new RegExp(`${at(nowH, nowM)} the same morning · Mon, Tue, Wed, Thu, Fri, Sat, Sun · chat · ${ZONE}`));
    await alice.getByRole('dialog').getByLabel('Close').click();

    // The room is taken at that time: Bob finds no free room there.
    await bob.goto(`${parley.url}/calendar`);
    await bob.getByTestId('calendar-app').waitFor();
    await bob.getByTestId('new-event').click();
    await bob.getByTestId('event-start').fill(`${today}T10:30`);
    await bob.getByTestId('event-end').fill(`${today}T11:30`);
    await bob.getByTestId('find-rooms').click();
    await bob.getByTestId('free-rooms').waitFor();
    assert.equal(await bob.getByTestId('free-room').count(), 0);
    await bob.getByRole('dialog').getByLabel('Close').click();

    // The minute's tick, given its time.
    await parley.chat!.agenda.tick(Date.now());

    // Euria's agenda in Alice's chat.
    await alice.goto(`${parley.url}/chat`);
    await alice.getByTestId('chat-app').waitFor();
    await alice.getByTestId('dm-list').locator('[data-channel-name="Euria"]').click();
    const agenda = alice.getByTestId('messages').getByTestId('message').filter({ hasText: 'Your agenda for' });
    await agenda.waitFor({ timeout: 30_000 });
    const text = (await agenda.getByTestId('message-text').textContent())!;
    assert.match(text, /• 10:00–11:00 Design review \(Alps\) http/);
    assert.match(text, /Turn this reminder off: http/);

    // A phone of Alice's adds an event over CalDAV: Bob's open page (opened
    // before it) shows it at once, no reload, in the calendar she shares.
    await bob.locator('[data-testid=calendar-entry][data-access=read]').waitFor();
    const aliceToken = (await alice.evaluate(() => localStorage.getItem('parley:session')))!;
    const asAlice = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${parley.url}${url}`, { method, headers: { authorization: `Bearer ${aliceToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      assert.ok(res.ok, `${method} ${url}: ${res.status}`);
      return (await res.json()) as T;
    };
    const me = await asAlice<{ user: { id: string; username: string }; orgs: { id: string }[] }>('GET', '/api/me');
    const own = (await asAlice<{ calendars: { id: string; access: string }[] }>('GET', `/api/orgs/${me.orgs[0]!.id}/calendars`)).calendars.find((c) => c.access === 'owner')!;
    const phone = (await asAlice<{ secret: string }>('POST', '/api/me/app-passwords', { name: 'Phone', password: 'correct horse battery' })).secret;
    const day = today.replaceAll('-', '');
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//phone//EN', 'BEGIN:VEVENT', 'UID:coffee-from-phone', 'DTSTAMP:20261201T080000Z', `DTSTART;TZID=${ZONE}:${day}T150000`, `DTEND;TZID=${ZONE}:${day}T153000`, 'SUMMARY:Coffee from the phone', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const put = await fetch(`${parley.url}/dav/calendars/${me.user.id}/${own.id}/coffee.ics`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${me.user.username}:${phone}`).toString('base64')}`, 'content-type': 'text/calendar' },
      body: ics,
    });
    assert.equal(put.status, 201);
    await bob.locator('[data-testid=occurrence][data-title="Coffee from the phone"]').first().waitFor();
    await bob.screenshot({ path: `${shots}/shared-calendar-changed-by-phone.png` });

    // Alice renames her calendar and gives it another colour, on a laptop and then on a phone-sized page:
    // Bob's page shows the new name at once; then her phone recolours it over CalDAV (as Apple Calendar
    // writes colours, with an opacity), and her own page follows.
    // Her phone-sized page is a touch screen, as a phone is.
    const aliceOn = async (size: { width: number; height: number }) => {
      if (size.width >= 800) return alice.context().newPage();
      const context = await browser.newContext({ viewport: size, hasTouch: true, timezoneId: ZONE, locale: 'en-GB' });
      await context.addInitScript((t) => localStorage.setItem('parley:session', t), aliceToken);
      return context.newPage();
    };
    let aliceCal!: Page;
    for (const [size, name] of [[{ width: 390, height: 844 }, 'Alice at work'], [{ width: 1280, height: 800 }, 'Alice’s plans']] as const) {
      if (aliceCal) await (aliceCal.context() === alice.context() ? aliceCal.close() : aliceCal.context().close());
      aliceCal = await aliceOn(size);
      await aliceCal.goto(`${parley.url}/calendar`);
      if (size.width < 800) {
        await aliceCal.getByTestId('open-drawer').click();
        await aliceCal.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
      }
      await aliceCal.locator('[data-testid=calendar-entry][data-access=owner]').first().getByTestId('edit-calendar').click();
      await aliceCal.getByTestId('calendar-name').fill(name);
      await aliceCal.getByTestId('calendar-color').fill('#16a34a');
      await assertScreen(aliceCal, shots, 'calendar-settings', { shown: ['calendar-settings', 'calendar-name', 'calendar-color', 'calendar-settings-save'], ...(size.width < 800 ? { touch: ['calendar-name', 'calendar-settings-save'] } : {}) });
      await aliceCal.getByTestId('calendar-settings-save').click();
      await aliceCal.getByTestId('calendar-settings').waitFor({ state: 'detached' });
      await bob.locator(`[data-testid=calendar-entry][data-calendar-name="${name}"][data-access=read]`).waitFor();
    }
    await aliceCal.locator('[data-testid=calendar-entry][data-calendar-name="Alice’s plans"]').waitFor();
    const recolour = await fetch(`${parley.url}/dav/calendars/${me.user.id}/${own.id}/`, {
      method: 'PROPPATCH',
      headers: { authorization: `Basic ${Buffer.from(`${me.user.username}:${phone}`).toString('base64')}`, 'content-type': 'application/xml' },
      body: '<d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><a:calendar-color>#9333EAFF</a:calendar-color></d:prop></d:set></d:propertyupdate>',
    });
    assert.equal(recolour.status, 207);
    await aliceCal.waitForFunction(() => document.querySelector<HTMLInputElement>('[data-testid=calendar-entry][data-access=owner] input[type=checkbox]')?.style.accentColor === 'rgb(147, 51, 234)');
    await aliceCal.close();

    // Bob joins first, from Alice's shared calendar.
    await bob.locator('[data-testid=occurrence][data-title="Design review"]').first().click();
    const join = bob.getByTestId('join-meeting');
    assert.doesNotMatch((await join.getAttribute('href'))!, /moderatorToken/);
    assert.doesNotMatch((await join.textContent())!, /as moderator/);
    const bobPopup = bob.context().waitForEvent('page');
    await join.click();
    const bobMeet = await bobPopup;
    await bobMeet.getByTestId('name-input').fill('Bob');
    await bobMeet.getByTestId('join-button').click();
    await bobMeet.getByTestId('room').waitFor({ timeout: 30_000 });

    // Alice from her agenda's link (the plain link, no secret in a chat message): second in, moderator all the same, by her account.
    const alicePopup = alice.context().waitForEvent('page');
    await agenda.getByRole('link').filter({ hasText: '/m/' }).click();
    const aliceMeet = await alicePopup;
    assert.doesNotMatch(aliceMeet.url(), /moderatorToken=/);
    await aliceMeet.getByTestId('name-input').fill('Alice');
    await aliceMeet.getByTestId('join-button').click();
    await aliceMeet.getByTestId('room').waitFor({ timeout: 30_000 });
    await aliceMeet.getByTestId('i-am-moderator').waitFor({ timeout: 10_000 });

    const [ida, idb] = (await Promise.all([participantId(aliceMeet), participantId(bobMeet)])) as [string, string];
    const seenByAlice = await waitForMediaFrom(aliceMeet, [idb]);
    const seenByBob = await waitForMediaFrom(bobMeet, [ida]);
    const video = [...seenByAlice, ...seenByBob].filter((s) => s.kind === 'video');
    assert.equal(video.length, 2);
    for (const s of video) assert.ok(s.framesDecoded > 0);
    await aliceMeet.close();
    await bobMeet.close();
  });

  test('a weekly series in the month view: one occurrence cancelled, the series renamed and moved, one occurrence moved alone, an Outlook file imported beside it', async () => {
    const carol = await person('carol');
    await signUp(carol, `${parley.url}/chat`, { name: 'Carol', username: `carol${tag}`, org: 'Globex' });
    await carol.getByTestId('go-calendar').click();
    await carol.getByTestId('calendar-app').waitFor();

    // The first Monday of next month (Zurich dates), and the days after it.
    const [y, m] = today.split('-').map(Number) as [number, number];
    const first = new Date(Date.UTC(y, m, 1));
    const monday = new Date(first.getTime() + ((8 - first.getUTCDay()) % 7) * 86_400_000);
    const day = (n: number) => new Date(monday.getTime() + n * 86_400_000).toISOString().slice(0, 10);

    // Mondays and Wednesdays at 09:00, four times.
    await carol.getByTestId('new-event').click();
    await carol.getByTestId('event-title').fill('Standup');
    await carol.getByTestId('event-start').fill(`${day(0)}T09:00`);
    await carol.getByTestId('event-end').fill(`${day(0)}T09:15`);
    await carol.getByTestId('event-repeat').selectOption('WEEKLY');
    // The start's own day comes ticked (no stray first occurrence); every day's name can be read.
    assert.deepEqual(await carol.locator('[data-testid=event-weekday]:checked').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.day)), ['MO']);
    for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await carol.setViewportSize(size);
      const labels = await carol.getByTestId('event-weekdays').locator('label').evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { text: e.textContent, width: r.width, right: r.right, scroll: e.scrollWidth, client: e.clientWidth };
        }),
      );
      assert.equal(labels.length, 7);
      for (const l of labels) {
        assert.ok(l.width >= 40 && l.scroll <= l.client + 1, `${l.text} is cut at ${size.width}px: ${JSON.stringify(l)}`);
        assert.ok(l.right <= size.width, `${l.text} leaves the screen at ${size.width}px`);
      }
      await carol.screenshot({ path: `${shots}/weekly-editor-${size.width}.png` });
    }
    await carol.setViewportSize({ width: 1280, height: 800 });
    for (const d of ['Mon', 'Wed']) await carol.getByTestId('event-weekdays').getByLabel(d).check();
    // A start on a day it does not repeat on is refused with a sentence, and saves once moved back.
    await carol.getByTestId('event-start').fill(`${day(1)}T09:00`);
    await carol.getByTestId('event-end').fill(`${day(1)}T09:15`);
    await carol.getByTestId('event-save').click();
    await carol.getByTestId('event-editor').getByText('The event starts on a Tuesday, which is not one of the days it repeats on.', { exact: false }).waitFor();
    await carol.getByTestId('event-start').fill(`${day(0)}T09:00`);
    await carol.getByTestId('event-end').fill(`${day(0)}T09:15`);
    await carol.getByTestId('event-ends').selectOption('count');
    await carol.getByLabel('Times').fill('4');
    await carol.getByTestId('event-save').click();
    await carol.getByTestId('event-editor').waitFor({ state: 'detached' });

    // Saved, the view went to the event (next month): no need to page there.
    await carol.getByTestId('view-month').click();
    await carol.getByTestId('cal-title').filter({ hasText: new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(monday) }).waitFor();
    const grid = carol.getByTestId('month-grid');
    const on = (date: string) => grid.locator(`[data-date="${date}"] [data-testid=occurrence]`);
    const titlesOn = async (dates: string[]) => Promise.all(dates.map(async (d) => (await on(d).allTextContents()).join(' | ')));
    await on(day(9)).waitFor();
    assert.deepEqual(await titlesOn([day(0), day(1), day(2), day(7), day(9), day(14)]), [`${at(9, 0)} Standup`, '', `${at(9, 0)} Standup`, `${at(9, 0)} Standup`, `${at(9, 0)} Standup`, '']);

    // Wednesday's, this once: the others stay.
    await on(day(2)).click();
    await carol.getByTestId('event-details').filter({ hasText: 'Repeats weekly on Monday and Wednesday, 4 times' }).waitFor();
    await carol.getByTestId('cancel-occurrence').click();
    await on(day(2)).waitFor({ state: 'detached' });
    assert.deepEqual(await titlesOn([day(0), day(2), day(7), day(9)]), [`${at(9, 0)} Standup`, '', `${at(9, 0)} Standup`, `${at(9, 0)} Standup`]);

    // The series renamed and moved to 09:30 from the next Monday's details: the cancelled one stays cancelled.
    await on(day(7)).click();
    await carol.getByTestId('edit-event').click();
    assert.equal(await carol.getByTestId('event-title').inputValue(), 'Standup');
    assert.equal(await carol.getByTestId('event-repeat').inputValue(), 'WEEKLY');
    await carol.getByTestId('event-title').fill('Daily sync');
    await carol.getByTestId('event-start').fill(`${day(0)}T09:30`);
    await carol.getByTestId('event-end').fill(`${day(0)}T09:45`);
    await carol.getByTestId('event-save').click();
    await carol.getByTestId('event-editor').waitFor({ state: 'detached' });
    await grid.locator('[data-testid=occurrence][data-title="Daily sync"]').first().waitFor();
    assert.deepEqual(await titlesOn([day(0), day(2), day(7), day(9)]), [`${at(9, 30)} Daily sync`, '', `${at(9, 30)} Daily sync`, `${at(9, 30)} Daily sync`]);

    // The Monday after, this once: later and with another title; the series stays as it is.
    await on(day(7)).click();
    await carol.getByTestId('edit-occurrence').click();
    assert.equal(await carol.getByTestId('occurrence-start').inputValue(), `${day(7)}T09:30`);
    await carol.getByTestId('occurrence-title').fill('Daily sync (demo)');
    await carol.getByTestId('occurrence-start').fill(`${day(8)}T16:00`);
    await carol.getByTestId('occurrence-end').fill(`${day(8)}T16:30`);
    await carol.getByTestId('occurrence-save').click();
    await carol.getByTestId('occurrence-editor').waitFor({ state: 'detached' });
    await on(day(8)).waitFor();
    assert.deepEqual(await titlesOn([day(0), day(7), day(8), day(9)]), [`${at(9, 30)} Daily sync`, '', `${at(16, 0)} Daily sync (demo)`, `${at(9, 30)} Daily sync`]);
    await on(day(8)).click();
    await carol.getByTestId('event-details').filter({ hasText: 'A changed occurrence of a series' }).waitFor();
    await carol.getByRole('dialog').getByLabel('Close').click();

    // Outlook's file names its zone in Windows' words and defines it: read as Zurich's rules, 14:00 stays 14:00.
    const ics = [
      'BEGIN:VCALENDAR', 'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN', 'VERSION:2.0',
      'BEGIN:VTIMEZONE', 'TZID:W. Europe Standard Time',
      'BEGIN:STANDARD', 'DTSTART:16011028T030000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:16010325T020000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT', 'UID:040000008200E00074C5B7101A82E008', `DTSTART;TZID="W. Europe Standard Time":${day(1).replace(/-/g, '')}T140000`,
      `DTEND;TZID="W. Europe Standard Time":${day(1).replace(/-/g, '')}T150000`, 'SUMMARY:Outlook call', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');
    await carol.locator('[data-testid=calendar-entry][data-access=owner]').getByTestId('import-ics').setInputFiles({ name: 'outlook.ics', mimeType: 'text/calendar', buffer: Buffer.from(ics) });
    await carol.getByTestId('cal-notice').filter({ hasText: '1 event imported' }).waitFor();
    await on(day(1)).waitFor();
    assert.equal(await on(day(1)).textContent(), `${at(14, 0)} Outlook call`);

    // A broken file: nothing imported, the line named.
    await carol.locator('[data-testid=calendar-entry][data-access=owner]').getByTestId('import-ics').setInputFiles({ name: 'broken.ics', mimeType: 'text/calendar', buffer: Buffer.from(ics.replace('TZOFFSETTO:+0100', 'TZOFFSETTO:+01xx')) });
    await carol.getByTestId('cal-notice').filter({ hasText: 'Nothing imported' }).waitFor();
    assert.match((await carol.getByTestId('cal-notice').textContent())!, /line 10: TZOFFSETTO/);
    assert.equal(await on(day(1)).count(), 1);
    await carol.context().close();
  });

  test('search finds an event by its words, accents aside, and shows its week; deleted, it waits in the trash and comes back whole', async () => {
    const dora = await person('dora');
    dora.on('dialog', (d) => void d.accept());
    await signUp(dora, `${parley.url}/chat`, { name: 'Dora', username: `dora${tag}`, org: 'Initech' });
    await dora.getByTestId('go-calendar').click();
    await dora.getByTestId('calendar-app').waitFor();
    // Ten days from now at 10:00, in Zurich: another week than this one.
    const later = new Date(Date.parse(`${today}T12:00:00Z`) + 10 * 86_400_000).toISOString().slice(0, 10);
    await dora.getByTestId('new-event').click();
    await dora.getByTestId('event-title').fill('Réunion budget');
    await dora.getByTestId('event-start').fill(`${later}T10:00`);
    await dora.getByTestId('event-end').fill(`${later}T11:00`);
    await dora.getByTestId('event-location').fill('Zürich, salle 4');
    await dora.getByTestId('event-save').click();
    await dora.getByTestId('event-editor').waitFor({ state: 'detached' });
    await dora.getByTestId('view-week').click();
    await dora.getByTestId('cal-prev').click();
    await dora.getByTestId('cal-prev').click();

    // Found by two words without their accents; a click shows its week.
    await dora.getByTestId('open-search').click();
    await dora.getByTestId('event-search-input').fill('reunion ZURICH');
    await dora.getByTestId('event-search-input').press('Enter');
    const found = dora.getByTestId('event-found');
    await found.filter({ hasText: 'Réunion budget' }).waitFor();
    assert.equal(await found.count(), 1);
    await dora.screenshot({ path: `${shots}/search-1280.png` });
    await found.click();
    const occurrence = dora.locator('[data-testid=occurrence][data-title="Réunion budget"]');
    await occurrence.waitFor();

    // Deleted: gone from the week, listed in the trash with who and until when; restored: back in its place.
    await occurrence.click();
    await dora.getByTestId('delete-event').click();
    await occurrence.waitFor({ state: 'detached' });
    await dora.getByTestId('open-trash').click();
    const row = dora.locator('[data-testid=trash-row][data-title="Réunion budget"]');
    await row.filter({ hasText: 'by Dora' }).waitFor();
    for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
      await dora.setViewportSize(size);
      await dora.screenshot({ path: `${shots}/trash-${size.width}.png` });
      const boxes = await row.evaluate((li) => {
        const r = li.getBoundingClientRect();
        const restore = li.querySelector('[data-testid=trash-restore]')!.getBoundingClientRect();
        return { right: r.right, restoreRight: restore.right, restoreHeight: restore.height, scroll: document.documentElement.scrollWidth, vw: innerWidth };
      });
      assert.ok(boxes.scroll <= boxes.vw && boxes.restoreRight <= boxes.vw && boxes.restoreHeight >= 32, `the trash at ${size.width}px: ${JSON.stringify(boxes)}`);
    }
    await row.getByTestId('trash-restore').click();
    await occurrence.waitFor();
    await dora.getByTestId('trash').getByText('The trash is empty.').waitFor();
    await dora.getByRole('dialog').getByLabel('Close').click();

    // A room that takes several bookings at once, in a colour of its own: booked twice at the same time, both show the conflict.
    await dora.getByTestId('open-rooms').click();
    await dora.getByTestId('room-name').fill('Atrium');
    await dora.getByTestId('room-overlap').check();
    await dora.getByTestId('room-color').fill('#aa3366');
    await dora.getByTestId('room-create').click();
    const atrium = dora.locator('[data-testid=room-row][data-room-name="Atrium"]');
    await atrium.waitFor();
    // Edited: its seats and place change, its colour stays.
    await atrium.getByTestId('edit-room').click();
    await dora.getByTestId('room-seats').fill('40');
    await dora.getByTestId('room-create').click();
    await atrium.filter({ hasText: '40 seats' }).waitFor();
    assert.equal(await atrium.locator('.room-swatch').evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(170, 51, 102)');
    await dora.getByRole('dialog').getByLabel('Close').click();
    for (const [title, from, to] of [['All hands', '14:00', '15:00'], ['Yoga', '14:30', '15:30']] as const) {
      await dora.getByTestId('new-event').click();
      await dora.getByTestId('event-title').fill(title);
      await dora.getByTestId('event-start').fill(`${later}T${from}`);
      await dora.getByTestId('event-end').fill(`${later}T${to}`);
      await dora.getByTestId('find-rooms').click();
      await dora.locator('[data-testid=free-room][data-room-name="Atrium"]').click();
      await dora.getByTestId('event-save').click();
      await dora.getByTestId('event-editor').waitFor({ state: 'detached' });
    }
    await dora.locator('[data-testid=occurrence][data-title="Yoga"].conflict').first().waitFor();
    assert.equal(await dora.locator('[data-testid=occurrence][data-title="All hands"].conflict').count() > 0, true);
    assert.equal(await dora.locator('[data-testid=occurrence][data-title="Réunion budget"].conflict').count(), 0);
    await dora.locator('[data-testid=occurrence][data-title="Yoga"]').first().click();
    await dora.getByTestId('event-conflict').waitFor();
    assert.match((await dora.getByTestId('event-room').textContent())!, /Atrium · 40 seats/);
    await dora.screenshot({ path: `${shots}/double-booking-1280.png` });
    await dora.getByRole('dialog').getByLabel('Close').click();

    // Reminders: her calendar's default is 10 minutes; an event in 8 minutes gets it, and the page reminds her at once.
    await dora.locator('[data-testid=calendar-entry][data-access=owner]').getByTestId('edit-calendar').click();
    await dora.getByTestId('default-alarm-select').selectOption('10');
    await dora.getByTestId('calendar-settings-save').click();
    await dora.getByTestId('calendar-settings').waitFor({ state: 'detached' });
    const soon = new Date(Date.now() + 8 * 60_000);
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(soon).replace(' ', 'T');
    const hourLater = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(soon.getTime() + 3_600_000)).replace(' ', 'T');
    await dora.getByTestId('new-event').click();
    await dora.getByTestId('event-title').fill('Call the bank');
    assert.equal(await dora.getByTestId('event-alarm').inputValue(), '10', 'a new event starts with its calendar’s default');
    await dora.getByTestId('event-start').fill(local);
    await dora.getByTestId('event-end').fill(hourLater);
    await dora.getByTestId('event-save').click();
    await dora.getByTestId('event-editor').waitFor({ state: 'detached' });
    const reminder = dora.getByTestId('cal-reminder').filter({ hasText: 'Call the bank' });
    await reminder.waitFor({ timeout: 15_000 });
    await dora.setViewportSize({ width: 390, height: 844 });
    await dora.screenshot({ path: `${shots}/reminder-390.png` });
    const box = await reminder.evaluate((r) => {
      const b = r.getBoundingClientRect();
      return { left: b.left, right: b.right, bottom: b.bottom, vw: innerWidth, vh: innerHeight, scroll: document.documentElement.scrollWidth };
    });
    assert.ok(box.left >= 0 && box.right <= box.vw && box.bottom <= box.vh && box.scroll <= box.vw, `the reminder on a phone: ${JSON.stringify(box)}`);
    await reminder.getByRole('button').click();
    await reminder.waitFor({ state: 'detached' });
    await dora.context().close();
  });

  test('free/busy in the editor: a colleague’s busy hour shows as a bar, and the next time all are free is taken in one click', async () => {
    const erin = await person('erin');
    await signUp(erin, `${parley.url}/chat`, { name: 'Erin', username: `erin${tag}`, org: 'Umbrella' });
    const url = await invite(erin, 'collaborator', `finn${tag}@example.org`);
    const finn = await person('finn');
    await signUp(finn, url, { name: 'Finn', username: `finn${tag}` });
    // A Tuesday, Wednesday or Thursday at least two days ahead (working hours on both sides).
    let when = Date.parse(`${today}T12:00:00Z`) + 2 * 86_400_000;
    while (![2, 3, 4].includes(new Date(when).getUTCDay())) when += 86_400_000;
    const date = new Date(when).toISOString().slice(0, 10);
    const newEvent = async (page: Page, title: string, from: string, to: string) => {
      await page.getByTestId('new-event').click();
      await page.getByTestId('event-title').fill(title);
      await page.getByTestId('event-start').fill(`${date}T${from}`);
      await page.getByTestId('event-end').fill(`${date}T${to}`);
    };
    await finn.getByTestId('go-calendar').click();
    await finn.getByTestId('calendar-app').waitFor();
    await newEvent(finn, 'Dentist', '10:00', '11:00');
    await finn.getByTestId('event-save').click();
    await finn.getByTestId('event-editor').waitFor({ state: 'detached' });

    await erin.getByTestId('go-calendar').click();
    await erin.getByTestId('calendar-app').waitFor();
    await newEvent(erin, 'Kick-off', '10:00', '11:00');
    await erin.getByTestId('event-attendees').fill(`finn${tag}@example.org, partner@elsewhere.example`);
    await erin.getByTestId('check-freebusy').click();
    const finnRow = erin.locator('[data-testid=fb-row][data-name="Finn"]');
    await finnRow.getByTestId('fb-busy').waitFor();
    assert.equal(await erin.locator('[data-testid=fb-row][data-name="Erin"]').getByTestId('fb-busy').count(), 0);
    assert.match((await finnRow.locator('.fb-bar').getAttribute('aria-label'))!, new RegExp(`Finn is busy: ${at(10, 0)}.${at(11, 0)}`));
    assert.match((await erin.getByTestId('free-busy').textContent())!, /partner@elsewhere\.example/);
    await erin.getByTestId('fb-verdict').filter({ hasText: 'Someone is busy at this time.' }).waitFor();
    for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
      await erin.setViewportSize(size);
      await erin.getByTestId('fb-next').scrollIntoViewIfNeeded();
      await erin.screenshot({ path: `${shots}/free-busy-${size.width}.png` });
      const boxes = await erin.getByTestId('free-busy').evaluate((f) => {
        const r = f.getBoundingClientRect();
        const bars = [...f.querySelectorAll('.fb-bar')].map((b) => b.getBoundingClientRect());
        return { right: r.right, vw: innerWidth, bars: bars.map((b) => [b.width, b.right]), scroll: document.documentElement.scrollWidth };
      });
      assert.ok(boxes.right <= boxes.vw && boxes.scroll <= boxes.vw, `free/busy at ${size.width}px: ${JSON.stringify(boxes)}`);
      assert.ok(boxes.bars.every(([w, right]) => w! >= 100 && right! <= boxes.vw), `bars at ${size.width}px: ${JSON.stringify(boxes.bars)}`);
    }
    // The next hour everyone has: 11:00, the length kept.
    await erin.getByTestId('fb-next').click();
    assert.equal(await erin.getByTestId('event-start').inputValue(), `${date}T11:00`);
    assert.equal(await erin.getByTestId('event-end').inputValue(), `${date}T12:00`);
    await erin.getByTestId('check-freebusy').click();
    await erin.getByTestId('fb-verdict').filter({ hasText: 'Everyone is free at this time.' }).waitFor();
    await erin.getByTestId('event-save').click();
    await erin.getByTestId('event-editor').waitFor({ state: 'detached' });

    // The partner outside the organization is mailed an invitation (an iCalendar request and a link); on a phone, without an account, they accept.
    const [mail] = await parley.chat!.db.query<{ body_text: string; ics: string }>('select body_text, ics from mail_outbox where to_address = $1', ['partner@elsewhere.example']);
    assert.match(mail!.ics, /METHOD:REQUEST/);
    const link = /(https?:\/\/\S+\/calendar\/rsvp\/[A-Za-z0-9_-]+)/.exec(mail!.body_text)![1]!;
    const partnerContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: ZONE, hasTouch: true });
    const partner = await partnerContext.newPage();
    await partner.goto(link);
    await partner.getByTestId('rsvp-title').filter({ hasText: 'Kick-off' }).waitFor();
    assert.match((await partner.getByTestId('rsvp-when').textContent())!, new RegExp(`${at(11, 0)}.*Europe/Zurich`));
    await partner.getByTestId('rsvp-accepted').tap();
    await partner.getByTestId('rsvp-status').filter({ hasText: 'You accepted.' }).waitFor();
    await partner.screenshot({ path: `${shots}/rsvp-390.png` });
    const box = await partner.evaluate(() => ({ scroll: document.documentElement.scrollWidth, vw: innerWidth, buttons: [...document.querySelectorAll('[data-testid=rsvp-accepted], [data-testid=rsvp-tentative], [data-testid=rsvp-declined]')].map((b) => b.getBoundingClientRect().height) }));
    assert.ok(box.scroll <= box.vw && box.buttons.length === 3 && box.buttons.every((h) => h >= 44), `the answer page on a phone: ${JSON.stringify(box)}`);
    await partnerContext.close();
    // Erin sees the answer in the event.
    await erin.getByTestId('view-week').click();
    await erin.locator('[data-testid=occurrence][data-title="Kick-off"]').first().click();
    await erin.getByTestId('event-attendees-answers').filter({ hasText: 'partner@elsewhere.example (accepted)' }).waitFor();
    assert.match((await erin.getByTestId('event-attendees-answers').textContent())!, new RegExp(`finn${tag}@example.org \\(no answer yet\\)`));
  });
});
