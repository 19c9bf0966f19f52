// Organizations' errors (see lib/errors.ts for those every feature shares).
import { DomainError } from '@parley/protocol';

export { OrgNotFound } from '../lib/errors.ts';

/** An unknown, expired, revoked or used invitation. */
export class InvitationInvalid extends DomainError {
  constructor(message: string) {
    super('INVITATION_INVALID', message);
  }
}
/** The last legal representative can be neither removed nor demoted. */
export class LastLegalRepresentative extends DomainError {
  constructor(message: string) {
    super('LAST_LEGAL_REPRESENTATIVE', message);
  }
}
