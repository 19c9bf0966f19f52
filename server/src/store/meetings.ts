// Where created meetings are remembered. Apps talk to this interface; the
// memory and Redis implementations pass the same contract tests
// (server/test/meeting-store.test.ts). Store errors carry no HTTP meaning.
import { Redis } from 'ioredis';
import type { MeetingId } from '@parley/protocol';

export interface MeetingRecord {
  id: MeetingId;
  title: string;
  createdAt: number;
  /**
   * sha256 of the moderator token (192 random bits); the token itself is
   * never stored. A new token replaces it (the old link stops working).
   */
  moderatorTokenHash: string;
  /**
   * The account that made the meeting (a channel call's starter, a calendar
   * event's organizer, a signed-in creator): moderator whenever it joins
   * signed in, without the token.
   */
  ownerId?: string;
  /** The organization it was made in (a channel call, a calendar event): its plan decides what the meeting may do. */
  orgId?: string;
  /** The waiting room is on from the start (a moderator may switch it off). */
  waitingRoom?: boolean;
  /**
   * The door and the rules as moderators last set them, kept with the
   * record: they hold after everyone has left and across restarts.
   */
  settings?: StoredSettings;
  /** The short numeric code that finds it from the home page ("join with a code"); see codeFor. */
  code?: string;
}

/** What of a meeting's settings outlives its participants (not the layout, which names them). */
export interface StoredSettings {
  waitingRoom: boolean;
  /** The meeting password's salted scrypt hash (see meet/password.ts); null: none. */
  passwordHash: string | null;
  passwordSkipsWaitingRoom: boolean;
  startMuted: boolean;
  startCameraOff: boolean;
  reactionSounds: boolean;
  audioModeration: boolean;
  videoModeration: boolean;
}

/** A meeting's rules before any moderator changed them. */
export const DEFAULT_STORED_SETTINGS: StoredSettings = {
  waitingRoom: false,
  passwordHash: null,
  passwordSkipsWaitingRoom: true,
  startMuted: false,
  startCameraOff: false,
  reactionSounds: true,
  audioModeration: false,
  videoModeration: false,
};

export interface MeetingStore {
  /** Stores a new record; resolves false if the id is already taken. */
  create(record: MeetingRecord): Promise<boolean>;
  get(id: MeetingId): Promise<MeetingRecord | undefined>;
  /** Changes fields of an existing record (its expiry stays); false when there is none. */
  patch(id: MeetingId, fields: Partial<Omit<MeetingRecord, 'id' | 'createdAt'>>): Promise<boolean>;
  /** Keeps a used meeting (and its code) from expiring. */
  touch(id: MeetingId, code?: string): Promise<void>;
  /** Gives `code` to meeting `id` for as long as the record lives; false when another meeting holds it. */
  claimCode(code: string, id: MeetingId): Promise<boolean>;
  /** The meeting a code names, while it lives. */
  byCode(code: string): Promise<MeetingId | undefined>;
  close(): Promise<void>;
}

export class MemoryMeetingStore implements MeetingStore {
  readonly #records = new Map<string, { record: MeetingRecord; expiresAt: number }>();
  readonly #codes = new Map<string, { id: MeetingId; expiresAt: number }>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  async create(record: MeetingRecord): Promise<boolean> {
    this.#sweep();
    if (this.#records.has(record.id)) return false;
    this.#records.set(record.id, { record: structuredClone(record), expiresAt: Date.now() + this.#ttlMs });
    return true;
  }

  async get(id: MeetingId): Promise<MeetingRecord | undefined> {
    const entry = this.#records.get(id);
    if (!entry || entry.expiresAt < Date.now()) return undefined;
    return structuredClone(entry.record);
  }

  async patch(id: MeetingId, fields: Partial<Omit<MeetingRecord, 'id' | 'createdAt'>>): Promise<boolean> {
    const entry = this.#records.get(id);
    if (!entry || entry.expiresAt < Date.now()) return false;
    entry.record = structuredClone({ ...entry.record, ...fields });
    return true;
  }

  async touch(id: MeetingId, code?: string): Promise<void> {
    const entry = this.#records.get(id);
    // An expired record not yet swept stays expired, as a Redis key would.
    if (entry && entry.expiresAt >= Date.now()) entry.expiresAt = Date.now() + this.#ttlMs;
    const held = code === undefined ? undefined : this.#codes.get(code);
    if (held && held.id === id && held.expiresAt >= Date.now()) held.expiresAt = Date.now() + this.#ttlMs;
  }

  async claimCode(code: string, id: MeetingId): Promise<boolean> {
    this.#sweep();
    const held = this.#codes.get(code);
    if (held) return held.id === id;
    this.#codes.set(code, { id, expiresAt: Date.now() + this.#ttlMs });
    return true;
  }

  async byCode(code: string): Promise<MeetingId | undefined> {
    const held = this.#codes.get(code);
    return held && held.expiresAt >= Date.now() ? held.id : undefined;
  }

  async close(): Promise<void> {
    this.#records.clear();
    this.#codes.clear();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, e] of this.#records) if (e.expiresAt < now) this.#records.delete(id);
    for (const [code, e] of this.#codes) if (e.expiresAt < now) this.#codes.delete(code);
  }
}

/**
 * KEYS[1]: the record; ARGV[1]: the fields to set, as JSON. cjson writes
 * numbers with 14 significant digits: the record's numbers (ms since the
 * epoch, 13 digits) come back exact.
 */
const PATCH_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local record = cjson.decode(raw)
for k, v in pairs(cjson.decode(ARGV[1])) do record[k] = v end
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`;

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

  async patch(id: MeetingId, fields: Partial<Omit<MeetingRecord, 'id' | 'createdAt'>>): Promise<boolean> {
    // Merged inside Redis (one script runs alone), keeping the key's expiry:
    // a change is not a use, and two nodes patching at once lose nothing.
    const res = await this.#redis.eval(PATCH_SCRIPT, 1, this.#prefix + id, JSON.stringify(fields));
    return res === 1;
  }

  async touch(id: MeetingId, code?: string): Promise<void> {
    await this.#redis.expire(this.#prefix + id, this.#ttlSeconds);
    if (code !== undefined) await this.#redis.expire(`${this.#prefix}code:${code}`, this.#ttlSeconds);
  }

  async claimCode(code: string, id: MeetingId): Promise<boolean> {
    const key = `${this.#prefix}code:${code}`;
    if ((await this.#redis.set(key, id, 'EX', this.#ttlSeconds, 'NX')) === 'OK') return true;
    return (await this.#redis.get(key)) === id;
  }

  async byCode(code: string): Promise<MeetingId | undefined> {
    return ((await this.#redis.get(`${this.#prefix}code:${code}`)) ?? undefined) as MeetingId | undefined;
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }
}
