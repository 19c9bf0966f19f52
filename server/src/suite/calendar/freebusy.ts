// Free/busy for scheduling: when the people one invites and the room one
// books are taken, never what takes them (as CalDAV's free-busy reports).
// A member is busy during the events of their own calendars and those that
// name them as attendee (unless they declined); a room, during its bookings. The asker is always
// listed first. Members of the
// organization ask (guests do not: they see no one's time), for people of
// the same organization, over at most 31 days.
import { CALENDAR_LIMITS, type BusyInterval, type FreeBusyView } from '@parley/protocol';
import { Forbidden } from '../../lib/errors.ts';
import type { Work } from '../../lib/work.ts';
import { calendarWork, invalidTime, occurrencesOf } from './occurrences.ts';
import { roleIn } from './rooms.ts';
import type { CalendarStore, EventRow } from './store.ts';
import { MeetingRoomNotFound } from './errors.ts';

import { DAY_MS } from '../../lib/time.ts';


/** Sorted, overlapping and touching intervals made one. */
export function merge(intervals: BusyInterval[]): BusyInterval[] {
  const out: BusyInterval[] = [];
  for (const i of [...intervals].sort((a, b) => a.startAt - b.startAt)) {
    const last = out.at(-1);
    if (last && i.startAt <= last.endAt) last.endAt = Math.max(last.endAt, i.endAt);
    else out.push({ ...i });
  }
  return out;
}

export class FreeBusy {
  readonly #store: CalendarStore;

  constructor(store: CalendarStore) {
    this.#store = store;
  }

  async busy(userId: string, orgId: string, q: { from: number; to: number; emails: string[]; roomIds: string[]; exclude?: string }): Promise<FreeBusyView> {
    return calendarWork('this free/busy range', (work) => this.#busy(userId, orgId, q, work));
  }

  async #busy(userId: string, orgId: string, q: { from: number; to: number; emails: string[]; roomIds: string[]; exclude?: string }, work: Work): Promise<FreeBusyView> {
    if ((await roleIn(this.#store, orgId, userId)) === 'external') throw new Forbidden('guests do not see when others are free');
    if (q.to <= q.from) throw invalidTime('the range ends before it starts');
    if (q.to - q.from > CALENDAR_LIMITS.freeBusyDays * DAY_MS) throw invalidTime(`a free/busy range is at most ${CALENDAR_LIMITS.freeBusyDays} days`);
    const emails = [...new Set(q.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))].slice(0, CALENDAR_LIMITS.attendees);
    // The one who asks is always among them: they organize what is being scheduled.
    const asker = await this.#store.memberById(orgId, userId);
    const found = emails.length ? await this.#store.membersByEmail(orgId, emails) : [];
    const members = [...(asker ? [asker] : []), ...found.filter((m) => m.id !== userId)];
    const people = new Map(members.map((m) => [m.id, { email: m.email, name: m.name, busy: [] as BusyInterval[] }]));
    const byEmail = new Map(members.map((m) => [m.email, m.id]));
    if (members.length) {
      const rows = (await this.#store.busyEvents(orgId, members.map((m) => m.id), members.map((m) => m.email), q.from, q.to)).filter((r) => r.id !== q.exclude);
      const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
      for (const row of rows) {
        const taken = await this.#taken(row, overrides.get(row.id) ?? [], q, work);
        const who = new Set<string>();
        if (row.owner_id && people.has(row.owner_id)) who.add(row.owner_id);
        // An attendee who declined is free then (the organizer is busy in any case).
        const declined = new Set(row.declined);
        for (const a of row.attendees) {
          const id = byEmail.get(a.toLowerCase());
          if (id && !declined.has(a.toLowerCase())) who.add(id);
        }
        for (const id of who) people.get(id)!.busy.push(...taken);
      }
    }
    const roomIds = [...new Set(q.roomIds)].slice(0, 20);
    const rooms: FreeBusyView['rooms'] = [];
    if (roomIds.length) {
      const known = (await this.#store.roomsOf(orgId)).filter((r) => roomIds.includes(r.id));
      if (known.length !== roomIds.length) throw new MeetingRoomNotFound('no such meeting room');
      const rows = (await this.#store.bookingsInRange(roomIds, q.from, q.to)).filter((r) => r.id !== q.exclude);
      const overrides = await this.#store.overridesOf(rows.map((r) => r.id));
      for (const room of known) {
        const busy: BusyInterval[] = [];
        for (const row of rows.filter((r) => r.room_id === room.id)) busy.push(...(await this.#taken(row, overrides.get(row.id) ?? [], q, work)));
        rooms.push({ roomId: room.id, name: room.name, busy: merge(busy) });
      }
    }
    return {
      people: [...people.values()].map((p) => ({ ...p, busy: merge(p.busy) })),
      rooms,
      unknown: emails.filter((e) => !byEmail.has(e)),
    };
  }

  /** The event's occurrences in the range, as bare intervals (cut to the range). */
  async #taken(row: EventRow, overrides: Parameters<typeof occurrencesOf>[1], q: { from: number; to: number }, work: Work): Promise<BusyInterval[]> {
    const occ = await occurrencesOf(row, overrides, q.from, q.to, work);
    return occ.filter((o) => !o.allDay).map((o) => ({ startAt: Math.max(o.startAt, q.from), endAt: Math.min(o.endAt, q.to) }));
  }
}
