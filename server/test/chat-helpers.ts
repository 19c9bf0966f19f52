// Harness for chat over the wire: a server with a database (a fresh
// PostgreSQL database, or PGlite) and Redis, accounts made over HTTP, and
// sockets on the /chat namespace.
import crypto from 'node:crypto';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { Ack, AuthReply, ChatClientToServerEvents, ChatServerToClientEvents } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import type { AccountLimits } from '../src/accounts/Accounts.ts';
import { freshPostgresUrl, type DbKind } from './db.ts';
import { http, ok, request, startServer, type TestServerOptions } from './helpers.ts';

export type ChatSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;

/**
 * Sign-up rates for test servers, which make dozens of accounts a second
 * from one address. The sign-up limits themselves are tested against the
 * real ones (accounts-trust.test.ts).
 */
export const TEST_ACCOUNT_LIMITS: Partial<AccountLimits> = {
  signupAddress: { burst: 1_000_000, perSecond: 1_000_000 },
  signupEveryone: { burst: 1_000_000, perSecond: 1_000_000 },
};
export const EURIA_TEST_TOKEN = 'euria-test-token-0123456789abcdef';

export async function startChatServer(opts: TestServerOptions & { databaseUrl?: string } = {}): Promise<Parley> {
  const url = opts.databaseUrl ?? (await freshPostgresUrl());
  return startServer({
    redis: true,
    ...opts,
    config: {
      database: { kind: 'postgres', url, poolSize: 10 },
      bots: { queueName: `bots-${crypto.randomBytes(4).toString('hex')}`, agendaQueueName: `agenda-${crypto.randomBytes(4).toString('hex')}`, euriaToken: EURIA_TEST_TOKEN },
      accountLimits: TEST_ACCOUNT_LIMITS,
      ...opts.config,
    },
  });
}

/** The chat server on a database of that kind: PGlite in memory, or a fresh PostgreSQL database (`databaseUrl` if given). */
export async function startChatServerOn(kind: DbKind, databaseUrl?: string): Promise<Parley> {
  return kind === 'postgres' ? startChatServer({ databaseUrl: databaseUrl ?? (await freshPostgresUrl()) }) : startChatServer({ config: { database: { kind: 'pglite', dir: undefined } } });
}

let n = 0;
/** A fresh address for `name` (what an invitation by address is made for). */
export const emailFor = (name: string): string => `${name.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'u'}-${Date.now().toString(36)}${(n++).toString(36)}@example.org`;

export async function signup(base: string, name: string, extra: { orgName?: string; invitation?: string; language?: string; email?: string } = {}): Promise<AuthReply> {
  const id = `${Date.now().toString(36)}${(n++).toString(36)}`;
  const res = await http<AuthReply>(base, 'POST', '/api/auth/signup', {
    email: extra.email ?? `${name}-${id}@example.org`,
    username: `${name.normalize('NFD').replace(/[^A-Za-z0-9]/g, '') || 'u'}${id}`,
    name,
    password: 'correct horse battery',
    ...extra,
  });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const authed = <T = unknown>(base: string, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> =>
  http<T>(base, method, url, body, false, { authorization: `Bearer ${token}` });

/** An organization with its legal representative and `others` collaborators (each invited by address). */
export async function team(base: string, others: string[] = []): Promise<{ owner: AuthReply; members: AuthReply[]; orgId: string }> {
  const owner = await signup(base, 'owner', { orgName: 'Acme' });
  const orgId = owner.orgs[0]!.id;
  const members: AuthReply[] = [];
  for (const name of others) members.push(await invited(base, owner.token, orgId, name));
  return { owner, members, orgId };
}

/** Someone invited by address (`role`, guests with `channelIds`) who signs up from the invitation. */
export async function invited(base: string, inviterToken: string, orgId: string, name: string, opts: { role?: 'admin' | 'collaborator' | 'external'; channelIds?: string[]; language?: string } = {}): Promise<AuthReply> {
  const email = emailFor(name);
  const inv = await authed<{ token: string }>(base, inviterToken, 'POST', `/api/orgs/${orgId}/invitations`, {
    role: opts.role ?? 'collaborator',
    email,
    ...(opts.channelIds ? { channelIds: opts.channelIds } : {}),
  });
  if (inv.status !== 201) throw new Error(`invite: ${inv.status} ${JSON.stringify(inv.body)}`);
  return signup(base, name, { invitation: inv.body.token, email, ...(opts.language ? { language: opts.language } : {}) });
}

export function chatSocket(base: string, token: string | undefined, opts: { reconnection?: boolean; extraHeaders?: Record<string, string> } = {}): Promise<ChatSocket> {
  return new Promise((resolve, reject) => {
    const socket: ChatSocket = connectSocket(`${base}/chat`, {
      transports: ['websocket'],
      auth: token === undefined ? {} : { token },
      ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
      reconnection: opts.reconnection ?? false,
      forceNew: true,
    });
    const failed = (err: Error) => {
      socket.close();
      reject(Object.assign(err, { data: (err as Error & { data?: unknown }).data }));
    };
    socket.once('connect', () => {
      // Later connection errors belong to reconnection, not to this first connect.
      socket.off('connect_error', failed);
      resolve(socket);
    });
    socket.once('connect_error', failed);
  });
}

// The meeting harness's request helpers, on /chat sockets.
export const ask = <T extends object = object>(socket: ChatSocket, event: string, payload?: unknown, timeoutMs = 10_000): Promise<Ack<T>> =>
  request<T>(socket as never, event, payload, timeoutMs);
export const must = <T extends object = object>(socket: ChatSocket, event: string, payload?: unknown): Promise<T> => ok<T>(socket as never, event, payload);

export const clientId = (): string => `c-${crypto.randomBytes(8).toString('hex')}`;
