-- The organization directory: each person's phone number (their e-mail
-- address is already their account's), and, per membership, whether an
-- administrator took the person out of the directory (a private entry:
-- members no longer see it; administrators still do).
alter table users add column phone text not null default '';
alter table org_members add column directory_hidden boolean not null default false;
