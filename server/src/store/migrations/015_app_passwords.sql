-- App passwords: what a phone, Thunderbird or a sync tool signs in with
-- (CalDAV, CardDAV), never the account password, as kSuite and Nextcloud
-- do. Made by the server (100 random bits), shown once, stored as their
-- sha256 only: a slow hash adds nothing to a secret nobody chose. Revoking
-- one ends that device's access and no other.
create table app_passwords (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  name text not null,
  secret_hash text not null unique,
  created_at bigint not null,
  last_used_at bigint
);
create index app_passwords_user on app_passwords(user_id, created_at);
