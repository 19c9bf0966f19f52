// Asking the server something over Socket.IO and getting its answer, typed
// by the event maps of this package: the web client (meeting and team chat),
// Euria and the recorder send every request through `requester`, so an
// event's payload and reply are checked where they are written.
import type { ErrorBody, ErrorCode } from './errors.ts';

/** The payload of a request event (its first argument). */
export type RequestPayload<F> = F extends (payload: infer P, ack: never) => void ? P : never;
/** What a request event's acknowledgement carries when it succeeds. */
export type RequestReply<F> = F extends (payload: never, ack: infer A) => void ? (A extends (res: infer R) => void ? Extract<R, { ok: true }> : never) : never;
/** The names of the events in `Events` that are requests (they take an acknowledgement). */
export type RequestName<Events> = {
  [E in keyof Events]: Events[E] extends (payload: never, ack: infer A) => void ? (A extends (res: infer R) => void ? (R extends { ok: boolean } ? E : never) : never) : never;
}[keyof Events] &
  string;

/**
 * The sending half of a Socket.IO client socket. `any` here, once: Socket.IO
 * types `emitWithAck` per event name, and this one helper sends all of them;
 * `requester` types them again from the event map.
 */
export interface AckEmitter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  timeout(ms: number): { emitWithAck(event: any, ...args: any[]): Promise<any> };
}

type Refusal = { ok: false; error: ErrorBody };
const refused = (res: object): res is Refusal => 'ok' in res && res.ok === false;

/** A request the server refused: its stable code, and its message. */
export class RequestError extends Error {
  readonly code: ErrorCode;
  readonly event: string;
  constructor(event: string, error: ErrorBody) {
    super(error.message);
    this.name = 'RequestError';
    this.code = error.code;
    this.event = event;
  }
}

/**
 * A typed `request(event, payload)` on `socket` for the events of `Events`:
 * resolves with the reply, rejects with RequestError when the server
 * refuses, and with Socket.IO's timeout error after `timeoutMs`.
 */
export function requester<Events>(socket: AckEmitter | (() => AckEmitter), timeoutMs = 10_000) {
  return async <E extends RequestName<Events>>(event: E, payload: RequestPayload<Events[E]>, ms = timeoutMs): Promise<RequestReply<Events[E]>> => {
    const via = typeof socket === 'function' ? socket() : socket;
    // The server answers with the event's Ack (its schema-checked handlers and tests see to it);
    // Socket.IO hands it over untyped, and the event map types it back.
    const res: RequestReply<Events[E]> | Refusal = await via.timeout(ms).emitWithAck(event, payload);
    if (refused(res)) throw new RequestError(event, res.error);
    return res;
  };
}
