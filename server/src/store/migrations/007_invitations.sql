-- Invitations name a person: `email` (the invitation is mailed there, works
-- once, and only for an account with that address). The one exception is an
-- "anyone with the link" invitation for collaborators (`open`), which works
-- for at most `max_uses` people. Earlier links named nobody and worked any
-- number of times (an administrator's too): the ones still pending are
-- revoked; administrators invite again by address.
alter table invitations add column email text;
alter table invitations add column open boolean not null default false;
alter table invitations add column max_uses int;
alter table invitations add column uses int not null default 0;
alter table invitations add column sent_count int not null default 0;
update invitations set revoked_at = (extract(epoch from now()) * 1000)::bigint where revoked_at is null and used_at is null;
create index invitations_pending on invitations (org_id) where revoked_at is null and used_at is null;
