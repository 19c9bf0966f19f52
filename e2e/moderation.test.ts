// Moderation and the waiting room in real Chromium pages: what the
// moderator and the others see and hear, with media checked by getStats.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { CreateMeetingReply } from '@parley/protocol';
import type { Parley } from '@parley/server';
import { inRoom, launchBrowser, micPaused, openParticipant, startStack, shotsDir, stats, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';

let parley: Parley;
let browser: Browser;
const shots = shotsDir('moderation');
const pages: Participant[] = [];

beforeAll(async () => {
  parley = await startStack();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await parley?.close();
});

async function meeting(waitingRoom: boolean): Promise<CreateMeetingReply> {
  const res = await fetch(`${parley.url}/api/meetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Moderated', waitingRoom }),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as CreateMeetingReply;
}
async function open(m: CreateMeetingReply, name: string, opts: { host?: boolean } = {}): Promise<Participant> {
  const p = await openParticipant(browser, parley.url, m.id, name, { prejoin: '0', ...(opts.host ? { moderatorToken: m.moderatorToken } : {}) });
  pages.push(p);
  return p;
}
async function closeAll(...ps: Participant[]): Promise<void> {
  for (const p of ps) await p.context.close();
}
/** Opens the participants panel and returns the moderator actions of `id`'s row. */
async function rowActions(page: Page, id: string) {
  if (!(await page.getByTestId('participants-panel').isVisible())) await page.getByTestId('toggle-participants').click();
  const row = page.locator(`[data-testid="participant-row"][data-participant-id="${id}"]`);
  // Each person's actions are in their menu (the ⋮ button of the row).
  if ((await row.getByTestId('moderator-actions').count()) === 0) await row.getByTestId('person-menu').click();
  return row.getByTestId('moderator-actions');
}
async function openSettings(page: Page) {
  if (!(await page.getByTestId('settings-panel').isVisible())) await page.getByTestId('toggle-settings').click();
  await page.getByTestId('moderator-settings').waitFor();
}
async function audioPackets(page: Page, from: string): Promise<number> {
  return (await stats(page)).filter((s) => s.participantId === from && s.kind === 'audio').reduce((a, s) => a + s.packetsReceived, 0);
}

describe('waiting room in the browser', () => {
  test('knock then admit: the moderator sees and hears the knock, the admitted page decodes the others', async () => {
    const m = await meeting(true);
    const host = await open(m, 'Host', { host: true });
    const hostId = await inRoom(host);
    const guest = await open(m, 'Guest');
    await guest.page.getByTestId('waiting').waitFor();
    const row = host.page.locator('[data-testid="knocker-row"]');
    await row.waitFor();
    assert.equal(await row.locator('.person-name').textContent(), 'Guest');
    // No password on this meeting: the waiting page offers none to type.
    assert.equal(await guest.page.getByTestId('password-form').count(), 0);
    await guest.page.screenshot({ path: `${shots}/waiting-no-password.png` });
    assert.ok((await host.page.evaluate(() => window.parley!.knocks())) >= 1, 'the knock sound played');
    // The waiting page has nothing of the meeting.
    assert.equal(await guest.page.evaluate(() => window.parley!.session.participants.value.size), 0);
    await row.getByTestId('admit').click();
    const guestId = await inRoom(guest);
    await waitForMediaFrom(guest.page, [hostId]);
    await waitForMediaFrom(host.page, [guestId]);
    await host.page.getByTestId('lobby-panel').waitFor({ state: 'detached' });
    await closeAll(host, guest);
  });

  test('knock then deny, ask again, then cancel; switching the waiting room off lets people in', async () => {
    const m = await meeting(true);
    const host = await open(m, 'Host', { host: true });
    await inRoom(host);
    const guest = await open(m, 'Guest');
    const row = host.page.locator('[data-testid="knocker-row"]');
    await row.waitFor();
    await row.locator('.reason').fill('Private meeting');
    await row.getByTestId('deny').click();
    await guest.page.getByTestId('denied').waitFor();
    assert.match((await guest.page.getByTestId('denied').textContent())!, /Private meeting/);
    await row.waitFor({ state: 'detached' });
    await guest.page.getByTestId('knock-again').click();
    await row.waitFor();
    await guest.page.getByTestId('cancel-knock').click();
    await row.waitFor({ state: 'detached' });

    const late = await open(m, 'Late');
    await late.page.getByTestId('waiting').waitFor();
    await row.waitFor();
    await openSettings(host.page);
    await host.page.getByTestId('setting-waitingRoom').uncheck();
    await inRoom(late);
    await closeAll(host, guest, late);
  });

  test('the meeting password skips the waiting room', async () => {
    const m = await meeting(true);
    const host = await open(m, 'Host', { host: true });
    await inRoom(host);
    await openSettings(host.page);
    await host.page.getByTestId('set-password-input').fill('sesame');
    await host.page.getByTestId('set-password').click();
    await host.page.getByTestId('remove-password').waitFor();
    const guest = await open(m, 'Knows');
    await guest.page.getByTestId('waiting').waitFor();
    await guest.page.getByTestId('password-form').waitFor();
    await guest.page.screenshot({ path: `${shots}/waiting-with-password.png` });
    await guest.page.getByTestId('password-input').fill('sesame');
    await guest.page.getByTestId('password-submit').click();
    await inRoom(guest);
    await closeAll(host, guest);
  });
});

describe('the moderator link', () => {
  test('a moderator by link makes a new one: the old link makes nobody moderator any more, the new one does, and the host stays moderator', async () => {
    const m = await meeting(false);
    const host = await open(m, 'Host', { host: true });
    await inRoom(host);
    await host.page.getByTestId('i-am-moderator').waitFor();
    await openSettings(host.page);
    await host.page.getByTestId('new-moderator-link').click();
    const fresh = await host.page.getByTestId('moderator-link').inputValue();
    assert.match(fresh, /\/m\/[a-z2-7]{26}\?moderatorToken=/);
    await host.page.screenshot({ path: `${shots}/new-moderator-link.png` });
    const freshToken = new URL(fresh).searchParams.get('moderatorToken')!;
    assert.notEqual(freshToken, m.moderatorToken);
    // The leaked old link is refused, with a sentence saying why.
    const leaked = await openParticipant(browser, parley.url, m.id, 'Leaked', { prejoin: '0', moderatorToken: m.moderatorToken });
    pages.push(leaked);
    await leaked.page.getByText('This moderator link is not valid for this meeting: it may have been replaced by a new one.', { exact: false }).waitFor();
    assert.equal(await leaked.page.getByTestId('room').count(), 0);
    // The new one: moderator.
    const co = await openParticipant(browser, parley.url, m.id, 'Co-host', { prejoin: '0', moderatorToken: freshToken });
    pages.push(co);
    await inRoom(co);
    await co.page.getByTestId('i-am-moderator').waitFor();
    // The host, whose own token was renewed with the link, is still moderator after a reload.
    await host.page.reload();
    await inRoom(host);
    await host.page.getByTestId('i-am-moderator').waitFor();
    await closeAll(host, leaked, co);
  });
});

describe('moderation in the browser', () => {
  let m: CreateMeetingReply;
  let host: Participant, bea: Participant;
  let hostId: string, beaId: string;

  beforeAll(async () => {
    m = await meeting(false);
    host = await open(m, 'Host', { host: true });
    hostId = await inRoom(host);
    bea = await open(m, 'Bea');
    beaId = await inRoom(bea);
    await waitForMediaFrom(host.page, [beaId]);
  });

  test('hard audio moderation with raise hand and ask to unmute', async () => {
    await openSettings(host.page);
    await host.page.getByTestId('setting-audioModeration').check();
    await waitFor('Bea muted by moderation', async () => (await micPaused(host.page, beaId)) === true);
    await bea.page.getByTestId('toggle-mic').click();
    await bea.page.getByTestId('notice').filter({ hasText: 'raise your hand' }).waitFor();
    assert.equal(await micPaused(host.page, beaId), true, 'a click cannot unmute');
    await bea.page.getByTestId('toggle-hand').click();
    const actions = await rowActions(host.page, beaId);
    await actions.getByTestId('ask-unmute').click();
    await bea.page.getByTestId('asked-to-unmute').click();
    await waitFor('Bea unmuted herself', async () => (await micPaused(host.page, beaId)) === false);
    const before = await audioPackets(host.page, beaId);
    await waitFor('audio from Bea flows again', async () => (await audioPackets(host.page, beaId)) > before + 20);
    await openSettings(host.page);
    await host.page.getByTestId('setting-audioModeration').uncheck();
  });

  test('mute and stop camera from the participant list', async () => {
    const actions = await rowActions(host.page, beaId);
    await actions.getByTestId('mute').click();
    await waitFor('Bea muted', async () => (await micPaused(host.page, beaId)) === true);
    await bea.page.getByTestId('notice').filter({ hasText: 'Host muted you' }).waitFor();
    await actions.getByTestId('stop-camera').click();
    await host.page.locator(`[data-testid="tile"][data-participant-id="${beaId}"][data-video="off"]`).waitFor();
    assert.equal(await bea.page.evaluate(() => window.parley!.session.media.cameraTrack.value), null, 'her camera is off on her side too');
  });

  test('start muted applies to a newcomer; follow me shows everyone the moderator’s pinned tile; one may leave it until the moderator pushes it again', async () => {
    await openSettings(host.page);
    await host.page.getByTestId('setting-startMuted').check();
    const cy = await open(m, 'Cy');
    const cyId = await inRoom(cy);
    await waitFor('Cy starts muted', async () => (await micPaused(host.page, cyId)) === true);
    assert.equal(await cy.page.evaluate(() => window.parley!.session.media.micMuted.value), true);

    await host.page.getByTestId('setting-followMe').check();
    await host.page.locator(`[data-testid="tile"][data-participant-id="${cyId}"]`).dblclick();
    for (const p of [bea, cy]) {
      await p.page.getByTestId('following').waitFor();
      await p.page.locator(`.stage [data-testid="tile"][data-participant-id="${cyId}"]`).waitFor();
    }
    // Bea may still choose her own layout (tile view) ...
    await bea.page.getByTestId('layout-toggle').click();
    await bea.page.locator('.stage').waitFor({ state: 'detached' });
    await bea.page.getByTestId('follow-again').waitFor();
    await cy.page.locator(`.stage [data-testid="tile"][data-participant-id="${cyId}"]`).waitFor();
    // ... until the moderator brings everyone back to theirs ("force compliance").
    await host.page.getByTestId('push-layout').click();
    await bea.page.locator(`.stage [data-testid="tile"][data-participant-id="${cyId}"]`).waitFor();
    await bea.page.getByTestId('following').waitFor();
    assert.equal(await bea.page.getByTestId('follow-again').count(), 0);
    await host.page.getByTestId('setting-followMe').uncheck();
    await bea.page.getByTestId('following').waitFor({ state: 'detached' });
    await closeAll(cy);
  });

  test('kick with a reason; the kicked person can only come back through the waiting room', async () => {
    const actions = await rowActions(host.page, beaId);
    await actions.getByTestId('kick').click();
    // Before removing, the moderator reads what a kick does without accounts, and is offered the waiting room.
    assert.match((await actions.getByTestId('kick-explain').textContent())!, /cannot come back from this browser\. From another browser or device, anyone with the link can still join\./);
    assert.equal(await actions.getByTestId('kick-waiting-room').isChecked(), true, 'the waiting room is offered, ticked');
    await actions.getByTestId('kick-waiting-room').uncheck();
    await actions.getByTestId('kick-reason').fill('Wrong meeting');
    await actions.getByTestId('kick-confirm').click();
    await bea.page.getByTestId('kicked').waitFor();
    assert.match((await bea.page.getByTestId('kicked').textContent())!, /Host removed you from the meeting: Wrong meeting/);
    await host.page.locator(`[data-testid="tile"][data-participant-id="${beaId}"]`).waitFor({ state: 'detached' });
    await bea.page.getByRole('button', { name: 'Ask to come back' }).click();
    await bea.page.getByTestId('waiting').waitFor();
    await host.page.locator(`[data-testid="knocker-row"][data-participant-id="${beaId}"]`).waitFor();
  });

  test('the last moderator leaves: the longest present takes over', async () => {
    const dee = await open(m, 'Dee');
    const deeId = await inRoom(dee);
    const eve = await open(m, 'Eve');
    await inRoom(eve);
    await host.page.getByTestId('leave').click();
    await host.page.getByTestId('leave-only').click();
    await dee.page.getByTestId('i-am-moderator').waitFor();
    await dee.page.getByTestId('notice').filter({ hasText: 'you are now the moderator' }).waitFor();
    // Everyone else is told who moderates now.
    await eve.page.getByTestId('notice').filter({ hasText: 'Dee is now a moderator.' }).waitFor();
    // The new moderator sees who is still waiting (Bea, kicked, knocked above).
    await dee.page.locator(`[data-testid="knocker-row"][data-participant-id="${beaId}"]`).waitFor();
    assert.equal(await eve.page.getByTestId('i-am-moderator').count(), 0);
    assert.ok(deeId && hostId);
    await closeAll(dee, eve, bea, host);
  });

  test('removing someone with the waiting room ticked: the door closes in the same step, and they wait from another browser too', async () => {
    const m2 = await meeting(false);
    const host2 = await open(m2, 'Host');
    await inRoom(host2);
    const cy = await open(m2, 'Cy');
    const cyId = await inRoom(cy);
    const actions = await rowActions(host2.page, cyId);
    await actions.getByTestId('kick').click();
    await actions.getByTestId('kick-form').waitFor();
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await host2.page.setViewportSize({ width, height });
      const form = (await actions.getByTestId('kick-form').boundingBox())!;
      const panel = (await host2.page.getByTestId('participants-panel').boundingBox())!;
      assert.ok(form.x >= panel.x - 1 && form.x + form.width <= panel.x + panel.width + 1, `the form stays inside the panel at ${width}px`);
      assert.ok(await host2.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width}px`);
      await host2.page.screenshot({ path: `${shots}/kick-form-${width}.png` });
    }
    await host2.page.setViewportSize({ width: 1280, height: 800 });
    await actions.getByTestId('kick-confirm').click();
    await cy.page.getByTestId('kicked').waitFor();
    await openSettings(host2.page);
    await waitFor('waiting room on', async () => host2.page.getByTestId('setting-waitingRoom').isChecked());
    // A new browser (no cookie, a new participant) is someone the meeting does not know: it knocks.
    const again = await open(m2, 'Cy again');
    await again.page.getByTestId('waiting').waitFor();
    await host2.page.locator('[data-testid="knocker-row"]').filter({ hasText: 'Cy again' }).waitFor();
    await closeAll(host2, cy, again);
  });
});

