// One ffmpeg run of a composition ("epoch"): RTP in (from the relays, as
// described by an SDP file), one 1280x720 (or 1920x1080, see compose) H.264 + AAC picture and soundtrack
// out, cut into 2-second MPEG-TS segments on keyframes. The segments serve
// both purposes: an HLS live stream lists them, a recording joins them into
// an MP4. Timestamps continue across epochs and recorder restarts: each run
// starts at the wall-clock time since the capture was requested.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RtpParametersWire } from '@parley/protocol';
import type { Writable } from 'node:stream';
import { OVERLAY } from './drawing.ts';
import { even, type Composition } from './layout.ts';

export const SEGMENT_SECONDS = 2;
const FPS = 30;
const BACKGROUND = '0x202124';
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

export interface InputStream {
  producerId: string;
  kind: 'audio' | 'video';
  /** ffmpeg's RTP port (RTCP is the next one). */
  port: number;
  rtpParameters: RtpParametersWire;
}

export interface Segment {
  /** File name in the epoch's folder. */
  file: string;
  /** Seconds on the capture's timeline (since it was requested). */
  start: number;
  end: number;
}

/** An SDP ffmpeg can read: one media line per stream, in the given order. */
export function sdpFor(streams: InputStream[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Parley recorder', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const s of streams) {
    const codec = s.rtpParameters.codecs[0]!;
    const pt = codec.payloadType;
    const [, name] = codec.mimeType.split('/');
    lines.push(`m=${s.kind} ${s.port} RTP/AVP ${pt}`);
    lines.push(`a=rtpmap:${pt} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`);
    const fmtp = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    if (fmtp.length) lines.push(`a=fmtp:${pt} ${fmtp.join(';')}`);
    lines.push('a=recvonly');
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * The filter graph for `comp`, given the index of each producer's stream in
 * the SDP. Names are drawn from files (textfile=): no display name ever
 * passes through filter-graph escaping.
 */
export function filterGraph(comp: Composition, index: Map<string, number>, nameFile: (i: number) => string | null, drawOn: number | null = null): string {
  // With strokes to lay over a tile, they are input 0 and the RTP streams input 1;
  // the canvas of two tiles or more comes next (see backgroundInput).
  const rtp = drawOn === null ? 0 : 1;
  const parts: string[] = [];
  // Received media paces the picture; without any, only the clock can.
  const live = comp.tiles.some((t) => t.source !== 'board') || comp.audio.length > 0;
  const label = (i: number, h: number) => {
    const file = nameFile(i);
    return file && fs.existsSync(FONT)
      ? `,drawtext=fontfile=${FONT}:textfile=${file}:fontsize=${Math.max(14, Math.round(h / 18))}:fontcolor=white:box=1:boxcolor=black@0.5:boxborderw=6:x=10:y=h-th-14`
      : '';
  };
  const tile = (i: number) => {
    const t = comp.tiles[i]!;
    const pad = `pad=${t.w}:${t.h}:(ow-iw)/2:(oh-ih)/2:color=${BACKGROUND}`;
    if (i !== drawOn) return `[${rtp}:${index.get(t.producerId)}]scale=${t.w}:${t.h}:force_original_aspect_ratio=decrease,${pad},setsar=1,fps=${FPS}${label(i, t.h)}`;
    // The whiteboard is a white 16:9 page, as in the meeting's pages.
    const picture =
      t.source === 'board'
        ? `color=c=white:s=${boardPage(t.w, t.h)}:r=${FPS}${live ? '' : ',realtime'}`
        : `[${rtp}:${index.get(t.producerId)}]scale=${t.w}:${t.h}:force_original_aspect_ratio=decrease,setsar=1,fps=${FPS}`;
    // The strokes are stretched over the shared picture itself (not its
    // letterboxed tile): they were drawn in fractions of that picture.
    return (
      `${picture}[draw_pic];` +
      `[0:v]format=rgba[draw_in];[draw_in][draw_pic]scale2ref=w=iw:h=ih[draw_ov][draw_ref];` +
      `[draw_ref][draw_ov]overlay=0:0:eof_action=pass:repeatlast=1,${pad},setsar=1${label(i, t.h)}`
    );
  };
  if (comp.tiles.length === 0) {
    // Nothing live at all: only the clock can pace the picture. (With live
    // audio, ffmpeg asks for background frames as the audio needs them.)
    parts.push(`color=c=${BACKGROUND}:s=${comp.canvas.width}x${comp.canvas.height}:r=${FPS}${live ? '' : ',realtime'},format=yuv420p[vout]`);
  } else if (comp.tiles.length === 1) {
    // One tile: padded onto the canvas directly, no background to blend onto (the common case, and the cheapest).
    const t = comp.tiles[0]!;
    parts.push(`${tile(0)},pad=${comp.canvas.width}:${comp.canvas.height}:${t.x}:${t.y}:color=${BACKGROUND},format=yuv420p[vout]`);
  } else {
    // The canvas comes from an input of its own (see backgroundInput), not from a color source in the graph.
    parts.push(`[${rtp + 1}:v]null[bg0]`);
    comp.tiles.forEach((t, i) => {
      parts.push(`${tile(i)}[t${i}]`);
      parts.push(`[bg${i}][t${i}]overlay=${t.x}:${t.y}:eof_action=pass:repeatlast=1[bg${i + 1}]`);
    });
    parts.push(`[bg${comp.tiles.length}]format=yuv420p[vout]`);
  }
  const audio = comp.audio.map((a) => index.get(a.producerId)!);
  if (audio.length === 0) {
    // Silence follows the picture's timeline (ffmpeg pulls it as the video
    // advances); pacing it by the clock would hold every segment back.
    parts.push('anullsrc=r=48000:cl=stereo[aout]');
  } else {
    audio.forEach((idx, i) => parts.push(`[${rtp}:${idx}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`));
    if (audio.length === 1) parts.push('[a0]anull[aout]');
    else parts.push(`${audio.map((_, i) => `[a${i}]`).join('')}amix=inputs=${audio.length}:normalize=0:dropout_transition=0[aout]`);
  }
  return parts.join(';');
}

/**
 * The canvas of a composed picture (two tiles or more), as an input after
 * the RTP streams. A color source inside the graph started again from 0
 * whenever ffmpeg rebuilt the graph, which it does each time a tile's
 * picture changes size (a simulcast layer switch, a loaded browser scaling
 * down): the new graph first made, and threw away, a canvas for every frame
 * since the run began, and the tiles stood empty for up to 2 s under load
 * (as BigBlueButton found for its recordings). An input keeps its time.
 */
export function backgroundInput(comp: Composition): string[] {
  if (comp.tiles.length < 2) return [];
  // Made in the encoder's pixel format: left to the graph, every frame would be converted.
  return ['-f', 'lavfi', '-i', `color=c=${BACKGROUND}:s=${comp.canvas.width}x${comp.canvas.height}:r=${FPS},format=yuv420p`];
}

/** The whiteboard's 16:9 page fitted into a w×h tile, in even sizes (yuv420p). */
function boardPage(w: number, h: number): string {
  return w / h > 16 / 9 ? `${even((h * 16) / 9)}x${h}` : `${w}x${even((w * 9) / 16)}`;
}

/** How far the picture may trail the moment of the stop when a capture ends (see Epoch.stop). */
const PICTURE_LAG_US = 1_500_000;

export interface EpochOptions {
  dir: string;
  /** Segment files are `${prefix}%06d.ts`. */
  prefix: string;
  startNumber: number;
  /** Where this run starts on the capture's timeline, seconds. */
  offsetSeconds: number;
  preset: string;
  /** What segmentListIncludesOffset() found for this machine's ffmpeg. */
  listIncludesOffset: boolean;
  onSegment: (s: Segment) => void;
  onExit: (code: number | null, stderr: string) => void;
  /**
   * Strokes to lay over tile `tile` (a shared screen, or the whiteboard's page): `frame` answers their
   * current picture (OVERLAY-sized RGBA), written to ffmpeg DRAW_FPS times a second.
   */
  overlay?: { tile: number; frame: () => Buffer };
}

/** How often the strokes' picture is sent to ffmpeg: drawings move slowly next to video. */
const DRAW_FPS = 5;

/**
 * A line of a run's segment list ("file,start,end") on the capture's
 * timeline. The list's first start is always 0, the run's first frame; the
 * other times count -output_ts_offset in with some ffmpeg versions (5.1 does:
 * they come from the packets' timestamps), with others not.
 */
export function segmentTimes(line: string, index: number, offsetSeconds: number, listIncludesOffset: boolean): Segment | null {
  const [file, start, end] = line.split(',');
  if (!file || start === undefined || end === undefined) return null;
  const shift = listIncludesOffset ? 0 : offsetSeconds;
  return { file, start: index === 0 ? offsetSeconds + Number(start) : shift + Number(start), end: shift + Number(end) };
}

let listProbe: Promise<boolean> | undefined;
/**
 * Whether this machine's ffmpeg counts -output_ts_offset in its segment
 * list's times: found once, by a one-second run with an offset of 100 s.
 * Taken the wrong way, the first segment of every run after the first
 * would seem to last as long as the whole capture so far.
 */
export function segmentListIncludesOffset(): Promise<boolean> {
  listProbe ??= new Promise<boolean>((resolve, reject) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-segment-list-'));
    const list = path.join(dir, 'list.csv');
    const child = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=s=64x36:r=10:d=1',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-output_ts_offset', '100',
      '-f', 'segment', '-segment_time', '10', '-segment_format', 'mpegts', '-segment_list', list, '-segment_list_type', 'csv', path.join(dir, '%d.ts'),
    ], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => {
      try {
        const end = Number(fs.readFileSync(list, 'utf8').split('\n')[0]!.split(',')[2]);
        if (!Number.isFinite(end)) throw new Error('ffmpeg wrote no segment list');
        resolve(end > 50);
      } catch (error) {
        reject(error as Error);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  // A failed probe is tried again next time.
  listProbe.catch(() => (listProbe = undefined));
  return listProbe;
}

/** One running ffmpeg. Segments are reported as ffmpeg completes them. */
export class Epoch {
  readonly #opts: EpochOptions;
  readonly #child: ChildProcess;
  readonly #list: string;
  #seen = 0;
  #poll: NodeJS.Timeout;
  /** Output time: ffmpeg reports the furthest of its streams (the audio, cheap to make, runs ahead). */
  #outTimeUs = 0;
  /** Video frames written: the picture's own progress (FPS a second). */
  #frames = 0;
  /**
   * Whether the picture's timeline starts with the run, as the sound's does:
   * a composed picture (a canvas with its tiles, or the canvas alone) does;
   * a single tile starts at its first frame.
   */
  readonly #pictureFromStart: boolean;
  #advancedAt = Date.now();
  /** When the picture last moved (a frame written); see stall.ts. */
  #framesAt = Date.now();
  /** Wall-clock time of the run's output time 0 (its inputs are held until ffmpeg listens). */
  readonly startedAt = Date.now();
  #stderr = '';
  #overlayTimer: NodeJS.Timeout | undefined;
  readonly exited: Promise<void>;

  constructor(comp: Composition, streams: InputStream[], opts: EpochOptions) {
    this.#pictureFromStart = comp.tiles.length !== 1 || comp.tiles[0]!.source === 'board';
    this.#opts = opts;
    fs.mkdirSync(opts.dir, { recursive: true });
    const sdp = path.join(opts.dir, `${opts.prefix}input.sdp`);
    fs.writeFileSync(sdp, sdpFor(streams));
    this.#list = path.join(opts.dir, `${opts.prefix}list.csv`);
    fs.writeFileSync(this.#list, '');
    const index = new Map(streams.map((s, i) => [s.producerId, i]));
    const nameFile = (i: number) => {
      if (!comp.tiles[i]!.name) return null;
      const f = path.join(opts.dir, `${opts.prefix}name-${i}.txt`);
      fs.writeFileSync(f, comp.tiles[i]!.name.replace(/[\p{Cc}]/gu, ''));
      return f;
    };
    const background = backgroundInput(comp);
    const args = [
      // Ended by SIGINT (see stop), not by "q" on stdin: an input read from
      // a pipe (the strokes) turns ffmpeg's keyboard off.
      '-hide_banner', '-nostats', '-nostdin', '-loglevel', 'error', '-y',
      // How far the output has got (see stop: a clean end drains what is buffered).
      '-progress', 'pipe:1', '-stats_period', '0.25',
      // The strokes' picture first (input 0), stamped with the wall clock
      // when ffmpeg reads it (in steps of 1/DRAW_FPS s). The overlay filter
      // holds a frame of the stage until it has the picture for its time:
      // the stage may trail by up to one beat (200 ms), as the drawing does.
      ...(opts.overlay
        ? ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-video_size', `${OVERLAY.width}x${OVERLAY.height}`, '-framerate', String(DRAW_FPS),
           '-use_wallclock_as_timestamps', '1', '-probesize', '32', '-analyzeduration', '0', '-thread_queue_size', '4', '-i', 'pipe:3']
        : []),
      '-protocol_whitelist', 'file,udp,rtp',
      // Enough to learn each video's size from its first keyframe, no more: every second here is a second of lost picture.
      '-analyzeduration', '3000000', '-probesize', '10000000',
      '-reorder_queue_size', '100',
      // Room for seconds of input while a loaded ffmpeg falls behind (its
      // default, 384 KiB, overflows in under a second of two cameras);
      // the kernel caps it at net.core.rmem_max.
      '-buffer_size', String(4 * 1024 * 1024),
      '-fflags', '+genpts+discardcorrupt',
      // With two inputs (the strokes' or the canvas too) ffmpeg reads each in a thread
      // through a queue of 8 packets by default: too few for the RTP streams,
      // whose reader then blocks, and the sound fell ~10 s behind the picture.
      // (Alone, the RTP input is read without a thread; a size would add one.)
      ...(opts.overlay || background.length ? ['-thread_queue_size', '1024'] : []),
      '-i', sdp,
      ...background,
      '-filter_complex', filterGraph(comp, index, nameFile, opts.overlay?.tile ?? null),
      '-map', '[vout]', '-map', '[aout]',
      '-c:v', 'libx264', '-preset', opts.preset, '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-r', String(FPS), '-g', String(FPS * SEGMENT_SECONDS), '-keyint_min', String(FPS * SEGMENT_SECONDS), '-sc_threshold', '0',
      // 2 Mb/s for 720p; a 1080p picture (2.25 times the pixels) gets twice that.
      ...(comp.canvas.height >= 1080 ? ['-b:v', '4000k', '-maxrate', '5000k', '-bufsize', '8000k'] : ['-b:v', '2000k', '-maxrate', '2500k', '-bufsize', '4000k']),
      '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
      '-output_ts_offset', opts.offsetSeconds.toFixed(3),
      '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'mpegts',
      '-segment_start_number', String(opts.startNumber),
      '-segment_list', this.#list, '-segment_list_type', 'csv',
      path.join(opts.dir, `${opts.prefix}%06d.ts`),
    ];
    this.#child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe', opts.overlay ? 'pipe' : 'ignore'] });
    if (opts.overlay) this.#feedOverlay(this.#child.stdio[3] as Writable, opts.overlay.frame);
    this.#child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      const m = /out_time_us=(\d+)\s*$/m.exec(text);
      if (m && m[1] !== String(this.#outTimeUs)) {
        this.#outTimeUs = Number(m[1]);
        this.#advancedAt = Date.now();
      }
      // A chunk may hold several reports: the last one counts.
      const f = [...text.matchAll(/^frame=(\d+)\s*$/gm)].at(-1);
      if (f && Number(f[1]) !== this.#frames) {
        this.#frames = Number(f[1]);
        this.#advancedAt = Date.now();
        this.#framesAt = this.#advancedAt;
      }
    });
    // If this recorder dies (kill -9), its ffmpeg outlives it: the next run
    // of the job on this machine ends it by this file (see killStrays).
    if (this.#child.pid) fs.writeFileSync(path.join(opts.dir, `${opts.prefix}ffmpeg.pid`), String(this.#child.pid));
    this.#child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#poll = setInterval(() => this.#readList(), 200);
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        clearInterval(this.#poll);
        clearInterval(this.#overlayTimer);
        fs.rmSync(path.join(opts.dir, `${opts.prefix}ffmpeg.pid`), { force: true });
        this.#readList();
        opts.onExit(code, this.#stderr);
        resolve();
      });
    });
  }

  /**
   * Writes the strokes' picture DRAW_FPS times a second. A picture ffmpeg
   * has not taken yet is not queued behind (it would show late): that beat
   * is skipped. ffmpeg stamps each picture when it reads it.
   */
  #feedOverlay(pipe: Writable, frame: () => Buffer): void {
    pipe.on('error', () => undefined);
    const push = () => {
      if (!pipe.destroyed && !pipe.writableNeedDrain) pipe.write(frame());
    };
    push();
    this.#overlayTimer = setInterval(push, 1000 / DRAW_FPS);
  }

  /** How long the picture has stood still, once it has started (0 before its first frame: starting, not stuck). */
  pictureIdleMs(now = Date.now()): number {
    return this.#frames > 0 && this.#child.exitCode === null && this.#child.signalCode === null ? now - this.#framesAt : 0;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #readList(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.#list, 'utf8');
    } catch {
      return;
    }
    const lines = text.split('\n').filter((l) => l.trim());
    for (; this.#seen < lines.length; this.#seen++) {
      const times = segmentTimes(lines[this.#seen]!, this.#seen, this.#opts.offsetSeconds, this.#opts.listIncludesOffset);
      if (times) this.#opts.onSegment(times);
    }
  }

  /**
   * Ends the run cleanly: on SIGINT ffmpeg stops reading, closes its last
   * segment and writes it in the list (as "q" on its keyboard would). With
   * `drain` (the end of a capture) it first lets ffmpeg write everything up
   * to now: SIGINT drops input not yet read, and a run that fell behind (a
   * late keyframe, a loaded machine) would lose its last seconds. It goes on
   * reading live media meanwhile: what it wrote past now is cut off when the
   * recording is joined (see finishRecording).
   */
  async stop(opts: { drain?: boolean } = {}): Promise<{ outSeconds: number; videoSeconds: number; wantedSeconds: number; waitedMs: number }> {
    const began = Date.now();
    const target = (Date.now() - this.startedAt) * 1000 - 100_000;
    // The picture's own progress: frames written. The output time is the
    // furthest stream's, the sound's: a composed picture can be seconds
    // behind it while the sound is done (a tile whose first keyframe came
    // late holds the canvas back; a loaded machine encodes behind), and SIGINT
    // drops what is not written yet: the end of the capture would have no
    // picture. A composed picture starts with the run, so its frames are
    // waited for too, up to PICTURE_LAG_US behind the stop (a caught-up run
    // trails by ~0.5 s). A single tile starts at its own first frame, later
    // than the sound by however long that took: its frames cannot be
    // compared with the sound's time, and only the output time is waited for.
    const videoUs = () => (this.#frames / FPS) * 1e6;
    // Both are measured against the moment of the stop, not against the
    // sound's output time: a picture that trailed the sound for good (frames
    // lost to a loaded encoder) kept the drain chasing it for its whole 15 s.
    const behind = () => this.#outTimeUs < target || (this.#pictureFromStart && videoUs() < target - PICTURE_LAG_US);
    if (opts.drain) {
      const deadline = Date.now() + 15_000;
      // A run that has written nothing yet is still starting (waiting for a
      // keyframe, probing its inputs), not stuck: only the deadline ends its wait.
      while (this.#child.exitCode === null && behind() && Date.now() < deadline && (this.#outTimeUs === 0 || Date.now() - this.#advancedAt < 5000)) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGINT');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
    return { outSeconds: this.#outTimeUs / 1e6, videoSeconds: videoUs() / 1e6, wantedSeconds: target / 1e6, waitedMs: Date.now() - began };
  }
}

/**
 * Ends the ffmpeg processes an earlier run in `dir` left behind when its
 * recorder was killed: they would hold their ports and write nothing useful.
 * Only a process that still is ffmpeg working in `dir` is killed.
 */
export function killStrays(dir: string): number {
  let killed = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('ffmpeg.pid'))) {
    const pid = Number(fs.readFileSync(path.join(dir, f), 'utf8'));
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.startsWith('ffmpeg') && cmdline.includes(dir)) {
        process.kill(pid, 'SIGKILL');
        killed += 1;
      }
    } catch {
      // Already gone.
    }
    fs.rmSync(path.join(dir, f), { force: true });
  }
  return killed;
}
