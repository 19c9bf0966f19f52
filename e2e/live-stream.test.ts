// Live streaming a meeting of real Chromium pages to a viewer page (a third
// Chromium page, no login) that plays the HLS stream with hls.js. The
// segments come from the drive through signed links, never from the meeting.
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { captureState, recorderLogsOnFailure, startCaptureStack, type CaptureStack } from './capture-helpers.ts';
import { createMeeting, inRoom, launchBrowser, openParticipant, shotsDir, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';

async function stack(streamMaxSeconds: number): Promise<CaptureStack> {
  const s = await startCaptureStack({ streamMaxSeconds });
  await s.recorder();
  return s;
}

async function goLive(mod: Participant, opts: { keep?: boolean } = {}): Promise<string> {
  if ((await mod.page.getByTestId('capture-panel').count()) === 0) await mod.page.getByTestId('toggle-capture').click();
  if (opts.keep !== undefined) await mod.page.getByTestId('stream-keep-choice').setChecked(opts.keep);
  await mod.page.getByTestId('start-stream').click();
  // The moderator confirms, as the seeds describe.
  await mod.page.getByTestId('stream-confirm-start').click();
  const url = await mod.page.getByTestId('viewer-url').inputValue({ timeout: 10_000 });
  assert.match(url, /\/live\/[a-z2-7]{26}$/);
  return url;
}

async function openViewer(browser: Browser, url: string): Promise<Page> {
  // A viewer is nobody in the meeting: its own context, no camera, no token.
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[viewer] page error:', e.message));
  await page.goto(url);
  return page;
}

/**
 * Keeps what the viewer's player does, for a failing assertion to say: its
 * seeks (and from where), stalls, the playlist's edge, the fragments, errors.
 */
async function watchPlayer(viewer: Page): Promise<() => Promise<string>> {
  await waitFor('the player', () => viewer.evaluate(() => window.parleyHls !== undefined), 60_000);
  await viewer.evaluate(() => {
    const log: string[] = [];
    (window as unknown as { playerLog: string[] }).playerLog = log;
    const v = document.querySelector('video')!;
    const at = () => `${(performance.now() / 1000).toFixed(2)} t=${v.currentTime.toFixed(2)} rs=${v.readyState} ${v.videoWidth}x${v.videoHeight}`;
    for (const e of ['seeking', 'waiting', 'playing', 'emptied', 'resize']) v.addEventListener(e, () => log.push(`${at()} ${e}`));
    const hls = window.parleyHls!;
    hls.on('hlsLevelUpdated', (_e, d) => log.push(`${at()} playlist ${d.details.fragments[0]?.sn}..${d.details.endSN} ${d.details.fragmentStart.toFixed(2)}-${d.details.edge.toFixed(2)} drift=${d.details.drift}`));
    hls.on('hlsFragBuffered', (_e, d) => log.push(`${at()} buffered ${d.frag.sn} ${d.frag.start.toFixed(2)}-${d.frag.end.toFixed(2)} ${d.frag.type}`));
    hls.on('hlsError', (_e, d) => log.push(`${at()} error ${d.details}${d.fatal ? ' fatal' : ''} ${d.error?.message ?? ''} ${d.sourceBufferName ?? ''} ${d.frag ? d.frag.sn : ''}`));
  });
  return () => viewer.evaluate(() => (window as unknown as { playerLog: string[] }).playerLog.slice(-80).join('\n'));
}

/** The player's fatal errors from now on, with the reason and the buffer, so that a failure says what went wrong. */
async function collectFatal(viewer: Page): Promise<() => Promise<string[]>> {
  await viewer.evaluate(() => {
    const fatal: string[] = [];
    (window as unknown as { fatal: string[] }).fatal = fatal;
    window.parleyHls!.on('hlsError', (_e, data) => {
      if (data.fatal) fatal.push(`${data.type}: ${data.details}${data.sourceBufferName ? ` [${data.sourceBufferName}]` : ''}${data.error ? ` (${data.error.message})` : ''}`);
    });
  });
  return () => viewer.evaluate(() => (window as unknown as { fatal: string[] }).fatal);
}

const viewerState = (page: Page) => page.getByTestId('live-page').getAttribute('data-state');

describe('live streaming a meeting', () => {
  let s: CaptureStack;
  let browser: Browser;
  let mod: Participant, guest: Participant;
  let meetingId: string;

  beforeAll(async () => {
    s = await stack(3600);
    browser = await launchBrowser();
    const m = await createMeeting(s.parley.url, 'Town hall');
    meetingId = m.id;
    mod = await openParticipant(browser, s.parley.url, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
    const modId = await inRoom(mod);
    guest = await openParticipant(browser, s.parley.url, m.id, 'Gus');
    const guestId = await inRoom(guest);
    await waitForMediaFrom(guest.page, [modId]);
    await waitForMediaFrom(mod.page, [guestId]);
  });

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  afterEach((t) => recorderLogsOnFailure(t, s));

  test('a viewer page plays the stream with hls.js for 10 s without a fatal error, then sees it end', async () => {
    const url = await goLive(mod);
    // A viewer who comes early is told to wait, and the page starts by itself.
    const viewer = await openViewer(browser, url);
    const early = await waitFor('the viewer page to load', async () => {
      const st = await viewerState(viewer);
      return st !== 'loading' && st;
    });
    assert.ok(early === 'waiting' || early === 'live', `viewer state before the first segment: ${early}`);
    // Viewers are told it is live once the playlist holds the three segments
    // the player keeps ahead of it, not on the first (they stalled on the next).
    const liveId = url.split('/').pop()!;
    const firstPlaylist = await waitFor('the stream to be live', async () => {
      const st = (await (await fetch(`${s.parley.url}/api/live/${liveId}`)).json()) as { state: string; playlistUrl: string | null };
      return st.state === 'live' && st.playlistUrl !== null && (await (await fetch(st.playlistUrl)).text());
    }, 40_000, 100);
    assert.ok(firstPlaylist.split('#EXTINF').length - 1 >= 3, `the first live playlist:\n${firstPlaylist}`);
    const playerLog = await watchPlayer(viewer);
    await guest.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    await waitFor('the start signal', () => guest.page.evaluate(() => window.parley!.captureSignals() > 0));
    await waitFor('the viewer to play', () => viewer.evaluate(() => {
      const v = document.querySelector('video');
      return v !== null && v.currentTime > 0.5 && !v.paused;
    }), 40_000);
    const fatal = await collectFatal(viewer);
    const t0 = await viewer.evaluate(() => document.querySelector('video')!.currentTime);
    await new Promise((r) => setTimeout(r, 10_000));
    const t1 = await viewer.evaluate(() => document.querySelector('video')!.currentTime);
    assert.ok(t1 - t0 >= 8, `currentTime advanced ${(t1 - t0).toFixed(1)} s in 10 s; the player:\n${await playerLog()}`);
    const played = await viewer.evaluate(() => {
      const v = document.querySelector('video')!;
      return { w: v.videoWidth, h: v.videoHeight };
    });
    assert.deepEqual(await fatal(), []);
    assert.equal(played.w, 1280);
    assert.equal(played.h, 720);

    // The page says LIVE and how many watch (a phone viewer joins: two), offers the sound, and fits the screen.
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(url);
    await phone.locator('[data-testid="live-viewers"][data-count="2"]').waitFor({ timeout: 20_000 });
    await viewer.locator('[data-testid="live-viewers"][data-count="2"]').waitFor({ timeout: 20_000 });
    for (const page of [viewer, phone]) {
      await page.getByTestId('live-badge').waitFor();
      await page.getByTestId('live-unmute').waitFor();
      const box = await page.evaluate(() => {
        const r = (sel: string) => {
          const b = document.querySelector(sel)!.getBoundingClientRect();
          return { x: b.x, y: b.y, right: b.right, bottom: b.bottom, w: b.width, h: b.height };
        };
        return { w: innerWidth, h: innerHeight, scroll: document.documentElement.scrollWidth, video: r('[data-testid="live-video"]'), head: r('.live-head'), hint: r('[data-testid="live-unmute"]') };
      });
      assert.ok(box.scroll <= box.w, `no sideways scroll at ${box.w}px`);
      assert.ok(box.video.x >= 0 && box.video.right <= box.w + 1 && box.video.bottom <= box.h + 1 && box.video.w > 0.8 * Math.min(box.w - 32, 1280) - 200, `the video and its controls are on screen at ${box.w}×${box.h}: ${JSON.stringify(box.video)}`);
      assert.ok(box.head.bottom <= box.video.y + 1, 'the header does not cover the video');
      assert.ok(box.hint.x >= box.video.x && box.hint.right <= box.video.right && box.hint.y >= box.video.y, 'the unmute hint sits on the video');
      await page.screenshot({ path: `${shotsDir('live')}/viewer-${box.w}.png` });
    }
    await phone.getByTestId('live-unmute').click();
    await phone.getByTestId('live-unmute').waitFor({ state: 'detached' });
    assert.equal(await phone.evaluate(() => document.querySelector('video')!.muted), false);
    await phone.context().close();
    // The cap is said with its day, not as a bare time that reads like now.
    assert.match((await mod.page.getByTestId('stream-ends').textContent())!, /stops by itself \w+day/);
    assert.match((await mod.page.getByTestId('stream-keep').textContent())!, /deleted/);
    await mod.page.screenshot({ path: `${shotsDir('live')}/capture-panel-streaming.png` });

    // The links a viewer holds: the playlist and its segments.
    const { playlistUrl } = (await (await fetch(`${s.parley.url}/api/live/${liveId}`)).json()) as { playlistUrl: string };
    const playlist = await (await fetch(playlistUrl)).text();
    const segmentUrl = playlist.split('\n').find((l) => l.startsWith('http'))!;
    assert.equal((await fetch(segmentUrl)).status, 200);

    await mod.page.getByTestId('stop-stream').click();
    await waitFor('the viewer to see the end', async () => (await viewerState(viewer)) === 'ended', 30_000);
    await waitFor('the LIVE badge to go', async () => (await guest.page.getByTestId('live-indicator').count()) === 0, 30_000);
    // Ended: nothing of the stream is left in the store but its status; the links are refused.
    await waitFor('the stream to leave the store', async () => (await s.parley.drive.list(`live/${liveId}/`)).every((o) => o.key.endsWith('/status.json')), 30_000);
    assert.equal((await fetch(segmentUrl)).status, 404);
    assert.equal((await fetch(playlistUrl)).status, 404);
    await viewer.context().close();
  });

  test('a stream the moderator chose to keep becomes a recording of the meeting when it ends', async () => {
    const url = await goLive(mod, { keep: true });
    await guest.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    assert.match((await mod.page.getByTestId('stream-keep').textContent())!, /kept as a recording/);
    await mod.page.screenshot({ path: `${shotsDir('live')}/capture-panel-kept.png` });
    await waitFor('a few seconds streamed', async () => ((await captureState(mod.page)).stream?.seconds ?? 0) >= 6, 40_000);
    await mod.page.getByTestId('stop-stream').click();
    await waitFor('the LIVE badge to go', async () => (await guest.page.getByTestId('live-indicator').count()) === 0, 40_000);
    const liveId = url.split('/').pop()!;
    await waitFor('the stream to leave the store', async () => (await s.parley.drive.list(`live/${liveId}/`)).every((o) => o.key.endsWith('/status.json')), 30_000);
    await mod.page.getByTestId('refresh-recordings').click();
    await waitFor('the kept stream in the recordings', async () => {
      await mod.page.getByTestId('refresh-recordings').click();
      return (await mod.page.getByTestId('recording-link').count()) > 0;
    }, 30_000);
    const href = (await mod.page.getByTestId('recording-link').first().getAttribute('href'))!;
    const res = await fetch(href, { headers: { range: 'bytes=0-99' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
  });

  test('viewer links cannot be guessed: unknown ids and other shapes get the same 404 or a 400', async () => {
    const base = s.parley.url;
    const unknown = await fetch(`${base}/api/live/${'a'.repeat(26)}`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    for (const bad of ['short', 'A'.repeat(26), '../../etc', 'a'.repeat(27)]) {
      const res = await fetch(`${base}/api/live/${encodeURIComponent(bad)}`);
      assert.ok(res.status === 400 || res.status === 404, `${bad}: ${res.status}`);
    }
    // The drive's files are not listed or served without a signature.
    assert.equal((await fetch(`${base}/drive/live/`)).status, 403);
  });

  test('a shared screen of 1080 lines makes the stream 1080p; back to 720p when the sharing stops, and the viewer plays on', async () => {
    // Someone on a 1920×1080 screen shares it.
    const sam = await openParticipant(browser, s.parley.url, meetingId, 'Sam', { prejoin: '0' }, { width: 1920, height: 1080 });
    await inRoom(sam);
    await sam.page.getByTestId('toggle-screen').click();
    await waitFor('the screen being sent', async () => (await sam.page.evaluate(() => window.parley!.session.media.sendStats())).some((r) => r.source === 'screen' && r.framesEncoded > 0));
    // Not kept: a kept stream is joined into an MP4, which is 720p throughout.
    const url = await goLive(mod, { keep: false });
    const viewer = await openViewer(browser, url);
    const playerLog = await watchPlayer(viewer);
    const fatal = await collectFatal(viewer);
    const size = () => viewer.evaluate(() => {
      const v = document.querySelector('video');
      return v ? `${v.videoWidth}x${v.videoHeight}` : '';
    });
    const seen = async (want: string) => {
      await waitFor(`the viewer to play ${want}`, async () => (await size()) === want, 60_000).catch(async (error: Error) => {
        throw new Error(`${error.message}; the player:\n${await playerLog()}`);
      });
    };
    await seen('1920x1080');
    await viewer.screenshot({ path: `${shotsDir('live')}/viewer-1080p.png` });
    // The sharing stops: the cameras' 720p picture follows, in the same player.
    await sam.page.getByTestId('toggle-screen').click();
    await seen('1280x720');
    const t0 = await viewer.evaluate(() => document.querySelector('video')!.currentTime);
    await waitFor('the viewer to play on', () => viewer.evaluate((t) => document.querySelector('video')!.currentTime > t + 2, t0), 20_000);
    assert.deepEqual(await fatal(), []);
    await mod.page.getByTestId('stop-stream').click();
    await waitFor('the viewer to see the end', async () => (await viewerState(viewer)) === 'ended', 30_000);
    await viewer.context().close();
    await sam.context.close();
  });

  test('the meeting ending ends the stream', async () => {
    const url = await goLive(mod);
    await guest.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    const viewer = await openViewer(browser, url);
    await waitFor('the viewer to play', async () => (await viewerState(viewer)) === 'live', 30_000);
    await guest.page.getByTestId('leave').click();
    await mod.page.getByTestId('leave').click();
    await mod.page.getByTestId('leave-only').click();
    await waitFor('the stream to end with the meeting', async () => (await viewerState(viewer)) === 'ended', 40_000);
    const id = url.split('/').pop()!;
    const status = (await (await fetch(`${s.parley.url}/api/live/${id}`)).json()) as { state: string };
    assert.equal(status.state, 'ended');
  });
});

describe('the live stream cap', () => {
  let s: CaptureStack;
  let browser: Browser;

  beforeAll(async () => {
    s = await stack(12);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  afterEach((t) => recorderLogsOnFailure(t, s));

  test('a stream stops by itself when it reaches the cap', async () => {
    const m = await createMeeting(s.parley.url, 'Capped');
    const mod = await openParticipant(browser, s.parley.url, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
    await inRoom(mod);
    const started = Date.now();
    const url = await goLive(mod);
    const state = await captureState(mod.page);
    assert.ok(state.stream?.endsAt && state.stream.endsAt - started <= 13_000, 'the cap is announced');
    const viewer = await openViewer(browser, url);
    await waitFor('the stream to end at the cap', async () => (await viewerState(viewer)) === 'ended', 40_000);
    assert.ok(Date.now() - started >= 11_000, 'not before the cap');
    await waitFor('the LIVE badge to go', async () => (await mod.page.getByTestId('live-indicator').count()) === 0, 30_000);
  });
});

describe('a meeting that may not be streamed', () => {
  test('with live streaming off (the operator’s setting; an organization on the free or standard plan alike), the moderator is told why and offered recording only', async () => {
    const s = await startCaptureStack({ streaming: false });
    const browser = await launchBrowser();
    try {
      const m = await createMeeting(s.parley.url, 'No streams');
      const mod = await openParticipant(browser, s.parley.url, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
      await inRoom(mod);
      await mod.page.getByTestId('toggle-capture').click();
      await mod.page.getByTestId('stream-not-in-plan').waitFor();
      assert.equal(await mod.page.getByTestId('start-stream').count(), 0);
      assert.equal(await mod.page.getByTestId('start-recording').count(), 1);
      for (const [width, height] of [[1280, 800], [390, 844]] as const) {
        await mod.page.setViewportSize({ width, height });
        const panel = (await mod.page.getByTestId('capture-panel').boundingBox())!;
        const why = (await mod.page.getByTestId('stream-not-in-plan').boundingBox())!;
        assert.ok(why.x >= panel.x && why.x + why.width <= panel.x + panel.width + 1 && panel.x + panel.width <= width + 1, `the reason fits the panel at ${width}px`);
        await mod.page.screenshot({ path: `${shotsDir('live')}/stream-not-in-plan-${width}.png` });
      }
      // The server refuses it too, whatever a page sends.
      const refused = await mod.page.evaluate(() => window.parley!.session.request('capture:start', { kind: 'stream' }).then(() => 'ok', (e: { code?: string }) => e.code));
      assert.equal(refused, 'PLAN_LIMIT');
    } finally {
      await browser.close();
      await s.close();
    }
  });
});
