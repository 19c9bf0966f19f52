// Invitations to events: each attendee gets a mail (through the outbox) with
// the event as an iCalendar request (METHOD:REQUEST: mail programs show it
// with Accept and Decline), the meeting's link when the event has one (a
// participant's link: the organizer alone moderates by account), and a link
// to answer without an account. Answers come back by that link or by the
// organizer importing the attendee's reply file (METHOD:REPLY). A change of
// the event's time, title or place is mailed again to everyone invited. An
// attendee taken off the event, or everyone invited when the event is
// deleted, is mailed a cancellation (METHOD:CANCEL: mail programs take it
// out of their calendars); an event restored from the trash is mailed again.
//
// Answer links carry a random token, stored hashed; it names one attendee
// of one event and can do nothing else than answer for them.
import crypto from 'node:crypto';
import { translate } from '@parley/i18n/node';
import type { AttendeeStatus, Language, RsvpView } from '@parley/protocol';
import { sha256 } from '../../lib/ids.ts';
import { RateLimited } from '../../lib/errors.ts';
import { queueMail } from '../mail/outbox.ts';
import { EventNotFound, InvalidIcs } from './errors.ts';
import { icsTimes } from './export.ts';
import { IcsError, parseIcs, writeIcs } from './ics.ts';
import type { InvitationStore } from './invitation-store.ts';
import type { CalendarRow, CalendarStore, EventRow } from './store.ts';

const PARTSTAT: Record<string, AttendeeStatus> = { ACCEPTED: 'accepted', DECLINED: 'declined', TENTATIVE: 'tentative', 'NEEDS-ACTION': 'needs-action' };

export interface InvitationDeps {
  /** The answer link of a token, on the server's fixed address (never a request's Host). */
  link: (token: string) => string;
  /** Whether `userId` may have `count` more invitations mailed now (a bound on mail sent on anyone's word). */
  mayMail?: (userId: string, count: number) => Promise<boolean>;
}

export class EventInvitations {
  readonly #store: CalendarStore;
  readonly #invites: InvitationStore;
  readonly #deps: InvitationDeps;

  constructor(store: CalendarStore, invites: InvitationStore, deps: InvitationDeps) {
    this.#store = store;
    this.#invites = invites;
    this.#deps = deps;
  }

  /**
   * After an event was saved (in its transaction): invites the attendees
   * not invited yet, forgets those removed, and when `changed` (time, title,
   * place) mails the others again with a fresh link.
   */
  async sync(store: CalendarStore, eventId: string, changed: boolean, actorId: string): Promise<void> {
    const invites = this.#invites.within(store.sql);
    const event = (await store.event(eventId))!;
    const emails = [...new Set(event.attendees.map((a) => a.toLowerCase()))];
    const organizer = event.organizer_id ? await store.memberProfile(event.organizer_id) : undefined;
    // Those taken off hear that it is off for them. (Not bounded as new mail
    // is: each of them was mailed the invitation under that bound.)
    for (const email of await invites.keepOnly(eventId, emails)) await this.#cancelled(store, event, email, organizer);
    if (!emails.length) return;
    // The organizer does not invite themself.
    const known = new Set((await invites.of(eventId)).map((r) => r.email));
    const mailed = emails.filter((e) => e !== organizer?.email.toLowerCase() && (changed || !known.has(e)));
    if (!mailed.length) return;
    // Mail on anyone's word is bounded: refused, the save is undone.
    if (this.#deps.mayMail && !(await this.#deps.mayMail(actorId, mailed.length))) {
      throw new RateLimited('Too many invitations mailed just now: wait a few minutes, then save again.');
    }
    const now = Date.now();
    for (const email of mailed) {
      const token = crypto.randomBytes(24).toString('base64url');
      if (!(await invites.add(eventId, email, sha256(token), now))) await invites.renew(eventId, email, sha256(token));
      await this.#mail(store, event, email, token, organizer, now);
    }
  }

  /** The event is being deleted (inside that transaction): everyone invited hears that it is off. */
  async cancelAll(store: CalendarStore, eventId: string): Promise<void> {
    const event = await store.event(eventId);
    if (!event) return;
    const invited = await this.#invites.within(store.sql).of(eventId);
    if (!invited.length) return;
    const organizer = event.organizer_id ? await store.memberProfile(event.organizer_id) : undefined;
    for (const { email } of invited) await this.#cancelled(store, event, email, organizer);
  }

  /** A whole calendar is being deleted (inside that transaction): everyone invited to its events hears they are off. */
  async cancelCalendar(store: CalendarStore, calendarId: string): Promise<void> {
    for (const eventId of await this.#invites.within(store.sql).invitedEventsOf(calendarId)) await this.cancelAll(store, eventId);
  }

  /** Restored from the trash (its invitations with it): everyone invited is mailed again, with a new link (the cancellation came in between). */
  async restored(store: CalendarStore, eventId: string, actorId: string): Promise<void> {
    await this.sync(store, eventId, true, actorId);
  }

  async #cancelled(store: CalendarStore, e: EventRow, email: string, organizer: { name: string; email: string; language: Language } | undefined): Promise<void> {
    const now = Date.now();
    // An event that is over (a single one) is cancelled for no one: no mail.
    if (!e.rrule && e.end_at < now) return;
    const lang = organizer?.language ?? 'en';
    const when = whenText(e, lang);
    const ics = writeIcs(e.title, [{ ...icsOf(e, email, organizer), sequence: revision(now) }], now, 'CANCEL');
    await queueMail(store.sql, {
      dedupeKey: `event-cancel:${e.id}:${email}:${now}`,
      userId: null,
      to: email,
      subject: translate(lang, 'mail.event.cancelledSubject', { title: e.title, when }),
      text: translate(lang, 'mail.event.cancelledBody', { organizer: organizer?.name ?? '…', title: e.title, when, place: e.location || '-' }),
      ics,
    });
  }

