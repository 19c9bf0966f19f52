// Team chat and the calendar on a phone (390×844) and a tablet (768×1024),
// in real Chromium pages: one pane at a time, the channel list and the
// calendar list in a drawer, a thread and the members over the whole screen,
// the calendar opening on its agenda. Every step is checked from bounding
// boxes (e2e/layout.ts screenProblems): no sideways scroll, the controls a
// person needs whole on screen, not covered, at least 44 px to the finger.
// A colleague on a laptop talks to the phone meanwhile: what they send
// arrives live, and its notice never covers the composer.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { invite, signUp } from './chat-pages.ts';
import { launchBrowser, shotsDir, startStack, tmpDir } from './helpers.ts';
import { assertScreen as assertScreenIn, personPage, type ScreenCheck } from './layout.ts';

const shots = shotsDir('phone');
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 768, height: 1024 };

describe('chat and calendar on a phone', () => {
  let parley: Parley;
  let browser: Browser;
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    parley = await startStack({ config: { database: { kind: 'pglite', dir: path.join(tmpDir('phone-e2e'), 'pglite') } } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  const person = (name: string, viewport: { width: number; height: number }) => personPage(browser, name, viewport);

  const assertScreen = (page: Page, what: string, check: ScreenCheck) => assertScreenIn(page, shots, what, check);

  /** Waits for the drawer's slide (0.2 s) to end: boxes are read where they settle. */
  const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

  const channelScreen: ScreenCheck = {
    shown: ['open-drawer', 'channel-title', 'search-input', 'start-call', 'show-members', 'composer-input', 'composer-emoji', 'composer-send', 'messages'],
    touch: ['open-drawer', 'start-call', 'show-members', 'composer-send', 'composer-emoji'],
    fullWidth: ['messages'],
  };

  test('chat: the channel, the drawer, a thread and the members, one at a time; messages from a laptop arrive live', async () => {
    const ana = await person('ana', PHONE);
    await signUp(ana, `${parley.url}/chat`, { name: 'Ana', username: `ana${tag}`, org: 'Acme' });
    await ana.getByTestId('channel-title').filter({ hasText: 'general' }).waitFor();
    await settled(ana);
    await assertScreen(ana, 'chat-channel', channelScreen);
    // The list of channels is out of the way until asked for.
    assert.equal(await ana.getByTestId('sidebar').isVisible(), false, 'the channel list is hidden behind the menu button');

    // Written and sent with a tap on Send (no Enter key on a phone's keyboard).
    await ana.getByTestId('composer-input').fill('Hello from my phone');
    await ana.getByTestId('composer-send').tap();
    await ana.getByTestId('message').filter({ hasText: 'Hello from my phone' }).waitFor();
    // Having written, one is offered desktop notifications (this browser has not been asked yet); "Not now" puts the offer away for good.
    await ana.getByTestId('notify-ask').waitFor();
    await assertScreen(ana, 'chat-notify-offer', { shown: ['notify-ask', 'notify-enable', 'notify-dismiss', 'composer-input'], touch: ['notify-enable', 'notify-dismiss'] });
    await ana.getByTestId('notify-dismiss').tap();
    await ana.getByTestId('notify-ask').waitFor({ state: 'detached' });
    assert.equal(await ana.evaluate(() => localStorage.getItem('parley:notify-ask-dismissed')), '1');

    // The emoji picker: a sheet along the bottom, whole on the screen.
    await ana.getByTestId('composer-emoji').tap();
    await ana.getByTestId('emoji-picker').locator('input[type=search]').waitFor();
    await assertScreen(ana, 'chat-emoji', { shown: ['emoji-picker'], fullWidth: ['emoji-picker'] });
    await ana.keyboard.press('Escape');
    await ana.getByTestId('emoji-picker').waitFor({ state: 'detached' });

    // The drawer: over the channel, its entries big enough to touch; a new channel from it.
    await ana.getByTestId('open-drawer').tap();
    await settled(ana);
    await assertScreen(ana, 'chat-drawer', { shown: ['sidebar', 'new-channel', 'browse-channels', 'go-calendar', 'me-name'], touch: ['new-channel', 'browse-channels'] });
    const entries = await ana.getByTestId('channel-entry').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    assert.ok(entries.length > 0 && entries.every((h) => h >= 44), `channel entries are ${entries.join(', ')} px tall`);
    await ana.getByTestId('new-channel').tap();
    await ana.getByTestId('channel-name-input').fill('phones');
    await ana.getByTestId('channel-purpose').fill('Talk from phones');
    await assertScreen(ana, 'chat-new-channel', { shown: ['channel-name-input', 'channel-create'] });
    await ana.getByTestId('channel-create').tap();
    // Opening a channel closes the drawer and shows it.
    await ana.getByTestId('channel-title').filter({ hasText: 'phones' }).waitFor();
    await settled(ana);
    assert.equal(await ana.getByTestId('sidebar').isVisible(), false, 'the drawer closes on the channel it opened');
    await assertScreen(ana, 'chat-new-channel-open', channelScreen);
    // The scrim closes the drawer too.
    await ana.getByTestId('open-drawer').tap();
    await settled(ana);
    await ana.getByTestId('drawer-scrim').click({ position: { x: 380, y: 400 } });
    await settled(ana);
    assert.equal(await ana.getByTestId('sidebar').isVisible(), false, 'a tap beside the drawer closes it');

    // A colleague on a laptop mentions the phone's owner in #general: the phone is told, the notice stays clear of the composer.
    const inviteUrl = await openInvite(ana, `ben${tag}@example.org`);
    const ben = await person('ben', { width: 1280, height: 800 });
    await signUp(ben, inviteUrl, { name: 'Ben', username: `ben${tag}` });
    await ben.getByTestId('channel-title').filter({ hasText: 'general' }).waitFor();
    await ben.getByTestId('composer-input').fill(`@ana${tag} Seen from a laptop`);
    await ben.getByTestId('composer-input').press('Enter');
    await ana.getByTestId('toast').filter({ hasText: 'Seen from a laptop' }).waitFor();
    // The tab counts what waits elsewhere.
    const badges = (await ana.getByTestId('unread-badge').allTextContents()).reduce((n, b) => n + Number(b), 0);
    assert.ok(badges > 0);
    assert.equal(await ana.title(), `(${badges}) #phones · Acme · Parley`);
    await assertScreen(ana, 'chat-toast', { ...channelScreen, shown: [...channelScreen.shown, 'toast'] });
    await ana.getByTestId('toast').tap();
    await ana.getByTestId('channel-title').filter({ hasText: 'general' }).waitFor();
    const benMessage = ana.getByTestId('messages').getByTestId('message').filter({ hasText: 'Seen from a laptop' });
    await benMessage.waitFor();

    // A thread: its actions show without hover; the thread takes the screen, with its own composer.
    await benMessage.getByTestId('reply-button').tap();
    await ana.getByTestId('thread-pane').waitFor();
    await assertScreen(ana, 'chat-thread', { shown: ['thread-pane', 'thread-input', 'thread-send'], touch: ['thread-send'], fullWidth: ['thread-pane'] });
    await ana.getByTestId('thread-input').fill('Answered on the phone');
    await ana.getByTestId('thread-send').tap();
    await ben.getByTestId('reply-count').filter({ hasText: '1' }).waitFor();
    await ana.getByTestId('thread-pane').getByRole('button', { name: 'Close thread' }).tap();
    await ana.getByTestId('thread-pane').waitFor({ state: 'detached' });
    await assertScreen(ana, 'chat-after-thread', channelScreen);

    // The members over the whole screen, closed again.
    await ana.getByTestId('show-members').tap();
    await ana.getByTestId('members-pane').waitFor();
    await ana.getByTestId('member').filter({ hasText: 'Ben' }).waitFor();
    await assertScreen(ana, 'chat-members', { shown: ['members-pane', 'member'], fullWidth: ['members-pane'] });
    await ana.getByTestId('members-pane').getByRole('button', { name: 'Close members' }).tap();

    // On the laptop, the channel is found by its purpose, case aside, and joined.
    await ben.getByTestId('browse-channels').click();
    await ben.getByTestId('browse-filter').fill('TALK');
    assert.deepEqual(await ben.getByTestId('browse-entry').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.channelName)), ['phones']);
    assert.match((await ben.getByTestId('browse-entry').textContent()) ?? '', /Talk from phones/);
    await ben.getByTestId('browse-filter').fill('zzz');
    await ben.getByRole('dialog').getByText('No channel matches.').waitFor();
    await ben.getByTestId('browse-filter').fill('phon');
    await ben.getByTestId('join-channel').click();
    await ben.getByTestId('channel-title').filter({ hasText: 'phones' }).waitFor();

    // A tablet keeps the list beside the channel, and everything fits.
    await ana.setViewportSize(TABLET);
    await settled(ana);
    assert.equal(await ana.getByTestId('sidebar').isVisible(), true, 'a tablet shows the channel list');
    await assertScreen(ana, 'chat-tablet', { shown: ['sidebar', 'channel-title', 'search-input', 'composer-input', 'composer-send'] });
    await ana.setViewportSize(PHONE);
    await ana.context().close();
    await ben.context().close();
  });

  test('calendar: the agenda first; the event editor usable; week and month without sideways scroll', async () => {
    const eva = await person('eva', PHONE);
    await signUp(eva, `${parley.url}/chat`, { name: 'Eva', username: `eva${tag}`, org: 'Calendars' });
    await eva.getByTestId('open-drawer').tap();
    await eva.getByTestId('go-calendar').tap();
    await eva.getByTestId('calendar-app').waitFor();
    await eva.getByTestId('agenda').waitFor();
    await settled(eva);
    const toolbar: ScreenCheck = { shown: ['open-drawer', 'cal-title', 'cal-prev', 'cal-next', 'view-day', 'view-week', 'view-month', 'view-agenda'], touch: ['open-drawer', 'cal-prev', 'cal-next', 'view-agenda'] };
    await assertScreen(eva, 'calendar-agenda-empty', { ...toolbar, shown: [...toolbar.shown, 'agenda'], fullWidth: ['agenda'] });

    // A new event from the drawer; the editor's fields and Save are reachable and whole.
    await eva.getByTestId('open-drawer').tap();
    await settled(eva);
    await assertScreen(eva, 'calendar-drawer', { shown: ['sidebar', 'new-event', 'calendar-entry'], touch: ['new-event'] });
    await eva.getByTestId('new-event').tap();
    await eva.getByTestId('event-editor').waitFor();
    await eva.getByTestId('event-title').fill('Dentist');
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Zurich' }).format(new Date(Date.now() + 86_400_000));
    await eva.getByTestId('event-start').fill(`${tomorrow}T10:00`);
    await eva.getByTestId('event-end').fill(`${tomorrow}T11:00`);
    await assertScreen(eva, 'calendar-editor', { shown: ['event-title', 'event-start', 'event-end'] });
    await eva.getByTestId('event-save').scrollIntoViewIfNeeded();
    await assertScreen(eva, 'calendar-editor-save', { shown: ['event-save'], touch: ['event-save'] });
    await eva.getByTestId('event-save').tap();
    await eva.getByTestId('event-editor').waitFor({ state: 'detached' });

    // The agenda lists it under its day, a full-width line to touch.
    const entry = eva.getByTestId('agenda').getByTestId('occurrence').filter({ hasText: 'Dentist' });
    await entry.waitFor();
    await assertScreen(eva, 'calendar-agenda', { ...toolbar, shown: [...toolbar.shown, 'occurrence'], touch: [...(toolbar.touch ?? []), 'occurrence'] });
    assert.match((await entry.textContent()) ?? '', /10:00/);

    // Week and month: seven narrow columns, but nothing leaves the screen.
    for (const view of ['week', 'month', 'day'] as const) {
      await eva.getByTestId(`view-${view}`).tap();
      await eva.getByTestId(`${view}-grid`).waitFor();
      await assertScreen(eva, `calendar-${view}`, { ...toolbar, shown: [...toolbar.shown, `${view}-grid`], fullWidth: [`${view}-grid`] });
    }
    await eva.context().close();
  });
});

/** An invitation link from the drawer's "Invite people" (the phone's way there). */
async function openInvite(page: Page, email: string): Promise<string> {
  await page.getByTestId('open-drawer').tap();
  const url = await invite(page, 'collaborator', email);
  await page.getByTestId('drawer-scrim').click({ position: { x: 380, y: 400 } });
  return url;
}
