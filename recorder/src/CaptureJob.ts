// One capture job on one recorder: attach to the meeting's server node, take
// plain RTP of the streams the layout shows, run ffmpeg (again, whenever the
// layout changes), upload segments as they complete, and at the end publish
// the result: a joined MP4 (recordings) or an ended playlist (streams).
//
// A job may run several times (a recorder killed mid-way; BullMQ gives it to
// another): each run is a new "part". Parts and their segments are named so
// that sorting their keys gives the order they were recorded in.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import type {
  CaptureStopReason,
  DrawingState,
  ParticipantId,
  RecorderClientToServerEvents,
  RecorderConsumerWire,
  RecorderJob,
  RecorderServerToClientEvents,
  RecorderView,
} from '@parley/protocol';
import { BOARD, RequestError, requester, screenSurface } from '@parley/protocol';
import type { Drive } from '@parley/platform';
import { CaptureFolder } from './capture-folder.ts';
import type { FinishedCapture } from './join.ts';
import { Epoch, segmentListIncludesOffset, type InputStream, type Segment } from './ffmpeg.ts';
import { DrawingFeed } from './drawing.ts';
import { compose, sameComposition, type Composition } from './layout.ts';
import { SegmentUploader, type PlaylistState } from './output.ts';
import { allBound, droppedSince, freePortPair, moveTakenPorts, releasePortPair, StreamRelay } from './relay.ts';
import { QuietVideos, StallWatch } from './stall.ts';

type RecorderSocket = Socket<RecorderServerToClientEvents, RecorderClientToServerEvents>;

export interface JobOptions {
  drive: Drive;
  /** This recorder's scratch folder; segments wait here until uploaded. */
  workDir: string;
  /** The address the SFU sends RTP to (this machine as the server sees it). */
  rtpIp: string;
  preset: string;
  /** How long a finishing job keeps retrying the store before it gives up on the rest. */
  flushTimeoutMs: number;
  log: Logger;
}

interface Stream {
  producerId: string;
  consumer: RecorderConsumerWire | null;
  relay: StreamRelay;
  ffPort: number;
  askKeyframe: () => void;
  /** Packets the kernel has dropped on ffmpeg's port for this stream, as last seen. */
  ffDrops: number;
}

/** How often the inputs are watched: ffmpeg's video ports for packets it was too busy to take, quiet videos, a still picture. */
const DROP_CHECK_MS = 500;

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** The shortest time a speaker keeps the stage of a speaker-layout recording. */
const SPEAKER_HOLD_MS = 4000;
/** Segments in the playlist before viewers are told the stream is live (see #onSegment). */
const LIVE_START_SEGMENTS = 3;

export class CaptureJob {
  readonly #job: RecorderJob;
  readonly #o: JobOptions;
  readonly #log: Logger;
  readonly #dir: string;
  readonly #files: CaptureFolder;
  #socket: RecorderSocket | undefined;
  #part = 1;
  #epochNo = 0;
  #epoch: Epoch | undefined;
  /** The last run that has written a segment (its videos have started). */
  #epochWrote: Epoch | undefined;
  #comp: Composition | undefined;
  /** The quiet videos `#comp`'s run was started without (QuietVideos.key()): another set needs another run. */
  #compQuiet = '';
  #view: RecorderView | undefined;
  /** Strokes on the main room's shared screens and its whiteboard, laid over the one on the stage. */
  readonly #drawing = new DrawingFeed();
  readonly #streams = new Map<string, Stream>();
  #uploader!: SegmentUploader;
  #stopRequested: CaptureStopReason | null = null;
  #stopRequestedAt = 0;
  #stopped!: Promise<void>;
  #wake: (() => void) | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  #reconciling: Promise<void> = Promise.resolve();
  #mediaStartedAt: number | null = null;
  #segments = 0;
  #writtenSeconds = 0;
  #firstOfEpoch = true;
  #progressTimer: NodeJS.Timeout | undefined;
  #dropTimer: NodeJS.Timeout | undefined;
  readonly #stalls = new StallWatch<Epoch>();
  readonly #quiet = new QuietVideos();
  /** The run ended because its picture stood still: its exit is planned, though it restarts as a crash does. */
  #stalledRun: Epoch | undefined;
  #listIncludesOffset = false;
  #speaker: ParticipantId | null = null;
  #speakerSince = 0;
  #speakerTimer: NodeJS.Timeout | undefined;

