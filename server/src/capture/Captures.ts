import type { Logger } from 'pino';
import {
  DomainError,
  TypedEmitter,
  type CaptureKind,
  type CaptureLayout,
  type CaptureState,
  type CaptureStopReason,
  type LiveStatusReply,
  type MeetingId,
  type ParticipantId,
  type PayloadOf,
  type RecorderJob,
  type RecorderView,
  type RecordingInfo,
  type RecordingMeta,
  type RecordingTitle,
  LIMITS,
} from '@parley/protocol';
import { NotModerator } from '../meet/errors.ts';
import { InvalidRequest, PlanLimit } from '../lib/errors.ts';
import { visibleText } from '../lib/names.ts';
import { randomId, type RecorderTokens } from '../auth/tokens.ts';
import { readDriveJson, type Drive } from '@parley/platform';
import type { Meeting } from '../meet/Meeting.ts';
import type { Meetings } from '../meet/Meetings.ts';
import { Capture, captureKeys } from './Capture.ts';
import type { CaptureQueue } from './queue.ts';
import type { LiveStatusFile } from '@parley/protocol';

export interface CapturesOptions {
  /** Longest live stream (the cap), ms. */
  streamMaxMs: number;
  /** Longest recording, ms: a forgotten recording must end some day too. */
  recordingMaxMs: number;
  /** This node's URL as recorders reach it. */
  serverUrl: () => string;
  /** Public base URL for viewer links. */
  publicUrl: () => string;
  /**
   * Whether a meeting may be streamed live: its organization's plan (the
   * seeds: not on free and standard), or the operator's LIVE_STREAMING
   * setting for meetings made outside any organization.
   */
  streamingAllowed: (orgId: string | null) => Promise<boolean>;
}

export interface CapturesEvents {
  /** What participants of the meeting must now see. */
  state: [meetingId: MeetingId, state: CaptureState];
  /** The recorder of `capture` must finish now. */
  stop: [capture: Capture, reason: CaptureStopReason];
}

/** Next to each recording: the participant who asked for it. */
export const STARTED_FILE = 'started.json';
/** Who asks about recordings: a participant (its token) or an account (signed in, outside the meeting). */
export interface RecordingsCaller {
  participantId?: ParticipantId | undefined;
  grant?: string | undefined;
}

export class RecordingNotFound extends DomainError {
  constructor() {
    super('RECORDING_NOT_FOUND', 'no such recording (it may have been deleted)');
  }
}

export interface RecordingStarter {
  participantId: string;
}

/** The live stream's public status, kept in the drive so any node (and the CDN) can answer after the meeting. */

export class CaptureUnavailable extends DomainError {
  constructor() {
    super('CAPTURE_UNAVAILABLE', 'recording and streaming need Redis (REDIS_URL) and a recorder process');
  }
}
export class CaptureActive extends DomainError {
  constructor(kind: CaptureKind) {
    super('CAPTURE_ACTIVE', kind === 'record' ? 'this meeting is already being recorded' : 'this meeting is already live');
  }
}
export class CaptureNotFound extends DomainError {
  constructor() {
    super('CAPTURE_NOT_FOUND', 'nothing of that kind is running in this meeting');
  }
}

/**
 * The recordings and live streams of this node's meetings. A moderator's
 * request becomes a job on the queue; a recorder takes it, attaches over
 * the /recorder namespace and reports progress until its output is final.
 * Stopping (moderator, cap, meeting end) is decided here and sent to the
 * recorder, which then closes its last part cleanly.
 */
export class Captures extends TypedEmitter<CapturesEvents> {
  readonly #queue: CaptureQueue | undefined;
  readonly #tokens: RecorderTokens;
  readonly #drive: Drive;
  readonly #meetings: Meetings;
  readonly #opts: CapturesOptions;
  readonly #log: Logger;
  readonly #byId = new Map<string, Capture>();
  readonly #byMeeting = new Map<MeetingId, { record?: Capture; stream?: Capture }>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Live streaming allowed, per open meeting (known when it opens; checked again at start). */
  readonly #streamable = new Map<MeetingId, boolean>();

