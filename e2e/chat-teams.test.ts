// Work teams and default channels in real Chromium pages. An administrator
// chooses the channels newcomers join, makes a team with its channels and
// puts a colleague in it (whose page gets the channels live), invites a new
// person into the team (who arrives, on a phone, in the team's channels and
// the default ones), and adds the whole team to a new channel from its
// members pane; a new public channel is told to the others, who join it
// from the notice or find it marked new. The screens are checked from their boxes at 1280×800 and
// 390×844: no sideways scroll, nothing cut or covered.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { signUp } from './chat-pages.ts';
import { launchBrowser, shotsDir, startStack, tmpDir, waitFor } from './helpers.ts';
import { assertScreen as assertScreenIn, personPage, type ScreenCheck } from './layout.ts';

const shots = shotsDir('chat-teams');
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

describe('work teams and default channels in the browser', () => {
  let parley: Parley;
  let browser: Browser;
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    parley = await startStack({ config: { database: { kind: 'pglite', dir: path.join(tmpDir('teams-e2e'), 'pglite') } } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  const person = (name: string, viewport: { width: number; height: number }) => personPage(browser, name, viewport);

  const assertScreen = (page: Page, what: string, check: ScreenCheck) => assertScreenIn(page, shots, what, check);

  const channelsOf = (page: Page) => page.getByTestId('channel-list').getByTestId('channel-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel-name')).sort());

  async function newChannel(page: Page, name: string, priv = false): Promise<void> {
    await page.getByTestId('new-channel').click();
    await page.getByTestId('channel-name-input').fill(name);
    if (priv) await page.getByTestId('channel-private').check();
    await page.getByTestId('channel-create').click();
    await page.getByTestId('channel-title').filter({ hasText: name }).waitFor();
  }

  /** Invites `email` as a collaborator into `teams`; the link the dialog shows. */
  async function invite(page: Page, email: string, teams: string[]): Promise<string> {
    await page.getByTestId('invite-people').click();
    await page.getByTestId('invite-role').selectOption('collaborator');
    await page.getByTestId('invite-email').fill(email);
    for (const name of teams) await page.locator(`[data-testid=invite-team][data-team-name="${name}"]`).check();
    await page.getByTestId('invite-create').click();
    await page.getByTestId('invite-sent').filter({ hasText: `Mailed to ${email}` }).waitFor();
    const url = await page.getByTestId('invite-url').inputValue();
    await page.getByRole('dialog').getByLabel('Close').click();
    return url;
  }

  test('defaults and a team chosen by an administrator: who joins what, live, on a laptop and a phone', async () => {
    const alice = await person('alice', LAPTOP);
    await signUp(alice, `${parley.url}/chat`, { name: 'Alice', username: `alice${tag}`, org: 'Acme' });
    await newChannel(alice, 'news');
    await newChannel(alice, 'design');
    await newChannel(alice, 'mockups', true);

    // Bob arrives before any choice: #general only, as before.
    const bobUrl = await invite(alice, `bob${tag}@example.org`, []);
    const bob = await person('bob', LAPTOP);
    await signUp(bob, bobUrl, { name: 'Bob', username: `bob${tag}` });
    await waitFor('Bob in #general', async () => (await channelsOf(bob)).join() === 'general');

    // The administrator's screen: #news joins #general as a default channel; a team "Design" with two channels.
    await alice.getByTestId('manage-teams').click();
    const defaults = alice.getByTestId('default-channel');
    await defaults.first().waitFor();
    assert.equal(await alice.locator('[data-testid=default-channel][data-channel-name="general"]').isChecked(), true, '#general is a default channel from the start');
    await alice.locator('[data-testid=default-channel][data-channel-name="news"]').check();
    await waitFor('saved', async () => (await alice.locator('[data-testid=default-channel][data-channel-name="news"]').isChecked()) === true);
    await alice.getByTestId('team-name').fill('Design');
    await alice.getByTestId('team-create').click();
    const team = alice.locator('[data-testid=team][data-team-name="Design"]');
    await team.waitFor();
    for (const c of ['#design', '#mockups']) {
      await team.getByTestId('team-add-channel').selectOption({ label: c });
      await team.getByTestId('team-channel').filter({ hasText: c }).waitFor();
    }
    // Bob put in the team: his page gets both channels at once (the private one too).
    await team.getByTestId('team-add-person').selectOption({ label: 'Bob' });
    await team.getByTestId('team-member').filter({ hasText: 'Bob' }).waitFor();
    await waitFor('Bob in the team’s channels', async () => (await channelsOf(bob)).join() === 'design,general,mockups');
    // Renamed in place (Enter saves), and back.
    await team.getByTestId('team-rename').fill('Design crew');
    await team.getByTestId('team-rename').press('Enter');
    await alice.locator('[data-testid=team][data-team-name="Design crew"]').waitFor();
    const renamed = alice.locator('[data-testid=team][data-team-name="Design crew"]');
    await renamed.getByTestId('team-rename').fill('Design');
    await renamed.getByTestId('team-rename').press('Enter');
    await team.waitFor();
    // A name taken is said next to the form, and nothing is added.
    await alice.getByTestId('team-name').fill('design');
    await alice.getByTestId('team-create').click();
    await alice.getByTestId('teams-error').filter({ hasText: 'A team with this name already exists.' }).waitFor();
    assert.equal(await alice.getByTestId('team').count(), 1);
    await assertScreen(alice, 'teams-admin', { shown: ['teams-admin', 'default-channels', 'team-name', 'team-create', 'team-add-person', 'team-add-channel', 'teams-error'] });
    await alice.setViewportSize(PHONE);
    await alice.getByTestId('team-create').scrollIntoViewIfNeeded();
    await assertScreen(alice, 'teams-admin', { shown: ['team-name', 'team-create'] });
    await team.getByTestId('team-add-channel').scrollIntoViewIfNeeded();
    await assertScreen(alice, 'teams-admin-team', { shown: ['team-add-person', 'team-add-channel'] });
    await alice.setViewportSize(LAPTOP);
    await alice.getByRole('dialog').getByLabel('Close').click();

    // Carla, invited into the team, signs up on her phone: the team's channels and the defaults are hers.
    const carlaUrl = await invite(alice, `carla${tag}@example.org`, ['Design']);
    const carla = await person('carla', PHONE);
    await signUp(carla, carlaUrl, { name: 'Carla', username: `carla${tag}` });
    await waitFor('Carla’s channels', async () => (await channelsOf(carla)).join() === 'design,general,mockups,news');
    await assertScreen(carla, 'newcomer', { shown: ['open-drawer', 'channel-title', 'composer-input', 'composer-send'] });

    // A new private channel: Alice adds the whole team from its members pane; Bob and Carla get it live.
    await newChannel(alice, 'launch', true);
    await alice.getByTestId('show-members').click();
    await alice.getByTestId('add-members').click();
    const entry = alice.locator('[data-testid=add-team-entry][data-team-name="Design"]');
    await entry.waitFor();
    await assertScreen(alice, 'add-team', { shown: ['members-pane', 'add-team', 'composer-input'] });
    await entry.getByTestId('add-team').click();
    await waitFor('three members', async () => (await alice.getByTestId('members-pane').getByTestId('member').count()) === 3);
    await waitFor('Bob has #launch', async () => (await channelsOf(bob)).includes('launch'));
    await waitFor('Carla has #launch', async () => (await channelsOf(carla)).includes('launch'));
    // Everyone of the team is in: the team is no longer offered.
    await waitFor('team entry gone', async () => (await entry.count()) === 0);
    await bob.locator('[data-testid=channel-entry][data-channel-name="launch"]').click();
    await bob.getByTestId('messages').getByText('added').first().waitFor();

    // A new public channel is told to the others: Bob joins from the notice; Carla puts it away and finds it, marked new, in the browse list.
    await newChannel(alice, 'events');
    const notice = bob.locator('[data-testid=new-channel-notice][data-channel-name="events"]');
    await notice.filter({ hasText: 'Alice made #events' }).waitFor();
    await assertScreen(bob, 'new-channel-notice', { shown: ['new-channel-notice', 'new-channel-join', 'new-channel-dismiss'] });
    await notice.getByTestId('new-channel-join').click();
    await bob.getByTestId('channel-title').filter({ hasText: 'events' }).waitFor();
    assert.equal(await notice.count(), 0, 'joined: the notice is gone');
    await carla.getByTestId('open-drawer').tap();
    const carlaNotice = carla.locator('[data-testid=new-channel-notice][data-channel-name="events"]');
    await carlaNotice.waitFor();
    await carla.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await assertScreen(carla, 'new-channel-notice', { shown: ['new-channel-notice', 'new-channel-join', 'new-channel-dismiss'], touch: ['new-channel-dismiss'] });
    await carlaNotice.getByTestId('new-channel-dismiss').tap();
    await carlaNotice.waitFor({ state: 'detached' });
    await carla.getByTestId('browse-channels').tap();
    const browsed = carla.locator('[data-testid=browse-entry][data-channel-name="events"]');
    await browsed.getByTestId('browse-new').waitFor();
    assert.equal(await carla.getByTestId('browse-entry').first().getAttribute('data-channel-name'), 'events', 'new channels come first');
  });
});
