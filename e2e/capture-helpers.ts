// Recorder processes and drive checks for the recording / live stream tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Participant } from './helpers.ts';
import type { CaptureState } from '@parley/protocol';
import type { Parley, ServerConfig } from '@parley/server';
import { startStack, tmpDir, waitFor } from './helpers.ts';

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
    // Info level, kept here: a failed test prints the end of it (see recorderLogsOnFailure).
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info', ...env },
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
  return page.evaluate(() => window.parley!.session.capture.state.value);
}

/** Seconds recorded so far, as the moderator's page shows them. */
export const recordedSeconds = async (p: Participant): Promise<number> => (await captureState(p.page)).recording?.seconds ?? 0;

export interface Probe {
  duration: number;
  /** `duration`: the stream's own length, in seconds as text (the picture may end before the sound). */
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; duration?: string }[];
}

export function ffprobe(file: string): Probe {
  const res = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height,duration', '-of', 'json', file], { encoding: 'utf8' });
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

export interface CaptureStack {
  parley: Parley;
  tmp: string;
  /** The environment of a recorder process that works for this server (same queue, drive and secret). */
  recorderEnv: Record<string, string>;
  /** Starts one more recorder process and waits until it takes jobs. */
  recorder(extra?: Record<string, string>): Promise<RecorderProcess>;
  /** The last `lines` log lines of each recorder started, condensed. */
  logs(lines?: number): string;
  close(): Promise<void>;
}

/** Environment variables that name a drive, as the recorder reads them (README). */
function driveEnv(drive: ServerConfig['drive']): Record<string, string> {
  if (drive.kind === 'local') return { DRIVE: 'local', DRIVE_DIR: drive.dir };
  return {
    DRIVE: 's3',
    S3_ENDPOINT: drive.endpoint ?? '',
    S3_REGION: drive.region,
    S3_BUCKET: drive.bucket,
    S3_ACCESS_KEY_ID: drive.accessKeyId ?? '',
    S3_SECRET_ACCESS_KEY: drive.secretAccessKey ?? '',
    S3_FORCE_PATH_STYLE: drive.forcePathStyle ? '1' : '0',
    S3_PREFIX: drive.prefix,
  };
}

/**
 * A server with a drive (a local folder unless given) and its own capture
 * queue on the test Redis, so recorders of one test never take another's jobs.
 */
export async function startCaptureStack(opts: { drive?: ServerConfig['drive']; streamMaxSeconds?: number; streaming?: boolean } = {}): Promise<CaptureStack> {
  const tmp = tmpDir('capture-');
  const drive = opts.drive ?? { kind: 'local' as const, dir: path.join(tmp, 'drive') };
  const queueName = `test-capture-${path.basename(tmp)}`;
  const parley = await startStack({
    config: { drive, capture: { streamMaxSeconds: opts.streamMaxSeconds ?? 3600, recordingMaxSeconds: 3600, serverUrl: undefined, queueName, streaming: opts.streaming ?? true } },
  });
  const recorderEnv = {
    REDIS_URL: process.env.PARLEY_TEST_REDIS_URL!,
    CAPTURE_QUEUE: queueName,
    ...driveEnv(drive),
    DATA_DIR: path.join(tmp, 'data'),
    RECORDER_WORK_DIR: path.join(tmp, 'work'),
    PARLEY_SECRET: 'e2e-secret',
    PUBLIC_URL: parley.url,
  };
  const started: RecorderProcess[] = [];
  return {
    parley,
    tmp,
    recorderEnv,
    async recorder(extra = {}) {
      const r = startRecorderProcess({ ...recorderEnv, ...extra });
      started.push(r);
      await r.ready;
      return r;
    },
    logs(lines = 40) {
      return started.map((r, i) => `recorder ${i + 1} (pid ${r.child.pid}):\n${condense(r.output(), lines)}`).join('\n');
    },
    async close() {
      await Promise.all(started.map((r) => r.stop()));
      await parley.close();
    },
  };
}

/**
 * The share link of the newest recording in the moderator's recording panel
 * (refreshed as a person would) once it lists `count` of them.
 */
export function newestRecordingLink(mod: Participant, count = 1, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    `${count} recording(s) in the list`,
    async () => {
      await mod.page.getByTestId('refresh-recordings').click();
      const a = mod.page.getByTestId('recording-link');
      return (await a.count()) >= count ? a.first().getAttribute('href') : undefined;
    },
    timeoutMs,
    1000,
  );
}

/** Pino's JSON lines as "time level msg {fields}", the last `lines` of them. */
function condense(out: string, lines: number): string {
  return out.split('\n').filter((l) => l.trim()).slice(-lines).map((l) => {
    try {
      const { time, level, msg, pid: _pid, hostname: _host, module: _module, ...rest } = JSON.parse(l) as Record<string, unknown>;
      const at = new Date(Number(time)).toISOString().slice(11, 23);
      return `  ${at} ${String(level)} ${String(msg)} ${JSON.stringify(rest).slice(0, 400)}`;
    } catch {
      return `  ${l.slice(0, 400)}`;
    }
  }).join('\n');
}

/**
 * For afterEach: a failed test's error ends with each recorder's last log
 * lines. CI shows nothing else of those processes, and a recording that
 * fails is seldom understood from the browser's side alone.
 */
export function recorderLogsOnFailure(t: TestContext, stack: CaptureStack | undefined): void {
  // An afterEach hook gets the test's context, with its outcome so far.
  if (t.task.result?.state !== 'fail' || !stack) return;
  // Printed, not added to the error: the reporter has already written the error out by now.
  console.error(`--- ${t.task.name}: the recorders' last log lines ---\n${stack.logs()}`);
}
