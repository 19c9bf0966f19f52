// A live stream's segments in the store: each leaves it RETIRED_MS after it
// slid out of the playlist (a stream of hours does not leave hours of video
// behind), except in a stream kept as a recording, whose segments all stay
// until it is joined.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, test } from 'vitest';
import { pino } from 'pino';
import { LocalDrive, readDriveJson } from '@parley/platform';
import { captureKeys, type RecorderJob } from '@parley/protocol';
import { CaptureFolder } from '../src/capture-folder.ts';
import { RETIRED_MS, SegmentUploader, type PlaylistState } from '../src/output.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-output-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function stream(keep: boolean, segments: number, clock: { now: number }) {
  const drive = new LocalDrive({ root: path.join(tmp, `drive-${keep}`), secret: 's', baseUrl: 'http://127.0.0.1' });
  const state: PlaylistState = { mediaSequence: 0, discontinuitySequence: 0, window: [] };
  const uploader = new SegmentUploader(drive, pino({ level: 'silent' }), { keepLocal: false, live: { folder: 'live/x/', state, shareSeconds: 3600, keep } });
  const realNow = Date.now;
  Date.now = () => clock.now;
  try {
    for (let i = 0; i < segments; i++) {
      const local = path.join(tmp, `seg-${keep}-${i}.ts`);
      fs.writeFileSync(local, Buffer.alloc(100, i));
      uploader.add({ localPath: local, key: `live/x/p001e${String(i).padStart(5, '0')}.ts`, duration: 2, discontinuity: false });
      assert.ok(await uploader.flush(5000));
      clock.now += 2000;
    }
  } finally {
    Date.now = realNow;
  }
  const stored = (await drive.list('live/x/')).map((o) => path.basename(o.key)).filter((k) => k.endsWith('.ts'));
  return { stored, uploader, state };
}

test('a segment leaves the store once it has been out of the playlist for RETIRED_MS', async () => {
  const clock = { now: 1_000_000 };
  // 40 segments of 2 s: 80 s of stream, a window of 6.
  const { stored, state } = await stream(false, 40, clock);
  const playlistSeconds = 6 * 2;
  // Every segment that left the window more than RETIRED_MS before the last publish is gone.
  const kept = Math.ceil(RETIRED_MS / 2000) + 1;
  assert.ok(stored.length <= 6 + kept, `${stored.length} segments still stored`);
  assert.ok(stored.length >= 6, 'the window is all there');
  assert.ok(!stored.includes('p001e00000.ts'), 'the first segment is gone');
  assert.equal(state.window.length, 6);
  assert.ok((state.retired ?? []).every((r) => r.at > clock.now - RETIRED_MS - 2000 - playlistSeconds * 1000));
});

test('a stream kept as a recording keeps every segment, in order, for the join', async () => {
  const clock = { now: 1_000_000 };
  const { stored, uploader } = await stream(true, 40, clock);
  assert.equal(stored.length, 40);
  assert.deepEqual(
    uploader.keptSegments().map((k) => path.basename(k)),
    Array.from({ length: 40 }, (_, i) => `p001e${String(i).padStart(5, '0')}.ts`),
  );
});

test('a stream’s status: "ended" is final, even when a "live" was still on its way to the store', async () => {
  const drive = new LocalDrive({ root: path.join(tmp, 'drive-status'), secret: 's', baseUrl: 'http://127.0.0.1' });
  // The first write ("live") is slow to reach the store, as after a slow upload of the first segments.
  const put = drive.put.bind(drive);
  let first = true;
  let started!: () => void;
  const liveStarted = new Promise<void>((r) => (started = r));
  drive.put = async (...args: Parameters<typeof put>) => {
    if (first) {
      first = false;
      started();
      await new Promise((r) => setTimeout(r, 300));
    }
    return put(...args);
  };
  const liveId = 'abcdefghijklmnopqrstuvwxyz';
  const job: RecorderJob = { captureId: 'c'.repeat(26), kind: 'stream', layout: 'grid', meetingId: 'm'.repeat(26) as never, title: 'T', serverUrl: 'http://127.0.0.1', token: 't', liveId, endsAt: null, requestedAt: 0 };
  const folder = new CaptureFolder(job, drive, path.join(tmp, 'status-job'), pino({ level: 'silent' }));
  const status = async () => (await readDriveJson<{ state: string }>(drive, `${captureKeys.liveFolder(liveId)}${captureKeys.liveStatus}`))!;
  const live = folder.writeStatus('live');
  // "ended" is asked for while the "live" is on its way to the store.
  await liveStarted;
  await folder.writeStatus('ended');
  await live;
  assert.equal((await status()).state, 'ended');
  // A "live" asked for after the end is not written.
  await folder.writeStatus('live');
  assert.equal((await status()).state, 'ended');
});
