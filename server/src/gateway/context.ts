import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import {
  DomainError,
  AllPayloads,
  type ClientToServerEvents,
  type ErrorCode,
  type InterServerEvents,
  type PayloadName,
  type PayloadOf,
  type ServerToClientEvents,
  type SocketData,
} from '@parley/protocol';
import { compileCheck, type Check } from './validate.ts';
import { isRefusedText } from '../store/db.ts';
import { requestOrigin } from '../lib/origin.ts';
import { RATES } from './rate-limit.ts';
import { TokenBucket } from '../lib/token-bucket.ts';
import type { RateSpec } from '../lib/limiter.ts';
import type { Meeting } from '../meet/Meeting.ts';
import { NotJoined } from '../meet/errors.ts';

export type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const meetingRoom = (meetingId: string): string => `m:${meetingId}`;
export const participantRoom = (meetingId: string, participantId: string): string => `p:${meetingId}:${participantId}`;
/**
 * The people of one room of the meeting (null: the main room): participant
 * news, chat, reactions and the active speaker go here, so a breakout room
 * hears only itself. Meeting-wide news (settings, breakout state) goes to
 * the meeting room.
 */
export const roomRoom = (meetingId: string, roomId: string | null): string => `r:${meetingId}:${roomId ?? ''}`;
/** The meeting's moderators: waiting-room news goes here and nowhere else. */
export const moderatorsRoom = (meetingId: string): string => `mod:${meetingId}`;
/** A knocker's sockets: they hear only their own admission or denial. */
export const lobbyRoom = (meetingId: string, participantId: string): string => `l:${meetingId}:${participantId}`;

const checks = Object.fromEntries(Object.entries(AllPayloads).map(([name, schema]) => [name, compileCheck(schema)])) as Record<PayloadName, Check>;

/**
 * A connection middleware: the handshake's `auth.token` must pass `verify`,
 * else the connection is refused with UNAUTHORIZED (in connect_error.data);
 * `accept` stores the claims on the socket.
 */
export function tokenAuth<S extends { handshake: { auth: unknown } }, C>(
  verify: (token: unknown) => C | undefined,
  what: string,
  accept: (socket: S, claims: C) => void,
): (socket: S, next: (err?: Error) => void) => void {
  return (socket, next) => {
    const claims = verify((socket.handshake.auth as { token?: unknown } | undefined)?.token);
    if (!claims) {
      const err = new Error('UNAUTHORIZED') as Error & { data?: unknown };
      err.data = { code: 'UNAUTHORIZED', message: `missing, invalid or expired ${what} token` };
      return next(err);
    }
    accept(socket, claims);
    next();
  };
}

/** What request handling needs of a socket, whichever namespace (and event map) it is on: the untyped view. */
type RequestSocket = Pick<Socket, 'on' | 'onAny'>;
type Handler<P> = (payload: P) => Promise<object | void> | object | void;

/**
 * Answers one request: the socket's overall rate and the event's own, the
 * schema check, then the domain call; `{ ok: true, ...result }` or
 * `{ ok: false, error }`. A handler that throws something unexpected is
 * logged and answered with INTERNAL; it never reaches the process.
 */
function answer(
  event: string,
  args: unknown[],
  limits: TokenBucket[],
  check: Check,
  fn: Handler<unknown>,
  log: () => Logger,
  origin: string | undefined,
): void {
  const last = args.at(-1);
  const ack = typeof last === 'function' ? (last as (res: unknown) => void) : undefined;
  const payload = ack && args.length === 1 ? undefined : args[0];
  const fail = (code: ErrorCode, message: string) => ack?.({ ok: false, error: { code, message } });
  if (!ack) {
    // Every request expects an answer; one without a callback is a broken client.
    log().debug({ event }, 'request without ack ignored');
    return;
  }
  if (limits.some((l) => !l.take())) return fail('RATE_LIMITED', 'too many requests, slow down');
  const problem = check(payload);
  if (problem !== undefined) return fail('INVALID_PAYLOAD', problem);
  Promise.resolve()
    .then(() => requestOrigin.run(origin, () => fn(payload)))
    .then(
      (result) => ack({ ok: true, ...(result ?? {}) }),
      (error: unknown) => {
        if (error instanceof DomainError) return fail(error.code, error.message);
        if (isRefusedText(error)) return fail('INVALID_PAYLOAD', 'the text contains a character that cannot be stored');
        log().error({ err: error, event }, 'request handler failed');
        fail('INTERNAL', 'internal error');
      },
    )
    .catch((error: unknown) => log().error({ err: error, event }, 'ack failed'));
}

