// The typed Socket.IO contract between web/ (and bots, benchmarks) and server/.
// Every event is listed in docs/protocol.md with its payload and error codes.
import type { AckFn } from './errors.ts';
import type { ConsumerId, MeetingId, MessageId, ParticipantId, ProducerId, RoomId, TransportId } from './ids.ts';
import type { Reaction } from './limits.ts';
import type { CaptureKind, CaptureLayout, DtlsParametersWire, Layout, PayloadOf, RtpCapabilitiesWire, RtpParametersWire } from './schemas.ts';
import type { RecorderJob } from './jobs.ts';
import type { DrawingState, DrawSurface, Stroke } from './drawing.ts';

export type Role = 'moderator' | 'participant';
export type MediaKind = 'audio' | 'video';
export type MediaSource = 'mic' | 'camera' | 'screen' | 'screenAudio';

export interface ProducerInfo {
  id: ProducerId;
  kind: MediaKind;
  source: MediaSource;
  paused: boolean;
  /**
   * A video's height in pixels when it was produced, as its sender measured
   * it (a screen's; a camera's best layer). A live stream is composed at
   * 1080p while the video filling its picture has that many lines.
   */
  height?: number;
}

/** What every participant may know about another participant. */
export interface ParticipantInfo {
  id: ParticipantId;
  name: string;
  role: Role;
  joinedAt: number;
  handRaisedAt: number | null;
  /** `reconnecting` while a dropped socket may still come back. */
  connection: 'connected' | 'reconnecting';
  producers: ProducerInfo[];
  /** Allowed by a moderator to unmute / start video while that kind is moderated. */
  allowed: { audio: boolean; video: boolean };
  /** Encrypts its media end to end (as its client says; the SFU cannot tell). */
  e2ee: boolean;
}

/** The meeting's rules, as every participant sees them (never the password itself). */
export interface MeetingSettings {
  waitingRoom: boolean;
  passwordSet: boolean;
  /** The right password lets a joiner in without waiting. */
  passwordSkipsWaitingRoom: boolean;
  /** Joiners from now on start with the mic muted / the camera off. */
  startMuted: boolean;
  startCameraOff: boolean;
  /** Reaction sounds; off silences them for everyone. */
  reactionSounds: boolean;
  /** Hard moderation: participants cannot unmute / start video until a moderator allows them. */
  audioModeration: boolean;
  videoModeration: boolean;
  /**
   * Everyone shows `layout`, the moderator's ("same display as the
   * moderator"); a participant may still change their own, until a moderator
   * pushes theirs again (`layoutPush` goes up).
   */
  followMe: boolean;
  /** Bumped by `moderation:pushLayout`: every participant goes back to the moderator's layout. */
  layoutPush: number;
  /** The recording and the live stream use `layout`, the moderator's (separate from follow-me). */
  recordLayout: boolean;
  /**
   * `stage` with `pinned` null: the latest screen share is large (the default);
   * `stage` with a participant: theirs (screen, else camera) is large;
   * `grid`: everyone in equal tiles, screens too.
   */
  layout: Layout;
}

/** Someone in the waiting room, as moderators see them. */
export interface Knocker {
  id: ParticipantId;
  name: string;
  knockedAt: number;
}

export type LobbyLeftReason = 'admitted' | 'denied' | 'cancelled';

export interface TalkMessage {
  id: MessageId;
  from: ParticipantId;
  fromName: string;
  /** Set for a private message: only sender and recipient ever receive it. */
  to: ParticipantId | null;
  toName: string | null;
  text: string;
  sentAt: number;
}

/**
 * What a participant sees of the meeting: the people of its own room (the
 * main room, or the breakout room it is in) and who speaks there.
 */
export interface MeetingSnapshot {
  id: MeetingId;
  title: string;
  /** The room these participants are in; null for the main room. */
  roomId: RoomId | null;
  participants: ParticipantInfo[];
  activeSpeakerId: ParticipantId | null;
}

