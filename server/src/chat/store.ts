// Team chat's SQL, and nothing else: what is stored and how it is found.
// The rules (who may read, write, invite, remove...) are in Chat.ts; they
// reach the tables only through this store (messages: message-store.ts).
import type { ChannelKind, OrgRole } from '@parley/protocol';
import type { UserRow } from '../accounts/Accounts.ts';
import { isUniqueViolation, SqlStore, type Db, type Sql } from '../store/db.ts';
import { MessageStore } from './message-store.ts';

export { SEND_READ_SQL, SEND_WRITE_SQL, type SendAccess } from './message-store.ts';

export interface ChannelRow {
  id: string;
  org_id: string;
  kind: ChannelKind;
  name: string;
  topic: string;
  direct_key: string | null;
  created_by: string;
  created_at: number;
  last_seq: number;
}
export type ChannelRole = 'admin' | 'member';
export interface MemberRow {
  channel_id: string;
  user_id: string;
  role: ChannelRole;
  last_read_seq: number;
  mentions: number;
  /** Muted: its messages notify this member of nothing (migration 009). */
  muted?: boolean;
}
/** A channel as one of its members sees it: their role, read position and counts. */
export type MemberChannelRow = ChannelRow & MemberRow & { unread: number };

/** A channel and what one user is to it. */
export interface Access {
  channel: ChannelRow;
  /** Their role in the channel's organization (none: an outsider). */
  orgRole: OrgRole | null;
  member: MemberRow | undefined;
  userName: string;
}

/** A change of a channel as it is logged (channel_events). */
export interface LoggedEvent {
  seq: number;
  kind: string;
  data: object;
  created_at: number;
}

/**
 * Team chat's tables on one database, or inside one of its transactions:
 * channels, their members and change log here, messages in `messages`.
 */
export class ChatStore extends SqlStore<ChatStore> {
  /** Messages, reactions, calls and attachments, in the same database or transaction. */
  readonly messages: MessageStore;

  constructor(db: Db, sql: Sql = db) {
    super(db, sql);
    this.messages = new MessageStore(db, sql);
  }

  protected on(sql: Sql): ChatStore {
    return new ChatStore(this.db, sql);
  }

  // ---- people and access ----

  async orgRole(orgId: string, userId: string): Promise<OrgRole | undefined> {
    const [row] = await this.sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    return row?.role;
  }

  /** Those of `userIds` who are in the organization, with their role there. */
  async orgMembersAmong(orgId: string, userIds: string[]): Promise<{ user_id: string; role: OrgRole }[]> {
    return this.sql.query('select user_id, role from org_members where org_id = $1 and user_id = any($2)', [orgId, userIds]);
  }

