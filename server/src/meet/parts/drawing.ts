import { BOARD, DRAW_LIMITS, type DrawingState, type DrawSurface, type ParticipantId, type PayloadOf, type ProducerId, type RoomId, type Stroke } from '@parley/protocol';
import { groupOf, type MeetingCore } from '../core.ts';
import { InvalidRequest, MayNotDraw, SurfaceNotFound } from '../errors.ts';
import type { Participant } from '../Participant.ts';

interface Kept {
  stroke: Stroke;
  /** When its last points came: a fading stroke is gone DRAW_LIMITS.fadeMs later. */
  lastAt: number;
}

interface RoomDrawing {
  board: boolean;
  surfaces: Map<DrawSurface, Kept[]>;
}

/** 1/10000 of the surface is finer than any screen's pixel and keeps messages short. */
const quantize = (v: number) => Math.round(v * 10_000) / 10_000;

/**
 * Drawing on shared screens and on each room's whiteboard, as kMeet offers:
 * strokes live in memory with the meeting, per room and surface, bounded in
 * number and length. A screen's drawings exist while that share does (a new
 * share starts blank); the whiteboard's while a moderator keeps it open.
 * Who may draw on a screen: its sharer, moderators, and the participants a
 * moderator or a sharer allowed. Everyone in the room draws on the board.
 */
export class Drawing {
  readonly #core: MeetingCore;
  readonly #rooms = new Map<string, RoomDrawing>();
  readonly #drawers = new Set<ParticipantId>();

  constructor(core: MeetingCore) {
    this.#core = core;
  }

