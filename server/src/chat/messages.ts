// Team chat's messages: send (through the group commit of batch.ts, or one
// by one with attachments), edit, delete, reactions, pins, history, threads,
// read positions, search and a reconnecting client's catch-up.
import { CHAT_LIMITS, DomainError, type CallInfo, type ChannelEvent, type ChannelKind, type MessageView, type ReactionView, type SearchHit, type ThreadView } from '@parley/protocol';
import { newId } from '../lib/ids.ts';
import { isUniqueViolation } from '../store/db.ts';
import { isEmoji } from '../lib/names.ts';
import { SendBatcher, type Prepared, type SendInput, type SendResult, type SendStages } from './batch.ts';
import { isConversation, moderates, type ChatCore, type ChatUnit } from './core.ts';
import type { Attachments } from './attachments.ts';
import type { Access, ChatStore } from './store.ts';
import { MessageNotFound } from './errors.ts';
import { parseSearch, searchable } from './search-query.ts';
import { Forbidden, InvalidRequest, OrgNotFound, TooLarge } from '../lib/errors.ts';

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

function checkText(text: string): void {
  if (utf8Bytes(text) > CHAT_LIMITS.messageBytes) throw new TooLarge(`a message holds at most ${CHAT_LIMITS.messageBytes} bytes`);
}

export class ChatMessages {
  readonly #core: ChatCore;
  readonly #store: ChatStore;
  readonly #attachments: Attachments;
  readonly #batch: SendBatcher;

