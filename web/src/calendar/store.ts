// The calendar screen's state: who we are, the organization shown, its
// calendars (and which are hidden), its meeting rooms, the view and the
// occurrences it shows, and the last notice. Loading follows the state:
// changing the organization reloads its calendars and rooms; changing the
// range, the view or what is hidden reloads the occurrences.
import { batch, computed, effect, signal } from '@preact/signals';
import type { CalendarView, OccurrenceView, OrgView, RoomView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { followChanges } from '../core/changes.ts';
import { signedOut } from '../account/session.ts';
import { errorText } from '../i18n/errors.ts';
import { language } from '../i18n/index.ts';
import { adoptAccountLanguage } from '../prefs/language.ts';
import type { calendarApi } from './api.ts';
import { addDays, AGENDA_DAYS, span, type View } from './dates.ts';

export class CalendarStore {
  readonly orgs = signal<OrgView[] | null>(null);
  readonly meId = signal('');
  readonly orgId = signal<string | null>(null);
  readonly calendars = signal<CalendarView[]>([]);
  readonly hidden = signal<ReadonlySet<string>>(new Set());
  readonly rooms = signal<RoomView[]>([]);
  /** A phone opens on the agenda (seven columns of a week are 40 px wide there), anything wider on the week. */
  readonly view = signal<View>(globalThis.matchMedia?.('(max-width: 700px)').matches ? 'agenda' : 'week');
  readonly anchor = signal(new Date());
  readonly occurrences = signal<OccurrenceView[]>([]);
  readonly notice = signal<string | null>(null);
  /** Bumped to load everything again (after a change made here or heard of). */
  readonly #version = signal(0);
  /** The days the view shows (the week starting where the page's locale starts it). */
  readonly days = computed(() => span(this.view.value, this.anchor.value));
  readonly org = computed(() => this.orgs.value?.find((o) => o.id === this.orgId.value));
  /** The range the view shows, [from, to) in ms, as one string (the same range again asks for nothing). */
  readonly #range = computed(() => `${this.days.value[0]!.getTime()}:${addDays(this.days.value.at(-1)!, 1).getTime()}`);
  /** The ids of the calendars shown, as one string: equal lists are equal, so a reload of the same calendars asks for no occurrences again. */
  readonly #shown = computed(() => this.calendars.value.filter((c) => !this.hidden.value.has(c.id)).map((c) => c.id).join(','));
  /** Calendars one may add events to. */
  readonly writable = computed(() => this.calendars.value.filter((c) => c.access === 'owner' || c.access === 'write'));
  readonly #cal: ReturnType<typeof calendarApi>;
  readonly #stop: (() => void)[] = [];

  constructor(token: string, cal: ReturnType<typeof calendarApi>) {
    this.#cal = cal;
    api.me(token).then(
      (r) => {
        // The page speaks the account's language.
        if (r.user.language !== language.peek()) void adoptAccountLanguage(r.user.language);
        batch(() => {
          this.meId.value = r.user.id;
          this.orgs.value = r.orgs;
          this.orgId.value = r.orgs[0]?.id ?? null;
        });
      },
      (e: unknown) => {
        if ((e as { code?: string }).code === 'UNAUTHORIZED') signedOut();
        else this.notice.value = errorText(e);
      },
    );
    // Each reading's ticket: an older answer arriving after a newer one has been shown (two readings
    // overlap when the stream of changes opens just after the first) is dropped, not shown over it.
    const started = { calendars: 0, occurrences: 0 };
    const shown = { calendars: 0, occurrences: 0 };
    const newest = (kind: 'calendars' | 'occurrences', ticket: number) => ticket >= shown[kind] && ((shown[kind] = ticket), true);
    this.#stop.push(
      // A change made elsewhere (another tab, a colleague, a phone over CalDAV) shows at once.
      followChanges(token, (note) => note.kind !== 'contacts' && this.refresh()),
      effect(() => {
        const orgId = this.orgId.value;
        void this.#version.value;
        if (!orgId) return;
        const ticket = ++started.calendars;
        void cal.calendars(orgId).then((c) => newest('calendars', ticket) && (this.calendars.value = c), (e: unknown) => (this.notice.value = errorText(e)));
        // The rooms come with the calendars (a room is both); their answer is only dropped if older than the calendars shown.
        void cal.rooms(orgId).then((r) => ticket >= shown.calendars && (this.rooms.value = r.rooms), () => ticket >= shown.calendars && (this.rooms.value = []));
      }),
      effect(() => {
        const orgId = this.orgId.value;
        const [from, to] = this.#range.value.split(':').map(Number) as [number, number];
        const shownIds = this.#shown.value ? this.#shown.value.split(',') : [];
        void this.#version.value;
        if (!orgId || !this.calendars.peek().length) return;
        if (!shownIds.length) {
          // Newer than any reading still on its way.
          shown.occurrences = ++started.occurrences;
          this.occurrences.value = [];
          return;
        }
        const ticket = ++started.occurrences;
        void cal.occurrences(orgId, from, to, shownIds).then((o) => newest('occurrences', ticket) && (this.occurrences.value = o), (e: unknown) => (this.notice.value = errorText(e)));
      }),
    );
  }

  /** Loads calendars, rooms and occurrences again (after a change). */
  refresh(): void {
    this.#version.value += 1;
  }

  toggleHidden(calendarId: string, hide: boolean): void {
    const next = new Set(this.hidden.value);
    if (hide) next.add(calendarId);
    else next.delete(calendarId);
    this.hidden.value = next;
  }

  /** One view's length back (-1) or forward (1). */
  step(n: number): void {
    const a = this.anchor.value;
    const view = this.view.value;
    this.anchor.value = view === 'day' ? addDays(a, n) : view === 'week' ? addDays(a, 7 * n) : view === 'agenda' ? addDays(a, AGENDA_DAYS * n) : new Date(a.getFullYear(), a.getMonth() + n, 1);
  }

  async createCalendar(name: string): Promise<void> {
    const orgId = this.orgId.value;
    if (!orgId) return;
    await this.#cal.createCalendar(orgId, name).catch((e: unknown) => (this.notice.value = errorText(e)));
    this.refresh();
  }

  /** Stops loading (the screen is gone). */
  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }
}
