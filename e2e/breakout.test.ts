// Breakout rooms in real Chromium pages: a moderator creates rooms, people
// are auto-assigned and moved, media flows inside a room and never across
// rooms (getStats), the timer brings everyone back, close-all too; a muted
// person stays muted through all of it.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { createMeeting, inRoom, launchBrowser, micPaused, openParticipant, startStack, stats, waitFor, waitForMediaFrom } from './helpers.ts';

let parley: Parley;
let browser: Browser;

beforeAll(async () => {
  parley = await startStack();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await parley?.close();
});

/** Video decoded from each of `ids` on streams created since the last move (camera only: some of them are muted). */
function videoFrom(page: Page, ids: string[]) {
  return waitFor(`video from ${ids.join(', ')}`, async () => {
    const s = await stats(page);
    return ids.every((id) => s.some((x) => x.participantId === id && x.source === 'camera' && x.framesDecoded > 0));
  });
}
/** Nothing received from `ids` any more: their streams are closed on this page. */
function nothingFrom(page: Page, ids: string[]) {
  return waitFor(`no streams from ${ids.join(', ')}`, async () => {
    const s = await stats(page);
    return !s.some((x) => ids.includes(x.participantId));
  });
}
const roomOf = (page: Page) => page.evaluate(() => window.parley!.session.breakout.roomId.value);
const names = (page: Page) => page.evaluate(() => [...window.parley!.session.participants.value.values()].map((p) => p.name).sort());
const selfMuted = (page: Page) => page.evaluate(() => window.parley!.session.media.micMuted.value);

/** A new meeting with its host (moderator) and Ann then Bob, all in the room. */
async function threePeople(title: string) {
  const m = await createMeeting(parley.url, title);
  const host = await openParticipant(browser, parley.url, m.id, 'Host', { prejoin: '0', moderatorToken: m.moderatorToken });
  const hostId = await inRoom(host);
  const ann = await openParticipant(browser, parley.url, m.id, 'Ann');
  const annId = await inRoom(ann);
  const bob = await openParticipant(browser, parley.url, m.id, 'Bob');
  const bobId = await inRoom(bob);
  return { host, hostId, ann, annId, bob, bobId };
}

async function openBreakout(page: Page) {
  if (!(await page.getByTestId('breakout-panel').isVisible())) await page.getByTestId('toggle-breakout').click();
  await page.getByTestId('breakout-panel').waitFor();
}
const roomCard = (page: Page, name: string) => page.locator('[data-testid="breakout-room"]').filter({ has: page.getByTestId('room-name').getByText(name, { exact: true }) });

