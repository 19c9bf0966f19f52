// The chat client's state and its link to the server's /chat namespace.
// Events of each channel are applied in their seq order: a gap (an event
// lost while reconnecting) is filled with chat:sync before going on. Sends
// wait in an outbox with their clientId until acknowledged and are sent again
// after a reconnection: the server keeps them exactly once.
import { batch, computed, signal } from '@preact/signals';
import { notifyDesktop } from './notifications.ts';
import { io, type Socket } from 'socket.io-client';
import { RequestError, expandEvent, requester } from '@parley/protocol';
import { FollowedThreads } from './threads.ts';
import type {
  ChannelEvent,
  ChannelView,
  ChatClientToServerEvents,
  ChatServerToClientEvents,
  ChatStateReply,
  MemberView,
  MessageView,
  MeView,
  OrgMemberView,
  OrgView,
  Presence,
  SearchHit,
} from '@parley/protocol';

type ChatSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;

export interface PendingMessage {
  clientId: string;
  channelId: string;
  rootId: string | null;
  text: string;
  fileIds: string[];
  state: 'sending' | 'failed';
  /** Why the server refused it (shown through errorText, in the page's language). */
  error?: RequestError;
}

export interface Toast {
  id: number;
  channelId: string;
  authorName: string;
  excerpt: string;
}

export { RequestError };

