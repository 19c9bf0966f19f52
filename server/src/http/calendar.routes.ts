// HTTP edge of the calendar: calendars and their sharing, events and their
// occurrences, meeting rooms, the organization's plan, .ics import and
// export. Every route needs a session token (`Authorization: Bearer`);
// permissions are the Calendar's.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  CALENDAR_LIMITS,
  CreateCalendarBody,
  CreateEventBody,
  DefaultAlarmsBody,
  FreeBusyQuery,
  FreeRoomsQuery,
  OccurrenceBody,
  PLAN_ROOMS,
  RangeQuery,
  RoomBody,
  RsvpBody,
  SetPlanBody,
  ShareCalendarBody,
  UpdateCalendarBody,
  ReminderBody,
  TimeZoneBody,
  UpdateEventBody,
  UpdateReminderBody,
  IdSchema,
} from '@parley/protocol';
import type { Accounts } from '../accounts/Accounts.ts';
import type { Agenda } from '../suite/calendar/Agenda.ts';
import type { Calendar } from '../suite/calendar/Calendar.ts';
import { requireSession, sessionFirst } from './session.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { InvalidIcs } from '../suite/calendar/errors.ts';
import { negotiateHeader, type MessageKey } from '@parley/i18n';
import { translate } from '@parley/i18n/node';

