// The calendar's HTTP calls (docs/protocol.md, "Calendar"), with the session token.
import type { CalendarView, CreateEventBody, FreeBusyView, TrashedEventView, EventView, UpdateCalendarBody, OccurrenceBody, OccurrenceView, ReminderBody, ReminderView, RoomBody, RoomView, UpdateEventBody, UpdateReminderBody } from '@parley/protocol';
import { call } from '../core/api.ts';
import { downloadFile } from '../ui/download.ts';
import { t } from '../i18n/index.ts';

const enc = encodeURIComponent;

export function calendarApi(token: string) {
  const c = <T>(method: string, url: string, body?: unknown) => call<T>(method, url, body, token);
  return {
    calendars: (orgId: string) => c<{ calendars: CalendarView[] }>('GET', `/api/orgs/${enc(orgId)}/calendars`).then((r) => r.calendars),
    createCalendar: (orgId: string, name: string) => c<{ calendar: CalendarView }>('POST', '/api/calendars', { orgId, name }).then((r) => r.calendar),
    updateCalendar: (calendarId: string, body: UpdateCalendarBody) => c('PATCH', `/api/calendars/${enc(calendarId)}`, body),
    setDefaultAlarms: (calendarId: string, alarms: number[]) => c('PUT', `/api/calendars/${enc(calendarId)}/default-alarms`, { alarms }),
    share: (calendarId: string, userId: string, access: 'read' | 'write' | 'none') => c('PUT', `/api/calendars/${enc(calendarId)}/shares`, { userId, access }),
    occurrences: (orgId: string, from: number, to: number, calendarIds?: string[]) =>
      c<{ occurrences: OccurrenceView[] }>('GET', `/api/orgs/${enc(orgId)}/occurrences?from=${from}&to=${to}${calendarIds?.length ? `&calendarIds=${calendarIds.map(enc).join(',')}` : ''}`).then(
        (r) => r.occurrences,
      ),
    event: (id: string) => c<{ event: EventView }>('GET', `/api/events/${enc(id)}`).then((r) => r.event),
    createEvent: (body: CreateEventBody) => c<{ event: EventView }>('POST', '/api/events', body).then((r) => r.event),
    updateEvent: (id: string, body: UpdateEventBody) => c<{ event: EventView }>('PATCH', `/api/events/${enc(id)}`, body).then((r) => r.event),
    deleteEvent: (id: string) => c('DELETE', `/api/events/${enc(id)}`),
    setOccurrence: (id: string, body: OccurrenceBody) => c<{ event: EventView }>('PUT', `/api/events/${enc(id)}/occurrences`, body),
    rooms: (orgId: string) => c<{ rooms: RoomView[]; plan: string; maxRooms: number }>('GET', `/api/orgs/${enc(orgId)}/rooms`),
    freeRooms: (orgId: string, from: number, to: number, capacity: number) =>
      c<{ rooms: (RoomView & { recent: boolean })[] }>('GET', `/api/orgs/${enc(orgId)}/rooms/free?from=${from}&to=${to}&capacity=${capacity}`).then((r) => r.rooms),
    createRoom: (orgId: string, body: RoomBody) => c<{ room: RoomView }>('POST', `/api/orgs/${enc(orgId)}/rooms`, body),
    updateRoom: (roomId: string, body: RoomBody) => c<{ room: RoomView }>('PUT', `/api/rooms/${enc(roomId)}`, body),
    duplicateRoom: (roomId: string) => c<{ room: RoomView }>('POST', `/api/rooms/${enc(roomId)}/duplicate`),
    deleteRoom: (roomId: string) => c('DELETE', `/api/rooms/${enc(roomId)}`),
    reminders: (orgId: string) => c<{ reminders: ReminderView[] }>('GET', `/api/orgs/${enc(orgId)}/reminders`).then((r) => r.reminders),
    createReminder: (body: ReminderBody) => c<{ reminder: ReminderView }>('POST', '/api/reminders', body),
    updateReminder: (id: string, body: UpdateReminderBody) => c<{ reminder: ReminderView }>('PATCH', `/api/reminders/${enc(id)}`, body),
    deleteReminder: (id: string) => c('DELETE', `/api/reminders/${enc(id)}`),
    freeBusy: (orgId: string, from: number, to: number, emails: string[], roomIds: string[], exclude?: string) =>
      c<FreeBusyView>(
        'GET',
        `/api/orgs/${enc(orgId)}/freebusy?from=${from}&to=${to}${emails.length ? `&emails=${enc(emails.join(','))}` : ''}${roomIds.length ? `&roomIds=${roomIds.map(enc).join(',')}` : ''}${exclude ? `&exclude=${enc(exclude)}` : ''}`,
      ),
    searchEvents: (orgId: string, q: string) => c<{ events: EventView[] }>('GET', `/api/orgs/${enc(orgId)}/events/search?q=${enc(q)}`).then((r) => r.events),
    trash: (orgId: string) => c<{ events: TrashedEventView[] }>('GET', `/api/orgs/${enc(orgId)}/calendar-trash`).then((r) => r.events),
    restore: (eventId: string) => c<{ event: EventView }>('POST', `/api/calendar-trash/${enc(eventId)}/restore`).then((r) => r.event),
    dropFromTrash: (eventId: string) => c('DELETE', `/api/calendar-trash/${enc(eventId)}`),
    setTimeZone: (timeZone: string) => c('PUT', '/api/me/time-zone', { timeZone }),
    // Sent as text/calendar whatever the file's own type (a picked .ics often has none).
    importIcs: (calendarId: string, file: File) => c<{ imported: number }>('POST', `/api/calendars/${enc(calendarId)}/import`, new Blob([file], { type: 'text/calendar' })).then((r) => ({ imported: r.imported })),
    importReply: (calendarId: string, file: File) =>
      c<{ answered: number; ignored?: number }>('POST', `/api/calendars/${enc(calendarId)}/replies`, new Blob([file], { type: 'text/calendar' })).then((r) => ({ answered: r.answered, ignored: r.ignored ?? 0 })),
    /** Downloads the calendar as a .ics file. */
    exportIcs: (calendarId: string, name: string) => downloadFile(`/api/calendars/${enc(calendarId)}/export`, token, name, 'ics', t('calendar.export.fileName')),
  };
}
export type CalendarApi = ReturnType<typeof calendarApi>;
