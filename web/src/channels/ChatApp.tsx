// Team chat screens: channel list with unread badges and people with their
// presence, the open channel with its messages and composer, thread pane,
// members panel, search, and the dialogs (new channel, browse, invite).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ChannelView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { sessionToken, signedOut } from '../account/session.ts';
import { formatNumber } from '../i18n/format.ts';
import { language, t } from '../i18n/index.ts';
import { adoptAccountLanguage } from '../prefs/language.ts';
import { Preferences } from '../prefs/Preferences.tsx';
import { Icon, IconButton, StatusIcon } from '../ui/icons.tsx';
import { meetingLink } from '../ui/links.ts';
import { AccountDialog } from '../account/AccountDialog.tsx';
import { ChatClient } from './client.ts';
import { Composer, MessageList, ThreadPane } from './Messages.tsx';
import { askPermission, dismissAsk, dismissed, permission } from './notifications.ts';
import { Browse, CreateChannel, Dot, MembersPane, People, SearchPane } from './ChatPanes.tsx';
import { Invite, ManagePeople } from './PeopleAdmin.tsx';
import { TeamsAdmin } from './TeamsAdmin.tsx';
import { ThreadsView } from './ThreadsView.tsx';
import './chat.css';
import { useDrawer } from '../ui/drawer.ts';
import { Bell as BellIcon, BellOff as BellOffIcon, Calendar as CalendarIcon, Contact as ContactIcon, Lock as LockIcon, LogOut as LogOutIcon, Menu as MenuIcon, MessagesSquare as ThreadsIcon, Phone as PhoneIcon, Plus as PlusIcon, Search as SearchIcon, Users as UsersIcon, X as XIcon } from 'lucide';

/** The sign before a channel's name: # for a public one, a lock or people for the others, named for screen readers. */
function KindMark({ kind }: { kind: ChannelView['kind'] }) {
  const label = t(`chat.kind.${kind}`);
  return (
    <span class="hash" role="img" aria-label={label} title={label}>
      {kind === 'private' ? <Icon icon={LockIcon} size={14} /> : kind === 'group' || kind === 'direct' ? <Icon icon={UsersIcon} size={14} /> : '#'}
    </span>
  );
}

