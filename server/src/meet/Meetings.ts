import type { Logger } from 'pino';
import { LIMITS, TypedEmitter, type MeetingId } from '@parley/protocol';
import { MediaRoom, type SfuConfig, type WorkerPool } from '@parley/sfu';
import { hashSecret, randomId } from '../auth/tokens.ts';
import type { MeetingRecord, MeetingStore } from '../store/meetings.ts';
import { MeetingNotFound } from './errors.ts';
import { Meeting, type MeetingOptions } from './Meeting.ts';

export interface MeetingsEvents {
  /** A meeting came alive on this node; the gateway subscribes to it. */
  opened: [meeting: Meeting];
}

/**
 * Creates meetings (records in the store) and keeps the live ones of this
 * node. Opening a meeting is serialized per id, so two first joiners arriving
 * together share one Meeting and one MediaRoom.
 */
export class Meetings extends TypedEmitter<MeetingsEvents> {
  readonly #store: MeetingStore;
  readonly #pool: WorkerPool;
  readonly #sfu: SfuConfig;
  readonly #log: Logger;
  readonly #opts: MeetingOptions;
  readonly #live = new Map<MeetingId, Meeting>();
  readonly #opening = new Map<MeetingId, Promise<Meeting>>();

  constructor(store: MeetingStore, pool: WorkerPool, sfu: SfuConfig, log: Logger, opts: Partial<MeetingOptions> = {}) {
    super();
    this.#store = store;
    this.#pool = pool;
    this.#sfu = sfu;
    this.#log = log;
    this.#opts = { resumeWindowMs: LIMITS.resumeWindowMs, maxParticipants: 500, ...opts };
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'meetings listener failed');
  }

  /**
   * Where a meeting whose record is gone (expired unused, or kept in memory
   * by a server that restarted) may come back from: a calendar event's link
   * must work on the day, however long ago it was made.
   */
  recover: ((id: MeetingId) => Promise<{ title: string; moderatorTokenHash: string } | undefined>) | undefined;

  /**
   * `moderatorToken`: derives the token from the new meeting's id (calendar
   * meetings, whose token must be made again if the record is recovered);
   * by default it is random.
   */
  async create(title: string | undefined, opts: { waitingRoom?: boolean; moderatorToken?: (id: MeetingId) => string } = {}): Promise<{ record: MeetingRecord; moderatorToken: string }> {
    for (;;) {
      const id = randomId() as MeetingId;
      const moderatorToken = opts.moderatorToken ? opts.moderatorToken(id) : randomId(24);
      const record: MeetingRecord = {
        id,
        title: title?.trim() || 'Meeting',
        createdAt: Date.now(),
        moderatorTokenHash: hashSecret(moderatorToken),
        ...(opts.waitingRoom ? { waitingRoom: true } : {}),
      };
      // 128-bit ids do not collide in practice; the loop makes it certain.
      if (await this.#store.create(record)) return { record, moderatorToken };
    }
  }

  record(id: MeetingId): Promise<MeetingRecord | undefined> {
    return this.#get(id);
  }

  async #get(id: MeetingId): Promise<MeetingRecord | undefined> {
    const record = await this.#store.get(id);
    if (record || !this.recover) return record;
    const again = await this.recover(id);
    if (!again) return undefined;
    const fresh: MeetingRecord = { id, title: again.title, createdAt: Date.now(), moderatorTokenHash: again.moderatorTokenHash };
    // Two nodes recovering at once: the first record stays.
    await this.#store.create(fresh);
    return (await this.#store.get(id)) ?? fresh;
  }

  live(id: MeetingId): Meeting | undefined {
    return this.#live.get(id);
  }

  get all(): IterableIterator<Meeting> {
    return this.#live.values();
  }

  /** The live meeting for `id`, opening it if this is its first joiner. */
  open(id: MeetingId): Promise<Meeting> {
    const live = this.#live.get(id);
    if (live && !live.closed) return Promise.resolve(live);
    let pending = this.#opening.get(id);
    if (!pending) {
      pending = (async () => {
        const record = await this.#get(id);
        if (!record) throw new MeetingNotFound();
        await this.#store.touch(id);
        const log = this.#log.child({ meeting: id });
        const meeting = new Meeting(record, new MediaRoom(this.#pool, this.#sfu, log), this.#opts, log);
        this.#live.set(id, meeting);
        meeting.on('closed', () => {
          if (this.#live.get(id) === meeting) this.#live.delete(id);
          log.info('meeting closed (empty)');
        });
        log.info('meeting opened');
        this.emit('opened', meeting);
        return meeting;
      })().finally(() => this.#opening.delete(id));
      this.#opening.set(id, pending);
    }
    return pending;
  }

  close(): void {
    for (const m of this.#live.values()) m.close();
    this.#live.clear();
    this.removeAllListeners();
  }
}
