import { LIMITS, type Knocker, type ParticipantId } from '@parley/protocol';
import { networkOf } from '../lib/client-address.ts';
import { LobbyFull } from './errors.ts';

/**
 * The waiting room of one meeting: who is knocking (with the socket that
 * knocks, so a stale disconnect does not cancel a newer knock) and who was
 * admitted and may now join. It only keeps the lists; the Meeting decides who
 * must knock and emits what changed.
 */
export class Lobby {
  readonly #waiting = new Map<ParticipantId, Knocker & { sessionId: string; device: string | null; network: string }>();
  /** Admitted but not joined yet: their next meeting:join passes the door. */
  readonly #admitted = new Set<ParticipantId>();

  get size(): number {
    return this.#waiting.size;
  }

  /** Oldest knock first, without the session ids. */
  list(): Knocker[] {
    return [...this.#waiting.values()].map(({ id, name, knockedAt }) => ({ id, name, knockedAt }));
  }

  has(id: ParticipantId): boolean {
    return this.#waiting.has(id);
  }

  /** Adds (or refreshes, from a new socket) a knocker; true when it is new to the list. */
  knock(id: ParticipantId, name: string, sessionId: string, device: string | null = null, address = '?'): { knocker: Knocker; fresh: boolean } {
    const existing = this.#waiting.get(id);
    if (existing) {
      existing.sessionId = sessionId;
      return { knocker: { id, name: existing.name, knockedAt: existing.knockedAt }, fresh: false };
    }
    if (this.#waiting.size >= LIMITS.lobbySize) throw new LobbyFull('room', LIMITS.lobbySize);
    const network = networkOf(address);
    let fromThere = 0;
    for (const k of this.#waiting.values()) if (k.network === network) fromThere++;
    if (fromThere >= LIMITS.lobbyPerNetwork) throw new LobbyFull('network', LIMITS.lobbyPerNetwork);
    const knocker = { id, name, knockedAt: Date.now() };
    this.#waiting.set(id, { ...knocker, sessionId, device, network });
    return { knocker, fresh: true };
  }

  /** Removes a knocker; with `sessionId`, only if that socket is still the one knocking. */
  remove(id: ParticipantId, sessionId?: string): boolean {
    const k = this.#waiting.get(id);
    if (!k || (sessionId !== undefined && k.sessionId !== sessionId)) return false;
    this.#waiting.delete(id);
    return true;
  }

  /** Moves a knocker to the admitted; answers the device it knocked from. */
  admit(id: ParticipantId): string | null {
    const device = this.#waiting.get(id)?.device ?? null;
    this.#waiting.delete(id);
    this.#admitted.add(id);
    return device;
  }

  /** Takes an admission (one use: the join it lets in). */
  takeAdmission(id: ParticipantId): boolean {
    return this.#admitted.delete(id);
  }

  isAdmitted(id: ParticipantId): boolean {
    return this.#admitted.has(id);
  }
}
