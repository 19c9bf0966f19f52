// Team chat's SQL, and nothing else: what is stored and how it is found.
// The rules (who may read, write, invite, remove...) are in Chat.ts; they
// reach the tables only through this store. Rows are turned into the
// protocol's views here, where their columns are known.
import type { AttachmentView, CallInfo, ChannelKind, MessageView, OrgRole, ReactionView } from '@parley/protocol';
import type { UserRow } from '../accounts/Accounts.ts';
import { isUniqueViolation, type Db, type Sql } from '../store/db.ts';

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

/** One send of the batch writer, as SEND_READ_SQL answers it. */
export interface SendAccess {
  i: number;
  kind: ChannelKind | null;
  org_role: OrgRole | null;
  m_role: string | null;
  user_name: string | null;
  landed: string | null;
}

interface MessageRow {
  id: string;
  channel_id: string;
  seq: number;
  author_id: string;
  author_name: string;
  client_id: string;
  root_id: string | null;
  kind: 'user' | 'system' | 'call';
  body: string;
  data: CallInfo | null;
  mentions: string[];
  attachments: AttachmentView[];
  reactions: ReactionView[] | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  pinned_at: number | null;
  reply_count: number;
}

export interface FileRow {
  channel_id: string;
  uploader_id: string;
  message_id: string | null;
  name: string;
  size: number;
  mime: string;
  drive_key: string;
}

const MESSAGE_SELECT = `
  select m.id, m.channel_id, m.seq, m.author_id, u.name as author_name, m.client_id, m.root_id, m.kind, m.body, m.data,
         m.mentions, m.attachments, m.created_at, m.edited_at, m.deleted_at, m.pinned_at, m.reply_count,
         (select json_agg(json_build_object('emoji', r.emoji, 'userIds', r.user_ids) order by r.first)
            from (select emoji, json_agg(user_id order by created_at) as user_ids, min(created_at) as first
                    from reactions where message_id = m.id group by emoji) r) as reactions
    from messages m join users u on u.id = m.author_id`;

/**
 * The batch writer's read: who may write where, and which sends already
 * landed. Each look-up by its whole key, as a subquery: a cached plan then
 * always probes the indexes, whatever it guessed about the tables.
 */
export const SEND_READ_SQL = `
  select v.i::int as i, c.kind,
       (select om.role from org_members om where om.org_id = c.org_id and om.user_id = v.user_id) as org_role,
       (select cm.role from channel_members cm where cm.channel_id = v.channel_id and cm.user_id = v.user_id) as m_role,
       (select u.name from users u where u.id = v.user_id) as user_name,
       (select m.id from messages m where m.author_id = v.user_id and m.client_id = v.client_id) as landed
  from unnest($1::text[], $2::text[], $3::text[]) with ordinality as v(channel_id, user_id, client_id, i)
  left join channels c on c.id = v.channel_id
`;

