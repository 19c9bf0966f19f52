// Where finished segments go: the drive, in order, retried until the store
// takes them. A segment is on local disk until its upload succeeds, so a
// storage outage only delays it; for a live stream the playlist is rewritten
// after each upload, so viewers only ever see segments the store has.
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Drive } from '@parley/platform';
import { SEGMENT_SECONDS } from './ffmpeg.ts';
import { captureKeys } from '@parley/protocol';

export interface QueuedSegment {
  localPath: string;
  key: string;
  duration: number;
  /** A new ffmpeg run (or recorder) starts here: the player must reset its decoder. */
  discontinuity: boolean;
}

/** A live stream's playlist state, kept in the drive so a replacement recorder continues the same sequence. */
export interface PlaylistState {
  mediaSequence: number;
  discontinuitySequence: number;
  /** The sliding window: the last few segments. */
  window: { key: string; duration: number; discontinuity: boolean }[];
  /**
   * Segments that slid out of the window, and when: deleted from the store
   * once players behind the live edge are done with them (RETIRED_MS).
   */
  retired?: { key: string; at: number }[];
  /** A stream kept as a recording: every segment that slid out, in order (nothing is deleted until the end). */
  kept?: string[];
}

const WINDOW = 6;
/**
 * How long a segment that left the playlist stays in the store: a player
 * still loading the previous playlist may ask for it (RFC 8216 6.2.2 asks
 * for at least the playlist's duration).
 */
export const RETIRED_MS = 30_000;
const RETRY_MIN_MS = 300;
const RETRY_MAX_MS = 3000;

export class SegmentUploader {
  readonly #drive: Drive;
  readonly #log: Logger;
  readonly #queue: QueuedSegment[] = [];
  readonly #live: { folder: string; state: PlaylistState; shareSeconds: number; keep: boolean } | undefined;
  /** Keep local copies (a recording joins them at the end); a stream deletes them once uploaded. */
  readonly #keepLocal: boolean;
  #running: Promise<void> | undefined;
  #abandoned = false;
  bytes = 0;
  /** Epoch ms of the last failed upload, or 0 while the store answers. */
  failingSince = 0;

  constructor(drive: Drive, log: Logger, opts: { keepLocal: boolean; live?: { folder: string; state: PlaylistState; shareSeconds: number; keep: boolean } }) {
    this.#drive = drive;
    this.#log = log;
    this.#keepLocal = opts.keepLocal;
    this.#live = opts.live;
  }

  get pending(): number {
    return this.#queue.length;
  }

  add(seg: QueuedSegment): void {
    this.#queue.push(seg);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when every queued segment is in the drive, or false after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length > 0 || this.#running) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  /** Gives up on what is still queued (the job is ending without the store). */
  abandon(): void {
    this.#abandoned = true;
  }

  async #drain(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (this.#queue.length > 0 && !this.#abandoned) {
      const seg = this.#queue[0]!;
      try {
        const body = fs.readFileSync(seg.localPath);
        await this.#drive.put(seg.key, body, { contentType: 'video/mp2t', cacheControl: 'public, max-age=86400' });
        if (this.#live) await this.#publish(seg);
        this.#queue.shift();
        this.bytes += body.length;
        if (!this.#keepLocal) fs.rmSync(seg.localPath, { force: true });
        if (this.failingSince) this.#log.info({ downForMs: Date.now() - this.failingSince }, 'storage is back; uploading the waiting segments');
        this.failingSince = 0;
        delay = RETRY_MIN_MS;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          // The file is gone (cleaned up by hand): nothing to upload.
          this.#queue.shift();
          continue;
        }
        if (!this.failingSince) {
          this.failingSince = Date.now();
          this.#log.warn({ err: error, key: seg.key }, 'storage unreachable; segments wait on local disk');
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
  }

  /** Adds the uploaded segment to the live playlist and uploads the playlist. */
  async #publish(seg: QueuedSegment): Promise<void> {
    const live = this.#live!;
    const state = live.state;
    // A retry after the playlist upload failed must not list the segment twice.
    if (state.window.at(-1)?.key !== seg.key) state.window.push({ key: seg.key, duration: seg.duration, discontinuity: seg.discontinuity });
    const now = Date.now();
    while (state.window.length > WINDOW) {
      const out = state.window.shift()!;
      if (live.keep) (state.kept ??= []).push(out.key);
      else (state.retired ??= []).push({ key: out.key, at: now });
      state.mediaSequence += 1;
      if (state.window[0]?.discontinuity) state.discontinuitySequence += 1;
    }
    await this.writePlaylist(false);
    await this.#deleteRetired(now - RETIRED_MS);
  }

  /** Deletes the segments that left the playlist before `before`; one the store refuses is tried again next time. */
  async #deleteRetired(before: number): Promise<void> {
    const state = this.#live!.state;
    const due = (state.retired ?? []).filter((r) => r.at <= before);
    if (!due.length) return;
    const gone = new Set<string>();
    for (const r of due) {
      try {
        await this.#drive.delete(r.key);
        gone.add(r.key);
      } catch (error) {
        this.#log.warn({ err: error, key: r.key }, 'a retired live segment was not deleted (tried again later)');
      }
    }
    state.retired = (state.retired ?? []).filter((r) => !gone.has(r.key));
  }

  /** Every segment of a kept stream, in order: those that slid out, then the window. */
  keptSegments(): string[] {
    const state = this.#live?.state;
    return state ? [...(state.kept ?? []), ...state.window.map((w) => w.key)] : [];
  }

  async writePlaylist(ended: boolean): Promise<void> {
    const live = this.#live;
    if (!live) return;
    const state = live.state;
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      // Rounded, as the spec allows: a 2.03 s segment must not make it 3, for
      // players wait that many target durations behind the live edge.
      `#EXT-X-TARGETDURATION:${Math.max(SEGMENT_SECONDS, ...state.window.map((w) => Math.round(w.duration)))}`,
      `#EXT-X-MEDIA-SEQUENCE:${state.mediaSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${state.discontinuitySequence}`,
    ];
    for (const [i, w] of state.window.entries()) {
      if (w.discontinuity && i > 0) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${w.duration.toFixed(3)},`);
      // Absolute, signed (or presigned) URLs: viewers fetch segments from the
      // store itself, never through a Parley server.
      lines.push(await this.#drive.shareUrl(w.key, live.shareSeconds));
    }
    if (ended) lines.push('#EXT-X-ENDLIST');
    await this.#drive.put(`${live.folder}index.m3u8`, lines.join('\n') + '\n', {
      contentType: 'application/vnd.apple.mpegurl',
      cacheControl: 'no-cache',
    });
    await this.#drive.put(`${live.folder}${captureKeys.livePlaylistState}`, JSON.stringify(state), { contentType: 'application/json', cacheControl: 'no-cache' });
  }
}