/** Someone in a room, as the breakout overview lists them. */
export interface RoomMember {
  id: ParticipantId;
  name: string;
  role: Role;
}

export interface BreakoutRoomInfo {
  id: RoomId;
  name: string;
  members: RoomMember[];
}

/**
 * Every room and who is in it, as one versioned snapshot (to everyone in the
 * meeting). Sent at most every LIMITS.breakoutSnapshotMs: many moves at once
 * make one snapshot. A client keeps the highest version it has seen.
 */
export interface BreakoutState {
  version: number;
  rooms: BreakoutRoomInfo[];
  /** Who is in the main room. */
  main: RoomMember[];
  /** Participants may pick a room themselves (breakout:join). */
  participantsChoose: boolean;
  /** When the timer sends everyone back to the main room (epoch ms), or null. */
  endsAt: number | null;
}

/**
 * A recording or a live stream of the meeting, as everyone in it sees it
 * (the red dot / LIVE badge). `starting` until the recorder writes media,
 * `live` while it does, `finishing` while the last part is joined and stored.
 */
export interface CaptureInfo {
  id: string;
  kind: CaptureKind;
  /** A screen share, or the moderator's layout with "follow me", takes precedence. */
  layout: CaptureLayout;
  state: 'starting' | 'live' | 'finishing';
  /** Who started it (display name). */
  by: string;
  requestedAt: number;
  /** Epoch ms of the first media written; null before. */
  mediaStartedAt: number | null;
  seconds: number;
  bytes: number;
  /** Segments waiting on the recorder's disk for the storage to come back. */
  pending: number;
  /** Streams: when the cap stops it (epoch ms). */
  endsAt: number | null;
  /** Streams: the public viewer page (no login). */
  viewerUrl: string | null;
  /** Streams: kept as a recording when it ends (else deleted then). */
  keep: boolean;
}

export interface CaptureState {
  recording: CaptureInfo | null;
  stream: CaptureInfo | null;
  /** This meeting may be streamed live (its organization's plan, or the operator's setting). */
  streamAllowed: boolean;
}

/** A finished (or failed) recording, as the recordings list shows it. */
export interface RecordingInfo {
  id: string;
  meetingId: MeetingId;
  /** The name its organizer gave it; null: untitled (shown by its date). */
  title: string | null;
  startedAt: number;
  seconds: number;
  bytes: number;
  /** Share link (presigned for S3, signed for the local drive), valid for a day: plays in the browser and seeks. */
  url: string | null;
  /** The same file offered as a download. */
  downloadUrl: string | null;
  error: string | null;
}

export interface LiveStatusReply {
  state: 'waiting' | 'live' | 'ended';
  title: string;
  /** The HLS playlist, fetched straight from the drive (the store or its CDN in S3 mode). */
  playlistUrl: string | null;
  endsAt: number | null;
  /** Viewer pages polling now (the last 30 s), while live. */
  viewers: number;
}

/** What the recorder composes: the main room's people and its layout rules. */
export interface RecorderView {
  participants: ParticipantInfo[];
  activeSpeakerId: ParticipantId | null;
  layout: Layout;
  /** Compose `layout` (the moderator's) rather than the recorder's own choice: the recordLayout setting. */
  moderatorLayout: boolean;
}

// RecorderJob: see jobs.ts (its schema is checked where the job is taken).

export interface RecorderConsumerWire {
  id: ConsumerId;
  producerId: ProducerId;
  kind: MediaKind;
  rtpParameters: RtpParametersWire;
}

