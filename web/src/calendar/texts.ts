// Sentences the calendar builds from data: a recurrence rule in words, a
// meeting room's facts.
import type { RoomView } from '@parley/protocol';
import { t } from '../i18n/index.ts';
import { formatDate, formatList } from '../i18n/format.ts';
import { jsDayOf, weekdayName, weekOrder } from './dates.ts';

/** The moment an RRULE's UNTIL names (a UTC time, a floating time or a date), or null. */
function untilDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x)));
  if (h === undefined) return new Date(y!, mo! - 1, d!, 12);
  return m[7] ? new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s)) : new Date(y!, mo! - 1, d!, h, mi, s);
}

/**
 * A recurrence rule in words ("Repeats weekly on Monday and Wednesday, 4
 * times") for the rules the editor writes and their like; any other rule is
 * shown as it is written.
 */
export function describeRule(rrule: string): string {
  const raw = () => t('calendar.repeat.raw', { rule: rrule });
  const parts = Object.fromEntries(rrule.split(';').map((p) => p.split('=') as [string, string]));
  const known = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'COUNT', 'UNTIL', 'WKST']);
  if (Object.keys(parts).some((k) => !known.has(k)) || (parts.COUNT && parts.UNTIL)) return raw();
  const interval = parts.INTERVAL ? Number(parts.INTERVAL) : 1;
  if (!Number.isInteger(interval) || interval < 1) return raw();
  let rule: string;
  if (parts.BYDAY) {
    const days = parts.BYDAY.split(',').map(jsDayOf);
    if (parts.FREQ !== 'WEEKLY' || days.some((d) => d < 0)) return raw();
    const names = weekOrder()
      .filter((d) => days.includes(d))
      .map((d) => weekdayName(d, 'long'));
    rule = t('calendar.repeat.weeklyOn', { interval, days: formatList(names) });
  } else if (parts.FREQ === 'DAILY') rule = t('calendar.repeat.daily', { interval });
  else if (parts.FREQ === 'WEEKLY') rule = t('calendar.repeat.weekly', { interval });
  else if (parts.FREQ === 'MONTHLY') rule = t('calendar.repeat.monthly', { interval });
  else if (parts.FREQ === 'YEARLY') rule = t('calendar.repeat.yearly', { interval });
  else return raw();
  if (parts.COUNT) {
    const count = Number(parts.COUNT);
    return Number.isInteger(count) && count > 0 ? t('calendar.repeat.times', { rule, count }) : raw();
  }
  if (parts.UNTIL) {
    const until = untilDate(parts.UNTIL);
    return until ? t('calendar.repeat.until', { rule, date: formatDate(until, { day: 'numeric', month: 'long', year: 'numeric' }) }) : raw();
  }
  return rule;
}

/** A room's seats, equipment and floor (and where `all`, its address and shared bookings), one fact after another. */
export function roomFacts(r: Pick<RoomView, 'capacity' | 'equipment' | 'floor' | 'address' | 'allowOverlap'>, all = false): string {
  return [
    t('calendar.room.seats', { count: r.capacity }),
    r.equipment.length ? formatList(r.equipment, 'unit') : '',
    r.floor ? t('calendar.room.floor', { floor: r.floor }) : '',
    all && r.address ? r.address : '',
    all && r.allowOverlap ? t('calendar.room.sharedBookings') : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
