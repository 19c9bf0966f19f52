// A camera that shows the time: 640x360 frames at 30 fps, each with the
// wall-clock milliseconds (mod 2^24) written as 24 black/white blocks along
// the top edge, piped raw into an ffmpeg that encodes and sends them. A
// viewer reads the blocks back from the picture it shows and compares them
// with its own clock: glass-to-glass latency, on one machine, one clock.
import { spawn, type ChildProcess } from 'node:child_process';

export const CLOCK = { width: 640, height: 360, fps: 30, bits: 24, block: 20 };

/** Starts ffmpeg reading the clock video on stdin, with `output` as its encoding and output arguments. */
export function startClockVideo(output: string[]): ChildProcess {
  const { width, height, fps, bits, block } = CLOCK;
  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0', ...output],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  const frame = Buffer.alloc(width * height, 128);
  ffmpeg.stdin!.on('error', () => undefined);
  let n = 0;
  const started = Date.now();
  const tick = () => {
    if (ffmpeg.exitCode !== null || ffmpeg.stdin!.destroyed) return;
    const code = Date.now() % 2 ** bits;
    for (let b = 0; b < bits; b++) {
      const v = (code >> b) & 1 ? 235 : 16;
      for (let y = 0; y < block; y++) frame.fill(v, y * width + b * block, y * width + (b + 1) * block);
    }
    // Something moving below, so the encoder works as it would on a camera.
    const bar = (n * 8) % width;
    for (let y = 100; y < 300; y++) {
      frame.fill(90, y * width, (y + 1) * width);
      frame.fill(200, y * width + bar, y * width + Math.min(width, bar + 40));
    }
    ffmpeg.stdin!.write(frame);
    n += 1;
    // Scheduled against the start, so frames do not drift behind the clock.
    setTimeout(tick, Math.max(0, started + (n * 1000) / fps - Date.now()));
  };
  tick();
  return ffmpeg;
}

/**
 * The same decoding, as a string to evaluate in the viewer page: reads the
 * blocks of a frame scaled to `w` x `h` and answers latency samples in ms.
 */
export const VIEWER_PROBE = `
window.latencies = [];
window.startProbe = (video) => {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const onFrame = () => {
    const w = video.videoWidth, h = video.videoHeight;
    if (w && h) {
      canvas.width = w; canvas.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const sx = w / ${CLOCK.width}, sy = h / ${CLOCK.height};
      let code = 0;
      for (let b = 0; b < ${CLOCK.bits}; b++) {
        const px = ctx.getImageData(Math.round((b * ${CLOCK.block} + ${CLOCK.block / 2}) * sx), Math.round(${CLOCK.block / 2} * sy), 1, 1).data;
        if (px[0] > 128) code |= 1 << b;
      }
      const now = Date.now() % ${2 ** CLOCK.bits};
      const lat = (now - code + ${2 ** CLOCK.bits}) % ${2 ** CLOCK.bits};
      if (lat < 60000) window.latencies.push(lat);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
};
`;
