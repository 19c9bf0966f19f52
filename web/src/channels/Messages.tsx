// The message list, one message, the composer (mentions, attachments) and
// the thread pane.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CHAT_LIMITS, type MessageView, type SystemNote } from '@parley/protocol';
import { api } from '../core/api.ts';
import { sessionToken } from '../account/session.ts';
import { errorText } from '../i18n/errors.ts';
import { dayStart, formatBytes, formatDateTime, formatDayLabel, formatList, formatNumber, formatTime } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Icon, IconButton } from '../ui/icons.tsx';
import { meetingLink } from '../ui/links.ts';
import type { ChatClient, PendingMessage } from './client.ts';
import { MessageText, PlainText } from './markdown.tsx';
import { EmojiPopover, SHORTCODE_TAIL, useShortcodes } from './EmojiPicker.tsx';
import { Ellipsis as EllipsisIcon, FaceSlightlySmiling as FaceSlightlySmilingIcon, FaceSlightlySmilingPlus as FaceSlightlySmilingPlusIcon, MessageSquareReply as MessageSquareReplyIcon, Paperclip as PaperclipIcon, Pencil as PencilIcon, Phone as PhoneIcon, Pin as PinIcon, PinOff as PinOffIcon, SendHorizontal as SendIcon, Trash as TrashIcon, X as XIcon } from 'lucide';

/** Reactions offered at a click: content (the emoji is what is sent), each button named for screen readers. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '👀', '✅'];

function Time({ at }: { at: number }) {
  return (
    <time class="dim msg-time" dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {formatTime(at)}
    </time>
  );
}

function Attachment({ file }: { file: { id: string; name: string; size: number } }) {
  const open = async () => {
    const link = await api.fileLink(file.id, sessionToken.value!);
    window.open(link.url, '_blank', 'noopener');
  };
  return (
    <button type="button" class="attachment with-icon" data-testid="attachment" onClick={() => void open()}>
      <Icon icon={PaperclipIcon} size={14} />
      {file.name} <span class="dim">({formatBytes(file.size)})</span>
    </button>
  );
}

/** A system message in the reader's language (the @names stay mentions). */
function systemText(note: SystemNote): string {
  return 'by' in note ? t(`chat.system.${note.event}`, { user: `@${note.user}`, by: `@${note.by}` }) : t(`chat.system.${note.event}`, { user: `@${note.user}` });
}

