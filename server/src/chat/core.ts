// What every part of team chat stands on: its events, the unit of work (a
// transaction and the events it sends once committed), the access rule and
// the change log. Chat (channels and members) extends it; its parts
// (messages, calls, attachments) get it in their constructors.
import { DomainError, TypedEmitter, type ChannelEvent, type ChannelKind, type ChannelView } from '@parley/protocol';
import type { Access, ChatStore } from './store.ts';
import { ChannelNotFound, NotAMember } from './errors.ts';

export interface ChatEvents {
  /** A numbered change, for every member of the channel. */
  event: [event: ChannelEvent];
  /** These users now belong to the channel (or must refresh it). */
  channelAdded: [channelId: string, userIds: string[]];
  channelRemoved: [channelId: string, userIds: string[]];
  /** A mention, or a message in a direct conversation. */
  notify: [userId: string, note: { channelId: string; messageId: string; authorName: string; excerpt: string }];
  /** A user's read position moved: their other devices follow. */
  read: [userId: string, channelId: string, seq: number];
  /** A public channel was made: the organization's members are told (guests are not). */
  channelCreated: [orgId: string, channel: ChannelView];
}

/** Emits collected in a transaction, sent once it has committed. */
export class Outbox {
  readonly #emits: (() => void)[] = [];
  add(fn: () => void): void {
    this.#emits.push(fn);
  }
  flush(): void {
    for (const fn of this.#emits.splice(0)) fn();
  }
}

/**
 * One chat transaction: its store and the events it sends once committed.
 * Organizations change channels in their own transactions through it
 * (`Chat.transaction`): `unit.store.sql` is the transaction for their store.
 */
export interface ChatUnit {
  readonly store: ChatStore;
  readonly out: Outbox;
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A change of a channel before it is numbered. */
export type ChannelChange = DistributiveOmit<ChannelEvent, 'channelId' | 'seq' | 'at'>;

export const isConversation = (kind: ChannelKind): boolean => kind === 'direct' || kind === 'group';
export const channelNotFound = (): DomainError => new ChannelNotFound('no such channel');

/** Channel admins and the organization's admins and legal representatives moderate a channel. */
export const moderates = ({ member, orgRole }: Access): boolean => member?.role === 'admin' || orgRole === 'admin' || orgRole === 'legal';

export class ChatCore extends TypedEmitter<ChatEvents> {
  protected readonly store: ChatStore;

  constructor(store: ChatStore) {
    super();
    this.store = store;
  }

  /** Runs `fn` in one transaction and sends its events once it has committed. */
  async transaction<T>(fn: (unit: ChatUnit) => Promise<T>): Promise<T> {
    const out = new Outbox();
    const result = await this.store.tx((store) => fn({ store, out }));
    out.flush();
    return result;
  }

  /**
   * The channel and the user's membership, or the error that hides what they
   * may not know: a private channel, a conversation or another organization's
   * channel is CHANNEL_NOT_FOUND to outsiders; a public channel of their own
   * organization they have not joined is NOT_A_MEMBER. Read through `store`
   * (a unit's, inside a transaction), else outside any.
   */
  async access(userId: string, channelId: string, opts: { store?: ChatStore; lock?: boolean; member?: boolean } = {}): Promise<Access> {
    const access = await (opts.store ?? this.store).access(userId, channelId, opts.lock);
    if (!access?.orgRole) throw channelNotFound();
    if (!access.member && opts.member !== false) {
      if (access.channel.kind === 'public' && access.orgRole !== 'external') throw new NotAMember('join the channel first');
      throw channelNotFound();
    }
    return access;
  }

  /** Numbers (unless `seq` was taken already) and logs one change of a channel; it goes out after commit. */
  async append(unit: ChatUnit, channelId: string, change: ChannelChange, seq?: number): Promise<ChannelEvent> {
    seq ??= await unit.store.nextSeq(channelId);
    const at = Date.now();
    const { kind, ...data } = change;
    await unit.store.logEvent(channelId, seq, kind, data, at);
    const event = { channelId, seq, at, ...change } as ChannelEvent;
    unit.out.add(() => this.emit('event', event));
    return event;
  }
}
