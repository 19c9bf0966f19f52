// Test harness: a real Parley server (real mediasoup workers) in this process
// on free ports, and Socket.IO clients speaking the typed protocol.
import { request as httpRequest } from 'node:http';
import assert from 'node:assert/strict';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { pino } from 'pino';
import type {
  Ack,
  ClientToServerEvents,
  CreateMeetingReply,
  JoinMeetingReply,
  JoinResult,
  MeetingId,
  ParticipantId,
  ServerToClientEvents,
} from '@parley/protocol';
import { configFromEnv, createParley, randomId, TokenSigner, type Parley, type ParleyOptions, type ServerConfig } from '../src/index.ts';
import { secretGrant } from '../src/meet/Meetings.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** A participant's pair of transports, as media:setup answers. */
export type Transports = NonNullable<JoinResult['media']>;

export interface TestServerOptions extends ParleyOptions {
  config?: Partial<ServerConfig>;
  sfu?: Partial<ServerConfig['sfu']>;
  /** Use the redis-server started by the test runner (PARLEY_TEST_REDIS_URL). */
  redis?: boolean;
}

export async function startServer(opts: TestServerOptions = {}): Promise<Parley> {
  const redisUrl = opts.redis ? process.env.PARLEY_TEST_REDIS_URL : undefined;
  if (opts.redis && !redisUrl) throw new Error('PARLEY_TEST_REDIS_URL is not set: run tests with `npm test` or `node scripts/test.ts`');
  const base = configFromEnv({ secret: 'test-secret' });
  const config: ServerConfig = {
    ...base,
    host: '127.0.0.1',
    port: 0,
    publicUrl: undefined,
    secret: 'test-secret',
    redisUrl,
    // Test files run side by side on one redis-server: each server is a
    // cluster of its own, or one file's shutdown would reach another's sockets.
    clusterName: `test-${randomId(8)}`,
    webDist: undefined,
    // Meetings only unless a test asks for chat (PGlite takes seconds to create).
    database: undefined,
    ...opts.config,
    sfu: { ...base.sfu, workers: 1, listenIp: '127.0.0.1', announcedAddress: undefined, port: 0, logLevel: 'warn', ...opts.sfu },
  };
  return createParley(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...opts });
}

export async function http<T = unknown>(
  base: string,
  method: string,
  url: string,
  body?: unknown,
  raw = false,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(base + url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // non-JSON replies (metrics) stay text
  }
  return { status: res.status, body: parsed as T };
}

/**
 * A request with the headers given, Host included (fetch cannot set Host): what a
 * browser on another address, a proxy or a forger sends. `bodyAfterMs` sends the
 * body that long after the headers, as a slow client would.
 */
export function rawRequest(
  base: string,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body?: unknown,
  opts: { bodyAfterMs?: number } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path: urlPath, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', reject);
    if (opts.bodyAfterMs === undefined) return void req.end(payload);
    req.flushHeaders();
    setTimeout(() => req.end(payload), opts.bodyAfterMs);
  });
}

export async function createMeeting(base: string, title?: string): Promise<CreateMeetingReply> {
  const res = await http<CreateMeetingReply>(base, 'POST', '/api/meetings', title === undefined ? undefined : { title });
  if (res.status !== 201) throw new Error(`create meeting: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function joinToken(base: string, meetingId: string, name: string, moderatorToken?: string): Promise<JoinMeetingReply> {
  const res = await http<JoinMeetingReply>(base, 'POST', `/api/meetings/${meetingId}/join`, { name, ...(moderatorToken ? { moderatorToken } : {}) });
  if (res.status !== 200) throw new Error(`join token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A connected socket (or the connect error's data when `expectError`). */
export function connect(base: string, token: string | undefined, opts: { extraHeaders?: Record<string, string> } = {}): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const socket: ClientSocket = connectSocket(base, {
      transports: ['websocket'],
      auth: token === undefined ? {} : { token },
      ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(Object.assign(err, { data: (err as Error & { data?: unknown }).data }));
    });
  });
}

/** Sends a request and waits for its ack (any event name, any payload: tests send bad ones on purpose). */
export function request<T extends object = object>(socket: ClientSocket, event: string, payload?: unknown, timeoutMs = 10_000): Promise<Ack<T>> {
  const s = socket as unknown as { timeout(ms: number): { emitWithAck(ev: string, ...args: unknown[]): Promise<Ack<T>> } };
  return payload === undefined ? s.timeout(timeoutMs).emitWithAck(event) : s.timeout(timeoutMs).emitWithAck(event, payload);
}

/** Like request, but throws unless the ack is ok. */
export async function ok<T extends object = object>(socket: ClientSocket, event: string, payload?: unknown): Promise<T> {
  const res = await request<T>(socket, event, payload);
  if (!res.ok) throw new Error(`${event} failed: ${res.error.code} ${res.error.message}`);
  return res as T;
}

