// Team chat screens: channel list with unread badges and people with their
// presence, the open channel with its messages and composer, thread pane,
// members panel, search, and the dialogs (new channel, browse, invite).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ChannelView, Presence } from '@parley/protocol';
import { api } from '../core/api.ts';
import { sessionToken, signedOut } from '../account/session.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { AccountDialog } from '../account/AccountDialog.tsx';
import { ChatClient } from './client.ts';
import { Composer, Message, MessageList, ThreadPane } from './Messages.tsx';
import { Invite, ManagePeople } from './PeopleAdmin.tsx';

const PRESENCE_LABEL: Record<Presence, string> = { online: 'Online', away: 'Away', dnd: 'Do not disturb', offline: 'Offline' };

function Dot({ presence }: { presence: Presence }) {
  return <span class={`presence-dot ${presence}`} title={PRESENCE_LABEL[presence]} data-presence={presence} />;
}

export function ChatApp({ token }: { token: string }) {
  const client = useMemo(() => new ChatClient(token), [token]);
  useEffect(() => () => client.close(), [client]);
  useEffect(() => {
    if (client.signedOut.value) signedOut();
  }, [client.signedOut.value]);
  const [dialog, setDialog] = useState<null | 'create' | 'browse' | 'invite' | 'people' | 'admin' | 'account'>(null);
  const [query, setQuery] = useState('');
  const me = client.me.value;
  const org = client.org.value;
  if (!me) return <div class="message-page dim">{client.connection.value === 'offline' ? 'Cannot reach the server, retrying…' : 'Loading…'}</div>;
  if (!org) return <NoOrg client={client} />;
  const channels = client.channels.value;
  const rooms = channels.filter((c) => c.kind === 'public' || c.kind === 'private');
  const convs = channels.filter((c) => c.kind === 'direct' || c.kind === 'group');
  const active = client.activeChannel.value;
  const manager = org.role === 'legal' || org.role === 'admin';
  const guest = org.role === 'external';

  const entry = (c: ChannelView) => {
    const other = c.kind === 'direct' ? c.memberIds?.find((id) => id !== me.id) : undefined;
    return (
      <li key={c.id}>
        <button
          type="button"
          class={`channel-entry${c.id === active?.id ? ' active' : ''}${c.unread ? ' unread' : ''}`}
          data-testid="channel-entry"
          data-channel-name={c.name}
          onClick={() => void client.open(c.id)}
        >
          {other ? <Dot presence={client.presenceOf(other)} /> : <span class="hash">{c.kind === 'private' ? '🔒' : c.kind === 'group' ? '👥' : '#'}</span>}
          <span class="channel-name">{c.name}</span>
          {(c.mentions ?? 0) > 0 && (
            <span class="chat-badge mention-badge" data-testid="mention-badge">
              @{c.mentions}
            </span>
          )}
          {(c.unread ?? 0) > 0 && (
            <span class="chat-badge" data-testid="unread-badge">
              {c.unread}
            </span>
          )}
        </button>
      </li>
    );
  };

  return (
    <div class={`chat-app${client.thread.value || client.members.value || client.searchHits.value ? ' with-pane' : ''}`} data-testid="chat-app">
      <nav class="sidebar">
        <header class="org-head">
          <strong data-testid="org-name">{org.name}</strong>
          {client.orgs.value.length > 1 && (
            <select aria-label="Organization" value={org.id} onChange={(e) => void client.loadState((e.target as HTMLSelectElement).value)}>
              {client.orgs.value.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          )}
        </header>
        <div class="side-section">
          <span class="side-title">Channels</span>
          {!guest && (
            <>
              <button type="button" class="icon-btn" title="New channel" data-testid="new-channel" onClick={() => setDialog('create')}>
                ＋
              </button>
              <button type="button" class="icon-btn" title="Browse channels" data-testid="browse-channels" onClick={() => setDialog('browse')}>
                🔍
              </button>
            </>
          )}
        </div>
        <ul class="channel-list" data-testid="channel-list">
          {rooms.map(entry)}
        </ul>
        <div class="side-section">
          <span class="side-title">Direct messages</span>
          {!guest && (
            <button type="button" class="icon-btn" title="New conversation" data-testid="new-dm" onClick={() => setDialog('people')}>
              ＋
            </button>
          )}
        </div>
        <ul class="channel-list" data-testid="dm-list">
          {convs.map(entry)}
        </ul>
        {manager && (
          <>
            <button type="button" class="side-action" data-testid="invite-people" onClick={() => setDialog('invite')}>
              Invite people
            </button>
            <button type="button" class="side-action" data-testid="manage-people" onClick={() => setDialog('admin')}>
              Manage people
            </button>
          </>
        )}
        <a class="side-action" href="/calendar" data-testid="go-calendar">
          📅 Calendar
        </a>
        <footer class="me-box">
          <Dot presence={me.presence} />
          <span class="me-name" data-testid="me-name">
            {me.name}
          </span>
          <select
            aria-label="Presence"
            data-testid="presence-select"
            value={me.presence === 'online' ? 'auto' : me.presence}
            onChange={(e) => void client.setPresence((e.target as HTMLSelectElement).value as 'auto')}
          >
            <option value="auto">Online</option>
            <option value="away">Away</option>
            <option value="dnd">Do not disturb</option>
            <option value="offline">Appear offline</option>
          </select>
          <button type="button" class="link" data-testid="open-account" onClick={() => setDialog('account')}>
            Account
          </button>
          <button
            type="button"
            class="link"
            data-testid="sign-out"
            onClick={() => {
              void api.logout(sessionToken.value!).finally(signedOut);
            }}
          >
            Sign out
          </button>
        </footer>
      </nav>

      <main class="channel-main">
        {active ? (
          <>
            <header class="channel-head">
              <h2 data-testid="channel-title">
                {active.kind === 'public' ? '#' : active.kind === 'private' ? '🔒 ' : ''}
                {active.name}
              </h2>
              {active.topic && <span class="dim topic">{active.topic}</span>}
              {client.connection.value !== 'online' && (
                <span class="hint warn" data-testid="offline-banner">
                  Reconnecting…
                </span>
              )}
              <form
                class="search"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (query.trim()) void client.search(query.trim());
                }}
              >
                <input data-testid="search-input" placeholder="Search messages" value={query} maxLength={200} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
              </form>
              <button
                type="button"
                class="icon-btn"
                title="Start a call"
                data-testid="start-call"
                onClick={async () => {
                  const call = await client.request('call:start', { channelId: active.id });
                  window.open(`${call.url}?moderatorToken=${encodeURIComponent(call.moderatorToken)}`, '_blank', 'noopener');
                }}
              >
                📞
              </button>
              <button type="button" class="icon-btn" title="Members" data-testid="show-members" onClick={() => void client.showMembers()}>
                👥
              </button>
              {(active.kind === 'public' || active.kind === 'private') && (
                <button type="button" class="icon-btn" title="Leave channel" data-testid="leave-channel" onClick={() => confirm(`Leave ${active.name}?`) && void client.leave(active.id)}>
                  🚪
                </button>
              )}
            </header>
            <MessageList client={client} channelId={active.id} />
            <Composer client={client} channelId={active.id} placeholder={`Message ${active.kind === 'direct' || active.kind === 'group' ? active.name : `#${active.name}`}`} />
          </>
        ) : (
          <p class="dim message-page">Pick a channel.</p>
        )}
      </main>

      <ThreadPane client={client} />
      {!client.thread.value && client.members.value && <MembersPane client={client} />}
      {!client.thread.value && !client.members.value && client.searchHits.value && <SearchPane client={client} />}

      <div class="toasts">
        {client.toasts.value.map((t) => (
          <button type="button" class="toast" key={t.id} data-testid="toast" onClick={() => void client.open(t.channelId)}>
            {t.text}
          </button>
        ))}
      </div>

      {dialog === 'create' && <CreateChannel client={client} close={() => setDialog(null)} />}
      {dialog === 'browse' && <Browse client={client} close={() => setDialog(null)} />}
      {dialog === 'invite' && <Invite client={client} close={() => setDialog(null)} />}
      {dialog === 'people' && <People client={client} close={() => setDialog(null)} />}
      {dialog === 'admin' && <ManagePeople client={client} close={() => setDialog(null)} />}
      {dialog === 'account' && <AccountDialog close={() => setDialog(null)} />}
    </div>
  );
}

