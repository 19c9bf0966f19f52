// Team chat's messages in SQL: messages, reactions, call cards and
// attachments, and the batch writer's two statements. Part of ChatStore
// (`store.messages`), on the same database or transaction. Rows are turned
// into the protocol's views here, where their columns are known.
import type { AttachmentView, CallInfo, ChannelKind, MessageView, OrgRole, ReactionView, SystemNote } from '@parley/protocol';
import type { Db, Sql } from '../store/db.ts';
import type { SearchQuery } from './search-query.ts';

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
  data: CallInfo | SystemNote | null;
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

/** The batch writer's write (see MessageStore.writeBatch). */
export const SEND_WRITE_SQL = `
  with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[])
               with ordinality as v(id, channel_id, author_id, client_id, root_id, body, mentions, created_at, data, i)),
       l as materialized (select c.id, c.last_seq from channels c where c.id = any($10::text[]) order by c.id for update),
       ok as materialized (
         select v.*, l.last_seq + row_number() over (partition by v.channel_id order by v.i) as seq
           from v join l on l.id = v.channel_id
          where exists (select 1 from channel_members cm where cm.channel_id = v.channel_id and cm.user_id = v.author_id)
            -- A retry of a send that landed (its sender's access was remembered, so not read): left out, not a failed batch.
            and not exists (select 1 from messages m where m.author_id = v.author_id and m.client_id = v.client_id)),
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

export class MessageStore {
  readonly #db: Db;
  readonly #sql: Sql;

  constructor(db: Db, sql: Sql) {
    this.#db = db;
    this.#sql = sql;
  }

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
  async insertSystemMessage(m: { id: string; channelId: string; seq: number; authorId: string; text: string; note: SystemNote; at: number }): Promise<void> {
    await this.#sql.query(`insert into messages (id, channel_id, seq, author_id, client_id, kind, body, data, created_at) values ($1, $2, $3, $4, $5, 'system', $6, $7, $8)`, [
      m.id,
      m.channelId,
      m.seq,
      m.authorId,
      `system:${m.id}`,
      m.text,
      JSON.stringify(m.note),
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
   * messages written, by their place in `messages` (from 1); a message whose
   * author left, or whose (author, clientId) is already stored, gets none.
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

  /**
   * The threads `userId` follows in the organization (started or replied in,
   * in channels they are still in), most recent reply first, with the
   * replies by others since they last opened or wrote in each (a reply is
   * written having read the thread: no write per reply to say so).
   */
  async followedThreads(userId: string, orgId: string, limit: number): Promise<{ message: MessageView; channelName: string; channelKind: string; lastReplyAt: number; unread: number }[]> {
    const rows = await this.#sql.query<MessageRow & { channel_name: string; channel_kind: string; last_reply_at: number; unread: number }>(
      `with mine as (
         select distinct coalesce(o.root_id, o.id) as id from messages o
          where o.author_id = $1 and o.deleted_at is null and (o.root_id is not null or o.reply_count > 0)),
       -- The page of threads first; their counts after, for those only.
       top as (
         select r.id, r.last_reply_at, c.name as channel_name, c.kind as channel_kind from mine
           join messages r on r.id = mine.id and r.deleted_at is null and r.reply_count > 0
           join channels c on c.id = r.channel_id and c.org_id = $2
           join channel_members cm on cm.channel_id = r.channel_id and cm.user_id = $1
          order by r.last_reply_at desc nulls last, r.id
          limit $3)
       select x.*, top.channel_name, top.channel_kind, top.last_reply_at,
              (select count(*)::int from messages a
                where a.root_id = top.id and a.deleted_at is null and a.author_id <> $1
                  and a.created_at > greatest(coalesce(tr.read_at, 0),
                        (select max(o.created_at) from messages o where (o.id = top.id or o.root_id = top.id) and o.author_id = $1))) as unread
         from top
         left join thread_reads tr on tr.user_id = $1 and tr.root_id = top.id
         cross join lateral (${MESSAGE_SELECT} where m.id = top.id) x
        order by top.last_reply_at desc nulls last, top.id`,
      [userId, orgId, limit],
    );
    return rows.map((r) => ({ message: messageView(r), channelName: r.channel_name, channelKind: r.channel_kind, lastReplyAt: r.last_reply_at, unread: r.unread }));
  }

  /** `userId` has read the thread up to `at`. */
  async markThreadRead(userId: string, rootId: string, at: number): Promise<void> {
    await this.#sql.query(
      'insert into thread_reads (user_id, root_id, read_at) values ($1, $2, $3) on conflict (user_id, root_id) do update set read_at = greatest(thread_reads.read_at, excluded.read_at)',
      [userId, rootId, at],
    );
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
   * user is in and, when `publicToo`, its public ones; newest first. Each
   * word matches as a prefix ("rob" finds "robot"), whatever its accents and
   * case (parley_fold, migration 008, folds the text and the query alike);
   * `in:channel` and `from:username` narrow it (see parseSearch).
   */
  async search(orgId: string, userId: string, query: SearchQuery, publicToo: boolean, limit: number): Promise<{ message: MessageView; channelName: string; channelKind: ChannelKind }[]> {
    const rows = await this.#sql.query<MessageRow & { channel_name: string; channel_kind: ChannelKind }>(
      `select * from (${MESSAGE_SELECT.replace('select m.id,', 'select c.name as channel_name, c.kind as channel_kind, m.id,')}
          join channels c on c.id = m.channel_id
         where c.org_id = $1 and m.deleted_at is null and m.kind <> 'system'
           and ($3 = '' or m.tsv @@ to_tsquery('simple', parley_fold($3)))
           and ($6::text is null or lower(c.name) = lower($6))
           and ($7::text is null or lower(u.username) = lower($7))
           and (exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2)
                or (c.kind = 'public' and $4))
         order by m.created_at desc limit $5) hits`,
      [orgId, userId, query.words.map((w) => `'${w}':*`).join(' & '), publicToo, limit, query.channel, query.from],
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
    call: r.kind === 'call' ? (r.data as CallInfo) : null,
    ...(r.kind === 'system' ? { note: r.data as SystemNote | null } : {}),
  };
}
