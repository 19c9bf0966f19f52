-- Daily agendas (Euria's morning or evening summary of a calendar) and the
-- mail outbox. Exactly once per reminder and day: a delivery row is written
-- in the same transaction as the mail, after the chat job is queued under an
-- id of its own (see suite/calendar/Agenda.ts).

create table agenda_reminders (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  org_id text not null references orgs(id) on delete cascade,
  calendar_id text not null references calendars(id) on delete cascade,
  by_chat boolean not null,
  by_mail boolean not null,
  send_time text not null,            -- HH:MM, wall clock in time_zone
  send_day text not null check (send_day in ('morning', 'evening')), -- the agenda's own morning, or the evening before
  weekdays jsonb not null,            -- the agenda days, 0 Monday ... 6 Sunday
  include_recurring boolean not null,
  time_zone text not null,
  enabled boolean not null default true,
  created_at bigint not null
);
create index agenda_reminders_user on agenda_reminders(user_id);

create table agenda_deliveries (
  reminder_id text not null references agenda_reminders(id) on delete cascade,
  day text not null,                  -- the agenda's date, YYYY-MM-DD in the reminder's zone
  sent_at bigint not null,
  primary key (reminder_id, day)
);

create table mail_outbox (
  id text primary key,
  dedupe_key text not null unique,    -- a retried producer writes nothing twice
  user_id text references users(id) on delete set null,
  to_address text not null,
  subject text not null,
  body_text text not null,
  created_at bigint not null,
  sent_at bigint,                     -- set by the SMTP sender when one is configured
  error text
);