describe('ending the meeting and answering hands', () => {
  test('a moderator lowers a hand, then ends the meeting for everyone: each page says who ended it, media stops, the waiting guest is told too', async () => {
    const m = await meeting(false);
    const host = await open(m, 'Host', { host: true });
    const hostId = await inRoom(host);
    const ann = await open(m, 'Ann');
    const annId = await inRoom(ann);
    await host.page.getByTestId('toast-joined').filter({ hasText: 'Ann joined' }).waitFor();
    await waitForMediaFrom(ann.page, [hostId]);
    await ann.page.getByTestId('toggle-hand').click();
    const actions = await rowActions(host.page, annId);
    await actions.getByTestId('lower-hand').click();
    await ann.page.locator(`[data-testid="toggle-hand"][aria-pressed="false"]`).waitFor();
    await host.page.getByTestId('toggle-participants').click();
    await openSettings(host.page);
    await host.page.getByTestId('setting-waitingRoom').check();
    await host.page.getByTestId('toggle-settings').click();
    const late = await open(m, 'Late');
    await late.page.getByTestId('waiting').waitFor();
    // A participant's leave button just leaves; the moderator's asks.
    assert.equal(await ann.page.getByTestId('leave-menu').count(), 0);
    await host.page.getByTestId('leave').click();
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await host.page.setViewportSize({ width, height });
      const menu = (await host.page.getByTestId('leave-menu').boundingBox())!;
      const toolbar = (await host.page.locator('.toolbar').boundingBox())!;
      assert.ok(menu.x >= 0 && menu.x + menu.width <= width && menu.y >= 0, `the leave menu is on screen at ${width}px`);
      assert.ok(menu.y + menu.height <= toolbar.y + 1, `the leave menu sits above the toolbar at ${width}px`);
      for (const id of ['end-for-all', 'leave-only']) {
        const b = (await host.page.getByTestId(id).boundingBox())!;
        assert.ok(b.x >= menu.x && b.x + b.width <= menu.x + menu.width + 1 && b.height >= 40, `${id} fits in the menu, 40 px tall, at ${width}px`);
      }
      await host.page.screenshot({ path: `${shots}/leave-menu-${width}.png` });
    }
    await host.page.setViewportSize({ width: 1280, height: 800 });
    await host.page.getByTestId('end-for-all').click();
    for (const p of [ann, late, host]) {
      await p.page.getByTestId('ended').waitFor();
      assert.match((await p.page.getByTestId('ended').textContent()) ?? '', /Host ended the meeting for everyone/);
    }
    await ann.page.screenshot({ path: `${shots}/ended.png` });
    assert.deepEqual(await stats(ann.page), [], 'nothing flows on a page of an ended meeting');
    await closeAll(host, ann, late);
  });
});
