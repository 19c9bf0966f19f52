// The segment list of a real ffmpeg run with a timeline offset, read as the
// recorder reads it: each segment where it really is on the capture's timeline.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { segmentListIncludesOffset, segmentTimes } from '../src/ffmpeg.ts';

test('segments of a run that starts 100 s into the capture are placed from 100 s on, each as long as it is', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-segments-'));
  try {
    const list = path.join(dir, 'list.csv');
    // Five seconds of picture and sound, a keyframe each second, cut every second: as a recorder run does, smaller.
    const run = spawnSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=s=160x90:r=10:d=5', '-f', 'lavfi', '-i', 'sine=d=5',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-c:a', 'aac', '-output_ts_offset', '100',
      '-f', 'segment', '-segment_time', '1', '-segment_format', 'mpegts', '-segment_list', list, '-segment_list_type', 'csv', path.join(dir, '%d.ts'),
    ]);
    assert.equal(run.status, 0, run.stderr.toString());
    const included = await segmentListIncludesOffset();
    const lines = fs.readFileSync(list, 'utf8').split('\n').filter((l) => l.trim());
    const segments = lines.map((l, i) => segmentTimes(l, i, 100, included)!);
    assert.ok(segments.length >= 4, `${segments.length} segments`);
    assert.equal(segments[0]!.start, 100);
    segments.forEach((s, i) => {
      const d = s.end - s.start;
      assert.ok(d > 0.5 && d < 1.6, `segment ${i} lasts ${d.toFixed(2)} s (${lines[i]})`);
      if (i > 0) assert.equal(s.start, segments[i - 1]!.end, 'segments follow each other');
    });
    assert.ok(Math.abs(segments.at(-1)!.end - 105) < 0.2, `the last ends at ${segments.at(-1)!.end}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a line that is not a segment is skipped', () => {
  assert.equal(segmentTimes('', 0, 10, true), null);
  assert.equal(segmentTimes('a.ts,1', 1, 10, true), null);
});