  async #mail(store: CalendarStore, e: EventRow, email: string, token: string, organizer: { name: string; email: string; language: Language } | undefined, now: number): Promise<void> {
    // In the organizer's language: the attendee may have no account (and so no language) here.
    const lang = organizer?.language ?? 'en';
    const when = whenText(e, lang);
    const ics = writeIcs(e.title, [{ ...icsOf(e, email, organizer), sequence: revision(now) }], now, 'REQUEST');
    await queueMail(store.sql, {
      dedupeKey: `event-invite:${e.id}:${email}:${now}`,
      userId: null,
      to: email,
      subject: translate(lang, 'mail.event.subject', { title: e.title, when }),
      text: translate(lang, 'mail.event.body', {
        organizer: organizer?.name ?? '…',
        title: e.title,
        when,
        place: e.location || '-',
        meeting: e.meeting_url ?? '-',
        link: this.#deps.link(token),
      }),
      ics,
    });
  }

  /** What an answer link shows; EVENT_NOT_FOUND for a link that names nothing (any more). */
  async peek(token: string): Promise<RsvpView> {
    const inv = await this.#invites.byToken(sha256(token));
    const e = inv && (await this.#store.event(inv.event_id));
    if (!inv || !e) throw new EventNotFound('this invitation link is unknown, or its event was deleted');
    const organizer = e.organizer_id ? await this.#store.memberProfile(e.organizer_id) : undefined;
    return { title: e.title, organizer: organizer?.name ?? '', timeZone: e.time_zone, allDay: e.all_day, start: e.start_local, end: e.end_local, rrule: e.rrule, location: e.location, meetingUrl: e.meeting_url, email: inv.email, status: inv.status };
  }

  /** An attendee answers by their link. */
  async answer(token: string, status: Exclude<AttendeeStatus, 'needs-action'>): Promise<AttendeeStatus> {
    const inv = await this.#invites.byToken(sha256(token));
    if (!inv || !(await this.#invites.answer(inv.event_id, inv.email, status, Date.now()))) throw new EventNotFound('this invitation link is unknown, or its event was deleted');
    return status;
  }

  /**
   * The organizer (or another writer of the calendar) imports an attendee's
   * reply file: each answer it holds, for an event of this calendar (by
   * UID) and an address invited to it, is taken; others are counted out.
   */
  async importReply(store: CalendarStore, cal: CalendarRow, text: string, zone: string): Promise<{ answered: number; ignored: number }> {
    if (!/^METHOD:REPLY\r?$/im.test(text)) throw new InvalidIcs('this file is not an answer to an invitation (no METHOD:REPLY)');
    let events;
    try {
      events = await parseIcs(text, zone, { maxEvents: 100 });
    } catch (error) {
      if (error instanceof IcsError) throw new InvalidIcs(error.message);
      throw error;
    }
    const invites = this.#invites.within(store.sql);
    let answered = 0;
    let ignored = 0;
    for (const e of events) {
      const event = await store.eventByUid(cal.id, e.uid);
      for (const [email, partstat] of Object.entries(e.partstats)) {
        const status = PARTSTAT[partstat];
        if (event && status && (await invites.answer(event.id, email, status, Date.now()))) answered += 1;
        else ignored += 1;
      }
    }
    return { answered, ignored };
  }

  /** The answers of one event's attendees, by address. */
  async statuses(eventId: string): Promise<Record<string, AttendeeStatus>> {
    return Object.fromEntries((await this.#invites.of(eventId)).map((r) => [r.email, r.status]));
  }
}

/** The event as an invitation (or its cancellation) names it, for one attendee. */
const icsOf = (e: EventRow, email: string, organizer: { name: string; email: string } | undefined) => ({
  ...icsTimes(e),
  title: e.title,
  description: e.description,
  location: e.location,
  attendees: [email],
  url: e.meeting_url,
  organizer: organizer && { name: organizer.name, email: organizer.email },
  overrides: [],
});

/** An invitation's SEQUENCE: seconds since 2023, so that each mailing of an event outranks the one before (until 2091 in 31 bits). */
const revision = (now: number) => Math.floor(now / 1000) - 1_672_531_200;

/** When an event is, in its own zone and the organizer's words: "Tuesday, 4 May 2027, 10:00 – 11:00 (Europe/Zurich)". */
function whenText(e: EventRow, lang: Language): string {
  if (e.all_day) return new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeZone: 'UTC' }).format(Date.parse(`${e.start_local.slice(0, 10)}T00:00Z`));
  const f = new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short', timeZone: e.time_zone });
  const end = new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone: e.time_zone });
  return `${f.format(e.start_at)} – ${end.format(e.end_at)} (${e.time_zone})`;
}
