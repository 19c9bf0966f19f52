// The meetings of calendar events: made for an event by its organizer, and
// what the calendar answers about them when a meeting asks.
import type { CalendarStore } from './store.ts';

/**
 * Creates the Parley meeting of an event, owned by its organizer's account:
 * the organizer (and whom they name) open it as moderator signed in, with
 * the plain link; no moderator secret ever leaves the server for a calendar.
 */
export interface EventMeetings {
  create(title: string, ownerId: string, orgId: string): Promise<{ meetingId: string; url: string }>;
}

/**
 * What the calendar answers meetings about the meetings its events made
 * (Meetings' MeetingOrigins): a meeting record that expired comes back from
 * its event, owned by the organizer; the organizer and whom they named
 * moderate it by account. Only the event that made a meeting counts, not
 * one where its link was pasted or imported (that one has no meeting_id).
 */
export const eventMeetingOrigins = (store: CalendarStore) => ({
  recover: async (meetingId: string) => {
    const event = await store.eventByMeeting(meetingId);
    return event && { title: event.title, ownerId: event.organizerId, orgId: event.orgId };
  },
  namedModerator: (meetingId: string, userId: string) => store.moderatesMeeting(meetingId, userId),
});