function NoOrg({ client }: { client: ChatClient }) {
  return (
    <div class="message-page">
      <h1>No organization yet</h1>
      <p class="dim">Ask an administrator for an invitation link, or sign out and create an organization.</p>
      <button type="button" class="link" onClick={() => void api.logout(sessionToken.value!).finally(signedOut)}>
        Sign out
      </button>
      {client.connection.value === 'offline' && <p class="hint warn">Offline</p>}
    </div>
  );
}

function CreateChannel({ client, close }: { client: ChatClient; close: () => void }) {
  const [name, setName] = useState('');
  const [priv, setPriv] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="New channel" close={close}>
      <form
        class="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          client
            .createChannel(name.trim(), priv ? 'private' : 'public')
            .then(close)
            .catch((err: Error) => setError(err.message));
        }}
      >
        <input data-testid="channel-name-input" placeholder="Channel name" maxLength={64} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label class="check">
          <input type="checkbox" data-testid="channel-private" checked={priv} onChange={(e) => setPriv((e.target as HTMLInputElement).checked)} />
          Private: only invited people see it
        </label>
        <button type="submit" class="primary" data-testid="channel-create" disabled={!name.trim()}>
          Create
        </button>
        {error && <p class="hint error">{error}</p>}
      </form>
    </Dialog>
  );
}

