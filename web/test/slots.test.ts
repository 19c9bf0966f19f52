// The next free slot the event editor proposes: working hours, weekdays,
// quarter hours, and every busy interval of every attendee missed.
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { nextFreeSlot } from '../src/calendar/slots.ts';

// A Monday in March 2027 (no change of summer time that week), in this process's zone.
const at = (day: number, h: number, m = 0) => new Date(2027, 2, day, h, m).getTime();
const HOUR = 3_600_000;

describe('nextFreeSlot', () => {
  test('free at once: the start itself, on the next quarter hour', () => {
    assert.equal(nextFreeSlot([], at(1, 9, 5), HOUR), at(1, 9, 15));
    assert.equal(nextFreeSlot([], at(1, 9), HOUR), at(1, 9));
  });

  test('past busy intervals of several people, overlapping or not', () => {
    const busy = [
      { startAt: at(1, 9), endAt: at(1, 10) },
      { startAt: at(1, 9, 30), endAt: at(1, 10, 40) },
      { startAt: at(1, 11), endAt: at(1, 12) },
    ];
    // 10:45 leaves 15 minutes before 11:00: a 30-minute event goes after noon; a 15-minute one fits.
    assert.equal(nextFreeSlot(busy, at(1, 9), HOUR / 2), at(1, 12));
    assert.equal(nextFreeSlot(busy, at(1, 9), HOUR / 4), at(1, 10, 45));
  });

  test('working hours and weekdays: before 8:00 waits for 8:00, too late goes to the next working morning', () => {
    assert.equal(nextFreeSlot([], at(1, 6), HOUR), at(1, 8));
    assert.equal(nextFreeSlot([], at(1, 17, 30), HOUR), at(2, 8));
    // Friday evening: Monday morning.
    assert.equal(nextFreeSlot([], at(5, 17, 30), HOUR), at(8, 8));
    assert.equal(nextFreeSlot([], at(6, 10), HOUR), at(8, 8));
  });

  test('nothing in the days looked at: null, and the loop stays bounded whatever the intervals', () => {
    const allDay = Array.from({ length: 30 }, (_, i) => ({ startAt: at(1 + i, 0), endAt: at(1 + i, 23, 59) }));
    assert.equal(nextFreeSlot(allDay, at(1, 8), HOUR), null);
    assert.equal(nextFreeSlot([], at(1, 8), 11 * HOUR), null, 'longer than a working day');
    const many = Array.from({ length: 5000 }, (_, i) => ({ startAt: at(1, 8) + i * 60_000, endAt: at(1, 8) + i * 60_000 + 30_000 }));
    // Half a minute busy in every minute from Monday 8:00 to Thursday 19:20: Friday morning.
    assert.equal(nextFreeSlot(many, at(1, 8), HOUR), at(5, 8));
  });
});
