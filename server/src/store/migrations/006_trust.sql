-- Trust (issue 16).
--
-- Calendar meetings: who opens an event's meeting as moderator is the event's
-- organizer and the members they name here (user ids), asked at each join;
-- a link copied or imported into another event confers nothing.
alter table events add column moderator_ids jsonb not null default '[]';
create index events_meeting on events (meeting_id) where meeting_id is not null;

-- Deleting a chat message rewrites the channel's change log entries that
-- carry it (its creation and every edit) into the tombstone: found by the
-- message id inside them.
create index channel_events_message on channel_events ((data->'message'->>'id')) where kind in ('message', 'message:edited');

-- Password resets by e-mail: a random token (only its hash kept), valid an
-- hour, used once. A reset ends every session of the account.
create table password_resets (
  token_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  created_at bigint not null,
  expires_at bigint not null,
  used_at bigint
);
create index password_resets_user on password_resets (user_id);

-- Euria's welcomes, written in the transaction that adds the member: a
-- sweeper hands each to the bots' queue (BullMQ, whose job id makes a second
-- hand-over a no-op) and marks it; a Redis outage only delays it.
create table welcome_outbox (
  org_id text not null references orgs(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  created_at bigint not null,
  queued_at bigint,
  attempts int not null default 0,
  primary key (org_id, user_id)
);
create index welcome_outbox_pending on welcome_outbox (created_at) where queued_at is null;
