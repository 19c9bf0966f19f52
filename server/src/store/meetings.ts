// Where created meetings are remembered. Apps talk to this interface; the
// memory and Redis implementations pass the same contract tests
// (server/test/meeting-store.test.ts). Store errors carry no HTTP meaning.
import { Redis } from 'ioredis';
import type { MeetingId } from '@parley/protocol';

export interface MeetingRecord {
  id: MeetingId;
  title: string;
  createdAt: number;
  /** sha256 of the moderator token; the token itself is never stored. */
  moderatorTokenHash: string;
  /** The waiting room is on from the start (a moderator may switch it off). */
  waitingRoom?: boolean;
}

export interface MeetingStore {
  /** Stores a new record; resolves false if the id is already taken. */
  create(record: MeetingRecord): Promise<boolean>;
  get(id: MeetingId): Promise<MeetingRecord | undefined>;
  /** Keeps a used meeting from expiring. */
  touch(id: MeetingId): Promise<void>;
  close(): Promise<void>;
}

export class MemoryMeetingStore implements MeetingStore {
  readonly #records = new Map<string, { record: MeetingRecord; expiresAt: number }>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  async create(record: MeetingRecord): Promise<boolean> {
    this.#sweep();
    if (this.#records.has(record.id)) return false;
    this.#records.set(record.id, { record: { ...record }, expiresAt: Date.now() + this.#ttlMs });
    return true;
  }

  async get(id: MeetingId): Promise<MeetingRecord | undefined> {
    const entry = this.#records.get(id);
    if (!entry || entry.expiresAt < Date.now()) return undefined;
    return { ...entry.record };
  }

  async touch(id: MeetingId): Promise<void> {
    const entry = this.#records.get(id);
    // An expired record not yet swept stays expired, as a Redis key would.
    if (entry && entry.expiresAt >= Date.now()) entry.expiresAt = Date.now() + this.#ttlMs;
  }

  async close(): Promise<void> {
    this.#records.clear();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, e] of this.#records) if (e.expiresAt < now) this.#records.delete(id);
  }
}

export class RedisMeetingStore implements MeetingStore {
  readonly #redis: Redis;
  readonly #ttlSeconds: number;
  readonly #prefix: string;

  constructor(redis: Redis, ttlMs: number, prefix = 'parley:meeting:') {
    this.#redis = redis;
    this.#ttlSeconds = Math.ceil(ttlMs / 1000);
    this.#prefix = prefix;
  }

  async create(record: MeetingRecord): Promise<boolean> {
    const res = await this.#redis.set(this.#prefix + record.id, JSON.stringify(record), 'EX', this.#ttlSeconds, 'NX');
    return res === 'OK';
  }

  async get(id: MeetingId): Promise<MeetingRecord | undefined> {
    const raw = await this.#redis.get(this.#prefix + id);
    return raw ? (JSON.parse(raw) as MeetingRecord) : undefined;
  }

  async touch(id: MeetingId): Promise<void> {
    await this.#redis.expire(this.#prefix + id, this.#ttlSeconds);
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }
}
