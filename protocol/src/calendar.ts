// Calendar: calendars, events (with recurrence and per-occurrence changes),
// meeting rooms. HTTP bodies and the views the server answers with. Times an
// organizer chooses travel as wall-clock text in a named time zone
// ("2026-12-01T09:00:00" in "Europe/Zurich"), as iCalendar does; instants
// the server computes travel as epoch milliseconds.
import Type from 'typebox';
import { IdSchema } from './ids.ts';

export const CALENDAR_LIMITS = {
  /** Longest range one listing expands, in days. */
  rangeDays: 400,
  /** Occurrences one listing returns at most. */
  occurrences: 5000,
  /** An imported .ics file, in bytes. */
  icsBytes: 2 * 1024 * 1024,
  /** Events (series and changed occurrences) in one import. */
  icsEvents: 5000,
  /** How far ahead a recurring booking is checked against a room's other bookings, in days. */
  bookingHorizonDays: 366,
  attendees: 100,
  /** Co-moderators an event's organizer may name. */
  moderators: 20,
  equipment: 20,
  /** How long a deleted event can be restored, in days. */
  trashDays: 30,
  /** Deleted events one trash listing shows. */
  trashItems: 200,
  /** Events one search returns. */
  searchResults: 50,
  /** Longest free/busy range, in days. */
  freeBusyDays: 31,
} as const;

/** Meeting rooms an organization may have, by plan. */
export const PLAN_ROOMS = { free: 1, standard: 2, business: 6, enterprise: 50 } as const;
export type Plan = keyof typeof PLAN_ROOMS;

const Id = IdSchema;
const strict = { additionalProperties: false } as const;
/** Wall-clock time: YYYY-MM-DDTHH:MM[:SS], or YYYY-MM-DD for all-day events. */
const Local = Type.String({ minLength: 10, maxLength: 19, pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' });
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>]+@[^\\s@<>]+$' });
const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
/** Reminders: minutes before the start, up to four weeks, at most 5. */
const Alarms = Type.Array(Type.Integer({ minimum: 0, maximum: 4 * 7 * 24 * 60 }), { maxItems: 5, uniqueItems: true });
/** PUT /api/calendars/:calendarId/default-alarms */
export const DefaultAlarmsBody = Type.Object({ alarms: Alarms }, strict);
export type DefaultAlarmsBody = Type.Static<typeof DefaultAlarmsBody>;

export const CreateCalendarBody = Type.Object({ orgId: Id, name: Type.String({ minLength: 1, maxLength: 100 }), color: Type.Optional(Color) }, strict);
/** A calendar's new name or colour (its owner's; not a room's, which is named after its room). */
export const UpdateCalendarBody = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), color: Type.Optional(Color) }, { ...strict, minProperties: 1 });
export const ShareCalendarBody = Type.Object({ userId: Id, access: Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('none')]) }, strict);

const EventFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  location: Type.Optional(Type.String({ maxLength: 500 })),
  timeZone: TimeZone,
  allDay: Type.Optional(Type.Boolean()),
  start: Local,
  end: Local,
  /** RFC 5545 RRULE value, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10". */
  rrule: Type.Optional(Type.Union([Type.String({ minLength: 6, maxLength: 500 }), Type.Null()])),
  attendees: Type.Optional(Type.Array(Email, { maxItems: CALENDAR_LIMITS.attendees })),
  roomId: Type.Optional(Type.Union([Id, Type.Null()])),
  /** Creates a Parley meeting for the event; its organizer is the moderator. */
  meeting: Type.Optional(Type.Boolean()),
  /** Members who open the event's meeting as moderators too, signed in (only the organizer sets them). */
  moderatorIds: Type.Optional(Type.Array(Id, { maxItems: CALENDAR_LIMITS.moderators, uniqueItems: true })),
  /** Reminders, in minutes before the start (iCalendar's VALARM); absent on a new event: its calendar's default. */
  alarms: Type.Optional(Alarms),
};
export const CreateEventBody = Type.Object({ calendarId: Id, ...EventFields }, strict);
export const UpdateEventBody = Type.Partial(Type.Object(EventFields, strict));
/** One occurrence of a series: moved, changed, or cancelled. */
export const OccurrenceBody = Type.Object(
  {
    /** The occurrence's original start, wall clock. */
    recurrenceId: Local,
    cancelled: Type.Optional(Type.Boolean()),
    title: Type.Optional(EventFields.title),
    description: EventFields.description,
    location: EventFields.location,
    start: Type.Optional(Local),
    end: Type.Optional(Local),
  },
  strict,
);
/** Query strings arrive as text: instants are epoch milliseconds written in digits. */
const Instant = Type.String({ minLength: 1, maxLength: 14, pattern: '^\\d+$' });
export const RangeQuery = Type.Object({ from: Instant, to: Instant, calendarIds: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '^[A-Za-z0-9_,-]+$' })) }, strict);
export const RoomBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    address: Type.Optional(Type.String({ maxLength: 300 })),
    floor: Type.Optional(Type.String({ maxLength: 50 })),
    capacity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    equipment: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: CALENDAR_LIMITS.equipment })),
    allowOverlap: Type.Optional(Type.Boolean()),
    /** The colour of its bookings in the calendar (#rrggbb). */
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  strict,
);
export const FreeRoomsQuery = Type.Object({ from: Instant, to: Instant, capacity: Type.Optional(Type.String({ minLength: 1, maxLength: 5, pattern: '^[1-9]\\d*$' })) }, strict);
/** GET /api/orgs/:orgId/freebusy: who and which rooms, over a range of at most 31 days. */
export const FreeBusyQuery = Type.Object(
  {
    from: Instant,
    to: Instant,
    /** Attendees' addresses, comma-separated (those of the organization's members are looked up). */
    emails: Type.Optional(Type.String({ maxLength: 100 * 256 })),
    /** Rooms' ids, comma-separated. */
    roomIds: Type.Optional(Type.String({ maxLength: 20 * 64, pattern: '^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$' })),
    /** The event being edited: its own times keep no one busy. */
    exclude: Type.Optional(Id),
  },
  strict,
);
export const SetPlanBody = Type.Object({ plan: Type.Union([Type.Literal('free'), Type.Literal('standard'), Type.Literal('business'), Type.Literal('enterprise')]) }, strict);
export const TimeZoneBody = Type.Object({ timeZone: TimeZone }, strict);

export type CreateCalendarBody = Type.Static<typeof CreateCalendarBody>;
export type ShareCalendarBody = Type.Static<typeof ShareCalendarBody>;
export type UpdateCalendarBody = Type.Static<typeof UpdateCalendarBody>;
export type CreateEventBody = Type.Static<typeof CreateEventBody>;
export type UpdateEventBody = Type.Static<typeof UpdateEventBody>;
export type OccurrenceBody = Type.Static<typeof OccurrenceBody>;
export type RoomBody = Type.Static<typeof RoomBody>;

export interface CalendarView {
  id: string;
  orgId: string;
  name: string;
  color: string;
  /** owner: one's own; write/read: shared with one; room: a meeting room's calendar (read by every member). */
  access: 'owner' | 'write' | 'read' | 'room';
  ownerId: string | null;
  roomId: string | null;
  /** Reminders new events of this calendar get (minutes before). */
  defaultAlarms: number[];
}

/** An invited attendee's answer (iCalendar's PARTSTAT). */
export type AttendeeStatus = 'needs-action' | 'accepted' | 'declined' | 'tentative';
/** POST /api/rsvp/:token: an attendee's answer, from the link of their invitation. */
export const RsvpBody = Type.Object({ answer: Type.Union([Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('tentative')]) }, strict);
export type RsvpBody = Type.Static<typeof RsvpBody>;
/** What an invitation's link shows (no account needed). */
export interface RsvpView {
  title: string;
  organizer: string;
  timeZone: string;
  allDay: boolean;
  start: string;
  end: string;
  rrule: string | null;
  location: string;
  meetingUrl: string | null;
  email: string;
  status: AttendeeStatus;
}

export interface BusyInterval {
  startAt: number;
  endAt: number;
}
/**
 * Busy times, never what fills them: a member's (the events of their own
 * calendars and those naming them as attendee, all-day ones aside) and a
 * room's bookings. Addresses of no member are listed as `unknown`.
 */
export interface FreeBusyView {
  people: { email: string; name: string; busy: BusyInterval[] }[];
  rooms: { roomId: string; name: string; busy: BusyInterval[] }[];
  unknown: string[];
}

