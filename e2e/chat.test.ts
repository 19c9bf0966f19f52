// Team chat in real Chromium pages: two people sign up (one creates the
// organization, one comes by invitation link) and talk in #general; thread
// replies, reactions and edits appear live on the other page; Euria's welcome
// arrives; markup typed by people stays text; a guest sees only its channel;
// a call started from a channel opens a meeting where both pages decode each
// other's video. Embedded defaults: PGlite in a folder, Euria on BullMQ.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pino } from 'pino';
import type { Parley } from '@parley/server';
import { Euria } from '@parley/bots';
import { invite, signUp } from './chat-pages.ts';
import { launchBrowser, participantId, shotsDir, startStack, tmpDir, waitFor, waitForMediaFrom } from './helpers.ts';

const shots = shotsDir('chat');

const EURIA_TOKEN = 'e2e-euria-token-0123456789abcdef';

// Bob's account speaks French: his pages show French sentences, read here from the French message file.
const FRENCH = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../i18n/messages/fr.json'), 'utf8')) as Record<string, string>;
function french(key: string): string {
  const text = FRENCH[key];
  assert.ok(text, `i18n/messages/fr.json has no ${key}`);
  return text;
}
/** The page's language, as <html lang> says it (fr-CH, fr...). */
const pageLanguage = (page: Page) => page.evaluate(() => document.documentElement.lang.split('-')[0]);

