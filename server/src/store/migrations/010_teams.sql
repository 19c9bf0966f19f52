-- Default channels: the public channels a new member of the organization
-- joins on arrival (Mattermost's and kChat's "default channels"). #general
-- was the only one; it stays one until an administrator says otherwise.
alter table channels add column auto_join boolean not null default false;
update channels set auto_join = true where kind = 'public' and lower(name) = 'general';

-- Work teams: a named group of members with the channels it works in.
-- A member added to a team joins its channels; a channel added to a team
-- gets its members; an invitation may name teams, so a newcomer arrives in
-- them. Guests (external) are never in a team: they see chosen channels only.
create table teams (
  id text primary key,
  org_id text not null references orgs(id) on delete cascade,
  name text not null,
  created_at bigint not null
);
create unique index teams_org_name on teams(org_id, lower(name));

create table team_members (
  team_id text not null references teams(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  primary key (team_id, user_id)
);
create index team_members_user on team_members(user_id);

create table team_channels (
  team_id text not null references teams(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  primary key (team_id, channel_id)
);

alter table invitations add column team_ids jsonb not null default '[]';
