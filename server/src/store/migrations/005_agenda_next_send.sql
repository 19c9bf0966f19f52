-- When each daily agenda reminder is next due (UTC ms), so the minute's tick
-- reads only the reminders due now, not all of them (suite/calendar/Agenda.ts).
-- Null: not worked out yet (a new or changed reminder); the next tick does.
alter table agenda_reminders add column next_send_at bigint;
create index agenda_reminders_due on agenda_reminders (next_send_at) where enabled;
