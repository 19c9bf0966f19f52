// Recording through faults: a recorder killed with SIGKILL mid-recording
// (BullMQ gives the job to another recorder, which records a new part and
// uploads what the dead one completed), ffmpeg's ports taken by another
// process while it restarts (the streams move to free ones), and the S3 store going away and
// coming back (segments wait on the recorder's disk), a camera that stops
// sending without leaving (it leaves the picture, which goes on, and comes
// back when it sends again). Also: a live stream in S3 mode is played by the
// viewer straight from the store.
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import S3rver from 's3rver';
import type { Browser } from 'playwright-core';
import type { Parley, ServerConfig } from '@parley/server';
import { captureState, fakeCameraShare, recordedSeconds, ffprobe, newestRecordingLink, recorderLogsOnFailure, startCaptureStack, type CaptureStack, type RecorderProcess } from './capture-helpers.ts';
import { createMeeting, inRoom, launchBrowser, openParticipant, tmpDir, waitFor, waitForMediaFrom, type Participant } from './helpers.ts';

async function meetingOfTwo(browser: Browser, base: string): Promise<{ mod: Participant; guest: Participant }> {
  const m = await createMeeting(base, 'Faults');
  const mod = await openParticipant(browser, base, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
  const modId = await inRoom(mod);
  const guest = await openParticipant(browser, base, m.id, 'Gus');
  const guestId = await inRoom(guest);
  await waitForMediaFrom(mod.page, [guestId]);
  await waitForMediaFrom(guest.page, [modId]);
  return { mod, guest };
}

async function startRecording(mod: Participant): Promise<void> {
  await mod.page.getByTestId('toggle-capture').click();
  await mod.page.getByTestId('start-recording').click();
  await mod.page.locator('[data-testid="rec-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
}

const seconds = recordedSeconds;

/** Stops the recording and downloads the finished MP4 through its share link. */
async function stopAndDownload(mod: Participant, file: string): Promise<{ stoppedAt: number; mediaStartedAt: number; url: string }> {
  const mediaStartedAt = (await captureState(mod.page)).recording!.mediaStartedAt!;
  await mod.page.getByTestId('stop-recording').click();
  const stoppedAt = Date.now();
  const url = await newestRecordingLink(mod, 1, 90_000);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return { stoppedAt, mediaStartedAt, url };
}

describe('a recorder killed mid-recording', () => {
  let stack: CaptureStack;
  let parley: Parley;
  let browser: Browser;
  let a: RecorderProcess;
  let tmp: string;
  // Lost recorders are noticed after 4 s instead of 30.
  const fastLock = { RECORDER_LOCK_MS: '4000' };

  beforeAll(async () => {
    stack = await startCaptureStack();
    ({ parley, tmp } = stack);
    a = await stack.recorder(fastLock);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach((t) => recorderLogsOnFailure(t, stack));

  test('another recorder continues in a new part; nothing the first one wrote is lost', async () => {
    const { mod } = await meetingOfTwo(browser, parley.url);
    await startRecording(mod);
    // Only A was running when the job was queued: A has it. B stands by.
    await stack.recorder(fastLock);
    await waitFor('4 s recorded by the first recorder', async () => (await seconds(mod)) >= 4, 30_000);
    const captureId = (await captureState(mod.page)).recording!.id;
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    const before = await seconds(mod);
    const work = path.join(tmp, 'work', captureId);
    await waitFor('the second recorder to record', async () => (await seconds(mod)) >= before + 4, 60_000, 500).catch(async (error: Error) => {
      // What the second recorder's ffmpeg wrote, and what the page was told (this failed once in CI, unexplained).
      const lists = fs.readdirSync(work).filter((f) => f.endsWith('list.csv')).map((f) => `${f}: ${fs.readFileSync(path.join(work, f), 'utf8').trim().split('\n').slice(-4).join(' | ')}`);
      throw new Error(`${error.message} (before: ${before} s); capture: ${JSON.stringify((await captureState(mod.page)).recording)}; segment lists: ${lists.join('; ')}`);
    });
    const takeover = (Date.now() - killedAt) / 1000;
    // Everything the first recorder completed is in the drive: its own uploads
    // and those it had no time for, uploaded by the second.
    const completedByA = fs.readdirSync(work).filter((f) => /^p001e\d+-list\.csv$/.test(f))
      .flatMap((f) => fs.readFileSync(path.join(work, f), 'utf8').split('\n').filter(Boolean).map((l) => l.split(',')[0]!));
    assert.ok(completedByA.length >= 2, `the first recorder completed ${completedByA.length} segments`);
    const partsDir = path.join(tmp, 'drive', 'meetings');
    const stored = () => {
      const out: string[] = [];
      const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : out.push(e.name)));
      walk(partsDir);
      return out;
    };
    await waitFor('every segment of the first part in the drive', async () => completedByA.every((f) => stored().includes(f)), 30_000);

    const file = path.join(tmp, 'killed.mp4');
    const { stoppedAt, mediaStartedAt } = await stopAndDownload(mod, file);
    const probe = ffprobe(file);
    assert.ok(probe.streams.some((s) => s.codec_type === 'video') && probe.streams.some((s) => s.codec_type === 'audio'));
    const wall = (stoppedAt - mediaStartedAt) / 1000;
    // The MP4 spans the whole time, the gap while no recorder ran included.
    assert.ok(Math.abs(probe.duration - wall) <= 1.5, `duration ${probe.duration.toFixed(2)} s vs ${wall.toFixed(2)} s (takeover took ${takeover.toFixed(1)} s)`);
    // (A new ffmpeg shows the cameras from their first keyframe on: look at the last seconds.)
    const end = Math.max(...[0.5, 1.5, 2.5].map((d) => fakeCameraShare(file, probe.duration - d)));
    assert.ok(end > 0.3, 'the second part shows the cameras');
    const meetingId = await mod.page.evaluate(() => window.parley!.session.meetingId);
    const meta = JSON.parse(fs.readFileSync(path.join(tmp, 'drive', 'meetings', meetingId, 'recordings', captureId, 'recording.json'), 'utf8')) as { parts: number };
    assert.equal(meta.parts, 2);
  });
});

/** The pid of the process whose command line contains `needle` (Linux /proc). */
function pidOf(needle: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** Binds UDP `port` on loopback as another process would, retrying while its owner is still letting go. */
async function squat(port: number): Promise<dgram.Socket> {
  for (let i = 0; ; i++) {
    const socket = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, '127.0.0.1', resolve);
      });
      return socket;
    } catch (e) {
      socket.close();
      if (i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('ffmpeg’s inputs in trouble: its ports taken, a camera gone quiet', () => {
  let stack: CaptureStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startCaptureStack();
    await stack.recorder();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach((t) => recorderLogsOnFailure(t, stack));

  test('another process takes them: the streams move to free ports and the recording goes on', async () => {
    const { mod } = await meetingOfTwo(browser, stack.parley.url);
    await startRecording(mod);
    await waitFor('3 s recorded', async () => (await seconds(mod)) >= 3, 30_000);
    const captureId = (await captureState(mod.page)).recording!.id;
    // The running ffmpeg's input description: the ports it listens on (RTP, and RTCP on the next one).
    const work = path.join(stack.tmp, 'work', captureId);
    const sdp = fs.readdirSync(work).filter((f) => f.endsWith('-input.sdp')).sort().at(-1)!;
    const ports = [...fs.readFileSync(path.join(work, sdp), 'utf8').matchAll(/^m=\w+ (\d+)/gm)].flatMap((m) => [Number(m[1]), Number(m[1]) + 1]);
    assert.ok(ports.length >= 4, `ffmpeg listens for at least a video and a sound (${ports.join(', ')})`);
    // ffmpeg dies, and before it is started again something else (here the test; in life a browser's ICE or a relay) binds its ports.
    const pid = pidOf(sdp);
    assert.ok(pid, 'the running ffmpeg');
    process.kill(pid, 'SIGKILL');
    const squatters = await Promise.all(ports.map(squat));
    try {
      const before = await seconds(mod);
      await waitFor('the recording to go on', async () => (await seconds(mod)) >= before + 4, 30_000, 500);
      assert.match(stack.logs(200), /port was taken by another process; moving the stream/);
    } finally {
      for (const s of squatters) s.close();
    }
    const { mediaStartedAt, stoppedAt } = await stopAndDownload(mod, path.join(stack.tmp, 'moved.mp4'));
    const probe = ffprobe(path.join(stack.tmp, 'moved.mp4'));
    assert.ok(probe.streams.some((s) => s.codec_type === 'video') && probe.streams.some((s) => s.codec_type === 'audio'));
    assert.ok(Math.abs(probe.duration - (stoppedAt - mediaStartedAt) / 1000) <= 1.5, `duration ${probe.duration.toFixed(2)} s`);
    const end = Math.max(...[0.5, 1.5, 2.5].map((d) => fakeCameraShare(path.join(stack.tmp, 'moved.mp4'), probe.duration - d)));
    assert.ok(end > 0.3, 'the cameras show after the move');
  });

  test('a camera that stops sending leaves the picture and the recording goes on; it comes back when it sends again', async () => {
    const base = stack.parley.url;
    const m = await createMeeting(base, 'Quiet');
    const mod = await openParticipant(browser, base, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
    const modId = await inRoom(mod);
    // The guest's page keeps its peer connections at hand, to silence its camera's sender.
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, permissions: ['camera', 'microphone'] });
    await context.addInitScript(() => {
      const pcs: RTCPeerConnection[] = [];
      (window as unknown as { pcs: RTCPeerConnection[] }).pcs = pcs;
      const Original = window.RTCPeerConnection;
      window.RTCPeerConnection = class extends Original {
        constructor(config?: RTCConfiguration) {
          super(config);
          pcs.push(this);
        }
      };
    });
    const page = await context.newPage();
    await page.goto(`${base}/m/${m.id}?name=Gus&prejoin=0`);
    const guest: Participant = { context, page, name: 'Gus' };
    const guestId = await inRoom(guest);
    await waitForMediaFrom(mod.page, [guestId]);
    await waitForMediaFrom(page, [modId]);
    await startRecording(mod);
    await waitFor('3 s recorded', async () => (await seconds(mod)) >= 3, 30_000);
    // This capture's own lines (the recorder served the test before too).
    const captureId = (await captureState(mod.page)).recording!.id;
    const quietLines = () => stack.logs(2000).split('\n').filter((l) => l.includes('a video went quiet or came back') && l.includes(captureId)).length;
    assert.equal(quietLines(), 0, 'both cameras send');
    // The camera's sender goes quiet, its producer on (not paused): as a phone's browser put in the background.
    const silenced = await page.evaluate(async () => {
      const w = window as unknown as { pcs: RTCPeerConnection[]; quiet?: { sender: RTCRtpSender; track: MediaStreamTrack } };
      for (const pc of w.pcs) {
        for (const sender of pc.getSenders()) {
          if (sender.track?.kind !== 'video') continue;
          w.quiet = { sender, track: sender.track };
          await sender.replaceTrack(null);
          return true;
        }
      }
      return false;
    });
    assert.ok(silenced, "the guest's camera sender");
    const before = await seconds(mod);
    // A run waits for a frame of each tile: with the quiet camera in it, the recording would stand still.
    await waitFor('the recording to go on without the quiet camera', async () => (await seconds(mod)) >= before + 12, 60_000, 500);
    assert.equal(quietLines(), 1, 'the quiet camera left the picture');
    await page.evaluate(async () => {
      const w = window as unknown as { quiet: { sender: RTCRtpSender; track: MediaStreamTrack } };
      await w.quiet.sender.replaceTrack(w.quiet.track);
    });
    await waitFor('the camera back in the picture', async () => quietLines() >= 2, 30_000, 500);
    const back = await seconds(mod);
    await waitFor('the recording to go on with both cameras', async () => (await seconds(mod)) >= back + 4, 30_000, 500);
    const { mediaStartedAt, stoppedAt } = await stopAndDownload(mod, path.join(stack.tmp, 'quiet.mp4'));
    const probe = ffprobe(path.join(stack.tmp, 'quiet.mp4'));
    assert.ok(Math.abs(probe.duration - (stoppedAt - mediaStartedAt) / 1000) <= 1.5, `duration ${probe.duration.toFixed(2)} s`);
    // Each camera's tile shows its fake picture (a quarter of this canvas): the quiet one's is empty while it is out.
    const share = (at: number) => fakeCameraShare(path.join(stack.tmp, 'quiet.mp4'), at);
    const out = share(before + 8);
    assert.ok(out > 0.1 && out < 0.4, `one camera shows while the other is quiet (${out.toFixed(2)} of the picture)`);
    // The picture's own end: it may stop up to 1.5 s before the sound (the recorder's drain lets a composed
    // picture trail the stop by PICTURE_LAG_US), and a frame asked for past it is no frame at all (0.00).
    const pictureEnd = Number(probe.streams.find((s) => s.codec_type === 'video')?.duration ?? probe.duration);
    const end = share(Math.min(probe.duration - 1, pictureEnd - 0.5));
    assert.ok(end > 0.4, `both cameras show at the end (${end.toFixed(2)} of the picture, at ${pictureEnd.toFixed(2)} s of picture in ${probe.duration.toFixed(2)} s)`);
    await context.close();
    await mod.context.close();
  });
});

describe('recording and streaming with an S3 store', () => {
  let stack: CaptureStack;
  let parley: Parley;
  let browser: Browser;
  let s3: S3rver;
  let s3Port: number;
  let tmp: string;
  // Viewers' browsers fetch the stream from the store's own origin.
  const cors =
    '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>';
  const startS3 = async (port: number) => {
    s3 = new S3rver({ port, address: '127.0.0.1', directory: path.join(tmp, 's3'), silent: true, configureBuckets: [{ name: 'media', configs: [cors] }] });
    return (await s3.run()).port;
  };

  // The store going away drops its connections too: a plain close waits for
  // every open request (an upload, a viewer's fetch) to end, and may never return.
  const stopS3 = async () => {
    const closing = s3.close();
    (s3 as unknown as { httpServer: { closeAllConnections(): void } }).httpServer.closeAllConnections();
    await closing;
  };

  beforeAll(async () => {
    tmp = tmpDir('rec-s3-');
    s3Port = await startS3(0);
    const drive: ServerConfig['drive'] = {
      kind: 's3',
      endpoint: `http://127.0.0.1:${s3Port}`,
      region: 'us-east-1',
      bucket: 'media',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      prefix: 'parley/',
    };
    stack = await startCaptureStack({ drive });
    parley = stack.parley;
    await stack.recorder();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await s3?.close();
  });

  afterEach((t) => recorderLogsOnFailure(t, stack));

  test('the store goes away mid-recording: segments wait on the recorder disk, then upload; the MP4 misses nothing', async () => {
    const { mod } = await meetingOfTwo(browser, parley.url);
    await startRecording(mod);
    await waitFor('3 s recorded', async () => (await seconds(mod)) >= 3, 30_000);
    await stopS3();
    // The moderator sees segments waiting for the store.
    await mod.page.getByTestId('record-pending').waitFor({ timeout: 30_000 });
    await waitFor('segments to pile up', async () => ((await captureState(mod.page)).recording?.pending ?? 0) >= 2, 30_000);
    await startS3(s3Port);
    await waitFor('the waiting segments to upload', async () => (await captureState(mod.page)).recording?.pending === 0, 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const file = path.join(tmp, 's3.mp4');
    const { stoppedAt, mediaStartedAt, url } = await stopAndDownload(mod, file);
    // The share link is the store's own (presigned), not this server's.
    assert.ok(url.startsWith(`http://127.0.0.1:${s3Port}/media/parley/`), url);
    const probe = ffprobe(file);
    const wall = (stoppedAt - mediaStartedAt) / 1000;
    assert.ok(Math.abs(probe.duration - wall) <= 1, `duration ${probe.duration.toFixed(2)} s vs ${wall.toFixed(2)} s`);
    // No hole where the store was down: video runs without a gap.
    const gaps = videoGaps(file);
    assert.deepEqual(gaps, [], `gaps in the video: ${JSON.stringify(gaps)}`);
  });

  test('a live stream in S3 mode: the viewer gets every segment and playlist from the store, not from Parley', async () => {
    const { mod, guest } = await meetingOfTwo(browser, parley.url);
    await mod.page.getByTestId('toggle-capture').click();
    await mod.page.getByTestId('start-stream').click();
    await mod.page.getByTestId('stream-confirm-start').click();
    const url = await mod.page.getByTestId('viewer-url').inputValue();
    await guest.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    const context = await browser.newContext();
    const viewer = await context.newPage();
    const fromParley: string[] = [];
    const fromStore: string[] = [];
    viewer.on('request', (r) => {
      const u = new URL(r.url());
      if (u.port === String(s3Port)) fromStore.push(u.pathname);
      else if (u.pathname.endsWith('.ts') || u.pathname.endsWith('.m3u8')) fromParley.push(u.pathname);
    });
    await viewer.goto(url);
    await waitFor('the viewer to play 4 s', () => viewer.evaluate(() => (document.querySelector('video')?.currentTime ?? 0) > 4), 40_000);
    assert.ok(fromStore.some((p) => p.endsWith('index.m3u8')), 'the playlist comes from the store');
    assert.ok(fromStore.filter((p) => p.endsWith('.ts')).length >= 2, 'segments come from the store');
    assert.deepEqual(fromParley, []);
    await mod.page.getByTestId('stop-stream').click();
    await waitFor('the viewer to see the end', async () => (await viewer.getByTestId('live-page').getAttribute('data-state')) === 'ended', 30_000);
    await context.close();
  });
});

/** Holes longer than half a second between video frames. */
function videoGaps(file: string): [number, number][] {
  const out = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' }).stdout;
  const times = out.split('\n').filter(Boolean).map(Number).sort((x, y) => x - y);
  const gaps: [number, number][] = [];
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > 0.5) gaps.push([times[i - 1]!, times[i]!]);
  return gaps;
}