  constructor(deps: { queue: CaptureQueue | undefined; tokens: RecorderTokens; drive: Drive; meetings: Meetings; log: Logger }, opts: CapturesOptions) {
    super();
    this.#queue = deps.queue;
    this.#tokens = deps.tokens;
    this.#drive = deps.drive;
    this.#meetings = deps.meetings;
    this.#opts = opts;
    this.#log = deps.log;
    this.onListenerError = (error, event) => deps.log.error({ err: error, event }, 'captures listener failed');
    deps.meetings.on('opened', (meeting) => {
      this.#streamable.set(meeting.id, false);
      opts.streamingAllowed(meeting.orgId).then(
        (ok) => {
          if (meeting.closed) return;
          this.#streamable.set(meeting.id, ok);
          if (ok) this.emit('state', meeting.id, this.state(meeting.id));
        },
        (error: unknown) => this.#log.warn({ err: error }, 'could not tell whether this meeting may stream'),
      );
      // The meeting ending ends its recording and stream (they finish cleanly).
      meeting.on('closed', () => {
        this.#streamable.delete(meeting.id);
        const m = this.#byMeeting.get(meeting.id);
        if (m?.record) this.#requestStop(m.record, 'meeting-ended');
        if (m?.stream) this.#requestStop(m.stream, 'meeting-ended');
      });
    });
  }

  get available(): boolean {
    return this.#queue !== undefined;
  }

