// Errors every feature may answer with, for what is not particular to one:
// a request that is wrong, not allowed, too much or too often. Each is a
// DomainError with a stable code (protocol/src/errors.ts); the edge maps it
// to an HTTP status or an ack, and nothing else does.
import { DomainError } from '@parley/protocol';

/** The request is malformed or asks for something impossible (the message says what). */
export class InvalidRequest extends DomainError {
  constructor(message: string) {
    super('INVALID_PAYLOAD', message);
  }
}
/** The person is known but may not do this (the message says why). */
export class Forbidden extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}
/** Too many of these, too fast. */
export class RateLimited extends DomainError {
  constructor(message: string) {
    super('RATE_LIMITED', message);
  }
}
/** The server is busy with requests like this one; try again in a moment. */
export class Busy extends DomainError {
  constructor(message: string) {
    super('BUSY', message);
  }
}
/** Nothing of that kind with that id, among what the person may see. */
export class NotFound extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}
/** No session, or one that is expired or revoked. */
export class Unauthorized extends DomainError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}
/** A text within its schema but over its byte limit. */
export class TooLarge extends DomainError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}
/** Meetings are not available (no media worker, or none on this server). */
export class MediaUnavailable extends DomainError {
  constructor(message: string) {
    super('MEDIA_UNAVAILABLE', message);
  }
}
/** The organization's plan allows no more of these. */
export class PlanLimit extends DomainError {
  constructor(message: string) {
    super('PLAN_LIMIT', message);
  }
}
/** An unknown time zone, a date that does not exist, an end before the start. */
export class InvalidTime extends DomainError {
  constructor(message: string) {
    super('INVALID_TIME', message);
  }
}
/** No such organization, or the person is not in it (every feature of an organization answers it). */
export class OrgNotFound extends DomainError {
  constructor(message: string) {
    super('ORG_NOT_FOUND', message);
  }
}
/** As many of these as one person may have (app passwords, address books, a book's cards): delete one first. */
export class TooMany extends DomainError {
  constructor(message: string) {
    super('TOO_MANY', message);
  }
}
/** DAV: the item is not in the state the device asked for (If-Match, If-None-Match): someone changed it meanwhile. */
export class PreconditionFailed extends DomainError {
  constructor(message: string) {
    super('PRECONDITION_FAILED', message);
  }
}
/** DAV: another item of the collection has this UID (`href`: its name). */
export class UidConflict extends DomainError {
  readonly href: string;
  constructor(message: string, href: string) {
    super('UID_CONFLICT', message);
    this.href = href;
  }
}
/** DAV: a sync token the collection did not give, or one older than a deletion it no longer remembers. */
export class InvalidSyncToken extends DomainError {
  constructor(message: string) {
    super('INVALID_SYNC_TOKEN', message);
  }
}
