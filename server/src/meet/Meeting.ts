import crypto from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import {
  LIMITS,
  TypedEmitter,
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
  type ParticipantId,
  type ParticipantInfo,
  type PayloadOf,
  type ProducerId,
  type Reaction,
  type Role,
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
  TooManyTries,
  WaitingRoom,
  WrongPassword,
} from './errors.ts';
import { Lobby } from './Lobby.ts';
import { MeetingPassword } from './password.ts';
import type { MeetingRecord } from '../store/meetings.ts';

export interface MeetingEvents {
  participantJoined: [info: ParticipantInfo];
  participantUpdated: [info: ParticipantInfo];
  participantLeft: [id: ParticipantId, reason: LeaveReason];
  activeSpeaker: [id: ParticipantId | null];
  chat: [message: ChatMessage];
  reaction: [id: ParticipantId, emoji: Reaction, at: number];
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
  readonly #chat: ChatMessage[] = [];
  #activeSpeaker: ParticipantId | null = null;
  readonly #lobby = new Lobby();
  readonly #password = new MeetingPassword();
  /** Removed by a moderator (`p:` participant ids, `d:` device cookies): back only through the waiting room. */
  readonly #kicked = new Set<string>();
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
    this.#settings = {
      waitingRoom: record.waitingRoom ?? false,
      passwordSet: false,
      passwordSkipsWaitingRoom: true,
      startMuted: false,
      startCameraOff: false,
      reactionSounds: true,
      audioModeration: false,
      videoModeration: false,
      followMe: false,
      layout: { mode: 'stage', pinned: null },
    };
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'meeting listener failed');
    media.on('activeSpeaker', (peerId) => {
      const id = peerId as ParticipantId | null;
      if (id === this.#activeSpeaker) return;
      this.#activeSpeaker = id;
      this.emit('activeSpeaker', id);
    });
    media.on('peerReset', (peer) => {
      const p = this.#participants.get(peer.id as ParticipantId);
      if (!p) return;
      this.emit('mediaReset', p.id);
      this.emit('participantUpdated', p.info());
    });
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

  /** The waiting list, for moderators only. */
  lobbyFor(id: ParticipantId): Knocker[] {
    return this.#participants.get(id)?.role === 'moderator' ? this.#lobby.list() : [];
  }

  snapshot(): MeetingSnapshot {
    return {
      id: this.id,
      title: this.title,
      participants: [...this.#participants.values()].map((p) => p.info()),
      activeSpeakerId: this.#activeSpeaker,
    };
  }

  /** Public messages and this participant's own private ones, oldest first. */
  chatFor(id: ParticipantId): ChatMessage[] {
    return this.#chat.filter((m) => m.to === null || m.to === id || m.from === id);
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
    this.#joining += 1;
    try {
      // The moderator link always enters; everyone else passes the door.
      if (!who.moderator) await this.#door(who.id, who.device ?? null, entry);
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
    // The creator (moderator token) is moderator; without one, whoever finds
    // the meeting empty is.
    const role: Role = who.moderator || this.#participants.size === 0 ? 'moderator' : 'participant';
    const participant = new Participant(who.id, who.name, role, sessionId, peer, who.device ?? null);
    participant.startOff.audio = this.#settings.startMuted && role !== 'moderator';
    participant.startOff.video = this.#settings.startCameraOff && role !== 'moderator';
    this.#participants.set(who.id, participant);
    this.#watchPeer(participant);
    this.emit('participantJoined', participant.info());
    return { participant, resumed: false };
  }

  #resume(p: Participant, sessionId: string): Participant {
    clearTimeout(p.leaveTimer);
    p.leaveTimer = undefined;
    const old = p.sessionId;
    p.sessionId = sessionId;
    p.connection = 'connected';
    if (old !== sessionId) this.emit('sessionReplaced', p.id, old);
    this.emit('participantUpdated', p.info());
    return p;
  }

  /** The participant's socket dropped: keep its place for the resume window. */
  disconnected(id: ParticipantId, sessionId: string): void {
    const p = this.#participants.get(id);
    if (!p || p.sessionId !== sessionId || p.connection === 'reconnecting') return;
    p.connection = 'reconnecting';
    this.emit('participantUpdated', p.info());
    p.leaveTimer = setTimeout(() => this.leave(id, 'timeout'), this.#opts.resumeWindowMs);
    p.leaveTimer.unref?.();
  }

  leave(id: ParticipantId, reason: LeaveReason): void {
    const p = this.#participants.get(id);
    if (!p) return;
    clearTimeout(p.leaveTimer);
    this.#participants.delete(id);
    this.media.removePeer(id);
    if (this.#activeSpeaker === id) {
      this.#activeSpeaker = null;
      this.emit('activeSpeaker', null);
    }
    this.emit('participantLeft', id, reason);
    if (p.role === 'moderator') this.#keepAModerator();
    this.#closeIfEmpty();
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
    this.emit('participantUpdated', p.info());
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
  knock(who: { id: ParticipantId; name: string; device?: string | null }, sessionId: string): void {
    if (this.#closed) throw new MeetingNotFound();
    if (this.#participants.has(who.id)) throw new InvalidRequest('already in the meeting');
    const kicked = this.#isKicked(who.id, who.device ?? null);
    if (kicked && this.#password.isSet && !this.#settings.waitingRoom) throw new Kicked();
    if (!this.#settings.waitingRoom && !kicked && !this.#password.isSet) {
      this.#lobby.admit(who.id);
      this.emit('admitted', who.id);
      return;
    }
    const { knocker, fresh } = this.#lobby.knock(who.id, who.name, sessionId, who.device ?? null);
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

  kick(by: ParticipantId, id: ParticipantId, reason: string | undefined): void {
    const mod = this.#moderator(by);
    if (id === by) throw new InvalidRequest('you cannot kick yourself (leave instead)');
    const target = this.participant(id);
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
    this.emit('participantUpdated', p.info());
    if (!allowed && this.#isModerated(kind)) await this.#pauseSources(p, MODERATED_SOURCES[kind], kind, mod.name, 'moderator');
  }

  /** A request, never a remote unmute: the participant is allowed (if moderated) and asked; they unmute themself. */
  askToUnmute(by: ParticipantId, id: ParticipantId, kind: MediaKind): void {
    const mod = this.#moderator(by);
    const p = this.participant(id);
    if (!p.allowed[kind]) {
      p.allowed[kind] = true;
      this.emit('participantUpdated', p.info());
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
            this.emit('participantUpdated', p.info());
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
        changed = true;
      }
    }
    if (changed || reason === 'moderator') this.emit('muted', p.id, kind, by, reason);
    if (changed) this.emit('participantUpdated', p.info());
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
    this.emit('participantUpdated', p.info());
    this.media.observeProducer(p.media, producer).catch((error: unknown) => this.#log.warn({ err: error }, 'active speaker observation failed'));
    return producer.id as ProducerId;
  }

  closeProducer(id: ParticipantId, producerId: string): void {
    const p = this.participant(id);
    p.media.closeProducer(producerId);
    this.emit('participantUpdated', p.info());
  }

  async setProducerPaused(id: ParticipantId, producerId: string, paused: boolean): Promise<void> {
    const p = this.participant(id);
    const producer = p.media.producers.get(producerId as ProducerId);
    if (!paused && producer && !this.#mayUnmute(p, producer.appData.source)) throw new Moderated(kindOfSource(producer.appData.source));
    await p.media.setProducerPaused(producerId, paused);
    this.emit('participantUpdated', p.info());
  }

  async consume(id: ParticipantId, producerId: string): Promise<ConsumerOptionsWire> {
    const p = this.participant(id);
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
      recipient = this.participant(to as ParticipantId);
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
    this.#chat.push(message);
    if (this.#chat.length > LIMITS.chatHistory) this.#chat.splice(0, this.#chat.length - LIMITS.chatHistory);
    this.emit('chat', message);
    return message;
  }

  react(id: ParticipantId, emoji: Reaction): void {
    this.participant(id);
    this.emit('reaction', id, emoji, Date.now());
  }

  setE2ee(id: ParticipantId, enabled: boolean): void {
    const p = this.participant(id);
    if (p.e2ee === enabled) return;
    p.e2ee = enabled;
    this.emit('participantUpdated', p.info());
  }

  setHand(id: ParticipantId, raised: boolean): void {
    const p = this.participant(id);
    if (raised === (p.handRaisedAt !== null)) return;
    p.handRaisedAt = raised ? Date.now() : null;
    this.emit('participantUpdated', p.info());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#participants.values()) clearTimeout(p.leaveTimer);
    this.#participants.clear();
    this.media.close();
    this.emit('closed');
    this.removeAllListeners();
  }

  #watchPeer(p: Participant): void {
    const peer = p.media;
    peer.on('producerClosed', () => {
      if (this.#participants.get(p.id) === p) this.emit('participantUpdated', p.info());
    });
    peer.on('consumerClosed', (cid) => this.emit('consumerClosed', p.id, cid));
    peer.on('consumerPaused', (cid, paused) => this.emit('consumerPaused', p.id, cid, paused));
    peer.on('consumerLayers', (cid, layer) => this.emit('consumerLayers', p.id, cid, layer));
  }
}
