// Daily agendas: a person asks for the day's events of one calendar, each
// morning or the evening before, at a time of their own zone, on chosen
// weekdays; Euria sends it in a direct message and/or it goes to the mail
// outbox. It ends with a link that turns the reminder off.
//
// Scheduling is a BullMQ job scheduler that runs `tick(now)` every minute
// (agenda-queue.ts); a tick sends what is due at `now`. Due-ness is computed
// on wall-clock time in the reminder's zone (a 07:30 reminder is sent at
// 07:30 in summer and in winter; one at 02:30 on the night clocks skip it is
// sent at 03:30, and on the night 02:30 happens twice, once). A tick that
// comes late (a server restarting) still sends what fell due in the last
// hours.
//
// Exactly once per reminder and day, whatever the number of nodes running
// ticks at once, retries or restarts: Euria's job has an id of its own and
// its message a fixed clientId (each a no-op the second time), the mail
// outbox row a unique key, and the delivery row, written last in the same
// transaction as the mail, stops later ticks from doing it again.
import crypto from 'node:crypto';
import { translate } from '@parley/i18n/node';
import { DomainError, type AgendaJob, type Language, type OccurrenceView, type ReminderBody, type ReminderView, type UpdateReminderBody } from '@parley/protocol';
import { newId } from '../../lib/ids.ts';
import type { AgendaStore, DueReminder, ReminderRow } from './agenda-store.ts';
import type { Calendar } from './Calendar.ts';
import { DAY_MS, formatWall, isTimeZone, parseWall, toUtc, toWall, weekday } from '../../lib/time.ts';
import { queueMail } from '../mail/outbox.ts';
import { InvalidRequest, InvalidTime, NotFound } from '../../lib/errors.ts';
import { CalendarNotFound } from './errors.ts';

/** A tick this late after a reminder's time still sends it (a restart, a queue that was down). */
export const CATCH_UP_MS = 6 * 3_600_000;

const view = (r: ReminderRow): ReminderView => ({
  id: r.id,
  orgId: r.org_id,
  calendarId: r.calendar_id,
  chat: r.by_chat,
  mail: r.by_mail,
  time: r.send_time,
  day: r.send_day,
  weekdays: r.weekdays,
  includeRecurring: r.include_recurring,
  timeZone: r.time_zone,
  enabled: r.enabled,
});

type ReminderRule = { sendTime: string; sendDay: 'morning' | 'evening'; weekdays: number[]; timeZone: string };

/**
 * The send instant of each chosen agenda day from `fromDay` to `toDay`
 * days after the wall day holding `now` (an evening reminder's is the day
 * before its agenda day), with that day.
 */
function* sendTimes(r: ReminderRule, now: number, fromDay: number, toDay: number): Generator<{ day: number; sendAt: number }> {
  const [h, m] = r.sendTime.split(':').map(Number) as [number, number];
  const today = Math.floor(toWall(now, r.timeZone) / DAY_MS) * DAY_MS;
  for (let day = today + fromDay * DAY_MS; day <= today + toDay * DAY_MS; day += DAY_MS) {
    if (!r.weekdays.includes(weekday(day))) continue;
    yield { day, sendAt: toUtc(day - (r.sendDay === 'evening' ? DAY_MS : 0) + (h * 60 + m) * 60_000, r.timeZone) };
  }
}

/**
 * The agenda day a reminder is due for at `now`: the latest day whose send
 * time (in the reminder's zone) has passed, less than CATCH_UP_MS ago, and
 * whose weekday is chosen. Null when nothing is due.
 */
export function dueDay(r: ReminderRule, now: number): { day: string; sendAt: number } | null {
  let best: { day: string; sendAt: number } | null = null;
  for (const { day, sendAt } of sendTimes(r, now, -1, 1)) {
    if (sendAt <= now && now - sendAt < CATCH_UP_MS) best = { day: formatWall(day, true), sendAt };
  }
  return best;
}

/**
 * The first send time after `now` of any agenda day the reminder covers:
 * when a tick next has something to do for it. Null if it covers no day.
 */
export function nextSendAt(r: ReminderRule, now: number): number | null {
  let next: number | null = null;
  // An evening reminder's send time is the day before its agenda day: look a day further than a week.
  for (const { sendAt } of sendTimes(r, now, -1, 8)) {
    if (sendAt > now && (next === null || sendAt < next)) next = sendAt;
  }
  return next;
}

