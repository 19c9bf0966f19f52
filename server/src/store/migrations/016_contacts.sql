-- Contacts: address books of their owner, and the cards in them. A card is
-- kept as its fields (jsonb, what the web client edits); its vCard is made
-- from them when asked (an export, CardDAV). Every change of a book's cards
-- takes the book's next number (last_seq): a device syncing the book asks
-- for what changed since the number it last saw (RFC 6578), deletions
-- included (a deleted card stays, in the trash, for 30 days).
create table address_books (
  id text primary key,
  owner_id text not null references users(id) on delete cascade,
  name text not null,
  last_seq bigint not null default 0,
  created_at bigint not null
);
create index address_books_owner on address_books(owner_id, created_at);

create table contacts (
  id text primary key,
  book_id text not null references address_books(id) on delete cascade,
  uid text not null,
  card jsonb not null,
  display_name text not null,
  -- Names, organization, addresses and numbers, folded as search folds (parley_fold): "muller" finds "Müller".
  search text not null,
  etag text not null,
  seq bigint not null,
  created_at bigint not null,
  updated_at bigint not null,
  deleted_at bigint,
  unique (book_id, uid)
);
create index contacts_book on contacts(book_id, display_name) where deleted_at is null;
create index contacts_changes on contacts(book_id, seq);
