import type { Logger } from 'pino';
import { LIMITS, TypedEmitter, type MeetingId, type ParticipantId } from '@parley/protocol';
import { MediaRoom, type MediaSink, type SfuConfig, type WorkerPool } from '@parley/sfu';
import { hashSecret, randomId, sameHash } from '../auth/tokens.ts';
import crypto from 'node:crypto';
import { DEFAULT_STORED_SETTINGS, type MeetingRecord, type MeetingStore, type StoredSettings } from '../store/meetings.ts';
import { MeetingPassword } from './password.ts';
import { MeetingNotFound, WrongModeratorToken } from './errors.ts';
import { Meeting, type MeetingOptions } from './Meeting.ts';
import { visibleText } from '../lib/names.ts';
import { InvalidRequest } from '../lib/errors.ts';

export interface MeetingsEvents {
  /** A meeting came alive on this node; the gateway subscribes to it. */
  opened: [meeting: Meeting];
}

/**
 * Creates meetings (records in the store) and keeps the live ones of this
 * node. Opening a meeting is serialized per id, so two first joiners arriving
 * together share one Meeting and one MediaRoom.
 */
/** What knows of meetings made elsewhere (a calendar's events): asked, never told. */
export interface MeetingOrigins {
  /**
   * Where a meeting whose record is gone (expired unused, or kept in memory
   * by a server that restarted) may come back from: a calendar event's link
   * must work on the day, however long ago it was made. It comes back with
   * its owner and a new moderator token that nobody holds: the owner
   * enters as moderator by their account.
   */
  recover?(id: MeetingId): Promise<{ title: string; ownerId: string | null; orgId?: string | null } | undefined>;
  /**
   * Accounts a meeting's owner named as moderators (a calendar event's
   * co-moderators), asked at each signed-in join: taking someone off the
   * event takes the role away from their next join.
   */
  namedModerator?(id: MeetingId, userId: string): Promise<boolean>;
}

export class Meetings extends TypedEmitter<MeetingsEvents> {
  readonly #store: MeetingStore;
  readonly #pool: WorkerPool;
  readonly #sfu: SfuConfig;
  readonly #log: Logger;
  readonly #opts: MeetingOptions;
  readonly #live = new Map<MeetingId, Meeting>();
  readonly #opening = new Map<MeetingId, Promise<Meeting>>();
  /** Each live meeting's media room, for what only the real SFU does (a recorder's sink). */
  readonly #rooms = new WeakMap<Meeting, MediaRoom>();

  readonly #origins: MeetingOrigins;

