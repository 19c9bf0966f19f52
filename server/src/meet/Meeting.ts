import type { Logger } from 'pino';
import {
  LIMITS,
  TypedEmitter,
  type LeaveReason,
  type MeetingId,
  type MeetingSettings,
  type MeetingSnapshot,
  type ParticipantId,
  type Role,
  type RoomId,
} from '@parley/protocol';
import { groupOf, type MeetingCore, type MeetingEvents, type RoleReason } from './core.ts';
import { MeetingFull, MeetingNotFound, NotModerator, ParticipantNotFound } from './errors.ts';
import { InvalidRequest } from '../lib/errors.ts';
import { visibleText } from '../lib/names.ts';
import { Participant } from './Participant.ts';
import { BreakoutRooms } from './parts/breakouts.ts';
import { Door } from './parts/door.ts';
import { MeetingMediaPart } from './parts/media.ts';
import { Moderation } from './parts/moderation.ts';
import { Talk } from './parts/talk.ts';
import { Drawing } from './parts/drawing.ts';
import type { SfuPeer, SfuRoom } from './sfu-port.ts';
import type { MeetingRecord, StoredSettings } from '../store/meetings.ts';

export { Participant } from './Participant.ts';
export type { MeetingEvents, Move } from './core.ts';
export type { SettingsPatch } from './parts/moderation.ts';

export interface MeetingOptions {
  /** How long a dropped participant keeps its place. */
  resumeWindowMs: number;
  maxParticipants: number;
}

/**
 * One live meeting. The core holds who is in it (the roster), its settings,
 * roles and the active speaker, and emits what changes; the parts hold the
 * rest, each behind a narrow view of the core (MeetingCore):
 * - `door`: waiting room, password, removed people, reloads coming back;
 * - `moderation`: roles, removal, muting, settings;
 * - `media`: transports, producers, consumers (through the SFU port);
 * - `breakouts`: breakout rooms and moves between them;
 * - `talk`: in-meeting chat, reactions, hands;
 * - `drawing`: strokes on shared screens and the rooms' whiteboards.
 * The gateway only translates sockets into these calls and these events
 * into socket messages. Identity (`pid`) always comes from a verified token.
 */
export class Meeting extends TypedEmitter<MeetingEvents> {
  readonly id: MeetingId;
  readonly title: string;
  readonly createdAt: number;
  /** The organization it belongs to, if any (its plan decides about live streaming). */
  readonly orgId: string | null;
  readonly door: Door;
  readonly moderation: Moderation;
  readonly media: MeetingMediaPart;
  readonly breakouts: BreakoutRooms;
  readonly talk: Talk;
  readonly drawing: Drawing;
  readonly #sfu: SfuRoom;
  readonly #opts: MeetingOptions;
  readonly #participants = new Map<ParticipantId, Participant>();
  /** Who speaks in each room (key: room id, '' for the main room). */
  readonly #speakers = new Map<string, ParticipantId>();
  /** The last moderator's page went away: who takes over is decided once the resume window has passed. */
  #promotionTimer: NodeJS.Timeout | undefined;
  #settings: MeetingSettings;
  /** Joins in flight keep an empty meeting from closing under them. */
  #joining = 0;
  #closed = false;

