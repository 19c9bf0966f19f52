// The Threads view, as Mattermost's: the threads one started or replied in,
// most recently answered first, each with its channel, its first message and
// how many replies one has not seen. A click opens the thread beside the list
// (on a phone, over it), which reads it.
import type { ThreadView } from '@parley/protocol';
import { Menu as MenuIcon } from 'lucide';
import { formatNumber, formatRelative } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { IconButton } from '../ui/icons.tsx';
import type { ChatClient } from './client.ts';

/** The first words of a message, as text (its Markdown marks left as typed): enough to recognize the thread. */
const excerpt = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}…` : text);

export function ThreadsView({ client, openDrawer }: { client: ChatClient; openDrawer: () => void }) {
  const list = client.followed.list.value;
  const openId = client.thread.value?.root.id;
  // A conversation is named as the sidebar names it (the server says only that it is one).
  const where = (th: ThreadView) => {
    const c = client.channels.value.find((x) => x.id === th.root.channelId);
    if (!c) return th.channelName;
    return c.kind === 'public' || c.kind === 'private' ? `#${c.name}` : c.name;
  };
  return (
    <>
      <header class="channel-head">
        <IconButton icon={MenuIcon} class="drawer-toggle" label={t('chat.sidebar.open')} data-testid="open-drawer" onClick={openDrawer} />
        <h2 data-testid="threads-title">{t('chat.threads.title')}</h2>
      </header>
      <div class="messages threads-list" data-testid="threads-view">
        {list === null && <p class="dim">{t('chat.loading')}</p>}
        {list?.length === 0 && <p class="dim">{t('chat.threads.none')}</p>}
        <ul class="plain-list">
          {list?.map((th) => (
            <li key={th.root.id}>
              <button
                type="button"
                class={`thread-item${th.unread > 0 ? ' unread' : ''}${th.root.id === openId ? ' active' : ''}`}
                data-testid="thread-item"
                data-root-id={th.root.id}
                onClick={() => void client.openThread(th.root.id)}
              >
                <span class="thread-where dim">
                  {where(th)} · {th.root.authorName}
                </span>
                <span class="thread-text">{excerpt(th.root.text)}</span>
                <span class="thread-meta dim">
                  {t('chat.message.replies', { count: th.root.replyCount })} · {formatRelative(th.lastReplyAt)}
                  {th.unread > 0 && (
                    <span class="chat-badge" data-testid="thread-unread" title={t('chat.threads.unread', { count: th.unread })}>
                      {formatNumber(th.unread)}
                    </span>
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
