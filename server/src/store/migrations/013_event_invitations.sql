-- Attendees are invited: each gets a mail with the event as an iCalendar
-- request (METHOD:REQUEST, which mail programs show with Accept/Decline) and
-- a link to answer without an account. The link's token is stored hashed;
-- the answer (PARTSTAT) comes back by the link or by the organizer importing
-- the attendee's reply file (METHOD:REPLY).
create table event_invitations (
  event_id text not null references events(id) on delete cascade,
  email text not null,                 -- lower case
  token_hash text not null unique,
  status text not null default 'needs-action' check (status in ('needs-action', 'accepted', 'declined', 'tentative')),
  invited_at bigint not null,
  responded_at bigint,
  primary key (event_id, email)
);
-- The calendar part of a mail (an invitation's METHOD:REQUEST), sent beside its text.
alter table mail_outbox add column ics text;
