// An event's details: when, where, the room, the meeting's join link, and
// what the reader may do with it.
import { useEffect, useState } from 'preact/hooks';
import type { EventView, OccurrenceView, RoomView } from '@parley/protocol';
import { errorText } from '../i18n/errors.ts';
import { formatDate, formatList, formatTimeRange, formatWith } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { Icon, StatusIcon } from '../ui/icons.tsx';
import type { CalendarApi } from './api.ts';
import { ownLink } from '../ui/links.ts';
import { addDays, dateText, ZONE } from './dates.ts';
import { describeRule, roomFacts } from './texts.ts';
import { DoorClosed as DoorClosedIcon, MapPin as MapPinIcon, Repeat as RepeatIcon, TriangleAlert as TriangleAlertIcon } from 'lucide';

/** When an occurrence happens, in words: its day (or days) and hours, in this browser's zone. */
function whenText(occ: OccurrenceView): string {
  if (occ.allDay) {
    // All-day dates are the event's own (no zone); the end is exclusive.
    const first = new Date(`${occ.start.slice(0, 10)}T12:00`);
    const last = addDays(new Date(`${occ.end.slice(0, 10)}T12:00`), -1);
    const long = { dateStyle: 'full' } as const;
    return last > first ? t('calendar.details.allDaySpan', { from: formatDate(first, long), to: formatDate(last, long) }) : t('calendar.details.allDay', { date: formatDate(first, long) });
  }
  const from = new Date(occ.startAt);
  const to = new Date(occ.endAt);
  if (dateText(from) === dateText(to)) return t('calendar.details.when', { date: formatDate(from, { dateStyle: 'full', timeZone: ZONE }), time: formatTimeRange(from, to, ZONE) });
  const moment = { dateStyle: 'full', timeStyle: 'short', timeZone: ZONE } as const;
  return t('calendar.details.span', { from: formatWith(from, moment), to: formatWith(to, moment) });
}

export function EventDetails({
  cal,
  occ,
  meId,
  rooms,
  canWrite,
  close,
  edit,
  editOne,
  changed,
}: {
  cal: CalendarApi;
  occ: OccurrenceView;
  meId: string;
  rooms: Map<string, RoomView>;
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
    if (!occ.private) void cal.event(occ.eventId).then(setEvent, (e: unknown) => setError(errorText(e)));
  }, [occ.eventId]);
  // One link for everyone: the organizer and co-moderators are moderators by their account (signed in, as here).
  // Our meeting links are opened on this page's address; another service's (an imported event) as they are.
  const join = event?.meetingUrl ? (ownLink(event.meetingUrl, 'm') ?? event.meetingUrl) : null;
  return (
    <Dialog title={occ.private ? t('calendar.occurrence.busy') : occ.title} close={close}>
      <div class="dialog-form" data-testid="event-details">
        <p data-testid="event-when">{whenText(occ)}</p>
        {occ.private && (
          <p class="dim small" data-testid="event-private">
            {t('calendar.details.private')}
          </p>
        )}
        {occ.recurring && (
          <p class="dim small with-icon">
            <Icon icon={RepeatIcon} size={14} />
            {occ.changed ? t('calendar.details.changedOccurrence') : event?.rrule ? describeRule(event.rrule) : t('calendar.repeat.some')}
          </p>
        )}
        {occ.location && (
          <p class="with-icon">
            <StatusIcon icon={MapPinIcon} label={t('calendar.details.location')} noTitle />
            {occ.location}
          </p>
        )}
        {occ.roomId && (
          <p data-testid="event-room" class="with-icon">
            <StatusIcon icon={DoorClosedIcon} label={t('calendar.details.room')} noTitle />
            <span>
              {rooms.get(occ.roomId)?.name ?? t('calendar.details.someRoom')}
              {rooms.get(occ.roomId) && <span class="dim small"> · {roomFacts(rooms.get(occ.roomId)!, true)}</span>}
            </span>
          </p>
        )}
        {occ.conflict && (
          <p class="hint with-icon" role="status" data-testid="event-conflict">
            <StatusIcon icon={TriangleAlertIcon} label={t('calendar.occurrence.conflict')} noTitle />
            {t('calendar.details.conflict')}
          </p>
        )}
        {join && (
          <a class="primary button" href={join} target="_blank" rel="noopener" data-testid="join-meeting">
            {event?.moderator ? t('calendar.details.joinAsModerator') : t('calendar.details.join')}
          </a>
        )}
        {join && event?.moderator && (
          // The organizer (and whom they name) find the meeting's recordings here.
          <a href={`${join.replace(/\/+$/, '')}/recordings`} target="_blank" rel="noopener" data-testid="event-recordings">
            {t('calendar.details.recordings')}
          </a>
        )}
        {occ.description && <p class="pre">{occ.description}</p>}
        {event && event.attendees.length > 0 && (
          <p class="dim small" data-testid="event-attendees-answers">
            {t('calendar.details.attendees', {
              attendees: formatList(event.attendees.map((a) => (event.attendeeStatus?.[a.toLowerCase()] ? `${a} (${t('calendar.details.answers', { status: event.attendeeStatus[a.toLowerCase()]! })})` : a))),
            })}
          </p>
        )}
        {error && <p class="hint error">{error}</p>}
        {canWrite && event && (
          <div class="row">
            <button type="button" class="side-action" data-testid="edit-event" onClick={() => edit(event)}>
              {occ.recurring ? t('calendar.details.editSeries') : t('calendar.details.edit')}
            </button>
            {occ.recurring && (
              <button type="button" class="side-action" data-testid="edit-occurrence" onClick={() => editOne(occ)}>
                {t('calendar.details.editOne')}
              </button>
            )}
            {occ.recurring && (
              <button
                type="button"
                class="side-action"
                data-testid="cancel-occurrence"
                onClick={async () => {
                  await cal.setOccurrence(occ.eventId, { recurrenceId: occ.recurrenceId, cancelled: true }).catch((e: unknown) => setError(errorText(e)));
                  changed();
                  close();
                }}
              >
                {t('calendar.details.cancelOne')}
              </button>
            )}
            <button
              type="button"
              class="side-action danger"
              data-testid="delete-event"
              onClick={async () => {
                if (!confirm(occ.recurring ? t('calendar.details.deleteSeriesConfirm') : t('calendar.details.deleteConfirm'))) return;
                await cal.deleteEvent(occ.eventId).catch((e: unknown) => setError(errorText(e)));
                changed();
                close();
              }}
            >
              {t('calendar.details.delete')}
            </button>
          </div>
        )}
      </div>
    </Dialog>
  );
}

