// A run whose picture stands still: one camera that stops sending holds the
// whole composed picture (ffmpeg waits for a frame of each tile), with no
// error and no exit. Shown here on a real ffmpeg fed by two real RTP
// senders, and the watch's steps (stall.ts) that mend it.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Epoch } from '../src/ffmpeg.ts';
import { freePortPair, releasePortPair } from '../src/relay.ts';
import { QuietVideos, QUIET_MS, SCREEN_QUIET_MS, StallWatch, STALL_ASK_MS, STALL_RESTART_MS } from '../src/stall.ts';
import type { Composition } from '../src/layout.ts';
import type { ParticipantId } from '@parley/protocol';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A camera: a test picture sent as VP8 over RTP, in real time. */
function camera(port: number): ChildProcess {
  return spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=s=320x180:r=15',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15',
    '-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${port}`,
  ], { stdio: 'ignore' });
}

const stopped = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

test('one camera that stops holds the whole composed picture still, and the run says so', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-stall-'));
  const ports = [await freePortPair(), await freePortPair()];
  const cameras = ports.map(camera);
  const video = { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {} }], encodings: [{ ssrc: 1 }] };
  const comp: Composition = {
    canvas: { width: 640, height: 180 },
    tiles: ports.map((_, i) => ({ producerId: `p${i}`, participantId: `u${i}` as ParticipantId, name: '', source: 'camera' as const, x: i * 320, y: 0, w: 320, h: 180 })),
    audio: [],
  };
  const epoch = new Epoch(comp, ports.map((port, i) => ({ producerId: `p${i}`, kind: 'video' as const, port, rtpParameters: video as never })), {
    dir,
    prefix: 'stall-',
    startNumber: 0,
    offsetSeconds: 0,
    preset: 'ultrafast',
    listIncludesOffset: true,
    onSegment: () => undefined,
    onExit: () => undefined,
  });
  try {
    // Both cameras send: the picture moves (it starts once each has sent a keyframe).
    const deadline = Date.now() + 20_000;
    let moving = 0;
    while (Date.now() < deadline && moving < 3) {
      await sleep(500);
      const idle = epoch.pictureIdleMs();
      moving = idle > 0 && idle < 1000 ? moving + 1 : 0;
    }
    assert.equal(moving, 3, `the picture never moved steadily (idle ${epoch.pictureIdleMs()} ms)`);
    // One camera stops; the other goes on sending.
    cameras[1]!.kill('SIGKILL');
    await stopped(cameras[1]!);
    await sleep(4000);
    assert.equal(cameras[0]!.exitCode, null, 'the other camera still sends');
    assert.ok(epoch.pictureIdleMs() > 2500, `the picture still moves (idle ${epoch.pictureIdleMs()} ms): a stopped camera no longer holds it`);
  } finally {
    for (const c of cameras) c.kill('SIGKILL');
    await epoch.stop();
    assert.equal(epoch.pictureIdleMs(), 0, 'an ended run is not stuck');
    ports.forEach(releasePortPair);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a still picture gets keyframes asked for once, then its run restarted once; moving again starts over', () => {
  const watch = new StallWatch<object>();
  const run = {};
  assert.equal(watch.step(run, 0), null);
  assert.equal(watch.step(run, STALL_ASK_MS - 1), null);
  assert.equal(watch.step(run, STALL_ASK_MS), 'ask');
  assert.equal(watch.step(run, STALL_ASK_MS + 500), null, 'asked once');
  assert.equal(watch.step(run, 200), null, 'moving again');
  assert.equal(watch.step(run, STALL_ASK_MS), 'ask', 'a new stall of the same run is asked about again');
  assert.equal(watch.step(run, STALL_RESTART_MS), 'restart');
  assert.equal(watch.step(run, STALL_RESTART_MS + 500), null, 'restarted once');
  assert.equal(watch.step(run, 0), null);
  assert.equal(watch.step({}, STALL_RESTART_MS), 'restart', 'another run is watched on its own');
});

test('a video that receives nothing for a while is quiet until it receives again; one no longer consumed is forgotten', () => {
  const q = new QuietVideos();
  assert.equal(q.observe([{ id: 'a', packets: 0 }, { id: 'b', packets: 0 }], 0), false, 'first seen: its clock starts');
  assert.equal(q.observe([{ id: 'a', packets: 10 }, { id: 'b', packets: 0 }], QUIET_MS - 1), false);
  assert.equal(q.observe([{ id: 'a', packets: 20 }, { id: 'b', packets: 0 }], QUIET_MS), true, 'b sent nothing since it was first seen');
  assert.deepEqual([...q.ids], ['b']);
  assert.equal(q.observe([{ id: 'a', packets: 30 }, { id: 'b', packets: 0 }], QUIET_MS + 500), false, 'still quiet: no change');
  assert.equal(q.observe([{ id: 'a', packets: 40 }, { id: 'b', packets: 1 }], QUIET_MS + 1000), true, 'b came back');
  assert.deepEqual([...q.ids], []);
  // a goes quiet from its last packet on, not from when it was first seen.
  assert.equal(q.observe([{ id: 'a', packets: 40 }, { id: 'b', packets: 5 }], 2 * QUIET_MS), false);
  assert.equal(q.observe([{ id: 'a', packets: 40 }, { id: 'b', packets: 9 }], 2 * QUIET_MS + 1000), true);
  assert.deepEqual([...q.ids], ['a']);
  // a's consumer goes (a reconnection): forgotten, and its clock starts again when it is back.
  assert.equal(q.observe([{ id: 'b', packets: 12 }], 3 * QUIET_MS), false);
  assert.deepEqual([...q.ids], []);
  assert.equal(q.observe([{ id: 'a', packets: 40 }, { id: 'b', packets: 15 }], 3 * QUIET_MS + 1), false);
  assert.equal(q.observe([{ id: 'a', packets: 40 }, { id: 'b', packets: 18 }], 4 * QUIET_MS), false, 'less than QUIET_MS since a was seen again');
});

test('a shared screen may send nothing for longer than a camera before it leaves the picture (a static screen sends in clumps)', () => {
  const q = new QuietVideos();
  q.observe([{ id: 'cam', packets: 0 }, { id: 'screen', packets: 0, screen: true }], 0);
  assert.equal(q.observe([{ id: 'cam', packets: 0 }, { id: 'screen', packets: 0, screen: true }], QUIET_MS), true);
  assert.deepEqual([...q.ids], ['cam']);
  assert.equal(q.observe([{ id: 'cam', packets: 0 }, { id: 'screen', packets: 0, screen: true }], SCREEN_QUIET_MS - 1), false);
  assert.equal(q.observe([{ id: 'cam', packets: 0 }, { id: 'screen', packets: 0, screen: true }], SCREEN_QUIET_MS), true);
  assert.deepEqual([...q.ids].sort(), ['cam', 'screen']);
});
