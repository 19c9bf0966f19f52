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
/** No such work team in this organization (or one the person may not see). */
export class TeamNotFound extends DomainError {
  constructor(message: string) {
    super('TEAM_NOT_FOUND', message);
  }
}
/** Another work team of the organization has this name. */
export class TeamNameTaken extends DomainError {
  constructor(message: string) {
    super('TEAM_NAME_TAKEN', message);
  }
}
