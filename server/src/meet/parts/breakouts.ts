import type { BreakoutState, MoveReason, ParticipantId, RoomId, RoomMember } from '@parley/protocol';
import { LIMITS } from '@parley/protocol';
import { groupOf, type MeetingCore, type Move } from '../core.ts';
import { TalkTooLarge, InvalidRequest, RoomChoiceOff } from '../errors.ts';
import { BreakoutSet, type BreakoutRoom } from '../Breakouts.ts';
import type { Participant } from '../Participant.ts';
import type { MeetingMediaPart } from './media.ts';

/**
 * Breakout rooms: the rooms and their timer (a BreakoutSet), who is in which
 * room, and moving people between them with their media.
 */
export class BreakoutRooms {
  readonly #core: MeetingCore;
  readonly #media: MeetingMediaPart;
  readonly #set = new BreakoutSet();

  constructor(core: MeetingCore, media: MeetingMediaPart) {
    this.#core = core;
    this.#media = media;
    this.#set.onListenerError = (error, event) => core.log.error({ err: error, event }, 'breakout listener failed');
    this.#set.on('changed', () => core.emit('breakoutState', this.state()));
    this.#set.on('ending', (endsAt) => core.emit('breakoutEnding', endsAt));
    this.#set.on('ended', () => this.#returnEveryone('timer'));
  }

  /** Someone came, went or changed role: the overview of rooms (which lists the main room too) is sent again. */
  peopleChanged(): void {
    if (this.#set.rooms.length > 0) this.#set.touch();
  }

  /** Every room and who is in it, for everyone in the meeting. */
  state(): BreakoutState {
    const member = (p: Participant): RoomMember => ({ id: p.id, name: p.name, role: p.role });
    const all = [...this.#core.roster.values()];
    return {
      version: this.#set.version,
      rooms: this.#set.rooms.map((r) => ({ id: r.id, name: r.name, members: all.filter((p) => p.room === r.id).map(member) })),
      main: all.filter((p) => p.room === null).map(member),
      participantsChoose: this.#set.participantsChoose,
      endsAt: this.#set.endsAt,
    };
  }

  create(by: ParticipantId, name: string | undefined): BreakoutRoom {
    this.#core.moderator(by);
    return { ...this.#set.create(name) };
  }

  rename(by: ParticipantId, roomId: string, name: string): void {
    this.#core.moderator(by);
    this.#set.rename(roomId, name);
  }

  /** Removes a room; whoever is in it goes back to the main room. */
  remove(by: ParticipantId, roomId: string): void {
    this.#core.moderator(by);
    const room = this.#set.room(roomId);
    this.#moveMany(this.#core.inRoom(room.id).map((p) => [p, null]), 'room-removed');
    this.#set.remove(room.id);
    this.#core.forgetRoom(room.id);
    this.#core.sfu.dropGroup(groupOf(room.id));
  }

  /** A moderator sends someone to a room (null: the main room). */
  assign(by: ParticipantId, id: ParticipantId, roomId: string | null): void {
    this.#core.moderator(by);
    const p = this.#core.participant(id);
    this.#moveMany([[p, this.#roomKey(roomId)]], 'assigned');
  }

  /**
   * Spreads everyone who is in the main room and not a moderator over the
   * rooms, each to the room with the fewest people (so rooms end up even,
   * counting those already in them).
   */
  autoAssign(by: ParticipantId): number {
    this.#core.moderator(by);
    const rooms = this.#set.rooms;
    if (rooms.length === 0) throw new InvalidRequest('create a breakout room first');
    const count = new Map(rooms.map((r) => [r.id, this.#core.inRoom(r.id).length]));
    const moves: [Participant, RoomId | null][] = [];
    const waiting = this.#core
      .inRoom(null)
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
  choose(id: ParticipantId, roomId: string | null): void {
    const p = this.#core.participant(id);
    if (p.role !== 'moderator' && !this.#set.participantsChoose) throw new RoomChoiceOff();
    this.#moveMany([[p, this.#roomKey(roomId)]], 'chose');
  }

  setChoice(by: ParticipantId, participantsChoose: boolean): void {
    this.#core.moderator(by);
    if (this.#set.participantsChoose === participantsChoose) return;
    this.#set.participantsChoose = participantsChoose;
    this.#set.touch();
  }

  /** Starts, replaces or (null) stops the timer of all rooms; at its end everyone returns to the main room. */
  setTimer(by: ParticipantId, seconds: number | null): number | null {
    this.#core.moderator(by);
    return this.#set.setTimer(seconds);
  }

  /** A moderator's message, shown in every room. */
  broadcast(by: ParticipantId, text: string): void {
    const mod = this.#core.moderator(by);
    if (Buffer.byteLength(text, 'utf8') > LIMITS.talkBytes) throw new TalkTooLarge(LIMITS.talkBytes);
    if (text.trim() === '') throw new InvalidRequest('empty message');
    this.#core.emit('breakoutMessage', mod.name, text, Date.now());
  }

  /** Sends a room's people back to the main room; the room stays for later. */
  close(by: ParticipantId, roomId: string): number {
    this.#core.moderator(by);
    const room = this.#set.room(roomId);
    return this.#moveMany(this.#core.inRoom(room.id).map((p) => [p, null]), 'room-closed');
  }

  /** Everyone back to the main room at once; the timer stops. */
  closeAll(by: ParticipantId): number {
    this.#core.moderator(by);
    this.#set.setTimer(null);
    return this.#returnEveryone('all-closed');
  }

  /** The meeting closed: timers stop. */
  dispose(): void {
    this.#set.close();
  }

  #returnEveryone(reason: MoveReason): number {
    return this.#moveMany(
      [...this.#core.roster.values()].filter((p) => p.room !== null).map((p) => [p, null]),
      reason,
    );
  }

  #roomKey(roomId: string | null): RoomId | null {
    return roomId === null ? null : this.#set.room(roomId).id;
  }

  /**
   * Moves people between rooms, all state first and then one `moved` batch.
   * Media is re-routed here, not by the client: each mover loses its
   * consumers of the room it left and the people there lose theirs of it;
   * its own producers and transports stay, so it keeps its mute state and
   * needs no new connection. It then consumes the new room's producers.
   */
  #moveMany(list: [Participant, RoomId | null][], reason: MoveReason): number {
    const core = this.#core;
    const moves: Move[] = [];
    for (const [p, to] of list) {
      if (p.room === to || !core.roster.has(p.id)) continue;
      const from = p.room;
      p.room = to;
      moves.push({ id: p.id, from, to, reason });
      core.hush(from, p.id);
    }
    if (moves.length === 0) return 0;
    this.#media.closeCrossRoomConsumers();
    for (const move of moves) {
      const p = core.participant(move.id);
      core.sfu.setGroup(p.media, groupOf(p.room)).catch((error: unknown) => core.log.warn({ err: error }, 'active speaker regrouping failed'));
    }
    core.emit('moved', moves);
    this.#set.touch();
    return moves.length;
  }
}
