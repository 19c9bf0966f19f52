// Recorder processes and drive checks for the recording / live stream tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { CaptureState } from '@parley/protocol';
import { waitFor } from './helpers.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface RecorderProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the process is taking jobs. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** A real recorder process (recorder/src/main.ts), as `npm start` runs it. */
export function startRecorderProcess(env: Record<string, string>): RecorderProcess {
  const child = spawn(process.execPath, [path.join(root, 'recorder/src/main.ts')], {
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(d);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const ready = waitFor('recorder ready', async () => out.includes('recorder ready') || (child.exitCode !== null && Promise.reject(new Error(`recorder exited: ${out}`))), 30_000, 100).then(() => undefined);
  return {
    child,
    output: () => out,
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function captureState(page: Page): Promise<CaptureState> {
  return page.evaluate(() => window.parley!.session.capture.value);
}

export interface Probe {
  duration: number;
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
}

export function ffprobe(file: string): Probe {
  const res = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', file], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`ffprobe failed: ${res.stderr}`);
  const j = JSON.parse(res.stdout) as { format: { duration: string }; streams: Probe['streams'] };
  return { duration: Number(j.format.duration), streams: j.streams };
}

/**
 * Share of the frame at `at` seconds that shows Chromium's fake camera (a
 * green picture): near 0 for an empty or black canvas.
 */
export function fakeCameraShare(file: string, at: number): number {
  const res = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(at), '-i', file, '-frames:v', '1', '-vf', 'scale=128:72', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-'], { maxBuffer: 1 << 20 });
  const buf = res.stdout as Buffer;
  let green = 0;
  for (let i = 0; i + 2 < buf.length; i += 3) if (buf[i + 1]! > buf[i]! + 60 && buf[i + 1]! > buf[i + 2]! + 60) green += 1;
  return buf.length ? green / (buf.length / 3) : 0;
}