export interface RecorderClientToServerEvents {
  'recorder:attach': (p: PayloadOf<'recorder:attach'>, ack: AckFn<{ job: RecorderJob; view: RecorderView; stopping: boolean; drawing: DrawingState }>) => void;
  'recorder:consume': (p: PayloadOf<'recorder:consume'>, ack: AckFn<{ consumer: RecorderConsumerWire }>) => void;
  'recorder:release': (p: PayloadOf<'recorder:release'>, ack: AckFn) => void;
  'recorder:keyframe': (p: PayloadOf<'recorder:keyframe'>, ack: AckFn) => void;
  'recorder:progress': (p: PayloadOf<'recorder:progress'>, ack: AckFn) => void;
  'recorder:finished': (p: PayloadOf<'recorder:finished'>, ack: AckFn) => void;
}

export interface RecorderServerToClientEvents {
  /** The main room changed (throttled): people, producers, speaker, layout. */
  'recorder:view': (p: RecorderView) => void;
  /** The main room's drawings changed (throttled): strokes over shared screens are composed into the picture. */
  'recorder:drawing': (p: DrawingState) => void;
  /** Finish now: a moderator stopped it, the cap was reached, or the meeting ended. */
  'recorder:stop': (p: { reason: CaptureStopReason }) => void;
}

export type CaptureStopReason = 'stopped' | 'cap' | 'meeting-ended';

/** Why the server moved someone from one room to another. */
export type MoveReason = 'assigned' | 'chose' | 'auto-assigned' | 'room-closed' | 'room-removed' | 'all-closed' | 'timer';

export interface IceCandidateWire {
  foundation: string;
  priority: number;
  address: string;
  protocol: 'udp' | 'tcp';
  port: number;
  type: 'host';
  tcpType?: 'passive';
}

export interface TransportOptionsWire {
  id: TransportId;
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: IceCandidateWire[];
  dtlsParameters: DtlsParametersWire;
}

export interface ConsumerOptionsWire {
  id: ConsumerId;
  producerId: ProducerId;
  participantId: ParticipantId;
  kind: MediaKind;
  source: MediaSource;
  rtpParameters: RtpParametersWire;
  producerPaused: boolean;
  paused: boolean;
}

export interface JoinResult {
  self: ParticipantInfo;
  snapshot: MeetingSnapshot;
  /** Chat history this participant may read (public messages and its own private ones). */
  talk: TalkMessage[];
  routerRtpCapabilities: RtpCapabilitiesWire;
  /** True when this socket took over a participant whose socket had dropped. */
  resumed: boolean;
  /** On resume: transports still alive on the server, so the client can restart ICE instead of rebuilding. */
  transports: { send: TransportId | null; recv: TransportId | null };
  /** Fresh transports, when the join carried rtpCapabilities (same as media:setup's answer). */
  media: { send: TransportOptionsWire; recv: TransportOptionsWire } | null;
  settings: MeetingSettings;
  /** The waiting room, for moderators; empty for everyone else. */
  lobby: Knocker[];
  breakout: BreakoutState;
  /** Whether the meeting is being recorded or streamed right now. */
  capture: CaptureState;
  /** The drawings of our room: the whiteboard, strokes on shared screens, who may draw. */
  drawing: DrawingState;
}

/** `moved`: the participant went to another room of the meeting (it is still in the meeting). */
export type LeaveReason = 'left' | 'timeout' | 'kicked' | 'meeting-ended' | 'moved';

/** `server-shutdown`: the node went down; `ended`: a moderator ended it for everyone. */
export type MeetingEndReason = 'server-shutdown' | 'ended';