const unknownEvent = (event: string, args: unknown[]): void => {
  const ack = args.at(-1);
  if (typeof ack === 'function') ack({ ok: false, error: { code: 'UNKNOWN_EVENT', message: `unknown event "${String(event).slice(0, 64)}"` } });
};

/**
 * Request handling for one socket, its handlers registered on it: shared by
 * participants' sockets and recorders' (the /recorder namespace). (A
 * namespace with many long-lived sockets uses a RequestTable instead.)
 */
export class Requests {
  readonly log: Logger;
  readonly #raw: RequestSocket;
  readonly #any = new TokenBucket(RATES.any.burst, RATES.any.perSecond);
  readonly handled = new Set<string>();

  /** The origin the socket connected on: links made while serving it are built on it (when PUBLIC_URL is unset). */
  readonly #origin: string | undefined;

  constructor(socket: RequestSocket, log: Logger, origin?: string) {
    this.#raw = socket;
    this.log = log;
    this.#origin = origin;
  }

  /** Registers one request handler. */
  handle<E extends PayloadName>(event: E, fn: Handler<PayloadOf<E>>, rate?: RateSpec): void {
    this.handled.add(event);
    const limits = rate ? [this.#any, new TokenBucket(rate.burst, rate.perSecond)] : [this.#any];
    const check = checks[event];
    this.#raw.on(event as string, (...args: unknown[]) => answer(event, args, limits, check, fn as Handler<unknown>, () => this.log, this.#origin));
  }

  /** Answers events nobody handles, so a client typo gets an error instead of silence. */
  rejectUnknown(): void {
    this.#raw.onAny((event: string, ...args: unknown[]) => {
      if (!this.handled.has(event)) unknownEvent(event, args);
    });
  }
}

/** One connection served by a RequestTable: what its handlers know of it. */
export interface Connection {
  /** The origin it connected on (links are built on it when PUBLIC_URL is unset). */
  readonly origin: string | undefined;
  /** Its logger, made when first needed. */
  log(): Logger;
}

/**
 * Request handlers registered once for a whole namespace, not once per
 * socket: each socket gets one listener that finds its handler here, and
 * keeps only its own state (`C`) and rate buckets. Registered per socket,
 * the chat's thirty-odd handlers were about a hundred closures, their
 * scopes and an event map on every connection (bench/chat-fanout.ts:
 * memory per connection).
 */
export class RequestTable<C extends Connection> {
  readonly #handlers = new Map<string, { check: Check; fn: (conn: C, payload: unknown) => Promise<object | void> | object | void; rate: RateSpec | undefined }>();

  /** Registers one request handler for every socket served. */
  handle<E extends PayloadName>(event: E, fn: (conn: C, payload: PayloadOf<E>) => Promise<object | void> | object | void, rate?: RateSpec): void {
    this.#handlers.set(event, { check: checks[event], fn: fn as (conn: C, payload: unknown) => Promise<object | void> | object | void, rate });
  }

  /** Serves this socket's requests with the table; unknown events get UNKNOWN_EVENT. */
  serve(socket: RequestSocket, conn: C): void {
    const any = new TokenBucket(RATES.any.burst, RATES.any.perSecond);
    let own: Map<string, TokenBucket> | undefined;
    socket.onAny((event: string, ...args: unknown[]) => {
      const h = this.#handlers.get(event);
      if (!h) return unknownEvent(event, args);
      let limits = [any];
      if (h.rate) {
        own ??= new Map();
        let bucket = own.get(event);
        if (!bucket) own.set(event, (bucket = new TokenBucket(h.rate.burst, h.rate.perSecond)));
        limits = [any, bucket];
      }
      answer(event, args, limits, h.check, (p) => h.fn(conn, p), () => conn.log(), conn.origin);
    });
  }
}

/** Per-socket state the feature handlers share. */
export class SocketContext extends Requests {
  readonly socket: ParleySocket;
  /** Set by meeting:join; every other meeting action needs it. */
  meeting: Meeting | undefined;
  /** Set by lobby:knock while this socket waits to be let in. */
  knocking: Meeting | undefined;

  constructor(socket: ParleySocket, log: Logger, origin?: string) {
    super(socket as Socket, log, origin);
    this.socket = socket;
  }

  get data(): SocketData {
    return this.socket.data;
  }

  /** The joined meeting, or NOT_JOINED for an action sent out of order. */
  joined(): Meeting {
    // Not (or no longer) in it: never joined, left, kicked, or timed out.
    if (!this.meeting || !this.socket.data.joined || this.meeting.closed || !this.meeting.has(this.socket.data.participantId)) {
      throw new NotJoined('join the meeting first (meeting:join)');
    }
    return this.meeting;
  }
}

export { RATES };