function Browse({ client, close }: { client: ChatClient; close: () => void }) {
  const [list, setList] = useState<ChannelView[] | null>(null);
  useEffect(() => void client.browse().then(setList), [client]);
  return (
    <Dialog title="Browse channels" close={close}>
      {!list ? (
        <p class="dim">Loading…</p>
      ) : list.length === 0 ? (
        <p class="dim">You are in every public channel.</p>
      ) : (
        <ul class="plain-list">
          {list.map((c) => (
            <li key={c.id}>
              <span>#{c.name}</span>
              <button type="button" class="primary" data-testid="join-channel" onClick={() => void client.join(c.id).then(close)}>
                Join
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

function People({ client, close }: { client: ChatClient; close: () => void }) {
  const me = client.me.value!;
  const people = [...client.users.value.values()].filter((u) => u.id !== me.id).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Dialog title="Direct message" close={close}>
      <ul class="plain-list">
        {people.map((u) => (
          <li key={u.id}>
            <Dot presence={u.presence} />
            <span>
              {u.name} <span class="dim">@{u.username}</span> {u.statusEmoji} <span class="dim">{u.statusText}</span>
            </span>
            <button type="button" class="primary" data-testid="dm-user" data-username={u.username} onClick={() => void client.directMessage([u.id]).then(close)}>
              Message
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

function MembersPane({ client }: { client: ChatClient }) {
  const members = client.members.value ?? [];
  const active = client.activeChannel.value;
  const [adding, setAdding] = useState(false);
  const inChannel = new Set(members.map((m) => m.id));
  const candidates = [...client.users.value.values()].filter((u) => !inChannel.has(u.id) && !u.isBot);
  const canAdd = active && (active.kind === 'public' || active.kind === 'private') && client.org.value?.role !== 'external';
  return (
    <aside class="side-pane" data-testid="members-pane">
      <header class="pane-head">
        <strong>Members ({members.length})</strong>
        <button type="button" class="icon-btn" aria-label="Close members" onClick={() => (client.members.value = null)}>
          ✕
        </button>
      </header>
      <ul class="plain-list">
        {members.map((m) => (
          <li key={m.id} data-testid="member">
            <Dot presence={client.presenceOf(m.id)} />
            <span>
              {m.name} {m.channelRole === 'admin' && <span class="dim">(admin)</span>} {m.statusEmoji}
            </span>
          </li>
        ))}
      </ul>
      {canAdd && (
        <>
          <button type="button" class="side-action" data-testid="add-members" onClick={() => setAdding(!adding)}>
            Add people
          </button>
          {adding && (
            <ul class="plain-list">
              {candidates.map((u) => (
                <li key={u.id}>
                  <span>{u.name}</span>
                  <button type="button" class="primary" data-testid="add-member" onClick={() => void client.request('channel:invite', { channelId: active.id, userIds: [u.id] }).then(() => client.showMembers())}>
                    Add
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </aside>
  );
}

function SearchPane({ client }: { client: ChatClient }) {
  const hits = client.searchHits.value ?? [];
  return (
    <aside class="side-pane" data-testid="search-pane">
      <header class="pane-head">
        <strong>Search results ({hits.length})</strong>
        <button type="button" class="icon-btn" aria-label="Close search" onClick={() => (client.searchHits.value = null)}>
          ✕
        </button>
      </header>
      <div class="messages">
        {hits.length === 0 && <p class="dim">Nothing found.</p>}
        {hits.map((h) => (
          <div key={h.message.id} class="search-hit" data-testid="search-hit">
            <button type="button" class="link" onClick={() =>
                void client.open(h.message.channelId).then(async () => {
                  if (h.message.rootId) await client.openThread(h.message.rootId);
                })
              }>
              {h.channelName}
            </button>
            <Message client={client} m={h.message} inThread />
          </div>
        ))}
      </div>
    </aside>
  );
}
