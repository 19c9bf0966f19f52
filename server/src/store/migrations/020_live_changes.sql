-- Live changes for the web pages (GET /api/changes): every change to a
-- calendar or an address book moves its change number (last_seq,
-- migrations 017 and 018), whatever made it (the web, a device over DAV, an
-- import, the trash); a name, a colour or a share changes the row too. Each
-- notifies the channel parley_changes with 'kind:id:user', the user being one
-- who must hear of it even once the row is gone (the owner, or the person a
-- share was given to or taken from). Every server node listens and tells the
-- pages of those who see it. PostgreSQL sends a transaction's identical
-- notifications once, at commit: an import of a thousand events is one.
-- One function for every table: its arguments name the kind, the row's
-- column holding the id, and the one holding the person to tell.
create function parley_notify_change() returns trigger language plpgsql as $$
declare
  r jsonb;
begin
  if tg_op = 'DELETE' then r := to_jsonb(old); else r := to_jsonb(new); end if;
  perform pg_notify('parley_changes', tg_argv[0] || ':' || (r ->> tg_argv[1]) || ':' || coalesce(r ->> tg_argv[2], ''));
  return null;
end $$;
create trigger calendars_changed after insert or update or delete on calendars
  for each row execute function parley_notify_change('calendar', 'id', 'owner_id');
create trigger calendar_shares_changed after insert or update or delete on calendar_shares
  for each row execute function parley_notify_change('calendar', 'calendar_id', 'user_id');
create trigger address_books_changed after insert or update or delete on address_books
  for each row execute function parley_notify_change('contacts', 'id', 'owner_id');