/** The agenda as plain text (chat renders its links; mail sends it as is). */
export function renderAgenda(a: { language: Language; timeZone: string; day: string; occurrences: OccurrenceView[]; roomNames: Map<string, string>; offUrl: string }): { subject: string; text: string } {
  const say = (key: 'agenda.title' | 'agenda.none' | 'agenda.allDay' | 'agenda.subject', day?: string) => translate(a.language, key, day ? { day } : undefined);
  const dayWall = parseWall(a.day)!;
  // The wall date printed as if in UTC is the date itself, in the person's language.
  const date = new Intl.DateTimeFormat(a.language, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(dayWall));
  // 24-hour times in every language: the server knows the person's language, not their region, and Parley's people (Swiss) read 14:00.
  const hm = (utc: number) => formatWall(toWall(utc, a.timeZone)).slice(11, 16);
  const lines = [say('agenda.title', date)];
  if (!a.occurrences.length) lines.push(say('agenda.none'));
  for (const o of a.occurrences) {
    const when = o.allDay ? say('agenda.allDay') : `${o.startAt < toUtc(dayWall, a.timeZone) ? '…' : hm(o.startAt)}–${o.endAt > toUtc(dayWall + DAY_MS, a.timeZone) ? '…' : hm(o.endAt)}`;
    const where = [o.roomId ? a.roomNames.get(o.roomId) : undefined, o.location || undefined].filter(Boolean).join(', ');
    lines.push(`• ${when} ${o.title}${where ? ` (${where})` : ''}${o.meetingUrl ? ` ${o.meetingUrl}` : ''}`);
  }
  lines.push('', translate(a.language, 'agenda.off', { url: a.offUrl }));
  return { subject: say('agenda.subject', date), text: lines.join('\n') };
}

export interface AgendaDeps {
  store: AgendaStore;
  calendar: Calendar;
  /** Keys the turn-off links. */
  secret: string;
  publicUrl: () => string;
  /** Euria's queue; without it (no Redis) agendas go by mail only. */
  bots?: { addAgenda(job: AgendaJob): Promise<void> } | undefined;
}

export class Agenda {
  readonly #d: AgendaDeps;

  constructor(deps: AgendaDeps) {
    this.#d = deps;
  }

  async reminders(userId: string, orgId: string): Promise<ReminderView[]> {
    return (await this.#d.store.reminders(userId, orgId)).map(view);
  }

  async #visible(userId: string, orgId: string, calendarId: string): Promise<void> {
    const calendars = await this.#d.calendar.calendars(userId, orgId);
    if (!calendars.some((c) => c.id === calendarId)) throw new CalendarNotFound('no such calendar');
  }

  async create(userId: string, p: ReminderBody): Promise<ReminderView> {
    await this.#visible(userId, p.orgId, p.calendarId);
    if (!p.chat && !p.mail) throw new InvalidRequest('choose chat, mail or both');
    const zone = p.timeZone ?? (await this.#d.store.userTimeZone(userId))!;
    if (!isTimeZone(zone)) throw new InvalidTime(`unknown time zone "${zone}"`);
    const id = newId();
    const row: ReminderRow = {
      id,
      user_id: userId,
      org_id: p.orgId,
      calendar_id: p.calendarId,
      by_chat: p.chat,
      by_mail: p.mail,
      send_time: p.time,
      send_day: p.day,
      weekdays: [...p.weekdays].sort(),
      include_recurring: p.includeRecurring,
      time_zone: zone,
      enabled: true,
    };
    await this.#d.store.insert(row, Date.now());
    return view(row);
  }

  async #own(userId: string, id: string): Promise<ReminderRow> {
    const row = await this.#d.store.reminder(id, userId);
    if (!row) throw new NotFound('no such reminder');
    return row;
  }

