import type { CaptureInfo, CaptureKind, CaptureLayout, CaptureStopReason, MeetingId } from '@parley/protocol';

/**
 * One recording or live stream of one meeting, from the moderator's request
 * until the recorder says its output is final. The recorder's reports move
 * it along; the server alone decides when it must stop.
 */
export class Capture {
  readonly id: string;
  readonly kind: CaptureKind;
  readonly layout: CaptureLayout;
  readonly meetingId: MeetingId;
  readonly by: string;
  readonly requestedAt: number;
  /** Streams: the viewer page's public id and the cap. */
  readonly liveId: string | null;
  readonly endsAt: number | null;
  readonly viewerUrl: string | null;
  /** Streams: kept as a recording when it ends. */
  readonly keep: boolean;
  state: CaptureInfo['state'] = 'starting';
  mediaStartedAt: number | null = null;
  seconds = 0;
  bytes = 0;
  pending = 0;
  /** Set once: why it is finishing. */
  stopReason: CaptureStopReason | null = null;
  /** A recorder has taken the job (its socket attached at least once). */
  attached = false;
  /** What recorders before the current one wrote (each reports its own run). */
  base = { seconds: 0, bytes: 0 };

  constructor(init: {
    id: string;
    kind: CaptureKind;
    layout: CaptureLayout;
    meetingId: MeetingId;
    by: string;
    requestedAt: number;
    liveId: string | null;
    endsAt: number | null;
    viewerUrl: string | null;
    keep?: boolean;
  }) {
    this.id = init.id;
    this.kind = init.kind;
    this.layout = init.layout;
    this.meetingId = init.meetingId;
    this.by = init.by;
    this.requestedAt = init.requestedAt;
    this.liveId = init.liveId;
    this.endsAt = init.endsAt;
    this.viewerUrl = init.viewerUrl;
    this.keep = init.keep ?? false;
  }

  info(): CaptureInfo {
    return {
      id: this.id,
      kind: this.kind,
      layout: this.layout,
      state: this.state,
      by: this.by,
      requestedAt: this.requestedAt,
      mediaStartedAt: this.mediaStartedAt,
      seconds: this.seconds,
      bytes: this.bytes,
      pending: this.pending,
      endsAt: this.endsAt,
      viewerUrl: this.viewerUrl,
      keep: this.keep,
    };
  }
}

// Where a capture's files live: captureKeys in the protocol (shared with the recorder).
export { captureKeys } from '@parley/protocol';
