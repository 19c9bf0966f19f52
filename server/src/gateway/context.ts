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

/**
 * Request handling for one socket: rate limit, schema check, then the domain
 * call; answers `{ ok: true, ...result }` or `{ ok: false, error }`. Shared by
 * participants' sockets and recorders' (the /recorder namespace).
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

  /**
   * Registers one request handler. A handler that throws something
   * unexpected is logged and answered with INTERNAL; it never reaches the process.
   */
  handle<E extends PayloadName>(
    event: E,
    fn: (payload: PayloadOf<E>) => Promise<object | void> | object | void,
    rate?: RateSpec,
  ): void {
    this.handled.add(event);
    const bucket = rate ? new TokenBucket(rate.burst, rate.perSecond) : undefined;
    const check = checks[event];
    this.#raw.on(event as string, (...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as (res: unknown) => void) : undefined;
      const payload = ack && args.length === 1 ? undefined : args[0];
      const fail = (code: ErrorCode, message: string) => ack?.({ ok: false, error: { code, message } });
      if (!ack) {
        // Every request expects an answer; one without a callback is a broken client.
        this.log.debug({ event }, 'request without ack ignored');
        return;
      }
      if (!this.#any.take() || (bucket && !bucket.take())) return fail('RATE_LIMITED', 'too many requests, slow down');
      const problem = check(payload);
      if (problem !== undefined) return fail('INVALID_PAYLOAD', problem);
      Promise.resolve()
        .then(() => requestOrigin.run(this.#origin, () => fn(payload as PayloadOf<E>)))
        .then(
          (result) => ack({ ok: true, ...(result ?? {}) }),
          (error: unknown) => {
            if (error instanceof DomainError) return fail(error.code, error.message);
            if (isRefusedText(error)) return fail('INVALID_PAYLOAD', 'the text contains a character that cannot be stored');
            this.log.error({ err: error, event }, 'request handler failed');
            fail('INTERNAL', 'internal error');
          },
        )
        .catch((error: unknown) => this.log.error({ err: error, event }, 'ack failed'));
    });
  }

  /** Answers events nobody handles, so a client typo gets an error instead of silence. */
  rejectUnknown(): void {
    this.#raw.onAny((event: string, ...args: unknown[]) => {
      if (this.handled.has(event)) return;
      const ack = args.at(-1);
      if (typeof ack === 'function') ack({ ok: false, error: { code: 'UNKNOWN_EVENT', message: `unknown event "${String(event).slice(0, 64)}"` } });
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
