import crypto from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import {
  LIMITS,
  TypedEmitter,
  type BreakoutState,
  type ChatMessage,
  type ConsumerId,
  type ConsumerOptionsWire,
  type Knocker,
  type Layout,
  type LeaveReason,
  type LobbyLeftReason,
  type MeetingSettings,
  type MediaKind,
  type MediaSource,
  type MeetingId,
  type MeetingSnapshot,
  type MessageId,
  type MoveReason,
  type ParticipantId,
  type ParticipantInfo,
  type PayloadOf,
  type ProducerId,
  type Reaction,
  type Role,
  type RoomId,
  type RoomMember,
  type RtpParametersWire,
  type TransportId,
  type TransportOptionsWire,
} from '@parley/protocol';
import type { MediaPeer, MediaRoom } from '@parley/sfu';
import {
  ChatTooLarge,
  InvalidRequest,
  Kicked,
  LastModerator,
  MeetingFull,
  MeetingNotFound,
  Moderated,
  NotModerator,
  ParticipantNotFound,
  PasswordRequired,
  ProducerNotFound,
  RoomChoiceOff,
  TooManyTries,
  WaitingRoom,
  WrongPassword,
} from './errors.ts';
import { BreakoutSet, type BreakoutRoom } from './Breakouts.ts';
import { Lobby } from './Lobby.ts';
import { MeetingPassword } from './password.ts';
import type { MeetingRecord, StoredSettings } from '../store/meetings.ts';

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
  chat: [message: ChatMessage, room: RoomId | null];
  reaction: [id: ParticipantId, emoji: Reaction, at: number, room: RoomId | null];
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
  roleChanged: [id: ParticipantId, role: Role, reason: 'granted' | 'renounced' | 'last-moderator-left'];
  settings: [settings: MeetingSettings];
  knocking: [knocker: Knocker];
  lobbyLeft: [id: ParticipantId, reason: LobbyLeftReason];
  /** To the knocker alone. */
  admitted: [id: ParticipantId];
  denied: [id: ParticipantId, reason: string | null];
  /** Sent to the kicked participant just before it is removed. */
  kicked: [id: ParticipantId, reason: string | null, by: string];
  /** A participant's own media was paused by the server: its client must show it muted / camera off. */
  muted: [id: ParticipantId, kind: MediaKind, by: string | null, reason: 'moderator' | 'start-muted' | 'moderation-on'];
  askedToUnmute: [id: ParticipantId, kind: MediaKind, by: string];
  closed: [];
}

export type SettingsPatch = PayloadOf<'moderation:settings'>;

/** Sources under hard moderation of each kind: screen sharing counts as video. */
const MODERATED_SOURCES: Record<MediaKind, MediaSource[]> = { audio: ['mic'], video: ['camera', 'screen', 'screenAudio'] };
/** What "mute" and "stop camera" pause. */
const MUTED_SOURCES: Record<MediaKind, MediaSource[]> = { audio: ['mic'], video: ['camera'] };
const kindOfSource = (source: MediaSource): MediaKind => (MODERATED_SOURCES.audio.includes(source) ? 'audio' : 'video');

export interface MeetingOptions {
  /** How long a dropped participant keeps its place. */
  resumeWindowMs: number;
  maxParticipants: number;
}

/** The media room's group name for a room of the meeting ('' for main). */
const groupOf = (room: RoomId | null): string => room ?? '';

export class Participant {
  readonly id: ParticipantId;
  readonly name: string;
  role: Role;
  readonly joinedAt: number;
  handRaisedAt: number | null = null;
  connection: 'connected' | 'reconnecting' = 'connected';
  /** Allowed to unmute / show video while that kind is moderated. */
  readonly allowed = { audio: false, video: false };
  e2ee = false;
  /** The breakout room this participant is in; null for the main room. Only the server moves it. */
  room: RoomId | null = null;
  /** The meeting said "start muted / camera off" when this one joined: its first mic / camera starts paused. */
  readonly startOff = { audio: false, video: false };
  /** The socket currently speaking for this participant. */
  sessionId: string;
  readonly media: MediaPeer;
  leaveTimer: NodeJS.Timeout | undefined;

  /** The browser's device cookie, when the token carried one. */
  readonly device: string | null;

  constructor(id: ParticipantId, name: string, role: Role, sessionId: string, media: MediaPeer, device: string | null = null) {
    this.id = id;
    this.device = device;
    this.name = name;
    this.role = role;
    this.sessionId = sessionId;
    this.media = media;
    this.joinedAt = Date.now();
  }

  info(): ParticipantInfo {
    return {
      id: this.id,
      name: this.name,
      role: this.role,
      joinedAt: this.joinedAt,
      handRaisedAt: this.handRaisedAt,
      connection: this.connection,
      producers: [...this.media.producers.values()]
        .filter((p) => !p.closed)
        .map((p) => ({ id: p.id as ProducerId, kind: p.kind, source: p.appData.source, paused: p.paused })),
      allowed: { ...this.allowed },
      e2ee: this.e2ee,
    };
  }
}

/**
 * One live meeting: who is in it, what they said, and their media (through
 * its MediaRoom). It owns all meeting state and enforces the rules; the
 * gateway only translates sockets into these calls and these events into
 * socket messages. Identity (`pid`) always comes from a verified token.
 */
