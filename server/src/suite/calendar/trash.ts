// The calendar's trash: a deleted event can be restored for 30 days, as
// kSuite's calendar allows. Deleting moves the event and its changed
// occurrences out of `events` (trash-store.ts); restoring puts them back,
// with their meeting link and room, if the room is still free at that time
// (or allows overlaps). Whoever may write to the calendar sees its trash,
// restores and deletes for good; after 30 days the event is gone.
import { CALENDAR_LIMITS, DomainError, type TrashedEventView } from '@parley/protocol';
import { newId } from '../../lib/ids.ts';
import { EventNotFound } from './errors.ts';
import { calendarWork, timingOf } from './occurrences.ts';
import { roleIn, type MeetingRooms } from './rooms.ts';
import type { CalendarRow, CalendarStore } from './store.ts';
import type { TrashStore } from './trash-store.ts';

import { DAY_MS } from '../../lib/time.ts';

const KEPT_MS = CALENDAR_LIMITS.trashDays * DAY_MS;

export interface TrashDeps {
  /** The calendar, if `userId` may write to it (CALENDAR_NOT_FOUND / FORBIDDEN otherwise). */
  writable: (calendarId: string, userId: string, store: CalendarStore) => Promise<CalendarRow>;
  rooms: MeetingRooms;
  /** Back from the trash, inside the restoring transaction: its attendees, told it was cancelled, are invited again. */
  restored: (store: CalendarStore, eventId: string, userId: string) => Promise<void>;
}

export class EventTrash {
  readonly #store: CalendarStore;
  readonly #trash: TrashStore;
  readonly #deps: TrashDeps;

  constructor(store: CalendarStore, trash: TrashStore, deps: TrashDeps) {
    this.#store = store;
    this.#trash = trash;
    this.#deps = deps;
  }

  /** Moves an event to the trash, inside the deleting transaction (access checked by the caller). */
  async put(store: CalendarStore, eventId: string, userId: string): Promise<void> {
    const trash = this.#trash.within(store.sql);
    const now = Date.now();
    await trash.put(eventId, userId, now);
    // What is older than the trash keeps goes at each delete (and each look at the trash): no timer needed for it.
    await trash.purge(now - KEPT_MS);
  }

  /** The trash of the calendars `userId` may write to in the organization, newest first. */
  async list(userId: string, orgId: string): Promise<TrashedEventView[]> {
    await roleIn(this.#store, orgId, userId);
    const now = Date.now();
    await this.#trash.purge(now - KEPT_MS);
    const mine = (await this.#store.calendarsOf(orgId, userId, false)).filter((c) => c.owner_id === userId || c.share === 'write').map((c) => c.id);
    if (!mine.length) return [];
    const rows = await this.#trash.list(mine, now - KEPT_MS, CALENDAR_LIMITS.trashItems);
    return rows.map((r) => ({
      id: r.id,
      calendarId: r.calendar_id,
      title: r.title,
      startAt: r.start_at,
      recurring: r.rrule !== null,
      deletedAt: r.deleted_at,
      deletedBy: r.deleted_by_name,
      purgeAt: r.deleted_at + KEPT_MS,
    }));
  }

  /**
   * Puts a deleted event back. Its UID stays unless an event of that UID
   * was made meanwhile (an import): then it gets a new one. Its room is
   * booked again, or the restore is refused (ROOM_BUSY) and nothing changes.
   */
  async restore(userId: string, eventId: string): Promise<string> {
    return calendarWork('this event’s recurrence', (work) =>
      this.#store.tx(async (store) => {
        const trash = this.#trash.within(store.sql);
        const row = await trash.lock(eventId);
        if (!row || row.deleted_at < Date.now() - KEPT_MS) throw new EventNotFound('no such event in the trash');
        const cal = await this.#calendar(row.calendar_id, userId, store);
        const uid = (await trash.uidTaken(row.calendar_id, row.uid)) ? `${newId()}@parley` : row.uid;
        await trash.restore(eventId, uid, Date.now());
        // Its room as restored (none if the room was deleted meanwhile), booked again.
        const event = (await store.event(eventId))!;
        if (event.room_id) await this.#deps.rooms.book(store, userId, cal.org_id, event.room_id, eventId, timingOf(event), work);
        await this.#deps.restored(store, eventId, userId);
        return eventId;
      }),
    );
  }

  /** Deletes a trashed event for good. */
  async drop(userId: string, eventId: string): Promise<void> {
    await this.#store.tx(async (store) => {
      const trash = this.#trash.within(store.sql);
      const row = await trash.lock(eventId);
      if (!row) throw new EventNotFound('no such event in the trash');
      await this.#calendar(row.calendar_id, userId, store);
      await trash.drop(eventId);
    });
  }

  /** The trashed event's calendar, writable by `userId`; someone who cannot see it learns nothing of the event. */
  async #calendar(calendarId: string, userId: string, store: CalendarStore): Promise<CalendarRow> {
    try {
      return await this.#deps.writable(calendarId, userId, store);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CALENDAR_NOT_FOUND') throw new EventNotFound('no such event in the trash');
      throw error;
    }
  }
}