  async update(userId: string, id: string, p: UpdateReminderBody): Promise<ReminderView> {
    const r = await this.#own(userId, id);
    if (p.orgId && p.orgId !== r.org_id) throw new InvalidRequest('a reminder stays in its organization');
    if (p.calendarId) await this.#visible(userId, r.org_id, p.calendarId);
    if (p.timeZone && !isTimeZone(p.timeZone)) throw new InvalidTime(`unknown time zone "${p.timeZone}"`);
    const next = {
      calendar_id: p.calendarId ?? r.calendar_id,
      by_chat: p.chat ?? r.by_chat,
      by_mail: p.mail ?? r.by_mail,
      send_time: p.time ?? r.send_time,
      send_day: p.day ?? r.send_day,
      weekdays: p.weekdays ? [...p.weekdays].sort() : r.weekdays,
      include_recurring: p.includeRecurring ?? r.include_recurring,
      time_zone: p.timeZone ?? r.time_zone,
      enabled: p.enabled ?? r.enabled,
    };
    if (!next.by_chat && !next.by_mail) throw new InvalidRequest('choose chat, mail or both');
    await this.#d.store.update(id, next);
    return view({ ...r, ...next });
  }

  async remove(userId: string, id: string): Promise<void> {
    await this.#own(userId, id);
    await this.#d.store.remove(id);
  }

  /** The secret part of a reminder's turn-off link: whoever has the agenda may turn it off, nobody may guess another's. */
  offKey(reminderId: string): string {
    return `${reminderId}.${crypto.createHmac('sha256', this.#d.secret).update(`agenda-off\n${reminderId}`).digest('base64url').slice(0, 32)}`;
  }

  offUrl(reminderId: string): string {
    return `${this.#d.publicUrl()}/agenda/off/${this.offKey(reminderId)}`;
  }

  /** Turns a reminder off from its link; false for a forged or unknown key. */
  async turnOff(key: string): Promise<boolean> {
    const id = key.split('.')[0] ?? '';
    const expected = this.offKey(id);
    if (key.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(key), Buffer.from(expected))) return false;
    return this.#d.store.disable(id);
  }

  /**
   * Sends every agenda due at `now`; returns how many this call delivered.
   * Only reminders whose next send time has come are read (or that have
   * none worked out yet); each gets its next one once handled. A delivery
   * that fails leaves it due, for the next tick to try again.
   */
  async tick(now = Date.now()): Promise<number> {
    let sent = 0;
    for (const r of await this.#d.store.due(now)) {
      const rule = { sendTime: r.send_time, sendDay: r.send_day, weekdays: r.weekdays, timeZone: r.time_zone };
      const due = dueDay(rule, now);
      if (due) {
        if (!(await this.#d.store.delivered(r.id, due.day)) && (await this.#deliver(r, due.day, now))) sent++;
      }
      // A reminder covering no day is looked at again in a week (it can only be changed, which resets this).
      await this.#d.store.setNextSendAt(r.id, nextSendAt(rule, now) ?? now + 7 * DAY_MS);
    }
    return sent;
  }

  async #deliver(r: DueReminder, day: string, now: number): Promise<boolean> {
    const dayWall = parseWall(day)!;
    let occurrences: OccurrenceView[];
    let roomNames: Map<string, string>;
    try {
      occurrences = await this.#d.calendar.occurrences(r.user_id, r.org_id, toUtc(dayWall, r.time_zone), toUtc(dayWall + DAY_MS, r.time_zone), [r.calendar_id]);
      roomNames = new Map((await this.#d.calendar.rooms.list(r.user_id, r.org_id)).map((room) => [room.id, room.name]));
    } catch (error) {
      // The person left the organization, or lost the calendar: nothing to send them any more.
      if (error instanceof DomainError && (error.code === 'CALENDAR_NOT_FOUND' || error.code === 'ORG_NOT_FOUND')) {
        await this.#d.store.disable(r.id);
        return false;
      }
      throw error;
    }
    if (!r.include_recurring) occurrences = occurrences.filter((o) => !o.recurring);
    // Meeting links go out as they are: whoever organizes the meeting (or was
    // named) opens it as moderator by their account, signed in. No link in
    // an agenda, a mail or a chat carries a moderator secret.
    const { subject, text } = renderAgenda({ language: r.language, timeZone: r.time_zone, day, occurrences, roomNames, offUrl: this.offUrl(r.id) });
    // Euria's job first: if what follows fails, the next tick queues it
    // again under the same id (a no-op) and writes the rest.
    if (r.by_chat && this.#d.bots) await this.#d.bots.addAgenda({ orgId: r.org_id, userId: r.user_id, reminderId: r.id, day, text });
    return this.#d.store.tx(async (store) => {
      if (r.by_mail) await queueMail(store.sql, { dedupeKey: `agenda:${r.id}:${day}`, userId: r.user_id, to: r.email, subject, text }, now);
      return store.recordDelivery(r.id, day, now);
    });
  }
}