export function ChatApp({ token }: { token: string }) {
  const client = useMemo(() => new ChatClient(token), [token]);
  useEffect(() => () => client.close(), [client]);
  useEffect(() => {
    if (client.signedOut.value) signedOut();
  }, [client.signedOut.value]);
  const [dialog, setDialog] = useState<null | 'create' | 'browse' | 'invite' | 'people' | 'admin' | 'teams' | 'account'>(null);
  const [query, setQuery] = useState('');
  /** On a phone the channel list is a drawer over the channel (see ui/drawer.css); elsewhere it is always shown. */
  const [drawer, setDrawer] = useDrawer();
  // Whatever opened another channel (an entry, a new channel, a notice, a search hit): the drawer gives way to it.
  const activeId = client.activeChannel.value?.id;
  useEffect(() => setDrawer(false), [activeId]);
  // The page's own title comes back when the chat goes (declared first: it must read the title before the effect below changes it).
  useEffect(() => {
    const before = document.title;
    return () => void (document.title = before);
  }, []);
  // The tab says where one is and how many messages wait elsewhere, as Mattermost's does: "(3) #general · Acme"; muted channels wait silently.
  const waiting = client.channels.value.reduce((n, c) => n + (c.id === activeId || c.muted ? 0 : (c.unread ?? 0)), 0);
  const place = client.activeChannel.value;
  const orgName = client.org.value?.name;
  useEffect(() => {
    const where = [place ? (place.kind === 'public' || place.kind === 'private' ? `#${place.name}` : place.name) : null, orgName, 'Parley'].filter(Boolean).join(' · ');
    document.title = waiting > 0 ? `(${formatNumber(waiting)}) ${where}` : where;
  }, [waiting, place?.name, place?.kind, orgName]);
  const me = client.me.value;
  const org = client.org.value;
  // Signed-in screens speak the account's language (chosen at sign-up or in the menu, perhaps on another device).
  const accountLanguage = me?.language;
  useEffect(() => {
    if (accountLanguage && accountLanguage !== language.value) void adoptAccountLanguage(accountLanguage);
  }, [accountLanguage]);
  if (!me) return <div class="message-page dim">{client.connection.value === 'offline' ? t('chat.offline.retrying') : t('chat.loading')}</div>;
  if (!org) return <NoOrg client={client} token={token} />;
  const channels = client.channels.value;
  const rooms = channels.filter((c) => c.kind === 'public' || c.kind === 'private');
  const convs = channels.filter((c) => c.kind === 'direct' || c.kind === 'group');
  const active = client.activeChannel.value;
  const manager = org.role === 'legal' || org.role === 'admin';
  const guest = org.role === 'external';
  const followedUnread = client.followed.unread.value;

  const entry = (c: ChannelView) => {
    const other = c.kind === 'direct' ? c.memberIds?.find((id) => id !== me.id) : undefined;
    return (
      <li key={c.id}>
        <button
          type="button"
          class={`channel-entry${c.id === active?.id && !client.followed.shown.value ? ' active' : ''}${c.unread && !c.muted ? ' unread' : ''}${c.muted ? ' muted' : ''}`}
          data-testid="channel-entry"
          data-channel-name={c.name}
          onClick={() => {
            setDrawer(false);
            void client.open(c.id);
          }}
        >
          {other ? <Dot presence={client.presenceOf(other)} /> : <KindMark kind={c.kind} />}
          <span class="channel-name">{c.name}</span>
          {c.muted && <StatusIcon icon={BellOffIcon} label={t('chat.channel.muted')} size={14} class="muted-mark" />}
          {(c.mentions ?? 0) > 0 && (
            <span class="chat-badge mention-badge" data-testid="mention-badge" title={t('chat.sidebar.mentions', { count: c.mentions! })}>
              @{formatNumber(c.mentions!)}
            </span>
          )}
          {(c.unread ?? 0) > 0 && (
            <span class="chat-badge" data-testid="unread-badge" title={t('chat.sidebar.unread', { count: c.unread! })}>
              {formatNumber(c.unread!)}
            </span>
          )}
        </button>
      </li>
    );
  };

  // Notices of messages elsewhere: over the messages' top corner on a wide
  // screen, and on a phone in the column just above the composer (chat.css),
  // so that they never cover it nor the header's controls.
  const toasts = (
    <div class="toasts">
      {client.toasts.value.map((toast) => (
        <button type="button" class="toast" key={toast.id} data-testid="toast" onClick={() => void client.open(toast.channelId)}>
          {t('chat.toast.text', { name: toast.authorName, text: toast.excerpt })}
        </button>
      ))}
    </div>
  );

  return (
    <div class={`chat-app drawer-layout${client.thread.value || client.members.value || client.searchHits.value ? ' with-pane' : ''}${drawer || !active ? ' drawer-open' : ''}`} data-testid="chat-app">
      {drawer && <button type="button" class="drawer-scrim" aria-label={t('chat.sidebar.close')} data-testid="drawer-scrim" onClick={() => setDrawer(false)} />}
      <nav class="sidebar" data-testid="sidebar">
        <header class="org-head">
          <strong data-testid="org-name">{org.name}</strong>
          {client.orgs.value.length > 1 && (
            <select aria-label={t('chat.sidebar.organization')} value={org.id} onChange={(e) => void client.loadState((e.target as HTMLSelectElement).value)}>
              {client.orgs.value.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          )}
          <Preferences class="org-prefs" sessionToken={token} />
        </header>
        <button
          type="button"
          class={`channel-entry threads-entry${client.followed.shown.value ? ' active' : ''}${followedUnread > 0 ? ' unread' : ''}`}
          data-testid="threads-entry"
          onClick={() => {
            setDrawer(false);
            client.followed.shown.value = true;
            void client.followed.load().catch(() => undefined);
          }}
        >
          <Icon icon={ThreadsIcon} size={16} />
          <span class="channel-name">{t('chat.threads.title')}</span>
          {followedUnread > 0 && (
            <span class="chat-badge" data-testid="threads-badge" title={t('chat.threads.unreadThreads', { count: followedUnread })}>
              {formatNumber(followedUnread)}
            </span>
          )}
        </button>
        <div class="side-section">
          <span class="side-title">{t('chat.sidebar.channels')}</span>
          {!guest && (
            <>
              <IconButton icon={PlusIcon} label={t('chat.newChannel.title')} size={18} data-testid="new-channel" onClick={() => setDialog('create')} />
              <IconButton icon={SearchIcon} label={t('chat.browse.title')} size={18} data-testid="browse-channels" onClick={() => setDialog('browse')} />
            </>
          )}
        </div>
        <ul class="channel-list" data-testid="channel-list">
          {rooms.map(entry)}
        </ul>
        {client.newChannels.value.map((c) => (
          <div class="new-channel-notice" role="status" data-testid="new-channel-notice" data-channel-name={c.name} key={c.id}>
            <span>{t('chat.newChannels.made', { name: (c.createdBy && client.users.value.get(c.createdBy)?.name) || '…', channel: c.name })}</span>
            <button type="button" class="link" data-testid="new-channel-join" onClick={() => void client.join(c.id)}>
              {t('chat.browse.join')}
            </button>
            <IconButton icon={XIcon} label={t('chat.newChannels.dismiss', { channel: c.name })} size={16} data-testid="new-channel-dismiss" onClick={() => client.dismissNew(c.id)} />
          </div>
        ))}
        <div class="side-section">
          <span class="side-title">{t('chat.sidebar.directMessages')}</span>
          {!guest && (
            <IconButton icon={PlusIcon} label={t('chat.sidebar.newConversation')} size={18} data-testid="new-dm" onClick={() => setDialog('people')} />
          )}
        </div>
        <ul class="channel-list" data-testid="dm-list">
          {convs.map(entry)}
        </ul>
        {manager && (
          <>
            <button type="button" class="side-action" data-testid="invite-people" onClick={() => setDialog('invite')}>
              {t('chat.invite.title')}
            </button>
            <button type="button" class="side-action" data-testid="manage-people" onClick={() => setDialog('admin')}>
              {t('chat.people.title')}
            </button>
            <button type="button" class="side-action" data-testid="manage-teams" onClick={() => setDialog('teams')}>
              {t('chat.teams.sidebar')}
            </button>
          </>
        )}
        <a class="side-action with-icon" href="/calendar" data-testid="go-calendar">
          <Icon icon={CalendarIcon} size={16} />
          {t('chat.sidebar.calendar')}
        </a>
        <a class="side-action with-icon" href="/contacts" data-testid="go-contacts">
          <Icon icon={ContactIcon} size={16} />
          {t('chat.sidebar.contacts')}
        </a>
        <footer class="me-box">
          <Dot presence={me.presence} />
          <span class="me-name" data-testid="me-name">
            {me.name}
          </span>
          <select
            aria-label={t('chat.presence.label')}
            data-testid="presence-select"
            value={me.presence === 'online' ? 'auto' : me.presence}
            onChange={(e) => void client.setPresence((e.target as HTMLSelectElement).value as 'auto')}
          >
            <option value="auto">{t('chat.presence.online')}</option>
            <option value="away">{t('chat.presence.away')}</option>
            <option value="dnd">{t('chat.presence.dnd')}</option>
            <option value="offline">{t('chat.presence.appearOffline')}</option>
          </select>
          <button type="button" class="link" data-testid="open-account" onClick={() => setDialog('account')}>
            {t('chat.sidebar.account')}
          </button>
          <button
            type="button"
            class="link"
            data-testid="sign-out"
            onClick={() => {
              void api.logout(sessionToken.value!).finally(signedOut);
            }}
          >
            {t('chat.sidebar.signOut')}
          </button>
        </footer>
      </nav>

      <main class="channel-main">
        {client.followed.shown.value ? (
          <>
            <ThreadsView client={client} openDrawer={() => setDrawer(true)} />
            {toasts}
          </>
        ) : active ? (
          <>
            <header class="channel-head">
              <IconButton icon={MenuIcon} class="drawer-toggle" label={t('chat.sidebar.open')} data-testid="open-drawer" onClick={() => setDrawer(true)} />
              <h2 data-testid="channel-title" class="with-icon">
                {active.kind === 'public' || active.kind === 'private' ? <KindMark kind={active.kind} /> : null}
                {active.name}
              </h2>
              {active.topic && <span class="dim topic">{active.topic}</span>}
              {client.connection.value !== 'online' && (
                <span class="hint warn" data-testid="offline-banner">
                  {t('chat.channel.reconnecting')}
                </span>
              )}
              <form
                class="search"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (query.trim()) void client.search(query.trim());
                }}
              >
                <input data-testid="search-input" aria-label={t('chat.search.label')} placeholder={t('chat.search.label')} value={query} maxLength={200} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
              </form>
              <IconButton
                icon={PhoneIcon}
                label={t('chat.channel.startCall')}
                data-testid="start-call"
                onClick={async () => {
                  const call = await client.request('call:start', { channelId: active.id });
                  // On the address this page is on (the server's may be another of its names), with one's name on the pre-join screen.
                  window.open(meetingLink(call.message.call!.meetingId, me.name, call.moderatorToken), '_blank', 'noopener');
                }}
              />
              <IconButton icon={UsersIcon} label={t('chat.channel.members')} data-testid="show-members" onClick={() => void client.showMembers()} />
              <IconButton
                icon={active.muted ? BellOffIcon : BellIcon}
                label={t('chat.channel.mute')}
                aria-pressed={active.muted ?? false}
                data-testid="mute-channel"
                onClick={() => void client.mute(active.id, !active.muted)}
              />
              {(active.kind === 'public' || active.kind === 'private') && (
                <IconButton icon={LogOutIcon} label={t('chat.channel.leave')} data-testid="leave-channel" onClick={() => confirm(t('chat.channel.leaveConfirm', { name: active.name })) && void client.leave(active.id)} />
              )}
            </header>
            {client.wrote.value && permission.value === 'default' && !dismissed.value && (
              <div class="notify-ask" role="region" aria-label={t('chat.notify.title')} data-testid="notify-ask">
                <span>{t('chat.notify.offer')}</span>
                <button type="button" class="primary small" data-testid="notify-enable" onClick={() => void askPermission()}>
                  {t('chat.notify.enable')}
                </button>
                <button type="button" class="link" data-testid="notify-dismiss" onClick={dismissAsk}>
                  {t('chat.notify.notNow')}
                </button>
              </div>
            )}
            <MessageList client={client} channelId={active.id} />
            {toasts}
            <Composer client={client} channelId={active.id} placeholder={t('chat.composer.placeholder', { name: active.kind === 'direct' || active.kind === 'group' ? active.name : `#${active.name}` })} />
          </>
        ) : (
          <>
            <p class="dim message-page">{t('chat.channel.pick')}</p>
            {toasts}
          </>
        )}
      </main>

      <ThreadPane client={client} />
      {!client.thread.value && client.members.value && <MembersPane client={client} />}
      {!client.thread.value && !client.members.value && client.searchHits.value && <SearchPane client={client} />}


      {dialog === 'create' && <CreateChannel client={client} close={() => setDialog(null)} />}
      {dialog === 'browse' && <Browse client={client} close={() => setDialog(null)} />}
      {dialog === 'invite' && <Invite client={client} close={() => setDialog(null)} />}
      {dialog === 'people' && <People client={client} close={() => setDialog(null)} />}
      {dialog === 'admin' && <ManagePeople client={client} close={() => setDialog(null)} />}
      {dialog === 'teams' && <TeamsAdmin client={client} close={() => setDialog(null)} />}
      {dialog === 'account' && <AccountDialog close={() => setDialog(null)} />}
    </div>
  );
}

function NoOrg({ client, token }: { client: ChatClient; token: string }) {
  return (
    <div class="message-page">
      <header class="page-corner">
        <Preferences sessionToken={token} />
      </header>
      <h1>{t('chat.noOrg.title')}</h1>
      <p class="dim">{t('chat.noOrg.text')}</p>
      <button type="button" class="link" onClick={() => void api.logout(sessionToken.value!).finally(signedOut)}>
        {t('chat.sidebar.signOut')}
      </button>
      {client.connection.value === 'offline' && <p class="hint warn">{t('chat.connection.offline')}</p>}
    </div>
  );
}
