// The chat's dialogs and side panes: a new channel, browsing channels, a
// direct message, the members pane, and search results (with the jump to a
// hit's message).
import { useEffect, useState } from 'preact/hooks';
import type { ChannelView, MessageView, Presence, TeamView } from '@parley/protocol';
import { sessionToken } from '../account/session.ts';
import { teamsApi } from './teams-api.ts';
import { errorText } from '../i18n/errors.ts';
import { formatDate } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { IconButton } from '../ui/icons.tsx';
import type { ChatClient } from './client.ts';
import { Message } from './Messages.tsx';
import { searchWords } from './markdown.tsx';
import { fold } from '../ui/fold.ts';
import { X as XIcon } from 'lucide';

export function Dot({ presence }: { presence: Presence }) {
  const label = t(`chat.presence.${presence}`);
  return <span class={`presence-dot ${presence}`} role="img" aria-label={label} title={label} data-presence={presence} />;
}

export function CreateChannel({ client, close }: { client: ChatClient; close: () => void }) {
  const [name, setName] = useState('');
  const [priv, setPriv] = useState(false);
  const [purpose, setPurpose] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={t('chat.newChannel.title')} close={close}>
      <form
        class="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          client
            .createChannel(name.trim(), priv ? 'private' : 'public', purpose.trim())
            .then(close)
            .catch((err: unknown) => setError(errorText(err)));
        }}
      >
        <label>
          {t('chat.newChannel.name')}
          <input data-testid="channel-name-input" maxLength={64} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('chat.newChannel.purpose')}
          <input data-testid="channel-purpose" maxLength={250} value={purpose} onInput={(e) => setPurpose((e.target as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input type="checkbox" data-testid="channel-private" checked={priv} onChange={(e) => setPriv((e.target as HTMLInputElement).checked)} />
          {t('chat.newChannel.private')}
        </label>
        <button type="submit" class="primary" data-testid="channel-create" disabled={!name.trim()}>
          {t('chat.newChannel.create')}
        </button>
        {error && <p class="hint error">{error}</p>}
      </form>
    </Dialog>
  );
}

/** How long a channel counts as new in the browse list. */
const NEW_CHANNEL_MS = 7 * 24 * 3600_000;

export function Browse({ client, close }: { client: ChatClient; close: () => void }) {
  const [list, setList] = useState<ChannelView[] | null>(null);
  const [filter, setFilter] = useState('');
  useEffect(() => void client.browse().then(setList), [client]);
  // Name or purpose, accents and case aside, as search reads words.
  const wanted = fold(filter.trim());
  // Channels made in the last week come first, marked new (Mattermost's "more channels" has no such mark; people asked where new ones are).
  const isNew = (c: ChannelView) => (c.createdAt ?? 0) > Date.now() - NEW_CHANNEL_MS;
  const shown = list?.filter((c) => !wanted || fold(`${c.name} ${c.topic ?? ''}`).includes(wanted)).sort((a, b) => Number(isNew(b)) - Number(isNew(a))) ?? null;
  return (
    <Dialog title={t('chat.browse.title')} close={close}>
      {list && list.length > 0 && (
        <div class="dialog-form">
          <input
            type="search"
            data-testid="browse-filter"
            aria-label={t('chat.browse.filter')}
            placeholder={t('chat.browse.filter')}
            maxLength={64}
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </div>
      )}
      {!shown ? (
        <p class="dim">{t('chat.loading')}</p>
      ) : shown.length === 0 ? (
        <p class="dim">{list!.length === 0 ? t('chat.browse.none') : t('chat.browse.noMatch')}</p>
      ) : (
        <ul class="plain-list">
          {shown.map((c) => (
            <li key={c.id} data-testid="browse-entry" data-channel-name={c.name}>
              <span>
                #{c.name}
                {isNew(c) && (
                  <span class="chat-badge new-badge" data-testid="browse-new">
                    {t('chat.browse.new')}
                  </span>
                )}
                {c.topic && <span class="dim small"> — {c.topic}</span>}
              </span>
              <button type="button" class="primary" data-testid="join-channel" onClick={() => void client.join(c.id).then(close)}>
                {t('chat.browse.join')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

export function People({ client, close }: { client: ChatClient; close: () => void }) {
  const me = client.me.value!;
  const people = [...client.users.value.values()].filter((u) => u.id !== me.id).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Dialog title={t('chat.dm.title')} close={close}>
      <ul class="plain-list">
        {people.map((u) => (
          <li key={u.id}>
            <Dot presence={u.presence} />
            <span>
              {u.name} <span class="dim">@{u.username}</span> {u.statusEmoji} <span class="dim">{u.statusText}</span>
            </span>
            <button type="button" class="primary" data-testid="dm-user" data-username={u.username} onClick={() => void client.directMessage([u.id]).then(close)}>
              {t('chat.dm.message')}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

export function MembersPane({ client }: { client: ChatClient }) {
  const members = client.members.value ?? [];
  const active = client.activeChannel.value;
  const [adding, setAdding] = useState(false);
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (adding) void teamsApi.teams(client.org.value!.id, sessionToken.value!).then((r) => setTeams(r.teams), () => setTeams([]));
  }, [adding]);
  const add = (p: Promise<unknown>) => {
    setError(null);
    void p.then(() => client.showMembers(), (e: unknown) => setError(errorText(e)));
  };
  const inChannel = new Set(members.map((m) => m.id));
  const candidates = [...client.users.value.values()].filter((u) => !inChannel.has(u.id) && !u.isBot);
  const canAdd = active && (active.kind === 'public' || active.kind === 'private') && client.org.value?.role !== 'external';
  return (
    <aside class="side-pane" data-testid="members-pane">
      <header class="pane-head">
        <strong>{t('chat.members.title', { count: members.length })}</strong>
        <IconButton icon={XIcon} label={t('chat.members.close')} size={18} onClick={() => (client.members.value = null)} />
      </header>
      <ul class="plain-list">
        {members.map((m) => (
          <li key={m.id} data-testid="member">
            <Dot presence={client.presenceOf(m.id)} />
            <span>
              {m.name} {m.channelRole === 'admin' && <span class="dim">{t('chat.members.admin')}</span>} {m.statusEmoji}
            </span>
          </li>
        ))}
      </ul>
      {canAdd && (
        <>
          <button type="button" class="side-action" data-testid="add-members" onClick={() => setAdding(!adding)}>
            {t('chat.members.addPeople')}
          </button>
          {adding && (
            <ul class="plain-list">
              {teams
                .filter((tm) => tm.memberIds.some((id) => !inChannel.has(id)))
                .map((tm) => (
                  <li key={tm.id} data-testid="add-team-entry" data-team-name={tm.name}>
                    <span>
                      {tm.name} <span class="dim">{t('chat.members.teamOf', { count: tm.memberIds.length })}</span>
                    </span>
                    <button type="button" class="primary" data-testid="add-team" onClick={() => add(client.request('channel:inviteTeam', { channelId: active.id, teamId: tm.id }))}>
                      {t('chat.members.addTeam')}
                    </button>
                  </li>
                ))}
              {candidates.map((u) => (
                <li key={u.id}>
                  <span>{u.name}</span>
                  <button type="button" class="primary" data-testid="add-member" onClick={() => add(client.request('channel:invite', { channelId: active.id, userIds: [u.id] }))}>
                    {t('chat.members.add')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {error && <p class="hint error">{error}</p>}
        </>
      )}
    </aside>
  );
}

export function SearchPane({ client }: { client: ChatClient }) {
  const hits = client.searchHits.value ?? [];
  const words = searchWords(client.searchQuery.value);
  return (
    <aside class="side-pane" data-testid="search-pane">
      <header class="pane-head">
        <strong>{t('chat.search.title', { count: hits.length })}</strong>
        <IconButton icon={XIcon} label={t('chat.search.close')} size={18} onClick={() => (client.searchHits.value = null)} />
      </header>
      <div class="messages">
        {hits.length === 0 && <p class="dim">{t('chat.search.none')}</p>}
        {hits.map((h) => (
          <div key={h.message.id} class="search-hit" data-testid="search-hit">
            <button type="button" class="link" data-testid="search-hit-open" onClick={() => void jumpTo(client, h.message)}>
              {h.channelName}
            </button>{' '}
            <span class="dim">{formatDate(h.message.createdAt)}</span>
            <Message client={client} m={h.message} inThread highlight={words} />
          </div>
        ))}
      </div>
    </aside>
  );
}

/**
 * A search hit, in its place: its channel opened and the message scrolled
 * to and flashed; a reply in its thread; a message older than the channel's
 * loaded page shown as its own thread (with its replies). On a phone the
 * results make way (they cover the channel there).
 */
async function jumpTo(client: ChatClient, message: MessageView): Promise<void> {
  if (matchMedia('(max-width: 700px)').matches) client.searchHits.value = null;
  const thread = (id: string) => client.openThread(id).catch(() => undefined);
  // A public channel one has not joined cannot be opened: its message is shown as a thread.
  const opened = await client.open(message.channelId).then(() => true, () => false);
  if (message.rootId || !opened) return thread(message.rootId ?? message.id);
  const selector = `.channel-main [data-message-id="${CSS.escape(message.id)}"]`;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  // The channel's messages render on the next frames (and the list then scrolls to its end once): looked for during at most half a second.
  for (let i = 0; i < 30; i++) {
    if (document.querySelector(selector)) {
      await frame();
      await frame();
      const el = document.querySelector<HTMLElement>(selector);
      if (!el) break;
      el.scrollIntoView({ block: 'center' });
      el.classList.add('flash');
      setTimeout(() => el.classList.remove('flash'), 2000);
      return;
    }
    await frame();
  }
  await thread(message.id);
}
