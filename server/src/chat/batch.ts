// Group commit of chat messages: the sends waiting when a batch starts are
// written by one statement for all of them, instead of one transaction
// each. Under light load a batch is one message; under heavy load the
// database does much less work per message.
import type { ChannelKind, MessageView } from '@parley/protocol';
import type { MessageStore, SendAccess } from './message-store.ts';
import { ChannelNotFound, NotAMember } from './errors.ts';
import { InvalidRequest } from '../lib/errors.ts';

export interface SendInput {
  channelId: string;
  clientId: string;
  text: string;
  rootId?: string;
  fileIds?: string[];
}
export interface SendResult {
  message: MessageView;
  duplicate: boolean;
}
/** A message as it will be stored (its number comes with the write), and whom to tell. */
export interface Prepared {
  message: MessageView;
  notified: string[];
}

export interface BatchRules {
  /** Checks a reply's root and finds who is mentioned (see ChatMessages in messages.ts). */
  prepare(userId: string, userName: string, kind: ChannelKind, p: SendInput): Promise<Prepared>;
  /** One message in its own transaction: the fallback when a batch fails. */
  sendOne(userId: string, p: SendInput): Promise<SendResult>;
  /** A message was written (its `seq` is set): tell its channel and whom it notifies. */
  written(prepared: Prepared): void;
}

interface QueuedSend {
  userId: string;
  p: SendInput;
  /** When it was queued (performance.now()). */
  at: number;
  resolve: (r: SendResult) => void;
  reject: (error: unknown) => void;
}
/** A send of a batch, read and ready to write; `twins` are the same send again in the batch. */
interface PreparedSend extends Prepared {
  item: QueuedSend;
  twins: QueuedSend[];
}

/** Most sends written in one statement. */
const SEND_BATCH_MAX = 200;
/** How long a member's access to a channel is trusted without reading it again, and for how many (user, channel) pairs. */
const ACCESS_KEPT_MS = 30_000;
const ACCESS_KEPT_MAX = 50_000;
const accessKey = (userId: string, channelId: string) => `${userId}\n${channelId}`;

/**
 * Where the sends' time went since the server started, in seconds summed
 * over sends (a batch's read, for instance, counts once per send in it): the
 * per-stage breakdown of /metrics and bench/chat-fanout.ts. A send that
 * fails on the way counts in the stages it passed only.
 */
export interface SendStages {
  /** Sends written by a batch, and batches written. */
  sends: number;
  batches: number;
  /** From the send's arrival to the start of its batch's read (the batch before it still being read). */
  queued: number;
  /** The batch's reads: access, retries, reply roots, mentions. */
  read: number;
  /** From the end of the read to the start of the write (the batch before it still being written). */
  writeWait: number;
  /** The one statement that writes the batch, round trip included. */
  write: number;
  /**
   * From the write's answer until the send's channel and notified are told
   * (the emit to the sockets on this node, and the adapter); the sends
   * before it in the batch are told first.
   */
  announce: number;
}

export class SendBatcher {
  readonly #store: MessageStore;
  readonly #rules: BatchRules;
  readonly #queue: QueuedSend[] = [];
  #flushing = false;
  /** The last batch write started: the next one waits for it (a channel's numbers follow arrival order). */
  #writing: Promise<void> = Promise.resolve();
  /**
   * Who may write where, as read lately (by user and channel): someone who
   * sends again within ACCESS_KEPT_MS skips the batch's read, a database
   * round trip, which a chatty channel repeats for each message. Stale for
   * that long at most (on this node; another node's change is not heard),
   * never unsafe: the write checks membership again under the channel's
   * lock, and a send by someone removed meanwhile is refused there
   * (CHANNEL_NOT_FOUND). A retry of a send that landed (a client resends
   * what it had pending after each reconnect) is left out by the write too,
   * and answered with the message that landed (#settle): the rest of its
   * batch is written as usual. A name changed on this node is read again at
   * once (forgetUser); changed through another node, it shows in the
   * sender's messages sent here once this is read again (ACCESS_KEPT_MS).
   */
  readonly #known = new Map<string, { access: Omit<SendAccess, 'i' | 'landed'>; until: number }>();
  readonly stages: SendStages = { sends: 0, batches: 0, queued: 0, read: 0, writeWait: 0, write: 0, announce: 0 };

