import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS, type ParticipantId } from '@parley/protocol';
import { formatTime } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Icon, IconButton } from '../ui/icons.tsx';
import type { People } from '../core/session.ts';
import type { TalkStore } from './store.ts';
import { SendHorizontal as SendHorizontalIcon, X as XIcon } from 'lucide';

/** What this view needs of the meeting session (it is given the session itself). */
type TalkSession = People & { talk: TalkStore };

const encoder = new TextEncoder();

/** In-meeting chat: to everyone or privately to one participant. Text is rendered as text, never as HTML. */
export function TalkPanel({ session, onClose }: { session: TalkSession; onClose: () => void }) {
  const [text, setText] = useState('');
  const [to, setTo] = useState<ParticipantId | ''>('');
  const list = useRef<HTMLDivElement>(null);
  const me = session.participantId;
  const messages = session.talk.messages.value;
  const others = [...session.participants.value.values()].filter((p) => p.id !== me);
  const bytes = encoder.encode(text).length;
  const tooLong = bytes > LIMITS.talkBytes;

  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [messages.length]);
  // A private recipient who left can no longer receive.
  useEffect(() => {
    if (to && !session.participants.value.has(to)) setTo('');
  }, [session.participants.value]);

  const send = async () => {
    const body = text.trim();
    if (!body || tooLong) return;
    if (await session.talk.send(body, to || undefined)) setText('');
  };

  return (
    <aside class="panel" aria-label={t('talk.panel.title')} data-testid="chat-panel">
      <header class="panel-head">
        <h2>{t('talk.panel.title')}</h2>
        <IconButton icon={XIcon} label={t('talk.panel.close')} size={18} onClick={onClose} />
      </header>
      <div class="chat-list" ref={list}>
        {messages.length === 0 && <p class="empty">{t('talk.panel.empty')}</p>}
        {messages.map((m) => (
          <div key={m.id} class={`chat-msg ${m.from === me ? 'mine' : ''} ${m.to ? 'private' : ''}`} data-testid="chat-message" data-private={m.to ? 'true' : 'false'}>
            <div class="chat-meta">
              <strong>{m.from === me ? t('talk.message.you') : m.fromName}</strong>
              {m.to && <span class="private-tag">{m.from === me ? t('talk.message.privateTo', { name: m.toName ?? '' }) : t('talk.message.privateToYou')}</span>}
              <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
            </div>
            <div class="chat-text">{m.text}</div>
          </div>
        ))}
      </div>
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <select aria-label={t('talk.composer.recipient')} data-testid="chat-recipient" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value as ParticipantId | '')}>
          <option value="">{t('talk.composer.everyone')}</option>
          {others.map((p) => (
            <option key={p.id} value={p.id}>
              {t('talk.composer.privateOption', { name: p.name })}
            </option>
          ))}
        </select>
        <div class="composer-row">
          <textarea
            data-testid="chat-input"
            aria-label={t('talk.composer.label')}
            placeholder={to ? t('talk.composer.placeholderPrivate') : t('talk.composer.placeholderEveryone')}
            rows={2}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void send();
              }
            }}
          />
          <button type="submit" class="icon-btn send" aria-label={t('talk.composer.send')} title={t('talk.composer.send')} data-testid="chat-send" disabled={!text.trim() || tooLong}>
            <Icon icon={SendHorizontalIcon} size={18} />
          </button>
        </div>
        {tooLong && <p class="hint error">{t('talk.composer.tooLong', { bytes, max: LIMITS.talkBytes })}</p>}
      </form>
    </aside>
  );
}