const RsvpParams = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });
const OrgParams = Type.Object({ orgId: IdSchema }, { additionalProperties: false });
const SearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
const CalendarParams = Type.Object({ calendarId: IdSchema }, { additionalProperties: false });
const EventParams = Type.Object({ eventId: IdSchema }, { additionalProperties: false });
const RoomParams = Type.Object({ roomId: IdSchema }, { additionalProperties: false });
const ReminderParams = Type.Object({ reminderId: IdSchema }, { additionalProperties: false });
const OffParams = Type.Object({ key: Type.String({ minLength: 10, maxLength: 120, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });

export interface CalendarRouteDeps {
  accounts: Accounts;
  calendar: Calendar;
  agenda: Agenda;
}

/** The turn-off link's page (a button, not a GET that acts: mail scanners follow links), in the browser's language. */
function page(req: { headers: { 'accept-language'?: string | undefined } }, title: MessageKey, body: string): string {
  const lang = negotiateHeader(req.headers['accept-language']) ?? 'en';
  const heading = escapeHtml(translate(lang, title));
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${heading}</title></head>` +
    `<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem"><h1 style="font-size: 1.4rem">${heading}</h1>${body}</body></html>`
  );
}
const say = (req: { headers: { 'accept-language'?: string | undefined } }, key: MessageKey) => escapeHtml(translate(negotiateHeader(req.headers['accept-language']) ?? 'en', key));
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Digits of epoch ms (the schema checked them) as numbers. */
const range = (q: { from: string; to: string }) => ({ from: Number(q.from), to: Number(q.to) });

export function registerCalendarRoutes(parent: FastifyInstance, deps: CalendarRouteDeps): void {
  // Routes typed from their schemas: params, bodies and queries need no casts.
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, calendar, agenda } = deps;
  const me = async (req: Parameters<typeof requireSession>[1]) => (await requireSession(accounts, req)).user.id;
  const auth = sessionFirst(accounts);

  app.get('/api/orgs/:orgId/calendars', { onRequest: auth, schema: { params: OrgParams } }, async (req) => ({ calendars: await calendar.calendars(await me(req), req.params.orgId) }));

  app.post('/api/calendars', { onRequest: auth, schema: { body: CreateCalendarBody } }, async (req, reply) => {
    const calendarView = await calendar.createCalendar(await me(req), req.body);
    return reply.code(201).send({ calendar: calendarView });
  });

  app.patch('/api/calendars/:calendarId', { onRequest: auth, schema: { params: CalendarParams, body: UpdateCalendarBody } }, async (req) => {
    await calendar.updateCalendar(await me(req), req.params.calendarId, req.body);
    return { ok: true };
  });

  app.delete('/api/calendars/:calendarId', { onRequest: auth, schema: { params: CalendarParams } }, async (req) => {
    await calendar.deleteCalendar(await me(req), req.params.calendarId);
    return { ok: true };
  });

  app.put('/api/calendars/:calendarId/shares', { onRequest: auth, schema: { params: CalendarParams, body: ShareCalendarBody } }, async (req) => {
    const body = req.body;
    await calendar.share(await me(req), req.params.calendarId, body.userId, body.access);
    return { ok: true };
  });

  app.get('/api/orgs/:orgId/occurrences', { onRequest: auth, schema: { params: OrgParams, querystring: RangeQuery } }, async (req) => {
    const q = req.query;
    const { from, to } = range(q);
    const ids = q.calendarIds?.split(',').filter(Boolean);
    return { occurrences: await calendar.occurrences(await me(req), req.params.orgId, from, to, ids) };
  });

  app.post('/api/events', { onRequest: auth, schema: { body: CreateEventBody } }, async (req, reply) => {
    const event = await calendar.createEvent(await me(req), req.body);
    return reply.code(201).send({ event });
  });

  app.get('/api/events/:eventId', { onRequest: auth, schema: { params: EventParams } }, async (req) => ({ event: await calendar.event(await me(req), req.params.eventId) }));

  app.patch('/api/events/:eventId', { onRequest: auth, schema: { params: EventParams, body: UpdateEventBody } }, async (req) => ({
    event: await calendar.updateEvent(await me(req), req.params.eventId, req.body),
  }));

  app.delete('/api/events/:eventId', { onRequest: auth, schema: { params: EventParams } }, async (req) => {
    await calendar.deleteEvent(await me(req), req.params.eventId);
    return { ok: true };
  });

  /** When these people and rooms are taken (times only), for scheduling. */
  app.get('/api/orgs/:orgId/freebusy', { onRequest: auth, schema: { params: OrgParams, querystring: FreeBusyQuery } }, async (req) => {
    const q = req.query;
    const list = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : []);
    return calendar.freeBusy.busy(await me(req), req.params.orgId, { from: Number(q.from), to: Number(q.to), emails: list(q.emails), roomIds: list(q.roomIds), ...(q.exclude ? { exclude: q.exclude } : {}) });
  });

  /** Events found by their words (title, description, place, attendees). */
  app.get('/api/orgs/:orgId/events/search', { onRequest: auth, schema: { params: OrgParams, querystring: SearchQuery } }, async (req) => ({
    events: await calendar.search.find(await me(req), req.params.orgId, req.query.q),
  }));

  /** The reminders new events of a calendar get. */
  app.put('/api/calendars/:calendarId/default-alarms', { onRequest: auth, schema: { params: CalendarParams, body: DefaultAlarmsBody } }, async (req) => {
    await calendar.setDefaultAlarms(await me(req), req.params.calendarId, req.body.alarms);
    return { ok: true };
  });

  /** The trash: deleted events of the calendars one may write to, restorable for 30 days. */
  app.get('/api/orgs/:orgId/calendar-trash', { onRequest: auth, schema: { params: OrgParams } }, async (req) => ({ events: await calendar.trash.list(await me(req), req.params.orgId) }));

  app.post('/api/calendar-trash/:eventId/restore', { onRequest: auth, schema: { params: EventParams } }, async (req) => {
    const userId = await me(req);
    return { event: await calendar.event(userId, await calendar.trash.restore(userId, req.params.eventId)) };
  });

  app.delete('/api/calendar-trash/:eventId', { onRequest: auth, schema: { params: EventParams } }, async (req) => {
    await calendar.trash.drop(await me(req), req.params.eventId);
    return { ok: true };
  });

  /** One occurrence of a series moved, changed or cancelled. */
  app.put('/api/events/:eventId/occurrences', { onRequest: auth, schema: { params: EventParams, body: OccurrenceBody } }, async (req) => ({
    event: await calendar.setOccurrence(await me(req), req.params.eventId, req.body),
  }));

  app.get('/api/orgs/:orgId/rooms', { onRequest: auth, schema: { params: OrgParams } }, async (req) => {
    const orgId = req.params.orgId;
    const rooms = await calendar.rooms.list(await me(req), orgId);
    const plan = await calendar.rooms.plan(orgId);
    return { rooms, plan, maxRooms: PLAN_ROOMS[plan] };
  });

  app.get('/api/orgs/:orgId/rooms/free', { onRequest: auth, schema: { params: OrgParams, querystring: FreeRoomsQuery } }, async (req) => {
    const q = req.query;
    const { from, to } = range(q);
    return { rooms: await calendar.rooms.free(await me(req), req.params.orgId, from, to, q.capacity ? Number(q.capacity) : 1) };
  });

  app.post('/api/orgs/:orgId/rooms', { onRequest: auth, schema: { params: OrgParams, body: RoomBody } }, async (req, reply) => {
    const room = await calendar.rooms.create(await me(req), req.params.orgId, req.body);
    return reply.code(201).send({ room });
  });

  app.put('/api/rooms/:roomId', { onRequest: auth, schema: { params: RoomParams, body: RoomBody } }, async (req) => ({
    room: await calendar.rooms.update(await me(req), req.params.roomId, req.body),
  }));

  app.post('/api/rooms/:roomId/duplicate', { onRequest: auth, schema: { params: RoomParams } }, async (req, reply) => {
    const room = await calendar.rooms.duplicate(await me(req), req.params.roomId);
    return reply.code(201).send({ room });
  });

  app.delete('/api/rooms/:roomId', { onRequest: auth, schema: { params: RoomParams } }, async (req) => {
    await calendar.rooms.remove(await me(req), req.params.roomId);
    return { ok: true };
  });

  /** The plan stands in for billing: a legal representative sets it. */
  app.put('/api/orgs/:orgId/plan', { onRequest: auth, schema: { params: OrgParams, body: SetPlanBody } }, async (req) => {
    await calendar.rooms.setPlan(await me(req), req.params.orgId, req.body.plan);
    return { ok: true };
  });

  /** The zone one's floating imported times and daily agenda are read in. */
  app.put('/api/me/time-zone', { onRequest: auth, schema: { body: TimeZoneBody } }, async (req) => {
    await deps.accounts.setTimeZone(await me(req), req.body.timeZone);
    return { ok: true };
  });

  app.get('/api/orgs/:orgId/reminders', { onRequest: auth, schema: { params: OrgParams } }, async (req) => ({ reminders: await agenda.reminders(await me(req), req.params.orgId) }));

  app.post('/api/reminders', { onRequest: auth, schema: { body: ReminderBody } }, async (req, reply) => {
    const reminder = await agenda.create(await me(req), req.body);
    return reply.code(201).send({ reminder });
  });

  app.patch('/api/reminders/:reminderId', { onRequest: auth, schema: { params: ReminderParams, body: UpdateReminderBody } }, async (req) => ({
    reminder: await agenda.update(await me(req), req.params.reminderId, req.body),
  }));

  app.delete('/api/reminders/:reminderId', { onRequest: auth, schema: { params: ReminderParams } }, async (req) => {
    await agenda.remove(await me(req), req.params.reminderId);
    return { ok: true };
  });

  // The link at the end of every agenda: no login, the key is the proof.
  app.get('/agenda/off/:key', { schema: { params: OffParams } }, async (req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(page(req, 'agenda.offPage.title', `<form method="post"><p>${say(req, 'agenda.offPage.question')}</p><button type="submit" data-testid="agenda-off">${say(req, 'agenda.offPage.button')}</button></form>`)),
  );
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    // The page's form posts an empty urlencoded body: nothing in it is read.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, {}));
    scope.post('/agenda/off/:key', { schema: { params: OffParams } }, async (req, reply) => {
      const done = await agenda.turnOff(req.params.key);
      return reply
        .code(done ? 200 : 404)
        .type('text/html; charset=utf-8')
        .send(
          done
            ? page(req, 'agenda.offPage.doneTitle', `<p data-testid="agenda-off-done">${say(req, 'agenda.offPage.done')}</p>`)
            : page(req, 'agenda.offPage.unknownTitle', `<p>${say(req, 'agenda.offPage.unknown')}</p>`),
        );
    });
  });

  // .ics files travel as the raw body (text/calendar, or anything: browsers
  // label files as they like).
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { bodyLimit: CALENDAR_LIMITS.icsBytes, parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/api/calendars/:calendarId/import', { onRequest: auth, bodyLimit: CALENDAR_LIMITS.icsBytes, schema: { params: CalendarParams } }, async (req) => {
      const userId = await me(req);
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new InvalidIcs('send the .ics file as the request body');
      const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
      const calendarId = req.params.calendarId;
      return { calendarId, ...(await calendar.importIcs(userId, calendarId, text)) };
    });
    /** An attendee's answer (a METHOD:REPLY file, as their mail program sends it), imported by the organizer. */
    scope.post('/api/calendars/:calendarId/replies', { onRequest: auth, bodyLimit: 256 * 1024, schema: { params: CalendarParams } }, async (req) => {
      const userId = await me(req);
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new InvalidIcs('send the reply .ics file as the request body');
      return calendar.importReply(userId, req.params.calendarId, new TextDecoder('utf-8', { fatal: false }).decode(body));
    });
  });

  // An invitation's answer link: no account, the token is the credential (it can only answer for its attendee).
  app.get('/api/rsvp/:token', { schema: { params: RsvpParams } }, async (req) => ({ invitation: await calendar.invitations.peek(req.params.token) }));
  app.post('/api/rsvp/:token', { schema: { params: RsvpParams, body: RsvpBody } }, async (req) => ({ status: await calendar.invitations.answer(req.params.token, req.body.answer) }));

  app.get('/api/calendars/:calendarId/export', { onRequest: auth, schema: { params: CalendarParams } }, async (req, reply) => {
    const { name, text } = await calendar.exportIcs(await me(req), req.params.calendarId);
    const file = `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'calendar'}.ics`;
    return reply.header('content-type', 'text/calendar; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`).send(text);
  });
}
