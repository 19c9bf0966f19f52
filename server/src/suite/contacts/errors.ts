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
