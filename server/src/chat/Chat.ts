// Team chat: channels, members and messages, kept in SQL. Every change of a
// channel takes the next number of that channel's counter (channels.last_seq,
// bumped under the channel row's lock, so numbers follow commit order) and is
// written to channel_events in the same transaction. Live delivery, history
// and a reconnecting client's catch-up all read that one order.
//
// Chat owns the rules (who may read, write, invite, remove, pin...). It never
// touches sockets: it emits typed events after each commit, and the gateway
// turns them into Socket.IO rooms and emits.
import {
  CHAT_LIMITS,
  DomainError,
  TypedEmitter,
  type AttachmentView,
  type CallInfo,
  type ChannelEvent,
  type ChannelKind,
  type ChannelView,
  type MemberView,
  type MessageView,
  type OrgRole,
  type ReactionView,
  type SearchHit,
} from '@parley/protocol';
import { newId, userView, type UserRow } from '../accounts/Accounts.ts';
import { isUniqueViolation, type Db, type Sql } from '../store/db.ts';
import { cleanText, isEmoji, requireName } from '../lib/names.ts';

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
interface MemberRow {
  channel_id: string;
  user_id: string;
  role: 'admin' | 'member';
  last_read_seq: number;
  mentions: number;
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

export interface ChatEvents {
  /** A numbered change, for every member of the channel. */
  event: [event: ChannelEvent];
  /** These users now belong to the channel (or must refresh it). */
  channelAdded: [channelId: string, userIds: string[]];
  channelRemoved: [channelId: string, userIds: string[]];
  /** A mention, or a message in a direct conversation. */
  notify: [userId: string, note: { channelId: string; messageId: string; authorName: string; excerpt: string }];
  /** A user's read position moved: their other devices follow. */
  read: [userId: string, channelId: string, seq: number];
}

export interface SendInput {
  channelId: string;
  clientId: string;
  text: string;
  rootId?: string;
  fileIds?: string[];
}
interface QueuedSend {
  userId: string;
  p: SendInput;
  resolve: (r: { message: MessageView; duplicate: boolean }) => void;
  reject: (error: unknown) => void;
}
/** Most sends written in one statement. */
const SEND_BATCH_MAX = 200;
/** A send of a batch, read and ready to write; `twins` are the same send again in the batch. */
interface PreparedSend {
  item: QueuedSend;
  message: MessageView;
  notified: string[];
  twins: QueuedSend[];
}

export interface CallFactory {
  /** Creates a meeting for a call started in a channel; its starter's account owns it. */
  create(title: string, ownerId: string): Promise<{ meetingId: string; url: string; moderatorToken: string }>;
}

/** Emits collected in a transaction, sent once it has committed. */
class Outbox {
  readonly #emits: (() => void)[] = [];
  add(fn: () => void): void {
    this.#emits.push(fn);
  }
  flush(): void {
    for (const fn of this.#emits.splice(0)) fn();
  }
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

/** The batch writer's write (see #writeBatch). */
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

const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9][A-Za-z0-9._-]{1,31})/g;
const EVERYONE = new Set(['channel', 'all', 'here']);
const MAX_EMOJIS_PER_MESSAGE = 50;

/** Usernames mentioned in a text (lower-cased, trailing dots dropped) and whether @channel/@all/@here is. */
export function parseMentions(text: string): { usernames: string[]; everyone: boolean } {
  const names = new Set<string>();
  let everyone = false;
  for (const m of text.matchAll(MENTION)) {
    const name = m[2]!.replace(/[.]+$/, '').toLowerCase();
    if (EVERYONE.has(name)) everyone = true;
    else names.add(name);
  }
  return { usernames: [...names], everyone };
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export class Chat extends TypedEmitter<ChatEvents> {
  readonly #db: Db;
  /** Which of these users have a live connection (the gateway knows; none by default). */
  online: (userIds: string[]) => Promise<Set<string>> = async () => new Set();
  calls: CallFactory | undefined;
  /** Removes attachments' bytes from the drive (after the deleting transaction commits). */
  files: { remove(driveKeys: string[]): Promise<void> } | undefined;

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  /** Runs `fn` in a transaction and sends its events once it has committed. */
  async #tx<T>(fn: (sql: Sql, out: Outbox) => Promise<T>): Promise<T> {
    const out = new Outbox();
    const result = await this.#db.tx((sql) => fn(sql, out));
    out.flush();
    return result;
  }

  // ---------------------------------------------------------------- access

  async orgRole(sql: Sql, orgId: string, userId: string): Promise<OrgRole | undefined> {
    const [row] = await sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    return row?.role;
  }

  /**
   * The channel and the user's membership, or the error that hides what they
   * may not know: a private channel, a conversation or another organization's
   * channel is CHANNEL_NOT_FOUND to outsiders; a public channel of their own
   * organization they have not joined is NOT_A_MEMBER.
   */
  async #access(sql: Sql, userId: string, channelId: string, opts: { lock?: boolean; member?: boolean } = {}) {
    // One round trip: the channel (locked when a change follows), the user's
    // role in its organization and membership, and their name.
    const [row] = await sql.query<ChannelRow & { org_role: OrgRole | null; m_role: 'admin' | 'member' | null; m_last_read: number | null; m_mentions: number | null; user_name: string }>(
      `select c.*, om.role as org_role, cm.role as m_role, cm.last_read_seq as m_last_read, cm.mentions as m_mentions, u.name as user_name
         from channels c
         join users u on u.id = $2
         left join org_members om on om.org_id = c.org_id and om.user_id = $2
         left join channel_members cm on cm.channel_id = c.id and cm.user_id = $2
        where c.id = $1${opts.lock ? ' for update of c' : ''}`,
      [channelId, userId],
    );
    const notFound = () => new DomainError('CHANNEL_NOT_FOUND', 'no such channel');
    if (!row?.org_role) throw notFound();
    const { org_role: orgRole, m_role, m_last_read, m_mentions, user_name: userName, ...channel } = row;
    const member: MemberRow | undefined = m_role ? { channel_id: channelId, user_id: userId, role: m_role, last_read_seq: m_last_read!, mentions: m_mentions! } : undefined;
    if (!member && opts.member !== false) {
      if (channel.kind === 'public' && orgRole !== 'external') throw new DomainError('NOT_A_MEMBER', 'join the channel first');
      throw notFound();
    }
    return { channel: channel as ChannelRow, member, orgRole, userName };
  }

