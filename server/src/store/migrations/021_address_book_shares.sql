-- Address books shared with colleagues, read or write, as calendars are
-- (calendar_shares): a share names the person and what they may do. The
-- owner alone renames, deletes and shares a book. A change of a share
-- notifies live changes (migration 020) with the person it concerns, so the
-- page of one given or losing a book hears of it.
create table address_book_shares (
  book_id text not null references address_books(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  access text not null check (access in ('read', 'write')),
  primary key (book_id, user_id)
);
create index address_book_shares_user on address_book_shares(user_id);

create trigger address_book_shares_changed after insert or update or delete on address_book_shares
  for each row execute function parley_notify_change('contacts', 'book_id', 'user_id');
