// The end of a recording: its segments (from this machine when it still has
// them, else from the drive) joined byte for byte into one MP4 (a remux, no
// re-encode), its length and start read back by ffprobe, and its
// recording.json written beside it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { captureKeys, type RecorderJob, type RecordingMeta } from '@parley/protocol';
import type { Drive } from '@parley/platform';

/** What a finished capture reports to the server. */
export interface FinishedCapture {
  key: string | null;
  seconds: number;
  bytes: number;
  error: string | null;
}

/** Joins the segments, in order, into one MP4 in `folder`: the given `keys`, or the folder's parts. */
export async function finishRecording(
  c: { drive: Drive; job: RecorderJob; dir: string; mediaStartedAt: number | null; beyondStop?: number },
  folder: string,
  keys?: string[],
): Promise<FinishedCapture> {
  const { drive, job, dir } = c;
  const segments = keys ? keys.map((key) => ({ key })) : (await drive.list(`${folder}parts/`)).filter((o) => o.key.endsWith('.ts'));
  const meta: RecordingMeta = { id: job.captureId, meetingId: job.meetingId, startedAt: c.mediaStartedAt ?? job.requestedAt, seconds: 0, bytes: 0, file: null, error: null, parts: 0 };
  if (segments.length === 0) {
    meta.error = 'nothing was recorded';
  } else {
    const out = path.join(dir, 'recording.mp4');
    const firstStart = await segmentTimes(drive, segments[0]!.key, dir).then((t) => t.start).catch(() => null);
    // The MP4 runs from the first segment's start to the last one's end, less what was written past the stop.
    let seconds: number | null = null;
    const beyondStop = c.beyondStop ?? 0;
    if (beyondStop > 0.05 && firstStart !== null) {
      const last = await segmentTimes(drive, segments.at(-1)!.key, dir).catch(() => null);
      if (last) seconds = Math.max(0.1, last.end - firstStart - beyondStop);
    }
    await joinSegments(segments.map((s) => s.key), drive, dir, out, seconds);
    meta.seconds = await probeDuration(out);
    meta.bytes = fs.statSync(out).size;
    meta.file = 'recording.mp4';
    meta.parts = new Set(segments.map((s) => /\/p(\d{3})e/.exec(s.key)?.[1])).size;
    if (firstStart !== null) meta.startedAt = Math.round(job.requestedAt + firstStart * 1000);
    await drive.put(`${folder}recording.mp4`, fs.createReadStream(out), { contentType: 'video/mp4' });
  }
  await drive.put(`${folder}${captureKeys.recordingMeta}`, JSON.stringify(meta), { contentType: 'application/json' });
  return { key: meta.file ? `${folder}${meta.file}` : null, seconds: meta.seconds, bytes: meta.bytes, error: meta.error };
}

/** The local copy of a segment if this machine has it, else a download. */
async function localCopy(key: string, drive: Drive, dir: string): Promise<string> {
  const local = path.join(dir, path.basename(key));
  if (fs.existsSync(local)) return local;
  // Downloaded already (the first and last segments are read for their times before the join).
  const tmp = path.join(dir, `dl-${path.basename(key)}`);
  if (fs.existsSync(tmp)) return tmp;
  const file = await drive.get(key);
  await new Promise<void>((resolve, reject) => {
    const w = fs.createWriteStream(tmp);
    file.body.pipe(w).on('finish', resolve).on('error', reject);
    file.body.on('error', reject);
  });
  return tmp;
}

/**
 * MPEG-TS segments are concatenable byte for byte: they are fed to one ffmpeg
 * in order and remuxed (no re-encoding) into an MP4 that starts at zero; the
 * timestamps inside keep the gaps between runs, so the MP4 lasts as long as
 * the wall-clock time it covers; `seconds`, when given, ends it sooner.
 */
async function joinSegments(keys: string[], drive: Drive, dir: string, out: string, seconds: number | null): Promise<void> {
  // ffmpeg "corrects" MPEG-TS timestamp jumps over 10 s by default: a
  // recorder takeover is such a jump, and must stay in the timeline.
  const child = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-dts_delta_threshold', '86400', '-f', 'mpegts', '-i', 'pipe:0', '-map', '0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc',
     ...(seconds === null ? [] : ['-t', seconds.toFixed(3)]), '-movflags', '+faststart', out],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // With `-t`, ffmpeg stops reading and exits once it has written that much:
  // its stdin then closes without a 'drain', and waiting for one hung the join.
  let gone = false;
  void done.then(() => (gone = true));
  const stdin = child.stdin!;
  stdin.on('error', () => (gone = true));
  for (const key of keys) {
    if (gone) break;
    const file = await localCopy(key, drive, dir);
    const data = fs.readFileSync(file);
    if (!stdin.write(data)) {
      await new Promise<void>((resolve) => {
        const settle = () => {
          stdin.off('drain', settle);
          stdin.off('close', settle);
          resolve();
        };
        stdin.once('drain', settle);
        stdin.once('close', settle);
        void done.then(settle);
      });
    }
  }
  stdin.end();
  const code = await done;
  if (code !== 0) throw new Error(`joining the segments failed: ${stderr.trim().slice(-300)}`);
}

function ffprobe(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', ['-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    // 'close', not 'exit': the output may still be on its way when the process has exited.
    child.once('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`ffprobe exited ${code}`))));
  });
}

export async function probeDuration(file: string): Promise<number> {
  return Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]));
}

/** Where a segment starts and ends on its timeline (its earliest stream's start, its latest stream's end). */
async function segmentTimes(drive: Drive, key: string, dir: string): Promise<{ start: number; end: number }> {
  const [start, duration] = (await ffprobe(['-show_entries', 'format=start_time,duration', '-of', 'csv=p=0', await localCopy(key, drive, dir)])).split(',').map(Number);
  if (!Number.isFinite(start) || !Number.isFinite(duration)) throw new Error('segment without times');
  return { start: start!, end: start! + duration! };
}
