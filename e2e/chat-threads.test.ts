// The Threads view in real Chromium pages: a colleague on a phone answers a
// message; the author's page counts the thread as unread live, lists it in
// the Threads view, and reading it there clears the count (kept by the
// server: a reload shows the same). Replies that come while the thread is
// open are read; on the phone the view takes the screen. Boxes checked at
// 1280×800 and 390×844.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { invite, signUp } from './chat-pages.ts';
import { launchBrowser, shotsDir, startStack, tmpDir, waitFor } from './helpers.ts';
import { assertScreen as assertScreenIn, personPage, type ScreenCheck } from './layout.ts';

const shots = shotsDir('chat-threads');

describe('the Threads view in the browser', () => {
  let parley: Parley;
  let browser: Browser;
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    parley = await startStack({ config: { database: { kind: 'pglite', dir: path.join(tmpDir('threads-e2e'), 'pglite') } } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  const person = (name: string, viewport: { width: number; height: number }) => personPage(browser, name, viewport);

  const assertScreen = (page: Page, what: string, check: ScreenCheck) => assertScreenIn(page, shots, what, check);

  const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  const badge = (page: Page) => page.getByTestId('threads-badge');

  async function replyFromPhone(bob: Page, text: string): Promise<void> {
    await bob.getByTestId('thread-input').fill(text);
    await bob.getByTestId('thread-send').tap();
    await bob.getByTestId('thread-pane').getByText(text).waitFor();
  }

  test('a reply makes the thread unread on its author’s page, live; the Threads view lists it and reading it clears the count, for good', async () => {
    const ann = await person('ann', { width: 1280, height: 800 });
    await signUp(ann, `${parley.url}/chat`, { name: 'Ann', username: `ann${tag}`, org: 'Acme' });
    const url = await invite(ann, 'collaborator', `bob${tag}@example.org`);
    const bob = await person('bob', { width: 390, height: 844 });
    await signUp(bob, url, { name: 'Bob', username: `bob${tag}` });

    await ann.getByTestId('composer-input').fill('Plan for Monday?');
    await ann.getByTestId('composer-input').press('Enter');
    const onBob = bob.getByTestId('messages').getByTestId('message').filter({ hasText: 'Plan for Monday?' });
    await onBob.waitFor();
    await onBob.getByTestId('reply-button').tap();
    await replyFromPhone(bob, 'I can do 10:00');
    // Ann's page: one thread with a new reply, counted beside "Threads".
    await badge(ann).filter({ hasText: '1' }).waitFor();
    await ann.getByTestId('threads-entry').click();
    const item = ann.getByTestId('thread-item').filter({ hasText: 'Plan for Monday?' });
    await item.getByTestId('thread-unread').filter({ hasText: '1' }).waitFor();
    assert.match((await item.textContent())!, /#general · Ann/);
    await assertScreen(ann, 'threads-view', { shown: ['threads-entry', 'threads-title', 'thread-item', 'thread-unread'] });
    await item.click();
    await ann.getByTestId('thread-pane').getByText('I can do 10:00').waitFor();
    await waitFor('the count cleared', async () => (await badge(ann).count()) === 0 && (await item.getByTestId('thread-unread').count()) === 0);
    await assertScreen(ann, 'threads-view-open', { shown: ['threads-view', 'thread-pane', 'thread-input'] });

    // While Ann has it open, a reply is read as it comes.
    await replyFromPhone(bob, 'Room 2 is free');
    await ann.getByTestId('thread-pane').getByText('Room 2 is free').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await badge(ann).count(), 0, 'a reply seen in the open thread is not unread');
    // Closed, the next one counts again.
    await ann.getByTestId('thread-pane').getByLabel('Close thread').click();
    await replyFromPhone(bob, 'Booked it');
    await item.getByTestId('thread-unread').filter({ hasText: '1' }).waitFor();
    await badge(ann).filter({ hasText: '1' }).waitFor();
    // The server keeps what was read: after a reload, the same.
    await ann.reload();
    await badge(ann).filter({ hasText: '1' }).waitFor();
    await ann.getByTestId('threads-entry').click();
    assert.equal(await ann.getByTestId('thread-item').filter({ hasText: 'Plan for Monday?' }).getByTestId('thread-unread').textContent(), '1');

    // Bob's phone: the view from the drawer takes the screen; a tap opens the thread over it.
    await bob.getByTestId('thread-pane').getByLabel('Close thread').tap();
    await bob.getByTestId('open-drawer').tap();
    await settled(bob);
    await bob.getByTestId('threads-entry').tap();
    await bob.getByTestId('thread-item').first().waitFor();
    await settled(bob);
    await assertScreen(bob, 'threads-view', { shown: ['open-drawer', 'threads-title', 'thread-item'], touch: ['open-drawer'], fullWidth: ['threads-view'] });
    await bob.getByTestId('thread-item').first().tap();
    await bob.getByTestId('thread-pane').getByText('Booked it').waitFor();
    await settled(bob);
    await assertScreen(bob, 'threads-thread', { shown: ['thread-pane', 'thread-input', 'thread-send'], fullWidth: ['thread-pane'] });
    // A channel from the drawer leaves the view.
    await bob.getByTestId('thread-pane').getByLabel('Close thread').tap();
    await bob.getByTestId('open-drawer').tap();
    await settled(bob);
    await bob.locator('[data-testid=channel-entry][data-channel-name="general"]').tap();
    await bob.getByTestId('channel-title').filter({ hasText: 'general' }).waitFor();
    assert.equal(await bob.getByTestId('threads-view').count(), 0);
  });
});
