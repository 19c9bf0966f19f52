// The web client's own flows: starting a meeting, the pre-join screen, phone
// widths, refused devices, device switching and H.264.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import type { Parley } from '@parley/server';
import { CHROMIUM_ARGS, createMeeting, launchBrowser, openParticipant, participantId, shotsDir, startStack, stats, waitFor, waitForMediaFrom } from './helpers.ts';

describe('web client', () => {
  let parley: Parley;
  let browser: Browser;

  beforeAll(async () => {
    parley = await startStack({ sfu: { workers: 1 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  test('starting a meeting from the home page makes its creator moderator; a guest joins through the pre-join screen', async () => {
    const host = await browser.newContext();
    const page = await host.newPage();
    await page.goto(parley.url + '/');
    await page.getByTestId('title-input').fill('Weekly sync');
    await page.getByTestId('start-meeting').click();
    await page.waitForURL(/\/m\/[a-z2-7]{26}$/); // the moderator token is taken out of the address bar
    await page.getByTestId('prejoin').waitFor();
    await page.getByTestId('name-input').fill('Host');
    await page.getByTestId('join-button').click();
    await page.getByTestId('room').waitFor();
    assert.equal(await page.getByTestId('meeting-title').textContent(), 'Weekly sync');
    const meetingId = new URL(page.url()).pathname.split('/')[2]!;
    const hostId = await participantId(page);

    // A guest opens the plain link (no name in it): pre-join first, nothing sent before "Join".
    const guestCtx = await browser.newContext();
    const guest = await guestCtx.newPage();
    await guest.goto(`${parley.url}/m/${meetingId}`);
    await guest.getByTestId('prejoin').waitFor();
    assert.equal(parley.meetings.live(meetingId as never)?.size, 1);
    await guest.getByTestId('join-button').isDisabled();
    await guest.getByTestId('name-input').fill('Guest');
    await guest.getByTestId('join-button').click();
    await guest.getByTestId('room').waitFor();
    const guestId = (await participantId(guest))!;
    await waitForMediaFrom(page, [guestId]);
    await waitForMediaFrom(guest, [hostId!]);

    await page.getByTestId('toggle-participants').click();
    const hostRow = page.locator(`[data-testid="participant-row"][data-participant-id="${hostId}"]`);
    assert.equal(await hostRow.locator('.role').textContent(), 'moderator');
    const guestRow = page.locator(`[data-testid="participant-row"][data-participant-id="${guestId}"]`);
    await guestRow.waitFor();
    // The guest has no role badge (its row now carries the moderator's buttons, "Make moderator" among them).
    assert.equal(await guestRow.locator('.role').count(), 0);
    assert.equal(await guestRow.getByTestId('grant-moderator').count(), 0, 'actions wait in the person’s menu');
    await guestRow.getByTestId('person-menu').click();
    assert.equal(await guestRow.getByTestId('grant-moderator').count(), 1);
    // Search finds people by part of their name, accents and case aside.
    await page.getByTestId('people-search').fill('GUE');
    assert.equal(await page.getByTestId('participant-row').count(), 1);
    await page.getByTestId('people-search').fill('zzz');
    assert.equal(await page.getByTestId('participant-row').count(), 0);
    await page.getByTestId('people-search').fill('');
    assert.equal(await page.getByTestId('participant-row').count(), 2);
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      const panel = (await page.getByTestId('participants-panel').boundingBox())!;
      for (const b of [await page.getByTestId('people-search').boundingBox(), await guestRow.getByTestId('moderator-actions').boundingBox(), await guestRow.getByTestId('kick').boundingBox()]) {
        assert.ok(b && b.x >= panel.x - 1 && b.x + b.width <= panel.x + panel.width + 1 && b.x + b.width <= width, `inside the panel at ${width}px: ${JSON.stringify(b)}`);
      }
      await page.screenshot({ path: `${shotsDir('participants')}/menu-${width}.png` });
    }
    await host.close();
    await guestCtx.close();
  });

  test('advanced options at creation hold from the start (waiting room, password, encryption key); a guest finds the meeting by its code', async () => {
    const host = await browser.newContext();
    const page = await host.newPage();
    await page.goto(parley.url + '/');
    await page.getByTestId('title-input').fill('Board');
    await page.getByTestId('advanced-options').locator('summary').click();
    await page.getByTestId('waiting-room-option').check();
    await page.getByTestId('password-option').fill('correct horse');
    await page.getByTestId('e2ee-option').fill('blue whale at noon');
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width}px`);
      for (const id of ['password-option', 'e2ee-option', 'start-meeting', 'code-input', 'code-join']) {
        const b = (await page.getByTestId(id).boundingBox())!;
        assert.ok(b.x >= 0 && b.x + b.width <= width && b.width >= 40, `${id} is on screen at ${width}px (${JSON.stringify(b)})`);
      }
      await page.screenshot({ path: `${shotsDir('home')}/advanced-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('start-meeting').click();
    await page.getByTestId('prejoin').waitFor();
    await page.getByTestId('name-input').fill('Host');
    await page.getByTestId('join-button').click();
    await page.getByTestId('room').waitFor();
    const hostId = (await participantId(page))!;
    const meetingId = new URL(page.url()).pathname.split('/')[2]!;
    // The key from the home page: the host's media is encrypted from the start (the key stays in the browser).
    await page.locator(`[data-testid="tile"][data-participant-id="${hostId}"] [data-testid="tile-e2ee"]`).waitFor();
    const shown = (await page.getByTestId('meeting-code').textContent())!;
    const code = /(\d{3} \d{3} \d{3})/.exec(shown)?.[1];
    assert.ok(code, `the invitation shows the code: ${shown}`);

    const guestCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const guest = await guestCtx.newPage();
    const guestLog: string[] = [];
    guest.on('console', (m) => guestLog.push(`${(performance.now() / 1000).toFixed(2)} ${m.type()} ${m.text()}`));
    guest.on('pageerror', (e) => guestLog.push(`pageerror ${e.message}`));
    await guest.goto(parley.url + '/');
    await guest.getByTestId('code-input').fill('12345');
    await guest.getByTestId('code-join').click();
    assert.match((await guest.getByTestId('code-error').textContent())!, /nine digits/);
    const wrong = code.startsWith('9') ? '111 111 111' : '999 999 999';
    await guest.getByTestId('code-input').fill(wrong);
    await guest.getByTestId('code-join').click();
    await guest.getByTestId('code-error').filter({ hasText: 'does not exist' }).waitFor();
    await guest.getByTestId('code-input').fill(code.replace(/ /g, '-'));
    await guest.getByTestId('code-join').click();
    await guest.waitForURL(`${parley.url}/m/${meetingId}`);
    await guest.getByTestId('name-input').fill('Guest');
    await guest.getByTestId('join-button').click();
    // The waiting room was on before anyone came; the password set at creation lets the guest in.
    await guest.getByTestId('waiting').waitFor();
    await guest.getByTestId('password-input').fill('correct horse');
    await guest.getByTestId('password-submit').click();
    await guest.getByTestId('room').waitFor();
    const guestId = (await participantId(guest))!;
    // Without the key the guest receives the host's packets; the host, unencrypted from the guest, decodes the guest.
    await waitForMediaFrom(page, [guestId]).catch(async (e: Error) => {
      const marks = await guest.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name}@${Math.round(m.startTime)}`).join(' '));
      const toasts = await guest.getByTestId('toasts').textContent().catch(() => '');
      throw new Error(`${e.message}\n  guest marks: ${marks}\n  guest toasts: ${toasts}\n  guest console:\n${guestLog.join('\n')}`);
    });
    await waitFor('the guest receives the host', async () => ((await stats(guest)).find((x) => x.participantId === hostId && x.kind === 'video')?.bytesReceived ?? 0) > 10_000);
    await host.close();
    await guestCtx.close();
  });

  test('devices: the pre-join microphone meter moves; the chosen speaker plays every remote voice and the test sound; one renames oneself in the meeting', async () => {
    const { id } = await createMeeting(parley.url, 'Devices');
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.goto(`${parley.url}/m/${id}`);
    await page.getByTestId('prejoin').waitFor();
    await page.getByTestId('name-input').fill('Ada');
    // Chromium's fake microphone beeps: the meter shows it.
    await waitFor('the meter moves', async () => Number(await page.getByTestId('mic-level').getAttribute('data-level')) > 5);
    const speakers = await page.getByTestId('select-speaker').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const chosen = speakers.at(-1)!;
    await page.getByTestId('select-speaker').selectOption(chosen);
    await page.getByTestId('test-sound').click();
    await waitFor('the test sound played', async () => (await page.evaluate(() => window.parley!.testSounds())) === 1);
    for (const tid of ['mic-level', 'select-speaker', 'test-sound', 'join-button']) {
      const b = (await page.getByTestId(tid).boundingBox())!;
      assert.ok(b.x >= 0 && b.x + b.width <= 390, `${tid} on screen at 390px`);
    }
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await page.screenshot({ path: `${shotsDir('devices')}/prejoin-390.png`, fullPage: true });
    await page.getByTestId('join-button').click();
    await page.getByTestId('room').waitFor();
    const other = await openParticipant(browser, parley.url, id, 'Bo');
    await other.page.getByTestId('room').waitFor();
    const boId = (await participantId(other.page))!;
    await waitForMediaFrom(page, [boId]);
    // Every voice in the meeting goes to the chosen speaker.
    await waitFor('remote audio on the chosen speaker', async () => {
      const sinks = await page.evaluate(() => [...document.querySelectorAll<HTMLAudioElement & { sinkId: string }>('.audio-sinks audio')].map((a) => a.sinkId));
      return sinks.length > 0 && sinks.every((s) => s === chosen) && sinks;
    });
    // A new name, seen by the other at once.
    const adaId = (await participantId(page))!;
    await page.getByTestId('toggle-settings').click();
    await page.getByTestId('rename-input').fill('Ada Lovelace');
    await page.getByTestId('rename-save').click();
    await other.page.locator(`[data-testid="tile"][data-participant-id="${adaId}"][data-name="Ada Lovelace"]`).waitFor();
    const panel = (await page.getByTestId('settings-panel').boundingBox())!;
    for (const tid of ['rename-input', 'rename-save', 'select-speaker', 'test-sound', 'mic-level']) {
      const b = (await page.getByTestId(tid).boundingBox())!;
      assert.ok(b.x >= panel.x - 1 && b.x + b.width <= panel.x + panel.width + 1, `${tid} inside the settings panel at 390px`);
    }
    await page.screenshot({ path: `${shotsDir('devices')}/settings-390.png` });
    await ctx.close();
    await other.context.close();
  });

  test('a join that fails before it connects lets go of the camera and the microphone', async () => {
    const { id } = await createMeeting(parley.url, 'Unreachable');
    const ctx = await browser.newContext();
    // Every track the page captures, to see whether they end.
    await ctx.addInitScript(() => {
      const captured: MediaStreamTrack[] = [];
      (window as unknown as { captured: MediaStreamTrack[] }).captured = captured;
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await original(constraints);
        captured.push(...stream.getTracks());
        return stream;
      };
    });
    const page = await ctx.newPage();
    // The network drops the join requests (the pre-join screen's, made to be
    // ready, and the join's own): the server is never reached.
    await page.route('**/api/meetings/*/join', (route) => route.abort());
    await page.goto(`${parley.url}/m/${id}?name=Ann`);
    await page.getByTestId('prejoin').waitFor();
    await page.locator('[data-testid="prejoin"] video').waitFor();
    await page.getByTestId('join-button').click();
    await page.getByTestId('failed').waitFor();
    const tracks = await page.evaluate(() => (window as unknown as { captured: MediaStreamTrack[] }).captured.map((t) => `${t.kind}:${t.readyState}`));
    assert.ok(tracks.some((t) => t.startsWith('video:')) && tracks.some((t) => t.startsWith('audio:')), `the pre-join screen opened both (${tracks.join(', ')})`);
    assert.deepEqual(tracks.filter((t) => !t.endsWith(':ended')), [], 'no capture left running after the failed join');
    await ctx.close();
  });

  test('the pre-join screen gets ready (token, socket) but nobody joins before the click; a name changed there joins under the new name', async () => {
    const { id } = await createMeeting(parley.url, 'Ready');
    const names = () => parley.meetings.live(id as never)?.snapshot().participants.map((p) => p.name) ?? [];
    const open = async (name: string) => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const sockets: { closed: boolean }[] = [];
      page.on('websocket', (ws) => {
        if (!ws.url().includes('/socket.io/')) return;
        const s = { closed: false };
        sockets.push(s);
        ws.on('close', () => (s.closed = true));
      });
      await page.goto(`${parley.url}/m/${id}?name=${name}`);
      await page.getByTestId('prejoin').waitFor();
      await waitFor('the socket opened on the pre-join screen', async () => sockets.length === 1);
      return { ctx, page, sockets };
    };
    const ann = await open('Ann');
    // Connected and waiting: the meeting does not count it, others do not see it.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(names(), []);
    await ann.page.getByTestId('join-button').click();
    await ann.page.getByTestId('room').waitFor();
    assert.deepEqual(names(), ['Ann']);
    assert.equal(ann.sockets.length, 1, 'the join went through the socket opened before');

    const bob = await open('Bob');
    await bob.page.getByTestId('name-input').fill('Bea');
    await bob.page.getByTestId('join-button').click();
    await bob.page.getByTestId('room').waitFor();
    assert.deepEqual(names().sort(), ['Ann', 'Bea'], 'Bob, prepared, never joined');
    assert.equal(bob.sockets.length, 2, 'a socket of its own for the new name');
    await waitFor('the prepared socket closed', async () => bob.sockets[0]!.closed);
    await waitForMediaFrom(ann.page, [(await participantId(bob.page))!]);
    await ann.ctx.close();
    await bob.ctx.close();
  });

  test('from the pre-join screen through the password page, the page goes on to the room, never back to the pre-join screen', async () => {
    const res = await fetch(`${parley.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Locked', password: 'sesame' }) });
    const { id } = (await res.json()) as { id: string };
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${parley.url}/m/${id}?name=Pat`);
    await page.locator('[data-testid="prejoin"] video').waitFor();
    await page.getByTestId('join-button').click();
    await page.getByTestId('password-page').waitFor();
    await page.getByTestId('password-input').fill('sesame');
    // Whether a pre-join screen shows up again (with its camera and a Join button that does nothing).
    await page.evaluate(() => {
      const w = window as unknown as { prejoinAgain: boolean };
      w.prejoinAgain = false;
      new MutationObserver(() => (w.prejoinAgain ||= document.querySelector('[data-testid="prejoin"]') !== null)).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByTestId('password-submit').click();
    await page.getByTestId('room').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { prejoinAgain: boolean }).prejoinAgain), false);
    await ctx.close();
  });

  test('an unknown meeting says so', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${parley.url}/m/doesnotexist`);
    await page.getByText('This meeting does not exist or has expired.').waitFor();
    await ctx.close();
  });

  test('at phone width the meeting fits the screen', async () => {
    const { id } = await createMeeting(parley.url, 'Phone');
    const phone = { width: 390, height: 844 };
    const a = await openParticipant(browser, parley.url, id, 'Ann', { prejoin: '0' }, phone);
    const b = await openParticipant(browser, parley.url, id, 'Ben', { prejoin: '0' }, phone);
    const c = await openParticipant(browser, parley.url, id, 'Cid', { prejoin: '0' }, phone);
    for (const p of [a, b, c]) await p.page.getByTestId('room').waitFor();
    const [idb, idc] = (await Promise.all([participantId(b.page), participantId(c.page)])) as [string, string];
    await waitForMediaFrom(a.page, [idb, idc]);
    // Every control and tile is on screen, nothing overflows sideways.
    const box = await a.page.getByTestId('leave').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= phone.width && box.y + box.height <= phone.height, `leave button off screen: ${JSON.stringify(box)}`);
    assert.ok(await a.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'page scrolls sideways');
    // Read in one go: in speaker view a tile may move between the stage and the strip (the speaker changed) between two reads.
    const tiles = await a.page.evaluate(() => [...document.querySelectorAll('[data-testid="tile"]')].map((el) => el.getBoundingClientRect().toJSON() as { x: number; width: number }));
    assert.ok(tiles.length >= 2, `${tiles.length} tiles`);
    for (const t of tiles) assert.ok(t.width > 100 && t.x + t.width <= phone.width, `tile badly placed: ${JSON.stringify(t)}`);
    // Phone-sized tiles never ask for the full 720p layer in tile view; in
    // speaker view the filmstrip asks for the smallest. (What is delivered
    // follows the preference once the sender's layers are up; the meeting
    // test checks delivery as tiles change size.)
    const ida = (await participantId(a.page))!;
    const consumers = () => [...parley.meetings.mediaRoom(parley.meetings.live(id as never)!)!.peer(ida)!.consumers.values()].filter((x) => x.kind === 'video');
    assert.equal(consumers().length, 2);
    const strip = await a.page.locator('.grid [data-testid="tile"]').evaluateAll((ts) => ts.map((t) => (t as HTMLElement).dataset.participantId).filter((x) => x !== undefined));
    await waitFor('the filmstrip asks for thumbnails', async () =>
      consumers().every((c) => !strip.includes((c.appData as { peerId: string }).peerId) || (c.preferredLayers?.spatialLayer ?? 2) === 0),
    );
    await a.page.getByTestId('layout-toggle').click();
    await waitFor('phone tiles ask for at most the middle layer', async () => consumers().every((c) => (c.preferredLayers?.spatialLayer ?? 2) <= 1));
    await a.page.getByTestId('layout-toggle').click();
    // Panels cover the screen on a phone and close again.
    await a.page.getByTestId('toggle-chat').click();
    const panel = await a.page.getByTestId('chat-panel').boundingBox();
    assert.ok(panel && panel.width >= phone.width - 1);
    await a.page.getByTestId('toggle-chat').click();
    // Breakout rooms have no toolbar button on a phone: the participants panel opens them.
    assert.equal(await a.page.getByTestId('toggle-breakout').isVisible(), false);
    await a.page.getByTestId('toggle-participants').click();
    await a.page.getByTestId('open-breakout').click();
    await a.page.getByTestId('add-room').waitFor();
    for (const p of [a, b, c]) await p.context.close();
  });

  test('a refused camera and microphone are explained and the person still joins', async () => {
    const { id } = await createMeeting(parley.url, 'Denied');
    const host = await openParticipant(browser, parley.url, id, 'Host');
    await host.page.getByTestId('room').waitFor();
    // Without the fake permission prompt, headless Chromium refuses capture.
    const strict = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream') });
    try {
      const ctx = await strict.newContext();
      const page = await ctx.newPage();
      await page.goto(`${parley.url}/m/${id}?name=Shy`);
      await page.getByTestId('camera-error').filter({ hasText: 'blocked' }).waitFor();
      await page.getByTestId('mic-error').filter({ hasText: 'blocked' }).waitFor();
      await page.getByTestId('join-button').click();
      await page.getByTestId('room').waitFor();
      const hostId = (await participantId(host.page))!;
      // Can't send, but sees and hears the others.
      await waitForMediaFrom(page, [hostId]);
      await page.getByTestId('toggle-camera').click();
      await page.getByTestId('notice').filter({ hasText: 'Access to the camera is blocked' }).waitFor();
      const shyId = (await participantId(page))!;
      await host.page.locator(`[data-testid="tile"][data-participant-id="${shyId}"][data-video="off"]`).waitFor();
    } finally {
      await strict.close();
      await host.context.close();
    }
  });

  test('switching camera mid-meeting keeps the same stream for the others', async () => {
    // Chromium's fake cameras differ by index: the second one delivers Y16
    // (depth) frames that WebRTC cannot encode, the third MJPEG like a real
    // webcam. Switch from the first to the third.
    const twoCams = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS.filter((a) => a !== '--use-fake-device-for-media-stream'), '--use-fake-device-for-media-stream=device-count=3'],
    });
    try {
      const { id } = await createMeeting(parley.url, 'Switch');
      const a = await openParticipant(twoCams, parley.url, id, 'Ava');
      const b = await openParticipant(browser, parley.url, id, 'Bea');
      await a.page.getByTestId('room').waitFor();
      await b.page.getByTestId('room').waitFor();
      const ida = (await participantId(a.page))!;
      await waitForMediaFrom(b.page, [ida]);
      const before = (await stats(b.page)).find((s) => s.participantId === ida && s.source === 'camera')!;
      await a.page.getByTestId('toggle-settings').click();
      const select = a.page.getByTestId('select-camera');
      // The list fills in once the browser has enumerated its devices (a moment after the panel opens).
      await waitFor('the three cameras listed', async () => (await select.locator('option').count()) === 3);
      const options = await select.locator('option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
      assert.equal(options.length, 3);
      const current = await select.inputValue();
      assert.equal(current, options[0]);
      await select.selectOption(options[2]!);
      await waitFor('new camera in use', async () => (await select.inputValue()) !== current);
      const after = await waitFor('frames keep coming after the switch', async () => {
        const s = (await stats(b.page)).find((x) => x.participantId === ida && x.source === 'camera');
        return s && s.framesDecoded > before.framesDecoded + 30 ? s : undefined;
      });
      assert.equal(after.producerId, before.producerId, 'the track is replaced in place, not re-produced');
      await a.context.close();
      await b.context.close();
    } finally {
      await twoCams.close();
    }
  });

  test('H.264 can be negotiated instead of VP8', async () => {
    const { id } = await createMeeting(parley.url, 'H264');
    const a = await openParticipant(browser, parley.url, id, 'Hal', { prejoin: '0', codec: 'h264' });
    const b = await openParticipant(browser, parley.url, id, 'Vic');
    await a.page.getByTestId('room').waitFor();
    await b.page.getByTestId('room').waitFor();
    const [ida, idb] = (await Promise.all([participantId(a.page), participantId(b.page)])) as [string, string];
    const s = await waitForMediaFrom(b.page, [ida]);
    assert.equal(s.find((x) => x.participantId === ida && x.source === 'camera')!.codec, 'video/H264');
    const back = await waitForMediaFrom(a.page, [idb]);
    assert.equal(back.find((x) => x.participantId === idb && x.source === 'camera')!.codec, 'video/VP8');
    await a.context.close();
    await b.context.close();
  });
});
