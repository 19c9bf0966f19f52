// Recording a meeting of real Chromium pages: a real recorder process takes
// the job from BullMQ (real redis-server), receives the meeting's media over
// PlainTransports, composes it with ffmpeg and stores the MP4 in the local
// drive; ffprobe checks what came out.
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { Parley } from '@parley/server';
import { captureState, fakeCameraShare, ffprobe, newestRecordingLink, recorderLogsOnFailure, startCaptureStack, type CaptureStack } from './capture-helpers.ts';
import { createMeeting, inRoom, launchBrowser, openParticipant, shotsDir, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';

describe('recording a meeting', () => {
  let stack: CaptureStack;
  let parley: Parley;
  let browser: Browser;
  let mod: Participant, guest: Participant;
  let tmp: string;
  let meetingId: string;

  beforeAll(async () => {
    stack = await startCaptureStack();
    ({ parley, tmp } = stack);
    await stack.recorder();
    browser = await launchBrowser();
    const m = await createMeeting(parley.url, 'Recorded meeting');
    meetingId = m.id;
    mod = await openParticipant(browser, parley.url, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
    const modId = await inRoom(mod);
    guest = await openParticipant(browser, parley.url, m.id, 'Gus');
    const guestId = await inRoom(guest);
    await waitForMediaFrom(mod.page, [guestId]);
    await waitForMediaFrom(guest.page, [modId]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach((t) => recorderLogsOnFailure(t, stack));

  test('the moderator records; everyone sees it and hears the signal; the MP4 has picture and sound for the time recorded', async () => {
    // Only moderators have the control.
    assert.equal(await guest.page.getByTestId('toggle-capture').count(), 0);
    await mod.page.getByTestId('toggle-capture').click();
    await mod.page.getByTestId('start-recording').click();
    await guest.page.locator('[data-testid="rec-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    await waitFor('the start signal on the guest page', () => guest.page.evaluate(() => window.parley!.captureSignals() > 0));
    await waitFor('the start signal on the moderator page', () => mod.page.evaluate(() => window.parley!.captureSignals() > 0));
    const started = (await captureState(guest.page)).recording!;
    assert.ok(started.mediaStartedAt, 'the recording says when its media starts');
    assert.equal(started.by, 'Mona');

    // Progress reaches the moderator while it records.
    await waitFor('progress', async () => ((await captureState(mod.page)).recording?.seconds ?? 0) >= 4, 30_000);
    await new Promise((r) => setTimeout(r, 4000));
    await mod.page.getByTestId('stop-recording').click();
    const stoppedAt = Date.now();
    await waitFor('the indicator to go', async () => (await guest.page.getByTestId('rec-indicator').count()) === 0, 60_000);

    // The finished recording is listed with a share link; download it as a person would.
    const link = await newestRecordingLink(mod, 1, 30_000);
    const res = await fetch(link);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    const file = path.join(tmp, 'downloaded.mp4');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const probe = ffprobe(file);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    assert.equal(video?.codec_name, 'h264');
    assert.equal(video?.width, 1280);
    assert.equal(video?.height, 720);
    assert.equal(audio?.codec_name, 'aac');
    const wallClock = (stoppedAt - started.mediaStartedAt!) / 1000;
    assert.ok(Math.abs(probe.duration - wallClock) <= 1, `duration ${probe.duration.toFixed(2)} s vs ${wallClock.toFixed(2)} s recorded`);
    // The fake cameras' pictures are in it (not a black canvas).
    // Two cameras side by side fill half the canvas or more.
    const share = fakeCameraShare(file, probe.duration / 2);
    const timeline = [0.25, 0.5, 0.75, 0.9].map((f) => `${(f * probe.duration).toFixed(1)} s: ${(fakeCameraShare(file, f * probe.duration) * 100).toFixed(0)} %`).join(', ');
    assert.ok(share > 0.3, `the middle frame shows the cameras (${(share * 100).toFixed(0)} % of it; ${timeline})`);

    // Opened in Chromium, the link plays and seeks: the player asks for ranges (206) and gets them
    // (a CSP of default-src 'none' without media-src, or no Range support, gave a dead player).
    const viewer = await mod.context.newPage();
    const partial: number[] = [];
    viewer.on('response', (r) => {
      if (r.url().startsWith(link.split('?')[0]!) && r.status() === 206) partial.push(r.status());
    });
    await viewer.goto(link);
    const played = await viewer.evaluate(async () => {
      const v = document.querySelector('video')!;
      if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      v.muted = true;
      await v.play();
      await new Promise((r) => setTimeout(r, 500));
      const playing = v.currentTime > 0;
      v.currentTime = v.duration * 0.7;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      if (v.readyState < 2) await new Promise((r) => v.addEventListener('canplay', r, { once: true }));
      return { duration: v.duration, playing, at: v.currentTime, width: v.videoWidth, error: v.error?.message ?? null };
    });
    assert.equal(played.error, null);
    assert.ok(played.playing, 'it plays');
    assert.ok(Math.abs(played.duration - probe.duration) < 1, `duration ${played.duration} in the player`);
    assert.ok(Math.abs(played.at - probe.duration * 0.7) < 1, `seeked to ${played.at}`);
    assert.equal(played.width, 1280);
    assert.ok(partial.length > 0, 'ranges were asked and answered (206)');
    await viewer.close();
    // The Download link saves the file under a name (Content-Disposition: attachment).
    const [download] = await Promise.all([mod.page.waitForEvent('download'), mod.page.getByTestId('recording-download').first().click()]);
    assert.match(download.suggestedFilename(), /\.mp4$/);
    assert.ok(fs.statSync(await download.path()).size > 10_000);

    // A share link is signed: tampering with it gets nothing.
    const forged = new URL(link);
    forged.searchParams.set('expires', String(Number(forged.searchParams.get('expires')) + 1));
    assert.equal((await fetch(forged)).status, 403);
  });

  test('the recording follows the meeting: a camera that stops leaves the picture, comes back when it starts; a mute does not stall it', async () => {
    if ((await mod.page.getByTestId('capture-panel').count()) === 0) await mod.page.getByTestId('toggle-capture').click();
    await mod.page.getByTestId('start-recording').click();
    await mod.page.locator('[data-testid="rec-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    const t0 = (await captureState(mod.page)).recording!.mediaStartedAt!;
    const at = (wall: number) => (wall - t0) / 1000;
    await new Promise((r) => setTimeout(r, 4000));
    const bothBefore = Date.now() - 1500;
    await guest.page.getByTestId('toggle-camera').click();
    const off = Date.now();
    await new Promise((r) => setTimeout(r, 7000));
    const aloneAt = Date.now() - 2000;
    await guest.page.getByTestId('toggle-camera').click();
    await guest.page.getByTestId('toggle-mic').click();
    await new Promise((r) => setTimeout(r, 7000));
    const bothAfter = Date.now() - 1500;
    await mod.page.getByTestId('stop-recording').click();
    const stoppedAt = Date.now();

    const link = await newestRecordingLink(mod, 2);
    const file = path.join(tmp, 'changes.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(link)).arrayBuffer()));
    const probe = ffprobe(file);
    assert.ok(Math.abs(probe.duration - at(stoppedAt)) <= 1, `duration ${probe.duration.toFixed(2)} s vs ${at(stoppedAt).toFixed(2)} s, with a mute and two layout changes`);
    // Two cameras side by side fill about half the canvas; one alone fills it.
    const before = fakeCameraShare(file, at(bothBefore));
    const alone = fakeCameraShare(file, at(aloneAt));
    const after = fakeCameraShare(file, at(bothAfter));
    // On failure, what the whole file shows, second by second.
    const timeline = () =>
      `picture ${probe.streams.find((s) => s.codec_type === 'video')?.duration ?? '?'} s, sound ${probe.streams.find((s) => s.codec_type === 'audio')?.duration ?? '?'} s; ` +
      Array.from({ length: Math.floor(probe.duration) }, (_, s) => `${s} s: ${fakeCameraShare(file, s + 0.5).toFixed(2)}`).join(', ');
    assert.ok(before > 0.35 && before < 0.65, `two cameras before (${at(bothBefore).toFixed(1)} s): ${before.toFixed(2)}; ${timeline()}`);
    assert.ok(alone > 0.8, `one camera while the other is off (${at(off).toFixed(1)} s on): ${alone.toFixed(2)}; ${timeline()}`);
    assert.ok(after > 0.35 && after < 0.65, `two cameras again: ${after.toFixed(2)}; ${timeline()}`);
  });

  test('the recordings library, outside the meeting: play and seek, rename, a share link with its expiry, delete (the files leave the drive)', async () => {
    // The moderator (by the meeting's link, this tab) opens the library: the meeting page is left behind.
    const page = mod.page;
    await page.goto(`${parley.url}/m/${meetingId}/recordings`);
    await page.getByTestId('library').waitFor();
    const item = page.getByTestId('library-item').first();
    const recordingId = (await item.getAttribute('data-recording-id'))!;
    await item.getByTestId('library-play').click();
    const played = await page.evaluate(async () => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="recording-player"]')!;
      if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      v.muted = true;
      await v.play();
      await new Promise((r) => setTimeout(r, 500));
      const playing = v.currentTime > 0;
      v.currentTime = v.duration * 0.5;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      return { playing, at: v.currentTime, duration: v.duration, error: v.error?.message ?? null };
    });
    assert.equal(played.error, null);
    assert.ok(played.playing, 'it plays in the page');
    assert.ok(Math.abs(played.at - played.duration * 0.5) < 1, `seeked to ${played.at} of ${played.duration}`);

    await item.getByTestId('library-rename').click();
    await item.getByTestId('library-title-input').fill('Board review');
    await item.getByTestId('library-title-save').click();
    await page.locator(`[data-testid="library-item"][data-recording-id="${recordingId}"] [data-testid="library-title"]`).filter({ hasText: 'Board review' }).waitFor();

    await item.getByTestId('library-expiry').selectOption('3600');
    await item.getByTestId('library-share').click();
    const link = await item.getByTestId('library-link').inputValue();
    const expires = Number(new URL(link).searchParams.get('expires'));
    assert.ok(Math.abs(expires - (Date.now() / 1000 + 3600)) < 120, `the link expires in an hour (${expires})`);
    const res = await fetch(link, { headers: { range: 'bytes=0-99' } });
    assert.equal(res.status, 206, 'the share link plays and seeks (ranges)');

    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width}px`);
      for (const tid of ['library-play', 'library-rename', 'library-delete', 'library-share', 'library-link', 'library-copy']) {
        const b = (await item.getByTestId(tid).boundingBox())!;
        assert.ok(b.x >= 0 && b.x + b.width <= width + 1 && b.height >= 30, `${tid} on screen, big enough, at ${width}px (${JSON.stringify(b)})`);
      }
      await page.screenshot({ path: `${shotsDir('recording')}/library-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 720 });

    await item.getByTestId('library-delete').click();
    await page.getByTestId('library-delete-confirm').click();
    await page.locator(`[data-testid="library-item"][data-recording-id="${recordingId}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(await parley.drive.list(`meetings/${meetingId}/recordings/${recordingId}/`), [], 'every file of it left the drive');
    assert.equal((await fetch(link)).status, 404, 'links already shared find nothing');
  });
});
