// Joining a recording's segments into its MP4, with real ffmpeg segments on a local drive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, test } from 'vitest';
import { LocalDrive } from '@parley/platform';
import type { RecorderJob } from '@parley/protocol';
import { finishRecording, probeDuration } from '../src/join.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-join-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 2-second MPEG-TS segments of picture and sound (`seconds` in all), as a run writes them, stored under `folder`parts/; `heavy`: lossless picture, megabytes per segment. */
async function recorded(drive: LocalDrive, folder: string, seconds = 6, heavy = false): Promise<void> {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const res = spawnSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${heavy ? '640x360' : '320x180'}:r=30:d=${seconds}`, '-f', 'lavfi', '-i', `sine=d=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', ...(heavy ? ['-qp', '0'] : []), '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-c:a', 'aac',
    '-output_ts_offset', '10', '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', path.join(dir, 'p001e001-%06d.ts'),
  ]);
  assert.equal(res.status, 0, res.stderr.toString());
  for (const f of fs.readdirSync(dir).sort()) await drive.put(`${folder}parts/${f}`, fs.readFileSync(path.join(dir, f)));
}

test('the MP4 ends where the moderator stopped: what the last run wrote past the stop is cut off', async () => {
  const drive = new LocalDrive({ root: path.join(tmp, 'drive'), secret: 's', baseUrl: 'http://127.0.0.1' });
  const job = { captureId: 'c1', meetingId: 'm1', requestedAt: 1_000_000 } as RecorderJob;
  for (const [name, beyondStop, expected] of [['whole', 0, 6], ['cut', 1.5, 4.5]] as const) {
    const folder = `meetings/m1/recordings/${name}/`;
    await recorded(drive, folder);
    const dir = fs.mkdtempSync(path.join(tmp, 'work-'));
    const done = await finishRecording({ drive, job, dir, mediaStartedAt: null, beyondStop }, folder);
    assert.equal(done.error, null);
    assert.ok(Math.abs(done.seconds - expected) < 0.15, `${name}: ${done.seconds} s, ${expected} s expected`);
    const file = path.join(dir, 'recording.mp4');
    assert.ok(Math.abs((await probeDuration(file)) - expected) < 0.15);
    // Both the picture and the sound stop there.
    const streams = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'csv=p=0', file]).stdout.toString().trim().split('\n');
    for (const line of streams) assert.ok(Number(line.split(',')[1]) <= expected + 0.1, `${name}: ${line}`);
  }
});

test('a cut far before the end does not hang the join: ffmpeg stops reading early, the rest is not waited on', { timeout: 60_000 }, async () => {
  const drive = new LocalDrive({ root: path.join(tmp, 'drive-long'), secret: 's', baseUrl: 'http://127.0.0.1' });
  const job = { captureId: 'c2', meetingId: 'm1', requestedAt: 1_000_000 } as RecorderJob;
  // 20 s of segments, megabytes each (more than ffmpeg reads ahead and the pipe holds), of which 1.5 s is kept.
  const folder = 'meetings/m1/recordings/long/';
  await recorded(drive, folder, 20, true);
  const sizes = (await drive.list(`${folder}parts/`)).map((o) => o.size ?? 0);
  assert.ok(sizes.reduce((a, b) => a + b, 0) > 8_000_000, `segments of ${sizes.join(', ')} bytes`);
  const dir = fs.mkdtempSync(path.join(tmp, 'work-'));
  const done = await finishRecording({ drive, job, dir, mediaStartedAt: null, beyondStop: 18.5 }, folder);
  assert.equal(done.error, null);
  assert.ok(Math.abs(done.seconds - 1.5) < 0.15, `${done.seconds} s, 1.5 s expected`);
});