/** Resolves with the next `event` whose payload passes `filter`. */
export function next<T = unknown>(socket: ClientSocket, event: string, filter: (p: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const s = socket as unknown as { on(ev: string, fn: (p: T) => void): void; off(ev: string, fn: (p: T) => void): void };
    const timer = setTimeout(() => {
      s.off(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const listener = (p: T) => {
      if (!filter(p)) return;
      clearTimeout(timer);
      s.off(event, listener);
      resolve(p);
    };
    s.on(event, listener);
  });
}

/** Creates a meeting and joins `names` to it; returns their sockets in order. */
export async function meetingWith(base: string, names: string[]): Promise<{ meeting: CreateMeetingReply; sockets: ClientSocket[]; ids: string[] }> {
  const meeting = await createMeeting(base);
  const sockets: ClientSocket[] = [];
  const ids: string[] = [];
  for (const name of names) {
    const t = await joinToken(base, meeting.id, name);
    const s = await connect(base, t.token);
    await ok(s, 'meeting:join', {});
    sockets.push(s);
    ids.push(t.participantId);
  }
  return { meeting, sockets, ids };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- shortcuts that skip HTTP (its per-address rate limit is tested in http.test.ts) ----

export { audioOnly, dtlsClient, opus, vp8Simulcast } from '../../sfu/test/fixtures.ts';
import { opus, vp8Simulcast } from '../../sfu/test/fixtures.ts';

const signer = new TokenSigner('test-secret');

/** A participant token as POST /api/meetings/:id/join would issue it (the test server's secret). */
export function mintToken(meetingId: string, name: string, opts: { moderator?: boolean; grant?: string; participantId?: string; now?: number } = {}): { token: string; participantId: string } {
  const participantId = opts.participantId ?? randomId(10);
  const token = signer.sign(
    { meetingId: meetingId as MeetingId, participantId: participantId as ParticipantId, name, moderator: opts.moderator ?? false, ...(opts.grant ? { grant: opts.grant } : {}) },
    opts.now,
  );
  return { token, participantId };
}

/** Creates a meeting record directly in the domain. */
export async function newMeeting(parley: Parley, title?: string): Promise<{ id: string; moderatorToken: string }> {
  const { record, moderatorToken } = await parley.meetings.create(title);
  return { id: record.id, moderatorToken };
}

export interface Joined {
  socket: ClientSocket;
  id: string;
  token: string;
  join: JoinResult;
}

/** The grant a join with the meeting's moderator token gives (what the join endpoint would put in the token). */
export async function moderatorGrant(parley: Parley, meetingId: string): Promise<string> {
  const record = await parley.meetings.record(meetingId as MeetingId);
  if (!record) throw new Error(`no meeting ${meetingId}`);
  return secretGrant(record);
}

/** Connects a participant with a fresh token and joins; `payload` is the meeting:join payload. `moderator`: as by the moderator link. */
export async function joinAs(parley: Parley, meetingId: string, name: string, opts: { moderator?: boolean; payload?: object } = {}): Promise<Joined> {
  const grant = opts.moderator ? await moderatorGrant(parley, meetingId) : undefined;
  const { token, participantId } = mintToken(meetingId, name, { ...opts, ...(grant ? { grant } : {}) });
  const socket = await connect(parley.url, token);
  const join = await ok<JoinResult>(socket, 'meeting:join', opts.payload ?? {});
  return { socket, id: participantId, token, join };
}

/** Closes sockets (a client-side close: the server sees a dropped connection). */
export function closeAll(...sockets: (ClientSocket | undefined)[]): void {
  for (const s of sockets) s?.close();
}

/** Sends a request and asserts it is refused with `code`. */
export async function refused(socket: ClientSocket, event: string, payload: unknown, code: string, what = `${event}`): Promise<void> {
  const res = await request(socket, event, payload);
  assert.equal(res.ok, false, `${what}: expected ${code}, got ok`);
  if (res.ok) return;
  assert.deepEqual(Object.keys(res).sort(), ['error', 'ok'], what);
  assert.deepEqual(Object.keys(res.error).sort(), ['code', 'message'], what);
  assert.equal(res.error.code, code, `${what}: ${res.error.message}`);
}

/** Records every `event` a socket receives, from now on. */
export function record<T>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  (socket as unknown as { on(ev: string, fn: (p: T) => void): void }).on(event, (p) => seen.push(p));
  return seen;
}

/** media:setup with the participant's router capabilities; answers its transports. */
export const setupMedia = (j: Joined) => ok<Transports>(j.socket, 'media:setup', { rtpCapabilities: j.join.routerRtpCapabilities });

/** Asks to produce `source` on `t`; answers the producer id or the refusal's code. */
export async function tryProduce(j: Joined, t: Transports, source: 'mic' | 'camera' | 'screen', paused = false): Promise<{ ok: boolean; code?: string; producerId?: string }> {
  const res = await request<{ producerId: string }>(j.socket, 'media:produce', {
    transportId: t.send.id,
    kind: source === 'mic' ? 'audio' : 'video',
    source,
    rtpParameters: source === 'mic' ? opus() : vp8Simulcast(),
    paused,
  });
  return res.ok ? { ok: true, producerId: res.producerId } : { ok: false, code: res.error.code };
}

/** Sets up media once and produces each source unpaused; returns producer ids by source. */
export async function withMedia(j: Joined, sources: ('mic' | 'camera')[]): Promise<Record<string, string>> {
  const t = await setupMedia(j);
  const out: Record<string, string> = {};
  for (const source of sources) {
    const res = await tryProduce(j, t, source);
    if (!res.ok) throw new Error(`producing ${source} failed: ${res.code}`);
    out[source] = res.producerId!;
  }
  return out;
}
