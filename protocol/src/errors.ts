// Stable error codes: clients and tests match on `code`, never on `message`.
export const ERROR_CODES = [
  'INVALID_PAYLOAD', // failed schema validation (shape, type, size of a field)
  'UNKNOWN_EVENT', // a socket event this server does not handle
  'PAYLOAD_TOO_LARGE', // a field within the schema but over a byte limit (chat text)
  'UNAUTHORIZED', // missing, forged or expired participant token
  'FORBIDDEN', // authenticated but not allowed (another participant's object)
  'RATE_LIMITED', // too many requests from this socket
  'NOT_FOUND', // unknown HTTP route
  'MEETING_NOT_FOUND',
  'NOT_JOINED', // a meeting action before meeting:join (out of order)
  'MEDIA_NOT_READY', // a media action before media:setup
  'PARTICIPANT_NOT_FOUND',
  'TRANSPORT_NOT_FOUND',
  'PRODUCER_NOT_FOUND',
  'CONSUMER_NOT_FOUND',
  'CANNOT_CONSUME', // the receiver's codecs cannot decode this producer
  'MEDIA_ERROR', // the SFU refused parameters (bad RTP/DTLS parameters)
  'MEETING_FULL', // the meeting has as many participants as it may
  'LOBBY_FULL', // the waiting room is full, or holds as many people from this network as it may; the message says which
  'MEDIA_UNAVAILABLE', // no live media worker right now (they restart by themselves)
  'SESSION_REPLACED', // the same participant connected from another socket
  'NOT_MODERATOR', // a moderator action from a participant who is not one
  'WAITING_ROOM', // the waiting room is on: knock (lobby:knock) and wait to be admitted
  'PASSWORD_REQUIRED', // the meeting has a password and none was given
  'WRONG_PASSWORD', // the password given is not the meeting's
  'MODERATED', // audio or video is moderated: a moderator must allow this participant first
  'LAST_MODERATOR', // the only moderator cannot give the role up while alone
  'KICKED', // removed by a moderator; may only come back through the waiting room
  'ROOM_NOT_FOUND', // no such breakout room in this meeting
  'ROOM_CHOICE_OFF', // participants may not pick a breakout room themselves right now
  'CAPTURE_UNAVAILABLE', // recording and streaming need Redis and a recorder process; this server has none
  'CAPTURE_ACTIVE', // a recording (or stream) of this meeting is already running
  'CAPTURE_NOT_FOUND', // nothing of that kind is running in this meeting
  'SURFACE_NOT_FOUND', // nothing to draw on there: no whiteboard open in the room, or that screen is not shared (any more)
  'RECORDING_NOT_FOUND', // no such recording of this meeting (deleted, or not one the caller may see)
  'EMAIL_TAKEN', // an account with this e-mail address exists
  'USERNAME_TAKEN', // an account with this username exists
  'INVALID_CREDENTIALS', // wrong login or password (never says which)
  'WEAK_PASSWORD', // a new password that is too easy to guess (the message says why)
  'RESET_INVALID', // a password reset link that is unknown, expired or used
  'ORG_NOT_FOUND', // no such organization, or the user is not in it
  'USER_NOT_FOUND', // no such user in this organization
  'INVITATION_INVALID', // unknown, expired, revoked or already used invitation link
  'LAST_LEGAL_REPRESENTATIVE', // the last legal representative cannot be removed or demoted
  'CHANNEL_NOT_FOUND', // no such channel, or a private one the user is not in
  'NOT_A_MEMBER', // a public channel the user has not joined
  'CHANNEL_NAME_TAKEN', // another channel of the organization has this name
  'TEAM_NOT_FOUND', // no such work team in this organization
  'TEAM_NAME_TAKEN', // another work team of the organization has this name
  'MESSAGE_NOT_FOUND',
  'FILE_NOT_FOUND',
  'CALENDAR_NOT_FOUND', // no such calendar, or not one the user may see
  'EVENT_NOT_FOUND', // no such event (or occurrence of it) in a calendar the user may see
  'MEETING_ROOM_NOT_FOUND', // no such bookable meeting room in this organization
  'ROOM_BUSY', // the meeting room is booked for (part of) that time and does not allow overlaps
  'PLAN_LIMIT', // the organization's plan allows no more of these (meeting rooms)
  'INVALID_TIME', // an unknown time zone, a date that does not exist, an end before the start
  'INVALID_RECURRENCE', // an RRULE this server cannot read; the message names the part
  'INVALID_ICS', // an iCalendar file that cannot be read; the message names the line, nothing was imported
  'TOO_COMPLEX', // a rule or file that needs more work than one request may take (a recurrence rule, a calendar file)
  'BUSY', // the server is busy with requests like this one; try again in a moment
  'APP_PASSWORD_NOT_FOUND', // no such app password among the user's own
  'ADDRESS_BOOK_NOT_FOUND', // no such address book, or not one the user may see
  'CONTACT_NOT_FOUND', // no such contact in an address book the user may see (or not in the trash, for a restore)
  'TOO_MANY', // as many of these as one person may have (app passwords); delete one first
  'INVALID_IMPORT', // a file of contacts that cannot be imported: the message starts `line N:` (or says what is wrong with the whole file); nothing was imported
  'PRECONDITION_FAILED', // CardDAV/CalDAV: the resource is not in the state If-Match or If-None-Match asked for (changed meanwhile)
  'UID_CONFLICT', // CardDAV/CalDAV: another resource of the collection has this UID
  'INVALID_SYNC_TOKEN', // CardDAV/CalDAV: a sync token this collection did not give, or too old to tell what was deleted since
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** Every acknowledged request answers with this shape; HTTP errors use `{ ok: false, error }` too. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (res: Ack<T>) => void;

/**
 * Base of every domain error. It carries a protocol code, never an HTTP
 * status: only the edge (gateway, HTTP routes) turns it into a reply.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
