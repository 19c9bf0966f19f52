// An event's details: when, where, the room, the meeting's join link, and
// what the reader may do with it.
import { useEffect, useState } from 'preact/hooks';
import type { EventView, OccurrenceView } from '@parley/protocol';
import { Dialog } from '../ui/Dialog.tsx';
import type { CalendarApi } from './api.ts';
import { ownLink } from '../ui/links.ts';
import { hm, message } from './dates.ts';

export function EventDetails({
  cal,
  occ,
  meId,
  roomName,
  canWrite,
  close,
  edit,
  editOne,
  changed,
}: {
  cal: CalendarApi;
  occ: OccurrenceView;
  meId: string;
  roomName: Map<string, string>;
  canWrite: boolean;
  close: () => void;
  edit: (e: EventView) => void;
  editOne: (o: OccurrenceView) => void;
  changed: () => void;
}) {
  const [event, setEvent] = useState<EventView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // A private booking's event is not the viewer's to read.
    if (!occ.private) void cal.event(occ.eventId).then(setEvent, (e: unknown) => setError(message(e)));
  }, [occ.eventId]);
  const when = occ.allDay
    ? `${new Date(occ.startAt).toLocaleDateString()} (all day)`
    : `${new Date(occ.startAt).toLocaleString([], { dateStyle: 'full', timeStyle: 'short' })} – ${hm(occ.endAt)}`;
  // One link for everyone: the organizer and co-moderators are moderators by their account (signed in, as here).
  // Our meeting links are opened on this page's address; another service's (an imported event) as they are.
  const join = event?.meetingUrl ? (ownLink(event.meetingUrl, 'm') ?? event.meetingUrl) : null;
  return (
    <Dialog title={occ.title} close={close}>
      <div class="dialog-form" data-testid="event-details">
        <p data-testid="event-when">{when}</p>
        {occ.private && (
          <p class="dim small" data-testid="event-private">
            The room is booked; what for is in a calendar you cannot see.
          </p>
        )}
        {occ.recurring && <p class="dim small">{occ.changed ? 'A changed occurrence of a series' : `Repeats (${event?.rrule ?? '…'})`}</p>}
        {occ.location && <p>📍 {occ.location}</p>}
        {occ.roomId && <p data-testid="event-room">🚪 {roomName.get(occ.roomId) ?? 'a meeting room'}</p>}
        {join && (
          <a class="primary button" href={join} target="_blank" rel="noopener" data-testid="join-meeting">
            {event?.moderator ? 'Join the meeting (as moderator)' : 'Join the meeting'}
          </a>
        )}
        {occ.description && <p class="pre">{occ.description}</p>}
        {event && event.attendees.length > 0 && <p class="dim small">Attendees: {event.attendees.join(', ')}</p>}
        {error && <p class="hint error">{error}</p>}
        {canWrite && event && (
          <div class="row">
            <button type="button" class="side-action" data-testid="edit-event" onClick={() => edit(event)}>
              {occ.recurring ? 'Edit the series' : 'Edit'}
            </button>
            {occ.recurring && (
              <button type="button" class="side-action" data-testid="edit-occurrence" onClick={() => editOne(occ)}>
                Edit this one
              </button>
            )}
            {occ.recurring && (
              <button
                type="button"
                class="side-action"
                data-testid="cancel-occurrence"
                onClick={async () => {
                  await cal.setOccurrence(occ.eventId, { recurrenceId: occ.recurrenceId, cancelled: true }).catch((e: unknown) => setError(message(e)));
                  changed();
                  close();
                }}
              >
                Cancel this one
              </button>
            )}
            <button
              type="button"
              class="side-action danger"
              data-testid="delete-event"
              onClick={async () => {
                if (!confirm(occ.recurring ? 'Delete the whole series?' : 'Delete this event?')) return;
                await cal.deleteEvent(occ.eventId).catch((e: unknown) => setError(message(e)));
                changed();
                close();
              }}
            >
              Delete
            </button>
          </div>
        )}
      </div>
    </Dialog>
  );
}

