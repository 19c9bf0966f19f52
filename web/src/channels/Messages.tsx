// The message list, one message, the composer (mentions, attachments) and
// the thread pane.
import { useEffect, useRef, useState } from 'preact/hooks';
import { CHAT_LIMITS, type MessageView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { sessionToken } from '../account/session.ts';
import type { ChatClient, PendingMessage } from './client.ts';
import { MessageText } from './text.tsx';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '👀', '✅'];

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function Attachment({ file }: { file: { id: string; name: string; size: number } }) {
  const open = async () => {
    const link = await api.fileLink(file.id, sessionToken.value!);
    window.open(link.url, '_blank', 'noopener');
  };
  return (
    <button type="button" class="attachment" data-testid="attachment" onClick={() => void open()}>
      📎 {file.name} <span class="dim">({Math.ceil(file.size / 1024)} KB)</span>
    </button>
  );
}

export function Message({ client, m, inThread = false }: { client: ChatClient; m: MessageView; inThread?: boolean }) {
  const me = client.me.value;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.text);
  const [picker, setPicker] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<unknown>) => p.catch((e: Error) => setError(e.message));
  if (m.kind === 'system') {
    return (
      <div class="msg system" data-testid="message" data-kind="system">
        <MessageText text={m.text} myUsername={me?.username} />
      </div>
    );
  }
  const mine = m.authorId === me?.id;
  return (
    <div class={`msg${m.mentions.includes(me?.id ?? '') ? ' mentioned' : ''}`} data-testid="message" data-message-id={m.id} data-kind={m.kind}>
      <div class="msg-head">
        <strong class="msg-author" data-testid="message-author">
          {m.authorName}
        </strong>
        <span class="dim msg-time">{time(m.createdAt)}</span>
        {m.editedAt && <span class="dim" data-testid="edited">(edited)</span>}
        {m.pinned && <span class="pin-flag" data-testid="pinned">📌 pinned</span>}
        <span class="msg-actions">
          <button type="button" class="icon-btn" title="React" data-testid="react-button" onClick={() => setPicker(!picker)}>
            🙂
          </button>
          {!inThread && (
            <button type="button" class="icon-btn" title="Reply in thread" data-testid="reply-button" onClick={() => void client.openThread(m.id)}>
              💬
            </button>
          )}
          <button type="button" class="icon-btn" title={m.pinned ? 'Unpin' : 'Pin'} data-testid="pin-button" onClick={() => act(client.request('message:pin', { messageId: m.id, on: !m.pinned }))}>
            📌
          </button>
          {mine && m.kind === 'user' && (
            <button type="button" class="icon-btn" title="Edit" data-testid="edit-button" onClick={() => (setDraft(m.text), setEditing(true))}>
              ✏️
            </button>
          )}
          {mine && (
            <button type="button" class="icon-btn" title="Delete" data-testid="delete-button" onClick={() => confirm('Delete this message?') && act(client.request('message:delete', { messageId: m.id }))}>
              🗑️
            </button>
          )}
        </span>
      </div>
      {editing ? (
        <form
          class="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(client.request('message:edit', { messageId: m.id, text: draft })).then(() => setEditing(false));
          }}
        >
          <textarea data-testid="edit-input" value={draft} maxLength={CHAT_LIMITS.messageBytes} onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)} />
          <button type="submit" class="primary" data-testid="edit-save">
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div class="msg-body" data-testid="message-text">
          <MessageText text={m.text} myUsername={me?.username} />
        </div>
      )}
      {m.call && (
        <div class={`call-card${m.call.endedAt ? ' ended' : ''}`} data-testid="call-card">
          <span>📞 {m.call.endedAt ? 'Call ended' : 'Call in progress'}</span>
          {!m.call.endedAt && (
            <>
              <span class="dim" data-testid="call-count">
                {m.call.participants} in the call
              </span>
              {/* Built here from the meeting's id: the stored URL is the address its starter used. */}
              <a class="primary button" href={`${location.origin}/m/${encodeURIComponent(m.call.meetingId)}`} target="_blank" rel="noopener" data-testid="call-join">
                Join
              </a>
            </>
          )}
        </div>
      )}
      {m.attachments.length > 0 && (
        <div class="attachments">
          {m.attachments.map((f) => (
            <Attachment key={f.id} file={f} />
          ))}
        </div>
      )}
      {(m.reactions.length > 0 || picker) && (
        <div class="reactions">
          {m.reactions.map((r) => (
            <button
              type="button"
              key={r.emoji}
              class={`reaction${r.userIds.includes(me?.id ?? '') ? ' mine' : ''}`}
              data-testid="reaction"
              title={r.userIds.map((id) => client.users.value.get(id)?.name ?? 'someone').join(', ')}
              onClick={() => act(client.request('message:react', { messageId: m.id, emoji: r.emoji, on: !r.userIds.includes(me?.id ?? '') }))}
            >
              {r.emoji} {r.userIds.length}
            </button>
          ))}
          {picker &&
            QUICK_REACTIONS.map((emoji) => (
              <button
                type="button"
                key={emoji}
                class="reaction pick"
                data-testid={`pick-${emoji}`}
                onClick={() => {
                  setPicker(false);
                  void act(client.request('message:react', { messageId: m.id, emoji, on: true }));
                }}
              >
                {emoji}
              </button>
            ))}
        </div>
      )}
      {!inThread && m.replyCount > 0 && (
        <button type="button" class="link replies" data-testid="reply-count" onClick={() => void client.openThread(m.id)}>
          {m.replyCount} {m.replyCount === 1 ? 'reply' : 'replies'}
        </button>
      )}
      {error && <p class="hint error">{error}</p>}
    </div>
  );
}