  constructor(store: MeetingStore, pool: WorkerPool, sfu: SfuConfig, log: Logger, opts: Partial<MeetingOptions> = {}, origins: MeetingOrigins = {}) {
    super();
    this.#origins = origins;
    this.#store = store;
    this.#pool = pool;
    this.#sfu = sfu;
    this.#log = log;
    this.#opts = { resumeWindowMs: LIMITS.resumeWindowMs, maxParticipants: 500, ...opts };
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'meetings listener failed');
  }

  /** A new meeting with a random moderator token (192 bits; only its hash is kept). */
  async create(title: string | undefined, opts: { waitingRoom?: boolean; ownerId?: string; orgId?: string; password?: string } = {}): Promise<{ record: MeetingRecord; moderatorToken: string }> {
    // A password set at creation is kept as the moderators' would be: hashed, with the door's other rules at their defaults.
    let settings: StoredSettings | undefined;
    if (opts.password) {
      const pw = new MeetingPassword();
      await pw.set(opts.password);
      settings = { ...DEFAULT_STORED_SETTINGS, waitingRoom: opts.waitingRoom === true, passwordHash: pw.stored() };
    }
    for (;;) {
      const id = randomId() as MeetingId;
      const moderatorToken = randomId(24);
      const record: MeetingRecord = {
        id,
        title: (title === undefined ? undefined : visibleText(title, LIMITS.titleChars)) ?? 'Meeting',
        createdAt: Date.now(),
        moderatorTokenHash: hashSecret(moderatorToken),
        ...(opts.ownerId ? { ownerId: opts.ownerId } : {}),
        ...(opts.orgId ? { orgId: opts.orgId } : {}),
        ...(opts.waitingRoom ? { waitingRoom: true } : {}),
        ...(settings ? { settings } : {}),
      };
      // 128-bit ids do not collide in practice; the loop makes it certain.
      if (await this.#store.create(record)) {
        record.code = await this.codeFor(record);
        return { record, moderatorToken };
      }
    }
  }

  /**
   * The meeting's short code: nine random digits, given once and kept with
   * the record (a meeting recovered from a calendar event or a channel call
   * gets one the first time it is asked). Guessing is slowed at the edge.
   */
  async codeFor(record: MeetingRecord): Promise<string> {
    if (record.code) return record.code;
    // A billion codes for the meetings alive at once: a clash is rare, and retried.
    for (let i = 0; i < 20; i++) {
      const code = String(crypto.randomInt(0, 1_000_000_000)).padStart(9, '0');
      if (await this.#store.claimCode(code, record.id)) {
        await this.#store.patch(record.id, { code });
        return code;
      }
    }
    throw new Error('no free meeting code');
  }

  /** The meeting a code names, while it lives. */
  async byCode(code: string): Promise<MeetingId | undefined> {
    return this.#store.byCode(code);
  }

  /**
   * What a person asking to join is given: a new participant id, their name
   * as shown (INVALID_PAYLOAD when nothing visible is left), and the grant
   * that makes them moderator by right, if any (see grantFor). The meeting
   * must exist (MEETING_NOT_FOUND). The edge signs it into their token.
   */
  async admission(
    id: MeetingId,
    who: { name: string; moderatorToken?: string; userId?: string },
  ): Promise<{ record: MeetingRecord; participantId: ParticipantId; name: string; grant: string | undefined; moderatorBy: 'link' | 'account' | null }> {
    const name = visibleText(who.name, LIMITS.nameChars);
    if (!name) throw new InvalidRequest('name must contain visible characters');
    const record = await this.record(id);
    if (!record) throw new MeetingNotFound();
    const grant = await this.grantFor(record, {
      ...(who.moderatorToken !== undefined ? { moderatorToken: who.moderatorToken } : {}),
      ...(who.userId && who.moderatorToken === undefined ? { userId: who.userId } : {}),
    });
    return {
      record,
      participantId: randomId(10) as ParticipantId,
      name,
      grant,
      moderatorBy: grant === undefined ? null : grant.startsWith('s:') ? 'link' : 'account',
    };
  }

  /**
   * Who a join makes moderator, as a grant the participant token carries:
   * `s:<tag>` for the holder of the meeting's current moderator token,
   * `u:<userId>` for its owner's (or a named moderator's) account. Undefined
   * for everyone else. A wrong token is FORBIDDEN.
   */
  async grantFor(record: MeetingRecord, proof: { moderatorToken?: string; userId?: string }): Promise<string | undefined> {
    if (proof.moderatorToken !== undefined) {
      if (!sameHash(hashSecret(proof.moderatorToken), record.moderatorTokenHash)) throw new WrongModeratorToken();
      return secretGrant(record);
    }
    if (proof.userId && (await this.#accountModerates(record, proof.userId))) return `u:${proof.userId}`;
    return undefined;
  }

  /** Whether a grant still holds: the token was not replaced, the account is still owner or named. */
  async grantHolds(id: MeetingId, grant: string | undefined): Promise<boolean> {
    if (!grant) return false;
    const record = await this.#get(id);
    if (!record) return false;
    if (grant.startsWith('s:')) return sameHash(grant, secretGrant(record));
    if (grant.startsWith('u:')) return this.#accountModerates(record, grant.slice(2));
    return false;
  }

  async #accountModerates(record: MeetingRecord, userId: string): Promise<boolean> {
    if (record.ownerId === userId) return true;
    return (await this.#origins.namedModerator?.(record.id, userId)) ?? false;
  }

  /** A new moderator token: the old link (and moderators by it who join again) stop working. */
  async newModeratorToken(id: MeetingId): Promise<string> {
    const moderatorToken = randomId(24);
    if (!(await this.#store.patch(id, { moderatorTokenHash: hashSecret(moderatorToken) }))) throw new MeetingNotFound();
    return moderatorToken;
  }

  record(id: MeetingId): Promise<MeetingRecord | undefined> {
    return this.#get(id);
  }

  async #get(id: MeetingId): Promise<MeetingRecord | undefined> {
    const record = await this.#store.get(id);
    if (record || !this.#origins.recover) return record;
    const again = await this.#origins.recover(id);
    if (!again) return undefined;
    const fresh: MeetingRecord = {
      id,
      title: again.title,
      createdAt: Date.now(),
      moderatorTokenHash: hashSecret(randomId(24)),
      ...(again.ownerId ? { ownerId: again.ownerId } : {}),
      ...(again.orgId ? { orgId: again.orgId } : {}),
    };
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
        await this.#store.touch(id, record.code);
        const log = this.#log.child({ meeting: id });
        const room = new MediaRoom(this.#pool, this.#sfu, log);
        const meeting = new Meeting(record, room, this.#opts, log);
        this.#rooms.set(meeting, room);
        this.#live.set(id, meeting);
        meeting.on('closed', () => {
          if (this.#live.get(id) === meeting) this.#live.delete(id);
          log.info('meeting closed (empty)');
        });
        // Kept with the record as they change: the next people find the door as it was left.
        meeting.on('settings', () => {
          this.#store.patch(id, { settings: meeting.storedSettings() }).catch((error: unknown) => log.error({ err: error }, 'meeting settings not saved'));
        });
        log.info('meeting opened');
        this.emit('opened', meeting);
        return meeting;
      })().finally(() => this.#opening.delete(id));
      this.#opening.set(id, pending);
    }
    return pending;
  }

  /** The real media room behind a live meeting (the SFU's own view: routers, workers, peers), for operators and tests. */
  mediaRoom(meeting: Meeting): MediaRoom | undefined {
    return this.#rooms.get(meeting);
  }

  /**
   * Plain RTP of a live meeting's producers for a recorder; `allowed` says
   * whose (the caller's rule, not the SFU's).
   */
  createSink(meeting: Meeting, allowed: (peerId: string) => boolean): MediaSink {
    const room = this.#rooms.get(meeting);
    if (!room || meeting.closed) throw new MeetingNotFound();
    return room.createSink(allowed);
  }

  close(): void {
    for (const m of this.#live.values()) m.close();
    this.#live.clear();
    this.removeAllListeners();
  }
}

/** The grant of the current moderator token's holders: a tag of its hash (the hash itself stays on the server). */
export const secretGrant = (record: MeetingRecord): string => `s:${hashSecret(`grant\n${record.moderatorTokenHash}`).slice(0, 22)}`;