  constructor(store: MessageStore, rules: BatchRules) {
    this.#store = store;
    this.#rules = rules;
  }

  send(userId: string, p: SendInput): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ userId, p, at: performance.now(), resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        queueMicrotask(() => void this.#flush());
      }
    });
  }

  /**
   * Each batch is read (who may write, retries, mentions) while the
   * previous one is written; writes go one at a time, in arrival order, so
   * a channel's numbers follow the order its sends arrived in. The write is
   * a single self-committing statement: the channels' locks are held inside
   * the database only, never across a round trip, so they are short
   * whatever the load on this process (several queues by channel, and
   * overlapping multi-statement transactions, were measured: smaller
   * batches or locks held longer, a lower peak; bench/chat-fanout.ts).
   */
  async #flush(): Promise<void> {
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, SEND_BATCH_MAX);
        const readAt = performance.now();
        for (const item of batch) this.stages.queued += (readAt - item.at) / 1000;
        let fresh: PreparedSend[];
        try {
          fresh = await this.#read(batch);
        } catch {
          void this.#sendEach(batch);
          continue;
        }
        const readEnd = performance.now();
        this.stages.read += ((readEnd - readAt) / 1000) * fresh.length;
        // One batch read while the one before is written; the next gathers meanwhile.
        await this.#writing;
        this.stages.writeWait += ((performance.now() - readEnd) / 1000) * fresh.length;
        this.#writing = this.#write(fresh).catch(() =>
          // Something in the batch broke it (a retry racing on another
          // node, a constraint): each message on its own, so one cannot fail the others.
          this.#sendEach(fresh.flatMap((f) => [f.item, ...f.twins])),
        );
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Someone changed their name (through this node): their next sends here are read again (the name comes with the access). */
  forgetUser(userId: string): void {
    const prefix = accessKey(userId, '');
    // At most ACCESS_KEPT_MAX keys, on a rename (rare): a pass over them costs a few milliseconds at worst.
    for (const key of this.#known.keys()) if (key.startsWith(prefix)) this.#known.delete(key);
  }

  /** Someone's access to a channel changed (removed, or the channel deleted): read it again next time. */
  forget(channelId: string, userIds: string[]): void {
    for (const userId of userIds) this.#known.delete(accessKey(userId, channelId));
  }

  #remember(userId: string, channelId: string, r: SendAccess, now: number): void {
    // Bounded: past the cap, the oldest half goes (Maps keep insertion order).
    if (this.#known.size >= ACCESS_KEPT_MAX) {
      let drop = ACCESS_KEPT_MAX >> 1;
      for (const key of this.#known.keys()) {
        if (drop-- <= 0) break;
        this.#known.delete(key);
      }
    }
    const key = accessKey(userId, channelId);
    this.#known.delete(key);
    this.#known.set(key, { access: { kind: r.kind, org_role: r.org_role, m_role: r.m_role, user_name: r.user_name }, until: now + ACCESS_KEPT_MS });
  }

  async #sendEach(items: QueuedSend[]): Promise<void> {
    await Promise.all(items.map((item) => this.#rules.sendOne(item.userId, item.p).then(item.resolve, item.reject)));
  }

  /**
   * A batch's reads, before anything is locked: who may write where, which
   * sends already landed (retries, answered at once), reply roots and
   * mentions. Returns the messages to write. The write checks membership
   * again, under the channels' locks.
   */
  async #read(batch: QueuedSend[]): Promise<PreparedSend[]> {
    const now = performance.now();
    const accessOf = new Map<number, SendAccess>();
    const misses: number[] = [];
    batch.forEach((b, i) => {
      const known = this.#known.get(accessKey(b.userId, b.p.channelId));
      if (known && known.until > now) accessOf.set(i + 1, { ...known.access, i: i + 1, landed: null });
      else misses.push(i);
    });
    if (misses.length) {
      const read = await this.#store.readBatch(misses.map((i) => ({ channelId: batch[i]!.p.channelId, userId: batch[i]!.userId, clientId: batch[i]!.p.clientId })));
      for (const r of read) {
        const i = misses[r.i - 1]!;
        accessOf.set(i + 1, { ...r, i: i + 1 });
        // Only a member's access is remembered (a refusal is read again each time).
        if (r.org_role && r.kind && r.m_role) this.#remember(batch[i]!.userId, batch[i]!.p.channelId, r, now);
      }
    }
    const access = [...accessOf.values()];
    const existing = await this.#store.messages(access.map((a) => a.landed).filter((id): id is string => id !== null));
    const landed = new Map(existing.map((m) => [`${m.authorId}\n${m.clientId}`, m]));
    const fresh: PreparedSend[] = [];
    const inBatch = new Map<string, PreparedSend>();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const a = accessOf.get(i + 1)!;
      const key = `${item.userId}\n${item.p.clientId}`;
      const before = landed.get(key);
      const twin = inBatch.get(key);
      if (!a.org_role || !a.kind) {
        item.reject(new ChannelNotFound('no such channel'));
      } else if (!a.m_role) {
        const publicChannel = a.kind === 'public' && a.org_role !== 'external';
        item.reject(publicChannel ? new NotAMember('join the channel first') : new ChannelNotFound('no such channel'));
      } else if (before || twin) {
        // A retry of a send that landed, or the same send twice in this batch.
        const channelId = before ? before.channelId : twin!.message.channelId;
        if (channelId !== item.p.channelId) item.reject(new InvalidRequest('this clientId was used for another message'));
        else if (before) item.resolve({ message: before, duplicate: true });
        else twin!.twins.push(item);
      } else {
        try {
          const prepared: PreparedSend = { item, ...(await this.#rules.prepare(item.userId, a.user_name!, a.kind, item.p)), twins: [] };
          fresh.push(prepared);
          inBatch.set(key, prepared);
        } catch (error) {
          item.reject(error);
        }
      }
    }
    return fresh;
  }

  async #write(fresh: PreparedSend[]): Promise<void> {
    if (!fresh.length) return;
    const writeAt = performance.now();
    const seqOf = await this.#store.writeBatch(fresh.map((f) => f.message));
    const written = performance.now();
    this.stages.write += ((written - writeAt) / 1000) * fresh.length;
    this.stages.batches++;
    const unwritten: PreparedSend[] = [];
    fresh.forEach((f, i) => {
      const seq = seqOf.get(i + 1);
      if (seq === undefined) {
        unwritten.push(f);
        return;
      }
      f.message.seq = seq;
      this.#rules.written(f);
      this.stages.sends++;
      this.stages.announce += (performance.now() - written) / 1000;
    });
    for (const f of fresh) {
      if (!f.message.seq) continue;
      f.item.resolve({ message: f.message, duplicate: false });
      for (const twin of f.twins) twin.resolve({ message: f.message, duplicate: true });
    }
    // Off the write pipeline: they take no number.
    if (unwritten.length) void this.#settle(unwritten);
  }

  /**
   * Sends the write left out: a retry of a send that landed (answered with
   * that message), or someone removed from the channel (or the channel
   * deleted) since their access was read.
   */
  async #settle(unwritten: PreparedSend[]): Promise<void> {
    for (const f of unwritten) {
      const items = [f.item, ...f.twins];
      try {
        const landed = await this.#store.messageByClientId(f.item.userId, f.item.p.clientId);
        if (landed && landed.channelId === f.item.p.channelId) {
          for (const item of items) item.resolve({ message: landed, duplicate: true });
          continue;
        }
        this.forget(f.item.p.channelId, [f.item.userId]);
        const error = landed ? new InvalidRequest('this clientId was used for another message') : new ChannelNotFound('no such channel');
        for (const item of items) item.reject(error);
      } catch (error) {
        for (const item of items) item.reject(error);
      }
    }
  }
}