describe('team chat in the browser', () => {
  let parley: Parley;
  let browser: Browser;
  let euria: Euria;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  let inviteUrl = '';
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    const queueName = `bots-e2e-${tag}`;
    parley = await startStack({
      config: {
        database: { kind: 'pglite', dir: path.join(tmpDir('chat-e2e'), 'pglite') },
        bots: { queueName, agendaQueueName: `agenda-e2e-${tag}`, euriaToken: EURIA_TOKEN },
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
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['camera', 'microphone'] });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
    return page;
  }

  const message = (page: Page, text: string) => page.getByTestId('messages').getByTestId('message').filter({ hasText: text });

  /** Sends `text`; waits for it on the page as `shown` (Markdown shows without its marks). */
  async function send(page: Page, text: string, shown = text): Promise<void> {
    await page.getByTestId('composer-input').fill(text);
    await page.getByTestId('composer-input').press('Enter');
    await message(page, shown).first().waitFor();
  }

  test('sign up with a new organization, invite a colleague who gets Euria’s welcome in French', async () => {
    alice = await person('alice');
    await signUp(alice, `${parley.url}/chat`, { name: 'Alice', username: `alice${tag}`, org: 'Acme' });
    assert.equal(await alice.getByTestId('channel-title').textContent(), '#general');
    inviteUrl = await invite(alice, 'collaborator', `bob${tag}@example.org`);
    assert.match(inviteUrl, /\/chat\/invite\//);

    bob = await person('bob');
    await bob.goto(inviteUrl);
    await bob.getByTestId('invitation-info').waitFor();
    assert.match((await bob.getByTestId('invitation-info').textContent())!, /Acme/);
    await signUp(bob, inviteUrl, { name: 'Bob', username: `bob${tag}`, language: 'fr' });
    // The language chosen at sign-up is the page's at once, and the chat's.
    assert.equal(await pageLanguage(bob), 'fr');
    await bob.getByTestId('sign-out').filter({ hasText: french('chat.sidebar.signOut') }).waitFor();
    // Euria's direct message arrives (live or at load) with an unread badge.
    const euriaEntry = bob.getByTestId('dm-list').locator('[data-channel-name="Euria"]');
    await euriaEntry.waitFor({ timeout: 30_000 });
    await euriaEntry.click();
    const welcome = bob.getByTestId('messages').getByTestId('message-text').first();
    await welcome.waitFor({ timeout: 30_000 });
    assert.match((await welcome.textContent())!, /^Bienvenue dans Acme, Bob\s!/);
    // Alice (who created the organization) was welcomed too, in English.
    await alice.getByTestId('dm-list').locator('[data-channel-name="Euria"]').click();
    await waitFor('Alice’s welcome', async () => /Welcome to Acme, Alice!/.test((await alice.getByTestId('messages').textContent()) ?? ''));
    assert.equal(await pageLanguage(alice), 'en');
    // Signed in on a browser that never chose a language: the chat follows the account's.
    const elsewhere = await person('bob elsewhere');
    await elsewhere.goto(`${parley.url}/chat`);
    await elsewhere.getByTestId('login-input').fill(`bob${tag}`);
    await elsewhere.getByTestId('password-input').fill('correct horse battery');
    await elsewhere.getByTestId('login-submit').click();
    await elsewhere.getByTestId('chat-app').waitFor();
    await waitFor('the account’s language', async () => (await pageLanguage(elsewhere)) === 'fr');
    await elsewhere.getByTestId('sign-out').filter({ hasText: french('chat.sidebar.signOut') }).waitFor();
    await elsewhere.context().close();
  });

  test('messages, a thread reply, a reaction and an edit appear live on the other page', async () => {
    await alice.locator('[data-testid=channel-entry][data-channel-name="general"]').click();
    await bob.locator('[data-testid=channel-entry][data-channel-name="general"]').click();
    await send(alice, 'Hello Bob, the plan is ready');
    const onBob = message(bob, 'Hello Bob, the plan is ready');
    await onBob.waitFor();

    await onBob.hover();
    await onBob.getByTestId('reply-button').click();
    await bob.getByTestId('thread-pane').waitFor();
    await bob.getByTestId('thread-input').fill('Great, reading it now');
    await bob.getByTestId('thread-send').click();
    const onAlice = message(alice, 'Hello Bob, the plan is ready');
    await onAlice.getByTestId('reply-count').filter({ hasText: '1 reply' }).waitFor();
    await onAlice.getByTestId('reply-count').click();
    await alice.getByTestId('thread-pane').getByText('Great, reading it now').waitFor();
    await alice.getByTestId('thread-pane').getByLabel('Close thread').click();

    await onAlice.hover();
    await onAlice.getByTestId('react-button').click();
    await onAlice.getByTestId('pick-🎉').click();
    await onBob.getByTestId('reaction').filter({ hasText: '🎉 1' }).waitFor();

    await onAlice.hover();
    await onAlice.getByTestId('edit-button').click();
    await alice.getByTestId('edit-input').fill('Hello Bob, the plan is final');
    await alice.getByTestId('edit-save').click();
    const edited = message(bob, 'Hello Bob, the plan is final');
    await edited.getByTestId('edited').waitFor();

    // A mention reaches Bob's page while he looks elsewhere: badge and toast.
    await bob.getByTestId('dm-list').locator('[data-channel-name="Euria"]').click();
    await send(alice, `@bob${tag} can you check the numbers?`);
    await bob.locator('[data-testid=channel-entry][data-channel-name="general"]').getByTestId('mention-badge').waitFor();
    await bob.getByTestId('toast').filter({ hasText: 'can you check the numbers' }).waitFor();
    await bob.locator('[data-testid=channel-entry][data-channel-name="general"]').click();
    await waitFor('badge cleared', async () => (await bob.locator('[data-testid=channel-entry][data-channel-name="general"]').getByTestId('unread-badge').count()) === 0);

    // Search finds it.
    await bob.getByTestId('search-input').fill('numbers');
    await bob.getByTestId('search-input').press('Enter');
    await bob.getByTestId('search-pane').getByTestId('search-hit').first().waitFor();
    await bob.getByTestId('search-pane').getByLabel(french('chat.search.close')).click();
  });

  test('markup in messages and names shows as text: no element, no script', async () => {
    const hostile = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><a href="javascript:window.__xss=3">x</a>`;
    await send(alice, hostile);
    const onBob = message(bob, '<img src=x');
    await onBob.waitFor();
    assert.equal(await onBob.getByTestId('message-text').textContent(), hostile);
    for (const page of [alice, bob]) {
      assert.equal(await page.getByTestId('messages').locator('img, script, a[href^="javascript"]').count(), 0);
      assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    }
  });

  test('Markdown as Mattermost users write it: emphasis, code, a highlighted block, a quote, lists, a table, links; on a phone the table scrolls inside the message', async () => {
    const md = [
      `**bold** _italic_ ~~gone~~ \`a<b>\` [docs](https://example.org/docs) @bob${tag}`,
      '',
      '> quoted',
      '',
      '- one',
      '- [x] done',
      '',
      '1. first',
      '2. second',
      '',
      '| Name | Score | Monday | Tuesday | Wednesday | Thursday | Friday |',
      '|---|--:|---|---|---|---|---|',
      '| Ana | 3 | office | office | remote | office | holidays |',
      '',
      '```js',
      'const answer = 42; // why',
      '```',
    ].join('\n');
    await send(alice, md, 'quoted');
    const m = message(bob, 'quoted');
    await m.waitFor();
    const text = m.getByTestId('message-text');
    assert.equal(await text.locator('strong').textContent(), 'bold');
    assert.equal(await text.locator('em').textContent(), 'italic');
    assert.equal(await text.locator('del').textContent(), 'gone');
    assert.equal(await text.locator('code.md-code').textContent(), 'a<b>');
    assert.equal(await text.locator('a[href="https://example.org/docs"][target=_blank][rel~=noopener]').textContent(), 'docs');
    assert.equal(await text.locator('.mention.me').textContent(), `@bob${tag}`);
    assert.equal(await text.locator('blockquote').textContent(), 'quoted');
    assert.deepEqual(await text.locator('ul > li').allTextContents(), ['one', 'done']);
    assert.equal(await text.locator('ul input[type=checkbox][disabled]:checked').count(), 1);
    assert.deepEqual(await text.locator('ol > li').allTextContents(), ['first', 'second']);
    assert.deepEqual(await text.locator('th').allTextContents(), ['Name', 'Score', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']);
    assert.equal(await text.locator('td').nth(1).evaluate((e) => getComputedStyle(e).textAlign), 'right');
    // The block's language loads the highlighter: its keyword and number get their colours.
    await text.locator('pre code .hljs-keyword').filter({ hasText: 'const' }).waitFor();
    assert.equal(await text.locator('pre code .hljs-number').textContent(), '42');
    assert.equal(await text.locator('pre code').textContent(), 'const answer = 42; // why');
    await bob.screenshot({ path: `${shots}/markdown-1280.png` });
    await bob.setViewportSize({ width: 390, height: 844 });
    try {
      await m.scrollIntoViewIfNeeded();
      // The channel list slides away as the window narrows: its boxes are read where they settle.
      await bob.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
      await bob.screenshot({ path: `${shots}/markdown-390.png` });
      const sizes = await bob.evaluate(() => ({ page: document.documentElement.scrollWidth, vw: window.innerWidth }));
      assert.ok(sizes.page <= sizes.vw, `the page scrolls sideways on a phone (${sizes.page} > ${sizes.vw})`);
      const table = await text.locator('.md-table').evaluate((e) => ({ box: e.getBoundingClientRect().right, scroll: e.scrollWidth, client: e.clientWidth }));
      assert.ok(table.box <= 390 && table.scroll > table.client, `the wide table scrolls inside its message: ${JSON.stringify(table)}`);
    } finally {
      await bob.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test('hostile Markdown: no script link, no remote image, no data link; nesting and size that would stall the parser show as plain text', async () => {
    const links = '[click](javascript:window.__xss=4) ![t](https://example.org/t.png) [d](data:text/html,x) <b onclick="window.__xss=5">b</b>';
    await send(alice, links, '[click](javascript:');
    const m = message(bob, '[click](javascript:');
    await m.waitFor();
    const text = m.getByTestId('message-text');
    assert.equal(await text.locator('a[href^="javascript"], a[href^="data"], img, b').count(), 0);
    // The image is a link to its address, not loaded (a remote image tells its server who reads).
    assert.equal(await text.locator('a[href="https://example.org/t.png"]').textContent(), 't');
    assert.match((await text.textContent()) ?? '', /\[click\]\(javascript:window\.__xss=4\).*<b onclick="window\.__xss=5">b<\/b>/);
    // Deep quotes (the parser recurses per marker) and a long run of emphasis marks (it grows quadratic): plain text.
    const deep = `${'> '.repeat(200)}deep`;
    await send(alice, deep, 'deep');
    const deepOnBob = message(bob, 'deep');
    await deepOnBob.waitFor();
    assert.equal(await deepOnBob.locator('blockquote').count(), 0);
    assert.equal(await deepOnBob.getByTestId('message-text').textContent(), deep);
    const emphasis = `a${'_a'.repeat(7000)}`;
    await send(alice, emphasis, 'a_a_a_a');
    const emOnBob = message(bob, 'a_a_a_a');
    await emOnBob.waitFor();
    assert.equal(await emOnBob.getByTestId('message-text').textContent(), emphasis);
    for (const page of [alice, bob]) assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
  });

  test('search finds prefixes without accents, with in: and from:, over an open thread; hits marked; a click jumps to the message', async () => {
    await send(alice, 'Le robot arrive après la réunion de Zürich');
    // A thread open on Bob's side: the results take its place.
    await message(bob, 'Le robot arrive').getByTestId('reply-button').click();
    await bob.getByTestId('thread-pane').waitFor();
    await bob.getByTestId('search-input').fill(`rob APRES zurich in:general from:@alice${tag}`);
    await bob.getByTestId('search-input').press('Enter');
    await bob.getByTestId('search-pane').waitFor();
    assert.equal(await bob.getByTestId('thread-pane').count(), 0);
    const hit = bob.getByTestId('search-hit').filter({ hasText: 'Le robot arrive' });
    await hit.waitFor();
    assert.equal(await bob.getByTestId('search-hit').count(), 1);
    assert.deepEqual(await hit.locator('mark.hit').allTextContents(), ['robot', 'après', 'Zürich']);
    // Another author: nothing.
    await bob.getByTestId('search-input').fill(`robot from:bob${tag}`);
    await bob.getByTestId('search-input').press('Enter');
    await bob.getByTestId('search-pane').getByText(french('chat.search.none')).waitFor();
    await bob.getByTestId('search-input').fill('réunion zur');
    await bob.getByTestId('search-input').press('Enter');
    await hit.waitFor();
    await hit.getByTestId('search-hit-open').click();
    const inChannel = bob.locator('.channel-main [data-testid=message].flash').filter({ hasText: 'Le robot arrive' });
    await inChannel.waitFor();
    await bob.screenshot({ path: `${shots}/search-hit.png` });
    await bob.getByTestId('search-pane').getByRole('button', { name: french('chat.search.close') }).click();
  });

  /** The picker shows its search's results (a few), no longer its full list: what is clicked then stays in place. */
  const searched = (page: Page) =>
    page.waitForFunction(() => {
      const n = document.querySelector('[data-testid=emoji-picker] emoji-picker')?.shadowRoot?.querySelectorAll('[role=option]').length;
      return n !== undefined && n > 0 && n < 20;
    });

  test('emoji: the full picker in French for a reaction, the composer’s picker, and :shortcode: completion', async () => {
    await send(alice, 'Emoji time');
    const target = message(bob, 'Emoji time');
    await target.waitFor();
    await target.getByTestId('react-button').click();
    await target.getByTestId('more-emoji').click();
    const picker = bob.getByTestId('emoji-picker');
    // Bob reads French: the picker searches French names ("fusée" is the rocket).
    await picker.locator('input[type=search]').fill('fusée');
    await searched(bob);
    await picker.getByRole('option', { name: /fusée/i }).first().click();
    await picker.waitFor({ state: 'detached' });
    await message(alice, 'Emoji time').getByTestId('reaction').filter({ hasText: '🚀' }).waitFor();

    // The composer: :thumbsu suggests 👍, Enter takes it (and does not send), Enter again sends.
    await alice.getByTestId('composer-input').fill('Looks good :thumbsu');
    await alice.getByTestId('emoji-suggestion').first().waitFor();
    // (Emoji data writes some with the emoji presentation selector U+FE0F, invisible: left out of the comparisons.)
    const plain = (s: string) => s.replace(/\uFE0F/g, '');
    assert.match(plain((await alice.getByTestId('emoji-suggestions').textContent()) ?? ''), /👍 :thumbsup:/);
    await alice.getByTestId('composer-input').press('Enter');
    await waitFor('the thumb in the composer', async () => plain(await alice.getByTestId('composer-input').inputValue()) === 'Looks good 👍 ');
    await alice.getByTestId('composer-emoji').click();
    await alice.getByTestId('emoji-picker').locator('input[type=search]').fill('rocket');
    await searched(alice);
    await alice.getByTestId('emoji-picker').getByRole('option', { name: /rocket/i }).first().click();
    // The picker tells its pick a moment after the click: the text is waited for, not read at once.
    await waitFor('the rocket in the composer', async () => plain(await alice.getByTestId('composer-input').inputValue()) === 'Looks good 👍 🚀');
    await alice.getByTestId('composer-input').press('Enter');
    await message(bob, 'Looks good').filter({ hasText: '🚀' }).waitFor();
    await bob.screenshot({ path: `${shots}/emoji.png` });
  });

  test('desktop notifications: not offered where the browser refuses them; allowed, a hidden tab is notified of a mention, a muted channel not', async () => {
    // This browser refuses notifications until granted (headless Chromium with a fake permission UI): nothing to offer.
    assert.equal(await bob.evaluate(() => Notification.permission), 'denied');
    await send(bob, 'Hello again');
    assert.equal(await bob.getByTestId('notify-ask').count(), 0);

    // Alice's browser allows them (as its settings would), then she looks at another tab.
    await alice.context().grantPermissions(['notifications']);
    assert.equal(await alice.getByTestId('notify-ask').count(), 0);
    // What the page hands to the browser's notifications, kept to be read here (each is a real Notification).
    await alice.evaluate(() => {
      const Real = window.Notification;
      const shown: string[] = ((window as unknown as { shown: string[] }).shown = []);
      window.Notification = class extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push(`${title}: ${options?.body ?? ''}`);
        }
      } as typeof Notification;
    });
    // Headless Chromium never hides a page (another tab in front, a minimized window: both leave it
    // "visible", tried): the page is told it is hidden, as a background tab would be.
    const hide = (hidden: boolean) =>
      alice.evaluate((h) => Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') }), hidden);
    await hide(true);
    await bob.getByTestId('composer-input').fill(`@alice${tag} a word while you are away`);
    await bob.getByTestId('composer-input').press('Enter');
    await alice.waitForFunction(() => (window as unknown as { shown: string[] }).shown.length > 0);
    assert.deepEqual(await alice.evaluate(() => (window as unknown as { shown: string[] }).shown), [`Bob · #general: @alice${tag} a word while you are away`]);

    // Muted, the channel tells her nothing, even of a mention.
    await hide(false);
    await alice.getByTestId('mute-channel').click();
    await alice.locator('[data-testid=channel-entry][data-channel-name="general"].muted').waitFor();
    assert.equal(await alice.getByTestId('mute-channel').getAttribute('aria-pressed'), 'true');
    await hide(true);
    await send(bob, `@alice${tag} still there?`);
    await message(alice, 'still there?').waitFor();
    assert.equal(await alice.evaluate(() => (window as unknown as { shown: string[] }).shown.length), 1);
    await hide(false);
    await alice.getByTestId('mute-channel').click();
    await alice.locator('[data-testid=channel-entry][data-channel-name="general"]:not(.muted)').waitFor();
  });

  test('a guest invited to one channel sees only that channel', async () => {
    await alice.getByTestId('new-channel').click();
    await alice.getByTestId('channel-name-input').fill('partners');
    await alice.getByTestId('channel-private').check();
    await alice.getByTestId('channel-create').click();
    await waitFor('partners open', async () => (await alice.getByTestId('channel-title').textContent())?.includes('partners'));
    const guestUrl = await invite(alice, 'external', `gus${tag}@example.org`, ['partners']);
    const guest = await person('guest');
    await signUp(guest, guestUrl, { name: '<img src=x onerror="window.__xss=4">Gus', username: `gus${tag}` });
    await waitFor('guest channels', async () => (await guest.getByTestId('channel-list').getByTestId('channel-entry').count()) === 1);
    assert.deepEqual(await guest.getByTestId('channel-list').getByTestId('channel-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel-name'))), ['partners']);
    assert.equal(await guest.getByTestId('new-channel').count(), 0);
    assert.equal(await guest.getByTestId('invite-people').count(), 0);
    // Alice's page shows the guest's name as typed, without running it.
    await alice.getByTestId('messages').getByText('joined the channel').last().waitFor();
    await send(alice, 'Welcome to our partners channel');
    await message(guest, 'Welcome to our partners channel').waitFor();
    await alice.locator('[data-testid=channel-entry][data-channel-name="general"]').click();
    await send(alice, 'internal: general only');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await guest.getByText('internal: general only').count(), 0);
    await guest.getByTestId('show-members').click();
    await guest.getByTestId('members-pane').getByText('<img src=x onerror="window.__xss=4">Gus').waitFor();
    assert.equal(await guest.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    assert.equal(await alice.evaluate(() => (window as { __xss?: number }).__xss), undefined);
  });

  test('an administrator changes a role; the last legal representative stays', async () => {
    await alice.getByTestId('manage-people').click();
    const bobRow = alice.locator(`[data-testid=org-member][data-username="bob${tag}"]`);
    await bobRow.getByTestId('org-role').selectOption('admin');
    await waitFor('Bob is admin', async () => (await bobRow.getByTestId('org-role').inputValue()) === 'admin');
    const aliceRow = alice.locator(`[data-testid=org-member][data-username="alice${tag}"]`);
    await aliceRow.getByTestId('org-role').selectOption('collaborator');
    await alice.getByTestId('admin-error').filter({ hasText: 'at least one legal representative' }).waitFor();
    await alice.getByRole('dialog').getByLabel('Close').click();
    // Bob, now an administrator, sees the admin tools after a reload.
    await bob.reload();
    await bob.getByTestId('invite-people').waitFor();
  });

  test('invitations: several addresses at once, pending in the people screen, resent and revoked; an open link only for collaborators', async () => {
    await alice.getByTestId('invite-people').click();
    // An administrator is invited by address: no open link is offered for that role.
    await alice.getByTestId('invite-role').selectOption('admin');
    assert.equal(await alice.getByTestId('invite-open').count(), 0);
    await alice.getByTestId('invite-role').selectOption('collaborator');
    await alice.getByTestId('invite-email').fill(`carla${tag}@example.org, dino${tag}@example.org`);
    await alice.getByTestId('invite-create').click();
    await waitFor('two invitations mailed', async () => (await alice.getByTestId('invite-sent').count()) === 2);
    await alice.getByTestId('invite-open').check();
    await alice.getByTestId('invite-max-uses').fill('3');
    await alice.getByTestId('invite-create').click();
    await alice.getByTestId('invite-sent').filter({ hasText: 'Works for up to 3 people' }).waitFor();
    await alice.screenshot({ path: `${shots}/invite-dialog.png` });
    await alice.getByRole('dialog').getByLabel('Close').click();
    await alice.getByTestId('manage-people').click();
    const pending = alice.getByTestId('pending-invitation');
    await waitFor('three pending', async () => (await pending.count()) === 3);
    const carla = pending.filter({ hasText: `carla${tag}@example.org` });
    await carla.getByTestId('invitation-resend').click();
    await waitFor('a second mail to Carla', async () => {
      const rows = await parley.chat!.db.query('select 1 from mail_outbox where to_address = $1', [`carla${tag}@example.org`]);
      return rows.length === 2;
    });
    await pending.filter({ hasText: `dino${tag}@example.org` }).getByTestId('invitation-revoke').click();
    await waitFor('Dino’s invitation gone', async () => (await pending.count()) === 2);
    await alice.screenshot({ path: `${shots}/pending-invitations.png` });
    await alice.getByRole('dialog').getByLabel('Close').click();
  });

  test('a call started from a channel opens a meeting where both pages decode each other’s video', async () => {
    await alice.locator('[data-testid=channel-entry][data-channel-name="general"]').click();
    const aliceCtx = alice.context();
    const bobCtx = bob.context();
    const alicePopup = aliceCtx.waitForEvent('page');
    await alice.getByTestId('start-call').click();
    const aliceMeet = await alicePopup;
    const card = bob.getByTestId('messages').getByTestId('call-card').last();
    await card.waitFor();
    const bobPopup = bobCtx.waitForEvent('page');
    await card.getByTestId('call-join').click();
    const bobMeet = await bobPopup;
    for (const [page, name] of [
      [aliceMeet, 'Alice'],
      [bobMeet, 'Bob'],
    ] as const) {
      // On the address the chat is on, the signed-in name already on the pre-join screen.
      assert.equal(new URL(page.url()).origin, new URL(parley.url).origin);
      await page.getByTestId('prejoin').waitFor();
      assert.equal(await page.getByTestId('name-input').inputValue(), name);
      await page.getByTestId('join-button').click();
      await page.getByTestId('room').waitFor({ timeout: 30_000 });
    }
    const [ida, idb] = (await Promise.all([participantId(aliceMeet), participantId(bobMeet)])) as [string, string];
    const seenByAlice = await waitForMediaFrom(aliceMeet, [idb]);
    const seenByBob = await waitForMediaFrom(bobMeet, [ida]);
    for (const s of [...seenByAlice, ...seenByBob].filter((x) => x.kind === 'video')) assert.ok(s.framesDecoded > 0);
    // The card counts them, then closes when the meeting ends.
    await alice.getByTestId('messages').getByTestId('call-count').last().filter({ hasText: '2 in the call' }).waitFor({ timeout: 10_000 });
    await aliceMeet.close();
    await bobMeet.close();
    await card.filter({ hasText: french('chat.call.ended') }).waitFor({ timeout: 60_000 });
  });
});
