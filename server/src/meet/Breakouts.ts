import crypto from 'node:crypto';
import { LIMITS, TypedEmitter, type RoomId } from '@parley/protocol';
import { InvalidRequest, RoomNotFound } from './errors.ts';
import { visibleText } from '../lib/names.ts';

export interface BreakoutRoom {
  readonly id: RoomId;
  name: string;
}

export interface BreakoutSetEvents {
  /** Something changed; throttled: many changes in a burst make one event. */
  changed: [version: number];
  /** The timer nears its end (once per timer). */
  ending: [endsAt: number];
  /** The timer is over: everyone goes back to the main room. */
  ended: [];
}

/**
 * The breakout rooms of one meeting: their names, whether participants may
 * pick one, and the timer that ends them all. Who is in which room lives on
 * the participants (the Meeting moves them); this object only knows rooms.
 *
 * Every change bumps `version`; `changed` is emitted at most every
 * `snapshotMs` (trailing), so a hundred moves make one snapshot for clients.
 */
export class BreakoutSet extends TypedEmitter<BreakoutSetEvents> {
  readonly #rooms = new Map<RoomId, BreakoutRoom>();
  #version = 0;
  #emitted = 0;
  #throttle: NodeJS.Timeout | undefined;
  #lastEmitAt = 0;
  readonly #snapshotMs: number;
  participantsChoose = false;
  #endsAt: number | null = null;
  #warnTimer: NodeJS.Timeout | undefined;
  #endTimer: NodeJS.Timeout | undefined;
  #named = 0;

  constructor(snapshotMs: number = LIMITS.breakoutSnapshotMs) {
    super();
    this.#snapshotMs = snapshotMs;
  }

  get version(): number {
    return this.#version;
  }

  get endsAt(): number | null {
    return this.#endsAt;
  }

  get rooms(): BreakoutRoom[] {
    return [...this.#rooms.values()];
  }

  room(id: string): BreakoutRoom {
    const room = this.#rooms.get(id as RoomId);
    if (!room) throw new RoomNotFound();
    return room;
  }

  create(name: string | undefined): BreakoutRoom {
    if (this.#rooms.size >= LIMITS.breakoutRooms) throw new InvalidRequest(`at most ${LIMITS.breakoutRooms} breakout rooms`);
    this.#named += 1;
    const room: BreakoutRoom = { id: crypto.randomBytes(6).toString('base64url') as RoomId, name: cleanName(name) ?? `Room ${this.#named}` };
    this.#rooms.set(room.id, room);
    this.touch();
    return room;
  }

  rename(id: string, name: string): void {
    const clean = cleanName(name);
    if (!clean) throw new InvalidRequest('a room needs a name');
    this.room(id).name = clean;
    this.touch();
  }

  remove(id: string): void {
    this.room(id);
    this.#rooms.delete(id as RoomId);
    if (this.#rooms.size === 0) this.setTimer(null);
    this.touch();
  }

  /**
   * Starts (or replaces, or with null stops) the timer of all rooms. The
   * warning comes a minute before the end, or halfway through a shorter timer.
   */
  setTimer(seconds: number | null, now = Date.now()): number | null {
    clearTimeout(this.#warnTimer);
    clearTimeout(this.#endTimer);
    this.#warnTimer = this.#endTimer = undefined;
    if (seconds === null) {
      if (this.#endsAt !== null) this.touch();
      this.#endsAt = null;
      return null;
    }
    if (this.#rooms.size === 0) throw new InvalidRequest('create a breakout room first');
    const ms = seconds * 1000;
    const endsAt = now + ms;
    this.#endsAt = endsAt;
    this.#warnTimer = setTimeout(() => this.emit('ending', endsAt), ms - Math.min(60_000, ms / 2));
    this.#endTimer = setTimeout(() => {
      this.#endsAt = null;
      this.#warnTimer = this.#endTimer = undefined;
      this.touch();
      this.emit('ended');
    }, ms);
    this.#warnTimer.unref?.();
    this.#endTimer.unref?.();
    this.touch();
    return endsAt;
  }

  /** A change clients must see: bumps the version and schedules one snapshot. */
  touch(): void {
    this.#version += 1;
    if (this.#throttle) return;
    const wait = Math.max(0, this.#lastEmitAt + this.#snapshotMs - Date.now());
    this.#throttle = setTimeout(() => this.#flush(), wait);
    this.#throttle.unref?.();
  }

  #flush(): void {
    this.#throttle = undefined;
    if (this.#emitted === this.#version) return;
    this.#emitted = this.#version;
    this.#lastEmitAt = Date.now();
    this.emit('changed', this.#version);
  }

  close(): void {
    clearTimeout(this.#throttle);
    clearTimeout(this.#warnTimer);
    clearTimeout(this.#endTimer);
    this.removeAllListeners();
  }
}

function cleanName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : visibleText(name, LIMITS.roomNameChars);
}