  constructor(core: ChatCore, store: ChatStore, attachments: Attachments) {
    this.#core = core;
    this.#store = store;
    this.#attachments = attachments;
    this.#batch = new SendBatcher(store.messages, {
      prepare: (userId, userName, kind, p) => this.#prepare(store, userId, userName, kind, p),
      sendOne: (userId, p) => this.#sendOne(userId, p),
      written: (prepared) => this.#announce(prepared),
    });
    // Someone leaving or removed is read again at their next send (the write would refuse them anyway).
    core.on('channelRemoved', (channelId, userIds) => this.#batch.forget(channelId, userIds));
  }

  /** Someone changed their name: their next messages carry the new one (see SendBatcher.forgetUser). */
  renamed(userId: string): void {
    this.#batch.forgetUser(userId);
  }

  /** Where the batched sends' time went (see SendStages). */
  get sendStages(): SendStages {
    return this.#batch.stages;
  }

  /**
   * Sends a message. Idempotent on (author, clientId): a retry of a send
   * whose answer was lost returns the first message and changes nothing.
   */
  async send(userId: string, p: SendInput): Promise<SendResult> {
    checkText(p.text);
    if (!p.text.trim() && !p.fileIds?.length) throw new InvalidRequest('empty message');
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
      const message = await this.#core.transaction((unit) => this.insert(unit, userId, p));
      return { message, duplicate: false };
    } catch (error) {
      // A retry of a send that landed (or two tries racing).
      if (!isUniqueViolation(error)) throw error;
      const landed = await this.#store.messages.messageByClientId(userId, p.clientId);
      if (!landed) throw error;
      // The id was used for another channel: that is a client bug, not a retry.
      if (landed.channelId !== p.channelId) throw new InvalidRequest('this clientId was used for another message');
      return { message: landed, duplicate: true };
    }
  }

  /** Checks a reply's root and finds who is mentioned; the message as it will be stored (seq comes later). */
  async #prepare(store: ChatStore, userId: string, userName: string, kind: ChannelKind, p: SendInput): Promise<Prepared> {
    let rootId: string | null = null;
    if (p.rootId) {
      const root = await store.messages.replyTarget(p.rootId, p.channelId);
      if (!root) throw new MessageNotFound('no such message to reply to');
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
      // Direct conversations notify every other member, as a mention does; a member who muted the channel is told nothing.
      const muted = new Set(members.filter((m) => m.muted).map((m) => m.user_id));
      notified = (isConversation(kind) ? members.map((m) => m.user_id) : mentioned).filter((id) => !muted.has(id));
    }
    // A reply tells those who follow its thread (its root's author, earlier repliers), as Mattermost's threads do.
    if (rootId) notified = [...new Set([...notified, ...(await store.threadFollowers(rootId, p.channelId, userId))])];
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
    this.#core.emit('event', { channelId: message.channelId, seq: message.seq, at: message.createdAt, kind: 'message', message });
    const excerpt = excerptOf(message.text);
    for (const target of notified) this.#core.emit('notify', target, { channelId: message.channelId, messageId: message.id, authorName: message.authorName, excerpt });
  }

  /** One message written in `unit` (a user's, or a call card); announced once the unit commits. */
  async insert(unit: ChatUnit, userId: string, p: SendInput, kind: 'user' | 'call' = 'user', call: CallInfo | null = null): Promise<MessageView> {
    const { channel, userName } = await this.#core.access(userId, p.channelId, { store: unit.store, lock: true });
    const prepared = await this.#prepare(unit.store, userId, userName, channel.kind, p);
    const { message } = prepared;
    Object.assign(message, { kind, call });
    if (p.fileIds?.length) message.attachments = await this.#attachments.claim(unit.store, userId, p.channelId, message.id, p.fileIds);
    message.seq = await unit.store.messages.insertMessage(message);
    unit.out.add(() => this.#announce(prepared));
    return message;
  }

  /** The message and the channel access of `userId`, for changes to it (`lock`: the channel's row held). */
  async #target(store: ChatStore, userId: string, messageId: string, lock = true): Promise<Access & { message: MessageView }> {
    const channelId = await store.messages.channelOfMessage(messageId);
    if (!channelId) throw new MessageNotFound('no such message');
    const access = await this.#core.access(userId, channelId, { store, lock }).catch((error: unknown) => {
      // Outsiders learn nothing about messages of channels they cannot read.
      if (error instanceof DomainError && error.code === 'CHANNEL_NOT_FOUND') throw new MessageNotFound('no such message');
      throw error;
    });
    const message = (await store.messages.message(messageId))!;
    if (message.deletedAt) throw new MessageNotFound('this message was deleted');
    return { ...access, message };
  }

  async edit(userId: string, messageId: string, text: string): Promise<MessageView> {
    checkText(text);
    if (!text.trim()) throw new InvalidRequest('empty message (delete it instead)');
    return this.#core.transaction(async (unit) => {
      const { message } = await this.#target(unit.store, userId, messageId);
      if (message.authorId !== userId || message.kind !== 'user') throw new Forbidden('only the author edits a message');
      await unit.store.messages.editMessage(messageId, text, Date.now());
      const edited = (await unit.store.messages.message(messageId))!;
      await this.#core.append(unit, edited.channelId, { kind: 'message:edited', message: edited });
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
    await this.#core.transaction(async (unit) => {
      const target = await this.#target(unit.store, userId, messageId);
      const { message } = target;
      if (message.authorId !== userId && !moderates(target)) throw new Forbidden('only the author or a channel admin deletes a message');
      const keys = await unit.store.messages.tombstone(message, Date.now());
      await this.#core.append(unit, message.channelId, { kind: 'message:deleted', messageId, rootId: message.rootId });
      this.#attachments.removeBytes(unit, keys);
    });
  }

  async react(userId: string, messageId: string, emoji: string, on: boolean): Promise<ReactionView[]> {
    // Taking one away stays possible for whatever was stored before this check.
    if (on && !isEmoji(emoji)) throw new InvalidRequest('emoji: a reaction is one emoji');
    return this.#core.transaction(async (unit) => {
      const { message } = await this.#target(unit.store, userId, messageId);
      if (on) {
        const known = new Set(message.reactions.map((r) => r.emoji));
        if (!known.has(emoji) && known.size >= MAX_EMOJIS_PER_MESSAGE) throw new Forbidden('this message has as many different reactions as it may');
        await unit.store.messages.addReaction(messageId, userId, emoji, Date.now());
      } else {
        await unit.store.messages.removeReaction(messageId, userId, emoji);
      }
      const reactions = (await unit.store.messages.message(messageId))!.reactions;
      await this.#core.append(unit, message.channelId, { kind: 'reactions', messageId, reactions });
      return reactions;
    });
  }

  async pin(userId: string, messageId: string, on: boolean): Promise<void> {
    await this.#core.transaction(async (unit) => {
      const { message } = await this.#target(unit.store, userId, messageId);
      if (message.pinned === on) return;
      await unit.store.messages.setPinned(messageId, on ? userId : null, on ? Date.now() : null);
      await this.#core.append(unit, message.channelId, { kind: 'pin', messageId, pinned: on, by: userId });
    });
  }

  /** A page of the channel's messages (thread replies stay in their thread), oldest first, before `before`. */
  async history(userId: string, channelId: string, before?: number, limit: number = CHAT_LIMITS.pageSize): Promise<{ messages: MessageView[]; more: boolean }> {
    await this.#core.access(userId, channelId);
    const rows = await this.#store.messages.history(channelId, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    return { messages: rows.slice(0, limit).reverse(), more: rows.length > limit };
  }

  /** A thread, opened: read by its reader up to now. */
  async thread(userId: string, messageId: string): Promise<{ root: MessageView; replies: MessageView[] }> {
    const { message } = await this.#target(this.#store, userId, messageId, false);
    const rootId = message.rootId ?? message.id;
    const root = rootId === message.id ? message : (await this.#store.messages.message(rootId))!;
    const replies = await this.#store.messages.replies(rootId, 1000);
    await this.#store.messages.markThreadRead(userId, rootId, Date.now());
    return { root, replies };
  }

  /** A thread open in front of its reader got a reply: read up to now. */
  async readThread(userId: string, messageId: string): Promise<void> {
    const { message } = await this.#target(this.#store, userId, messageId, false);
    await this.#store.messages.markThreadRead(userId, message.rootId ?? message.id, Date.now());
  }

  /** The Threads view: threads the user started or replied in, in channels they are in, most recently answered first. */
  async followedThreads(userId: string, orgId: string): Promise<ThreadView[]> {
    if (!(await this.#store.orgRole(orgId, userId))) throw new OrgNotFound('no such organization');
    const rows = await this.#store.messages.followedThreads(userId, orgId, CHAT_LIMITS.followedThreads);
    return rows.map((r) => ({ root: r.message, channelName: isConversation(r.channelKind as ChannelKind) ? 'Direct message' : r.channelName, lastReplyAt: r.lastReplyAt, unread: r.unread }));
  }

  async pins(userId: string, channelId: string): Promise<MessageView[]> {
    await this.#core.access(userId, channelId);
    return this.#store.messages.pins(channelId, 200);
  }

  async markRead(userId: string, channelId: string, seq: number): Promise<void> {
    await this.#core.access(userId, channelId);
    const reached = await this.#store.markRead(channelId, userId, seq);
    if (reached !== undefined) this.#core.emit('read', userId, channelId, reached);
  }

  /** Searches the channels the user can read: the ones they are in and, unless they are a guest, the public ones (query syntax: search-query.ts). */
  async search(userId: string, orgId: string, query: string): Promise<SearchHit[]> {
    const role = await this.#store.orgRole(orgId, userId);
    if (!role) throw new OrgNotFound('no such organization');
    const parsed = parseSearch(query);
    if (!searchable(parsed)) return [];
    const hits = await this.#store.messages.search(orgId, userId, parsed, role !== 'external', CHAT_LIMITS.searchResults);
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
}
