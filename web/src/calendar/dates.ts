// Dates and times of the calendar screens, in this browser's zone. Weeks
// start on the day the page's locale starts them (Monday where it cannot say).

import { locale } from '../i18n/index.ts';
import { formatWith } from '../i18n/format.ts';

export type View = 'day' | 'week' | 'month' | 'agenda';
/** The agenda lists this many days from its first (two weeks: what a phone shows instead of a week's grid). */
export const AGENDA_DAYS = 14;
export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
export const HOUR_PX = 40;
/** The hour the day and week grids open at (scrolled to the top), as the working day starts. */
export const WORKDAY_START_HOUR = 7;
/** Weekdays as RRULE names them, Monday first (the order the editor writes BYDAY in). */
export const RRULE_DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

export const pad = (n: number) => String(n).padStart(2, '0');
export const day0 = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
export const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
export const dateText = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const localText = (d: Date) => `${dateText(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** RRULE's name of a weekday given as Date.getDay() gives it (0 Sunday). */
export const rruleDay = (jsDay: number) => RRULE_DAYS[(jsDay + 6) % 7]!;
/** Date.getDay()'s number (0 Sunday) of an RRULE weekday, -1 if it is none. */
export const jsDayOf = (code: string) => {
  const i = RRULE_DAYS.indexOf(code);
  return i < 0 ? -1 : (i + 1) % 7;
};

type WeekInfo = { firstDay?: number };
/** The first day of the week in the page's locale, as Date.getDay() numbers it (0 Sunday); Monday where the browser cannot tell. */
export function weekStart(): number {
  try {
    const loc = new Intl.Locale(locale.value) as Intl.Locale & { getWeekInfo?: () => WeekInfo; weekInfo?: WeekInfo };
    const first = (loc.getWeekInfo?.() ?? loc.weekInfo)?.firstDay;
    // Intl numbers them 1 Monday ... 7 Sunday.
    return typeof first === 'number' && first >= 1 && first <= 7 ? first % 7 : 1;
  } catch {
    return 1;
  }
}

/** The seven weekdays (Date.getDay() numbers) in the locale's order. */
export const weekOrder = (): number[] => {
  const first = weekStart();
  return Array.from({ length: 7 }, (_, i) => (first + i) % 7);
};

/** A weekday's name in the page's locale ('short': Mon, 'long': Monday), from its Date.getDay() number. */
export const weekdayName = (jsDay: number, width: 'short' | 'long' = 'short') =>
  // 7 January 2024 was a Sunday; noon keeps clear of any zone's midnight.
  formatWith(new Date(2024, 0, 7 + jsDay, 12), { weekday: width });

/** The first day of the week `d` is in. */
export const startOfWeek = (d: Date) => addDays(day0(d), -((d.getDay() - weekStart() + 7) % 7));

/** The days a view shows around `anchor`. */
export function span(view: View, anchor: Date): Date[] {
  const first = view === 'day' || view === 'agenda' ? day0(anchor) : view === 'week' ? startOfWeek(anchor) : startOfWeek(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
  return Array.from({ length: view === 'day' ? 1 : view === 'week' ? 7 : view === 'agenda' ? AGENDA_DAYS : 42 }, (_, i) => addDays(first, i));
}

export function nextHour(): Date {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours() + 1);
}
