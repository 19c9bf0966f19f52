// A channel's live events as they travel (chat:event). Every member's
// socket gets each one, so its size is paid once per member, in bytes to
// write and, on each client, to parse: a message travels without what its
// event already says (its channel; for a new message, its number and time)
// and without the fields at their default (no reply, reaction, attachment or
// mention, never edited...). A plain message's event went from about 470
// bytes to about 250. Clients expand it back at the socket (expandEvent), so
// nothing past that point sees the difference. chat:sync and the history
// answer with whole messages.
import type { ChannelEvent, MessageView } from './chat.ts';

/** A message as it travels: what identifies it and its text, the rest when not at its default. */
export type WireMessage = Pick<MessageView, 'id' | 'authorId' | 'authorName' | 'clientId' | 'text'> & Partial<MessageView>;
/** A channel event as it travels: the same, with its message (if any) compacted. */
export type WireEvent = ChannelEvent extends infer E ? (E extends { message: MessageView } ? Omit<E, 'message'> & { message: WireMessage } : E) : never;

/** Each field's default: left out when it holds it. */
const DEFAULTS = {
  rootId: null,
  kind: 'user',
  editedAt: null,
  deletedAt: null,
  pinned: false,
  replyCount: 0,
  call: null,
} as const satisfies Partial<MessageView>;
const LISTS = ['mentions', 'attachments', 'reactions'] as const;

/** The event as it is sent to the channel's sockets. */
export function compactEvent(e: ChannelEvent): WireEvent {
  if (!('message' in e)) return e;
  const m = e.message;
  const out: Record<string, unknown> = {};
  const fresh = e.kind === 'message';
  for (const [key, value] of Object.entries(m)) {
    if (key === 'channelId' && value === e.channelId) continue;
    if (fresh && key === 'seq' && value === e.seq) continue;
    if (fresh && key === 'createdAt' && value === e.at) continue;
    if (key in DEFAULTS && DEFAULTS[key as keyof typeof DEFAULTS] === value) continue;
    if ((LISTS as readonly string[]).includes(key) && Array.isArray(value) && value.length === 0) continue;
    if (key === 'note' && value == null) continue;
    out[key] = value;
  }
  return { ...e, message: out as WireMessage } as WireEvent;
}

/** The event as the rest of a client knows it: its message whole again. */
export function expandEvent(w: WireEvent): ChannelEvent {
  if (!('message' in w)) return w;
  const fresh = w.kind === 'message';
  const message: MessageView = {
    ...DEFAULTS,
    channelId: w.channelId,
    seq: fresh ? w.seq : 0,
    createdAt: fresh ? w.at : 0,
    mentions: [],
    attachments: [],
    reactions: [],
    ...w.message,
  };
  return { ...w, message } as ChannelEvent;
}