  /** The drawings of `id`'s room, as a newcomer (or a mover) needs them. */
  stateFor(id: ParticipantId): DrawingState {
    return this.roomState(this.#core.participant(id).room);
  }

  /** The drawings of one room (null: the main room, what recordings show). */
  roomState(room: RoomId | null): DrawingState {
    this.#prune();
    const r = this.#rooms.get(groupOf(room));
    return {
      board: r?.board ?? false,
      drawers: this.#drawerList(),
      surfaces: r ? [...r.surfaces].map(([surface, kept]) => ({ surface, strokes: kept.map((k) => k.stroke) })) : [],
    };
  }

  stroke(id: ParticipantId, input: PayloadOf<'draw:stroke'>): void {
    const p = this.#core.participant(id);
    const surface = input.surface as DrawSurface;
    this.#mayDraw(p, surface);
    if (input.points.length % 2 !== 0) throw new InvalidRequest('points come in x, y pairs');
    if (input.tool === 'arrow' && input.points.length !== 4) throw new InvalidRequest('an arrow is its two ends: four values');
    this.#prune();
    const room = this.#roomOf(p.room);
    const kept = room.surfaces.get(surface) ?? [];
    room.surfaces.set(surface, kept);
    const points = input.points.map(quantize);
    const now = Date.now();
    const mine = kept.find((k) => k.stroke.by === id && k.stroke.id === input.id);
    if (mine) {
      const s = mine.stroke;
      if (s.tool !== input.tool || s.color !== input.color || s.fade !== input.fade) throw new InvalidRequest('a stroke keeps its tool, colour and fading');
      if (s.tool === 'arrow') s.points = points;
      else {
        if (s.points.length + points.length > DRAW_LIMITS.valuesPerStroke) throw new InvalidRequest('this stroke is long enough: start a new one');
        s.points.push(...points);
      }
      mine.lastAt = now;
    } else {
      kept.push({ stroke: { id: input.id, by: id, tool: input.tool, color: input.color, fade: input.fade, points: [...points] }, lastAt: now });
    }
    // The oldest strokes make room: drawing goes on, memory (and what a newcomer receives) stays bounded.
    let values = kept.reduce((n, k) => n + k.stroke.points.length, 0);
    while (kept.length > 1 && (kept.length > DRAW_LIMITS.strokesPerSurface || values > DRAW_LIMITS.valuesPerSurface)) {
      const old = kept.shift()!.stroke;
      values -= old.points.length;
      this.#core.emit('drawRemoved', p.room, surface, old.by, old.id);
    }
    this.#core.emit('drawStroke', p.room, surface, { id: input.id, by: id, tool: input.tool, color: input.color, fade: input.fade, points }, id);
  }

  /** Takes back `id`'s latest stroke on the surface (nothing to take back: nothing happens). */
  undo(id: ParticipantId, surface: DrawSurface): void {
    const p = this.#core.participant(id);
    this.#live(p, surface);
    this.#prune();
    const kept = this.#rooms.get(groupOf(p.room))?.surfaces.get(surface);
    if (!kept) return;
    const i = kept.findLastIndex((k) => k.stroke.by === id);
    if (i < 0) return;
    const [gone] = kept.splice(i, 1);
    this.#core.emit('drawRemoved', p.room, surface, id, gone!.stroke.id);
  }

  /** Everyone's strokes for the screen's sharer and moderators; one's own for anyone else. */
  clear(id: ParticipantId, surface: DrawSurface): void {
    const p = this.#core.participant(id);
    const owner = this.#live(p, surface);
    this.#prune();
    const all = p.role === 'moderator' || owner === p.id;
    const room = this.#rooms.get(groupOf(p.room));
    const kept = room?.surfaces.get(surface);
    if (!room || !kept) return;
    if (all) room.surfaces.delete(surface);
    else room.surfaces.set(surface, kept.filter((k) => k.stroke.by !== id));
    this.#core.emit('drawCleared', p.room, surface, all ? null : id);
  }

  /**
   * A moderator, or someone showing their screen now, lets `target` draw on
   * shared screens (or stops them). A sharer acts on the people of their own
   * room, never on themselves (a paused screen, which video moderation may
   * leave to anyone, shows nothing and grants nothing).
   */
  allow(by: ParticipantId, target: ParticipantId, allowed: boolean): void {
    const p = this.#core.participant(by);
    if (p.role !== 'moderator' && !this.#sharing(p)) throw new MayNotDraw();
    if (target === by) throw new InvalidRequest('one cannot allow oneself to draw');
    const t = this.#core.participant(target);
    if (p.role !== 'moderator' && t.room !== p.room) throw new MayNotDraw();
    if (allowed === this.#drawers.has(target)) return;
    if (allowed) {
      this.#forgetGone();
      if (this.#drawers.size >= DRAW_LIMITS.drawers) throw new InvalidRequest(`at most ${DRAW_LIMITS.drawers} people may be allowed to draw`);
      this.#drawers.add(target);
    } else this.#drawers.delete(target);
    // Every room hears it: the list is the meeting's, the board each room's own.
    const rooms = new Set([...this.#core.roster.values()].map((x) => x.room));
    for (const room of rooms) this.#core.emit('drawMeta', room, this.#rooms.get(groupOf(room))?.board ?? false, this.#drawerList());
  }

  /** A moderator opens or closes the whiteboard of the room they are in; a closed board is wiped. */
  setBoard(by: ParticipantId, open: boolean): void {
    const p = this.#core.moderator(by);
    const room = this.#roomOf(p.room);
    if (room.board === open) return;
    room.board = open;
    if (!open) room.surfaces.delete(BOARD);
    this.#core.emit('drawMeta', p.room, open, this.#drawerList());
  }

  #drawerList(): ParticipantId[] {
    return [...this.#drawers].filter((d) => this.#core.roster.has(d));
  }

  #forgetGone(): void {
    for (const d of this.#drawers) if (!this.#core.roster.has(d)) this.#drawers.delete(d);
  }

  #roomOf(room: RoomId | null): RoomDrawing {
    const key = groupOf(room);
    let r = this.#rooms.get(key);
    if (!r) {
      r = { board: false, surfaces: new Map() };
      this.#rooms.set(key, r);
    }
    return r;
  }

  #sharing(p: Participant): boolean {
    return [...p.media.producers.values()].some((x) => !x.closed && !x.paused && x.appData.source === 'screen');
  }

  /**
   * The surface exists in `p`'s room: the board is open, or the screen is
   * shared there now. Answers the screen's sharer (null for the board).
   */
  #live(p: Participant, surface: DrawSurface): ParticipantId | null {
    if (surface === BOARD) {
      if (!this.#rooms.get(groupOf(p.room))?.board) throw new SurfaceNotFound(surface);
      return null;
    }
    const producerId = surface.slice('screen:'.length) as ProducerId;
    for (const other of this.#core.roster.values()) {
      if (other.room !== p.room) continue;
      const producer = other.media.producers.get(producerId);
      if (producer && !producer.closed && producer.appData.source === 'screen') return other.id;
    }
    throw new SurfaceNotFound(surface);
  }

  #mayDraw(p: Participant, surface: DrawSurface): void {
    const owner = this.#live(p, surface);
    if (owner === null || owner === p.id || p.role === 'moderator' || this.#drawers.has(p.id)) return;
    throw new MayNotDraw();
  }

  /**
   * Drops what nobody can see any more: screens no longer shared, faded
   * strokes, rooms nobody is in. Runs before each change, so the work stays
   * proportional to what the meeting holds (no timers).
   */
  #prune(): void {
    const now = Date.now();
    const occupied = new Set([...this.#core.roster.values()].map((x) => groupOf(x.room)));
    for (const [key, room] of this.#rooms) {
      if (!occupied.has(key)) {
        this.#rooms.delete(key);
        continue;
      }
      for (const [surface, kept] of room.surfaces) {
        if (surface !== BOARD && !this.#screenLive(key, surface)) {
          room.surfaces.delete(surface);
          continue;
        }
        const left = kept.filter((k) => !k.stroke.fade || now - k.lastAt < DRAW_LIMITS.fadeMs);
        if (left.length !== kept.length) room.surfaces.set(surface, left);
      }
    }
  }

  #screenLive(roomKey: string, surface: DrawSurface): boolean {
    const producerId = surface.slice('screen:'.length) as ProducerId;
    for (const other of this.#core.roster.values()) {
      if (groupOf(other.room) !== roomKey) continue;
      const producer = other.media.producers.get(producerId);
      if (producer && !producer.closed) return true;
    }
    return false;
  }
}
