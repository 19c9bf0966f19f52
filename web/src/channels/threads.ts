// The Threads view's state: the threads one follows (started or replied in),
// most recently answered first, with the replies by others one has not seen.
// Loaded with the organization; kept live from the chat's events; the server
// keeps what was read (opening a thread reads it).
import { computed, signal } from '@preact/signals';
import type { ChatClientToServerEvents, MessageView, ThreadView } from '@parley/protocol';
import type { requester } from '@parley/protocol';

type Request = ReturnType<typeof requester<ChatClientToServerEvents>>;

export class FollowedThreads {
  readonly list = signal<ThreadView[] | null>(null);
  /** The view is shown in place of a channel. */
  readonly shown = signal(false);
  /** Threads with replies one has not seen (the sidebar's count). */
  readonly unread = computed(() => (this.list.value ?? []).filter((t) => t.unread > 0).length);
  readonly #request: Request;
  readonly #orgId: () => string | undefined;
  #reload: ReturnType<typeof setTimeout> | undefined;

  constructor(request: Request, orgId: () => string | undefined) {
    this.#request = request;
    this.#orgId = orgId;
  }

  async load(): Promise<void> {
    const orgId = this.#orgId();
    if (!orgId) return;
    const { threads } = await this.#request('thread:list', { orgId });
    if (orgId === this.#orgId()) this.list.value = threads;
  }

  /**
   * A reply arrived. In a thread listed here: it moves to the top, one more
   * unread unless it is one's own or the thread is open in front of one (then
   * it is read, and the server told). A thread not listed that one now
   * follows (one's own reply, a reply to one's message) comes with a reload.
   */
  reply(m: MessageView, me: string | undefined, root: MessageView | undefined, openRootId: string | undefined): void {
    const list = this.list.value;
    if (!list || !m.rootId) return;
    const i = list.findIndex((t) => t.root.id === m.rootId);
    const mine = m.authorId === me;
    if (i < 0) {
      if (mine || root?.authorId === me) this.#reloadSoon();
      return;
    }
    const seen = !mine && openRootId === m.rootId && document.visibilityState === 'visible';
    if (seen) void this.#request('thread:read', { messageId: m.rootId }).catch(() => undefined);
    const t = list[i]!;
    const next: ThreadView = { ...t, root: { ...t.root, replyCount: t.root.replyCount + 1 }, lastReplyAt: m.createdAt, unread: mine || seen ? 0 : t.unread + 1 };
    this.list.value = [next, ...list.filter((_, j) => j !== i)];
  }

  /** A thread was opened (the server marked it read). */
  opened(rootId: string): void {
    const list = this.list.value;
    if (list?.some((t) => t.root.id === rootId && t.unread > 0)) this.list.value = list.map((t) => (t.root.id === rootId ? { ...t, unread: 0 } : t));
  }

  /** Several replies at once (a burst) make one reload. */
  #reloadSoon(): void {
    clearTimeout(this.#reload);
    this.#reload = setTimeout(() => void this.load().catch(() => undefined), 300);
  }
}
