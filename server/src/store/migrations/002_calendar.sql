-- Calendar: calendars (a user's own, shared ones, and one per meeting room),
-- events with recurrence and per-occurrence changes, rooms, and the plan that
-- bounds how many rooms an organization has.
--
-- An event keeps the wall-clock time its organizer chose and the zone it was
-- chosen in (start_local, time_zone): recurrence is computed on wall-clock
-- time, so a weekly 09:00 stays at 09:00 across daylight-saving changes.
-- start_at / series_end_at are instants (ms) only to find the events that may
-- fall in a range without expanding every series.

alter table orgs add column plan text not null default 'free' check (plan in ('free', 'standard', 'business', 'enterprise'));
alter table users add column time_zone text not null default 'UTC';

create table rooms (
  id text primary key,
  org_id text not null references orgs(id) on delete cascade,
  name text not null,
  address text not null default '',
  floor text not null default '',
  capacity int not null check (capacity between 1 and 10000),
  equipment jsonb not null default '[]',
  -- Several bookings at once (an open space, a hall split by need).
  allow_overlap boolean not null default false,
  created_at bigint not null,
  unique (org_id, name)
);

create table calendars (
  id text primary key,
  org_id text not null references orgs(id) on delete cascade,
  -- A user's calendar has an owner; a room's calendar has a room.
  owner_id text references users(id) on delete cascade,
  room_id text unique references rooms(id) on delete cascade,
  name text not null,
  color text not null default '#2563eb',
  created_at bigint not null
);
create index calendars_owner on calendars(owner_id);

create table calendar_shares (
  calendar_id text not null references calendars(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  access text not null check (access in ('read', 'write')),
  primary key (calendar_id, user_id)
);
create index calendar_shares_user on calendar_shares(user_id);

create table events (
  id text primary key,
  calendar_id text not null references calendars(id) on delete cascade,
  uid text not null,                 -- iCalendar UID, kept across import and export
  organizer_id text references users(id) on delete set null,
  title text not null,
  description text not null default '',
  location text not null default '',
  time_zone text not null,
  all_day boolean not null default false,
  start_local text not null,         -- wall clock in time_zone: YYYY-MM-DDTHH:MM:SS
  end_local text not null,
  start_at bigint not null,          -- the first occurrence's instants
  end_at bigint not null,
  rrule text,                        -- RFC 5545 RRULE value; null: one occurrence
  series_end_at bigint,              -- when the last occurrence ends; null: never
  exdates jsonb not null default '[]', -- wall-clock starts of removed occurrences
  attendees jsonb not null default '[]',
  room_id text references rooms(id) on delete set null,
  meeting_id text,
  meeting_url text,
  created_at bigint not null,
  updated_at bigint not null,
  unique (calendar_id, uid)
);
create index events_range on events(calendar_id, start_at);
create index events_room on events(room_id) where room_id is not null;

-- One occurrence of a series moved, changed or cancelled; the series stays.
create table event_overrides (
  event_id text not null references events(id) on delete cascade,
  recurrence_id text not null,       -- the occurrence's original wall-clock start
  cancelled boolean not null default false,
  title text,                        -- null: as the series
  description text,
  location text,
  start_local text,
  end_local text,
  start_at bigint,
  end_at bigint,
  primary key (event_id, recurrence_id)
);
