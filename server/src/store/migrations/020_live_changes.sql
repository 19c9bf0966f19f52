-- Live changes for the web pages (GET /api/changes): every change to a
-- calendar or an address book moves its change number (last_seq,
-- migrations 017 and 018), whatever made it (the web, a device over DAV, an
-- import, the trash); a name, a colour or a share changes the row too. Each
-- notifies the channel parley_changes with 'kind:id:user', the user being one
-- who must hear of it even once the row is gone (the owner, or the person a
-- share was given to or taken from). Every server node listens and tells the
-- pages of those who see it. PostgreSQL sends a transaction's identical
-- notifications once, at commit: an import of a thousand events is one.
create function parley_calendar_changed() returns trigger language plpgsql as $$
declare
  c calendars;
begin
  if tg_op = 'DELETE' then c := old; else c := new; end if;
  perform pg_notify('parley_changes', 'calendar:' || c.id || ':' || coalesce(c.owner_id, ''));
  return null;
end $$;
create trigger calendars_changed after insert or update or delete on calendars for each row execute function parley_calendar_changed();

create function parley_calendar_share_changed() returns trigger language plpgsql as $$
declare
  s calendar_shares;
begin
  if tg_op = 'DELETE' then s := old; else s := new; end if;
  perform pg_notify('parley_changes', 'calendar:' || s.calendar_id || ':' || s.user_id);
  return null;
end $$;
create trigger calendar_shares_changed after insert or update or delete on calendar_shares for each row execute function parley_calendar_share_changed();

create function parley_book_changed() returns trigger language plpgsql as $$
declare
  b address_books;
begin
  if tg_op = 'DELETE' then b := old; else b := new; end if;
  perform pg_notify('parley_changes', 'contacts:' || b.id || ':' || b.owner_id);
  return null;
end $$;
create trigger address_books_changed after insert or update or delete on address_books for each row execute function parley_book_changed();
