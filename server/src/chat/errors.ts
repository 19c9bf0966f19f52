// Team chat's errors (see lib/errors.ts for those every feature shares).
import { DomainError } from '@parley/protocol';

/** No such channel, or one the person may not know of (private, a conversation, another organization's). */
export class ChannelNotFound extends DomainError {
  constructor(message: string) {
    super('CHANNEL_NOT_FOUND', message);
  }
}
/** A public channel of their organization the person has not joined. */
export class NotAMember extends DomainError {
  constructor(message: string) {
    super('NOT_A_MEMBER', message);
  }
}
/** Another channel of the organization has this name. */
export class ChannelNameTaken extends DomainError {
  constructor(message: string) {
    super('CHANNEL_NAME_TAKEN', message);
  }
}
/** No such message, a deleted one, or one of a channel the person cannot read. */
export class MessageNotFound extends DomainError {
  constructor(message: string) {
    super('MESSAGE_NOT_FOUND', message);
  }
}
/** No such attachment, or one the person may not read. */
export class FileNotFound extends DomainError {
  constructor(message: string) {
    super('FILE_NOT_FOUND', message);
  }
}
