// Three people in one meeting, in three real Chromium pages. The server runs
// two workers with two participants per router, so this meeting spans both
// workers and every stream between the two halves crosses a pipeToRouter.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { Parley } from '@parley/server';
import {
  createMeeting,
  launchBrowser,
  openParticipant,
  participantId,
  shotsDir,
  startStack,
  stats,
  waitFor,
  waitForMediaFrom,
  type Participant,
} from './helpers.ts';

describe('a meeting with three participants', () => {
  let parley: Parley;
  let browser: Browser;
  let meetingId: string;
  let a: Participant, b: Participant, c: Participant;
  let ida: string, idb: string, idc: string;

  beforeAll(async () => {
    parley = await startStack({ sfu: { workers: 2, maxPeersPerRouter: 2 } });
    browser = await launchBrowser();
    meetingId = (await createMeeting(parley.url, 'Three people')).id;
    a = await openParticipant(browser, parley.url, meetingId, 'Alice');
    b = await openParticipant(browser, parley.url, meetingId, 'Bob');
    c = await openParticipant(browser, parley.url, meetingId, 'Carol');
    for (const p of [a, b, c]) await p.page.getByTestId('room').waitFor();
    [ida, idb, idc] = (await Promise.all([a, b, c].map((p) => participantId(p.page)))) as string[];
  });

  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  test('each page decodes video and receives audio from the other two', async () => {
    await waitForMediaFrom(a.page, [idb, idc]);
    await waitForMediaFrom(b.page, [ida, idc]);
    await waitForMediaFrom(c.page, [ida, idb]);
    // The meeting really spans both workers (so media crossed pipeToRouter).
    assert.equal(parley.meetings.mediaRoom(parley.meetings.live(meetingId as never)!)?.workers.length, 2);
    for (const p of [a, b, c]) assert.equal(await p.page.getByTestId('tile').count(), 3);
  });

  test('a tile asks for the simulcast layer that fits it', async () => {
    // Tile view (the T shortcut): three tiles in a 1280x720 page are about 330 px high, the middle (360p) layer.
    // Everyone in tile view, so that no page decodes a 720p stage meanwhile (on
    // two cores the senders would then drop their top layer for lack of CPU).
    for (const p of [a, b, c]) {
      await p.page.keyboard.press('t');
      await p.page.locator('.stage').waitFor({ state: 'detached' });
    }
    const s = await waitFor('middle layer', async () => {
      const rows = await stats(a.page);
      const cam = rows.find((r) => r.participantId === idb && r.source === 'camera');
      return cam && cam.frameHeight === 360 ? cam : undefined;
    });
    assert.equal(s.codec, 'video/VP8');
    // A thumbnail-sized tile is served the 180p layer... (!important: the grid sizes its tiles itself)
    const small = await a.page.addStyleTag({ content: `[data-testid="tile"][data-participant-id="${idb}"] { width: 160px !important; height: 90px !important; flex-basis: 160px !important; aspect-ratio: auto; }` });
    try {
      await waitFor('small layer', async () => (await stats(a.page)).find((r) => r.participantId === idb && r.source === 'camera' && r.frameHeight === 180));
    } finally {
      await small.evaluate((el) => (el as Element).remove());
    }
    // ...and a large one the full 720p layer. (Removed whatever happens: it would cover the page for the next tests.)
    const large = await a.page.addStyleTag({ content: `[data-testid="tile"][data-participant-id="${idb}"] { position: fixed; inset: 0; z-index: 5; width: 100vw !important; height: 100vh !important; aspect-ratio: auto; }` });
    try {
      await waitFor('full layer', async () => (await stats(a.page)).find((r) => r.participantId === idb && r.source === 'camera' && r.frameHeight === 720), 45_000);
    } finally {
      await large.evaluate((el) => (el as Element).remove());
    }
    for (const p of [a, b, c]) {
      await p.page.keyboard.press('t');
      await p.page.locator('.stage').waitFor();
    }
  });

  test('screen share reaches the others and takes the stage', async () => {
    await a.page.getByTestId('toggle-screen').click();
    for (const p of [b, c]) {
      await waitFor('screen frames', async () => (await stats(p.page)).find((s) => s.participantId === ida && s.source === 'screen' && s.framesDecoded > 0));
      await p.page.getByTestId('screen-tile').waitFor();
    }
    // Chromium offers tab audio with the capture: it is sent too.
    await waitFor('screen audio', async () => (await stats(b.page)).find((s) => s.participantId === ida && s.source === 'screenAudio' && s.packetsReceived > 0));
    await a.page.getByTestId('toggle-screen').click();
    for (const p of [b, c]) {
      await p.page.getByTestId('screen-tile').waitFor({ state: 'detached' });
      await waitFor('screen gone', async () => !(await stats(p.page)).some((s) => s.source === 'screen'));
    }
  });

  test('a chat message reaches everyone, a private one only its recipient', async () => {
    await b.page.getByTestId('toggle-chat').click();
    await b.page.getByTestId('chat-input').fill('Hello from <b>Bob</b>');
    await b.page.getByTestId('chat-send').click();
    for (const p of [a, c]) {
      // Closed chat panel: an unread badge, then the message as plain text.
      await p.page.getByTestId('toggle-chat-badge').waitFor();
      await p.page.getByTestId('toggle-chat').click();
      await p.page.getByTestId('chat-message').filter({ hasText: 'Hello from <b>Bob</b>' }).waitFor();
    }
    assert.equal(await a.page.locator('.chat-text b').count(), 0, 'message text must not be rendered as HTML');

    await a.page.getByTestId('chat-recipient').selectOption(idc);
    await a.page.getByTestId('chat-input').fill('Just for Carol');
    await a.page.getByTestId('chat-input').press('Enter');
    await c.page.getByTestId('chat-message').filter({ hasText: 'Just for Carol' }).waitFor();
    assert.equal(await c.page.getByTestId('chat-message').filter({ hasText: 'Just for Carol' }).getAttribute('data-private'), 'true');
    // Bob got the public message and, a moment later, still nothing private.
    await b.page.getByTestId('chat-message').filter({ hasText: 'Hello from' }).waitFor();
    await a.page.getByTestId('chat-message').filter({ hasText: 'Just for Carol' }).waitFor();
    assert.equal(await b.page.getByTestId('chat-message').filter({ hasText: 'Just for Carol' }).count(), 0);
    for (const p of [a, b, c]) await p.page.getByTestId('toggle-chat').click();
  });

  test('a reaction shows on the sender tile for the others', async () => {
    await c.page.getByTestId('open-reactions').click();
    await c.page.getByTestId('reaction-5').click(); // 🎉
    for (const p of [a, b]) {
      await p.page.locator(`[data-testid="tile"][data-participant-id="${idc}"] [data-testid="reaction"]`).filter({ hasText: '🎉' }).waitFor();
    }
  });

  test('raising a hand shows on the tile and in the participant list; the moderator gets a toast and a chime', async () => {
    // Whoever reached the server first moderates (the three pages join at once): Alice or Carol watches as a moderator.
    const isMod = (p: Participant) => p.page.evaluate(() => window.parley!.session.isModerator);
    let mod = (await isMod(a)) ? a : (await isMod(c)) ? c : undefined;
    if (!mod) {
      await b.page.evaluate((id) => window.parley!.session.request('moderation:grant', { participantId: id as never }), ida);
      await a.page.getByTestId('i-am-moderator').waitFor();
      mod = a;
    }
    const plain = mod === a ? c : a;
    const chimes = await mod.page.evaluate(() => window.parley!.handChimes());
    await b.page.getByTestId('toggle-hand').click();
    await mod.page.getByTestId('toast-hand').filter({ hasText: 'Bob raised their hand' }).waitFor();
    assert.equal(await mod.page.evaluate(() => window.parley!.handChimes()), chimes + 1);
    if (!(await isMod(plain))) assert.equal(await plain.page.getByTestId('toast-hand').count(), 0, 'only moderators are told');
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"] [data-testid="tile-hand"]`).waitFor();
    await a.page.getByTestId('toggle-participants').click();
    await a.page.locator(`[data-testid="participant-row"][data-participant-id="${idb}"][data-hand="raised"]`).waitFor();
    // Raised hands come first in the list.
    assert.equal(await a.page.getByTestId('participant-row').first().getAttribute('data-participant-id'), idb);
    await b.page.getByTestId('toggle-hand').click();
    await a.page.locator(`[data-testid="participant-row"][data-participant-id="${idb}"][data-hand="down"]`).waitFor();
    await a.page.getByTestId('toggle-participants').click();
  });

  test('muting shows on the others and the one still talking is highlighted', async () => {
    await b.page.getByTestId('toggle-mic').click();
    await c.page.getByTestId('toggle-mic').click();
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"] [data-testid="tile-muted"]`).waitFor();
    // Alice's fake microphone keeps beeping: she becomes the active speaker.
    await b.page.locator(`[data-testid="tile"][data-participant-id="${ida}"][data-speaking="true"]`).waitFor({ timeout: 20_000 });
    await b.page.getByTestId('toggle-mic').click();
    await c.page.getByTestId('toggle-mic').click();
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"] [data-testid="tile-muted"]`).waitFor({ state: 'detached' });
  });

  test('speaker view: the one talking takes the stage (full layer) over a filmstrip (thumbnails); pin from the tile; Space talks while held', async () => {
    const staged = (page: typeof a.page) => page.locator('.stage [data-testid="tile"]').getAttribute('data-participant-id');
    // Only Alice talks (M mutes Bob and Carol, as in Jitsi): Carol sees her on the stage.
    await b.page.keyboard.press('m');
    await c.page.keyboard.press('m');
    await waitFor('Bob and Carol muted', async () => (await b.page.evaluate(() => window.parley!.session.media.micMuted.value)) && (await c.page.evaluate(() => window.parley!.session.media.micMuted.value)));
    // What Carol's page had on its stage, and why, said if it never shows Alice
    // (this failed once in CI, under load, and never since: the next failure tells more).
    let seen: unknown;
    await waitFor('Alice on Carol’s stage', async () => {
      seen = await c.page.evaluate(() => ({
        staged: document.querySelector('.stage [data-testid="tile"]')?.getAttribute('data-participant-id') ?? null,
        screenOnStage: document.querySelector('.stage [data-testid="screen-tile"]') !== null,
        stageSpeaker: window.parley!.session.stageSpeaker.value,
        activeSpeaker: window.parley!.session.activeSpeakerId.value,
        layout: window.parley!.session.moderation.layout.mode,
      }));
      return (await staged(c.page)) === ida;
    }, 20_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; Carol's page: ${JSON.stringify(seen)} (Alice ${ida}, Bob ${idb}, Carol ${idc})`);
    });
    // Carol's microphone keeps hearing its sound while she is muted: she is told.
    await c.page.getByTestId('toast-muted').waitFor({ timeout: 15_000 });
    // The stage is served the full layer, the filmstrip the smallest.
    await waitFor('stage 720p, strip 180p', async () => {
      const rows = await stats(c.page);
      const h = (id: string) => rows.find((r) => r.participantId === id && r.source === 'camera')?.frameHeight;
      return h(ida) === 720 && h(idb) === 180;
    }, 45_000);
    // Alice stops; Bob holds Space: he talks for as long as he holds it, and takes the stage.
    await a.page.getByTestId('toggle-mic').click();
    await b.page.locator('body').click({ position: { x: 5, y: 5 } });
    await b.page.keyboard.down('Space');
    await waitFor('Bob unmuted while Space is held', async () => !(await b.page.evaluate(() => window.parley!.session.media.micMuted.value)));
    await waitFor('Bob on Carol’s stage', async () => (await staged(c.page)) === idb, 20_000);
    await b.page.keyboard.up('Space');
    await waitFor('Bob muted again', async () => b.page.evaluate(() => window.parley!.session.media.micMuted.value));
    // The stage picture really is Bob's camera (the front video plays, no black hole left by the switch).
    await waitFor('the stage video plays', async () => c.page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('.stage video:not(.back)');
      return Boolean(v && v.videoWidth > 0 && !v.paused);
    }));
    // Pin Alice from her tile's button (no double click needed); unpin from the stage.
    const aliceTile = c.page.locator(`.grid [data-testid="tile"][data-participant-id="${ida}"]`);
    await aliceTile.hover();
    await aliceTile.getByTestId('tile-pin').click();
    await c.page.locator(`.stage [data-testid="tile"][data-participant-id="${ida}"][data-pinned="true"]`).waitFor();
    await c.page.screenshot({ path: `${shotsDir('meeting')}/speaker-view-pinned.png` });
    await c.page.locator('.stage [data-testid="tile-pin"]').click();
    await c.page.locator('.stage [data-testid="tile"][data-pinned="false"]').waitFor();
    for (const p of [a, b, c]) await p.page.getByTestId('toggle-mic').click();
  });

  test('keyboard shortcuts: C chat, R hand, V camera, ? the list; never while typing', async () => {
    await c.page.locator('body').click({ position: { x: 5, y: 5 } });
    await c.page.keyboard.press('c');
    await c.page.getByTestId('chat-panel').waitFor();
    // Typing a message is typing, not shortcuts.
    await c.page.getByTestId('chat-input').fill('');
    await c.page.getByTestId('chat-input').pressSequentially('mvr');
    assert.equal(await c.page.getByTestId('chat-input').inputValue(), 'mvr');
    assert.equal(await c.page.evaluate(() => window.parley!.session.media.micMuted.value), false);
    await c.page.getByTestId('chat-input').fill('');
    await c.page.locator('body').click({ position: { x: 5, y: 5 } });
    await c.page.keyboard.press('c');
    await c.page.getByTestId('chat-panel').waitFor({ state: 'detached' });
    await c.page.keyboard.press('r');
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idc}"] [data-testid="tile-hand"]`).waitFor();
    await c.page.keyboard.press('r');
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idc}"] [data-testid="tile-hand"]`).waitFor({ state: 'detached' });
    await c.page.keyboard.press('v');
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idc}"][data-video="off"]`).waitFor();
    await c.page.keyboard.press('v');
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idc}"][data-video="on"]`).waitFor();
    await c.page.keyboard.press('?');
    await c.page.getByTestId('shortcuts-list').waitFor();
    assert.equal(await c.page.locator('.shortcut').count(), 8);
    await c.page.screenshot({ path: `${shotsDir('meeting')}/shortcuts.png` });
    await c.page.keyboard.press('Escape');
    await c.page.getByTestId('shortcuts-list').waitFor({ state: 'detached' });
  });

  test('a tile that cannot be seen is not sent', async () => {
    const videoConsumer = () => {
      const media = parley.meetings.live(meetingId as never)!.participant(ida as never).media;
      return [...media.consumers.values()].find((x) => x.kind === 'video' && (x.appData as { peerId: string }).peerId === idb)!;
    };
    // Move Bob's tile out of the viewport, as scrolling a long grid would.
    const style = await a.page.addStyleTag({ content: `[data-testid="tile"][data-participant-id="${idb}"] { position: fixed; top: -5000px; }` });
    await waitFor('consumer paused on the server', async () => videoConsumer().paused);
    const bytes = async () => (await stats(a.page)).find((s) => s.participantId === idb && s.source === 'camera')!.bytesReceived;
    const before1 = await bytes();
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((await bytes()) - before1 < 5_000, 'an unseen tile keeps receiving video');
    await style.evaluate((el) => (el as Element).remove());
    await waitFor('consumer resumed', async () => !videoConsumer().paused);
    const before2 = await bytes();
    await waitFor('video flows again', async () => (await bytes()) > before2 + 20_000);
  });

  test('a dropped connection that comes back keeps one tile and its media', async () => {
    await b.page.evaluate(() => window.parley!.session.simulateConnectionLoss(2500));
    await b.page.getByTestId('reconnecting-banner').waitFor();
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"] .tile-reconnecting`).waitFor();
    await b.page.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"] .tile-reconnecting`).waitFor({ state: 'detached' });
    assert.equal(await a.page.locator(`[data-testid="tile"][data-participant-id="${idb}"]`).count(), 1);
    assert.equal(await a.page.getByTestId('tile').count(), 3);
    // Media keeps flowing both ways after the ICE restart.
    const frames = async (page: typeof a.page, from: string) => (await stats(page)).find((s) => s.participantId === from && s.source === 'camera')?.framesDecoded ?? 0;
    const fa = await frames(a.page, idb);
    const fb = await frames(b.page, ida);
    await waitFor('frames keep coming', async () => (await frames(a.page, idb)) > fa + 10 && (await frames(b.page, ida)) > fb + 10);
  });

  test('a page that leaves disappears from the others', async () => {
    const carolModerates = await c.page.evaluate(() => window.parley!.session.isModerator);
    await c.page.getByTestId('leave').click();
    // A moderator's leave button asks whether to end the meeting for all (Carol may have been first in).
    if (carolModerates) await c.page.getByTestId('leave-only').click();
    await c.page.getByTestId('left').waitFor();
    await a.page.getByTestId('toast-left').filter({ hasText: 'Carol left' }).waitFor();
    for (const p of [a, b]) {
      await waitFor('two tiles', async () => (await p.page.getByTestId('tile').count()) === 2);
      await waitFor('no streams from Carol', async () => !(await stats(p.page)).some((s) => s.participantId === idc));
    }
    assert.equal(parley.meetings.live(meetingId as never)?.size, 2);
  });
});