/** The batch writer's write (see ChatStore.writeBatch). */
export const SEND_WRITE_SQL = `
  with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[])
               with ordinality as v(id, channel_id, author_id, client_id, root_id, body, mentions, created_at, data, i)),
       l as materialized (select c.id, c.last_seq from channels c where c.id = any($10::text[]) order by c.id for update),
       ok as materialized (
         select v.*, l.last_seq + row_number() over (partition by v.channel_id order by v.i) as seq
           from v join l on l.id = v.channel_id
          where exists (select 1 from channel_members cm where cm.channel_id = v.channel_id and cm.user_id = v.author_id)),
       c as (update channels c set last_seq = x.seq from (select channel_id, max(seq) as seq from ok group by channel_id) x where c.id = x.channel_id),
       m as (insert into messages (id, channel_id, seq, author_id, client_id, root_id, kind, body, mentions, created_at)
             select id, channel_id, seq, author_id, client_id, root_id, 'user', body, mentions::jsonb, created_at from ok),
       e as (insert into channel_events (channel_id, seq, kind, data, created_at)
             select channel_id, seq, 'message', jsonb_set(data::jsonb, '{message,seq}', to_jsonb(seq)), created_at from ok),
       -- One's own message is read; mentions count on the mentioned. One
       -- update per member row (a row changed twice in one statement keeps one change).
       cm as (update channel_members cm set last_read_seq = greatest(cm.last_read_seq, coalesce(x.read_seq, 0)), mentions = cm.mentions + x.n
                from (select channel_id, user_id, max(read_seq) as read_seq, sum(n)::int as n
                        from (select channel_id, author_id as user_id, seq as read_seq, 0 as n from ok
                              union all
                              select ok.channel_id, u.user_id, null, 1 from ok cross join lateral jsonb_array_elements_text(ok.mentions::jsonb) as u(user_id)) y
                       group by channel_id, user_id) x
               where cm.channel_id = x.channel_id and cm.user_id = x.user_id),
       r as (update messages m set reply_count = m.reply_count + x.n, last_reply_at = x.at
               from (select root_id, count(*)::int as n, max(created_at) as at from ok where root_id is not null group by root_id) x where m.id = x.root_id)
  select i::int as i, seq from ok
`;

/**
 * Team chat's tables (channels, members, messages, reactions, the change
 * log, attachments) on one database, or inside one of its transactions.
 */
export class ChatStore {
  readonly #db: Db;
  readonly #sql: Sql;

  constructor(db: Db, sql: Sql = db) {
    this.#db = db;
    this.#sql = sql;
  }

  /** The database itself, or the transaction this store works in (another feature's store may join it). */
  get sql(): Sql {
    return this.#sql;
  }

