// A capture's folder in the drive, as one job run sees it: where its
// segments go, which part this run is (after every part already stored or
// left in the scratch folder), the segments an earlier run on this machine
// left behind, a live stream's status and playlist state, and the end: a
// joined MP4 for a recording; for a stream, its status "ended" and its files
// gone (made a recording first when the moderator kept it).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { captureKeys, type LiveStatusFile, type RecorderJob } from '@parley/protocol';
import { readDriveJson, type Drive } from '@parley/platform';
import { killStrays } from './ffmpeg.ts';
import { finishRecording, type FinishedCapture } from './join.ts';
import type { PlaylistState, SegmentUploader } from './output.ts';

const recordingFolder = (job: RecorderJob) => captureKeys.recordingFolder(job.meetingId, job.captureId);
const liveFolder = (job: RecorderJob) => captureKeys.liveFolder(job.liveId!);

export class CaptureFolder {
  readonly #job: RecorderJob;
  readonly #drive: Drive;
  /** This job's scratch folder on this machine. */
  readonly #dir: string;
  readonly #log: Logger;
  /** The status writes, in order (see writeStatus). */
  #statusWrites: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(job: RecorderJob, drive: Drive, dir: string, log: Logger) {
    this.#job = job;
    this.#drive = drive;
    this.#dir = dir;
    this.#log = log;
  }

  /** The capture's folder in the drive: the recording's, or the live stream's. */
  get folder(): string {
    return this.#job.kind === 'record' ? recordingFolder(this.#job) : liveFolder(this.#job);
  }

  get liveFolder(): string {
    return liveFolder(this.#job);
  }

  segmentKey(file: string): string {
    return this.#job.kind === 'record' ? `${this.folder}parts/${file}` : `${this.folder}${file}`;
  }

  /** The part after every part already in the drive or in this machine's scratch folder. */
  async nextPart(live: PlaylistState | undefined): Promise<number> {
    const names: string[] = [];
    if (this.#job.kind === 'record') names.push(...(await this.#drive.list(`${this.folder}parts/`)).map((o) => path.basename(o.key)));
    if (live) names.push(...live.window.map((w) => path.basename(w.key)));
    names.push(...fs.readdirSync(this.#dir));
    let max = 0;
    for (const n of names) {
      const m = /^p(\d{3})e/.exec(n);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max + 1;
  }

  /**
   * Segments an earlier run on this machine completed (they are in its
   * segment lists) but did not upload before it died: given to `uploader` first.
   */
  async recoverLeftovers(uploader: SegmentUploader): Promise<void> {
    const strays = killStrays(this.#dir);
    if (strays) this.#log.warn({ strays }, 'ended ffmpeg processes of a recorder that died');
    // A live stream has moved on: old segments would be out of place in its playlist.
    if (this.#job.kind === 'stream') return;
    const stored = new Set((await this.#drive.list(`${this.folder}parts/`)).map((o) => o.key));
    const lists = fs.readdirSync(this.#dir).filter((f) => f.endsWith('list.csv')).sort();
    let recovered = 0;
    for (const list of lists) {
      const lines = fs.readFileSync(path.join(this.#dir, list), 'utf8').split('\n').filter((l) => l.trim());
      for (const line of lines) {
        const [file, start, end] = line.split(',');
        if (!file || !fs.existsSync(path.join(this.#dir, file)) || stored.has(this.segmentKey(file))) continue;
        uploader.add({ localPath: path.join(this.#dir, file), key: this.segmentKey(file), duration: Number(end) - Number(start), discontinuity: false });
        recovered += 1;
      }
    }
    if (recovered) this.#log.info({ recovered }, 'uploading segments an earlier run completed but did not upload');
  }

  async loadPlaylist(): Promise<PlaylistState> {
    return (await readDriveJson<PlaylistState>(this.#drive, `${liveFolder(this.#job)}${captureKeys.livePlaylistState}`)) ?? { mediaSequence: 0, discontinuitySequence: 0, window: [] };
  }

  /**
   * Writes the status viewers poll. Writes go one after the other, and
   * "ended" is final: a "live" still on its way (it waits for the first
   * segments' upload) must not land after it, or viewers would wait on a
   * stream whose files are gone.
   */
  writeStatus(state: 'live' | 'ended'): Promise<void> {
    if (state === 'ended') this.#ended = true;
    const write = async () => {
      if (state === 'live' && this.#ended) return;
      await this.#drive.put(
        `${liveFolder(this.#job)}${captureKeys.liveStatus}`,
        JSON.stringify({ state, title: this.#job.title, endsAt: this.#job.endsAt } satisfies LiveStatusFile),
        { contentType: 'application/json', cacheControl: 'no-cache' },
      );
    };
    const next = this.#statusWrites.then(write, write);
    this.#statusWrites = next.catch(() => undefined);
    return next;
  }

  /**
   * A stream ends: viewers are told at once (status), a stream the
   * moderator chose to keep becomes a recording of the meeting, and then
   * everything of it leaves the store, so its links are refused from now on.
   * Only the status file stays, saying it ended.
   */
  async finishStream(uploader: SegmentUploader, writtenSeconds: number, mediaStartedAt: number | null, beyondStop = 0): Promise<FinishedCapture> {
    await this.writeStatus('ended');
    let result: FinishedCapture = { key: null, seconds: writtenSeconds, bytes: uploader.bytes, error: null };
    if (this.#job.keep) {
      try {
        result = await this.finishRecording(mediaStartedAt, beyondStop, uploader.keptSegments(), recordingFolder(this.#job));
      } catch (error) {
        // The stream's end (and its deletion) goes on: a recording that failed says so in its own file.
        this.#log.error({ err: error }, 'the kept stream could not be made a recording');
        result = { ...result, error: (error as Error).message.slice(0, 400) };
      }
    }
    const folder = liveFolder(this.#job);
    for (const o of await this.#drive.list(folder)) {
      if (o.key !== `${folder}${captureKeys.liveStatus}`) await this.#drive.delete(o.key);
    }
    return result;
  }

  /** Joins the segments, in order, into one MP4 in `folder` (a recording's: its parts by default), without their last `beyondStop` seconds. */
  finishRecording(mediaStartedAt: number | null, beyondStop = 0, keys?: string[], folder = this.folder): Promise<FinishedCapture> {
    return finishRecording({ drive: this.#drive, job: this.#job, dir: this.#dir, mediaStartedAt, beyondStop }, folder, keys);
  }
}
