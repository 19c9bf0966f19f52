// Live changes for the web pages: the database tells every node which
// calendar or address book changed (migration 020's triggers, so every path
// is heard: the web, a device over DAV, an import, the trash, another node),
// and this node tells the open pages of the people who see it, over
// GET /api/changes. A note names what changed, never what it holds: the
// page reads that again with its own session, through the usual checks.
import type { ChangeNote } from '@parley/protocol';
import type { Logger } from 'pino';
import { RateLimited } from '../../lib/errors.ts';
import type { ChangeStore } from './store.ts';

/** Pages listening at once per person on this node (tabs, devices): a flood is refused. */
export const STREAMS_PER_USER = 8;
/** Notes heard within this long go out together (a burst of device writes is one note per calendar). */
const GATHER_MS = 100;
/** Distinct things changed within one gathering beyond which every page is told to read again instead. */
const MAX_PENDING = 1000;

interface Stream {
  sessionId: string;
  send(note: ChangeNote): void;
  end(): void;
}

export class Changes {
  readonly #store: ChangeStore;
  readonly #log: Logger;
  readonly #streams = new Map<string, Set<Stream>>();
  /** What changed since the last flush, by 'kind:id', with the people named by the notes. */
  #pending = new Map<string, { note: ChangeNote & { id: string }; named: Set<string> }>();
  #overflow = false;
  #timer: NodeJS.Timeout | undefined;
  /** Flushes run one after the other: notes keep the order the database committed them in. */
  #flushing: Promise<void> = Promise.resolve();
  #stop: (() => Promise<void>) | undefined;

  constructor(store: ChangeStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  async start(): Promise<void> {
    this.#stop = await this.#store.listen(
      (payload) => this.#heard(payload),
      () => this.#toEveryone({ kind: 'resync' }),
    );
  }

  /** Pages listening now on this node. */
  get open(): number {
    let n = 0;
    for (const set of this.#streams.values()) n += set.size;
    return n;
  }

  /**
   * A page of `userId`'s listens: `send` gets the notes for it, `end` ends
   * it (signed out, the server closing). Answers how to stop listening.
   * RATE_LIMITED beyond STREAMS_PER_USER.
   */
  listen(userId: string, sessionId: string, send: (note: ChangeNote) => void, end: () => void): () => void {
    let set = this.#streams.get(userId);
    if ((set?.size ?? 0) >= STREAMS_PER_USER) throw new RateLimited(`at most ${STREAMS_PER_USER} pages may follow changes at once`);
    if (!set) this.#streams.set(userId, (set = new Set()));
    const stream: Stream = { sessionId, send, end };
    set.add(stream);
    return () => {
      set.delete(stream);
      if (set.size === 0 && this.#streams.get(userId) === set) this.#streams.delete(userId);
    };
  }

  /** Ends the pages of these sessions (signed out, revoked). */
  endSessions(sessionIds: string[]): void {
    const ids = new Set(sessionIds);
    for (const set of this.#streams.values()) for (const s of [...set]) if (ids.has(s.sessionId)) s.end();
  }

  /** Ends every page's stream (the server is closing: before it waits for its connections). */
  endStreams(): void {
    for (const set of [...this.#streams.values()]) for (const s of [...set]) s.end();
    this.#streams.clear();
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#stop?.();
    await this.#flushing;
    this.endStreams();
  }

  #heard(payload: string): void {
    // 'kind:id:user', from migration 020's triggers; ids hold no ':'.
    const [kind, id, user] = payload.split(':');
    if ((kind !== 'calendar' && kind !== 'contacts') || !id) return;
    if (this.#streams.size === 0) return;
    const key = `${kind}:${id}`;
    let entry = this.#pending.get(key);
    if (!entry) {
      if (this.#pending.size >= MAX_PENDING) this.#overflow = true;
      else this.#pending.set(key, (entry = { note: { kind, id }, named: new Set() }));
    }
    if (entry && user) entry.named.add(user);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const pending = this.#pending;
      const overflow = this.#overflow;
      this.#pending = new Map();
      this.#overflow = false;
      this.#flushing = this.#flushing.then(() => this.#flush(pending, overflow)).catch((error: unknown) => this.#log.warn({ err: error }, 'live changes not delivered'));
    }, GATHER_MS);
  }

  /** One audience query per kind for all that changed (not one per item): then each note to the pages of those who see it. */
  async #flush(pending: Map<string, { note: ChangeNote & { id: string }; named: Set<string> }>, overflow: boolean): Promise<void> {
    if (overflow) return this.#toEveryone({ kind: 'resync' });
    const listening = [...this.#streams.keys()];
    if (!listening.length) return;
    const items = [...pending.values()];
    const calendarIds = items.filter((i) => i.note.kind === 'calendar').map((i) => i.note.id);
    const bookIds = items.filter((i) => i.note.kind === 'contacts').map((i) => i.note.id);
    type Seen = Map<string, { user_id: string }[]>;
    let calendars: Seen;
    let books: Seen;
    try {
      const [c, b] = await Promise.all([calendarIds.length ? this.#store.calendarAudiences(calendarIds, listening) : [], bookIds.length ? this.#store.bookAudiences(bookIds, listening) : []]);
      calendars = Map.groupBy(c, (r) => r.id);
      books = Map.groupBy(b, (r) => r.id);
    } catch (error) {
      // Who sees what could not be read: every page reads again rather than miss a change.
      this.#log.warn({ err: error }, 'live changes: audiences not read; pages told to read again');
      return this.#toEveryone({ kind: 'resync' });
    }
    for (const { note, named } of items) {
      const audience = new Set([...named, ...((note.kind === 'calendar' ? calendars : books).get(note.id) ?? []).map((r) => r.user_id)]);
      for (const u of audience) for (const s of this.#streams.get(u) ?? []) s.send(note);
    }
  }

  #toEveryone(note: ChangeNote): void {
    for (const set of this.#streams.values()) for (const s of set) s.send(note);
  }
}
