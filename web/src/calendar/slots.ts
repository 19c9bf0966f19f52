// The next time everyone is free, as a scheduling assistant proposes it:
// the first start at or after `from` (on a quarter hour) where the whole
// event fits in working hours (08:00-18:00 in this browser, Monday to
// Friday) and misses every busy interval, within `days` days.
import type { BusyInterval } from '@parley/protocol';

const QUARTER = 15 * 60_000;
const ceilQuarter = (ms: number) => Math.ceil(ms / QUARTER) * QUARTER;

export interface SlotRules {
  startHour: number;
  endHour: number;
  days: number;
}
export const WORKING_HOURS: SlotRules = { startHour: 8, endHour: 18, days: 14 };

export function nextFreeSlot(busy: BusyInterval[], from: number, durationMs: number, rules: SlotRules = WORKING_HOURS): number | null {
  const sorted = [...busy].sort((a, b) => a.startAt - b.startAt);
  const limit = from + rules.days * 86_400_000;
  let at = ceilQuarter(from);
  // Each turn moves `at` forward (to a later day, or past a busy interval): bounded by the intervals and the days.
  for (let turns = 0; turns < sorted.length + rules.days * 3 + 10 && at <= limit; turns += 1) {
    const day = new Date(at);
    const open = new Date(day.getFullYear(), day.getMonth(), day.getDate(), rules.startHour).getTime();
    const close = new Date(day.getFullYear(), day.getMonth(), day.getDate(), rules.endHour).getTime();
    const nextMorning = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1, rules.startHour).getTime();
    const weekend = day.getDay() === 0 || day.getDay() === 6;
    if (weekend || at + durationMs > close) {
      at = nextMorning;
      continue;
    }
    if (at < open) at = open;
    const clash = sorted.find((b) => b.startAt < at + durationMs && b.endAt > at);
    if (!clash) return at;
    at = ceilQuarter(clash.endAt);
  }
  return null;
}
