// The accounts' errors (see lib/errors.ts for those every feature shares).
import { DomainError } from '@parley/protocol';

/** An account already uses this e-mail address. */
export class EmailTaken extends DomainError {
  constructor(message: string) {
    super('EMAIL_TAKEN', message);
  }
}
/** An account already uses this username. */
export class UsernameTaken extends DomainError {
  constructor(message: string) {
    super('USERNAME_TAKEN', message);
  }
}
/** A wrong login or password (never says which). */
export class InvalidCredentials extends DomainError {
  constructor(message: string) {
    super('INVALID_CREDENTIALS', message);
  }
}
/** A password reset link that is unknown, expired or used. */
export class ResetInvalid extends DomainError {
  constructor(message: string) {
    super('RESET_INVALID', message);
  }
}
/** No such user (in this organization, channel or event). */
export class UserNotFound extends DomainError {
  constructor(message: string) {
    super('USER_NOT_FOUND', message);
  }
}
/** No such app password among the user's own. */
export class AppPasswordNotFound extends DomainError {
  constructor(message: string) {
    super('APP_PASSWORD_NOT_FOUND', message);
  }
}
