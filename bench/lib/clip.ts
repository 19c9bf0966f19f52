// The camera's media: 20 s of ffmpeg's testsrc2 (moving, detailed, like a
// camera), 1280x720 at 30 fps, VP8 realtime at ~1 Mbit/s CBR, a keyframe
// every 60 frames; or the same at 1920x1080 and ~2.5 Mbit/s (a full-HD
// source, which a live stream is composed at 1080p for). Encoded once and cached, so both systems get exactly the
// same bytes and no encoder competes with them for the CPU.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const CLIPS = {
  720: { size: '1280x720', rate: '1M', buffer: '500k', name: 'camera-720p30-vp8-1mbps-v1.webm' },
  1080: { size: '1920x1080', rate: '2500k', buffer: '1250k', name: 'camera-1080p30-vp8-2500kbps-v1.webm' },
} as const;

export const clipArgs = (height: 720 | 1080 = 720): string[] => {
  const c = CLIPS[height];
  return [
    '-f', 'lavfi', '-i', `testsrc2=size=${c.size}:rate=30`, '-t', '20',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8',
    '-b:v', c.rate, '-minrate', c.rate, '-maxrate', c.rate, '-bufsize', c.buffer,
    '-g', '60', '-keyint_min', '60', '-lag-in-frames', '0', '-error-resilient', '1', '-auto-alt-ref', '0',
  ];
};

export async function ensureClip(height: 720 | 1080 = 720): Promise<string> {
  const dir = path.join(os.tmpdir(), 'parley-bench');
  const file = path.join(dir, CLIPS[height].name);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.webm`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...clipArgs(height), '-threads', '2', tmp]);
  fs.renameSync(tmp, file);
  return file;
}