export interface ClientToServerEvents {
  'meeting:join': (p: PayloadOf<'meeting:join'>, ack: AckFn<JoinResult>) => void;
  'meeting:leave': (p: PayloadOf<'meeting:leave'>, ack: AckFn) => void;
  'meeting:rename': (p: PayloadOf<'meeting:rename'>, ack: AckFn<{ name: string }>) => void;
  'media:setup': (p: PayloadOf<'media:setup'>, ack: AckFn<{ send: TransportOptionsWire; recv: TransportOptionsWire }>) => void;
  'media:connect': (p: PayloadOf<'media:connect'>, ack: AckFn) => void;
  'media:restartIce': (p: PayloadOf<'media:restartIce'>, ack: AckFn<{ iceParameters: TransportOptionsWire['iceParameters'] }>) => void;
  'media:produce': (p: PayloadOf<'media:produce'>, ack: AckFn<{ producerId: ProducerId }>) => void;
  'media:closeProducer': (p: PayloadOf<'media:closeProducer'>, ack: AckFn) => void;
  'media:setProducerPaused': (p: PayloadOf<'media:setProducerPaused'>, ack: AckFn) => void;
  'media:consume': (p: PayloadOf<'media:consume'>, ack: AckFn<{ consumer: ConsumerOptionsWire }>) => void;
  'media:setConsumerPaused': (p: PayloadOf<'media:setConsumerPaused'>, ack: AckFn) => void;
  'media:setPreferredLayers': (p: PayloadOf<'media:setPreferredLayers'>, ack: AckFn) => void;
  'media:closeConsumer': (p: PayloadOf<'media:closeConsumer'>, ack: AckFn) => void;
  'talk:send': (p: PayloadOf<'talk:send'>, ack: AckFn<{ message: TalkMessage }>) => void;
  'reaction:send': (p: PayloadOf<'reaction:send'>, ack: AckFn) => void;
  'hand:set': (p: PayloadOf<'hand:set'>, ack: AckFn) => void;
  'e2ee:set': (p: PayloadOf<'e2ee:set'>, ack: AckFn) => void;
  /** `password`: the meeting's password would let this knocker in without waiting (so the page offers a field for it). */
  'lobby:knock': (p: PayloadOf<'lobby:knock'>, ack: AckFn<{ password: boolean }>) => void;
  'lobby:cancel': (p: PayloadOf<'lobby:cancel'>, ack: AckFn) => void;
  'lobby:admit': (p: PayloadOf<'lobby:admit'>, ack: AckFn) => void;
  'lobby:admitAll': (p: PayloadOf<'lobby:admitAll'>, ack: AckFn<{ admitted: number }>) => void;
  'lobby:deny': (p: PayloadOf<'lobby:deny'>, ack: AckFn) => void;
  'moderation:grant': (p: PayloadOf<'moderation:grant'>, ack: AckFn) => void;
  'moderation:renounce': (p: PayloadOf<'moderation:renounce'>, ack: AckFn) => void;
  'moderation:kick': (p: PayloadOf<'moderation:kick'>, ack: AckFn) => void;
  'moderation:mute': (p: PayloadOf<'moderation:mute'>, ack: AckFn) => void;
  'moderation:muteAll': (p: PayloadOf<'moderation:muteAll'>, ack: AckFn<{ muted: number }>) => void;
  'moderation:allow': (p: PayloadOf<'moderation:allow'>, ack: AckFn) => void;
  'moderation:askToUnmute': (p: PayloadOf<'moderation:askToUnmute'>, ack: AckFn) => void;
  'moderation:settings': (p: PayloadOf<'moderation:settings'>, ack: AckFn<{ settings: MeetingSettings }>) => void;
  'moderation:setPassword': (p: PayloadOf<'moderation:setPassword'>, ack: AckFn) => void;
  'moderation:endMeeting': (p: PayloadOf<'moderation:endMeeting'>, ack: AckFn) => void;
  'moderation:pushLayout': (p: PayloadOf<'moderation:pushLayout'>, ack: AckFn) => void;
  'moderation:lowerHand': (p: PayloadOf<'moderation:lowerHand'>, ack: AckFn) => void;
  'breakout:create': (p: PayloadOf<'breakout:create'>, ack: AckFn<{ room: { id: RoomId; name: string } }>) => void;
  'breakout:rename': (p: PayloadOf<'breakout:rename'>, ack: AckFn) => void;
  'breakout:remove': (p: PayloadOf<'breakout:remove'>, ack: AckFn) => void;
  'breakout:assign': (p: PayloadOf<'breakout:assign'>, ack: AckFn) => void;
  'breakout:autoAssign': (p: PayloadOf<'breakout:autoAssign'>, ack: AckFn<{ moved: number }>) => void;
  'breakout:join': (p: PayloadOf<'breakout:join'>, ack: AckFn) => void;
  'breakout:settings': (p: PayloadOf<'breakout:settings'>, ack: AckFn) => void;
  'breakout:timer': (p: PayloadOf<'breakout:timer'>, ack: AckFn<{ endsAt: number | null }>) => void;
  'breakout:broadcast': (p: PayloadOf<'breakout:broadcast'>, ack: AckFn) => void;
  'breakout:close': (p: PayloadOf<'breakout:close'>, ack: AckFn<{ moved: number }>) => void;
  'breakout:closeAll': (p: PayloadOf<'breakout:closeAll'>, ack: AckFn<{ moved: number }>) => void;
  'capture:start': (p: PayloadOf<'capture:start'>, ack: AckFn<{ capture: CaptureInfo }>) => void;
  'capture:stop': (p: PayloadOf<'capture:stop'>, ack: AckFn) => void;
  'draw:stroke': (p: PayloadOf<'draw:stroke'>, ack: AckFn) => void;
  'draw:undo': (p: PayloadOf<'draw:undo'>, ack: AckFn) => void;
  'draw:clear': (p: PayloadOf<'draw:clear'>, ack: AckFn) => void;
  'draw:allow': (p: PayloadOf<'draw:allow'>, ack: AckFn) => void;
  'draw:board': (p: PayloadOf<'draw:board'>, ack: AckFn) => void;
  'draw:sync': (p: PayloadOf<'draw:sync'>, ack: AckFn<{ drawing: DrawingState }>) => void;
}

