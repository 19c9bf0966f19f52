-- Followed threads (the Threads view, as Mattermost's): a person follows the
-- threads they started or replied in. `read_at` is when they last opened the
-- thread: replies by others after it (or after their own last message in it) are its unread ones.
create table thread_reads (
  user_id text not null references users(id) on delete cascade,
  root_id text not null references messages(id) on delete cascade,
  read_at bigint not null,
  primary key (user_id, root_id)
);
-- The threads one took part in, found from one's own messages.
create index messages_author_threads on messages (author_id) where deleted_at is null and (root_id is not null or reply_count > 0);
