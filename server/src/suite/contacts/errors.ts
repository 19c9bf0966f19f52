// The contacts' errors (see lib/errors.ts for those every feature shares).
import { DomainError } from '@parley/protocol';

/** No such address book, or not one the person may see. */
export class AddressBookNotFound extends DomainError {
  constructor(message: string) {
    super('ADDRESS_BOOK_NOT_FOUND', message);
  }
}
/** No such contact in an address book the person may see. */
export class ContactNotFound extends DomainError {
  constructor(message: string) {
    super('CONTACT_NOT_FOUND', message);
  }
}
/** The card is not in the state the device asked for (If-Match, If-None-Match): someone changed it meanwhile. */
export class PreconditionFailed extends DomainError {
  constructor(message: string) {
    super('PRECONDITION_FAILED', message);
  }
}
/** Another card of the book has this UID (`href`: its name). */
export class UidConflict extends DomainError {
  readonly href: string;
  constructor(message: string, href: string) {
    super('UID_CONFLICT', message);
    this.href = href;
  }
}
/** A sync token the book did not give, or one older than a deletion it no longer remembers. */
export class InvalidSyncToken extends DomainError {
  constructor(message: string) {
    super('INVALID_SYNC_TOKEN', message);
  }
}