const newClientId = (): string => `w-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

export class ChatClient {
  readonly socket: ChatSocket;
  readonly connection = signal<'connecting' | 'online' | 'offline'>('connecting');
  readonly me = signal<MeView | null>(null);
  readonly orgs = signal<OrgView[]>([]);
  readonly org = signal<OrgView | null>(null);
  readonly channels = signal<ChannelView[]>([]);
  readonly users = signal<Map<string, OrgMemberView>>(new Map());
  readonly active = signal<string | null>(null);
  /** Root messages of each channel whose history was loaded, oldest first. */
  readonly messages = signal<Map<string, MessageView[]>>(new Map());
  readonly hasMore = signal<Map<string, boolean>>(new Map());
  readonly thread = signal<{ root: MessageView; replies: MessageView[] } | null>(null);
  readonly pending = signal<PendingMessage[]>([]);
  readonly toasts = signal<Toast[]>([]);
  readonly members = signal<MemberView[] | null>(null);
  readonly searchHits = signal<SearchHit[] | null>(null);
  /** Whether the person wrote a message in this session (the moment to offer desktop notifications). */
  readonly wrote = signal(false);
  /** The query the hits are for (its words are marked in them). */
  readonly searchQuery = signal('');
  readonly signedOut = signal(false);
  /** Public channels others made while this page was open, not joined yet: the sidebar tells of them. */
  readonly newChannels = signal<ChannelView[]>([]);
  /** The Threads view: the threads one follows. */
  readonly followed = new FollowedThreads((event, payload) => this.request(event, payload), () => this.org.value?.id);
  readonly activeChannel = computed(() => this.channels.value.find((c) => c.id === this.active.value) ?? null);

  readonly #lastSeq = new Map<string, number>();
  readonly #early = new Map<string, ChannelEvent[]>();
  #syncing: Promise<void> | null = null;
  #toastId = 0;
  #readTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(token: string) {
    this.socket = io('/chat', { auth: { token }, transports: ['websocket'] });
    let first = true;
    this.socket.on('connect', () => {
      this.connection.value = 'online';
      if (first) {
        first = false;
        void this.loadState();
      } else {
        void this.#recover();
      }
    });
    this.socket.on('disconnect', () => (this.connection.value = 'offline'));
    this.socket.on('connect_error', (err) => {
      if ((err as Error & { data?: { code?: string } }).data?.code === 'UNAUTHORIZED') this.signedOut.value = true;
      this.connection.value = 'offline';
    });
    this.socket.on('chat:event', (e) => this.#receive(expandEvent(e)));
    this.socket.on('chat:channel', ({ channel }) => this.#upsertChannel(channel));
    this.socket.on('chat:channelCreated', ({ channel }) => {
      if (channel.orgId !== this.org.value?.id || channel.createdBy === this.me.value?.id || this.newChannels.value.some((c) => c.id === channel.id)) return;
      this.newChannels.value = [...this.newChannels.value, channel].slice(-5);
    });
    this.socket.on('chat:channelGone', ({ channelId }) => this.#dropChannel(channelId));
    this.socket.on('chat:read', ({ channelId, seq }) => this.#patchChannel(channelId, (c) => (seq >= c.lastSeq ? { ...c, lastReadSeq: seq, unread: 0, mentions: 0 } : { ...c, lastReadSeq: seq })));
    this.socket.on('chat:notify', (n) => {
      // A hidden tab: the desktop's notification (a click brings the channel); a visible one: the page's own notice.
      const where = this.channels.value.find((c) => c.id === n.channelId);
      const title = where && (where.kind === 'public' || where.kind === 'private') ? `${n.authorName} · #${where.name}` : n.authorName;
      if (notifyDesktop({ title, body: n.excerpt, tag: n.messageId }, () => void this.open(n.channelId))) return;
      if (n.channelId === this.active.value && document.hasFocus()) return;
      this.#toast(n.channelId, n.authorName, n.excerpt);
    });
    this.socket.on('chat:presence', ({ users: changed }) => {
      const users = new Map(this.users.value);
      const me = this.me.value;
      for (const p of changed) {
        const u = users.get(p.userId);
        const now = { presence: p.presence, statusText: p.statusText, statusEmoji: p.statusEmoji };
        if (u) users.set(p.userId, { ...u, ...now });
        if (me?.id === p.userId) this.me.value = { ...me, ...now };
      }
      this.users.value = users;
    });
    this.socket.on('org:member', ({ orgId, user }) => {
      // My own role changed (made a guest, or a member again): what I may see changed with it.
      if (user.id === this.me.value?.id && this.orgs.value.find((o) => o.id === orgId)?.role !== user.role) return void this.loadState();
      if (orgId !== this.org.value?.id) return;
      this.users.value = new Map(this.users.value).set(user.id, user);
    });
    this.socket.on('org:memberGone', ({ orgId, userId }) => {
      if (userId === this.me.value?.id) return void this.loadState();
      if (orgId !== this.org.value?.id) return;
      const users = new Map(this.users.value);
      users.delete(userId);
      this.users.value = users;
    });
    this.socket.on('chat:signedOut', () => (this.signedOut.value = true));
  }

  close(): void {
    this.socket.close();
  }

  /** A request to the /chat namespace, its payload and reply typed by the protocol's event map. */
  readonly request = requester<ChatClientToServerEvents>(() => this.socket);

  async loadState(orgId?: string): Promise<void> {
    const state = await this.request('chat:state', orgId ? { orgId } : {});
    this.#takeState(state);
    const rooms = state.channels.filter((c) => c.kind === 'public' || c.kind === 'private');
    const wanted =
      this.active.value && state.channels.some((c) => c.id === this.active.value)
        ? this.active.value
        : (rooms.find((c) => c.name === 'general') ?? rooms[0] ?? state.channels[0])?.id;
    void this.followed.load().catch(() => undefined);
    if (wanted) await this.open(wanted);
  }

  /** A fresh snapshot: counts and people; channels already followed keep their own seq. */
  #takeState(state: ChatStateReply): void {
    batch(() => {
      this.me.value = state.me;
      this.orgs.value = state.orgs;
      if (this.org.value?.id !== state.org?.id) this.newChannels.value = [];
      this.org.value = state.org;
      this.channels.value = state.channels;
      this.users.value = new Map(state.users.map((u) => [u.id, u]));
      for (const c of state.channels) if (!this.#lastSeq.has(c.id)) this.#lastSeq.set(c.id, c.lastSeq);
    });
  }

  /** After a reconnection: what was missed, fresh counts, then the unsent messages. */
  async #recover(): Promise<void> {
    await this.#sync();
    const state = await this.request('chat:state', this.org.value ? { orgId: this.org.value.id } : {}).catch(() => undefined);
    if (state) this.#takeState(state);
    for (const p of this.pending.value) if (p.state === 'sending') void this.#trySend(p);
  }

  async #sync(): Promise<void> {
    if (this.#syncing) return this.#syncing;
    this.#syncing = (async () => {
      try {
        const since = Object.fromEntries(this.#lastSeq);
        const { events, reload } = await this.request('chat:sync', { since });
        for (const e of events) this.#apply(e);
        for (const id of reload) {
          // Too much was missed to replay: start this channel afresh.
          const channel = this.channels.value.find((c) => c.id === id);
          if (channel) this.#lastSeq.set(id, channel.lastSeq);
          if (this.messages.value.has(id)) await this.loadHistory(id);
        }
      } finally {
        this.#syncing = null;
      }
    })();
    return this.#syncing;
  }

  #receive(e: ChannelEvent): void {
    const last = this.#lastSeq.get(e.channelId);
    if (last === undefined) {
      // A channel this client has not listed yet (it was just added): its list entry follows.
      this.#lastSeq.set(e.channelId, e.seq);
      return this.#apply(e, true);
    }
    if (e.seq <= last) return;
    if (e.seq > last + 1) {
      const early = this.#early.get(e.channelId) ?? [];
      early.push(e);
      this.#early.set(e.channelId, early);
      void this.#sync();
      return;
    }
    this.#apply(e);
    const early = (this.#early.get(e.channelId) ?? []).sort((a, b) => a.seq - b.seq);
    this.#early.delete(e.channelId);
    for (const next of early) this.#receive(next);
  }

  #apply(e: ChannelEvent, force = false): void {
    const last = this.#lastSeq.get(e.channelId) ?? 0;
    if (!force && e.seq <= last) return;
    this.#lastSeq.set(e.channelId, Math.max(last, e.seq));
    this.#patchChannel(e.channelId, (c) => ({ ...c, lastSeq: Math.max(c.lastSeq, e.seq) }));
    switch (e.kind) {
      case 'message': {
        const m = e.message;
        this.pending.value = this.pending.value.filter((p) => p.clientId !== m.clientId || m.authorId !== this.me.value?.id);
        if (m.rootId) {
          this.#updateMessage(m.rootId, (r) => ({ ...r, replyCount: r.replyCount + 1 }));
          const t = this.thread.value;
          this.followed.reply(m, this.me.value?.id, this.messages.value.get(e.channelId)?.find((x) => x.id === m.rootId), t?.root.id);
          if (t && t.root.id === m.rootId && !t.replies.some((x) => x.id === m.id)) this.thread.value = { ...t, replies: [...t.replies, m] };
        } else {
          const list = this.messages.value.get(e.channelId);
          if (list && !list.some((x) => x.id === m.id)) this.messages.value = new Map(this.messages.value).set(e.channelId, [...list, m]);
        }
        if (m.authorId !== this.me.value?.id && !m.rootId) {
          // Read only where one sees it: not behind the Threads view.
          if (this.active.value === e.channelId && document.visibilityState === 'visible' && !this.followed.shown.value) this.#scheduleRead();
          else this.#patchChannel(e.channelId, (c) => ({ ...c, unread: (c.unread ?? 0) + 1, mentions: (c.mentions ?? 0) + (m.mentions.includes(this.me.value?.id ?? '') ? 1 : 0) }));
        }
        break;
      }
      case 'message:edited':
        this.#updateMessage(e.message.id, () => e.message);
        break;
      case 'message:deleted': {
        const drop = (list: MessageView[]) => list.filter((m) => m.id !== e.messageId);
        const list = this.messages.value.get(e.channelId);
        if (list) this.messages.value = new Map(this.messages.value).set(e.channelId, drop(list));
        if (e.rootId) this.#updateMessage(e.rootId, (r) => ({ ...r, replyCount: Math.max(0, r.replyCount - 1) }));
        const t = this.thread.value;
        if (t?.root.id === e.messageId) this.thread.value = null;
        else if (t) this.thread.value = { ...t, replies: drop(t.replies) };
        break;
      }
      case 'reactions':
        this.#updateMessage(e.messageId, (m) => ({ ...m, reactions: e.reactions }));
        break;
      case 'pin':
        this.#updateMessage(e.messageId, (m) => ({ ...m, pinned: e.pinned }));
        break;
      case 'member:joined':
      case 'member:left':
      case 'member:role':
        if (this.members.value && this.active.value === e.channelId) void this.showMembers();
        break;
    }
  }

  #updateMessage(id: string, fn: (m: MessageView) => MessageView): void {
    const all = new Map(this.messages.value);
    let changed = false;
    for (const [cid, list] of all) {
      const i = list.findIndex((m) => m.id === id);
      if (i >= 0) {
        all.set(cid, [...list.slice(0, i), fn(list[i]!), ...list.slice(i + 1)]);
        changed = true;
      }
    }
    if (changed) this.messages.value = all;
    const t = this.thread.value;
    if (t) {
      if (t.root.id === id) this.thread.value = { ...t, root: fn(t.root) };
      else if (t.replies.some((m) => m.id === id)) this.thread.value = { ...t, replies: t.replies.map((m) => (m.id === id ? fn(m) : m)) };
    }
  }

  #patchChannel(id: string, fn: (c: ChannelView) => ChannelView): void {
    const list = this.channels.value;
    const i = list.findIndex((c) => c.id === id);
    if (i < 0) return;
    this.channels.value = [...list.slice(0, i), fn(list[i]!), ...list.slice(i + 1)];
  }

  #upsertChannel(channel: ChannelView): void {
    if (channel.orgId !== this.org.value?.id) return;
    this.dismissNew(channel.id);
    const list = this.channels.value.filter((c) => c.id !== channel.id);
    this.channels.value = [...list, channel].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    if (!this.#lastSeq.has(channel.id) || this.#lastSeq.get(channel.id)! < channel.lastSeq) this.#lastSeq.set(channel.id, channel.lastSeq);
  }

  #dropChannel(id: string): void {
    this.channels.value = this.channels.value.filter((c) => c.id !== id);
    this.#lastSeq.delete(id);
    const all = new Map(this.messages.value);
    all.delete(id);
    this.messages.value = all;
    if (this.active.value === id) {
      const next = this.channels.value[0];
      this.active.value = null;
      if (next) void this.open(next.id);
    }
  }

  #toast(channelId: string, authorName: string, excerpt: string): void {
    const toast = { id: ++this.#toastId, channelId, authorName, excerpt };
    this.toasts.value = [...this.toasts.value.slice(-3), toast];
    setTimeout(() => (this.toasts.value = this.toasts.value.filter((t) => t.id !== toast.id)), 6000);
  }

  #scheduleRead(): void {
    clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => {
      const c = this.activeChannel.value;
      if (!c) return;
      this.#patchChannel(c.id, (x) => ({ ...x, unread: 0, mentions: 0, lastReadSeq: x.lastSeq }));
      void this.request('channel:read', { channelId: c.id, seq: c.lastSeq }).catch(() => undefined);
    }, 300);
  }

  // ------------------------------------------------------------- actions

  async open(channelId: string): Promise<void> {
    batch(() => {
      this.followed.shown.value = false;
      this.active.value = channelId;
      this.thread.value = null;
      this.members.value = null;
    });
    if (!this.messages.value.has(channelId)) await this.loadHistory(channelId);
    this.#scheduleRead();
  }

  async loadHistory(channelId: string): Promise<void> {
    const { messages, more } = await this.request('message:history', { channelId });
    this.messages.value = new Map(this.messages.value).set(channelId, messages);
    this.hasMore.value = new Map(this.hasMore.value).set(channelId, more);
  }

  async loadOlder(channelId: string): Promise<void> {
    const list = this.messages.value.get(channelId) ?? [];
    const { messages, more } = await this.request('message:history', { channelId, before: list[0]?.seq });
    this.messages.value = new Map(this.messages.value).set(channelId, [...messages, ...list]);
    this.hasMore.value = new Map(this.hasMore.value).set(channelId, more);
  }

  send(channelId: string, text: string, rootId: string | null = null, fileIds: string[] = []): void {
    this.wrote.value = true;
    const p: PendingMessage = { clientId: newClientId(), channelId, rootId, text, fileIds, state: 'sending' };
    this.pending.value = [...this.pending.value, p];
    void this.#trySend(p);
  }

  async #trySend(p: PendingMessage): Promise<void> {
    try {
      const { message } = await this.request('message:send', {
        channelId: p.channelId,
        clientId: p.clientId,
        text: p.text,
        ...(p.rootId ? { rootId: p.rootId } : {}),
        ...(p.fileIds.length ? { fileIds: p.fileIds } : {}),
      });
      // The event usually came first; if not, the ack stands for it.
      this.pending.value = this.pending.value.filter((x) => x.clientId !== p.clientId);
      if (!message.rootId) {
        const list = this.messages.value.get(p.channelId);
        if (list && !list.some((m) => m.id === message.id)) this.messages.value = new Map(this.messages.value).set(p.channelId, [...list, message]);
      }
    } catch (error) {
      if (error instanceof RequestError && error.code === 'RATE_LIMITED') {
        setTimeout(() => void this.#trySend(p), 1000);
        return;
      }
      if (error instanceof RequestError) {
        this.pending.value = this.pending.value.map((x) => (x.clientId === p.clientId ? { ...x, state: 'failed', error } : x));
      }
      // A timeout: the socket is down or slow. The send stays in the outbox
      // and goes again (same clientId) once reconnected.
      else if (this.socket.connected) setTimeout(() => void this.#trySend(p), 2000);
    }
  }

  retry(clientId: string): void {
    const p = this.pending.value.find((x) => x.clientId === clientId);
    if (!p) return;
    const again = { ...p, state: 'sending' as const, error: undefined };
    this.pending.value = this.pending.value.map((x) => (x.clientId === clientId ? again : x));
    void this.#trySend(again);
  }

  discard(clientId: string): void {
    this.pending.value = this.pending.value.filter((x) => x.clientId !== clientId);
  }

  /** Opens a thread in the side pane (the server counts it read). */
  async openThread(messageId: string): Promise<void> {
    const thread = await this.request('message:thread', { messageId });
    this.thread.value = thread;
    this.followed.opened(thread.root.id);
  }

  async showMembers(): Promise<void> {
    const id = this.active.value;
    if (!id) return;
    const { members } = await this.request('channel:members', { channelId: id });
    this.members.value = members;
  }

  /** Mutes or unmutes a channel for oneself (its messages then notify nothing). */
  async mute(channelId: string, muted: boolean): Promise<void> {
    const { channel } = await this.request('channel:mute', { channelId, muted });
    this.#upsertChannel(channel);
  }

  /** Searches; the results take the side pane whatever was open there (a thread, the members). */
  async search(query: string): Promise<void> {
    if (!this.org.value) return;
    const { hits } = await this.request('message:search', { orgId: this.org.value.id, query });
    batch(() => {
      this.thread.value = null;
      this.members.value = null;
      this.searchQuery.value = query;
      this.searchHits.value = hits;
    });
  }

  async createChannel(name: string, kind: 'public' | 'private', topic = ''): Promise<void> {
    const { channel } = await this.request('channel:create', { orgId: this.org.value!.id, name, kind, ...(topic ? { topic } : {}) });
    this.#upsertChannel(channel);
    await this.open(channel.id);
  }

  async browse(): Promise<ChannelView[]> {
    return (await this.request('channel:browse', { orgId: this.org.value!.id })).channels;
  }

  /** A new channel's notice put away (joined, or not wanted). */
  dismissNew(channelId: string): void {
    if (this.newChannels.value.some((c) => c.id === channelId)) this.newChannels.value = this.newChannels.value.filter((c) => c.id !== channelId);
  }

  async join(channelId: string): Promise<void> {
    const { channel } = await this.request('channel:join', { channelId });
    this.#upsertChannel(channel);
    await this.open(channel.id);
  }

  async leave(channelId: string): Promise<void> {
    await this.request('channel:leave', { channelId });
    this.#dropChannel(channelId);
  }

  async directMessage(userIds: string[]): Promise<void> {
    const { channel } = await this.request('dm:open', { orgId: this.org.value!.id, userIds });
    this.#upsertChannel(channel);
    await this.open(channel.id);
  }

  async setPresence(presence: 'auto' | 'away' | 'dnd' | 'offline', statusText?: string): Promise<void> {
    await this.request('presence:set', { presence, ...(statusText !== undefined ? { statusText } : {}) });
  }

  presenceOf(userId: string): Presence {
    return this.users.value.get(userId)?.presence ?? 'offline';
  }
}