function Pending({ client, p }: { client: ChatClient; p: PendingMessage }) {
  return (
    <div class={`msg pending ${p.state}`} data-testid="pending-message">
      <div class="msg-body">
        <MessageText text={p.text} myUsername={client.me.value?.username} />
      </div>
      {p.state === 'sending' ? (
        <span class="dim">sending…</span>
      ) : (
        <span class="hint error">
          Not sent: {p.error}{' '}
          <button type="button" class="link" onClick={() => client.retry(p.clientId)}>
            Retry
          </button>{' '}
          <button type="button" class="link" onClick={() => client.discard(p.clientId)}>
            Discard
          </button>
        </span>
      )}
    </div>
  );
}

export function MessageList({ client, channelId }: { client: ChatClient; channelId: string }) {
  const list = client.messages.value.get(channelId);
  const pending = client.pending.value.filter((p) => p.channelId === channelId && !p.rootId);
  const more = client.hasMore.value.get(channelId);
  const end = useRef<HTMLDivElement>(null);
  const count = (list?.length ?? 0) + pending.length;
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [channelId, count]);
  if (!list) return <div class="messages dim">Loading…</div>;
  return (
    <div class="messages" data-testid="messages">
      {more && (
        <button type="button" class="link older" data-testid="load-older" onClick={() => void client.loadOlder(channelId)}>
          Load older messages
        </button>
      )}
      {list.length === 0 && <p class="dim">No messages yet. Say hello!</p>}
      {list.map((m) => (
        <Message key={m.id} client={client} m={m} />
      ))}
      {pending.map((p) => (
        <Pending key={p.clientId} client={client} p={p} />
      ))}
      <div ref={end} />
    </div>
  );
}

/** The text box: Enter sends, Shift+Enter breaks the line, "@" suggests people, 📎 attaches files. */
export function Composer({ client, channelId, rootId = null, placeholder }: { client: ChatClient; channelId: string; rootId?: string | null; placeholder: string }) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const mention = /(?:^|\s)@([A-Za-z0-9._-]*)$/.exec(text);
  const suggestions = mention
    ? [...client.users.value.values()]
        .filter((u) => u.username.startsWith(mention[1]!.toLowerCase()) || u.name.toLowerCase().startsWith(mention[1]!.toLowerCase()))
        .slice(0, 6)
    : [];
  const bytes = new TextEncoder().encode(text).length;
  const submit = () => {
    const clean = text.trim();
    if ((!clean && !files.length) || bytes > CHAT_LIMITS.messageBytes) return;
    client.send(channelId, clean || files.map((f) => f.name).join(', '), rootId, files.map((f) => f.id));
    setText('');
    setFiles([]);
  };
  const attach = async (list: FileList | null) => {
    if (!list) return;
    setBusy(true);
    setError(null);
    try {
      for (const f of Array.from(list)) {
        if (f.size > CHAT_LIMITS.fileBytes) throw new Error(`${f.name} is larger than ${CHAT_LIMITS.fileBytes / 1024 / 1024} MB`);
        const up = await api.upload(channelId, f, sessionToken.value!);
        setFiles((prev) => [...prev, { id: up.id, name: up.name }]);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {suggestions.length > 0 && (
        <ul class="suggestions" data-testid="mention-suggestions">
          {suggestions.map((u) => (
            <li key={u.id}>
              <button
                type="button"
                onClick={() => {
                  setText(text.replace(/@([A-Za-z0-9._-]*)$/, `@${u.username} `));
                  input.current?.focus();
                }}
              >
                <strong>{u.name}</strong> <span class="dim">@{u.username}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <div class="attachments">
          {files.map((f) => (
            <span class="attachment" key={f.id}>
              📎 {f.name}
            </span>
          ))}
        </div>
      )}
      <div class="composer-row">
        <label class="icon-btn" title="Attach files">
          📎
          <input type="file" multiple hidden data-testid="attach-input" onChange={(e) => void attach((e.target as HTMLInputElement).files)} />
        </label>
        <textarea
          ref={input}
          rows={1}
          data-testid={rootId ? 'thread-input' : 'composer-input'}
          placeholder={placeholder}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" class="primary" data-testid={rootId ? 'thread-send' : 'composer-send'} disabled={busy || bytes > CHAT_LIMITS.messageBytes}>
          Send
        </button>
      </div>
      {bytes > CHAT_LIMITS.messageBytes && <p class="hint error">This message is too long ({bytes} of {CHAT_LIMITS.messageBytes} bytes).</p>}
      {error && <p class="hint error">{error}</p>}
    </form>
  );
}

export function ThreadPane({ client }: { client: ChatClient }) {
  const t = client.thread.value;
  if (!t) return null;
  const pending = client.pending.value.filter((p) => p.rootId === t.root.id);
  return (
    <aside class="side-pane" data-testid="thread-pane">
      <header class="pane-head">
        <strong>Thread</strong>
        <button type="button" class="icon-btn" aria-label="Close thread" onClick={() => (client.thread.value = null)}>
          ✕
        </button>
      </header>
      <div class="messages">
        <Message client={client} m={t.root} inThread />
        <p class="dim thread-count">{t.replies.length} {t.replies.length === 1 ? 'reply' : 'replies'}</p>
        {t.replies.map((m) => (
          <Message key={m.id} client={client} m={m} inThread />
        ))}
        {pending.map((p) => (
          <Pending key={p.clientId} client={client} p={p} />
        ))}
      </div>
      <Composer client={client} channelId={t.root.channelId} rootId={t.root.id} placeholder="Reply…" />
    </aside>
  );
}
