import type { Logger } from 'pino';
import type {
  BreakoutState,
  TalkMessage,
  ConsumerId,
  DrawSurface,
  Knocker,
  LeaveReason,
  LobbyLeftReason,
  MediaKind,
  MeetingId,
  MeetingSettings,
  MoveReason,
  ParticipantId,
  ParticipantInfo,
  Reaction,
  Role,
  RoomId,
  Stroke,
} from '@parley/protocol';
import type { SfuRoom } from './sfu-port.ts';
import type { Participant } from './Participant.ts';

/** One participant moved by the server from one room of the meeting to another (null: the main room). */
export interface Move {
  id: ParticipantId;
  from: RoomId | null;
  to: RoomId | null;
  reason: MoveReason;
}

/**
 * Room-scoped events carry the room (null: main) they belong to: only the
 * people of that room hear them.
 */
export interface MeetingEvents {
  participantJoined: [info: ParticipantInfo, room: RoomId | null];
  participantUpdated: [info: ParticipantInfo, room: RoomId | null];
  participantLeft: [id: ParticipantId, reason: LeaveReason, room: RoomId | null];
  activeSpeaker: [room: RoomId | null, id: ParticipantId | null];
  talk: [message: TalkMessage, room: RoomId | null];
  reaction: [id: ParticipantId, emoji: Reaction, at: number, room: RoomId | null];
  /** A stroke began or grew (`stroke.points`: the new ones); its author drew it already. */
  drawStroke: [room: RoomId | null, surface: DrawSurface, stroke: Stroke, author: ParticipantId];
  drawRemoved: [room: RoomId | null, surface: DrawSurface, by: ParticipantId, id: string];
  /** `by` null: everyone's strokes. */
  drawCleared: [room: RoomId | null, surface: DrawSurface, by: ParticipantId | null];
  /** The room's whiteboard opened or closed, or who may draw changed. */
  drawMeta: [room: RoomId | null, board: boolean, drawers: ParticipantId[]];
  /** People changed rooms (one batch per operation); their sockets must follow. */
  moved: [moves: Move[]];
  /** The rooms and who is where (throttled). */
  breakoutState: [state: BreakoutState];
  breakoutEnding: [endsAt: number];
  breakoutMessage: [from: string, text: string, at: number];
  /** The participant's media was lost with a worker; it must set up media again. */
  mediaReset: [id: ParticipantId];
  consumerClosed: [id: ParticipantId, consumerId: ConsumerId];
  consumerPaused: [id: ParticipantId, consumerId: ConsumerId, producerPaused: boolean];
  consumerLayers: [id: ParticipantId, consumerId: ConsumerId, spatialLayer: number | null];
  /** A participant's session moved to another socket; the old one must be told and dropped. */
  sessionReplaced: [id: ParticipantId, oldSessionId: string];
  /** Moderator or not: the gateway moves the participant's sockets in or out of the moderators' room. */
  roleChanged: [id: ParticipantId, role: Role, reason: RoleReason];
  settings: [settings: MeetingSettings];
  knocking: [knocker: Knocker];
  lobbyLeft: [id: ParticipantId, reason: LobbyLeftReason];
  /** To the knocker alone. */
  admitted: [id: ParticipantId];
  denied: [id: ParticipantId, reason: string | null];
  /** Sent to the kicked participant just before it is removed. */
  kicked: [id: ParticipantId, reason: string | null, by: string];
  /** A participant's own media was paused by the server: its client must show it muted / camera off. */
  muted: [id: ParticipantId, kind: MediaKind, by: string | null, reason: MuteReason];
  askedToUnmute: [id: ParticipantId, kind: MediaKind, by: string];
  /** A moderator ended the meeting for everyone (`by`: their name); the knockers are told too. `closed` follows. */
  ended: [by: string, knockers: ParticipantId[]];
  closed: [];
}

export type RoleReason = 'granted' | 'renounced' | 'last-moderator-left';
export type MuteReason = 'moderator' | 'start-muted' | 'moderation-on';

/** The media room's group name for a room of the meeting ('' for main). */
export const groupOf = (room: RoomId | null): string => room ?? '';

/**
 * What the parts of a meeting (door, moderation, media, breakout rooms,
 * talk) may see and do of its core: the roster, the settings, roles, the
 * active speaker and the events. Parts never reach each other's state
 * through it; a part that needs another is given it in its constructor.
 */
export interface MeetingCore {
  readonly id: MeetingId;
  readonly log: Logger;
  /** The media plane (the SFU, or an in-memory fake in unit tests). */
  readonly sfu: SfuRoom;
  readonly closed: boolean;
  /** Everyone in the meeting now. */
  readonly roster: ReadonlyMap<ParticipantId, Participant>;
  readonly settings: Readonly<MeetingSettings>;
  /** Replaces the settings and tells everyone. */
  setSettings(next: MeetingSettings): void;
  /** PARTICIPANT_NOT_FOUND unless `id` is in the meeting. */
  participant(id: ParticipantId): Participant;
  /** The caller, if it is a moderator (NOT_MODERATOR otherwise). */
  moderator(by: ParticipantId): Participant;
  inRoom(room: RoomId | null): Participant[];
  emit<K extends keyof MeetingEvents>(event: K, ...args: MeetingEvents[K]): void;
  /** `p`'s state changed: the people of its room are told. */
  updated(p: Participant): void;
  setRole(p: Participant, role: Role, reason: RoleReason): void;
  /** When no moderator is left (but `leaving`), whoever has been here longest becomes one. */
  keepAModerator(leaving?: Participant): void;
  leave(id: ParticipantId, reason: LeaveReason): void;
  /** `id` is not the speaker of `room` any more (muted, or moved away). */
  hush(room: RoomId | null, id: ParticipantId): void;
  /** A breakout room is gone: so is its speaker. */
  forgetRoom(room: RoomId): void;
  /** Nobody in, nobody joining, nobody waiting: closes the meeting. */
  closeIfEmpty(): void;
}
