// How an event is shown to a reader (the parts of its row they may see).
import type { EventView } from '@parley/protocol';
import type { EventRow } from './store.ts';

export const eventView = (e: EventRow, viewerId: string): EventView => ({
  id: e.id,
  calendarId: e.calendar_id,
  uid: e.uid,
  organizerId: e.organizer_id,
  title: e.title,
  description: e.description,
  location: e.location,
  timeZone: e.time_zone,
  allDay: e.all_day,
  start: e.start_local,
  end: e.end_local,
  rrule: e.rrule,
  exdates: e.exdates,
  attendees: e.attendees,
  alarms: e.alarms,
  roomId: e.room_id,
  meetingUrl: e.meeting_url,
  moderatorIds: e.moderator_ids,
  // Only a meeting made for this event (not a link imported or pasted) has moderators by account.
  moderator: e.meeting_id !== null && (e.organizer_id === viewerId || e.moderator_ids.includes(viewerId)),
});
