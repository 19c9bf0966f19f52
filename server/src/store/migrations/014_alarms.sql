-- Reminders before an event (iCalendar's VALARM): minutes before its start,
-- at most 5 per event. A calendar has a default for the events made in it
-- without reminders of their own.
alter table events add column alarms jsonb not null default '[]';
alter table calendars add column default_alarms jsonb not null default '[]';