  async #bump(sql: Sql, channelId: string): Promise<number> {
    const [row] = await sql.query<{ last_seq: number }>('update channels set last_seq = last_seq + 1 where id = $1 returning last_seq', [channelId]);
    return row!.last_seq;
  }

  /** Numbers and records one change of a channel; it goes out after commit. */
  async #append(sql: Sql, out: Outbox, channelId: string, change: DistributiveOmit<ChannelEvent, 'channelId' | 'seq' | 'at'>, seq?: number): Promise<ChannelEvent> {
    seq ??= await this.#bump(sql, channelId);
    const at = Date.now();
    const { kind, ...data } = change;
    await sql.query('insert into channel_events (channel_id, seq, kind, data, created_at) values ($1, $2, $3, $4, $5)', [channelId, seq, kind, JSON.stringify(data), at]);
    const event = { channelId, seq, at, ...change } as ChannelEvent;
    out.add(() => this.emit('event', event));
    return event;
  }

  // -------------------------------------------------------------- channels

  /** The user's channels in an organization, with unread and mention counts. */
  async channels(userId: string, orgId: string): Promise<ChannelView[]> {
    return this.#memberViews(userId, orgId, null);
  }

  /** One channel as its member sees it (access checked first). */
  async channel(userId: string, channelId: string): Promise<ChannelView> {
    const { channel } = await this.#access(this.#db, userId, channelId);
    const [view] = await this.#memberViews(userId, channel.org_id, channelId);
    return view!;
  }

  /** The user's channels of an organization (or just `channelId`) with their counts. */
  async #memberViews(userId: string, orgId: string, channelId: string | null): Promise<ChannelView[]> {
    const rows = await this.#db.query<ChannelRow & MemberRow & { unread: number }>(
      `select c.*, cm.role, cm.last_read_seq, cm.mentions,
              (select count(*)::int from messages m
                where m.channel_id = c.id and m.seq > cm.last_read_seq and m.author_id <> cm.user_id
                  and m.deleted_at is null and m.root_id is null) as unread
         from channel_members cm join channels c on c.id = cm.channel_id
        where cm.user_id = $1 and c.org_id = $2 and ($3::text is null or c.id = $3)
        order by c.kind, lower(c.name)`,
      [userId, orgId, channelId],
    );
    return this.#views(this.#db, userId, rows);
  }

  async #views(sql: Sql, userId: string, rows: (ChannelRow & Partial<MemberRow> & { unread?: number })[]): Promise<ChannelView[]> {
    const convs = rows.filter((r) => r.kind === 'direct' || r.kind === 'group').map((r) => r.id);
    const people = new Map<string, { id: string; name: string }[]>();
    if (convs.length) {
      const members = await sql.query<{ channel_id: string; id: string; name: string }>(
        'select cm.channel_id, u.id, u.name from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = any($1) order by u.name',
        [convs],
      );
      for (const m of members) people.set(m.channel_id, [...(people.get(m.channel_id) ?? []), { id: m.id, name: m.name }]);
    }
    return rows.map((r) => {
      const view: ChannelView = { id: r.id, orgId: r.org_id, kind: r.kind, name: r.name, topic: r.topic, lastSeq: r.last_seq };
      if (r.role) Object.assign(view, { role: r.role, lastReadSeq: r.last_read_seq, unread: r.unread ?? 0, mentions: r.mentions ?? 0 });
      const ps = people.get(r.id);
      if (ps) {
        view.memberIds = ps.map((p) => p.id);
        const others = ps.filter((p) => p.id !== userId);
        view.name = (others.length ? others : ps).map((p) => p.name).join(', ');
      }
      return view;
    });
  }

  async create(userId: string, p: { orgId: string; name: string; kind: 'public' | 'private'; topic?: string }): Promise<ChannelView> {
    const name = requireName(p.name, 64, 'a channel name');
    const topic = p.topic === undefined ? '' : cleanText(p.topic, 250);
    const id = await this.#tx(async (sql, out) => {
      const role = await this.orgRole(sql, p.orgId, userId);
      if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
      if (role === 'external') throw new DomainError('FORBIDDEN', 'guests cannot create channels');
      const channelId = await this.insertChannel(sql, { orgId: p.orgId, kind: p.kind, name, topic, createdBy: userId });
      await this.addMembers(sql, out, channelId, [userId], null, 'admin');
      return channelId;
    });
    return this.channel(userId, id);
  }

  /** Inserts a public or private channel; CHANNEL_NAME_TAKEN when the organization has one of that name. */
  async insertChannel(sql: Sql, p: { orgId: string; kind: 'public' | 'private'; name: string; topic: string; createdBy: string }): Promise<string> {
    const id = newId();
    try {
      // A savepoint keeps the caller's transaction usable when the name is taken.
      await sql.query('savepoint channel_insert');
      await sql.query('insert into channels (id, org_id, kind, name, topic, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7)', [
        id,
        p.orgId,
        p.kind,
        p.name,
        p.topic,
        p.createdBy,
        Date.now(),
      ]);
      await sql.query('release savepoint channel_insert');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await sql.query('rollback to savepoint channel_insert');
      throw new DomainError('CHANNEL_NAME_TAKEN', `a channel named "${p.name}" exists`);
    }
    return id;
  }

  /** Public channels of the organization the user has not joined (guests see none). */
  async browse(userId: string, orgId: string): Promise<ChannelView[]> {
    const role = await this.orgRole(this.#db, orgId, userId);
    if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    if (role === 'external') return [];
    const rows = await this.#db.query<ChannelRow>(
      `select c.* from channels c where c.org_id = $1 and c.kind = 'public'
          and not exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2)
        order by lower(c.name) limit 500`,
      [orgId, userId],
    );
    return this.#views(this.#db, userId, rows);
  }

  async join(userId: string, channelId: string): Promise<ChannelView> {
    await this.#tx(async (sql, out) => {
      const { channel, member, orgRole } = await this.#access(sql, userId, channelId, { member: false, lock: true });
      if (member) return;
      if (channel.kind !== 'public' || orgRole === 'external') throw new DomainError('CHANNEL_NOT_FOUND', 'no such channel');
      await this.addMembers(sql, out, channelId, [userId], null);
    });
    return this.channel(userId, channelId);
  }

  /**
   * Adds people to a channel: a system message and a member:joined event for
   * each (existing members are told), and the channel for the newcomers.
   * Returns who was actually added (members already in are skipped).
   */
  async addMembers(sql: Sql, out: Outbox, channelId: string, userIds: string[], by: UserRow | null, role: 'admin' | 'member' = 'member'): Promise<string[]> {
    const added: string[] = [];
    for (const userId of userIds) {
      const rows = await sql.query<{ user_id: string }>(
        `insert into channel_members (channel_id, user_id, role, joined_at, last_read_seq)
         select $1, $2, $3, $4, c.last_seq from channels c where c.id = $1
         on conflict do nothing returning user_id`,
        [channelId, userId, role, Date.now()],
      );
      if (!rows.length) continue;
      added.push(userId);
      const [user] = await sql.query<UserRow>('select * from users where id = $1', [userId]);
      const text = by && by.id !== userId ? `@${user!.username} was added to the channel by @${by.username}.` : `@${user!.username} joined the channel.`;
      await this.#system(sql, out, channelId, userId, text);
      await this.#append(sql, out, channelId, { kind: 'member:joined', userId, name: user!.name, by: by?.id ?? null });
      // What they see starts here: their own join is already read.
      await sql.query('update channel_members cm set last_read_seq = c.last_seq from channels c where c.id = cm.channel_id and cm.channel_id = $1 and cm.user_id = $2', [
        channelId,
        userId,
      ]);
    }
    if (added.length) out.add(() => this.emit('channelAdded', channelId, added));
    return added;
  }

  async #system(sql: Sql, out: Outbox, channelId: string, authorId: string, text: string): Promise<void> {
    const seq = await this.#bump(sql, channelId);
    const id = newId();
    await sql.query(
      `insert into messages (id, channel_id, seq, author_id, client_id, kind, body, created_at) values ($1, $2, $3, $4, $5, 'system', $6, $7)`,
      [id, channelId, seq, authorId, `system:${id}`, text, Date.now()],
    );
    await this.#append(sql, out, channelId, { kind: 'message', message: (await this.#message(sql, id))! }, seq);
  }

  async leave(userId: string, channelId: string): Promise<void> {
    await this.#tx(async (sql, out) => {
      const { channel } = await this.#access(sql, userId, channelId, { lock: true });
      if (channel.kind === 'direct') throw new DomainError('FORBIDDEN', 'a direct conversation cannot be left');
      await this.#removeMember(sql, out, channel, userId, null);
    });
  }

  async #removeMember(sql: Sql, out: Outbox, channel: ChannelRow, userId: string, by: UserRow | null): Promise<void> {
    const rows = await sql.query('delete from channel_members where channel_id = $1 and user_id = $2 returning user_id', [channel.id, userId]);
    if (!rows.length) return;
    const [user] = await sql.query<UserRow>('select * from users where id = $1', [userId]);
    const text = by ? `@${user!.username} was removed from the channel by @${by.username}.` : `@${user!.username} left the channel.`;
    await this.#system(sql, out, channel.id, userId, text);
    await this.#append(sql, out, channel.id, { kind: 'member:left', userId, by: by?.id ?? null });
    out.add(() => this.emit('channelRemoved', channel.id, [userId]));
  }

  async invite(actorId: string, channelId: string, userIds: string[]): Promise<string[]> {
    return this.#tx(async (sql, out) => {
      const { channel, orgRole } = await this.#access(sql, actorId, channelId, { lock: true });
      if (orgRole === 'external') throw new DomainError('FORBIDDEN', 'guests cannot add people');
      if (channel.kind === 'direct' || channel.kind === 'group') throw new DomainError('FORBIDDEN', 'conversations keep their members; open a new one');
      const ids = [...new Set(userIds)];
      const found = await sql.query<{ user_id: string; role: OrgRole }>('select user_id, role from org_members where org_id = $1 and user_id = any($2)', [
        channel.org_id,
        ids,
      ]);
      if (found.length !== ids.length) throw new DomainError('USER_NOT_FOUND', 'some of these people are not in the organization');
      const [actor] = await sql.query<UserRow>('select * from users where id = $1', [actorId]);
      return this.addMembers(sql, out, channelId, ids, actor!);
    });
  }

  /** Channel admins and organization admins may remove members. */
  async remove(actorId: string, channelId: string, userId: string): Promise<void> {
    await this.#tx(async (sql, out) => {
      const { channel, member, orgRole } = await this.#access(sql, actorId, channelId, { lock: true });
      if (channel.kind === 'direct' || channel.kind === 'group') throw new DomainError('FORBIDDEN', 'conversations keep their members');
      if (member?.role !== 'admin' && orgRole !== 'admin' && orgRole !== 'legal') throw new DomainError('FORBIDDEN', 'only channel admins remove members');
      const [target] = await sql.query('select 1 from channel_members where channel_id = $1 and user_id = $2', [channelId, userId]);
      if (!target) throw new DomainError('USER_NOT_FOUND', 'not a member of this channel');
      const [actor] = await sql.query<UserRow>('select * from users where id = $1', [actorId]);
      await this.#removeMember(sql, out, channel, userId, actor!);
    });
  }

  /** Drops a user from every channel of an organization (they left it or were removed). */
  async removeFromOrg(sql: Sql, out: Outbox, orgId: string, userId: string, by: UserRow | null): Promise<void> {
    const channels = await sql.query<ChannelRow>(
      'select c.* from channels c join channel_members cm on cm.channel_id = c.id where c.org_id = $1 and cm.user_id = $2 order by c.id for update of c',
      [orgId, userId],
    );
    for (const channel of channels) await this.#removeMember(sql, out, channel, userId, by);
  }

  /**
   * A member made a guest: out of the organization's channels (a guest is in
   * the channels someone adds it to, not in all it could once see); its
   * direct and group conversations stay, as they would for a guest.
   */
  async removeFromChannelsOnDemotion(sql: Sql, out: Outbox, orgId: string, userId: string, by: UserRow): Promise<void> {
    const channels = await sql.query<ChannelRow>(
      `select c.* from channels c join channel_members cm on cm.channel_id = c.id where c.org_id = $1 and cm.user_id = $2 and c.kind in ('public', 'private') order by c.id for update of c`,
      [orgId, userId],
    );
    for (const channel of channels) await this.#removeMember(sql, out, channel, userId, by);
  }

  async setRole(actorId: string, channelId: string, userId: string, role: 'admin' | 'member'): Promise<void> {
    await this.#tx(async (sql, out) => {
      const { channel, member, orgRole } = await this.#access(sql, actorId, channelId, { lock: true });
      if (channel.kind === 'direct' || channel.kind === 'group') throw new DomainError('FORBIDDEN', 'conversations have no admins');
      if (member?.role !== 'admin' && orgRole !== 'admin' && orgRole !== 'legal') throw new DomainError('FORBIDDEN', 'only channel admins change roles');
      const rows = await sql.query('update channel_members set role = $3 where channel_id = $1 and user_id = $2 returning 1', [channelId, userId, role]);
      if (!rows.length) throw new DomainError('USER_NOT_FOUND', 'not a member of this channel');
      await this.#append(sql, out, channelId, { kind: 'member:role', userId, role });
    });
  }

  async members(userId: string, channelId: string): Promise<MemberView[]> {
    await this.#access(this.#db, userId, channelId);
    const rows = await this.#db.query<UserRow & { channel_role: 'admin' | 'member' }>(
      'select u.*, cm.role as channel_role from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 order by lower(u.name) limit 5000',
      [channelId],
    );
    const online = await this.online(rows.map((r) => r.id));
    return rows.map((r) => ({ ...userView(r, online.has(r.id)), channelRole: r.channel_role }));
  }

  /** A direct (two people, or oneself) or group conversation; the same people always get the same one. */
  async openDirect(userId: string, orgId: string, userIds: string[]): Promise<ChannelView> {
    const everyone = [...new Set([userId, ...userIds])].sort();
    if (everyone.length > CHAT_LIMITS.groupMembers + 1) throw new DomainError('INVALID_PAYLOAD', `at most ${CHAT_LIMITS.groupMembers} others in a group conversation`);
    const id = await this.#tx(async (sql, out) => {
      const role = await this.orgRole(sql, orgId, userId);
      if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
      if (role === 'external') throw new DomainError('FORBIDDEN', 'guests cannot start conversations');
      const found = await sql.query('select user_id from org_members where org_id = $1 and user_id = any($2)', [orgId, everyone]);
      if (found.length !== everyone.length) throw new DomainError('USER_NOT_FOUND', 'some of these people are not in the organization');
      const key = `${orgId}:${everyone.join(',')}`;
      const kind = everyone.length > 2 ? 'group' : 'direct';
      const fresh = newId();
      await sql.query(
        `insert into channels (id, org_id, kind, name, direct_key, created_by, created_at) values ($1, $2, $3, '', $4, $5, $6) on conflict (direct_key) do nothing`,
        [fresh, orgId, kind, key, userId, Date.now()],
      );
      const [channel] = await sql.query<{ id: string }>('select id from channels where direct_key = $1', [key]);
      if (channel!.id === fresh) {
        for (const member of everyone) await sql.query('insert into channel_members (channel_id, user_id, joined_at) values ($1, $2, $3)', [fresh, member, Date.now()]);
        out.add(() => this.emit('channelAdded', fresh, everyone));
      }
      return channel!.id;
    });
    return this.channel(userId, id);
  }

  // -------------------------------------------------------------- messages

  async #message(sql: Sql, id: string): Promise<MessageView | undefined> {
    const [row] = await sql.query<MessageRow>(`${MESSAGE_SELECT} where m.id = $1`, [id]);
    return row && messageView(row);
  }

  /**
   * Sends a message. Idempotent on (author, clientId): a retry of a send
   * whose answer was lost returns the first message and changes nothing.
   */
  async send(userId: string, p: SendInput): Promise<{ message: MessageView; duplicate: boolean }> {
    if (utf8Bytes(p.text) > CHAT_LIMITS.messageBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `a message holds at most ${CHAT_LIMITS.messageBytes} bytes`);
    if (!p.text.trim() && !p.fileIds?.length) throw new DomainError('INVALID_PAYLOAD', 'empty message');
    // Attachments are claimed one message at a time; everything else goes
    // through the batch writer.
    if (p.fileIds?.length) return this.#sendOne(userId, p);
    return new Promise((resolve, reject) => {
      this.#sendQueue.push({ userId, p, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        queueMicrotask(() => void this.#flush());
      }
    });
  }

  /** One message in its own transaction (attachments, and the batch writer's fallback). */
  async #sendOne(userId: string, p: SendInput): Promise<{ message: MessageView; duplicate: boolean }> {
    // No look-up first: the unique (author, clientId) index turns a retry into
    // a rolled-back insert, and only then is the first message fetched.
    try {
      const message = await this.#tx((sql, out) => this.#insertMessage(sql, out, userId, p));
      return { message, duplicate: false };
    } catch (error) {
      // A retry of a send that landed (or two tries racing).
      if (!isUniqueViolation(error)) throw error;
      const landed = await this.#byClientId(userId, p.clientId, p.channelId);
      if (!landed) throw error;
      return { message: landed, duplicate: true };
    }
  }

  readonly #sendQueue: QueuedSend[] = [];
  #flushing = false;

  /**
   * Group commit: the sends waiting when a batch starts are written by one
   * statement for all of them, instead of one transaction each. Under light
   * load a batch is one message; under heavy load the database does much less
   * work per message. Each batch is read (who may write, retries, mentions)
   * while the previous one is written; writes go one at a time, in arrival
   * order, so a channel's numbers follow the order its sends arrived in.
   * The write is a single self-committing statement: the channels' locks are
   * held inside the database only, never across a round trip, so they are
   * short whatever the load on this process (several queues by channel, and
   * overlapping multi-statement transactions, were measured: smaller batches
   * or locks held longer, a lower peak; bench/chat-fanout.ts).
   */
  async #flush(): Promise<void> {
    try {
      while (this.#sendQueue.length) {
        const batch = this.#sendQueue.splice(0, SEND_BATCH_MAX);
        let fresh: PreparedSend[];
        try {
          fresh = await this.#readBatch(batch);
        } catch {
          void this.#sendEach(batch);
          continue;
        }
        // One batch read while the one before is written; the next gathers meanwhile.
        await this.#writing;
        this.#writing = this.#writeBatch(fresh).catch(() =>
          // Something in the batch broke it (a retry racing on another
          // node, a constraint): each message on its own, so one cannot fail the others.
          this.#sendEach(fresh.flatMap((f) => [f.item, ...f.twins])),
        );
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** The last batch write started: the next one waits for it (a channel's numbers follow arrival order). */
  #writing: Promise<void> = Promise.resolve();

  async #sendEach(items: QueuedSend[]): Promise<void> {
    await Promise.all(items.map((item) => this.#sendOne(item.userId, item.p).then(item.resolve, item.reject)));
  }

  /**
   * A batch's reads, before anything is locked: who may write where, which
   * sends already landed (retries, answered at once), reply roots and
   * mentions. Returns the messages to write. The write checks membership
   * again, under the channels' locks.
   */
  async #readBatch(batch: QueuedSend[]): Promise<PreparedSend[]> {
    const access = await this.#db.prepared<{ i: number; kind: ChannelKind | null; org_role: OrgRole | null; m_role: string | null; user_name: string | null; landed: string | null }>(
      'chat_send_read',
      SEND_READ_SQL,
      [batch.map((b) => b.p.channelId), batch.map((b) => b.userId), batch.map((b) => b.p.clientId)],
    );
    // One row per send, numbered from 1 in batch order.
    const accessOf = new Map(access.map((r) => [r.i, r]));
    const landedIds = access.map((a) => a.landed).filter((id): id is string => id !== null);
    const existing = landedIds.length ? await this.#db.query<MessageRow>(`${MESSAGE_SELECT} where m.id = any($1)`, [landedIds]) : [];
    const landed = new Map(existing.map((r) => [`${r.author_id}\n${r.client_id}`, r]));
    const fresh: PreparedSend[] = [];
    const inBatch = new Map<string, PreparedSend>();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const a = accessOf.get(i + 1)!;
      const key = `${item.userId}\n${item.p.clientId}`;
      const before = landed.get(key);
      const twin = inBatch.get(key);
      if (!a.org_role || !a.kind) {
        item.reject(new DomainError('CHANNEL_NOT_FOUND', 'no such channel'));
      } else if (!a.m_role) {
        const publicChannel = a.kind === 'public' && a.org_role !== 'external';
        item.reject(publicChannel ? new DomainError('NOT_A_MEMBER', 'join the channel first') : new DomainError('CHANNEL_NOT_FOUND', 'no such channel'));
      } else if (before || twin) {
        // A retry of a send that landed, or the same send twice in this batch.
        const channelId = before ? before.channel_id : twin!.message.channelId;
        if (channelId !== item.p.channelId) item.reject(new DomainError('INVALID_PAYLOAD', 'this clientId was used for another message'));
        else if (before) item.resolve({ message: messageView(before), duplicate: true });
        else twin!.twins.push(item);
      } else {
        try {
          const prepared: PreparedSend = { item, ...(await this.#prepare(this.#db, item.userId, a.user_name!, a.kind, item.p)), twins: [] };
          fresh.push(prepared);
          inBatch.set(key, prepared);
        } catch (error) {
          item.reject(error);
        }
      }
    }
    return fresh;
  }

  /**
   * Writes a batch in one statement, committed on return: it locks the
   * channels (in id order, so two nodes never wait on each other in a
   * circle), keeps only sends whose authors are still members, numbers them
   * on from each channel's counter in arrival order, and writes the
   * messages, their events, the counters, the authors' read positions,
   * mention counts and reply counts.
   */
  async #writeBatch(fresh: PreparedSend[]): Promise<void> {
    if (!fresh.length) return;
    const col = <T>(fn: (f: PreparedSend) => T) => fresh.map(fn);
    const rows = await this.#db.prepared<{ i: number; seq: number }>(
      'chat_send_write',
      SEND_WRITE_SQL,
      [
        col((f) => f.message.id),
        col((f) => f.message.channelId),
        col((f) => f.message.authorId),
        col((f) => f.message.clientId),
        col((f) => f.message.rootId),
        col((f) => f.message.text),
        col((f) => JSON.stringify(f.message.mentions)),
        col((f) => f.message.createdAt),
        col((f) => JSON.stringify({ message: f.message })),
        [...new Set(col((f) => f.message.channelId))].sort(),
      ],
    );
    const seqOf = new Map(rows.map((r) => [r.i, r.seq]));
    fresh.forEach((f, i) => {
      const seq = seqOf.get(i + 1);
      if (seq === undefined) {
        // Removed from the channel (or the channel deleted) since the read.
        const error = new DomainError('CHANNEL_NOT_FOUND', 'no such channel');
        for (const item of [f.item, ...f.twins]) item.reject(error);
        return;
      }
      f.message.seq = seq;
      const event = { channelId: f.message.channelId, seq, at: f.message.createdAt, kind: 'message', message: f.message } as ChannelEvent;
      this.emit('event', event);
      const excerpt = f.message.text.length > 140 ? `${f.message.text.slice(0, 139)}…` : f.message.text;
      for (const target of f.notified) this.emit('notify', target, { channelId: f.message.channelId, messageId: f.message.id, authorName: f.message.authorName, excerpt });
    });
    for (const f of fresh) {
      if (!f.message.seq) continue;
      f.item.resolve({ message: f.message, duplicate: false });
      for (const twin of f.twins) twin.resolve({ message: f.message, duplicate: true });
    }
  }

  /** Checks a reply's root and finds who is mentioned; the message as it will be stored (seq comes later). */
  async #prepare(sql: Sql, userId: string, userName: string, kind: ChannelKind, p: SendInput): Promise<{ message: MessageView; notified: string[] }> {
    let rootId: string | null = null;
    if (p.rootId) {
      const [root] = await sql.query<{ id: string; root_id: string | null }>('select id, root_id from messages where id = $1 and channel_id = $2 and deleted_at is null', [
        p.rootId,
        p.channelId,
      ]);
      if (!root) throw new DomainError('MESSAGE_NOT_FOUND', 'no such message to reply to');
      // A reply to a reply belongs to the same thread.
      rootId = root.root_id ?? root.id;
    }
    const conversation = kind === 'direct' || kind === 'group';
    const { usernames, everyone } = parseMentions(p.text);
    // Members are looked up only when someone is to be told: most messages mention nobody.
    let mentioned: string[] = [];
    let notified: string[] = [];
    if (usernames.length || everyone || conversation) {
      const members = await sql.query<{ user_id: string; username: string }>(
        'select cm.user_id, u.username from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 and cm.user_id <> $2',
        [p.channelId, userId],
      );
      const named = new Set(usernames);
      mentioned = members.filter((m) => everyone || named.has(m.username)).map((m) => m.user_id);
      // Direct conversations notify every other member, as a mention does.
      notified = conversation ? members.map((m) => m.user_id) : mentioned;
    }
    const message: MessageView = {
      id: newId(),
      channelId: p.channelId,
      seq: 0,
      authorId: userId,
      authorName: userName,
      clientId: p.clientId,
      rootId,
      kind: 'user',
      text: p.text,
      mentions: mentioned,
      attachments: [],
      reactions: [],
      createdAt: Date.now(),
      editedAt: null,
      deletedAt: null,
      pinned: false,
      replyCount: 0,
      call: null,
    };
    return { message, notified };
  }

  async #byClientId(userId: string, clientId: string, channelId: string): Promise<MessageView | undefined> {
    const [row] = await this.#db.query<MessageRow>(`${MESSAGE_SELECT} where m.author_id = $1 and m.client_id = $2`, [userId, clientId]);
    if (!row) return undefined;
    // The id was used for another channel: that is a client bug, not a retry.
    if (row.channel_id !== channelId) throw new DomainError('INVALID_PAYLOAD', 'this clientId was used for another message');
    return messageView(row);
  }

  async #insertMessage(
    sql: Sql,
    out: Outbox,
    userId: string,
    p: SendInput,
    kind: 'user' | 'call' = 'user',
    data: CallInfo | null = null,
  ): Promise<MessageView> {
    const { channel, userName } = await this.#access(sql, userId, p.channelId, { lock: true });
    const { message, notified } = await this.#prepare(sql, userId, userName, channel.kind, p);
    Object.assign(message, { kind, call: data });
    if (p.fileIds?.length) message.attachments = await this.#claimFiles(sql, userId, p.channelId, message.id, p.fileIds);
    const { id, rootId, mentions: mentioned, createdAt: at } = message;
    // One statement: the channel's next number, the message, its event, and
    // the author's read position (one's own message is read).
    const [row] = await sql.query<{ seq: number }>(
      `with ch as (update channels set last_seq = last_seq + 1 where id = $1 returning last_seq),
            m as (insert into messages (id, channel_id, seq, author_id, client_id, root_id, kind, body, data, mentions, attachments, created_at)
                  select $2, $1, ch.last_seq, $3, $4, $5, $6, $7, $8, $9, $10, $11 from ch returning seq),
            ev as (insert into channel_events (channel_id, seq, kind, data, created_at)
                   select $1, m.seq, 'message', jsonb_set($12::jsonb, '{message,seq}', to_jsonb(m.seq)), $11 from m),
            rd as (update channel_members set last_read_seq = (select seq from m) where channel_id = $1 and user_id = $3)
       select seq from m`,
      [p.channelId, id, userId, p.clientId, rootId, kind, p.text, data && JSON.stringify(data), JSON.stringify(mentioned), JSON.stringify(message.attachments), at, JSON.stringify({ message })],
    );
    message.seq = row!.seq;
    if (rootId) await sql.query('update messages set reply_count = reply_count + 1, last_reply_at = $2 where id = $1', [rootId, at]);
    if (mentioned.length) await sql.query('update channel_members set mentions = mentions + 1 where channel_id = $1 and user_id = any($2)', [p.channelId, mentioned]);
    const event = { channelId: p.channelId, seq: message.seq, at, kind: 'message', message } as ChannelEvent;
    out.add(() => this.emit('event', event));
    const excerpt = p.text.length > 140 ? `${p.text.slice(0, 139)}…` : p.text;
    for (const target of notified) out.add(() => this.emit('notify', target, { channelId: p.channelId, messageId: id, authorName: userName, excerpt }));
    return message;
  }

  async #claimFiles(sql: Sql, userId: string, channelId: string, messageId: string, fileIds: string[]): Promise<AttachmentView[]> {
    const ids = [...new Set(fileIds)];
    const rows = await sql.query<{ id: string; name: string; size: number; mime: string }>(
      `update files set message_id = $4 where id = any($1) and uploader_id = $2 and channel_id = $3 and message_id is null returning id, name, size, mime`,
      [ids, userId, channelId, messageId],
    );
    if (rows.length !== ids.length) throw new DomainError('FILE_NOT_FOUND', 'an attachment is unknown, another channel’s, or already sent');
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!).map((r) => ({ id: r.id, name: r.name, size: r.size, mime: r.mime }));
  }

  /** The message and the channel access of `userId`, for changes to it. */
  async #target(sql: Sql, userId: string, messageId: string) {
    const [row] = await sql.query<{ channel_id: string }>('select channel_id from messages where id = $1', [messageId]);
    if (!row) throw new DomainError('MESSAGE_NOT_FOUND', 'no such message');
    const access = await this.#access(sql, userId, row.channel_id, { lock: true }).catch((error: unknown) => {
      // Outsiders learn nothing about messages of channels they cannot read.
      if (error instanceof DomainError && error.code === 'CHANNEL_NOT_FOUND') throw new DomainError('MESSAGE_NOT_FOUND', 'no such message');
      throw error;
    });
    const message = (await this.#message(sql, messageId))!;
    if (message.deletedAt) throw new DomainError('MESSAGE_NOT_FOUND', 'this message was deleted');
    return { ...access, message };
  }

  async edit(userId: string, messageId: string, text: string): Promise<MessageView> {
    if (utf8Bytes(text) > CHAT_LIMITS.messageBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `a message holds at most ${CHAT_LIMITS.messageBytes} bytes`);
    if (!text.trim()) throw new DomainError('INVALID_PAYLOAD', 'empty message (delete it instead)');
    return this.#tx(async (sql, out) => {
      const { message } = await this.#target(sql, userId, messageId);
      if (message.authorId !== userId || message.kind !== 'user') throw new DomainError('FORBIDDEN', 'only the author edits a message');
      await sql.query('update messages set body = $2, edited_at = $3 where id = $1', [messageId, text, Date.now()]);
      const edited = (await this.#message(sql, messageId))!;
      await this.#append(sql, out, edited.channelId, { kind: 'message:edited', message: edited });
      return edited;
    });
  }

  /**
   * The author, channel admins and organization admins may delete. What is
   * left is a tombstone: the text, every earlier version of it (the channel's
   * change log, which `chat:sync` replays, holds them) and the attachments
   * (their rows, and their bytes in the drive, so earlier share links are
   * refused) are gone for good.
   */
  async delete(userId: string, messageId: string): Promise<void> {
    await this.#tx(async (sql, out) => {
      const { message, member, orgRole } = await this.#target(sql, userId, messageId);
      const moderator = member?.role === 'admin' || orgRole === 'admin' || orgRole === 'legal';
      if (message.authorId !== userId && !moderator) throw new DomainError('FORBIDDEN', 'only the author or a channel admin deletes a message');
      await sql.query(`update messages set body = '', attachments = '[]', mentions = '[]', deleted_at = $2, pinned_at = null, pinned_by = null where id = $1`, [messageId, Date.now()]);
      await sql.query('delete from reactions where message_id = $1', [messageId]);
      if (message.rootId) await sql.query('update messages set reply_count = greatest(reply_count - 1, 0) where id = $1', [message.rootId]);
      const tombstone = (await this.#message(sql, messageId))!;
      await sql.query(
        `update channel_events set data = jsonb_set(data, '{message}', $3::jsonb)
          where channel_id = $1 and kind in ('message', 'message:edited') and data->'message'->>'id' = $2`,
        [message.channelId, messageId, JSON.stringify(tombstone)],
      );
      const files = await sql.query<{ drive_key: string }>('delete from files where message_id = $1 returning drive_key', [messageId]);
      await this.#append(sql, out, message.channelId, { kind: 'message:deleted', messageId, rootId: message.rootId });
      if (files.length && this.files) {
        const keys = files.map((f) => f.drive_key);
        const remover = this.files;
        out.add(() => void remover.remove(keys));
      }
    });
  }

  async react(userId: string, messageId: string, emoji: string, on: boolean): Promise<ReactionView[]> {
    // Taking one away stays possible for whatever was stored before this check.
    if (on && !isEmoji(emoji)) throw new DomainError('INVALID_PAYLOAD', 'emoji: a reaction is one emoji');
    return this.#tx(async (sql, out) => {
      const { message } = await this.#target(sql, userId, messageId);
      if (on) {
        const known = new Set(message.reactions.map((r) => r.emoji));
        if (!known.has(emoji) && known.size >= MAX_EMOJIS_PER_MESSAGE) throw new DomainError('FORBIDDEN', 'this message has as many different reactions as it may');
        await sql.query('insert into reactions (message_id, user_id, emoji, created_at) values ($1, $2, $3, $4) on conflict do nothing', [messageId, userId, emoji, Date.now()]);
      } else {
        await sql.query('delete from reactions where message_id = $1 and user_id = $2 and emoji = $3', [messageId, userId, emoji]);
      }
      const reactions = (await this.#message(sql, messageId))!.reactions;
      await this.#append(sql, out, message.channelId, { kind: 'reactions', messageId, reactions });
      return reactions;
    });
  }

  async pin(userId: string, messageId: string, on: boolean): Promise<void> {
    await this.#tx(async (sql, out) => {
      const { message } = await this.#target(sql, userId, messageId);
      if (message.pinned === on) return;
      await sql.query('update messages set pinned_at = $2, pinned_by = $3 where id = $1', [messageId, on ? Date.now() : null, on ? userId : null]);
      await this.#append(sql, out, message.channelId, { kind: 'pin', messageId, pinned: on, by: userId });
    });
  }

  /** A page of the channel's messages (thread replies stay in their thread), oldest first, before `before`. */
  async history(userId: string, channelId: string, before?: number, limit: number = CHAT_LIMITS.pageSize): Promise<{ messages: MessageView[]; more: boolean }> {
    await this.#access(this.#db, userId, channelId);
    const rows = await this.#db.query<MessageRow>(
      `${MESSAGE_SELECT} where m.channel_id = $1 and m.root_id is null and m.deleted_at is null and m.seq < $2 order by m.seq desc limit $3`,
      [channelId, before ?? Number.MAX_SAFE_INTEGER, limit + 1],
    );
    const more = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(messageView), more };
  }

  async thread(userId: string, messageId: string): Promise<{ root: MessageView; replies: MessageView[] }> {
    const { message } = await this.#target(this.#db, userId, messageId);
    const rootId = message.rootId ?? message.id;
    const root = rootId === message.id ? message : (await this.#message(this.#db, rootId))!;
    const rows = await this.#db.query<MessageRow>(`${MESSAGE_SELECT} where m.root_id = $1 and m.deleted_at is null order by m.seq limit 1000`, [rootId]);
    return { root, replies: rows.map(messageView) };
  }

  async pins(userId: string, channelId: string): Promise<MessageView[]> {
    await this.#access(this.#db, userId, channelId);
    const rows = await this.#db.query<MessageRow>(`${MESSAGE_SELECT} where m.channel_id = $1 and m.pinned_at is not null and m.deleted_at is null order by m.pinned_at desc limit 200`, [
      channelId,
    ]);
    return rows.map(messageView);
  }

  async markRead(userId: string, channelId: string, seq: number): Promise<void> {
    await this.#access(this.#db, userId, channelId);
    const rows = await this.#db.query<{ last_read_seq: number }>(
      `update channel_members cm set last_read_seq = least(greatest(cm.last_read_seq, $3), c.last_seq), mentions = 0
         from channels c where c.id = cm.channel_id and cm.channel_id = $1 and cm.user_id = $2 returning cm.last_read_seq`,
      [channelId, userId, seq],
    );
    if (rows[0]) this.emit('read', userId, channelId, rows[0].last_read_seq);
  }

  /**
   * Full-text search (PostgreSQL's own, 'simple' configuration: no stemming,
   * so it treats every language alike) over the channels the user can read:
   * the ones they are in and, unless they are a guest, the public ones.
   */
  async search(userId: string, orgId: string, query: string): Promise<SearchHit[]> {
    const role = await this.orgRole(this.#db, orgId, userId);
    if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    const rows = await this.#db.query<MessageRow & { channel_name: string; channel_kind: ChannelKind }>(
      `select * from (${MESSAGE_SELECT.replace('select m.id,', 'select c.name as channel_name, c.kind as channel_kind, m.id,')}
          join channels c on c.id = m.channel_id
         where c.org_id = $1 and m.deleted_at is null and m.kind <> 'system'
           and m.tsv @@ websearch_to_tsquery('simple', $3)
           and (exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2)
                or (c.kind = 'public' and $4))
         order by m.created_at desc limit $5) hits`,
      [orgId, userId, query, role !== 'external', CHAT_LIMITS.searchResults],
    );
    return rows.map((r) => ({ message: messageView(r), channelName: r.channel_kind === 'direct' || r.channel_kind === 'group' ? 'Direct message' : r.channel_name }));
  }

  /**
   * What a reconnecting client missed: the events after the seq it last saw,
   * per channel it may read. A channel with more than CHAT_LIMITS.syncEvents
   * missed events is listed in `reload` instead: the client fetches its
   * history afresh.
   */
  async sync(userId: string, since: Record<string, number>): Promise<{ events: ChannelEvent[]; reload: string[] }> {
    const ids = Object.keys(since);
    const readable = await this.#db.query<{ id: string; last_seq: number }>(
      'select c.id, c.last_seq from channels c join channel_members cm on cm.channel_id = c.id and cm.user_id = $1 where c.id = any($2)',
      [userId, ids],
    );
    const events: ChannelEvent[] = [];
    const reload: string[] = [];
    for (const { id, last_seq } of readable) {
      const from = since[id]!;
      if (last_seq <= from) continue;
      if (last_seq - from > CHAT_LIMITS.syncEvents) {
        reload.push(id);
        continue;
      }
      const rows = await this.#db.query<{ seq: number; kind: string; data: object; created_at: number }>(
        'select seq, kind, data, created_at from channel_events where channel_id = $1 and seq > $2 order by seq',
        [id, from],
      );
      for (const r of rows) events.push({ channelId: id, seq: r.seq, at: r.created_at, kind: r.kind, ...r.data } as ChannelEvent);
    }
    return { events, reload };
  }

  // ----------------------------------------------------------------- calls

  /** A meeting started from a channel: a call card message with the join link. */
  async startCall(userId: string, channelId: string): Promise<{ message: MessageView; url: string; moderatorToken: string }> {
    if (!this.calls) throw new DomainError('MEDIA_UNAVAILABLE', 'meetings are not available on this server');
    const { channel } = await this.#access(this.#db, userId, channelId);
    const title = channel.kind === 'public' || channel.kind === 'private' ? `#${channel.name}` : 'Call';
    const call = await this.calls.create(title, userId);
    const info: CallInfo = { meetingId: call.meetingId, url: call.url, participants: 0, endedAt: null };
    const message = await this.#tx((sql, out) =>
      this.#insertMessage(sql, out, userId, { channelId, clientId: `call:${call.meetingId}`, text: `Call started: ${call.url}` }, 'call', info),
    );
    return { message, url: call.url, moderatorToken: call.moderatorToken };
  }

  /** Whether a meeting was started from a channel (only those have a card to follow). */
  async hasCall(meetingId: string): Promise<boolean> {
    const rows = await this.#db.query(`select 1 from messages where kind = 'call' and data->>'meetingId' = $1`, [meetingId]);
    return rows.length > 0;
  }

  /** The call card follows its meeting: participant count, then its end. */
  async updateCall(meetingId: string, change: { participants?: number; ended?: boolean }): Promise<void> {
    const [row] = await this.#db.query<{ id: string; channel_id: string }>(`select id, channel_id from messages where kind = 'call' and data->>'meetingId' = $1`, [meetingId]);
    if (!row) return;
    await this.#tx(async (sql, out) => {
      await sql.query('select 1 from channels where id = $1 for update', [row.channel_id]);
      const message = (await this.#message(sql, row.id))!;
      const call = message.call!;
      if (call.endedAt) return;
      const next: CallInfo = { ...call, participants: change.ended ? 0 : (change.participants ?? call.participants), endedAt: change.ended ? Date.now() : null };
      if (next.participants === call.participants && next.endedAt === call.endedAt) return;
      await sql.query('update messages set data = $2 where id = $1', [row.id, JSON.stringify(next)]);
      await this.#append(sql, out, row.channel_id, { kind: 'message:edited', message: { ...message, call: next } });
    });
  }

  /** Every channel the user is in, across organizations (the rooms of their sockets). */
  async channelIdsOf(userId: string): Promise<string[]> {
    return (await this.#db.query<{ channel_id: string }>('select channel_id from channel_members where user_id = $1', [userId])).map((r) => r.channel_id);
  }

  /** An uploaded attachment, waiting to be named in a message. */
  async recordFile(f: { id: string; orgId: string; channelId: string; uploaderId: string; name: string; size: number; mime: string; driveKey: string }): Promise<void> {
    await this.#db.query(
      'insert into files (id, org_id, channel_id, uploader_id, name, size, mime, drive_key, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [f.id, f.orgId, f.channelId, f.uploaderId, f.name, f.size, f.mime, f.driveKey, Date.now()],
    );
  }

  /** An attachment, for members of its channel (and its uploader before it is sent). */
  async file(userId: string, fileId: string): Promise<{ name: string; size: number; mime: string; driveKey: string }> {
    const [row] = await this.#db.query<{ channel_id: string; uploader_id: string; message_id: string | null; name: string; size: number; mime: string; drive_key: string }>(
      'select * from files where id = $1',
      [fileId],
    );
    const notFound = () => new DomainError('FILE_NOT_FOUND', 'no such file');
    if (!row) throw notFound();
    if (row.message_id === null && row.uploader_id !== userId) throw notFound();
    if (row.message_id !== null) {
      // Attachments of deleted messages are gone with them.
      const [m] = await this.#db.query('select 1 from messages where id = $1 and deleted_at is null', [row.message_id]);
      if (!m) throw notFound();
    }
    await this.#access(this.#db, userId, row.channel_id).catch(() => {
      throw notFound();
    });
    return { name: row.name, size: row.size, mime: row.mime, driveKey: row.drive_key };
  }

  /** Runs org-level changes (Orgs) in a chat transaction: their channel events go out after commit. */
  transaction<T>(fn: (sql: Sql, out: Outbox) => Promise<T>): Promise<T> {
    return this.#tx(fn);
  }
}

export type { Outbox };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