describe('breakout rooms in the browser', () => {
  test('create, auto-assign, move, visit, broadcast, timer return and close all, with media flowing inside the rooms', async () => {
    const { host, hostId, ann, annId, bob, bobId } = await threePeople('Workshop');
    await waitForMediaFrom(ann.page, [hostId, bobId]);
    // Bob mutes himself: he must still be muted after every move.
    await bob.page.getByTestId('toggle-mic').click();
    await waitFor('Bob shown muted', async () => (await micPaused(ann.page, bobId)) === true);

    // Create two rooms and rename the first.
    await openBreakout(host.page);
    await host.page.getByTestId('add-room').click();
    await host.page.getByTestId('add-room').click();
    await waitFor('two rooms', async () => (await host.page.locator('[data-testid="breakout-room"]').count()) === 2);
    await roomCard(host.page, 'Room 1').getByTestId('rename-room').click();
    await host.page.getByTestId('rename-input').fill('Red');
    await host.page.getByTestId('rename-save').click();
    await roomCard(host.page, 'Red').waitFor();
    // Participants see the rooms too (a toolbar button appears for them).
    await openBreakout(ann.page);
    await roomCard(ann.page, 'Red').waitFor();
    assert.equal(await roomCard(ann.page, 'Red').getByTestId('join-room').count(), 0, 'participants may not choose: no Join button');

    // Auto-assign: Ann (first to arrive) to Red, Bob to Room 2; the host stays.
    await host.page.getByTestId('auto-assign').click();
    await waitFor('Ann in Red', async () => (await ann.page.getByTestId('current-room').textContent())?.includes('Red'));
    await waitFor('Bob in Room 2', async () => (await bob.page.getByTestId('current-room').textContent())?.includes('Room 2'));
    assert.deepEqual(await names(ann.page), ['Ann']);
    assert.deepEqual(await names(host.page), ['Host']);
    await Promise.all([nothingFrom(ann.page, [hostId, bobId]), nothingFrom(bob.page, [hostId, annId]), nothingFrom(host.page, [annId, bobId])]);
    assert.equal(await selfMuted(bob.page), true);

    // The host visits Red: Ann and the host see and hear each other; Bob sees neither.
    await openBreakout(host.page);
    await roomCard(host.page, 'Red').getByTestId('join-room').click();
    await waitForMediaFrom(ann.page, [hostId]);
    await waitForMediaFrom(host.page, [annId]);
    assert.equal(await roomOf(host.page), await roomOf(ann.page));

    // The host moves Bob into Red by hand: his video reaches Ann, he is still muted.
    await host.page.locator(`[data-testid="assign"][data-participant-id="${bobId}"]`).selectOption({ label: 'Red' });
    await videoFrom(ann.page, [bobId]);
    await videoFrom(bob.page, [annId, hostId]);
    assert.deepEqual(await names(ann.page), ['Ann', 'Bob', 'Host']);
    assert.equal(await micPaused(ann.page, bobId), true);
    assert.equal(await selfMuted(bob.page), true);

    // A message to all rooms.
    await host.page.getByTestId('broadcast-text').fill('Five minutes left');
    await host.page.getByTestId('broadcast-send').click();
    await waitFor('message shown', async () => (await bob.page.getByTestId('room-message').textContent())?.includes('Five minutes left'));

    // Back to the main room for the host, then a short timer: a warning, then everyone returns.
    await host.page.getByTestId('back-to-main').click();
    await nothingFrom(ann.page, [hostId]);
    await host.page.getByTestId('timer-minutes').fill('0.1');
    await host.page.getByTestId('timer-start').click();
    await ann.page.getByTestId('time-left').waitFor();
    await waitFor('the warning', async () => (await ann.page.getByTestId('notice').textContent())?.includes('close in'), 10_000, 100);
    await waitFor('Ann back in main', async () => (await roomOf(ann.page)) === null, 15_000);
    await waitFor('Bob back in main', async () => (await roomOf(bob.page)) === null, 5_000);
    await waitForMediaFrom(host.page, [annId]);
    await videoFrom(host.page, [bobId]);
    await waitForMediaFrom(ann.page, [hostId]);
    assert.equal(await ann.page.getByTestId('current-room').count(), 0);
    assert.equal(await selfMuted(bob.page), true, 'Bob is still muted back in the main room');
    assert.equal(await micPaused(host.page, bobId), true);

    // Again, and close all rooms at once: media flows in the rooms, then in main.
    await openBreakout(host.page);
    await host.page.getByTestId('auto-assign').click();
    await waitFor('both in rooms', async () => (await roomOf(ann.page)) !== null && (await roomOf(bob.page)) !== null);
    await Promise.all([nothingFrom(host.page, [annId, bobId]), nothingFrom(ann.page, [hostId])]);
    await host.page.getByTestId('close-all-rooms').click();
    await waitFor('all back', async () => (await roomOf(ann.page)) === null && (await roomOf(bob.page)) === null);
    await waitForMediaFrom(bob.page, [hostId, annId]);
    await videoFrom(ann.page, [bobId]);
    assert.deepEqual(await names(ann.page), ['Ann', 'Bob', 'Host']);
    for (const p of [host, ann, bob]) await p.context.close();
  });

  test('participants choose a room themselves when the moderator allows it', async () => {
    const { host, hostId, ann, annId, bob, bobId } = await threePeople('Open rooms');
    await openBreakout(host.page);
    await host.page.getByTestId('add-room').click();
    await host.page.getByTestId('participants-choose').check();
    for (const p of [ann, bob]) {
      await openBreakout(p.page);
      await roomCard(p.page, 'Room 1').getByTestId('join-room').click();
    }
    await waitFor('both in Room 1', async () => (await roomOf(ann.page)) !== null && (await roomOf(ann.page)) === (await roomOf(bob.page)));
    await waitForMediaFrom(ann.page, [bobId]);
    await waitForMediaFrom(bob.page, [annId]);
    // Each room has its own active speaker: Room 1 hears Ann or Bob; the
    // main room, where only the host speaks, never hears of them.
    const speaker = (page: Page) => page.evaluate(() => window.parley!.session.activeSpeakerId.value);
    await waitFor('a speaker in Room 1', async () => [annId, bobId].includes((await speaker(ann.page)) ?? ''), 15_000);
    await waitFor('the host speaks in the main room', async () => (await speaker(host.page)) === hostId, 15_000);
    assert.ok(![annId, bobId].includes((await speaker(host.page)) ?? ''));
    await ann.page.getByTestId('back-to-main').click();
    await waitFor('Ann back', async () => (await roomOf(ann.page)) === null);
    await nothingFrom(ann.page, [bobId]);
    for (const p of [host, ann, bob]) await p.context.close();
  });
});
