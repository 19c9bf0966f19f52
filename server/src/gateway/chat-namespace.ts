// The /chat namespace: team chat over Socket.IO. A socket authenticates with
// a session token and joins one room per organization, per channel and for
// its user; Chat's events (after commit) go to those rooms. With several
// server nodes the Redis adapter carries emits and room joins between them,
// so a message sent on one node reaches members connected to another.
import type { Namespace, Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import { compactEvent, type ChatClientToServerEvents, type ChatServerToClientEvents, type OrgView, type PayloadName, type PayloadOf } from '@parley/protocol';
import { meView, presenceOf, userView, type Accounts } from '../accounts/Accounts.ts';
import type { Chat } from '../chat/Chat.ts';
import type { Orgs } from '../org/Orgs.ts';
import { RequestTable, type Connection, type ParleyServer } from './context.ts';
import type { Limiter, RateSpec } from '../lib/limiter.ts';
import type { TrustProxy } from '../lib/client-address.ts';
import { originOf } from '../lib/origin.ts';
import { TokenBucket } from '../lib/token-bucket.ts';
import { OrgNotFound, RateLimited } from '../lib/errors.ts';
import { TeamNotFound } from '../org/errors.ts';
import { PresenceNews } from './presence-news.ts';

interface ChatSocketData {
  userId: string;
  sessionId: string;
}
export type ChatNamespace = Namespace<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;
type ChatSocket = Socket<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;
/** A chat socket as its requests see it. */
interface ChatConnection extends Connection {
  userId: string;
  /** Settles once the socket is in its rooms (requests wait for it). */
  ready: Promise<void>;
}

export const userRoom = (userId: string) => `u:${userId}`;
export const sessionRoom = (sessionId: string) => `s:${sessionId}`;
export const orgRoom = (orgId: string) => `o:${orgId}`;
export const channelRoom = (channelId: string) => `c:${channelId}`;

/** Messages per user (all their sockets on this node): a flood is refused, not queued. */
const SEND_RATE = { burst: 10, perSecond: 5 };
/**
 * Calls started per user, cluster-wide (each opens a meeting with a media
 * router): a few at once, then one a minute.
 */
const CALL_RATE: RateSpec = { burst: 3, perSecond: 1 / 60 };

export interface ChatGatewayDeps {
  accounts: Accounts;
  orgs: Orgs;
  chat: Chat;
  limiter: Limiter;
  /** Which proxies' X-Forwarded-Host/-Proto to believe (links are built on the address the client used). */
  trust: TrustProxy;
  log: Logger;
  /** Registers what to stop when the server closes (pending presence news). */
  atClose(fn: () => void): void;
}

export function createChatGateway(io: ParleyServer, deps: ChatGatewayDeps): ChatNamespace {
  const nsp = (io as Server).of('/chat') as ChatNamespace;
  const { accounts, orgs, chat, limiter, trust, log } = deps;
  const sendBuckets = new Map<string, TokenBucket>();

  /** Which of these users have a socket anywhere in the cluster. */
  const online = async (userIds: string[]): Promise<Set<string>> => {
    if (!userIds.length) return new Set();
    const sockets = await nsp.in(userIds.map(userRoom)).fetchSockets();
    return new Set(sockets.map((s) => s.data.userId));
  };

  // Presence changes go out gathered, one event per organization per moment.
  const presence = new PresenceNews({
    online,
    person: async (userId) => {
      const user = await accounts.get(userId);
      if (!user) return undefined;
      return { chosen: user, rooms: (await orgs.forUser(userId)).map((o) => orgRoom(o.id)) };
    },
    presenceOf,
    emit: (room, users) => nsp.to(room).emit('chat:presence', { users }),
    failed: (error) => log.warn({ err: error }, 'presence update failed'),
  });
  deps.atClose(() => presence.close());
  const announcePresence = (userId: string) => presence.changed(userId);

  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    accounts.authenticate(token).then(
      (session) => {
        if (!session) {
          const err = new Error('UNAUTHORIZED') as Error & { data?: unknown };
          err.data = { code: 'UNAUTHORIZED', message: 'missing, expired or revoked session token' };
          return next(err);
        }
        socket.data = { userId: session.user.id, sessionId: session.sessionId };
        next();
      },
      (error: unknown) => {
        log.error({ err: error }, 'chat authentication failed');
        next(new Error('INTERNAL'));
      },
    );
  });

  // Each socket keeps only its own state; the handlers are registered once, for all of them.
  const table = new RequestTable<ChatConnection>();
  /** Requests wait for the socket's rooms (see `ready`). */
  const handle = <E extends PayloadName>(event: E, fn: (conn: ChatConnection, payload: PayloadOf<E>) => Promise<object | void> | object | void) =>
    table.handle(event, async (conn, p) => {
      await conn.ready;
      return fn(conn, p);
    });

  handle('chat:state', async ({ userId }, p) => {
    const me = (await accounts.get(userId))!;
    const all = await orgs.forUser(userId);
    const org: OrgView | null = (p.orgId ? all.find((o) => o.id === p.orgId) : all[0]) ?? null;
    if (p.orgId && !org) throw new OrgNotFound('no such organization');
    return {
      me: meView(me, true),
      orgs: all,
      org,
      channels: org ? await chat.channels(userId, org.id) : [],
      users: org ? await orgs.members(org.id, userId, online) : [],
    };
  });
  handle('chat:sync', ({ userId }, p) => chat.messages.sync(userId, p.since));
  handle('channel:create', async ({ userId }, p) => ({ channel: await chat.create(userId, p) }));
  handle('channel:browse', async ({ userId }, p) => ({ channels: await chat.browse(userId, p.orgId) }));
  handle('channel:join', async ({ userId }, p) => ({ channel: await chat.join(userId, p.channelId) }));
  handle('channel:leave', ({ userId }, p) => chat.leave(userId, p.channelId));
  handle('channel:mute', async ({ userId }, p) => {
    const channel = await chat.mute(userId, p.channelId, p.muted);
    // The person's other tabs and devices show it muted too.
    nsp.to(userRoom(userId)).emit('chat:channel', { channel });
    return { channel };
  });
  handle('channel:invite', async ({ userId }, p) => ({ added: await chat.invite(userId, p.channelId, p.userIds) }));
  // A whole work team, as its members are now; the channel's own rules (and its organization) are checked by invite.
  handle('channel:inviteTeam', async ({ userId }, p) => {
    const team = await orgs.teams.memberIdsFor(userId, p.teamId);
    // A team of another organization (the asker may be in both) is no team of this channel's.
    if ((await chat.channel(userId, p.channelId)).orgId !== team.orgId) throw new TeamNotFound('no such team in this organization');
    return { added: await chat.invite(userId, p.channelId, team.userIds) };
  });
  handle('channel:remove', ({ userId }, p) => chat.remove(userId, p.channelId, p.userId));
  handle('channel:setRole', ({ userId }, p) => chat.setRole(userId, p.channelId, p.userId, p.role));
  handle('channel:members', async ({ userId }, p) => {
    const members = await chat.members(userId, p.channelId);
    const on = await online(members.map((m) => m.user.id));
    return { members: members.map((m) => ({ ...userView(m.user, on.has(m.user.id)), channelRole: m.channelRole })) };
  });
  handle('channel:read', ({ userId }, p) => chat.messages.markRead(userId, p.channelId, p.seq));
  handle('dm:open', async ({ userId }, p) => ({ channel: await chat.openDirect(userId, p.orgId, p.userIds) }));
  const takeSend = (userId: string) => {
    let bucket = sendBuckets.get(userId);
    if (!bucket) sendBuckets.set(userId, (bucket = new TokenBucket(SEND_RATE.burst, SEND_RATE.perSecond)));
    if (!bucket.take()) throw new RateLimited('too many messages, slow down');
  };
  handle('message:send', async ({ userId }, p) => {
    takeSend(userId);
    return { message: (await chat.messages.send(userId, p)).message };
  });
  handle('message:edit', async ({ userId }, p) => ({ message: await chat.messages.edit(userId, p.messageId, p.text) }));
  handle('message:delete', ({ userId }, p) => chat.messages.delete(userId, p.messageId));
  handle('message:react', async ({ userId }, p) => ({ reactions: await chat.messages.react(userId, p.messageId, p.emoji, p.on) }));
  handle('message:pin', ({ userId }, p) => chat.messages.pin(userId, p.messageId, p.on));
  handle('message:history', ({ userId }, p) => chat.messages.history(userId, p.channelId, p.before, p.limit));
  handle('message:thread', ({ userId }, p) => chat.messages.thread(userId, p.messageId));
  handle('thread:list', async ({ userId }, p) => ({ threads: await chat.messages.followedThreads(userId, p.orgId) }));
  handle('thread:read', ({ userId }, p) => chat.messages.readThread(userId, p.messageId));
  handle('message:pins', async ({ userId }, p) => ({ messages: await chat.messages.pins(userId, p.channelId) }));
  handle('message:search', async ({ userId }, p) => ({ hits: await chat.messages.search(userId, p.orgId, p.query) }));
  handle('presence:set', async ({ userId }, p) => {
    await accounts.setPresence(userId, p);
    announcePresence(userId);
  });
  // A call posts a message and opens a meeting: it counts as both.
  handle('call:start', async ({ userId }, p) => {
    takeSend(userId);
    if (!(await limiter.take(`call:${userId}`, CALL_RATE))) throw new RateLimited('you started several calls just now; wait a minute before starting another');
    return chat.calls.start(userId, p.channelId);
  });

  nsp.on('connection', (socket: ChatSocket) => {
    const { userId } = socket.data;
    let slog: Logger | undefined;
    const slogger = () => (slog ??= log.child({ user: userId, socket: socket.id }));
    const wasOnline = online([userId]);
    // The user's and the session's rooms at once: a logout or a new channel
    // from now on reaches this socket even before the rest is set up.
    void socket.join([userRoom(userId), sessionRoom(socket.data.sessionId)]);
    // Then the rest, before any request: a client that asks for its state
    // right after connecting must already be in the rooms of what it gets.
    const ready = (async () => {
      const myOrgs = await orgs.forUser(userId);
      const channelIds = await chat.channelIdsOf(userId);
      // Guests hear nothing organization-wide (newcomers, everyone's presence): only their channels.
      const orgRooms = myOrgs.filter((o) => o.role !== 'external').map((o) => orgRoom(o.id));
      await socket.join([...orgRooms, ...channelIds.map(channelRoom)]);
      // A session revoked between the handshake and the join above was not
      // heard here: look once more.
      if (!(await accounts.authenticate((socket.handshake.auth as { token?: unknown }).token))) {
        socket.emit('chat:signedOut', { reason: 'revoked' });
        socket.disconnect(true);
        return;
      }
      // Two sockets of one user (another tab) already made them online.
      if (!(await wasOnline).has(userId)) announcePresence(userId);
    })();
    ready.catch((error: unknown) => {
      slogger().error({ err: error }, 'chat socket setup failed');
      socket.disconnect(true);
    });
    table.serve(socket as Socket, { userId, ready, origin: originOf(socket.request, trust), log: slogger });

    socket.on('disconnect', () => {
      // The last socket of this user (cluster-wide) gone: they are offline.
      online([userId])
        .then((still) => (still.has(userId) ? undefined : announcePresence(userId)))
        .catch((error: unknown) => slogger().warn({ err: error }, 'presence update failed'));
    });
    socket.on('error', (error) => slogger().debug({ err: error }, 'chat socket error'));
  });

  // Chat's committed changes, to the sockets that may see them.
  chat.on('event', (event) => nsp.to(channelRoom(event.channelId)).emit('chat:event', compactEvent(event)));
  chat.on('channelCreated', (orgId, channel) => nsp.to(orgRoom(orgId)).emit('chat:channelCreated', { channel }));
  chat.on('channelAdded', (channelId, userIds) => {
    for (const uid of userIds) {
      nsp.in(userRoom(uid)).socketsJoin(channelRoom(channelId));
      chat
        .channel(uid, channelId)
        .then((channel) => nsp.to(userRoom(uid)).emit('chat:channel', { channel }))
        .catch((error: unknown) => log.warn({ err: error }, 'channel view failed'));
    }
  });
  chat.on('channelRemoved', (channelId, userIds) => {
    for (const uid of userIds) {
      nsp.in(userRoom(uid)).socketsLeave(channelRoom(channelId));
      nsp.to(userRoom(uid)).emit('chat:channelGone', { channelId });
    }
  });
  chat.on('notify', (uid, note) => nsp.to(userRoom(uid)).emit('chat:notify', note));
  chat.on('read', (uid, channelId, seq) => nsp.to(userRoom(uid)).emit('chat:read', { channelId, seq }));
  orgs.on('memberAdded', (orgId, uid, role) => {
    if (role !== 'external') nsp.in(userRoom(uid)).socketsJoin(orgRoom(orgId));
    orgs
      .members(orgId, uid)
      .then((members) => {
        const user = members.find((m) => m.id === uid);
        if (user) nsp.to(orgRoom(orgId)).emit('org:member', { orgId, user });
      })
      .catch((error: unknown) => log.warn({ err: error }, 'member view failed'));
  });
  orgs.on('roleChanged', (orgId, uid, role, previous) => {
    // A guest hears only its channels: no newcomers, no one's presence.
    if (role === 'external') nsp.in(userRoom(uid)).socketsLeave(orgRoom(orgId));
    else if (previous === 'external') nsp.in(userRoom(uid)).socketsJoin(orgRoom(orgId));
    orgs
      .members(orgId, uid)
      .then((members) => {
        const user = members.find((m) => m.id === uid);
        if (user) nsp.to([orgRoom(orgId), userRoom(uid)]).emit('org:member', { orgId, user });
      })
      .catch((error: unknown) => log.warn({ err: error }, 'member view failed'));
  });
  orgs.on('memberRemoved', (orgId, uid) => {
    nsp.in(userRoom(uid)).socketsLeave(orgRoom(orgId));
    nsp.to([orgRoom(orgId), userRoom(uid)]).emit('org:memberGone', { orgId, userId: uid });
  });
  return nsp;
}

/** Ends the sockets of these sessions, on every node. */
export function signOutSessions(nsp: ChatNamespace, sessionIds: string[], reason: 'logout' | 'revoked'): void {
  if (!sessionIds.length) return;
  const rooms = sessionIds.map(sessionRoom);
  nsp.to(rooms).emit('chat:signedOut', { reason });
  nsp.in(rooms).disconnectSockets(true);
}

