import { DomainError } from '@parley/protocol';

export class MeetingNotFound extends DomainError {
  constructor() {
    super('MEETING_NOT_FOUND', 'no such meeting (it may have expired)');
  }
}
export class ParticipantNotFound extends DomainError {
  constructor(id: string) {
    super('PARTICIPANT_NOT_FOUND', `no participant ${id} in this meeting`);
  }
}
export class ChatTooLarge extends DomainError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `chat messages are limited to ${limit} bytes`);
  }
}
export class InvalidRequest extends DomainError {
  constructor(message: string) {
    super('INVALID_PAYLOAD', message);
  }
}
export class MeetingFull extends DomainError {
  constructor(limit: number) {
    super('MEETING_FULL', `this meeting is limited to ${limit} participants`);
  }
}
