-- Accounts, organizations and team chat. Times are milliseconds since the
-- epoch (bigint), ids are random text: the same on PGlite and PostgreSQL.

create table users (
  id text primary key,
  email text not null unique,           -- lower-cased
  username text not null unique,        -- lower-cased handle for @mentions
  name text not null,
  password_hash text,                   -- null for bots: they only have tokens
  language text not null default 'en',
  is_bot boolean not null default false,
  presence text not null default 'auto', -- auto (online when connected) | away | dnd | offline
  status_text text not null default '',
  status_emoji text not null default '',
  created_at bigint not null
);

create table sessions (
  token_hash text primary key,          -- sha256 of the token; the token itself is never stored
  user_id text not null references users(id) on delete cascade,
  label text not null default '',
  created_at bigint not null,
  expires_at bigint not null,
  revoked_at bigint
);
create index sessions_user on sessions(user_id);

create table orgs (
  id text primary key,
  name text not null,
  welcome_templates jsonb not null default '{}',  -- language -> template text
  created_at bigint not null
);

create table org_members (
  org_id text not null references orgs(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  role text not null check (role in ('legal', 'admin', 'collaborator', 'external', 'bot')),
  joined_at bigint not null,
  primary key (org_id, user_id)
);
create index org_members_user on org_members(user_id);

create table invitations (
  id text primary key,
  token_hash text not null unique,
  org_id text not null references orgs(id) on delete cascade,
  role text not null check (role in ('admin', 'collaborator', 'external')),
  channel_ids jsonb not null default '[]',
  created_by text not null references users(id),
  created_at bigint not null,
  expires_at bigint not null,
  used_at bigint,
  revoked_at bigint
);

create table channels (
  id text primary key,
  org_id text not null references orgs(id) on delete cascade,
  kind text not null check (kind in ('public', 'private', 'direct', 'group')),
  name text not null,
  topic text not null default '',
  direct_key text unique,               -- sorted member ids of a direct or group conversation
  created_by text not null references users(id),
  created_at bigint not null,
  last_seq bigint not null default 0    -- one counter for every change of the channel
);
create unique index channels_org_name on channels(org_id, lower(name)) where kind in ('public', 'private');

create table channel_members (
  channel_id text not null references channels(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  role text not null default 'member' check (role in ('admin', 'member')),
  joined_at bigint not null,
  last_read_seq bigint not null default 0,
  mentions int not null default 0,      -- mentions of this member since last_read_seq
  primary key (channel_id, user_id)
);
create index channel_members_user on channel_members(user_id);

create table messages (
  id text primary key,
  channel_id text not null references channels(id) on delete cascade,
  seq bigint not null,
  author_id text not null references users(id),
  client_id text not null,
  root_id text references messages(id),
  kind text not null default 'user' check (kind in ('user', 'system', 'call')),
  body text not null,
  data jsonb,
  mentions jsonb not null default '[]',
  attachments jsonb not null default '[]',
  created_at bigint not null,
  edited_at bigint,
  deleted_at bigint,
  pinned_at bigint,
  pinned_by text,
  reply_count int not null default 0,
  last_reply_at bigint,
  tsv tsvector generated always as (to_tsvector('simple', body)) stored,
  unique (channel_id, seq),
  unique (author_id, client_id)
);
create index messages_root on messages(root_id, seq) where root_id is not null;
-- fastupdate off: each insert updates the index itself, instead of a pending
-- list whose periodic merge stalls one unlucky insert for many milliseconds.
create index messages_tsv on messages using gin(tsv) with (fastupdate = off);

create table reactions (
  message_id text not null references messages(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  emoji text not null,
  created_at bigint not null,
  primary key (message_id, user_id, emoji)
);

-- Every change of a channel, numbered by channels.last_seq: a client that
-- was away asks for what came after the last seq it saw.
create table channel_events (
  channel_id text not null references channels(id) on delete cascade,
  seq bigint not null,
  kind text not null,
  data jsonb not null,
  created_at bigint not null,
  primary key (channel_id, seq)
);

create table files (
  id text primary key,
  org_id text not null references orgs(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  uploader_id text not null references users(id),
  name text not null,
  size bigint not null,
  mime text not null,
  drive_key text not null,
  message_id text,
  created_at bigint not null
);

-- Call cards are found by their meeting when its participant count changes.
create index messages_call on messages ((data->>'meetingId')) where kind = 'call';