/** A deleted event in the trash: restorable until `purgeAt`. */
export interface TrashedEventView {
  id: string;
  calendarId: string;
  title: string;
  /** Its first occurrence's start. */
  startAt: number;
  recurring: boolean;
  deletedAt: number;
  /** Who deleted it (a name), when known. */
  deletedBy: string | null;
  purgeAt: number;
}

export interface EventView {
  id: string;
  calendarId: string;
  uid: string;
  organizerId: string | null;
  title: string;
  description: string;
  location: string;
  timeZone: string;
  allDay: boolean;
  start: string;
  end: string;
  rrule: string | null;
  exdates: string[];
  /** Reminders, minutes before the start. */
  alarms: number[];
  attendees: string[];
  /** Their answers to the invitation (by lower-case address), on a single event's view. */
  attendeeStatus?: Record<string, AttendeeStatus>;
  roomId: string | null;
  meetingUrl: string | null;
  /** Members the organizer named: they open the meeting as moderators, signed in. */
  moderatorIds: string[];
  /**
   * Whether the viewer opens the meeting as moderator (they organize it or
   * are named), by their account: signed in, the plain meeting link does it.
   */
  moderator: boolean;
}

/** One occurrence in a range: the series' fields, with its own changes applied. */
export interface OccurrenceView {
  eventId: string;
  calendarId: string;
  organizerId: string | null;
  /** The occurrence's original start (wall clock); equal to `start` unless it was moved. */
  recurrenceId: string;
  recurring: boolean;
  changed: boolean;
  title: string;
  description: string;
  location: string;
  timeZone: string;
  allDay: boolean;
  start: string;
  end: string;
  startAt: number;
  endAt: number;
  roomId: string | null;
  meetingUrl: string | null;
  /** A booking in a room's calendar whose own calendar the viewer cannot read: title "Busy", no description, location or link. */
  private: boolean;
  /** The event's reminders, minutes before this occurrence's start. */
  alarms: number[];
  /** Its room (one that allows it) is booked by another event at the same time: a double booking, shown as a conflict. */
  conflict?: boolean;
}

export interface RoomView {
  id: string;
  orgId: string;
  name: string;
  address: string;
  floor: string;
  capacity: number;
  equipment: string[];
  allowOverlap: boolean;
  calendarId: string;
  color: string;
}

export interface ImportReply {
  imported: number;
  calendarId: string;
}

// ---- daily agenda ----

/** Weekdays as RFC 5545 orders them: 0 Monday ... 6 Sunday. */
const Weekday = Type.Integer({ minimum: 0, maximum: 6 });
export const ReminderBody = Type.Object(
  {
    orgId: Id,
    calendarId: Id,
    /** By Euria in a direct message. */
    chat: Type.Boolean(),
    /** By e-mail (the mail outbox). */
    mail: Type.Boolean(),
    /** HH:MM, in `timeZone` (default: the user's). */
    time: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
    /** The agenda's own morning, or the evening before. */
    day: Type.Union([Type.Literal('morning'), Type.Literal('evening')]),
    /** The days whose agenda is sent. */
    weekdays: Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true }),
    includeRecurring: Type.Boolean(),
    timeZone: Type.Optional(TimeZone),
  },
  strict,
);
export const UpdateReminderBody = Type.Partial(Type.Object({ ...ReminderBody.properties, enabled: Type.Boolean() }, strict));
export type ReminderBody = Type.Static<typeof ReminderBody>;
export type UpdateReminderBody = Type.Static<typeof UpdateReminderBody>;

export interface ReminderView {
  id: string;
  orgId: string;
  calendarId: string;
  chat: boolean;
  mail: boolean;
  time: string;
  day: 'morning' | 'evening';
  weekdays: number[];
  includeRecurring: boolean;
  timeZone: string;
  enabled: boolean;
}

/** A bots-queue job: Euria sends a day's agenda to one person. */
// AgendaJob: see jobs.ts (its schema is checked where the job is taken).
/** One job and one message per reminder and day, whatever retries or nodes do. */
export const agendaJobId = (reminderId: string, day: string): string => `agenda-${reminderId}-${day}`;
export const agendaClientId = (reminderId: string, day: string): string => `agenda:${reminderId}:${day}`;