/** `highlight`: a search's words, marked in the text (search results). */
export function Message({ client, m, inThread = false, highlight }: { client: ChatClient; m: MessageView; inThread?: boolean; highlight?: string[] }) {
  const me = client.me.value;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.text);
  const [picker, setPicker] = useState(false);
  const [allEmoji, setAllEmoji] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<unknown>) => p.catch((e: unknown) => setError(errorText(e)));
  if (m.kind === 'system') {
    return (
      <div class="msg system" data-testid="message" data-kind="system">
        <PlainText text={m.note ? systemText(m.note) : m.text} myUsername={me?.username} />
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
        <Time at={m.createdAt} />
        {m.editedAt && <span class="dim" data-testid="edited">{t('chat.message.edited')}</span>}
        {m.pinned && (
          <span class="pin-flag with-icon" data-testid="pinned">
            <Icon icon={PinIcon} size={12} />
            {t('chat.message.pinned')}
          </span>
        )}
        <span class="msg-actions">
          <IconButton icon={FaceSlightlySmilingPlusIcon} label={t('chat.message.react')} size={16} aria-expanded={picker} data-testid="react-button" onClick={() => setPicker(!picker)} />
          {!inThread && (
            <IconButton icon={MessageSquareReplyIcon} label={t('chat.message.reply')} size={16} data-testid="reply-button" onClick={() => void client.openThread(m.id)} />
          )}
          <button
            type="button"
            class="icon-btn"
            title={m.pinned ? t('chat.message.unpin') : t('chat.message.pin')}
            aria-label={m.pinned ? t('chat.message.unpin') : t('chat.message.pin')}
            data-testid="pin-button"
            onClick={() => act(client.request('message:pin', { messageId: m.id, on: !m.pinned }))}
          >
            <Icon icon={m.pinned ? PinOffIcon : PinIcon} size={16} />
          </button>
          {mine && m.kind === 'user' && (
            <IconButton icon={PencilIcon} label={t('chat.message.edit')} size={16} data-testid="edit-button" onClick={() => (setDraft(m.text), setEditing(true))} />
          )}
          {mine && (
            <IconButton icon={TrashIcon} label={t('chat.message.delete')} size={16} data-testid="delete-button" onClick={() => confirm(t('chat.message.deleteConfirm')) && act(client.request('message:delete', { messageId: m.id }))} />
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
          <textarea data-testid="edit-input" aria-label={t('chat.message.editLabel')} value={draft} maxLength={CHAT_LIMITS.messageBytes} onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)} />
          <button type="submit" class="primary" data-testid="edit-save">
            {t('chat.message.save')}
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            {t('chat.message.cancel')}
          </button>
        </form>
      ) : m.kind === 'call' ? null : (
        // A call's stored text is its English line for other clients; the card below says it in the reader's language.
        <div class="msg-body" data-testid="message-text">
          <MessageText text={m.text} myUsername={me?.username} highlight={highlight} />
        </div>
      )}
      {m.call && (
        <div class={`call-card${m.call.endedAt ? ' ended' : ''}`} data-testid="call-card">
          <span class="with-icon">
            <Icon icon={PhoneIcon} size={16} />
            {m.call.endedAt ? t('chat.call.ended') : t('chat.call.live')}
          </span>
          {!m.call.endedAt && (
            <>
              <span class="dim" data-testid="call-count">
                {t('chat.call.count', { count: m.call.participants })}
              </span>
              {/* Built here from the meeting's id: the stored URL is the address its starter used. */}
              <a class="primary button" href={meetingLink(m.call.meetingId, me?.name)} target="_blank" rel="noopener" data-testid="call-join">
                {t('chat.call.join')}
              </a>
            </>
          )}
          {/* Its recordings: the page shows them to the call's starter (and says so to anyone else). */}
          <a href={`${location.origin}/m/${encodeURIComponent(m.call.meetingId)}/recordings`} target="_blank" rel="noopener" data-testid="call-recordings">
            {t('chat.call.recordings')}
          </a>
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
          {m.reactions.map((r) => {
            const mineToo = r.userIds.includes(me?.id ?? '');
            const names = formatList(r.userIds.map((id) => client.users.value.get(id)?.name ?? t('chat.message.someone')));
            return (
              <button
                type="button"
                key={r.emoji}
                class={`reaction${mineToo ? ' mine' : ''}`}
                data-testid="reaction"
                title={names}
                aria-label={t('chat.message.reaction', { emoji: r.emoji, count: r.userIds.length, names })}
                aria-pressed={mineToo}
                onClick={() => act(client.request('message:react', { messageId: m.id, emoji: r.emoji, on: !mineToo }))}
              >
                {r.emoji} {formatNumber(r.userIds.length)}
              </button>
            );
          })}
          {picker &&
            QUICK_REACTIONS.map((emoji) => (
              <button
                type="button"
                key={emoji}
                class="reaction pick"
                data-testid={`pick-${emoji}`}
                aria-label={t('chat.message.reactWith', { emoji })}
                title={t('chat.message.reactWith', { emoji })}
                onClick={() => {
                  setPicker(false);
                  void act(client.request('message:react', { messageId: m.id, emoji, on: true }));
                }}
              >
                {emoji}
              </button>
            ))}
          {picker && (
            <span class="emoji-anchor">
              <IconButton icon={EllipsisIcon} label={t('chat.emoji.more')} size={16} class="reaction pick" data-testid="more-emoji" data-emoji-toggle={`message:${m.id}`} aria-expanded={allEmoji} onClick={() => setAllEmoji(!allEmoji)} />
              {allEmoji && (
                <EmojiPopover
                  owner={`message:${m.id}`}
                  place="message"
                  label={t('chat.emoji.picker')}
                  close={() => setAllEmoji(false)}
                  onPick={(emoji) => {
                    setAllEmoji(false);
                    setPicker(false);
                    void act(client.request('message:react', { messageId: m.id, emoji, on: true }));
                  }}
                />
              )}
            </span>
          )}
        </div>
      )}
      {!inThread && m.replyCount > 0 && (
        <button type="button" class="link replies" data-testid="reply-count" onClick={() => void client.openThread(m.id)}>
          {t('chat.message.replies', { count: m.replyCount })}
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
        <span class="dim">{t('chat.pending.sending')}</span>
      ) : (
        <span class="hint error">
          {t('chat.pending.failed', { error: p.error ? errorText(p.error) : '' })}{' '}
          <button type="button" class="link" onClick={() => client.retry(p.clientId)}>
            {t('chat.pending.retry')}
          </button>{' '}
          <button type="button" class="link" onClick={() => client.discard(p.clientId)}>
            {t('chat.pending.discard')}
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
  if (!list) return <div class="messages dim">{t('chat.loading')}</div>;
  return (
    <div class="messages" data-testid="messages">
      {more && (
        <button type="button" class="link older" data-testid="load-older" onClick={() => void client.loadOlder(channelId)}>
          {t('chat.messages.older')}
        </button>
      )}
      {list.length === 0 && <p class="dim">{t('chat.messages.empty')}</p>}
      {list.map((m, i) => {
        // A line with the day above the first message of each day.
        const day = dayStart(m.createdAt);
        const newDay = i === 0 || dayStart(list[i - 1]!.createdAt) !== day;
        return (
          <Fragment key={m.id}>
            {newDay && (
              <div class="day-separator" data-testid="day-separator">
                <span>{formatDayLabel(m.createdAt)}</span>
              </div>
            )}
            <Message client={client} m={m} />
          </Fragment>
        );
      })}
      {pending.map((p) => (
        <Pending key={p.clientId} client={client} p={p} />
      ))}
      <div ref={end} />
    </div>
  );
}

/** The text box: Enter sends, Shift+Enter breaks the line, "@" suggests people, the paperclip attaches files. */
export function Composer({ client, channelId, rootId = null, placeholder }: { client: ChatClient; channelId: string; rootId?: string | null; placeholder: string }) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const emojiHits = useShortcodes(text);
  /** `emoji` where the cursor is (or in place of the :shortcode being typed), the cursor after it; the box's text as it is now. */
  const insert = (emoji: string, replacingTail = false) => {
    const el = input.current;
    const now = el?.value ?? text;
    const before = replacingTail ? now.replace(SHORTCODE_TAIL, (m) => `${m.startsWith(':') ? '' : m[0]}${emoji} `) : now.slice(0, el?.selectionStart ?? now.length) + emoji;
    const after = replacingTail ? '' : now.slice(el?.selectionEnd ?? now.length);
    setText(before + after);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(before.length, before.length);
    });
  };
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
        if (f.size > CHAT_LIMITS.fileBytes) {
          setError(t('chat.composer.tooLarge', { name: f.name, size: formatNumber(CHAT_LIMITS.fileBytes / 1024 / 1024, { style: 'unit', unit: 'megabyte', unitDisplay: 'short' }) }));
          return;
        }
        const up = await api.upload(channelId, f, sessionToken.value!);
        setFiles((prev) => [...prev, { id: up.id, name: up.name }]);
      }
    } catch (e) {
      setError(errorText(e));
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
      {emojiHits.length > 0 && (
        <ul class="suggestions" data-testid="emoji-suggestions">
          {emojiHits.map((e) => (
            <li key={e.shortcode}>
              <button type="button" data-testid="emoji-suggestion" data-shortcode={e.shortcode} onClick={() => insert(e.unicode, true)}>
                {e.unicode} <span class="dim">:{e.shortcode}:</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {emojiOpen && <EmojiPopover owner={`composer:${channelId}:${rootId ?? ''}`} place="composer" label={t('chat.emoji.picker')} close={() => setEmojiOpen(false)} onPick={(emoji) => (setEmojiOpen(false), insert(emoji))} />}
      {files.length > 0 && (
        <div class="attachments">
          {files.map((f) => (
            <span class="attachment with-icon" key={f.id}>
              <Icon icon={PaperclipIcon} size={14} />
              {f.name}
            </span>
          ))}
        </div>
      )}
      <div class="composer-row">
        <label class="icon-btn" title={t('chat.composer.attach')}>
          <Icon icon={PaperclipIcon} size={20} />
          <input type="file" multiple class="sr-only" data-testid="attach-input" aria-label={t('chat.composer.attach')} onChange={(e) => void attach((e.target as HTMLInputElement).files)} />
        </label>
        <textarea
          ref={input}
          rows={1}
          data-testid={rootId ? 'thread-input' : 'composer-input'}
          placeholder={placeholder}
          aria-label={placeholder}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            // While :shortcodes are suggested, Enter takes the first, as in Mattermost (Tab still leaves the box).
            if (e.key === 'Enter' && !e.shiftKey && emojiHits.length > 0) {
              e.preventDefault();
              insert(emojiHits[0]!.unicode, true);
              return;
            }
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <IconButton icon={FaceSlightlySmilingIcon} label={t('chat.emoji.insert')} data-testid={rootId ? 'thread-emoji' : 'composer-emoji'} data-emoji-toggle={`composer:${channelId}:${rootId ?? ''}`} aria-expanded={emojiOpen} onClick={() => setEmojiOpen(!emojiOpen)} />
        {/* A phone shows the icon alone (the box needs the width); the name stays for screen readers. */}
        <button type="submit" class="primary send" aria-label={t('chat.composer.send')} data-testid={rootId ? 'thread-send' : 'composer-send'} disabled={busy || bytes > CHAT_LIMITS.messageBytes}>
          <Icon icon={SendIcon} size={20} class="send-icon" />
          <span class="send-label">{t('chat.composer.send')}</span>
        </button>
      </div>
      {bytes > CHAT_LIMITS.messageBytes && <p class="hint error">{t('chat.composer.tooLong', { bytes, max: CHAT_LIMITS.messageBytes })}</p>}
      {error && <p class="hint error">{error}</p>}
    </form>
  );
}

export function ThreadPane({ client }: { client: ChatClient }) {
  const thread = client.thread.value;
  if (!thread) return null;
  const pending = client.pending.value.filter((p) => p.rootId === thread.root.id);
  return (
    <aside class="side-pane" data-testid="thread-pane">
      <header class="pane-head">
        <strong>{t('chat.thread.title')}</strong>
        <IconButton icon={XIcon} label={t('chat.thread.close')} size={18} onClick={() => (client.thread.value = null)} />
      </header>
      <div class="messages">
        <Message client={client} m={thread.root} inThread />
        <p class="dim thread-count">{t('chat.message.replies', { count: thread.replies.length })}</p>
        {thread.replies.map((m) => (
          <Message key={m.id} client={client} m={m} inThread />
        ))}
        {pending.map((p) => (
          <Pending key={p.clientId} client={client} p={p} />
        ))}
      </div>
      <Composer client={client} channelId={thread.root.channelId} rootId={thread.root.id} placeholder={t('chat.thread.placeholder')} />
    </aside>
  );
}