export class Meeting extends TypedEmitter<MeetingEvents> {
  readonly id: MeetingId;
  readonly title: string;
  readonly createdAt: number;
  readonly media: MediaRoom;
  readonly #log: Logger;
  readonly #opts: MeetingOptions;
  readonly #participants = new Map<ParticipantId, Participant>();
  /** Messages with the room they were said in: chat is per room. */
  readonly #chat: { message: ChatMessage; room: RoomId | null }[] = [];
  /** Who speaks in each room (key: room id, '' for the main room). */
  readonly #speakers = new Map<string, ParticipantId>();
  readonly #breakouts = new BreakoutSet();
  readonly #lobby = new Lobby();
  readonly #password = new MeetingPassword();
  /** Removed by a moderator (`p:` participant ids, `d:` device cookies): back only through the waiting room. */
  readonly #kicked = new Set<string>();
  /**
   * People whose page went away (closed or reloaded) in the last resume
   * window, with the role they had: a reload comes back through the door
   * without knocking again, as moderator if it was one.
   */
  readonly #returning = new Map<ParticipantId, { role: Role; until: number }>();
  /** The last moderator's page went away: who takes over is decided once the resume window has passed. */
  #promotionTimer: NodeJS.Timeout | undefined;
  #settings: MeetingSettings;
  /** Joins in flight keep an empty meeting from closing under them. */
  #joining = 0;
  #closed = false;

