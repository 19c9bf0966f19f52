// Reminders before events (VALARM): the choices people pick from (for an
// event, and for a calendar's default in CalendarSettings), and the
// reminders of this page: while the calendar is open, each of one's own
// events with a reminder shows a notice when it is due (and a desktop
// notification where the browser allows them; the page never asks for that
// by itself).
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { CalendarView, OccurrenceView } from '@parley/protocol';
import { formatTime } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import type { CalendarApi } from './api.ts';

/** Minutes before the start people choose from (as most calendars offer). */
export const ALARM_CHOICES = [0, 5, 10, 15, 30, 60, 120, 1440] as const;

export function AlarmSelect({ value, onChange, testid }: { value: number | null; onChange: (v: number | null) => void; testid: string }) {
  // A value from a file that is not among the choices is offered as it is.
  const choices = value !== null && !(ALARM_CHOICES as readonly number[]).includes(value) ? [...ALARM_CHOICES, value].sort((a, b) => a - b) : ALARM_CHOICES;
  return (
    <select data-testid={testid} value={value === null ? 'none' : String(value)} onChange={(e) => onChange((e.target as HTMLSelectElement).value === 'none' ? null : Number((e.target as HTMLSelectElement).value))}>
      <option value="none">{t('calendar.alarm.none')}</option>
      {choices.map((m) => (
        <option key={m} value={String(m)}>
          {t('calendar.alarm.before', { minutes: m })}
        </option>
      ))}
    </select>
  );
}

export interface DueReminder {
  key: string;
  title: string;
  startAt: number;
  minutes: number;
}

/** The reminders due on this page, newest last (the page shows them until put away). */
export const dueReminders = signal<DueReminder[]>([]);

const LOOK_AHEAD = 25 * 3600_000;
const RELOAD_EVERY = 5 * 60_000;
const FIRED_KEY = 'parley:fired-reminders';

/**
 * Watches one's own calendars for reminders while the page is open: the
 * next 25 hours are read every 5 minutes and after each change the page
 * makes (`changes`: its occurrences), and each reminder is timed to its
 * minute. One shown (here or in another tab of this browser) is not shown
 * again.
 */
export function useEventReminders(cal: CalendarApi, orgId: string | undefined, calendars: CalendarView[], changes: unknown): void {
  const own = calendars.filter((c) => c.access === 'owner').map((c) => c.id);
  const ownKey = own.join(',');
  useEffect(() => {
    if (!orgId || !own.length) return;
    let timers: ReturnType<typeof setTimeout>[] = [];
    let cancelled = false;
    const fire = (o: OccurrenceView, minutes: number, key: string) => {
      // Read at each reminder: another tab of this browser may have shown it.
      const fired = new Set<string>(JSON.parse(localStorage.getItem(FIRED_KEY) ?? '[]') as string[]);
      if (fired.has(key)) return;
      fired.add(key);
      localStorage.setItem(FIRED_KEY, JSON.stringify([...fired].slice(-200)));
      dueReminders.value = [...dueReminders.value, { key, title: o.title, startAt: o.startAt, minutes }];
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        new Notification(o.title, { body: t('calendar.alarm.due', { time: formatTime(o.startAt), minutes }), tag: key });
      }
    };
    const load = async () => {
      const now = Date.now();
      const list = await cal.occurrences(orgId, now - 60_000, now + LOOK_AHEAD, own).catch(() => [] as OccurrenceView[]);
      if (cancelled) return;
      for (const timer of timers) clearTimeout(timer);
      timers = [];
      for (const o of list) {
        for (const minutes of o.alarms ?? []) {
          const at = o.startAt - minutes * 60_000;
          const key = `${o.eventId}:${o.recurrenceId}:${minutes}`;
          // Due now or later; one whose time passed shows at once until the event starts (an event made a moment before it).
          if (at > now + LOOK_AHEAD || now > o.startAt) continue;
          timers.push(setTimeout(() => fire(o, minutes, key), Math.max(0, at - Date.now())));
        }
      }
    };
    void load();
    const every = setInterval(() => void load(), RELOAD_EVERY);
    return () => {
      cancelled = true;
      clearInterval(every);
      for (const timer of timers) clearTimeout(timer);
    };
  }, [orgId, ownKey, changes]);
}
