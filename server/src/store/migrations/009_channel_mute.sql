-- A member may mute a channel: its messages still count as unread, but
-- notify nobody who muted it (no notice, no desktop notification), even for
-- a mention, as Mattermost's mute does.
alter table channel_members add column muted boolean not null default false;