export interface ServerToClientEvents {
  'meeting:participantJoined': (p: ParticipantInfo) => void;
  'meeting:participantUpdated': (p: ParticipantInfo) => void;
  'meeting:participantLeft': (p: { participantId: ParticipantId; reason: LeaveReason }) => void;
  'meeting:activeSpeaker': (p: { participantId: ParticipantId | null }) => void;
  /** `by`: the moderator who ended it for everyone (null when the server shut down). */
  'meeting:ended': (p: { reason: MeetingEndReason; by: string | null }) => void;
  'session:replaced': (p: Record<string, never>) => void;
  'media:consumerClosed': (p: { consumerId: ConsumerId }) => void;
  'media:consumerPaused': (p: { consumerId: ConsumerId; producerPaused: boolean }) => void;
  'media:consumerLayers': (p: { consumerId: ConsumerId; spatialLayer: number | null }) => void;
  /** The participant's media lived on a worker that died: call media:setup again and re-produce. */
  'media:reset': (p: { reason: 'worker-died' }) => void;
  'talk:message': (p: TalkMessage) => void;
  'reaction:shown': (p: { participantId: ParticipantId; emoji: Reaction; at: number }) => void;
  /** The rules changed (to everyone in the meeting). */
  'meeting:settings': (p: MeetingSettings) => void;
  /** To moderators: someone knocked / left the waiting room. */
  'lobby:knocking': (p: Knocker) => void;
  'lobby:left': (p: { participantId: ParticipantId; reason: LobbyLeftReason }) => void;
  /** To the knocker: come in (call meeting:join again) / not now. */
  'lobby:admitted': (p: Record<string, never>) => void;
  'lobby:denied': (p: { reason: string | null }) => void;
  /** To the one concerned. */
  'moderation:kicked': (p: { reason: string | null; by: string }) => void;
  'moderation:muted': (p: { kind: MediaKind; by: string | null; reason: 'moderator' | 'start-muted' | 'moderation-on' }) => void;
  'moderation:askedToUnmute': (p: { kind: MediaKind; by: string }) => void;
  /** With the waiting list, which a new moderator has not seen yet. */
  'moderation:promoted': (p: { reason: 'granted' | 'last-moderator-left'; lobby: Knocker[] }) => void;
  /** To everyone in the meeting, throttled: the rooms and who is where. */
  'breakout:state': (p: BreakoutState) => void;
  /**
   * To the one moved: it is now in `roomId` (null: the main room); the
   * snapshot and chat replace what it had. Its media keeps flowing on the
   * same transports; consumers of the room it left were closed.
   */
  'breakout:moved': (p: { roomId: RoomId | null; reason: MoveReason; snapshot: MeetingSnapshot; talk: TalkMessage[] }) => void;
  /** To everyone in the meeting: the timer ends soon (a warning before everyone returns). */
  'breakout:ending': (p: { endsAt: number }) => void;
  /** A moderator's message to every room. */
  'breakout:message': (p: { from: string; text: string; at: number }) => void;
  /** To everyone in the meeting: recording / live stream started, progressed or ended. */
  'capture:state': (p: CaptureState) => void;
  /** To the room, but its author: a stroke began or grew (`stroke.points`: the new ones; an arrow's replace its ends). */
  'draw:stroke': (p: { surface: DrawSurface; stroke: Stroke }) => void;
  /** To the room: a stroke was taken back. */
  'draw:removed': (p: { surface: DrawSurface; by: ParticipantId; id: string }) => void;
  /** To the room: the surface was cleared (`by` null: everyone's strokes; else only that author's). */
  'draw:cleared': (p: { surface: DrawSurface; by: ParticipantId | null }) => void;
  /** To the room: the whiteboard opened or closed (closed: its strokes are gone), or who may draw changed. */
  'draw:meta': (p: { board: boolean; drawers: ParticipantId[] }) => void;
}

