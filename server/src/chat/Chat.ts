// Team chat: channels, members and messages. Every change of a channel
// takes the next number of that channel's counter (channels.last_seq,
// bumped under the channel row's lock, so numbers follow commit order) and
// is logged in the same transaction. Live delivery, history and a
// reconnecting client's catch-up all read that one order.
//
// Chat owns the rules (who may read, write, invite, remove, pin...); its
// SQL is in store.ts, its group commit in batch.ts. It never touches
// sockets: it emits typed events after each commit, and the gateway turns
// them into Socket.IO rooms and emits.
import {
  CHAT_LIMITS,
  DomainError,
  TypedEmitter,
  type AttachmentView,
  type CallInfo,
  type ChannelEvent,
  type ChannelKind,
  type ChannelView,
  type MessageView,
  type ReactionView,
  type SearchHit,
} from '@parley/protocol';
import { newId, type UserRow } from '../accounts/Accounts.ts';
import { isUniqueViolation } from '../store/db.ts';
import { cleanText, isEmoji, requireName } from '../lib/names.ts';
import { SendBatcher, type Prepared, type SendInput, type SendResult } from './batch.ts';
import type { Access, ChannelRole, ChannelRow, ChatStore, MemberChannelRow } from './store.ts';

export type { SendInput } from './batch.ts';

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
}

export interface CallFactory {
  /** Creates a meeting for a call started in a channel; its starter's account owns it. */
  create(title: string, ownerId: string): Promise<{ meetingId: string; url: string; moderatorToken: string }>;
}

export interface ChatDeps {
  /** Meetings for calls started in channels (none: calls are unavailable). */
  calls?: CallFactory;
  /** Removes attachments' bytes from the drive (after the deleting transaction commits). */
  files?: { remove(driveKeys: string[]): Promise<void> };
}

/** A channel member, for the edge to show (with presence, which only it knows). */
export interface ChannelMember {
  user: UserRow;
  channelRole: ChannelRole;
}

/** Emits collected in a transaction, sent once it has committed. */
class Outbox {
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

const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9][A-Za-z0-9._-]{1,31})/g;
const EVERYONE = new Set(['channel', 'all', 'here']);
const MAX_EMOJIS_PER_MESSAGE = 50;

