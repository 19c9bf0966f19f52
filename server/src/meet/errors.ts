// The meeting's errors (see lib/errors.ts for those every feature shares).
import { DomainError } from '@parley/protocol';

export { InvalidRequest } from '../lib/errors.ts';

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
export class TalkTooLarge extends DomainError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `chat messages are limited to ${limit} bytes`);
  }
}
export class MeetingFull extends DomainError {
  constructor(limit: number) {
    super('MEETING_FULL', `This meeting is full: it is limited to ${limit} participants.`);
  }
}
export class LobbyFull extends DomainError {
  constructor(why: 'room' | 'network', limit: number) {
    super(
      'LOBBY_FULL',
      why === 'room'
        ? `The waiting room is full (${limit} people are waiting). Try again in a few minutes.`
        : `${limit} people from your network are already waiting to be let in. Try again once some of them are in.`,
    );
  }
}
export class NotModerator extends DomainError {
  constructor() {
    super('NOT_MODERATOR', 'only a moderator can do this');
  }
}
export class WaitingRoom extends DomainError {
  constructor() {
    super('WAITING_ROOM', 'the waiting room is on: knock and wait to be let in');
  }
}
export class PasswordRequired extends DomainError {
  constructor() {
    super('PASSWORD_REQUIRED', 'this meeting needs a password');
  }
}
export class WrongPassword extends DomainError {
  constructor() {
    // Nothing more: not whether a password is set a certain way, not how close.
    super('WRONG_PASSWORD', 'wrong password');
  }
}
export class TooManyTries extends DomainError {
  constructor() {
    super('RATE_LIMITED', 'too many password tries, wait a little');
  }
}
export class Moderated extends DomainError {
  constructor(kind: 'audio' | 'video') {
    super('MODERATED', `${kind === 'audio' ? 'audio' : 'video'} is moderated: a moderator must allow you first (raise your hand)`);
  }
}
export class LastModerator extends DomainError {
  constructor() {
    super('LAST_MODERATOR', 'you are the only one here: there is nobody to hand the moderator role to');
  }
}
export class Kicked extends DomainError {
  constructor() {
    super('KICKED', 'a moderator removed you from this meeting, and it is locked');
  }
}
export class ProducerNotFound extends DomainError {
  constructor(id: string) {
    super('PRODUCER_NOT_FOUND', `no producer ${id} in your room`);
  }
}
export class RoomChoiceOff extends DomainError {
  constructor() {
    super('ROOM_CHOICE_OFF', 'a moderator assigns the rooms: participants cannot choose one right now');
  }
}
export class RoomNotFound extends DomainError {
  constructor() {
    super('ROOM_NOT_FOUND', 'no such breakout room in this meeting');
  }
}
export class WrongModeratorToken extends DomainError {
  constructor() {
    super('FORBIDDEN', 'This moderator link is not valid for this meeting: it may have been replaced by a new one. Ask a moderator for the new link, or open the meeting link without it.');
  }
}
export class NotJoined extends DomainError {
  constructor(message: string) {
    super('NOT_JOINED', message);
  }
}
export class SurfaceNotFound extends DomainError {
  constructor(surface: string) {
    super('SURFACE_NOT_FOUND', surface === 'board' ? 'no whiteboard is open in this room' : 'that screen is not shared in this room (any more)');
  }
}
export class MayNotDraw extends DomainError {
  constructor() {
    super('FORBIDDEN', 'only the sharer, moderators and those they allow may draw on a shared screen');
  }
}