  constructor(record: MeetingRecord, media: MediaRoom, opts: MeetingOptions, log: Logger) {
    super();
    this.id = record.id;
    this.title = record.title;
    this.createdAt = record.createdAt;
    this.media = media;
    this.#opts = opts;
    this.#log = log;
    // What moderators set last time holds: the door stays as they left it.
    const kept = record.settings;
    this.#password.restore(kept?.passwordHash ?? null);
    this.#settings = {
      waitingRoom: kept?.waitingRoom ?? record.waitingRoom ?? false,
      passwordSet: this.#password.isSet,
      passwordSkipsWaitingRoom: kept?.passwordSkipsWaitingRoom ?? true,
      startMuted: kept?.startMuted ?? false,
      startCameraOff: kept?.startCameraOff ?? false,
      reactionSounds: kept?.reactionSounds ?? true,
      audioModeration: kept?.audioModeration ?? false,
      videoModeration: kept?.videoModeration ?? false,
      followMe: false,
      layout: { mode: 'stage', pinned: null },
    };
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'meeting listener failed');
    media.on('activeSpeaker', (group, peerId) => {
      const id = peerId as ParticipantId | null;
      // A late report about someone who has just changed rooms is dropped.
      if (id !== null && groupOf(this.#participants.get(id)?.room ?? null) !== group) return;
      this.#setSpeaker(group === '' ? null : (group as RoomId), id);
    });
    media.on('peerReset', (peer) => {
      const p = this.#participants.get(peer.id as ParticipantId);
      if (!p) return;
      this.emit('mediaReset', p.id);
      this.#updated(p);
    });
    this.#breakouts.onListenerError = (error, event) => log.error({ err: error, event }, 'breakout listener failed');
    this.#breakouts.on('changed', () => this.emit('breakoutState', this.breakoutState()));
    this.#breakouts.on('ending', (endsAt) => this.emit('breakoutEnding', endsAt));
    this.#breakouts.on('ended', () => this.#returnEveryone('timer'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#participants.size;
  }

  get participants(): IterableIterator<Participant> {
    return this.#participants.values();
  }

  participant(id: ParticipantId): Participant {
    const p = this.#participants.get(id);
    if (!p) throw new ParticipantNotFound(id);
    return p;
  }

  /** Whether `id` is in the meeting now (a kicked or timed-out participant is not). */
  has(id: ParticipantId): boolean {
    return this.#participants.has(id);
  }

  get settings(): MeetingSettings {
    return { ...this.#settings, layout: { ...this.#settings.layout } };
  }

  /** What of the settings is kept with the meeting's record (emitted as `settings` changes). */
  storedSettings(): StoredSettings {
    const s = this.#settings;
    return {
      waitingRoom: s.waitingRoom,
      passwordHash: this.#password.stored(),
      passwordSkipsWaitingRoom: s.passwordSkipsWaitingRoom,
      startMuted: s.startMuted,
      startCameraOff: s.startCameraOff,
      reactionSounds: s.reactionSounds,
      audioModeration: s.audioModeration,
      videoModeration: s.videoModeration,
    };
  }

  /** The waiting list, for moderators only. */
  lobbyFor(id: ParticipantId): Knocker[] {
    return this.#participants.get(id)?.role === 'moderator' ? this.#lobby.list() : [];
  }

  /** The people of one room (default: the main room) and who speaks there. */
  snapshot(room: RoomId | null = null): MeetingSnapshot {
    return {
      id: this.id,
      title: this.title,
      roomId: room,
      participants: this.#inRoom(room).map((p) => p.info()),
      activeSpeakerId: this.#speakers.get(groupOf(room)) ?? null,
    };
  }

  /** What `id` may see: its own room. */
  snapshotFor(id: ParticipantId): MeetingSnapshot {
    return this.snapshot(this.participant(id).room);
  }

  /** The room `id` is in (null: main). */
  roomOf(id: ParticipantId): RoomId | null {
    return this.participant(id).room;
  }

  /** Public messages of its room and its own private ones, oldest first. */
  chatFor(id: ParticipantId): ChatMessage[] {
    const room = this.#participants.get(id)?.room ?? null;
    return this.#chat.filter(({ message: m, room: r }) => r === room && (m.to === null || m.to === id || m.from === id)).map((c) => c.message);
  }

  /** A room's public messages (what a newcomer without private messages sees). */
  publicChat(room: RoomId | null): ChatMessage[] {
    return this.#chat.filter((c) => c.room === room && c.message.to === null).map((c) => c.message);
  }

  #inRoom(room: RoomId | null): Participant[] {
    return [...this.#participants.values()].filter((p) => p.room === room);
  }

  #updated(p: Participant): void {
    this.emit('participantUpdated', p.info(), p.room);
  }

  #setSpeaker(room: RoomId | null, id: ParticipantId | null): void {
    const key = groupOf(room);
    if ((this.#speakers.get(key) ?? null) === id) return;
    if (id === null) this.#speakers.delete(key);
    else this.#speakers.set(key, id);
    this.emit('activeSpeaker', room, id);
  }

  routerRtpCapabilities(id: ParticipantId): types.RtpCapabilities {
    return this.participant(id).media.slot.router.rtpCapabilities;
  }

  /**
   * Adds a participant, or gives a returning one (same id, from its token)
   * its place back: a dropped socket that returns, or a reloaded page.
   */
  async join(
    who: { id: ParticipantId; name: string; moderator: boolean; device?: string | null },
    sessionId: string,
    entry: { password?: string; client?: string } = {},
  ): Promise<{ participant: Participant; resumed: boolean }> {
    if (this.#closed) throw new MeetingNotFound();
    const existing = this.#participants.get(who.id);
    if (existing) return { participant: this.#resume(existing, sessionId), resumed: true };
    if (this.#participants.size + this.#joining >= this.#opts.maxParticipants) throw new MeetingFull(this.#opts.maxParticipants);
    const back = this.#takeReturning(who.id);
    this.#joining += 1;
    try {
      // The moderator link always enters, and so does a reloaded page; everyone else passes the door.
      if (!who.moderator && !back) await this.#door(who.id, who.device ?? null, entry);
    } catch (error) {
      this.#joining -= 1;
      this.#closeIfEmpty();
      throw error;
    }
    this.#lobby.takeAdmission(who.id);
    if (this.#lobby.remove(who.id)) this.emit('lobbyLeft', who.id, 'admitted');
    let peer: MediaPeer;
    try {
      peer = await this.media.addPeer(who.id);
    } catch (error) {
      // A first joiner who could not be placed must not leave an empty meeting open forever.
      this.#joining -= 1;
      this.#closeIfEmpty();
      throw error;
    }
    this.#joining -= 1;
    if (this.#closed) {
      throw new MeetingNotFound();
    }
    // Two joins for one participant in flight at once (a double submit, two
    // tabs reloading): the first one in created it, this one resumes it.
    const raced = this.#participants.get(who.id);
    if (raced) return { participant: this.#resume(raced, sessionId), resumed: true };
    // The creator (moderator token) is moderator, and so is a moderator whose
    // page reloaded; without either, whoever finds the meeting empty is.
    const role: Role = who.moderator || back?.role === 'moderator' || this.#participants.size === 0 ? 'moderator' : 'participant';
    const participant = new Participant(who.id, who.name, role, sessionId, peer, who.device ?? null);
    participant.startOff.audio = this.#settings.startMuted && role !== 'moderator';
    participant.startOff.video = this.#settings.startCameraOff && role !== 'moderator';
    this.#participants.set(who.id, participant);
    this.#watchPeer(participant);
    this.emit('participantJoined', participant.info(), null);
    // The overview of rooms lists the main room's people too.
    if (this.#breakouts.rooms.length > 0) this.#breakouts.touch();
    return { participant, resumed: false };
  }

  #resume(p: Participant, sessionId: string): Participant {
    clearTimeout(p.leaveTimer);
    p.leaveTimer = undefined;
    const old = p.sessionId;
    p.sessionId = sessionId;
    p.connection = 'connected';
    if (old !== sessionId) this.emit('sessionReplaced', p.id, old);
    this.#updated(p);
    return p;
  }

  /** The participant's socket dropped: keep its place for the resume window. */
  disconnected(id: ParticipantId, sessionId: string): void {
    const p = this.#participants.get(id);
    if (!p || p.sessionId !== sessionId || p.connection === 'reconnecting') return;
    p.connection = 'reconnecting';
    this.#updated(p);
    p.leaveTimer = setTimeout(() => this.leave(id, 'timeout'), this.#opts.resumeWindowMs);
    p.leaveTimer.unref?.();
  }

  /**
   * `mayReturn`: the page went away (closed or reloaded). The person leaves
   * at once, but a reload within the resume window comes back with its role
   * and without knocking; and if it was the last moderator, nobody is
   * promoted before that window has passed.
   */
  leave(id: ParticipantId, reason: LeaveReason, opts: { mayReturn?: boolean } = {}): void {
    const p = this.#participants.get(id);
    if (!p) return;
    clearTimeout(p.leaveTimer);
    this.#participants.delete(id);
    this.media.removePeer(id);
    if (this.#speakers.get(groupOf(p.room)) === id) this.#setSpeaker(p.room, null);
    this.emit('participantLeft', id, reason, p.room);
    if (this.#breakouts.rooms.length > 0) this.#breakouts.touch();
    if (opts.mayReturn) this.#rememberReturning(id, p.role);
    if (p.role === 'moderator') {
      if (opts.mayReturn) this.#promoteLater();
      else this.#keepAModerator();
    }
    this.#closeIfEmpty();
  }

  /** Most pages remembered as maybe coming back (each needed a token of its own). */
  static readonly #RETURNING_MAX = 1000;

  #rememberReturning(id: ParticipantId, role: Role): void {
    const now = Date.now();
    for (const [pid, r] of this.#returning) if (r.until <= now) this.#returning.delete(pid);
    if (this.#returning.size >= Meeting.#RETURNING_MAX) this.#returning.delete(this.#returning.keys().next().value!);
    this.#returning.set(id, { role, until: now + this.#opts.resumeWindowMs });
  }

  #takeReturning(id: ParticipantId): { role: Role } | undefined {
    const r = this.#returning.get(id);
    this.#returning.delete(id);
    return r && r.until > Date.now() ? r : undefined;
  }

  /** (Re)starts the wait: a moderator who reloads twice gets a whole window after the second time. */
  #promoteLater(): void {
    clearTimeout(this.#promotionTimer);
    this.#promotionTimer = setTimeout(() => {
      this.#promotionTimer = undefined;
      if (!this.#closed) this.#keepAModerator();
    }, this.#opts.resumeWindowMs);
    this.#promotionTimer.unref?.();
  }

  /** Nobody in, nobody joining, nobody waiting: the meeting is over. */
  #closeIfEmpty(): void {
    if (this.#participants.size === 0 && this.#joining === 0 && this.#lobby.size === 0) this.close();
  }

  /**
   * A meeting never runs without a moderator while people remain: when the
   * last one goes, whoever has been here longest takes over (and is told).
   */
  #keepAModerator(leaving?: Participant): void {
    const all = [...this.#participants.values()].filter((p) => p !== leaving);
    if (all.length === 0 || all.some((p) => p.role === 'moderator')) return;
    const next = all.reduce((a, b) => (b.joinedAt < a.joinedAt ? b : a));
    this.#setRole(next, 'moderator', 'last-moderator-left');
  }

  #setRole(p: Participant, role: Role, reason: 'granted' | 'renounced' | 'last-moderator-left'): void {
    if (p.role === role) return;
    p.role = role;
    this.#updated(p);
    if (this.#breakouts.rooms.length > 0) this.#breakouts.touch();
    this.emit('roleChanged', p.id, role, reason);
  }

  // ---- the door: waiting room, password, kicked people ----------------------

  /** Lets `id` in, or says why not (WAITING_ROOM, PASSWORD_REQUIRED, WRONG_PASSWORD, KICKED). */
  async #door(id: ParticipantId, device: string | null, entry: { password?: string; client?: string }): Promise<void> {
    if (this.#lobby.isAdmitted(id)) return;
    const s = this.#settings;
    const kicked = this.#isKicked(id, device);
    if (this.#password.isSet && entry.password !== undefined) {
      if (!this.#password.mayTry([`client:${entry.client ?? '?'}`, `participant:${id}`])) throw new TooManyTries();
      if (!(await this.#password.matches(entry.password))) throw new WrongPassword();
      if (kicked || (s.waitingRoom && !s.passwordSkipsWaitingRoom)) throw new WaitingRoom();
      return;
    }
    if (kicked) {
      // Locked (a password) without a waiting room: nobody to knock to.
      if (this.#password.isSet && !s.waitingRoom) throw new Kicked();
      throw new WaitingRoom();
    }
    if (s.waitingRoom) throw new WaitingRoom();
    if (this.#password.isSet) throw new PasswordRequired();
  }

  /**
   * A knocker (token, not joined) asks to be let in. Moderators see it. When
   * nothing keeps the door shut any more (the waiting room was switched off
   * meanwhile), it is admitted at once.
   */
  /** Whether the meeting's password would let `id` in without waiting (a knocker is offered the field only then). */
  passwordOpensDoor(id: ParticipantId, device: string | null): boolean {
    return this.#password.isSet && (!this.#settings.waitingRoom || this.#settings.passwordSkipsWaitingRoom) && !this.#isKicked(id, device);
  }

  knock(who: { id: ParticipantId; name: string; device?: string | null; address?: string }, sessionId: string): void {
    if (this.#closed) throw new MeetingNotFound();
    if (this.#participants.has(who.id)) throw new InvalidRequest('already in the meeting');
    const kicked = this.#isKicked(who.id, who.device ?? null);
    if (kicked && this.#password.isSet && !this.#settings.waitingRoom) throw new Kicked();
    if (!this.#settings.waitingRoom && !kicked && !this.#password.isSet) {
      this.#lobby.admit(who.id);
      this.emit('admitted', who.id);
      return;
    }
    const { knocker, fresh } = this.#lobby.knock(who.id, who.name, sessionId, who.device ?? null, who.address);
    if (fresh) this.emit('knocking', knocker);
  }

  /** The knocker gave up or its socket dropped (only that socket's knock is withdrawn). */
  cancelKnock(id: ParticipantId, sessionId?: string): void {
    if (this.#lobby.remove(id, sessionId)) {
      this.emit('lobbyLeft', id, 'cancelled');
      this.#closeIfEmpty();
    }
  }

  admit(by: ParticipantId, id: ParticipantId): void {
    this.#moderator(by);
    if (!this.#lobby.has(id)) throw new ParticipantNotFound(id);
    this.#admit(id);
  }

  admitAll(by: ParticipantId): number {
    this.#moderator(by);
    return this.#admitEveryone();
  }

  deny(by: ParticipantId, id: ParticipantId, reason: string | undefined): void {
    this.#moderator(by);
    if (!this.#lobby.remove(id)) throw new ParticipantNotFound(id);
    this.emit('lobbyLeft', id, 'denied');
    this.emit('denied', id, reason?.trim() || null);
  }

  #isKicked(id: ParticipantId, device: string | null): boolean {
    return this.#kicked.has(`p:${id}`) || (device !== null && this.#kicked.has(`d:${device}`));
  }

  #admit(id: ParticipantId): void {
    const device = this.#lobby.admit(id);
    // Let in by a moderator: forgiven.
    this.#kicked.delete(`p:${id}`);
    if (device) this.#kicked.delete(`d:${device}`);
    this.emit('lobbyLeft', id, 'admitted');
    this.emit('admitted', id);
  }

  #admitEveryone(): number {
    const waiting = this.#lobby.list();
    for (const k of waiting) this.#admit(k.id);
    return waiting.length;
  }

  // ---- moderation -------------------------------------------------------------

  /** The caller, if it is a moderator of this meeting (NOT_MODERATOR otherwise). */
  requireModerator(by: ParticipantId): Participant {
    return this.#moderator(by);
  }

  #moderator(by: ParticipantId): Participant {
    const p = this.participant(by);
    if (p.role !== 'moderator') throw new NotModerator();
    return p;
  }

  grant(by: ParticipantId, id: ParticipantId): void {
    this.#moderator(by);
    this.#setRole(this.participant(id), 'moderator', 'granted');
  }

  /** Gives the role up; the only moderator hands it to whoever has been here longest. */
  renounce(by: ParticipantId): void {
    const me = this.#moderator(by);
    if (this.#participants.size === 1) throw new LastModerator();
    this.#keepAModerator(me);
    this.#setRole(me, 'participant', 'renounced');
  }

  /**
   * Removes someone. Without accounts, a kick recognizes the person by its
   * participant id and its browser (device cookie) only: from another browser
   * with the link it is a new person. So `waitingRoom` switches the waiting
   * room on in the same step, for moderators who want to decide who comes back.
   */
  kick(by: ParticipantId, id: ParticipantId, reason: string | undefined, opts: { waitingRoom?: boolean } = {}): void {
    const mod = this.#moderator(by);
    if (id === by) throw new InvalidRequest('you cannot kick yourself (leave instead)');
    const target = this.participant(id);
    if (opts.waitingRoom && !this.#settings.waitingRoom) {
      this.#settings = { ...this.#settings, waitingRoom: true };
      this.emit('settings', this.settings);
    }
    this.#kicked.add(`p:${id}`);
    if (target.device) this.#kicked.add(`d:${target.device}`);
    this.emit('kicked', id, reason?.trim() || null, mod.name);
    this.leave(id, 'kicked');
  }

  /** Pauses someone's mic (audio) or camera (video); they may unmute themself unless that kind is moderated. */
  async mute(by: ParticipantId, id: ParticipantId, kind: MediaKind): Promise<void> {
    const mod = this.#moderator(by);
    await this.#pauseSources(this.participant(id), MUTED_SOURCES[kind], kind, mod.name, 'moderator');
  }

  /** Everyone but the caller; answers how many had something to pause. */
  async muteAll(by: ParticipantId, kind: MediaKind): Promise<number> {
    const mod = this.#moderator(by);
    let n = 0;
    for (const p of [...this.#participants.values()]) {
      if (p !== mod && (await this.#pauseSources(p, MUTED_SOURCES[kind], kind, mod.name, 'moderator'))) n += 1;
    }
    return n;
  }

  /** While `kind` is moderated: lets someone unmute (or takes it back, which mutes them). */
  async allow(by: ParticipantId, id: ParticipantId, kind: MediaKind, allowed: boolean): Promise<void> {
    const mod = this.#moderator(by);
    const p = this.participant(id);
    p.allowed[kind] = allowed;
    this.#updated(p);
    if (!allowed && this.#isModerated(kind)) await this.#pauseSources(p, MODERATED_SOURCES[kind], kind, mod.name, 'moderator');
  }

  /** A request, never a remote unmute: the participant is allowed (if moderated) and asked; they unmute themself. */
  askToUnmute(by: ParticipantId, id: ParticipantId, kind: MediaKind): void {
    const mod = this.#moderator(by);
    const p = this.participant(id);
    if (!p.allowed[kind]) {
      p.allowed[kind] = true;
      this.#updated(p);
    }
    this.emit('askedToUnmute', id, kind, mod.name);
  }

  async updateSettings(by: ParticipantId, patch: SettingsPatch): Promise<MeetingSettings> {
    const mod = this.#moderator(by);
    if (patch.layout?.pinned) this.participant(patch.layout.pinned as ParticipantId);
    const before = this.#settings;
    const { layout, ...flags } = patch;
    this.#settings = { ...before, ...flags, layout: (layout as Layout | undefined) ?? before.layout };
    this.emit('settings', this.settings);
    for (const kind of ['audio', 'video'] as const) {
      const key = kind === 'audio' ? 'audioModeration' : 'videoModeration';
      if (!before[key] && this.#settings[key]) {
        // Turning moderation on starts from silence: everyone but moderators
        // is muted and must be allowed again.
        for (const p of [...this.#participants.values()]) {
          if (p.role === 'moderator') continue;
          if (p.allowed[kind]) {
            p.allowed[kind] = false;
            this.#updated(p);
          }
          await this.#pauseSources(p, MODERATED_SOURCES[kind], kind, mod.name, 'moderation-on');
        }
      }
    }
    // No waiting room any more: everyone waiting comes in.
    if (before.waitingRoom && !this.#settings.waitingRoom) this.#admitEveryone();
    return this.settings;
  }

  async setPassword(by: ParticipantId, password: string | null): Promise<void> {
    this.#moderator(by);
    await this.#password.set(password);
    this.#settings = { ...this.#settings, passwordSet: this.#password.isSet };
    this.emit('settings', this.settings);
  }

  #isModerated(kind: MediaKind): boolean {
    return kind === 'audio' ? this.#settings.audioModeration : this.#settings.videoModeration;
  }

  /** Whether `p` may send `source` unpaused right now. */
  #mayUnmute(p: Participant, source: MediaSource): boolean {
    const kind = kindOfSource(source);
    return p.role === 'moderator' || !this.#isModerated(kind) || p.allowed[kind];
  }

  /**
   * Pauses (screen: closes) `p`'s producers of `sources` on the server, so it
   * takes effect whatever the client does, and tells its client.
   */
  async #pauseSources(p: Participant, sources: MediaSource[], kind: MediaKind, by: string | null, reason: 'moderator' | 'start-muted' | 'moderation-on'): Promise<boolean> {
    let changed = false;
    for (const producer of [...p.media.producers.values()]) {
      if (producer.closed || !sources.includes(producer.appData.source)) continue;
      if (producer.appData.source === 'screen' || producer.appData.source === 'screenAudio') {
        p.media.closeProducer(producer.id);
        changed = true;
      } else if (!producer.paused) {
        await p.media.setProducerPaused(producer.id, true);
        if (producer.appData.source === 'mic') this.#silenced(p);
        changed = true;
      }
    }
    if (changed || reason === 'moderator') this.emit('muted', p.id, kind, by, reason);
    if (changed) this.#updated(p);
    return changed;
  }

  // ---- media ----------------------------------------------------------------

  async setupMedia(id: ParticipantId, rtpCapabilities: types.RtpCapabilities): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }> {
    return this.participant(id).media.setup(rtpCapabilities);
  }

  async connectTransport(id: ParticipantId, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.participant(id).media.connect(transportId, dtlsParameters);
  }

  async restartIce(id: ParticipantId, transportId: string): Promise<types.IceParameters> {
    return this.participant(id).media.restartIce(transportId);
  }

  async produce(
    id: ParticipantId,
    opts: { transportId: string; kind: MediaKind; source: MediaSource; rtpParameters: RtpParametersWire; paused: boolean },
  ): Promise<ProducerId> {
    const p = this.participant(id);
    if ((opts.source === 'mic' || opts.source === 'screenAudio') !== (opts.kind === 'audio')) {
      throw new InvalidRequest(`source ${opts.source} cannot carry ${opts.kind}`);
    }
    const kind = kindOfSource(opts.source);
    if (!opts.paused && !this.#mayUnmute(p, opts.source)) throw new Moderated(kind);
    // "Everyone starts muted / camera off" applies to the first mic / camera
    // of those who joined under it, whatever their client asks.
    const startOff = (opts.source === 'mic' && p.startOff.audio) || (opts.source === 'camera' && p.startOff.video);
    if (opts.source === 'mic') p.startOff.audio = false;
    if (opts.source === 'camera') p.startOff.video = false;
    const forced = startOff && !opts.paused;
    const producer = await p.media.produce({ ...opts, paused: opts.paused || forced, rtpParameters: opts.rtpParameters as types.RtpParameters });
    if (forced) this.emit('muted', p.id, kind, null, 'start-muted');
    this.#updated(p);
    this.media.observeProducer(p.media, producer).catch((error: unknown) => this.#log.warn({ err: error }, 'active speaker observation failed'));
    return producer.id as ProducerId;
  }

  closeProducer(id: ParticipantId, producerId: string): void {
    const p = this.participant(id);
    p.media.closeProducer(producerId);
    this.#updated(p);
  }

  async setProducerPaused(id: ParticipantId, producerId: string, paused: boolean): Promise<void> {
    const p = this.participant(id);
    const producer = p.media.producers.get(producerId as ProducerId);
    if (!paused && producer && !this.#mayUnmute(p, producer.appData.source)) throw new Moderated(kindOfSource(producer.appData.source));
    await p.media.setProducerPaused(producerId, paused);
    if (paused && producer?.appData.source === 'mic') this.#silenced(p);
    this.#updated(p);
  }

  /** A muted speaker is not the speaker any more (the SFU takes its mic out of detection too). */
  #silenced(p: Participant): void {
    if (this.#speakers.get(groupOf(p.room)) === p.id) this.#setSpeaker(p.room, null);
  }

  async consume(id: ParticipantId, producerId: string): Promise<ConsumerOptionsWire> {
    const p = this.participant(id);
    // Only the producers of one's own room exist for a participant: a client
    // that stays behind after a move, or guesses ids, gets PRODUCER_NOT_FOUND.
    const owner = this.media.findProducer(producerId);
    if (owner && this.#participants.get(owner.peer.id as ParticipantId)?.room !== p.room) throw new ProducerNotFound(producerId);
    const consumer = await this.media.consume(p.media, producerId);
    const appData = consumer.appData as { peerId: string; source: MediaSource };
    return {
      id: consumer.id as ConsumerId,
      producerId: consumer.producerId as ProducerId,
      participantId: appData.peerId as ParticipantId,
      kind: consumer.kind,
      source: appData.source,
      rtpParameters: consumer.rtpParameters as RtpParametersWire,
      producerPaused: consumer.producerPaused,
      paused: consumer.paused,
    };
  }

  async setConsumerPaused(id: ParticipantId, consumerId: string, paused: boolean): Promise<void> {
    await this.participant(id).media.setConsumerPaused(consumerId, paused);
  }

  async setPreferredLayers(id: ParticipantId, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    await this.participant(id).media.setPreferredLayers(consumerId, spatialLayer, temporalLayer);
  }

  closeConsumer(id: ParticipantId, consumerId: string): void {
    this.participant(id).media.closeConsumer(consumerId);
  }

  transportsOf(id: ParticipantId): { send: TransportId | null; recv: TransportId | null } {
    return this.participant(id).media.transportIds;
  }

  // ---- chat, reactions, hand -------------------------------------------------

  sendChat(id: ParticipantId, text: string, to?: string): ChatMessage {
    const from = this.participant(id);
    if (Buffer.byteLength(text, 'utf8') > LIMITS.chatBytes) throw new ChatTooLarge(LIMITS.chatBytes);
    if (text.trim() === '') throw new InvalidRequest('empty message');
    let recipient: Participant | undefined;
    if (to !== undefined) {
      if (to === id) throw new InvalidRequest('a private message needs another participant');
      recipient = this.#participants.get(to as ParticipantId);
      // Private messages stay within a room too.
      if (!recipient || recipient.room !== from.room) throw new ParticipantNotFound(to);
    }
    const message: ChatMessage = {
      id: crypto.randomUUID() as MessageId,
      from: from.id,
      fromName: from.name,
      to: recipient?.id ?? null,
      toName: recipient?.name ?? null,
      text,
      sentAt: Date.now(),
    };
    this.#chat.push({ message, room: from.room });
    if (this.#chat.length > LIMITS.chatHistory) this.#chat.splice(0, this.#chat.length - LIMITS.chatHistory);
    this.emit('chat', message, from.room);
    return message;
  }

  react(id: ParticipantId, emoji: Reaction): void {
    const p = this.participant(id);
    this.emit('reaction', id, emoji, Date.now(), p.room);
  }

  setE2ee(id: ParticipantId, enabled: boolean): void {
    const p = this.participant(id);
    if (p.e2ee === enabled) return;
    p.e2ee = enabled;
    this.#updated(p);
  }

  setHand(id: ParticipantId, raised: boolean): void {
    const p = this.participant(id);
    if (raised === (p.handRaisedAt !== null)) return;
    p.handRaisedAt = raised ? Date.now() : null;
    this.#updated(p);
  }

  // ---- breakout rooms ---------------------------------------------------------

  /** Every room and who is in it, for everyone in the meeting. */
  breakoutState(): BreakoutState {
    const member = (p: Participant): RoomMember => ({ id: p.id, name: p.name, role: p.role });
    const all = [...this.#participants.values()];
    return {
      version: this.#breakouts.version,
      rooms: this.#breakouts.rooms.map((r) => ({ id: r.id, name: r.name, members: all.filter((p) => p.room === r.id).map(member) })),
      main: all.filter((p) => p.room === null).map(member),
      participantsChoose: this.#breakouts.participantsChoose,
      endsAt: this.#breakouts.endsAt,
    };
  }

  createRoom(by: ParticipantId, name: string | undefined): BreakoutRoom {
    this.#moderator(by);
    return { ...this.#breakouts.create(name) };
  }

  renameRoom(by: ParticipantId, roomId: string, name: string): void {
    this.#moderator(by);
    this.#breakouts.rename(roomId, name);
  }

  /** Removes a room; whoever is in it goes back to the main room. */
  removeRoom(by: ParticipantId, roomId: string): void {
    this.#moderator(by);
    const room = this.#breakouts.room(roomId);
    this.#moveMany(this.#inRoom(room.id).map((p) => [p, null]), 'room-removed');
    this.#breakouts.remove(room.id);
    this.#speakers.delete(groupOf(room.id));
    this.media.dropGroup(groupOf(room.id));
  }

  /** A moderator sends someone to a room (null: the main room). */
  assign(by: ParticipantId, id: ParticipantId, roomId: string | null): void {
    this.#moderator(by);
    const p = this.participant(id);
    this.#moveMany([[p, this.#roomKey(roomId)]], 'assigned');
  }

  /**
   * Spreads everyone who is in the main room and not a moderator over the
   * rooms, each to the room with the fewest people (so rooms end up even,
   * counting those already in them).
   */
  autoAssign(by: ParticipantId): number {
    this.#moderator(by);
    const rooms = this.#breakouts.rooms;
    if (rooms.length === 0) throw new InvalidRequest('create a breakout room first');
    const count = new Map(rooms.map((r) => [r.id, this.#inRoom(r.id).length]));
    const moves: [Participant, RoomId | null][] = [];
    const waiting = this.#inRoom(null)
      .filter((p) => p.role !== 'moderator')
      .sort((a, b) => a.joinedAt - b.joinedAt);
    for (const p of waiting) {
      const target = rooms.reduce((best, r) => (count.get(r.id)! < count.get(best.id)! ? r : best));
      count.set(target.id, count.get(target.id)! + 1);
      moves.push([p, target.id]);
    }
    return this.#moveMany(moves, 'auto-assigned');
  }

  /** Someone picks a room themself: moderators always (to visit), others only while participants may choose. */
  chooseRoom(id: ParticipantId, roomId: string | null): void {
    const p = this.participant(id);
    if (p.role !== 'moderator' && !this.#breakouts.participantsChoose) throw new RoomChoiceOff();
    this.#moveMany([[p, this.#roomKey(roomId)]], 'chose');
  }

  setRoomChoice(by: ParticipantId, participantsChoose: boolean): void {
    this.#moderator(by);
    if (this.#breakouts.participantsChoose === participantsChoose) return;
    this.#breakouts.participantsChoose = participantsChoose;
    this.#breakouts.touch();
  }

  /** Starts, replaces or (null) stops the timer of all rooms; at its end everyone returns to the main room. */
  setRoomTimer(by: ParticipantId, seconds: number | null): number | null {
    this.#moderator(by);
    return this.#breakouts.setTimer(seconds);
  }

  /** A moderator's message, shown in every room. */
  broadcastToRooms(by: ParticipantId, text: string): void {
    const mod = this.#moderator(by);
    if (Buffer.byteLength(text, 'utf8') > LIMITS.chatBytes) throw new ChatTooLarge(LIMITS.chatBytes);
    if (text.trim() === '') throw new InvalidRequest('empty message');
    this.emit('breakoutMessage', mod.name, text, Date.now());
  }

  /** Sends a room's people back to the main room; the room stays for later. */
  closeRoom(by: ParticipantId, roomId: string): number {
    this.#moderator(by);
    const room = this.#breakouts.room(roomId);
    return this.#moveMany(this.#inRoom(room.id).map((p) => [p, null]), 'room-closed');
  }

  /** Everyone back to the main room at once; the timer stops. */
  closeAllRooms(by: ParticipantId): number {
    this.#moderator(by);
    this.#breakouts.setTimer(null);
    return this.#returnEveryone('all-closed');
  }

  #returnEveryone(reason: MoveReason): number {
    return this.#moveMany(
      [...this.#participants.values()].filter((p) => p.room !== null).map((p) => [p, null]),
      reason,
    );
  }

  #roomKey(roomId: string | null): RoomId | null {
    return roomId === null ? null : this.#breakouts.room(roomId).id;
  }

  /**
   * Moves people between rooms, all state first and then one `moved` batch.
   * Media is re-routed here, not by the client: each mover loses its
   * consumers of the room it left and the people there lose theirs of it;
   * its own producers and transports stay, so it keeps its mute state and
   * needs no new connection. It then consumes the new room's producers.
   */
  #moveMany(list: [Participant, RoomId | null][], reason: MoveReason): number {
    const moves: Move[] = [];
    for (const [p, to] of list) {
      if (p.room === to || !this.#participants.has(p.id)) continue;
      const from = p.room;
      p.room = to;
      moves.push({ id: p.id, from, to, reason });
      if (this.#speakers.get(groupOf(from)) === p.id) this.#setSpeaker(from, null);
    }
    if (moves.length === 0) return 0;
    this.#closeCrossRoomConsumers();
    for (const move of moves) {
      const p = this.participant(move.id);
      this.media.setGroup(p.media, groupOf(p.room)).catch((error: unknown) => this.#log.warn({ err: error }, 'active speaker regrouping failed'));
    }
    this.emit('moved', moves);
    this.#breakouts.touch();
    return moves.length;
  }

  /**
   * One pass over every consumer once the batch is placed: whatever now
   * consumes a producer of another room is closed, which covers both
   * directions of every move (movers' consumers of the room they left, and
   * that room's consumers of them).
   */
  #closeCrossRoomConsumers(): void {
    for (const holder of this.#participants.values()) {
      for (const [cid, consumer] of [...holder.media.consumers]) {
        const owner = this.#participants.get((consumer.appData as { peerId: string }).peerId as ParticipantId);
        if (owner && owner.room === holder.room) continue;
        try {
          holder.media.closeConsumer(cid);
        } catch {
          continue; // already gone
        }
        this.emit('consumerClosed', holder.id, cid);
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#participants.values()) clearTimeout(p.leaveTimer);
    clearTimeout(this.#promotionTimer);
    this.#participants.clear();
    this.#breakouts.close();
    this.media.close();
    this.emit('closed');
    this.removeAllListeners();
  }

  #watchPeer(p: Participant): void {
    const peer = p.media;
    peer.on('producerClosed', () => {
      if (this.#participants.get(p.id) === p) this.#updated(p);
    });
    peer.on('consumerClosed', (cid) => this.emit('consumerClosed', p.id, cid));
    peer.on('consumerPaused', (cid, paused) => this.emit('consumerPaused', p.id, cid, paused));
    peer.on('consumerLayers', (cid, layer) => this.emit('consumerLayers', p.id, cid, layer));
  }
}