export type InterServerEvents = Record<string, never>;

/** What the gateway knows about a socket, from its verified token. */
export interface SocketData {
  meetingId: MeetingId;
  participantId: ParticipantId;
  name: string;
  /** The token was issued to a moderator (by the moderator token, or the owner's account). */
  moderator: boolean;
  /** What made it one (checked again at join: a replaced link no longer counts). */
  grant: string | null;
  /** The browser's device cookie at token time (kicks ban it too). */
  device: string | null;
  /** The client's address (through the trusted proxies only): what password tries are counted by. */
  address: string;
  joined: boolean;
}

// ---- HTTP replies ----------------------------------------------------------
export interface CreateMeetingReply {
  id: MeetingId;
  url: string;
  moderatorToken: string;
  /** Nine digits that find the meeting from the home page ("join with a code"). */
  code: string;
}
/** GET /api/meeting-codes/:code */
export interface MeetingCodeReply {
  id: MeetingId;
}
export interface MeetingInfoReply {
  id: MeetingId;
  title: string;
  participants: number;
  createdAt: number;
  /** Its short code, shown with the invitation. */
  code: string;
  /** The same for every router: lets the client load its Device before joining. */
  routerRtpCapabilities: RtpCapabilitiesWire;
}
export interface JoinMeetingReply {
  participantId: ParticipantId;
  /** Signed, bound to this meeting and participant; passed as Socket.IO `auth.token`. */
  token: string;
  title: string;
  /**
   * Why this joiner will be moderator: `link` (the moderator token), `account`
   * (the meeting's owner or a co-moderator, signed in), null (not by right:
   * they may still be made one in the meeting).
   */
  moderatorBy: 'link' | 'account' | null;
}
/** POST /api/meetings/:id/moderator-token: a new moderator link; the old one stops working. */
export interface NewModeratorTokenReply {
  moderatorToken: string;
  /** The meeting URL with the new token. */
  url: string;
  /** The caller's participant token again, under the new link (its old grant no longer holds). */
  token: string;
}

export type { RtpParametersWire };
