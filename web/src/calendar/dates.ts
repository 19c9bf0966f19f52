// Dates and times of the calendar screens, in this browser's zone.

export type View = 'day' | 'week' | 'month';
export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
export const HOUR_PX = 40;
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const RRULE_DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

export const pad = (n: number) => String(n).padStart(2, '0');
export const day0 = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
export const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
export const monday = (d: Date) => addDays(day0(d), -((d.getDay() + 6) % 7));
export const dateText = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const localText = (d: Date) => `${dateText(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
export const hm = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The days a view shows around `anchor`. */
export function span(view: View, anchor: Date): Date[] {
  const first = view === 'day' ? day0(anchor) : view === 'week' ? monday(anchor) : monday(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
  return Array.from({ length: view === 'day' ? 1 : view === 'week' ? 7 : 42 }, (_, i) => addDays(first, i));
}

export function nextHour(): Date {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours() + 1);
}