  /** Runs `fn` with a store inside one transaction (already in one: in it). */
  tx<T>(fn: (store: ChatStore) => Promise<T>): Promise<T> {
    if (this.#sql !== this.#db) return fn(this);
    return this.#db.tx((sql) => fn(new ChatStore(this.#db, sql)));
  }

  // ---- people and access ----

  async orgRole(orgId: string, userId: string): Promise<OrgRole | undefined> {
    const [row] = await this.#sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    return row?.role;
  }

  /** Those of `userIds` who are in the organization, with their role there. */
  async orgMembersAmong(orgId: string, userIds: string[]): Promise<{ user_id: string; role: OrgRole }[]> {
    return this.#sql.query('select user_id, role from org_members where org_id = $1 and user_id = any($2)', [orgId, userIds]);
  }

  async user(userId: string): Promise<UserRow | undefined> {
    const [row] = await this.#sql.query<UserRow>('select * from users where id = $1', [userId]);
    return row;
  }

  /**
   * In one round trip: the channel (`lock`: its row held until the
   * transaction ends), the user's role in its organization, their
   * membership and their name.
   */
  async access(userId: string, channelId: string, lock = false): Promise<Access | undefined> {
    const [row] = await this.#sql.query<ChannelRow & { org_role: OrgRole | null; m_role: ChannelRole | null; m_last_read: number | null; m_mentions: number | null; user_name: string }>(
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
    return (await this.#sql.query('select 1 from channels where id = $1 for update', [channelId])).length > 0;
  }

  // ---- the change log ----

  /** The channel's next number. */
  async nextSeq(channelId: string): Promise<number> {
    const [row] = await this.#sql.query<{ last_seq: number }>('update channels set last_seq = last_seq + 1 where id = $1 returning last_seq', [channelId]);
    return row!.last_seq;
  }

  async logEvent(channelId: string, seq: number, kind: string, data: object, at: number): Promise<void> {
    await this.#sql.query('insert into channel_events (channel_id, seq, kind, data, created_at) values ($1, $2, $3, $4, $5)', [channelId, seq, kind, JSON.stringify(data), at]);
  }

  /** The user's channels among `channelIds`, with their last numbers. */
  async readableSeqs(userId: string, channelIds: string[]): Promise<{ id: string; last_seq: number }[]> {
    return this.#sql.query('select c.id, c.last_seq from channels c join channel_members cm on cm.channel_id = c.id and cm.user_id = $1 where c.id = any($2)', [userId, channelIds]);
  }

  async eventsAfter(channelId: string, seq: number): Promise<LoggedEvent[]> {
    return this.#sql.query('select seq, kind, data, created_at from channel_events where channel_id = $1 and seq > $2 order by seq', [channelId, seq]);
  }

  // ---- channels ----

  /** The user's channels of an organization (or just `channelId`) with their counts. */
  async memberChannels(userId: string, orgId: string, channelId: string | null): Promise<MemberChannelRow[]> {
    return this.#sql.query(
      `select c.*, cm.role, cm.last_read_seq, cm.mentions,
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
    return this.#sql.query(
      `select c.* from channels c where c.org_id = $1 and c.kind = 'public'
          and not exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2)
        order by lower(c.name) limit 500`,
      [orgId, userId],
    );
  }

  /** The user's channels of an organization (`kinds` only), locked in id order. */
  async lockMemberChannels(orgId: string, userId: string, kinds?: ChannelKind[]): Promise<ChannelRow[]> {
    return this.#sql.query(
      `select c.* from channels c join channel_members cm on cm.channel_id = c.id
        where c.org_id = $1 and cm.user_id = $2 and ($3::text[] is null or c.kind = any($3)) order by c.id for update of c`,
      [orgId, userId, kinds ?? null],
    );
  }

  /** Every channel the user is in, across organizations. */
  async channelIdsOf(userId: string): Promise<string[]> {
    return (await this.#sql.query<{ channel_id: string }>('select channel_id from channel_members where user_id = $1', [userId])).map((r) => r.channel_id);
  }

  /** The organization's public channel of that name (case aside). */
  async publicChannelNamed(orgId: string, name: string): Promise<string | undefined> {
    const [row] = await this.#sql.query<{ id: string }>(`select id from channels where org_id = $1 and kind = 'public' and lower(name) = $2`, [orgId, name.toLowerCase()]);
    return row?.id;
  }

  /** Which of `channelIds` are the organization's public or private channels. */
  async namedChannelsAmong(orgId: string, channelIds: string[]): Promise<string[]> {
    const rows = await this.#sql.query<{ id: string }>(`select id from channels where org_id = $1 and id = any($2) and kind in ('public', 'private')`, [orgId, channelIds]);
    return rows.map((r) => r.id);
  }

  /** A public or private channel; false when the organization has one of that name (the transaction stays usable). */
  async insertChannel(c: { id: string; orgId: string; kind: 'public' | 'private'; name: string; topic: string; createdBy: string; at: number }): Promise<boolean> {
    try {
      await this.#sql.query('savepoint channel_insert');
      await this.#sql.query('insert into channels (id, org_id, kind, name, topic, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7)', [
        c.id,
        c.orgId,
        c.kind,
        c.name,
        c.topic,
        c.createdBy,
        c.at,
      ]);
      await this.#sql.query('release savepoint channel_insert');
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await this.#sql.query('rollback to savepoint channel_insert');
      return false;
    }
  }

  /**
   * The conversation of exactly these people (`key` names them), made with
   * them as members if there is none yet. `created` tells which happened.
   */
  async conversation(c: { id: string; orgId: string; kind: 'direct' | 'group'; key: string; createdBy: string; memberIds: string[]; at: number }): Promise<{ id: string; created: boolean }> {
    await this.#sql.query(
      `insert into channels (id, org_id, kind, name, direct_key, created_by, created_at) values ($1, $2, $3, '', $4, $5, $6) on conflict (direct_key) do nothing`,
      [c.id, c.orgId, c.kind, c.key, c.createdBy, c.at],
    );
    const [row] = await this.#sql.query<{ id: string }>('select id from channels where direct_key = $1', [c.key]);
    const created = row!.id === c.id;
    if (created) {
      await this.#sql.query('insert into channel_members (channel_id, user_id, joined_at) select $1, unnest($2::text[]), $3', [c.id, c.memberIds, c.at]);
    }
    return { id: row!.id, created };
  }

  // ---- members ----

  /** Adds a member who starts reading at the channel's current number; false when already in. */
  async addMember(channelId: string, userId: string, role: ChannelRole, at: number): Promise<boolean> {
    const rows = await this.#sql.query(
      `insert into channel_members (channel_id, user_id, role, joined_at, last_read_seq)
       select $1, $2, $3, $4, c.last_seq from channels c where c.id = $1
       on conflict do nothing returning user_id`,
      [channelId, userId, role, at],
    );
    return rows.length > 0;
  }

  /** Moves the member's read position to the channel's last number. */
  async readToEnd(channelId: string, userId: string): Promise<void> {
    await this.#sql.query('update channel_members cm set last_read_seq = c.last_seq from channels c where c.id = cm.channel_id and cm.channel_id = $1 and cm.user_id = $2', [channelId, userId]);
  }

  async removeMember(channelId: string, userId: string): Promise<boolean> {
    return (await this.#sql.query('delete from channel_members where channel_id = $1 and user_id = $2 returning user_id', [channelId, userId])).length > 0;
  }

  async isMember(channelId: string, userId: string): Promise<boolean> {
    return (await this.#sql.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [channelId, userId])).length > 0;
  }

  async setMemberRole(channelId: string, userId: string, role: ChannelRole): Promise<boolean> {
    return (await this.#sql.query('update channel_members set role = $3 where channel_id = $1 and user_id = $2 returning 1', [channelId, userId, role])).length > 0;
  }

  /** The channel's members with their accounts, by name. */
  async members(channelId: string): Promise<(UserRow & { channel_role: ChannelRole })[]> {
    return this.#sql.query(
      'select u.*, cm.role as channel_role from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 order by lower(u.name) limit 5000',
      [channelId],
    );
  }

  /** The members of these conversations (their names make the conversations' names). */
  async conversationMembers(channelIds: string[]): Promise<{ channel_id: string; id: string; name: string }[]> {
    return this.#sql.query('select cm.channel_id, u.id, u.name from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = any($1) order by u.name', [channelIds]);
  }

  /** The channel's members other than `userId`, with their usernames (to find mentions). */
  async othersIn(channelId: string, userId: string): Promise<{ user_id: string; username: string }[]> {
    return this.#sql.query('select cm.user_id, u.username from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 and cm.user_id <> $2', [channelId, userId]);
  }

  /** Moves the read position forward (never past the channel's end) and clears mentions; the position reached. */
  async markRead(channelId: string, userId: string, seq: number): Promise<number | undefined> {
    const [row] = await this.#sql.query<{ last_read_seq: number }>(
      `update channel_members cm set last_read_seq = least(greatest(cm.last_read_seq, $3), c.last_seq), mentions = 0
         from channels c where c.id = cm.channel_id and cm.channel_id = $1 and cm.user_id = $2 returning cm.last_read_seq`,
      [channelId, userId, seq],
    );
    return row?.last_read_seq;
  }

  // ---- messages ----

  async message(id: string): Promise<MessageView | undefined> {
    const [row] = await this.#sql.query<MessageRow>(`${MESSAGE_SELECT} where m.id = $1`, [id]);
    return row && messageView(row);
  }

  async messages(ids: string[]): Promise<MessageView[]> {
    if (!ids.length) return [];
    return (await this.#sql.query<MessageRow>(`${MESSAGE_SELECT} where m.id = any($1)`, [ids])).map(messageView);
  }

  async messageByClientId(authorId: string, clientId: string): Promise<MessageView | undefined> {
    const [row] = await this.#sql.query<MessageRow>(`${MESSAGE_SELECT} where m.author_id = $1 and m.client_id = $2`, [authorId, clientId]);
    return row && messageView(row);
  }

  async channelOfMessage(messageId: string): Promise<string | undefined> {
    const [row] = await this.#sql.query<{ channel_id: string }>('select channel_id from messages where id = $1', [messageId]);
    return row?.channel_id;
  }

  /** A live message of the channel, to reply to. */
  async replyTarget(messageId: string, channelId: string): Promise<{ id: string; root_id: string | null } | undefined> {
    const [row] = await this.#sql.query<{ id: string; root_id: string | null }>('select id, root_id from messages where id = $1 and channel_id = $2 and deleted_at is null', [
      messageId,
      channelId,
    ]);
    return row;
  }

  /** A system message (joins, leaves) under a number already taken. */
  async insertSystemMessage(m: { id: string; channelId: string; seq: number; authorId: string; text: string; at: number }): Promise<void> {
    await this.#sql.query(`insert into messages (id, channel_id, seq, author_id, client_id, kind, body, created_at) values ($1, $2, $3, $4, $5, 'system', $6, $7)`, [
      m.id,
      m.channelId,
      m.seq,
      m.authorId,
      `system:${m.id}`,
      m.text,
      m.at,
    ]);
  }

  /**
   * One message in one statement: the channel's next number, the message,
   * its event, the author's read position (one's own message is read), then
   * the thread's reply count and the mentioned members' counts. Returns its
   * number. A (author, clientId) already used is a unique violation.
   */
  async insertMessage(message: MessageView): Promise<number> {
    const { id, channelId, authorId, clientId, rootId, kind, text, call, mentions, attachments, createdAt: at } = message;
    const [row] = await this.#sql.query<{ seq: number }>(
      `with ch as (update channels set last_seq = last_seq + 1 where id = $1 returning last_seq),
            m as (insert into messages (id, channel_id, seq, author_id, client_id, root_id, kind, body, data, mentions, attachments, created_at)
                  select $2, $1, ch.last_seq, $3, $4, $5, $6, $7, $8, $9, $10, $11 from ch returning seq),
            ev as (insert into channel_events (channel_id, seq, kind, data, created_at)
                   select $1, m.seq, 'message', jsonb_set($12::jsonb, '{message,seq}', to_jsonb(m.seq)), $11 from m),
            rd as (update channel_members set last_read_seq = (select seq from m) where channel_id = $1 and user_id = $3)
       select seq from m`,
      [channelId, id, authorId, clientId, rootId, kind, text, call && JSON.stringify(call), JSON.stringify(mentions), JSON.stringify(attachments), at, JSON.stringify({ message })],
    );
    if (rootId) await this.#sql.query('update messages set reply_count = reply_count + 1, last_reply_at = $2 where id = $1', [rootId, at]);
    if (mentions.length) await this.#sql.query('update channel_members set mentions = mentions + 1 where channel_id = $1 and user_id = any($2)', [channelId, mentions]);
    return row!.seq;
  }

  /** The batch writer's read (SEND_READ_SQL), one row per send numbered from 1; on the database, outside transactions. */
  async readBatch(sends: { channelId: string; userId: string; clientId: string }[]): Promise<SendAccess[]> {
    return this.#db.prepared<SendAccess>('chat_send_read', SEND_READ_SQL, [sends.map((s) => s.channelId), sends.map((s) => s.userId), sends.map((s) => s.clientId)]);
  }

  /**
   * Writes a batch of user messages in one statement, committed on return:
   * it locks the channels (in id order, so two nodes never wait on each
   * other in a circle), keeps only messages whose authors are still
   * members, numbers them on from each channel's counter in batch order,
   * and writes the messages, their events, the counters, the authors' read
   * positions, mention counts and reply counts. Returns the numbers of the
   * messages written, by their place in `messages` (from 1).
   */
  async writeBatch(messages: MessageView[]): Promise<Map<number, number>> {
    const col = <T>(fn: (m: MessageView) => T) => messages.map(fn);
    const rows = await this.#db.prepared<{ i: number; seq: number }>('chat_send_write', SEND_WRITE_SQL, [
      col((m) => m.id),
      col((m) => m.channelId),
      col((m) => m.authorId),
      col((m) => m.clientId),
      col((m) => m.rootId),
      col((m) => m.text),
      col((m) => JSON.stringify(m.mentions)),
      col((m) => m.createdAt),
      col((m) => JSON.stringify({ message: m })),
      [...new Set(col((m) => m.channelId))].sort(),
    ]);
    return new Map(rows.map((r) => [r.i, r.seq]));
  }

  async editMessage(messageId: string, text: string, at: number): Promise<void> {
    await this.#sql.query('update messages set body = $2, edited_at = $3 where id = $1', [messageId, text, at]);
  }

  /**
   * Leaves a tombstone: the text, mentions, reactions, pin, attachments
   * (their rows) and every logged copy of the text are gone. Returns the
   * attachments' drive keys, for their bytes to go too.
   */
  async tombstone(message: MessageView, at: number): Promise<string[]> {
    await this.#sql.query(`update messages set body = '', attachments = '[]', mentions = '[]', deleted_at = $2, pinned_at = null, pinned_by = null where id = $1`, [message.id, at]);
    await this.#sql.query('delete from reactions where message_id = $1', [message.id]);
    if (message.rootId) await this.#sql.query('update messages set reply_count = greatest(reply_count - 1, 0) where id = $1', [message.rootId]);
    const tombstone = (await this.message(message.id))!;
    await this.#sql.query(
      `update channel_events set data = jsonb_set(data, '{message}', $3::jsonb)
        where channel_id = $1 and kind in ('message', 'message:edited') and data->'message'->>'id' = $2`,
      [message.channelId, message.id, JSON.stringify(tombstone)],
    );
    const files = await this.#sql.query<{ drive_key: string }>('delete from files where message_id = $1 returning drive_key', [message.id]);
    return files.map((f) => f.drive_key);
  }

  async addReaction(messageId: string, userId: string, emoji: string, at: number): Promise<void> {
    await this.#sql.query('insert into reactions (message_id, user_id, emoji, created_at) values ($1, $2, $3, $4) on conflict do nothing', [messageId, userId, emoji, at]);
  }

  async removeReaction(messageId: string, userId: string, emoji: string): Promise<void> {
    await this.#sql.query('delete from reactions where message_id = $1 and user_id = $2 and emoji = $3', [messageId, userId, emoji]);
  }

  async setPinned(messageId: string, by: string | null, at: number | null): Promise<void> {
    await this.#sql.query('update messages set pinned_at = $2, pinned_by = $3 where id = $1', [messageId, at, by]);
  }

  /** The channel's live top-level messages before number `before`, newest first. */
  async history(channelId: string, before: number, limit: number): Promise<MessageView[]> {
    const rows = await this.#sql.query<MessageRow>(
      `${MESSAGE_SELECT} where m.channel_id = $1 and m.root_id is null and m.deleted_at is null and m.seq < $2 order by m.seq desc limit $3`,
      [channelId, before, limit],
    );
    return rows.map(messageView);
  }

  async replies(rootId: string, limit: number): Promise<MessageView[]> {
    return (await this.#sql.query<MessageRow>(`${MESSAGE_SELECT} where m.root_id = $1 and m.deleted_at is null order by m.seq limit $2`, [rootId, limit])).map(messageView);
  }

  async pins(channelId: string, limit: number): Promise<MessageView[]> {
    const rows = await this.#sql.query<MessageRow>(`${MESSAGE_SELECT} where m.channel_id = $1 and m.pinned_at is not null and m.deleted_at is null order by m.pinned_at desc limit $2`, [
      channelId,
      limit,
    ]);
    return rows.map(messageView);
  }

  /**
   * Full-text search (PostgreSQL's own, 'simple' configuration: no stemming,
   * so it treats every language alike) over the organization's channels the
   * user is in and, when `publicToo`, its public ones; newest first.
   */
  async search(orgId: string, userId: string, query: string, publicToo: boolean, limit: number): Promise<{ message: MessageView; channelName: string; channelKind: ChannelKind }[]> {
    const rows = await this.#sql.query<MessageRow & { channel_name: string; channel_kind: ChannelKind }>(
      `select * from (${MESSAGE_SELECT.replace('select m.id,', 'select c.name as channel_name, c.kind as channel_kind, m.id,')}
          join channels c on c.id = m.channel_id
         where c.org_id = $1 and m.deleted_at is null and m.kind <> 'system'
           and m.tsv @@ websearch_to_tsquery('simple', $3)
           and (exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2)
                or (c.kind = 'public' and $4))
         order by m.created_at desc limit $5) hits`,
      [orgId, userId, query, publicToo, limit],
    );
    return rows.map((r) => ({ message: messageView(r), channelName: r.channel_name, channelKind: r.channel_kind }));
  }

  // ---- calls ----

  /** The call card of a meeting started from a channel. */
  async callCard(meetingId: string): Promise<{ id: string; channel_id: string } | undefined> {
    const [row] = await this.#sql.query<{ id: string; channel_id: string }>(`select id, channel_id from messages where kind = 'call' and data->>'meetingId' = $1`, [meetingId]);
    return row;
  }

  async setCall(messageId: string, call: CallInfo): Promise<void> {
    await this.#sql.query('update messages set data = $2 where id = $1', [messageId, JSON.stringify(call)]);
  }

  // ---- attachments ----

  async insertFile(f: { id: string; orgId: string; channelId: string; uploaderId: string; name: string; size: number; mime: string; driveKey: string; at: number }): Promise<void> {
    await this.#sql.query('insert into files (id, org_id, channel_id, uploader_id, name, size, mime, drive_key, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      f.id,
      f.orgId,
      f.channelId,
      f.uploaderId,
      f.name,
      f.size,
      f.mime,
      f.driveKey,
      f.at,
    ]);
  }

  async file(fileId: string): Promise<FileRow | undefined> {
    const [row] = await this.#sql.query<FileRow>('select channel_id, uploader_id, message_id, name, size, mime, drive_key from files where id = $1', [fileId]);
    return row;
  }

  async isLiveMessage(messageId: string): Promise<boolean> {
    return (await this.#sql.query('select 1 from messages where id = $1 and deleted_at is null', [messageId])).length > 0;
  }

  /**
   * Gives the uploader's unsent files of the channel to a message; the ones
   * claimed, in no particular order (fewer than asked: some were not theirs
   * to claim).
   */
  async claimFiles(fileIds: string[], uploaderId: string, channelId: string, messageId: string): Promise<AttachmentView[]> {
    return this.#sql.query(
      `update files set message_id = $4 where id = any($1) and uploader_id = $2 and channel_id = $3 and message_id is null returning id, name, size, mime`,
      [fileIds, uploaderId, channelId, messageId],
    );
  }
}

function messageView(r: MessageRow): MessageView {
  return {
    id: r.id,
    channelId: r.channel_id,
    seq: r.seq,
    authorId: r.author_id,
    authorName: r.author_name,
    clientId: r.client_id,
    rootId: r.root_id,
    kind: r.kind,
    text: r.body,
    mentions: r.mentions,
    attachments: r.attachments,
    reactions: r.reactions ?? [],
    createdAt: r.created_at,
    editedAt: r.edited_at,
    deletedAt: r.deleted_at,
    pinned: r.pinned_at !== null,
    replyCount: r.reply_count,
    call: r.kind === 'call' ? r.data : null,
  };
}
