// The camera's media: 20 s of ffmpeg's testsrc2 (moving, detailed, like a
// camera), 1280x720 at 30 fps, VP8 realtime at ~1 Mbit/s CBR, a keyframe
// every 60 frames. Encoded once and cached, so both systems get exactly the
// same bytes and no encoder competes with them for the CPU.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CLIP_ARGS = [
  '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '20',
  '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8',
  '-b:v', '1M', '-minrate', '1M', '-maxrate', '1M', '-bufsize', '500k',
  '-g', '60', '-keyint_min', '60', '-lag-in-frames', '0', '-error-resilient', '1', '-auto-alt-ref', '0',
];

export async function ensureClip(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'parley-bench');
  const file = path.join(dir, 'camera-720p30-vp8-1mbps-v1.webm');
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.webm`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...CLIP_ARGS, '-threads', '2', tmp]);
  fs.renameSync(tmp, file);
  return file;
}
