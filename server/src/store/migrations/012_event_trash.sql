-- Deleted events go to a trash for 30 days, whence they can be restored
-- (kSuite's calendar trash). The event's row and its changed occurrences are
-- kept as they were (jsonb) and the event leaves `events`: every other
-- reader of events (occurrences, rooms, agendas, export) needs no filter.
create table event_trash (
  id text primary key,                 -- the event's id, kept on restore
  calendar_id text not null references calendars(id) on delete cascade,
  title text not null,
  start_at bigint not null,
  rrule text,
  deleted_at bigint not null,
  deleted_by text references users(id) on delete set null,
  event jsonb not null,
  overrides jsonb not null default '[]'
);
create index event_trash_calendar on event_trash(calendar_id, deleted_at);
create index event_trash_deleted on event_trash(deleted_at);