  state(meetingId: MeetingId): CaptureState {
    const m = this.#byMeeting.get(meetingId);
    return { recording: m?.record?.info() ?? null, stream: m?.stream?.info() ?? null, streamAllowed: this.#streamable.get(meetingId) ?? false };
  }

  capture(id: string): Capture | undefined {
    return this.#byId.get(id);
  }

  async start(meeting: Meeting, by: ParticipantId, kind: CaptureKind, layout: CaptureLayout = 'grid', opts: { keep?: boolean } = {}): Promise<Capture> {
    const mod = meeting.requireModerator(by);
    if (!this.#queue) throw new CaptureUnavailable();
    // Asked before anything is reserved (what follows runs without a pause, so two starts cannot both pass).
    if (kind === 'stream' && !(await this.#opts.streamingAllowed(meeting.orgId))) {
      throw new PlanLimit(meeting.orgId ? 'live streaming is not part of this organization’s plan' : 'live streaming is turned off on this server (LIVE_STREAMING)');
    }
    // Still moderator (and still there) after the wait.
    meeting.requireModerator(by);
    const slot = this.#byMeeting.get(meeting.id) ?? {};
    const key = kind === 'record' ? 'record' : 'stream';
    if (slot[key]) throw new CaptureActive(kind);
    const now = Date.now();
    const id = randomId();
    const liveId = kind === 'stream' ? randomId() : null;
    const maxMs = kind === 'stream' ? this.#opts.streamMaxMs : this.#opts.recordingMaxMs;
    const capture = new Capture({
      id,
      kind,
      layout,
      meetingId: meeting.id,
      by: mod.name,
      requestedAt: now,
      liveId,
      endsAt: kind === 'stream' ? now + maxMs : null,
      viewerUrl: liveId ? `${this.#opts.publicUrl()}/live/${liveId}` : null,
      keep: kind === 'stream' && opts.keep === true,
    });
    slot[key] = capture;
    this.#byMeeting.set(meeting.id, slot);
    this.#byId.set(id, capture);
    try {
      if (liveId) await this.#writeLiveStatus(liveId, { state: 'waiting', title: meeting.title, endsAt: capture.endsAt });
      // Who asked for the recording (or a stream kept as one) may list it (see the recordings route), moderator by right or not.
      if (kind === 'record' || capture.keep) await this.#drive.put(captureKeys.recordingFolder(meeting.id, id) + STARTED_FILE, JSON.stringify({ participantId: by } satisfies RecordingStarter), { contentType: 'application/json' });
      const job: RecorderJob = {
        captureId: id,
        kind,
        layout,
        meetingId: meeting.id,
        title: meeting.title,
        serverUrl: this.#opts.serverUrl(),
        // Valid as long as the capture may run, plus time to finish.
        token: this.#tokens.sign({ captureId: id, meetingId: meeting.id }, maxMs + 3600_000),
        liveId,
        endsAt: now + maxMs,
        requestedAt: now,
        ...(capture.keep ? { keep: true } : {}),
      };
      await this.#queue.add(job);
    } catch (error) {
      this.#forget(capture);
      throw error;
    }
    const timer = setTimeout(() => this.#requestStop(capture, 'cap'), maxMs);
    timer.unref();
    this.#timers.set(id, timer);
    this.#log.info({ capture: id, kind, meeting: meeting.id }, 'capture requested');
    this.#changed(capture);
    return capture;
  }

  stop(meeting: Meeting, by: ParticipantId, kind: CaptureKind): void {
    meeting.requireModerator(by);
    const capture = this.#byMeeting.get(meeting.id)?.[kind === 'record' ? 'record' : 'stream'];
    if (!capture || capture.stopReason) throw new CaptureNotFound();
    this.#requestStop(capture, 'stopped');
  }

  /** A recorder (first or a replacement) took the job. */
  attach(captureId: string): { job: Capture; view: RecorderView | null; stopping: boolean } {
    const capture = this.#byId.get(captureId);
    if (!capture) throw new CaptureNotFound();
    // A replacement recorder reports from zero: what the earlier ones wrote stays counted.
    if (capture.attached) capture.base = { seconds: capture.seconds, bytes: capture.bytes };
    capture.attached = true;
    const meeting = this.#meetings.live(capture.meetingId);
    return { job: capture, view: meeting && !meeting.closed ? recorderView(meeting) : null, stopping: capture.stopReason !== null };
  }

  progress(captureId: string, p: PayloadOf<'recorder:progress'>): void {
    const capture = this.#byId.get(captureId);
    if (!capture) throw new CaptureNotFound();
    capture.state = capture.stopReason ? 'finishing' : p.state;
    // The first media of the first recorder: a replacement's report does not move it.
    capture.mediaStartedAt ??= p.mediaStartedAt;
    capture.seconds = capture.base.seconds + p.seconds;
    capture.bytes = capture.base.bytes + p.bytes;
    capture.pending = p.pending;
    this.#changed(capture);
  }

  /** The recorder's output is final (or it gave up): the capture is over. */
  finished(captureId: string, p: PayloadOf<'recorder:finished'>): void {
    const capture = this.#byId.get(captureId);
    if (!capture) throw new CaptureNotFound();
    if (p.error) this.#log.warn({ capture: captureId, error: p.error }, 'capture ended with an error');
    else this.#log.info({ capture: captureId, seconds: p.seconds, bytes: p.bytes }, 'capture finished');
    this.#forget(capture);
  }

  /**
   * A meeting's recordings with share links, as `who` (a participant token's
   * claims) may see them: all of them for a moderator by right (the moderator
   * link, or the owner's account), in the meeting or not; to a moderator made
   * in the meeting, only those they started: whoever finds a meeting empty
   * becomes its moderator, and must not get its past recordings with it.
   */
  /**
   * Who may see (and manage) a meeting's recordings: a moderator by right (the
   * current moderator link, or the owner's or a named co-moderator's account,
   * signed in: the library outside the meeting) sees them all; a moderator
   * made in the meeting, only those they started, while in it.
   */
  async #recordingAccess(meetingId: MeetingId, who: RecordingsCaller): Promise<{ byRight: boolean }> {
    const byRight = await this.#meetings.grantHolds(meetingId, who.grant);
    if (byRight) return { byRight };
    const live = this.#meetings.live(meetingId);
    const now = who.participantId && live?.has(who.participantId) ? live.participant(who.participantId).role === 'moderator' : false;
    if (!now) throw new NotModerator();
    return { byRight };
  }

  /** A recording `who` may manage, or RECORDING_NOT_FOUND (the same answer whether it is missing or someone else's). */
  async #recording(meetingId: MeetingId, recordingId: string, who: RecordingsCaller): Promise<{ meta: RecordingMeta; folder: string }> {
    const { byRight } = await this.#recordingAccess(meetingId, who);
    const folder = captureKeys.recordingFolder(meetingId, recordingId);
    const meta = await readDriveJson<RecordingMeta>(this.#drive, folder + captureKeys.recordingMeta);
    if (!meta || meta.id !== recordingId) throw new RecordingNotFound();
    if (!byRight) {
      const starter = await readDriveJson<RecordingStarter>(this.#drive, folder + STARTED_FILE);
      if (starter?.participantId !== who.participantId) throw new RecordingNotFound();
    }
    return { meta, folder };
  }

  async recordingsFor(meetingId: MeetingId, who: RecordingsCaller): Promise<RecordingInfo[]> {
    const { byRight } = await this.#recordingAccess(meetingId, who);
    const objects = await this.#drive.list(captureKeys.recordingsOf(meetingId));
    const metas = await Promise.all(objects.filter((o) => o.key.endsWith(`/${captureKeys.recordingMeta}`)).map((o) => readDriveJson<RecordingMeta>(this.#drive, o.key)));
    const recordings: RecordingInfo[] = [];
    for (const m of metas) {
      if (!m) continue;
      const folder = captureKeys.recordingFolder(meetingId, m.id);
      if (!byRight) {
        const starter = await readDriveJson<RecordingStarter>(this.#drive, folder + STARTED_FILE);
        if (starter?.participantId !== who.participantId) continue;
      }
      const download = `recording-${new Date(m.startedAt).toISOString().slice(0, 16).replace(':', '-')}.mp4`;
      recordings.push({
        id: m.id,
        meetingId,
        title: (await readDriveJson<RecordingTitle>(this.#drive, folder + captureKeys.recordingTitle))?.title ?? null,
        startedAt: m.startedAt,
        seconds: m.seconds,
        bytes: m.bytes,
        url: m.file ? await this.#drive.shareUrl(folder + m.file, 24 * 3600) : null,
        downloadUrl: m.file ? await this.#drive.shareUrl(folder + m.file, 24 * 3600, { download }) : null,
        error: m.error,
      });
    }
    return recordings.sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Names a recording (kept beside it; the recorder's own description is left alone). */
  async renameRecording(meetingId: MeetingId, recordingId: string, who: RecordingsCaller, title: string): Promise<string> {
    const { folder } = await this.#recording(meetingId, recordingId, who);
    const clean = visibleText(title, LIMITS.titleChars);
    if (!clean) throw new InvalidRequest('a title needs visible characters');
    await this.#drive.put(folder + captureKeys.recordingTitle, JSON.stringify({ title: clean } satisfies RecordingTitle), { contentType: 'application/json' });
    return clean;
  }

  /** Deletes a recording: every object of its folder leaves the drive (its share links then find nothing). */
  async deleteRecording(meetingId: MeetingId, recordingId: string, who: RecordingsCaller): Promise<void> {
    const { folder } = await this.#recording(meetingId, recordingId, who);
    // A folder holds a handful of files (the MP4, its description, title, starter): bounded.
    for (const o of (await this.#drive.list(folder)).slice(0, 1000)) await this.#drive.delete(o.key);
    this.#log.info({ meeting: meetingId, recording: recordingId }, 'recording deleted');
  }

  /** A share link to the recording that plays (and seeks) in any browser until it expires. */
  async recordingLink(meetingId: MeetingId, recordingId: string, who: RecordingsCaller, expiresIn: number): Promise<{ url: string; expiresAt: number }> {
    const { meta, folder } = await this.#recording(meetingId, recordingId, who);
    if (!meta.file) throw new RecordingNotFound();
    return { url: await this.#drive.shareUrl(folder + meta.file, expiresIn), expiresAt: Date.now() + expiresIn * 1000 };
  }

  /** The public state of a live stream, from the drive (the meeting may be long gone). */
  async liveStatus(liveId: string): Promise<LiveStatusReply | null> {
    const folder = captureKeys.liveFolder(liveId);
    const status = await readDriveJson<LiveStatusFile>(this.#drive, `${folder}${captureKeys.liveStatus}`);
    if (!status) return null;
    const playlistUrl = status.state === 'live' ? await this.#drive.shareUrl(`${folder}index.m3u8`, 26 * 3600) : null;
    return { state: status.state, title: status.title, playlistUrl, endsAt: status.endsAt, viewers: 0 };
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.removeAllListeners();
  }

  #requestStop(capture: Capture, reason: CaptureStopReason): void {
    if (capture.stopReason || !this.#byId.has(capture.id)) return;
    capture.stopReason = reason;
    capture.state = 'finishing';
    this.#log.info({ capture: capture.id, reason }, 'capture stopping');
    this.#changed(capture);
    this.emit('stop', capture, reason);
    // Nobody has taken the job yet: take it back, nothing was written.
    if (!capture.attached && this.#queue) {
      void this.#queue.cancel(capture.id).then(
        async (cancelled) => {
          if (!cancelled) return;
          if (capture.liveId) await this.#writeLiveStatus(capture.liveId, { state: 'ended', title: '', endsAt: capture.endsAt }).catch(() => undefined);
          this.#forget(capture);
        },
        (error: unknown) => this.#log.warn({ err: error }, 'could not cancel a capture job'),
      );
    }
  }

  #forget(capture: Capture): void {
    if (!this.#byId.delete(capture.id)) return;
    clearTimeout(this.#timers.get(capture.id));
    this.#timers.delete(capture.id);
    const slot = this.#byMeeting.get(capture.meetingId);
    if (slot?.record === capture) delete slot.record;
    if (slot?.stream === capture) delete slot.stream;
    if (slot && !slot.record && !slot.stream) this.#byMeeting.delete(capture.meetingId);
    this.emit('state', capture.meetingId, this.state(capture.meetingId));
  }

  #changed(capture: Capture): void {
    this.emit('state', capture.meetingId, this.state(capture.meetingId));
  }

  async #writeLiveStatus(liveId: string, status: LiveStatusFile): Promise<void> {
    await this.#drive.put(`${captureKeys.liveFolder(liveId)}${captureKeys.liveStatus}`, JSON.stringify(status), {
      contentType: 'application/json',
      cacheControl: 'no-cache',
    });
  }
}

/** What a recorder composes: the main room only (breakout rooms are not recorded). */
export function recorderView(meeting: Meeting): RecorderView {
  const snap = meeting.snapshot(null);
  const settings = meeting.settings;
  return { participants: snap.participants, activeSpeakerId: snap.activeSpeakerId, layout: settings.layout, moderatorLayout: settings.recordLayout };
}
