// Event search: events of the calendars one can read whose title,
// description, place or attendees hold every word typed, accents and case
// aside (the same folding as chat's search, parley_fold in SQL). Upcoming
// events first (soonest first), then past ones (latest first).
import { CALENDAR_LIMITS, type EventView } from '@parley/protocol';
import { roleIn } from './rooms.ts';
import type { CalendarStore } from './store.ts';
import { eventView } from './views.ts';

/** At most this many words count; shorter ones than 2 characters are left out (they match everything). */
const MAX_WORDS = 8;

export class EventSearch {
  readonly #store: CalendarStore;

  constructor(store: CalendarStore) {
    this.#store = store;
  }

  async find(userId: string, orgId: string, query: string): Promise<EventView[]> {
    const role = await roleIn(this.#store, orgId, userId);
    const words = [...new Set(query.normalize('NFC').split(/\s+/u).filter((w) => [...w].length >= 2))].slice(0, MAX_WORDS);
    if (!words.length) return [];
    const calendars = (await this.#store.calendarsOf(orgId, userId, role !== 'external')).map((c) => c.id);
    if (!calendars.length) return [];
    // LIKE's own characters are taken literally.
    const patterns = words.map((w) => w.replace(/[\\%_]/g, (c) => `\\${c}`));
    const rows = await this.#store.searchEvents(calendars, patterns, Date.now(), CALENDAR_LIMITS.searchResults);
    return rows.map((r) => eventView(r, userId));
  }
}