  constructor(job: RecorderJob, opts: JobOptions) {
    this.#job = job;
    this.#o = opts;
    this.#log = opts.log.child({ capture: job.captureId, kind: job.kind });
    this.#dir = path.join(opts.workDir, job.captureId);
    this.#files = new CaptureFolder(job, opts.drive, this.#dir, this.#log);
  }

  get folder(): string {
    return this.#files.folder;
  }

  /** Runs the job to its end: the capture is stopped and its output is final. */
  async run(): Promise<FinishedCapture> {
    fs.mkdirSync(this.#dir, { recursive: true });
    this.#stopped = new Promise<void>((resolve) => (this.#wake = resolve));
    const live = this.#job.kind === 'stream' ? await this.#files.loadPlaylist() : undefined;
    this.#part = await this.#files.nextPart(live);
    this.#uploader = new SegmentUploader(this.#o.drive, this.#log, {
      keepLocal: this.#job.kind === 'record',
      // Segment links live as long as the stream may (plus a margin for late viewers); the segments
      // themselves leave the store as they slide out of the playlist, and all of them when the stream ends.
      ...(live ? { live: { folder: this.#files.liveFolder, state: live, shareSeconds: Math.max(3600, Math.ceil(((this.#job.endsAt ?? Date.now()) - Date.now()) / 1000) + 600), keep: this.#job.keep === true } } : {}),
    });
    await this.#files.recoverLeftovers(this.#uploader);
    this.#listIncludesOffset = await segmentListIncludesOffset().catch((error: unknown) => {
      // Only the segments' bookkeeping depends on it (progress, playlist durations): record all the same, as ffmpeg 5.1 would.
      this.#log.warn({ err: error }, 'could not check how ffmpeg writes its segment list; assuming it counts the offset in');
      return true;
    });
    this.#log.info({ part: this.#part }, 'capture job started');

    const stopAt = this.#job.endsAt ? setTimeout(() => this.#requestStop('cap'), Math.max(0, this.#job.endsAt - Date.now())) : undefined;
    const attached = await this.#connect();
    if (!attached) this.#requestStop('stopped');
    this.#progressTimer = setInterval(() => this.#report('live'), 1000);
    this.#dropTimer = setInterval(() => this.#watchInputs(), DROP_CHECK_MS);
    await this.#stopped;
    clearTimeout(stopAt);
    clearInterval(this.#progressTimer);
    clearInterval(this.#dropTimer);
    clearTimeout(this.#reconcileTimer);
    clearTimeout(this.#speakerTimer);
    await this.#reconciling.catch(() => undefined);
    const last = this.#epoch;
    const drained = await last?.stop({ drain: true });
    // What the drain wrote past the stop (ffmpeg read live media while its picture caught up): not part of the recording.
    let beyondStop = last && drained ? Math.max(0, drained.outSeconds - (this.#stopRequestedAt - last.startedAt) / 1000) : 0;
    // Whether the last run caught up before it ended: a shortfall is lost from the end of the capture.
    if (drained) this.#log.info({ ...drained, beyondStop }, 'ffmpeg drained');
    this.#epoch = undefined;
    for (const s of this.#streams.values()) this.#closeStream(s);
    this.#report('finishing');

    const flushed = await this.#uploader.flush(this.#o.flushTimeoutMs);
    if (!flushed) {
      // The cut counts back from the last run's end: with its last segments still waiting here, it would cut what came before the stop.
      beyondStop = 0;
      this.#uploader.abandon();
      this.#log.error({ pending: this.#uploader.pending }, 'storage still unreachable: the last segments stay on the recorder disk');
    }
    let result: FinishedCapture;
    try {
      const files = this.#files;
      result = this.#job.kind === 'record' ? await files.finishRecording(this.#mediaStartedAt, beyondStop) : await files.finishStream(this.#uploader, this.#writtenSeconds, this.#mediaStartedAt, beyondStop);
    } catch (error) {
      this.#log.error({ err: error }, 'capture could not be finished');
      result = { key: null, seconds: this.#writtenSeconds, bytes: this.#uploader.bytes, error: (error as Error).message.slice(0, 400) };
    }
    await this.#emit('recorder:finished', result).catch(() => undefined);
    this.#socket?.disconnect();
    if (result.error === null) fs.rmSync(this.#dir, { recursive: true, force: true });
    this.#log.info(result, 'capture job done');
    return result;
  }

  /** Stops the job from outside (the recorder is shutting down). */
  shutdown(): void {
    this.#requestStop('stopped');
  }

  #requestStop(reason: CaptureStopReason): void {
    if (this.#stopRequested) return;
    this.#stopRequested = reason;
    this.#stopRequestedAt = Date.now();
    this.#log.info({ reason }, 'capture stopping');
    this.#wake?.();
  }

  // ---- the server ------------------------------------------------------------

  async #connect(): Promise<boolean> {
    const socket: RecorderSocket = io(`${this.#job.serverUrl}/recorder`, {
      auth: { token: this.#job.token },
      transports: ['websocket'],
      reconnectionDelayMax: 2000,
    });
    this.#socket = socket;
    socket.on('recorder:view', (view) => this.#setView(view));
    socket.on('recorder:drawing', (drawing) => this.#setDrawing(drawing));
    socket.on('recorder:stop', ({ reason }) => this.#requestStop(reason));
    let attachedOnce = false;
    const attach = async (): Promise<boolean> => {
      let res;
      try {
        res = await this.#emit('recorder:attach', {});
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        this.#log.warn({ error: { code: error.code, message: error.message } }, 'the server does not know this capture any more');
        return false;
      }
      // On a new connection the server has closed our old consumers.
      for (const s of this.#streams.values()) s.consumer = null;
      this.#comp = undefined;
      this.#drawing.set(res.drawing ?? { board: false, drawers: [], surfaces: [] });
      if (res.stopping) this.#requestStop('stopped');
      else this.#setView(res.view);
      return true;
    };
    socket.on('connect', () => {
      if (!attachedOnce) return;
      this.#log.info('reconnected to the server');
      void attach().catch((error: unknown) => this.#log.warn({ err: error }, 're-attach failed'));
    });
    socket.on('connect_error', (error) => this.#log.debug({ err: error }, 'cannot reach the server yet'));
    // The server may be restarting: give it a while before giving up.
    const deadline = Date.now() + 30_000;
    while (!socket.connected) {
      if (Date.now() > deadline || this.#stopRequested) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    attachedOnce = await attach().catch(() => false);
    return attachedOnce;
  }

  /** A request on the /recorder namespace, typed by the protocol's event map (RequestError when refused). */
  readonly #emit = requester<RecorderClientToServerEvents>(() => {
    if (!this.#socket) throw new Error('not connected');
    return this.#socket;
  });

  #report(state: 'live' | 'finishing'): void {
    if (!this.#socket?.connected) return;
    void this.#emit('recorder:progress', {
      state: state === 'live' && this.#mediaStartedAt === null ? 'starting' : state,
      seconds: Math.round(this.#writtenSeconds * 1000) / 1000,
      bytes: this.#uploader.bytes,
      segments: this.#segments,
      pending: this.#uploader.pending,
      mediaStartedAt: this.#mediaStartedAt,
    }).catch(() => undefined);
  }

  // ---- composition -------------------------------------------------------------

  /** New strokes only change the overlay's picture; the whiteboard opening or closing changes the stage. */
  #setDrawing(drawing: DrawingState): void {
    const was = this.#drawing.board;
    this.#drawing.set(drawing);
    if (drawing.board !== was && this.#view) this.#setView(this.#view);
  }

  #setView(view: RecorderView): void {
    this.#view = view;
    if (this.#stopRequested) return;
    this.#holdSpeaker(view.activeSpeakerId);
    // A burst of changes (a join and its producers) becomes one restart.
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = setTimeout(() => {
      this.#reconciling = this.#reconciling.then(() => this.#reconcile()).catch((error: unknown) => this.#log.warn({ err: error }, 'layout change failed'));
    }, this.#epoch ? 400 : 0);
  }

  /**
   * In speaker layout each change of speaker restarts ffmpeg (a moment
   * without picture): the speaker on the stage changes at most every
   * SPEAKER_HOLD_MS, and a speaker who stops talking keeps it.
   */
  #holdSpeaker(speaker: ParticipantId | null): void {
    if (this.#job.layout !== 'speaker' || speaker === null || speaker === this.#speaker) return;
    clearTimeout(this.#speakerTimer);
    const wait = this.#speakerSince + SPEAKER_HOLD_MS - Date.now();
    if (wait > 0) {
      this.#speakerTimer = setTimeout(() => this.#view && this.#setView(this.#view), wait);
      return;
    }
    this.#speaker = speaker;
    this.#speakerSince = Date.now();
  }

  async #reconcile(): Promise<void> {
    const view = this.#view;
    if (!view || this.#stopRequested) return;
    // 1080p only for a stream that is not kept: a kept one is joined into an MP4 as a recording is (see compose).
    const hd = this.#job.kind === 'stream' && this.#job.keep !== true;
    const comp = compose({ ...view, activeSpeakerId: this.#speaker }, this.#job.layout, this.#drawing.board, hd);
    const quiet = new Set(this.#quiet.ids);
    if (this.#epoch && this.#comp && sameComposition(comp, this.#comp) && this.#compQuiet === QuietVideos.key(quiet) && [...this.#streams.values()].every((s) => s.consumer)) return;
    const wanted = new Set([...comp.tiles.filter((t) => t.source !== 'board').map((t) => t.producerId), ...comp.audio.map((a) => a.producerId)]);
    // New streams first (the SFU starts sending to the relays at once), then the switch.
    const usable: InputStream[] = [];
    for (const id of wanted) {
      const s = await this.#ensureStream(id).catch((error: unknown) => {
        this.#log.debug({ err: error, producer: id }, 'stream not available');
        return undefined;
      });
      if (s?.consumer && !(s.consumer.kind === 'video' && quiet.has(id))) usable.push({ producerId: id, kind: s.consumer.kind, port: s.ffPort, rtpParameters: s.consumer.rtpParameters });
    }
    if (this.#stopRequested) return;
    const ok = new Set(usable.map((u) => u.producerId));
    const effective: Composition = { canvas: comp.canvas, tiles: comp.tiles.filter((t) => t.source === 'board' || ok.has(t.producerId)), audio: comp.audio.filter((a) => ok.has(a.producerId)) };
    // Videos first, then audio: the SDP's order is the inputs' order.
    usable.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
    // Cleared first: its exit is planned, not a crash to recover from.
    const old = this.#epoch;
    this.#epoch = undefined;
    const stopped = await old?.stop();
    if (stopped) this.#log.debug({ epoch: this.#epochNo, ...stopped }, 'ffmpeg stopped for a new layout');
    // The capture ended meanwhile: no run after the stop (its own drain would be measured against a moment before it began).
    if (this.#stopRequested) return;
    this.#comp = comp;
    this.#compQuiet = QuietVideos.key(quiet);
    for (const [id, s] of this.#streams) {
      if (!wanted.has(id)) {
        this.#closeStream(s);
        this.#streams.delete(id);
      }
    }
    this.#startEpoch(effective, usable);
  }

  async #ensureStream(producerId: string): Promise<Stream | undefined> {
    let s = this.#streams.get(producerId);
    if (s?.consumer) return s;
    const kind = this.#view?.participants.flatMap((p) => p.producers).find((p) => p.id === producerId)?.kind;
    if (!kind) return undefined;
    if (!s) {
      const ffPort = await freePortPair();
      // The payload type is known once consumed; the relay learns it below and forwards nothing before.
      const relay = await StreamRelay.open(kind, this.#o.rtpIp, ffPort, null);
      const stream: Stream = { producerId, consumer: null, relay, ffPort, askKeyframe: () => undefined, ffDrops: 0 };
      s = stream;
      // A lost video packet breaks the picture until the next keyframe: ask for one (at most once a second).
      let asked = 0;
      stream.askKeyframe = () => {
        if (!stream.consumer || Date.now() - asked < 1000) return;
        asked = Date.now();
        void this.#emit('recorder:keyframe', { consumerId: stream.consumer.id }).catch(() => undefined);
      };
      relay.onLoss = stream.askKeyframe;
      this.#streams.set(producerId, s);
    }
    const res = await this.#emit('recorder:consume', {
      producerId,
      ip: this.#o.rtpIp,
      port: s.relay.port,
      rtcpPort: s.relay.rtcpPort,
    });
    s.consumer = res.consumer;
    s.relay.payloadType = res.consumer.rtpParameters.codecs[0]!.payloadType;
    return s;
  }

  /** Asks for a keyframe where ffmpeg's own sockets dropped video (see droppedSince), and where the picture stands still (stall.ts). */
  #watchInputs(): void {
    const videos = [...this.#streams.values()].filter((s) => s.consumer?.kind === 'video');
    for (const s of droppedSince(videos)) {
      this.#log.debug({ producer: s.producerId }, 'ffmpeg fell behind and lost video packets; asking for a keyframe');
      s.askKeyframe();
    }
    // A video gone quiet leaves the picture until it sends again (stall.ts): a new layout.
    // Screens are known from the room's view, which a restart does not clear.
    const screens = new Set(this.#view?.participants.flatMap((p) => p.producers.filter((x) => x.source === 'screen').map((x) => x.id as string)));
    if (this.#quiet.observe(videos.map((s) => ({ id: s.producerId, packets: s.relay.stats.packets, screen: screens.has(s.producerId) })), Date.now()) && this.#view && !this.#stopRequested) {
      this.#log.info({ quiet: [...this.#quiet.ids] }, 'a video went quiet or came back; changing the layout');
      // A new run unless the layout's own runs took the change already (#reconcile compares the quiet set it ran with).
      this.#setView(this.#view);
    }
    const epoch = this.#epoch;
    const step = epoch && !this.#stopRequested ? this.#stalls.step(epoch, epoch.pictureIdleMs()) : null;
    if (!step) return;
    // What each stream received tells which one went quiet.
    this.#log.warn({ epoch: this.#epochNo, step, relays: [...this.#streams.values()].map((s) => ({ producer: s.producerId, ...s.relay.stats })) }, 'the picture stands still');
    if (step === 'ask') for (const s of videos) s.askKeyframe();
    // Its exit starts the next run (see onExit in #startEpoch).
    else {
      this.#stalledRun = epoch!;
      void epoch!.stop();
    }
  }

  #closeStream(s: Stream): void {
    s.relay.close();
    releasePortPair(s.ffPort);
    if (s.consumer) void this.#emit('recorder:release', { consumerId: s.consumer.id }).catch(() => undefined);
    s.consumer = null;
  }

  #startEpoch(comp: Composition, streams: InputStream[]): void {
    // The relays hold packets until this ffmpeg listens (see StreamRelay.hold).
    const relays = streams.map((i) => this.#streams.get(i.producerId)?.relay).filter((r): r is StreamRelay => r !== undefined);
    for (const r of relays) r.hold();
    this.#epochNo += 1;
    this.#firstOfEpoch = true;
    const prefix = `p${pad(this.#part, 3)}e${pad(this.#epochNo, 3)}-`;
    const offset = (Date.now() - this.#job.requestedAt) / 1000;
    const stage = comp.tiles[0];
    const stageSurface = stage?.source === 'board' ? BOARD : stage?.source === 'screen' ? screenSurface(stage.producerId) : null;
    const epoch: Epoch = new Epoch(comp, streams, {
      dir: this.#dir,
      prefix,
      startNumber: 0,
      offsetSeconds: offset,
      preset: this.#o.preset,
      listIncludesOffset: this.#listIncludesOffset,
      onSegment: (seg) => this.#onSegment(seg),
      // A screen or the whiteboard on the stage carries what is drawn on it (a transparent picture while nothing is).
      ...(stageSurface ? { overlay: { tile: 0, frame: () => this.#drawing.frame(stageSurface) } } : {}),
      onExit: (code, stderr) => {
        if (this.#epoch !== epoch || this.#stopRequested) return;
        // ffmpeg died on its own (bad input, no keyframe in time): start over.
        if (this.#stalledRun === epoch) this.#log.info({ code }, 'ffmpeg ended (its picture stood still); restarting it');
        else this.#log.warn({ code, stderr: stderr.slice(-800) }, 'ffmpeg stopped unexpectedly; restarting it');
        this.#epoch = undefined;
        setTimeout(() => {
          if (this.#stopRequested || this.#epoch) return;
          this.#comp = undefined;
          this.#reconciling = this.#reconciling
            .then(() => moveTakenPorts(this.#streams.values(), this.#log))
            .then(() => this.#reconcile())
            .catch(() => undefined);
        }, 1000);
      },
    });
    this.#epoch = epoch;
    const listening = Date.now();
    const waitForListen = () => {
      if (this.#epoch !== epoch || allBound(streams.map((i) => i.port)) || Date.now() - listening > 5000) {
        for (const r of relays) r.release();
        return;
      }
      setTimeout(waitForListen, 10);
    };
    waitForListen();
    this.#log.info({ epoch: this.#epochNo, tiles: comp.tiles.length, audio: comp.audio.length, pid: epoch.pid }, 'ffmpeg started');
    // ffmpeg shows a video from its first keyframe on, and learns its size
    // there: until this run writes its first segment, keep asking (the first
    // requests may come before ffmpeg listens; a loaded sender answers late,
    // and a keyframe lost on the way leaves the whole picture waiting).
    // Twice a second at first, then once a second: each answer costs the
    // senders a keyframe.
    const started = Date.now();
    const ask = () => {
      if (this.#epoch !== epoch || this.#stopRequested || this.#epochWrote === epoch) return;
      for (const s of this.#streams.values()) {
        if (s.consumer?.kind === 'video') void this.#emit('recorder:keyframe', { consumerId: s.consumer.id }).catch(() => undefined);
      }
      setTimeout(ask, Date.now() - started < 8000 ? 500 : 1000);
    };
    setTimeout(ask, 150);
  }

  #onSegment(seg: Segment): void {
    if (this.#epochWrote !== this.#epoch && this.#epoch) {
      // How long a run took to show a picture: the time a layout change or a start costs.
      this.#log.info({ epoch: this.#epochNo, afterMs: Date.now() - this.#epoch.startedAt }, 'ffmpeg wrote its first segment');
    }
    this.#epochWrote = this.#epoch;
    this.#log.debug({ file: seg.file, start: seg.start, end: seg.end }, 'segment written');
    const duration = Math.max(0, seg.end - seg.start);
    if (this.#mediaStartedAt === null) this.#mediaStartedAt = Math.round(this.#job.requestedAt + seg.start * 1000);
    this.#segments += 1;
    this.#writtenSeconds += duration;
    const discontinuity = this.#firstOfEpoch;
    this.#firstOfEpoch = false;
    this.#uploader.add({
      localPath: path.join(this.#dir, seg.file),
      key: this.#files.segmentKey(seg.file),
      duration,
      discontinuity,
    });
    if (this.#segments === LIVE_START_SEGMENTS && this.#job.kind === 'stream' && !this.#stopRequested) {
      // The viewer page turns from "not started yet" to the player once the
      // playlist holds what the player keeps ahead of it (three segments,
      // web/src/live/player.ts). Started on one, a viewer stalled as soon as
      // the next segment came late, as the first ones of a run often do (the
      // encoder catches up on what it buffered while probing).
      void this.#uploader.flush(60_000).then(() => this.#files.writeStatus('live')).catch(() => undefined);
    }
  }
}
