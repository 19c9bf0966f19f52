-- Sending the mail outbox over SMTP (suite/mail/MailSender.ts): how many
-- times a row was tried, when it may be tried next (also the lease a sending
-- node holds on it), and when it was given up (the server refused it, or
-- too many attempts failed). `error` keeps the last failure.
alter table mail_outbox add column attempts int not null default 0;
alter table mail_outbox add column next_attempt_at bigint not null default 0;
alter table mail_outbox add column given_up_at bigint;
create index mail_outbox_pending on mail_outbox (next_attempt_at) where sent_at is null and given_up_at is null;
