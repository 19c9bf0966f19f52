// The calendar's and agendas' errors (see lib/errors.ts for those every feature shares).
import { DomainError } from '@parley/protocol';

/** No such calendar, or not one the person may see. */
export class CalendarNotFound extends DomainError {
  constructor(message: string) {
    super('CALENDAR_NOT_FOUND', message);
  }
}
/** No such event (or occurrence of it) in a calendar the person may see. */
export class EventNotFound extends DomainError {
  constructor(message: string) {
    super('EVENT_NOT_FOUND', message);
  }
}
/** No such bookable meeting room in this organization. */
export class MeetingRoomNotFound extends DomainError {
  constructor(message: string) {
    super('MEETING_ROOM_NOT_FOUND', message);
  }
}
/** The room is booked for (part of) that time and does not allow overlaps. */
export class RoomBusy extends DomainError {
  constructor(message: string) {
    super('ROOM_BUSY', message);
  }
}
/** A recurrence rule this server cannot read; the message names the part. */
export class InvalidRecurrence extends DomainError {
  constructor(message: string) {
    super('INVALID_RECURRENCE', message);
  }
}
/** An iCalendar file that cannot be read; the message names the line. */
export class InvalidIcs extends DomainError {
  constructor(message: string) {
    super('INVALID_ICS', message);
  }
}
