-- CalDAV. Every change of a calendar's events takes the calendar's next
-- number (last_seq), as an address book's cards do: a device syncing the
-- calendar asks for what changed since the number it last saw (RFC 6578).
-- Events change in many places (the web, imports, invitations' answers,
-- the trash, room bookings), so the numbering is done here, by triggers,
-- and none can forget it. `href`: the event's name in its calendar over
-- CalDAV (what a device PUT it as; "<id>.ics" otherwise). A deleted event
-- (or one moved to another calendar) leaves its name in event_tombstones,
-- for 90 days; `purged_seq`: the last change number whose tombstone is gone
-- (a device that synced before it syncs again from scratch).
alter table calendars add column last_seq bigint not null default 0;
alter table calendars add column purged_seq bigint not null default 0;
alter table events add column seq bigint not null default 0;
alter table events add column href text;
update events set href = id || '.ics';
alter table events alter column href set not null;
create unique index events_href on events(calendar_id, href);

create table event_tombstones (
  calendar_id text not null references calendars(id) on delete cascade,
  href text not null,
  seq bigint not null,
  deleted_at bigint not null,
  primary key (calendar_id, href)
);
create index event_tombstones_seq on event_tombstones(calendar_id, seq);

create function parley_event_numbered() returns trigger language plpgsql as $$
declare
  now_ms bigint := (extract(epoch from clock_timestamp()) * 1000)::bigint;
begin
  if tg_op = 'DELETE' or (tg_op = 'UPDATE' and old.calendar_id <> new.calendar_id) then
    -- No row when the calendar itself is being deleted: nothing to tell of it.
    with c as (update calendars set last_seq = last_seq + 1 where id = old.calendar_id returning id, last_seq)
    insert into event_tombstones (calendar_id, href, seq, deleted_at) select id, old.href, last_seq, now_ms from c
      on conflict (calendar_id, href) do update set seq = excluded.seq, deleted_at = excluded.deleted_at;
    with gone as (delete from event_tombstones where calendar_id = old.calendar_id and deleted_at < now_ms - 90 * 86400000::bigint returning seq)
    update calendars set purged_seq = greatest(purged_seq, (select max(seq) from gone)) where id = old.calendar_id and exists (select 1 from gone);
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  -- A name taken in the calendar (an event back from the trash, or moved
  -- here, whose device name another event has meanwhile) becomes its own.
  if new.href is null or exists (select 1 from events where calendar_id = new.calendar_id and href = new.href and id <> new.id) then
    new.href := new.id || '.ics';
  end if;
  update calendars set last_seq = last_seq + 1 where id = new.calendar_id returning last_seq into new.seq;
  delete from event_tombstones where calendar_id = new.calendar_id and href = new.href;
  return new;
end $$;
create trigger events_numbered before insert or update or delete on events for each row execute function parley_event_numbered();

-- A changed or cancelled occurrence changes its event.
create function parley_override_numbered() returns trigger language plpgsql as $$
begin
  update events set updated_at = updated_at where id = (case when tg_op = 'DELETE' then old.event_id else new.event_id end);
  return null;
end $$;
create trigger event_overrides_numbered after insert or update or delete on event_overrides for each row execute function parley_override_numbered();