/** Usernames mentioned in a text (lower-cased, trailing dots dropped) and whether @channel/@all/@here is. */
export function parseMentions(text: string): { usernames: string[]; everyone: boolean } {
  const names = new Set<string>();
  let everyone = false;
  for (const m of text.matchAll(MENTION)) {
    const name = m[2]!.replace(/[.]+$/, '').toLowerCase();
    if (EVERYONE.has(name)) everyone = true;
    else names.add(name);
  }
  return { usernames: [...names], everyone };
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const excerptOf = (text: string): string => (text.length > 140 ? `${text.slice(0, 139)}…` : text);
const isConversation = (kind: ChannelKind): boolean => kind === 'direct' || kind === 'group';
const channelNotFound = () => new DomainError('CHANNEL_NOT_FOUND', 'no such channel');

export class Chat extends TypedEmitter<ChatEvents> {
  readonly #store: ChatStore;
  readonly #deps: ChatDeps;
  readonly #batch: SendBatcher;

  constructor(store: ChatStore, deps: ChatDeps = {}) {
    super();
    this.#store = store;
    this.#deps = deps;
    this.#batch = new SendBatcher(store, {
      prepare: (userId, userName, kind, p) => this.#prepare(this.#store, userId, userName, kind, p),
      sendOne: (userId, p) => this.#sendOne(userId, p),
      written: (prepared) => this.#announce(prepared),
    });
  }

  /** Runs `fn` in one transaction and sends its events once it has committed. */
  async transaction<T>(fn: (unit: ChatUnit) => Promise<T>): Promise<T> {
    const out = new Outbox();
    const result = await this.#store.tx((store) => fn({ store, out }));
    out.flush();
    return result;
  }

  // ---------------------------------------------------------------- access

  /**
   * The channel and the user's membership, or the error that hides what they
   * may not know: a private channel, a conversation or another organization's
   * channel is CHANNEL_NOT_FOUND to outsiders; a public channel of their own
   * organization they have not joined is NOT_A_MEMBER.
   */
  async #access(store: ChatStore, userId: string, channelId: string, opts: { lock?: boolean; member?: boolean } = {}): Promise<Access> {
    const access = await store.access(userId, channelId, opts.lock);
    if (!access?.orgRole) throw channelNotFound();
    if (!access.member && opts.member !== false) {
      if (access.channel.kind === 'public' && access.orgRole !== 'external') throw new DomainError('NOT_A_MEMBER', 'join the channel first');
      throw channelNotFound();
    }
    return access;
  }

  /** Channel admins and the organization's admins and legal representatives moderate a channel. */
  static #moderates({ member, orgRole }: Access): boolean {
    return member?.role === 'admin' || orgRole === 'admin' || orgRole === 'legal';
  }

  /** Numbers and logs one change of a channel; it goes out after commit. */
  async #append(unit: ChatUnit, channelId: string, change: DistributiveOmit<ChannelEvent, 'channelId' | 'seq' | 'at'>, seq?: number): Promise<ChannelEvent> {
    seq ??= await unit.store.nextSeq(channelId);
    const at = Date.now();
    const { kind, ...data } = change;
    await unit.store.logEvent(channelId, seq, kind, data, at);
    const event = { channelId, seq, at, ...change } as ChannelEvent;
    unit.out.add(() => this.emit('event', event));
    return event;
  }

  // -------------------------------------------------------------- channels

  /** The user's channels in an organization, with unread and mention counts. */
  async channels(userId: string, orgId: string): Promise<ChannelView[]> {
    return this.#views(userId, await this.#store.memberChannels(userId, orgId, null));
  }

  /** One channel as its member sees it (access checked first). */
  async channel(userId: string, channelId: string): Promise<ChannelView> {
    const { channel } = await this.#access(this.#store, userId, channelId);
    const [view] = await this.#views(userId, await this.#store.memberChannels(userId, channel.org_id, channelId));
    return view!;
  }

  async #views(userId: string, rows: (ChannelRow | MemberChannelRow)[]): Promise<ChannelView[]> {
    const convs = rows.filter((r) => isConversation(r.kind)).map((r) => r.id);
    const people = new Map<string, { id: string; name: string }[]>();
    for (const m of convs.length ? await this.#store.conversationMembers(convs) : []) people.set(m.channel_id, [...(people.get(m.channel_id) ?? []), { id: m.id, name: m.name }]);
    return rows.map((r) => {
      const view: ChannelView = { id: r.id, orgId: r.org_id, kind: r.kind, name: r.name, topic: r.topic, lastSeq: r.last_seq };
      if ('role' in r) Object.assign(view, { role: r.role, lastReadSeq: r.last_read_seq, unread: r.unread, mentions: r.mentions });
      const ps = people.get(r.id);
      if (ps) {
        view.memberIds = ps.map((p) => p.id);
        const others = ps.filter((p) => p.id !== userId);
        view.name = (others.length ? others : ps).map((p) => p.name).join(', ');
      }
      return view;
    });
  }

  async create(userId: string, p: { orgId: string; name: string; kind: 'public' | 'private'; topic?: string }): Promise<ChannelView> {
    const name = requireName(p.name, 64, 'a channel name');
    const topic = p.topic === undefined ? '' : cleanText(p.topic, 250);
    const id = await this.transaction(async (unit) => {
      const role = await unit.store.orgRole(p.orgId, userId);
      if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
      if (role === 'external') throw new DomainError('FORBIDDEN', 'guests cannot create channels');
      const channelId = await this.insertChannel(unit, { orgId: p.orgId, kind: p.kind, name, topic, createdBy: userId });
      await this.addMembers(unit, channelId, [userId], null, 'admin');
      return channelId;
    });
    return this.channel(userId, id);
  }

  /** Makes a public or private channel; CHANNEL_NAME_TAKEN when the organization has one of that name. */
  async insertChannel(unit: ChatUnit, p: { orgId: string; kind: 'public' | 'private'; name: string; topic: string; createdBy: string }): Promise<string> {
    const id = newId();
    if (!(await unit.store.insertChannel({ id, ...p, at: Date.now() }))) throw new DomainError('CHANNEL_NAME_TAKEN', `a channel named "${p.name}" exists`);
    return id;
  }

  /** Public channels of the organization the user has not joined (guests see none). */
  async browse(userId: string, orgId: string): Promise<ChannelView[]> {
    const role = await this.#store.orgRole(orgId, userId);
    if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    if (role === 'external') return [];
    return this.#views(userId, await this.#store.publicChannelsWithout(orgId, userId));
  }

  async join(userId: string, channelId: string): Promise<ChannelView> {
    await this.transaction(async (unit) => {
      const { channel, member, orgRole } = await this.#access(unit.store, userId, channelId, { member: false, lock: true });
      if (member) return;
      if (channel.kind !== 'public' || orgRole === 'external') throw channelNotFound();
      await this.addMembers(unit, channelId, [userId], null);
    });
    return this.channel(userId, channelId);
  }

  /**
   * Adds people to a channel: a system message and a member:joined event for
   * each (existing members are told), and the channel for the newcomers.
   * Returns who was actually added (members already in are skipped).
   */
  async addMembers(unit: ChatUnit, channelId: string, userIds: string[], by: UserRow | null, role: ChannelRole = 'member'): Promise<string[]> {
    const added: string[] = [];
    for (const userId of userIds) {
      if (!(await unit.store.addMember(channelId, userId, role, Date.now()))) continue;
      added.push(userId);
      const user = (await unit.store.user(userId))!;
      const text = by && by.id !== userId ? `@${user.username} was added to the channel by @${by.username}.` : `@${user.username} joined the channel.`;
      await this.#system(unit, channelId, userId, text);
      await this.#append(unit, channelId, { kind: 'member:joined', userId, name: user.name, by: by?.id ?? null });
      // What they see starts here: their own join is already read.
      await unit.store.readToEnd(channelId, userId);
    }
    if (added.length) unit.out.add(() => this.emit('channelAdded', channelId, added));
    return added;
  }

  async #system(unit: ChatUnit, channelId: string, authorId: string, text: string): Promise<void> {
    const seq = await unit.store.nextSeq(channelId);
    const id = newId();
    await unit.store.insertSystemMessage({ id, channelId, seq, authorId, text, at: Date.now() });
    await this.#append(unit, channelId, { kind: 'message', message: (await unit.store.message(id))! }, seq);
  }

  async leave(userId: string, channelId: string): Promise<void> {
    await this.transaction(async (unit) => {
      const { channel } = await this.#access(unit.store, userId, channelId, { lock: true });
      if (channel.kind === 'direct') throw new DomainError('FORBIDDEN', 'a direct conversation cannot be left');
      await this.#removeMember(unit, channel.id, userId, null);
    });
  }

  async #removeMember(unit: ChatUnit, channelId: string, userId: string, by: UserRow | null): Promise<void> {
    if (!(await unit.store.removeMember(channelId, userId))) return;
    const user = (await unit.store.user(userId))!;
    const text = by ? `@${user.username} was removed from the channel by @${by.username}.` : `@${user.username} left the channel.`;
    await this.#system(unit, channelId, userId, text);
    await this.#append(unit, channelId, { kind: 'member:left', userId, by: by?.id ?? null });
    unit.out.add(() => this.emit('channelRemoved', channelId, [userId]));
  }

  async invite(actorId: string, channelId: string, userIds: string[]): Promise<string[]> {
    return this.transaction(async (unit) => {
      const { channel, orgRole } = await this.#access(unit.store, actorId, channelId, { lock: true });
      if (orgRole === 'external') throw new DomainError('FORBIDDEN', 'guests cannot add people');
      if (isConversation(channel.kind)) throw new DomainError('FORBIDDEN', 'conversations keep their members; open a new one');
      const ids = [...new Set(userIds)];
      if ((await unit.store.orgMembersAmong(channel.org_id, ids)).length !== ids.length) throw new DomainError('USER_NOT_FOUND', 'some of these people are not in the organization');
      return this.addMembers(unit, channelId, ids, (await unit.store.user(actorId))!);
    });
  }

  /** Channel admins and organization admins may remove members. */
  async remove(actorId: string, channelId: string, userId: string): Promise<void> {
    await this.transaction(async (unit) => {
      const access = await this.#access(unit.store, actorId, channelId, { lock: true });
      if (isConversation(access.channel.kind)) throw new DomainError('FORBIDDEN', 'conversations keep their members');
      if (!Chat.#moderates(access)) throw new DomainError('FORBIDDEN', 'only channel admins remove members');
      if (!(await unit.store.isMember(channelId, userId))) throw new DomainError('USER_NOT_FOUND', 'not a member of this channel');
      await this.#removeMember(unit, channelId, userId, (await unit.store.user(actorId))!);
    });
  }

  /** Drops a user from every channel of an organization (they left it or were removed). */
  async removeFromOrg(unit: ChatUnit, orgId: string, userId: string, by: UserRow | null): Promise<void> {
    for (const channel of await unit.store.lockMemberChannels(orgId, userId)) await this.#removeMember(unit, channel.id, userId, by);
  }

  /**
   * A member made a guest: out of the organization's channels (a guest is in
   * the channels someone adds it to, not in all it could once see); its
   * direct and group conversations stay, as they would for a guest.
   */
  async removeFromChannelsOnDemotion(unit: ChatUnit, orgId: string, userId: string, by: UserRow): Promise<void> {
    for (const channel of await unit.store.lockMemberChannels(orgId, userId, ['public', 'private'])) await this.#removeMember(unit, channel.id, userId, by);
  }

  /** Adds a newcomer of the organization to these of its channels (those that still exist). */
  async welcome(unit: ChatUnit, channelIds: string[], userId: string): Promise<void> {
    for (const channelId of channelIds) if (await unit.store.lockChannel(channelId)) await this.addMembers(unit, channelId, [userId], null);
  }

  async setRole(actorId: string, channelId: string, userId: string, role: ChannelRole): Promise<void> {
    await this.transaction(async (unit) => {
      const access = await this.#access(unit.store, actorId, channelId, { lock: true });
      if (isConversation(access.channel.kind)) throw new DomainError('FORBIDDEN', 'conversations have no admins');
      if (!Chat.#moderates(access)) throw new DomainError('FORBIDDEN', 'only channel admins change roles');
      if (!(await unit.store.setMemberRole(channelId, userId, role))) throw new DomainError('USER_NOT_FOUND', 'not a member of this channel');
      await this.#append(unit, channelId, { kind: 'member:role', userId, role });
    });
  }

  async members(userId: string, channelId: string): Promise<ChannelMember[]> {
    await this.#access(this.#store, userId, channelId);
    return (await this.#store.members(channelId)).map(({ channel_role, ...user }) => ({ user, channelRole: channel_role }));
  }

  /** A direct (two people, or oneself) or group conversation; the same people always get the same one. */
  async openDirect(userId: string, orgId: string, userIds: string[]): Promise<ChannelView> {
    const everyone = [...new Set([userId, ...userIds])].sort();
    if (everyone.length > CHAT_LIMITS.groupMembers + 1) throw new DomainError('INVALID_PAYLOAD', `at most ${CHAT_LIMITS.groupMembers} others in a group conversation`);
    const id = await this.transaction(async (unit) => {
      const role = await unit.store.orgRole(orgId, userId);
      if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
      if (role === 'external') throw new DomainError('FORBIDDEN', 'guests cannot start conversations');
      if ((await unit.store.orgMembersAmong(orgId, everyone)).length !== everyone.length) throw new DomainError('USER_NOT_FOUND', 'some of these people are not in the organization');
      const kind = everyone.length > 2 ? 'group' : 'direct';
      const conv = await unit.store.conversation({ id: newId(), orgId, kind, key: `${orgId}:${everyone.join(',')}`, createdBy: userId, memberIds: everyone, at: Date.now() });
      if (conv.created) unit.out.add(() => this.emit('channelAdded', conv.id, everyone));
      return conv.id;
    });
    return this.channel(userId, id);
  }

  // -------------------------------------------------------------- messages

  /**
   * Sends a message. Idempotent on (author, clientId): a retry of a send
   * whose answer was lost returns the first message and changes nothing.
   */
  async send(userId: string, p: SendInput): Promise<SendResult> {
    if (utf8Bytes(p.text) > CHAT_LIMITS.messageBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `a message holds at most ${CHAT_LIMITS.messageBytes} bytes`);
    if (!p.text.trim() && !p.fileIds?.length) throw new DomainError('INVALID_PAYLOAD', 'empty message');
    // Attachments are claimed one message at a time; everything else goes
    // through the batch writer.
    if (p.fileIds?.length) return this.#sendOne(userId, p);
    return this.#batch.send(userId, p);
  }

  /** One message in its own transaction (attachments, and the batch writer's fallback). */
  async #sendOne(userId: string, p: SendInput): Promise<SendResult> {
    // No look-up first: the unique (author, clientId) index turns a retry into
    // a rolled-back insert, and only then is the first message fetched.
    try {
      const message = await this.transaction((unit) => this.#insertMessage(unit, userId, p));
      return { message, duplicate: false };
    } catch (error) {
      // A retry of a send that landed (or two tries racing).
      if (!isUniqueViolation(error)) throw error;
      const landed = await this.#store.messageByClientId(userId, p.clientId);
      if (!landed) throw error;
      // The id was used for another channel: that is a client bug, not a retry.
      if (landed.channelId !== p.channelId) throw new DomainError('INVALID_PAYLOAD', 'this clientId was used for another message');
      return { message: landed, duplicate: true };
    }
  }

  /** Checks a reply's root and finds who is mentioned; the message as it will be stored (seq comes later). */
  async #prepare(store: ChatStore, userId: string, userName: string, kind: ChannelKind, p: SendInput): Promise<Prepared> {
    let rootId: string | null = null;
    if (p.rootId) {
      const root = await store.replyTarget(p.rootId, p.channelId);
      if (!root) throw new DomainError('MESSAGE_NOT_FOUND', 'no such message to reply to');
      // A reply to a reply belongs to the same thread.
      rootId = root.root_id ?? root.id;
    }
    const { usernames, everyone } = parseMentions(p.text);
    // Members are looked up only when someone is to be told: most messages mention nobody.
    let mentioned: string[] = [];
    let notified: string[] = [];
    if (usernames.length || everyone || isConversation(kind)) {
      const members = await store.othersIn(p.channelId, userId);
      const named = new Set(usernames);
      mentioned = members.filter((m) => everyone || named.has(m.username)).map((m) => m.user_id);
      // Direct conversations notify every other member, as a mention does.
      notified = isConversation(kind) ? members.map((m) => m.user_id) : mentioned;
    }
    const message: MessageView = {
      id: newId(),
      channelId: p.channelId,
      seq: 0,
      authorId: userId,
      authorName: userName,
      clientId: p.clientId,
      rootId,
      kind: 'user',
      text: p.text,
      mentions: mentioned,
      attachments: [],
      reactions: [],
      createdAt: Date.now(),
      editedAt: null,
      deletedAt: null,
      pinned: false,
      replyCount: 0,
      call: null,
    };
    return { message, notified };
  }

  /** A message has its number: its channel's event, and a note to each person it notifies. */
  #announce({ message, notified }: Prepared): void {
    this.emit('event', { channelId: message.channelId, seq: message.seq, at: message.createdAt, kind: 'message', message });
    const excerpt = excerptOf(message.text);
    for (const target of notified) this.emit('notify', target, { channelId: message.channelId, messageId: message.id, authorName: message.authorName, excerpt });
  }

  async #insertMessage(unit: ChatUnit, userId: string, p: SendInput, kind: 'user' | 'call' = 'user', call: CallInfo | null = null): Promise<MessageView> {
    const { channel, userName } = await this.#access(unit.store, userId, p.channelId, { lock: true });
    const prepared = await this.#prepare(unit.store, userId, userName, channel.kind, p);
    const { message } = prepared;
    Object.assign(message, { kind, call });
    if (p.fileIds?.length) message.attachments = await this.#claimFiles(unit.store, userId, p.channelId, message.id, p.fileIds);
    message.seq = await unit.store.insertMessage(message);
    unit.out.add(() => this.#announce(prepared));
    return message;
  }

  async #claimFiles(store: ChatStore, userId: string, channelId: string, messageId: string, fileIds: string[]): Promise<AttachmentView[]> {
    const ids = [...new Set(fileIds)];
    const claimed = await store.claimFiles(ids, userId, channelId, messageId);
    if (claimed.length !== ids.length) throw new DomainError('FILE_NOT_FOUND', 'an attachment is unknown, another channel’s, or already sent');
    const order = new Map(ids.map((id, i) => [id, i]));
    return claimed.sort((a, b) => order.get(a.id)! - order.get(b.id)!).map((r) => ({ id: r.id, name: r.name, size: r.size, mime: r.mime }));
  }

  /** The message and the channel access of `userId`, for changes to it. */
  async #target(store: ChatStore, userId: string, messageId: string, lock = true): Promise<Access & { message: MessageView }> {
    const channelId = await store.channelOfMessage(messageId);
    if (!channelId) throw new DomainError('MESSAGE_NOT_FOUND', 'no such message');
    const access = await this.#access(store, userId, channelId, { lock }).catch((error: unknown) => {
      // Outsiders learn nothing about messages of channels they cannot read.
      if (error instanceof DomainError && error.code === 'CHANNEL_NOT_FOUND') throw new DomainError('MESSAGE_NOT_FOUND', 'no such message');
      throw error;
    });
    const message = (await store.message(messageId))!;
    if (message.deletedAt) throw new DomainError('MESSAGE_NOT_FOUND', 'this message was deleted');
    return { ...access, message };
  }

  async edit(userId: string, messageId: string, text: string): Promise<MessageView> {
    if (utf8Bytes(text) > CHAT_LIMITS.messageBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `a message holds at most ${CHAT_LIMITS.messageBytes} bytes`);
    if (!text.trim()) throw new DomainError('INVALID_PAYLOAD', 'empty message (delete it instead)');
    return this.transaction(async (unit) => {
      const { message } = await this.#target(unit.store, userId, messageId);
      if (message.authorId !== userId || message.kind !== 'user') throw new DomainError('FORBIDDEN', 'only the author edits a message');
      await unit.store.editMessage(messageId, text, Date.now());
      const edited = (await unit.store.message(messageId))!;
      await this.#append(unit, edited.channelId, { kind: 'message:edited', message: edited });
      return edited;
    });
  }

  /**
   * The author, channel admins and organization admins may delete. What is
   * left is a tombstone: the text, every earlier version of it (the channel's
   * change log, which `chat:sync` replays, holds them) and the attachments
   * (their rows, and their bytes in the drive, so earlier share links are
   * refused) are gone for good.
   */
  async delete(userId: string, messageId: string): Promise<void> {
    await this.transaction(async (unit) => {
      const target = await this.#target(unit.store, userId, messageId);
      const { message } = target;
      if (message.authorId !== userId && !Chat.#moderates(target)) throw new DomainError('FORBIDDEN', 'only the author or a channel admin deletes a message');
      const keys = await unit.store.tombstone(message, Date.now());
      await this.#append(unit, message.channelId, { kind: 'message:deleted', messageId, rootId: message.rootId });
      const remover = this.#deps.files;
      if (keys.length && remover) unit.out.add(() => void remover.remove(keys));
    });
  }

  async react(userId: string, messageId: string, emoji: string, on: boolean): Promise<ReactionView[]> {
    // Taking one away stays possible for whatever was stored before this check.
    if (on && !isEmoji(emoji)) throw new DomainError('INVALID_PAYLOAD', 'emoji: a reaction is one emoji');
    return this.transaction(async (unit) => {
      const { message } = await this.#target(unit.store, userId, messageId);
      if (on) {
        const known = new Set(message.reactions.map((r) => r.emoji));
        if (!known.has(emoji) && known.size >= MAX_EMOJIS_PER_MESSAGE) throw new DomainError('FORBIDDEN', 'this message has as many different reactions as it may');
        await unit.store.addReaction(messageId, userId, emoji, Date.now());
      } else {
        await unit.store.removeReaction(messageId, userId, emoji);
      }
      const reactions = (await unit.store.message(messageId))!.reactions;
      await this.#append(unit, message.channelId, { kind: 'reactions', messageId, reactions });
      return reactions;
    });
  }

  async pin(userId: string, messageId: string, on: boolean): Promise<void> {
    await this.transaction(async (unit) => {
      const { message } = await this.#target(unit.store, userId, messageId);
      if (message.pinned === on) return;
      await unit.store.setPinned(messageId, on ? userId : null, on ? Date.now() : null);
      await this.#append(unit, message.channelId, { kind: 'pin', messageId, pinned: on, by: userId });
    });
  }

  /** A page of the channel's messages (thread replies stay in their thread), oldest first, before `before`. */
  async history(userId: string, channelId: string, before?: number, limit: number = CHAT_LIMITS.pageSize): Promise<{ messages: MessageView[]; more: boolean }> {
    await this.#access(this.#store, userId, channelId);
    const rows = await this.#store.history(channelId, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    return { messages: rows.slice(0, limit).reverse(), more: rows.length > limit };
  }

  async thread(userId: string, messageId: string): Promise<{ root: MessageView; replies: MessageView[] }> {
    const { message } = await this.#target(this.#store, userId, messageId, false);
    const rootId = message.rootId ?? message.id;
    const root = rootId === message.id ? message : (await this.#store.message(rootId))!;
    return { root, replies: await this.#store.replies(rootId, 1000) };
  }

  async pins(userId: string, channelId: string): Promise<MessageView[]> {
    await this.#access(this.#store, userId, channelId);
    return this.#store.pins(channelId, 200);
  }

  async markRead(userId: string, channelId: string, seq: number): Promise<void> {
    await this.#access(this.#store, userId, channelId);
    const reached = await this.#store.markRead(channelId, userId, seq);
    if (reached !== undefined) this.emit('read', userId, channelId, reached);
  }

  /** Searches the channels the user can read: the ones they are in and, unless they are a guest, the public ones. */
  async search(userId: string, orgId: string, query: string): Promise<SearchHit[]> {
    const role = await this.#store.orgRole(orgId, userId);
    if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    const hits = await this.#store.search(orgId, userId, query, role !== 'external', CHAT_LIMITS.searchResults);
    return hits.map((h) => ({ message: h.message, channelName: isConversation(h.channelKind) ? 'Direct message' : h.channelName }));
  }

  /**
   * What a reconnecting client missed: the events after the seq it last saw,
   * per channel it may read. A channel with more than CHAT_LIMITS.syncEvents
   * missed events is listed in `reload` instead: the client fetches its
   * history afresh.
   */
  async sync(userId: string, since: Record<string, number>): Promise<{ events: ChannelEvent[]; reload: string[] }> {
    const events: ChannelEvent[] = [];
    const reload: string[] = [];
    for (const { id, last_seq } of await this.#store.readableSeqs(userId, Object.keys(since))) {
      const from = since[id]!;
      if (last_seq <= from) continue;
      if (last_seq - from > CHAT_LIMITS.syncEvents) {
        reload.push(id);
        continue;
      }
      for (const r of await this.#store.eventsAfter(id, from)) events.push({ channelId: id, seq: r.seq, at: r.created_at, kind: r.kind, ...r.data } as ChannelEvent);
    }
    return { events, reload };
  }

  // ----------------------------------------------------------------- calls

  /** A meeting started from a channel: a call card message with the join link. */
  async startCall(userId: string, channelId: string): Promise<{ message: MessageView; url: string; moderatorToken: string }> {
    const calls = this.#deps.calls;
    if (!calls) throw new DomainError('MEDIA_UNAVAILABLE', 'meetings are not available on this server');
    const { channel } = await this.#access(this.#store, userId, channelId);
    const title = isConversation(channel.kind) ? 'Call' : `#${channel.name}`;
    const call = await calls.create(title, userId);
    const info: CallInfo = { meetingId: call.meetingId, url: call.url, participants: 0, endedAt: null };
    const message = await this.transaction((unit) => this.#insertMessage(unit, userId, { channelId, clientId: `call:${call.meetingId}`, text: `Call started: ${call.url}` }, 'call', info));
    return { message, url: call.url, moderatorToken: call.moderatorToken };
  }

  /** Whether a meeting was started from a channel (only those have a card to follow). */
  async hasCall(meetingId: string): Promise<boolean> {
    return (await this.#store.callCard(meetingId)) !== undefined;
  }

  /** The call card follows its meeting: participant count, then its end. */
  async updateCall(meetingId: string, change: { participants?: number; ended?: boolean }): Promise<void> {
    const card = await this.#store.callCard(meetingId);
    if (!card) return;
    await this.transaction(async (unit) => {
      await unit.store.lockChannel(card.channel_id);
      const message = (await unit.store.message(card.id))!;
      const call = message.call!;
      if (call.endedAt) return;
      const next: CallInfo = { ...call, participants: change.ended ? 0 : (change.participants ?? call.participants), endedAt: change.ended ? Date.now() : null };
      if (next.participants === call.participants && next.endedAt === call.endedAt) return;
      await unit.store.setCall(card.id, next);
      await this.#append(unit, card.channel_id, { kind: 'message:edited', message: { ...message, call: next } });
    });
  }

  /** Every channel the user is in, across organizations (the rooms of their sockets). */
  async channelIdsOf(userId: string): Promise<string[]> {
    return this.#store.channelIdsOf(userId);
  }

  // ----------------------------------------------------------- attachments

  /** An uploaded attachment, waiting to be named in a message. */
  async recordFile(f: { id: string; orgId: string; channelId: string; uploaderId: string; name: string; size: number; mime: string; driveKey: string }): Promise<void> {
    await this.#store.insertFile({ ...f, at: Date.now() });
  }

  /** An attachment, for members of its channel (and its uploader before it is sent). */
  async file(userId: string, fileId: string): Promise<{ name: string; size: number; mime: string; driveKey: string }> {
    const row = await this.#store.file(fileId);
    const notFound = () => new DomainError('FILE_NOT_FOUND', 'no such file');
    if (!row) throw notFound();
    if (row.message_id === null && row.uploader_id !== userId) throw notFound();
    // Attachments of deleted messages are gone with them.
    if (row.message_id !== null && !(await this.#store.isLiveMessage(row.message_id))) throw notFound();
    await this.#access(this.#store, userId, row.channel_id).catch(() => {
      throw notFound();
    });
    return { name: row.name, size: row.size, mime: row.mime, driveKey: row.drive_key };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