  constructor(record: MeetingRecord, sfu: SfuRoom, opts: MeetingOptions, log: Logger) {
    super();
    this.id = record.id;
    this.title = record.title;
    this.createdAt = record.createdAt;
    this.orgId = record.orgId ?? null;
    this.#sfu = sfu;
    this.#opts = opts;
    // What moderators set last time holds: the door stays as they left it.
    const kept = record.settings;
    const meeting = this;
    const core: MeetingCore = {
      id: record.id,
      log,
      sfu,
      get closed() {
        return meeting.#closed;
      },
      roster: this.#participants,
      get settings() {
        return meeting.#settings;
      },
      setSettings: (next) => {
        this.#settings = next;
        this.emit('settings', this.settings);
      },
      participant: (id) => this.participant(id),
      moderator: (by) => this.requireModerator(by),
      inRoom: (room) => this.#inRoom(room),
      emit: (event, ...args) => this.emit(event, ...args),
      updated: (p) => this.#updated(p),
      setRole: (p, role, reason) => this.#setRole(p, role, reason),
      keepAModerator: (leaving) => this.#keepAModerator(leaving),
      leave: (id, reason) => this.leave(id, reason),
      hush: (room, id) => {
        if (this.#speakers.get(groupOf(room)) === id) this.#setSpeaker(room, null);
      },
      forgetRoom: (room) => this.#speakers.delete(groupOf(room)),
      closeIfEmpty: () => this.#closeIfEmpty(),
    };
    this.door = new Door(core, opts.resumeWindowMs, kept?.passwordHash ?? null);
    this.media = new MeetingMediaPart(core);
    this.moderation = new Moderation(core, this.door, this.media);
    this.breakouts = new BreakoutRooms(core, this.media);
    this.talk = new Talk(core);
    this.drawing = new Drawing(core);
    this.#settings = {
      waitingRoom: kept?.waitingRoom ?? record.waitingRoom ?? false,
      passwordSet: this.door.passwordSet,
      passwordSkipsWaitingRoom: kept?.passwordSkipsWaitingRoom ?? true,
      startMuted: kept?.startMuted ?? false,
      startCameraOff: kept?.startCameraOff ?? false,
      reactionSounds: kept?.reactionSounds ?? true,
      audioModeration: kept?.audioModeration ?? false,
      videoModeration: kept?.videoModeration ?? false,
      followMe: false,
      layoutPush: 0,
      recordLayout: false,
      layout: { mode: 'stage', pinned: null },
    };
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'meeting listener failed');
    sfu.on('activeSpeaker', (group, peerId) => {
      const id = peerId as ParticipantId | null;
      // A late report about someone who has just changed rooms is dropped.
      if (id !== null && groupOf(this.#participants.get(id)?.room ?? null) !== group) return;
      this.#setSpeaker(group === '' ? null : (group as RoomId), id);
    });
    sfu.on('peerReset', (peer) => {
      const p = this.#participants.get(peer.id as ParticipantId);
      if (!p) return;
      this.emit('mediaReset', p.id);
      this.#updated(p);
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

  /** The caller, if it is a moderator of this meeting (NOT_MODERATOR otherwise). */
  requireModerator(by: ParticipantId): Participant {
    const p = this.participant(by);
    if (p.role !== 'moderator') throw new NotModerator();
    return p;
  }

  get settings(): MeetingSettings {
    return { ...this.#settings, layout: { ...this.#settings.layout } };
  }

  /** What of the settings is kept with the meeting's record (emitted as `settings` changes). */
  storedSettings(): StoredSettings {
    const s = this.#settings;
    return {
      waitingRoom: s.waitingRoom,
      passwordHash: this.door.passwordHash(),
      passwordSkipsWaitingRoom: s.passwordSkipsWaitingRoom,
      startMuted: s.startMuted,
      startCameraOff: s.startCameraOff,
      reactionSounds: s.reactionSounds,
      audioModeration: s.audioModeration,
      videoModeration: s.videoModeration,
    };
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
    const back = this.door.takeReturning(who.id);
    this.#joining += 1;
    let peer: SfuPeer;
    try {
      // The moderator link always enters, and so does a reloaded page; everyone else passes the door.
      if (!who.moderator && !back) await this.door.pass(who.id, who.device ?? null, entry);
      this.door.entered(who.id);
      peer = await this.#sfu.addPeer(who.id);
    } catch (error) {
      // Ended for everyone meanwhile: that is what this joiner is told.
      const ended = this.#closed;
      // A first joiner who could not be placed must not leave an empty meeting open forever.
      this.#joining -= 1;
      this.#closeIfEmpty();
      throw ended ? new MeetingNotFound() : error;
    }
    this.#joining -= 1;
    if (this.#closed) throw new MeetingNotFound();
    // Two joins for one participant in flight at once (a double submit, two
    // tabs reloading): the first one in created it, this one resumes it.
    const raced = this.#participants.get(who.id);
    if (raced) return { participant: this.#resume(raced, sessionId), resumed: true };
    // The creator (moderator token) is moderator, and so is a moderator whose
    // page reloaded; without either, whoever finds the meeting empty is.
    const role: Role = who.moderator || back?.role === 'moderator' || this.#participants.size === 0 ? 'moderator' : 'participant';
    const participant = new Participant(who.id, back?.name ?? who.name, role, sessionId, peer, who.device ?? null);
    participant.startOff.audio = this.#settings.startMuted && role !== 'moderator';
    participant.startOff.video = this.#settings.startCameraOff && role !== 'moderator';
    this.#participants.set(who.id, participant);
    this.media.watch(participant);
    this.emit('participantJoined', participant.info(), null);
    this.breakouts.peopleChanged();
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

  /** A new name for oneself (cleaned as at the door); answers it as shown. */
  rename(id: ParticipantId, name: string): string {
    const p = this.participant(id);
    const clean = visibleText(name, LIMITS.nameChars);
    if (!clean) throw new InvalidRequest('name must contain visible characters');
    if (clean === p.name) return clean;
    p.name = clean;
    this.#updated(p);
    this.breakouts.peopleChanged();
    return clean;
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
    this.#sfu.removePeer(id);
    if (this.#speakers.get(groupOf(p.room)) === id) this.#setSpeaker(p.room, null);
    this.emit('participantLeft', id, reason, p.room);
    this.breakouts.peopleChanged();
    if (opts.mayReturn) this.door.rememberReturning(id, p.role, p.name);
    if (p.role === 'moderator') {
      if (opts.mayReturn) this.#promoteLater();
      else this.#keepAModerator();
    }
    this.#closeIfEmpty();
  }

  /**
   * A moderator ends the meeting for everyone, as in Jitsi: the people in it
   * and in the waiting room are told who ended it, then it closes (which
   * stops its recording and live stream). The link opens a new meeting later.
   */
  end(by: ParticipantId): void {
    const mod = this.requireModerator(by);
    this.emit('ended', mod.name, this.door.listFor(by).map((k) => k.id));
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#participants.values()) clearTimeout(p.leaveTimer);
    clearTimeout(this.#promotionTimer);
    this.#participants.clear();
    this.breakouts.dispose();
    this.#sfu.close();
    this.emit('closed');
    this.removeAllListeners();
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
    if (this.#participants.size === 0 && this.#joining === 0 && this.door.waiting === 0) this.close();
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

  #setRole(p: Participant, role: Role, reason: RoleReason): void {
    if (p.role === role) return;
    p.role = role;
    this.#updated(p);
    this.breakouts.peopleChanged();
    this.emit('roleChanged', p.id, role, reason);
  }
}