  async user(userId: string): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('select * from users where id = $1', [userId]);
    return row;
  }

  /**
   * In one round trip: the channel (`lock`: its row held until the
   * transaction ends), the user's role in its organization, their
   * membership and their name.
   */
  async access(userId: string, channelId: string, lock = false): Promise<Access | undefined> {
    const [row] = await this.sql.query<ChannelRow & { org_role: OrgRole | null; m_role: ChannelRole | null; m_last_read: number | null; m_mentions: number | null; user_name: string }>(
      `select c.*, om.role as org_role, cm.role as m_role, cm.last_read_seq as m_last_read, cm.mentions as m_mentions, u.name as user_name
         from channels c
         join users u on u.id = $2
         left join org_members om on om.org_id = c.org_id and om.user_id = $2
         left join channel_members cm on cm.channel_id = c.id and cm.user_id = $2
        where c.id = $1${lock ? ' for update of c' : ''}`,
      [channelId, userId],
    );
    if (!row) return undefined;
    const { org_role: orgRole, m_role, m_last_read, m_mentions, user_name: userName, ...channel } = row;
    const member: MemberRow | undefined = m_role ? { channel_id: channelId, user_id: userId, role: m_role, last_read_seq: m_last_read!, mentions: m_mentions! } : undefined;
    return { channel, member, orgRole, userName };
  }

  /** Holds the channel's row until the transaction ends (its numbers are taken under it). */
  async lockChannel(channelId: string): Promise<boolean> {
    return (await this.sql.query('select 1 from channels where id = $1 for update', [channelId])).length > 0;
  }

  // ---- the change log ----

  /** The channel's next number. */
  async nextSeq(channelId: string): Promise<number> {
    const [row] = await this.sql.query<{ last_seq: number }>('update channels set last_seq = last_seq + 1 where id = $1 returning last_seq', [channelId]);
    return row!.last_seq;
  }

  async logEvent(channelId: string, seq: number, kind: string, data: object, at: number): Promise<void> {
    await this.sql.query('insert into channel_events (channel_id, seq, kind, data, created_at) values ($1, $2, $3, $4, $5)', [channelId, seq, kind, JSON.stringify(data), at]);
  }

  /** The user's channels among `channelIds`, with their last numbers. */
  async readableSeqs(userId: string, channelIds: string[]): Promise<{ id: string; last_seq: number }[]> {
    return this.sql.query('select c.id, c.last_seq from channels c join channel_members cm on cm.channel_id = c.id and cm.user_id = $1 where c.id = any($2)', [userId, channelIds]);
  }

  async eventsAfter(channelId: string, seq: number): Promise<LoggedEvent[]> {
    return this.sql.query('select seq, kind, data, created_at from channel_events where channel_id = $1 and seq > $2 order by seq', [channelId, seq]);
  }

  // ---- channels ----

  /** The user's channels of an organization (or just `channelId`) with their counts. */
  async memberChannels(userId: string, orgId: string, channelId: string | null): Promise<MemberChannelRow[]> {
    return this.sql.query(
      `select c.*, cm.role, cm.last_read_seq, cm.mentions, cm.muted,
              (select count(*)::int from messages m
                where m.channel_id = c.id and m.seq > cm.last_read_seq and m.author_id <> cm.user_id
                  and m.deleted_at is null and m.root_id is null) as unread
         from channel_members cm join channels c on c.id = cm.channel_id
        where cm.user_id = $1 and c.org_id = $2 and ($3::text is null or c.id = $3)
        order by c.kind, lower(c.name)`,
      [userId, orgId, channelId],
    );
  }

  /** Public channels of the organization the user is not in. */
  async publicChannelsWithout(orgId: string, userId: string): Promise<ChannelRow[]> {
    return this.sql.query(
      `select c.* from channels c where c.org_id = $1 and c.kind = 'public'
          and not exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2)
        order by lower(c.name) limit 500`,
      [orgId, userId],
    );
  }

  /** The user's channels of an organization (`kinds` only), locked in id order. */
  async lockMemberChannels(orgId: string, userId: string, kinds?: ChannelKind[]): Promise<ChannelRow[]> {
    return this.sql.query(
      `select c.* from channels c join channel_members cm on cm.channel_id = c.id
        where c.org_id = $1 and cm.user_id = $2 and ($3::text[] is null or c.kind = any($3)) order by c.id for update of c`,
      [orgId, userId, kinds ?? null],
    );
  }

  /** Every channel the user is in, across organizations. */
  async channelIdsOf(userId: string): Promise<string[]> {
    return (await this.sql.query<{ channel_id: string }>('select channel_id from channel_members where user_id = $1', [userId])).map((r) => r.channel_id);
  }

  /** Which of `channelIds` are the organization's public or private channels. */
  async namedChannelsAmong(orgId: string, channelIds: string[]): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(`select id from channels where org_id = $1 and id = any($2) and kind in ('public', 'private')`, [orgId, channelIds]);
    return rows.map((r) => r.id);
  }

  /** A public or private channel; false when the organization has one of that name (the transaction stays usable). */
  async insertChannel(c: { id: string; orgId: string; kind: 'public' | 'private'; name: string; topic: string; createdBy: string; at: number }): Promise<boolean> {
    // A savepoint needs a transaction around it.
    if (!this.inTransaction) return this.tx((store) => store.insertChannel(c));
    try {
      await this.sql.query('savepoint channel_insert');
      await this.sql.query('insert into channels (id, org_id, kind, name, topic, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7)', [
        c.id,
        c.orgId,
        c.kind,
        c.name,
        c.topic,
        c.createdBy,
        c.at,
      ]);
      await this.sql.query('release savepoint channel_insert');
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await this.sql.query('rollback to savepoint channel_insert');
      return false;
    }
  }

  /**
   * The conversation of exactly these people (`key` names them), made with
   * them as members if there is none yet. `created` tells which happened.
   */
  async conversation(c: { id: string; orgId: string; kind: 'direct' | 'group'; key: string; createdBy: string; memberIds: string[]; at: number }): Promise<{ id: string; created: boolean }> {
    await this.sql.query(
      `insert into channels (id, org_id, kind, name, direct_key, created_by, created_at) values ($1, $2, $3, '', $4, $5, $6) on conflict (direct_key) do nothing`,
      [c.id, c.orgId, c.kind, c.key, c.createdBy, c.at],
    );
    const [row] = await this.sql.query<{ id: string }>('select id from channels where direct_key = $1', [c.key]);
    const created = row!.id === c.id;
    if (created) {
      await this.sql.query('insert into channel_members (channel_id, user_id, joined_at) select $1, unnest($2::text[]), $3', [c.id, c.memberIds, c.at]);
    }
    return { id: row!.id, created };
  }

  // ---- members ----

  /** Adds a member who starts reading at the channel's current number; false when already in. */
  async addMember(channelId: string, userId: string, role: ChannelRole, at: number): Promise<boolean> {
    const rows = await this.sql.query(
      `insert into channel_members (channel_id, user_id, role, joined_at, last_read_seq)
       select $1, $2, $3, $4, c.last_seq from channels c where c.id = $1
       on conflict do nothing returning user_id`,
      [channelId, userId, role, at],
    );
    return rows.length > 0;
  }

  /** Moves the member's read position to the channel's last number. */
  async readToEnd(channelId: string, userId: string): Promise<void> {
    await this.sql.query('update channel_members cm set last_read_seq = c.last_seq from channels c where c.id = cm.channel_id and cm.channel_id = $1 and cm.user_id = $2', [channelId, userId]);
  }

  async removeMember(channelId: string, userId: string): Promise<boolean> {
    return (await this.sql.query('delete from channel_members where channel_id = $1 and user_id = $2 returning user_id', [channelId, userId])).length > 0;
  }

  async isMember(channelId: string, userId: string): Promise<boolean> {
    return (await this.sql.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [channelId, userId])).length > 0;
  }

  async setMemberRole(channelId: string, userId: string, role: ChannelRole): Promise<boolean> {
    return (await this.sql.query('update channel_members set role = $3 where channel_id = $1 and user_id = $2 returning 1', [channelId, userId, role])).length > 0;
  }

  /** The channel's members with their accounts, by name. */
  async members(channelId: string): Promise<(UserRow & { channel_role: ChannelRole })[]> {
    return this.sql.query(
      'select u.*, cm.role as channel_role from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 order by lower(u.name) limit 5000',
      [channelId],
    );
  }

  /** The members of these conversations (their names make the conversations' names). */
  async conversationMembers(channelIds: string[]): Promise<{ channel_id: string; id: string; name: string }[]> {
    return this.sql.query('select cm.channel_id, u.id, u.name from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = any($1) order by u.name', [channelIds]);
  }

  /** The channel's members other than `userId`, with their usernames (to find mentions) and whether they muted it. */
  async othersIn(channelId: string, userId: string): Promise<{ user_id: string; username: string; muted: boolean }[]> {
    return this.sql.query('select cm.user_id, u.username, cm.muted from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 and cm.user_id <> $2', [channelId, userId]);
  }

  /** Who follows a thread: its root's author and those who replied, still members who have not muted the channel, `userId` aside. */
  async threadFollowers(rootId: string, channelId: string, userId: string): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>(
      `select distinct m.author_id as user_id from messages m
         join channel_members cm on cm.channel_id = $2 and cm.user_id = m.author_id and not cm.muted
        where (m.id = $1 or m.root_id = $1) and m.channel_id = $2 and m.author_id <> $3 and m.deleted_at is null`,
      [rootId, channelId, userId],
    );
    return rows.map((r) => r.user_id);
  }

  /** Mutes or unmutes the channel for its member; whether they are one. */
  async setMuted(channelId: string, userId: string, muted: boolean): Promise<boolean> {
    return (await this.sql.query('update channel_members set muted = $3 where channel_id = $1 and user_id = $2 returning 1', [channelId, userId, muted])).length > 0;
  }

  /** Moves the read position forward (never past the channel's end) and clears mentions; the position reached. */
  async markRead(channelId: string, userId: string, seq: number): Promise<number | undefined> {
    const [row] = await this.sql.query<{ last_read_seq: number }>(
      `update channel_members cm set last_read_seq = least(greatest(cm.last_read_seq, $3), c.last_seq), mentions = 0
         from channels c where c.id = cm.channel_id and cm.channel_id = $1 and cm.user_id = $2 returning cm.last_read_seq`,
      [channelId, userId, seq],
    );
    return row?.last_read_seq;
  }

}
