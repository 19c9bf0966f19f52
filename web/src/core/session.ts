// What the meeting's feature stores (talk, lobby, breakout, capture,
// moderation, e2ee) stand on: the session core's narrow view. The meeting
// session (meeting/session.ts) implements it and composes the stores; the
// feature folders import this file, never meeting/.
import type { ReadonlySignal } from '@preact/signals';
import type { ClientToServerEvents, ParticipantId, ParticipantInfo, ServerToClientEvents } from '@parley/protocol';
import type { RequestName, RequestPayload, RequestReply, requester } from '@parley/protocol';

export type SessionStatus =
  | 'idle'
  | 'joining'
  /** In the waiting room, knocking. */
  | 'waiting'
  /** A moderator said no; may knock again. */
  | 'denied'
  /** The meeting asks for its password. */
  | 'password'
  | 'joined'
  | 'reconnecting'
  | 'left'
  | 'kicked'
  | 'ended'
  | 'replaced'
  | 'failed';

/**
 * Requests whose refusal is shown as a notice: moderator actions (the server
 * checks the role) and picking a breakout room oneself (allowed or not).
 */
export type ModeratorEvent = Extract<
  keyof ClientToServerEvents,
  `moderation:${string}` | `breakout:${string}` | 'lobby:admit' | 'lobby:admitAll' | 'lobby:deny'
>;

/** A request in the meeting, typed by the protocol's event map; RequestError when the server refuses. */
export type MeetingRequest = ReturnType<typeof requester<ClientToServerEvents>>;

/** Who is in the meeting, as every screen sees it. */
export interface People {
  readonly self: ReadonlySignal<ParticipantInfo | null>;
  readonly participants: ReadonlySignal<ReadonlyMap<ParticipantId, ParticipantInfo>>;
  readonly participantId: ParticipantId | undefined;
  readonly isModerator: boolean;
}

export interface SessionCore extends People {
  readonly meetingId: string;
  readonly status: ReadonlySignal<SessionStatus>;
  /** The participant token (for HTTP calls made as this participant), once joined. */
  readonly token: string | undefined;
  readonly request: MeetingRequest;
  /** A request whose refusal is shown to the person as a notice: its reply, or undefined when refused. */
  attempt<E extends RequestName<ClientToServerEvents>>(event: E, payload: RequestPayload<ClientToServerEvents[E]>): Promise<RequestReply<ClientToServerEvents[E]> | undefined>;
  /** Shows a short notice to the person. */
  notify(message: string): void;
  /** Listens to a server event on this session's connection (and the next ones). */
  on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): void;
}

/** The knocking participant's side of the waiting room and the password (the connection does it). */
export interface Door {
  readonly status: ReadonlySignal<SessionStatus>;
  readonly error: ReadonlySignal<string | null>;
  /** While knocking: whether the meeting's password would let us in at once (only then is a field offered). */
  readonly passwordWouldAdmit: ReadonlySignal<boolean>;
  knockAgain(): Promise<void>;
  cancelKnock(): Promise<void>;
  submitPassword(password: string): void;
}
