-- Reminders before an event (iCalendar's VALARM): minutes before its start,
-- at most 5 per event. A calendar has a default for the events made in it
-- without reminders of their own.
alter table events add column alarms jsonb not null default '[]';
alter table calendars add column default_alarms jsonb not null default '[]';
-- Events already in the trash come back with no reminders (their rows were kept before the column existed).
update event_trash set event = event || '{"alarms": []}' where not (event ? 'alarms');
-- The trash keeps an event's invitations too (who was invited, their answers and links), so a restore loses none.
alter table event_trash add column invitations jsonb not null default '[]';
