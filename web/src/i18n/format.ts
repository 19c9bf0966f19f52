// Dates, times, numbers and durations in the page's locale, through Intl:
// fr-CH and de-CH read 24 h times and day-month dates, en-US 12 h ones. Every
// screen formats through here, so a meeting, a chat and a calendar agree.
// Each reads `locale` (a signal), so what shows them follows a language change.
import { locale } from './index.ts';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.ListFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.ListFormat>(kind: string, options: object, make: (loc: string) => T): T {
  const loc = locale.value;
  const key = `${kind}|${loc}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = make(loc)));
  return f as T;
}
const dateTime = (options: Intl.DateTimeFormatOptions) => cached('dt', options, (loc) => new Intl.DateTimeFormat(loc, options));

/** 14:05 (or 2:05 PM where the locale says so). */
export const formatTime = (at: number | Date, timeZone?: string): string => dateTime({ hour: 'numeric', minute: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(at);
/** 6 Dec 2026, in the locale's order. */
export const formatDate = (at: number | Date, options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' }): string => dateTime(options).format(at);
/** A date and time: 6 Dec 2026, 14:05. */
export const formatDateTime = (at: number | Date): string => dateTime({ dateStyle: 'medium', timeStyle: 'short' }).format(at);
/** Any Intl date format, in the page's locale (weekday headers, month titles). */
export const formatWith = (at: number | Date, options: Intl.DateTimeFormatOptions): string => dateTime(options).format(at);
/**
 * A time range: 14:00–15:00. Each end as formatTime writes it (Intl's
 * formatRange pads hours differently from a lone time in some locales, and a
 * chip and its details would disagree).
 */
export const formatTimeRange = (from: number | Date, to: number | Date, timeZone?: string): string => `${formatTime(from, timeZone)}–${formatTime(to, timeZone)}`;
/** A date range: 7–13 Dec 2026, shortened as the locale does. */
export const formatDateRange = (from: number | Date, to: number | Date, options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' }): string =>
  dateTime(options).formatRange(from, to);

/** 1 234,5 in the locale's digits and separators. */
export const formatNumber = (n: number, options: Intl.NumberFormatOptions = {}): string => cached('n', options, (loc) => new Intl.NumberFormat(loc, options)).format(n);

/** A size in bytes, in the largest unit that keeps it at least 1: 1.4 MB. */
export function formatBytes(bytes: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  return formatNumber(value, { style: 'unit', unit: units[i], unitDisplay: i === 0 ? 'long' : 'short', maximumFractionDigits: value < 10 && i > 0 ? 1 : 0 });
}

/** A duration as a clock reads it: 1:02:03, 4:05 (for recordings and running meetings). */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => formatNumber(n, { minimumIntegerDigits: 2, useGrouping: false });
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${formatNumber(h)}:${two(m)}:${two(s % 60)}` : `${formatNumber(m)}:${two(s % 60)}`;
}

/** A duration in words: 1 hr 5 min, 45 min (Intl.DurationFormat where the browser has it). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const parts = { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60), seconds: s < 60 ? s : 0 };
  const DurationFormat = (Intl as unknown as { DurationFormat?: new (loc: string, o: object) => { format(d: object): string } }).DurationFormat;
  if (DurationFormat) return new DurationFormat(locale.value, { style: 'short' }).format(parts);
  const unit = (n: number, u: string) => formatNumber(n, { style: 'unit', unit: u, unitDisplay: 'short' });
  return [parts.hours && unit(parts.hours, 'hour'), parts.minutes && unit(parts.minutes, 'minute'), parts.seconds && unit(parts.seconds, 'second')].filter(Boolean).join(' ') || unit(0, 'second');
}

/** "in 5 minutes", "2 days ago": the largest unit that fits. */
export function formatRelative(at: number, now = Date.now()): string {
  const f = cached('rt', {}, (loc) => new Intl.RelativeTimeFormat(loc, { numeric: 'auto' })) as Intl.RelativeTimeFormat;
  const diff = (at - now) / 1000;
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [['second', 60], ['minute', 60], ['hour', 24], ['day', 7], ['week', 4.35], ['month', 12], ['year', Infinity]];
  let value = diff;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return f.format(Math.round(value), unit);
    value /= size;
  }
  return f.format(Math.round(value), 'year');
}

/** "Anna, Marc and Lea", as the locale lists. */
export const formatList = (items: string[], type: Intl.ListFormatType = 'conjunction'): string => (cached('l', { type }, (loc) => new Intl.ListFormat(loc, { type })) as Intl.ListFormat).format(items);

const DAY = 86_400_000;
/** The local midnight that starts the day of `ms`. */
export const dayStart = (ms: number): number => new Date(ms).setHours(0, 0, 0, 0);
/** A day as a heading: "Today", "Yesterday" (Intl's words, capitalized to stand alone), then the weekday and date. */
export function formatDayLabel(ms: number, now = Date.now()): string {
  const days = Math.round((dayStart(now) - dayStart(ms)) / DAY);
  if (days === 0 || days === 1) {
    const f = cached('rt', {}, (loc) => new Intl.RelativeTimeFormat(loc, { numeric: 'auto' })) as Intl.RelativeTimeFormat;
    const word = f.format(-days, 'day');
    return word.charAt(0).toLocaleUpperCase(locale.value) + word.slice(1);
  }
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return formatWith(ms, { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) });
}
