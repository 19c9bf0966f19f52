// Presence news, gathered. Told one by one, everyone coming online at once
// (the start of a working day, or every client reconnecting after a server
// restart) costs an organization of n connected people n^2 packets: with
// 2,000 people, two million events to encode, write and parse, which held
// 20 KiB of write buffers per connection and kept the clients busy for tens
// of seconds (bench/chat-fanout.ts). Changes now wait a moment and go out
// together: one event per organization per moment, listing whoever changed.
// Each person's presence is read when the news leaves, so a connect and a
// disconnect within the same moment give the last word only.
import type { Presence, PresenceUpdate } from '@parley/protocol';

/** How long a change waits for others to go out with it. */
export const PRESENCE_GATHER_MS = 250;
/** At most this many people per event (a packet of a few tens of KiB). */
export const PRESENCE_PER_EVENT = 500;
/** At most this many people read from the database at once. */
const READ_CHUNK = 100;

export interface PresenceSource {
  /** Which of these users have a socket anywhere in the cluster. */
  online(userIds: string[]): Promise<Set<string>>;
  /** The user's chosen presence and status, and the rooms of the organizations that hear of them (none: nobody to tell). */
  person(userId: string): Promise<{ chosen: { presence: string; status_text: string; status_emoji: string }; rooms: string[] } | undefined>;
  presenceOf(chosen: { presence: string }, online: boolean): Presence;
  emit(room: string, users: PresenceUpdate[]): void;
  failed(error: unknown): void;
}

export class PresenceNews {
  readonly #source: PresenceSource;
  readonly #gatherMs: number;
  #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  /** The news before: news leaves in the order it was gathered (an "online" never overtakes the "offline" after it). */
  #sending: Promise<void> = Promise.resolve();
  /** Closed with the server: a disconnect heard after that tells no one (the database is gone). */
  #closed = false;

  constructor(source: PresenceSource, gatherMs = PRESENCE_GATHER_MS) {
    this.#source = source;
    this.#gatherMs = gatherMs;
  }

  /** The user's presence may have changed: their organizations hear of it with the next news. */
  changed(userId: string): void {
    if (this.#closed) return;
    this.#pending.add(userId);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const userIds = [...this.#pending];
      this.#pending = new Set();
      this.#sending = this.#sending.then(() => this.#send(userIds)).catch((error: unknown) => this.#source.failed(error));
    }, this.#gatherMs);
    // Pending news never holds the process open.
    this.#timer.unref();
  }

  /** Resolves once the news gathered so far has gone out (what tests wait for; shutdown drops pending news instead). */
  async flushed(): Promise<void> {
    while (this.#timer || this.#pending.size) await new Promise((r) => setTimeout(r, this.#gatherMs));
    await this.#sending;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  async #send(userIds: string[]): Promise<void> {
    const byRoom = new Map<string, PresenceUpdate[]>();
    const on = await this.#source.online(userIds);
    for (let i = 0; i < userIds.length; i += READ_CHUNK) {
      const chunk = userIds.slice(i, i + READ_CHUNK);
      const people = await Promise.all(chunk.map((id) => this.#source.person(id)));
      chunk.forEach((userId, j) => {
        const person = people[j];
        if (!person) return;
        const update: PresenceUpdate = {
          userId,
          presence: this.#source.presenceOf(person.chosen, on.has(userId)),
          statusText: person.chosen.status_text,
          statusEmoji: person.chosen.status_emoji,
        };
        for (const room of person.rooms) {
          const list = byRoom.get(room);
          if (list) list.push(update);
          else byRoom.set(room, [update]);
        }
      });
    }
    for (const [room, users] of byRoom) {
      for (let i = 0; i < users.length; i += PRESENCE_PER_EVENT) this.#source.emit(room, users.slice(i, i + PRESENCE_PER_EVENT));
    }
  }
}
