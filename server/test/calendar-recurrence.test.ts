// Recurrence and time zones against known cases: RFC 5545 examples, month
// ends, leap days, and the daylight-saving nights of Zurich and New York.
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { expand, formatRRule, parseRRule, RRuleError } from '../src/suite/calendar/recurrence.ts';
import { Work } from '../src/lib/work.ts';
import { formatWall, isTimeZone, offsetAt, parseWall, toUtc, toWall } from '../src/lib/time.ts';

const wall = (s: string) => {
  const w = parseWall(s);
  assert.ok(w !== null, s);
  return w;
};
/** The first `n` occurrences as wall text. */
const take = (rule: string, start: string, tz = 'Europe/Zurich', n = 50) => {
  const out: string[] = [];
  for (const w of expand(parseRRule(rule), wall(start), tz)) {
    out.push(formatWall(w));
    if (out.length >= n) break;
  }
  return out;
};
const iso = (ms: number) => new Date(ms).toISOString();

describe('time zones', () => {
  test('offsets and instants of wall-clock times, both sides of a change', () => {
    assert.equal(offsetAt('Europe/Zurich', Date.UTC(2026, 0, 15)), 3_600_000);
    assert.equal(offsetAt('Europe/Zurich', Date.UTC(2026, 6, 15)), 7_200_000);
    assert.equal(iso(toUtc(wall('2026-03-28T09:00'), 'Europe/Zurich')), '2026-03-28T08:00:00.000Z');
    assert.equal(iso(toUtc(wall('2026-03-29T09:00'), 'Europe/Zurich')), '2026-03-29T07:00:00.000Z');
    assert.equal(formatWall(toWall(Date.UTC(2026, 2, 29, 7), 'Europe/Zurich')), '2026-03-29T09:00:00');
    assert.equal(iso(toUtc(wall('2026-12-01T09:00'), 'Asia/Kolkata')), '2026-12-01T03:30:00.000Z');
    assert.equal(iso(toUtc(wall('2026-12-01T09:00'), 'UTC')), '2026-12-01T09:00:00.000Z');
  });

  test('a time the clocks skip is read with the offset before the gap; a time they repeat is its first instant', () => {
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT; 02:30 does not exist.
    assert.equal(iso(toUtc(wall('2026-03-08T02:30'), 'America/New_York')), '2026-03-08T07:30:00.000Z');
    assert.equal(formatWall(toWall(Date.UTC(2026, 2, 8, 7, 30), 'America/New_York')), '2026-03-08T03:30:00');
    // 1 November 2026: 01:30 happens twice (EDT, then EST).
    assert.equal(iso(toUtc(wall('2026-11-01T01:30'), 'America/New_York')), '2026-11-01T05:30:00.000Z');
    // Lord Howe moves by half an hour.
    assert.equal(iso(toUtc(wall('2026-10-04T02:15'), 'Australia/Lord_Howe')), '2026-10-03T15:45:00.000Z');
  });

  test('unknown zones and impossible dates are refused', () => {
    assert.equal(isTimeZone('Europe/Zurich'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
    assert.equal(isTimeZone(''), false);
    assert.equal(parseWall('2026-02-30'), null);
    assert.equal(parseWall('2026-02-28T24:00'), null);
    assert.equal(parseWall('2026-2-3'), null);
    assert.equal(formatWall(wall('2028-02-29'), true), '2028-02-29');
  });
});

describe('recurrence rules', () => {
  test('weekly on three days, by count', () => {
    assert.deepEqual(take('FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6', '2026-03-02T09:00'), [
      '2026-03-02T09:00:00',
      '2026-03-04T09:00:00',
      '2026-03-06T09:00:00',
      '2026-03-09T09:00:00',
      '2026-03-11T09:00:00',
      '2026-03-13T09:00:00',
    ]);
  });

  test('a weekly meeting keeps its wall-clock time through the change to summer time', () => {
    const rule = parseRRule('FREQ=WEEKLY;COUNT=3');
    const instants = [...expand(rule, wall('2026-03-22T09:00'), 'Europe/Zurich')].map((w) => iso(toUtc(w, 'Europe/Zurich')));
    assert.deepEqual(instants, ['2026-03-22T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-04-05T07:00:00.000Z']);
  });

  test('a daily 02:30 in New York: on the spring-forward day it is 03:30, the next days 02:30 again', () => {
    const rule = parseRRule('FREQ=DAILY;COUNT=3');
    const tz = 'America/New_York';
    const out = [...expand(rule, wall('2026-03-07T02:30'), tz)].map((w) => formatWall(toWall(toUtc(w, tz), tz)));
    assert.deepEqual(out, ['2026-03-07T02:30:00', '2026-03-08T03:30:00', '2026-03-09T02:30:00']);
  });

  test('every other week, until an instant (inclusive)', () => {
    assert.deepEqual(take('FREQ=WEEKLY;INTERVAL=2;UNTIL=20260413T070000Z', '2026-03-02T09:00'), [
      '2026-03-02T09:00:00',
      '2026-03-16T09:00:00',
      '2026-03-30T09:00:00',
      '2026-04-13T09:00:00',
    ]);
  });

  test('the last Friday of each month; the last working day of each month', () => {
    assert.deepEqual(take('FREQ=MONTHLY;BYDAY=-1FR;COUNT=4', '2026-01-30T10:00'), ['2026-01-30T10:00:00', '2026-02-27T10:00:00', '2026-03-27T10:00:00', '2026-04-24T10:00:00']);
    assert.deepEqual(take('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4', '2026-01-30T17:00'), [
      '2026-01-30T17:00:00',
      '2026-02-27T17:00:00',
      '2026-03-31T17:00:00',
      '2026-04-30T17:00:00',
    ]);
    // RFC 5545's own example: the second-to-last Monday of the month.
    assert.deepEqual(take('FREQ=MONTHLY;BYDAY=-2MO;COUNT=3', '1997-09-22T09:00', 'America/New_York'), ['1997-09-22T09:00:00', '1997-10-20T09:00:00', '1997-11-17T09:00:00']);
  });

  test('the 31st skips shorter months; 29 February comes every four years; the last day of the month', () => {
    assert.deepEqual(take('FREQ=MONTHLY;COUNT=4', '2026-01-31T12:00'), ['2026-01-31T12:00:00', '2026-03-31T12:00:00', '2026-05-31T12:00:00', '2026-07-31T12:00:00']);
    assert.deepEqual(take('FREQ=YEARLY;COUNT=3', '2024-02-29'), ['2024-02-29T00:00:00', '2028-02-29T00:00:00', '2032-02-29T00:00:00']);
    assert.deepEqual(take('FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3', '2026-01-31T08:00'), ['2026-01-31T08:00:00', '2026-02-28T08:00:00', '2026-03-31T08:00:00']);
  });

  test('yearly in chosen months; the first Sunday of the year; an UNTIL date includes its day', () => {
    assert.deepEqual(take('FREQ=YEARLY;BYMONTH=1,7;COUNT=4', '2026-01-10T09:00'), ['2026-01-10T09:00:00', '2026-07-10T09:00:00', '2027-01-10T09:00:00', '2027-07-10T09:00:00']);
    assert.deepEqual(take('FREQ=YEARLY;BYDAY=1SU;COUNT=2', '2026-01-04T11:00'), ['2026-01-04T11:00:00', '2027-01-03T11:00:00']);
    assert.deepEqual(take('FREQ=DAILY;UNTIL=20260103', '2026-01-01T23:00'), ['2026-01-01T23:00:00', '2026-01-02T23:00:00', '2026-01-03T23:00:00']);
  });

  test('weekdays only, every day; a start the rule would not pick still counts as the first', () => {
    assert.deepEqual(take('FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=4', '2026-01-02T09:00'), ['2026-01-02T09:00:00', '2026-01-05T09:00:00', '2026-01-06T09:00:00', '2026-01-07T09:00:00']);
    assert.deepEqual(take('FREQ=WEEKLY;BYDAY=TU;COUNT=2', '2026-01-01T09:00'), ['2026-01-01T09:00:00', '2026-01-06T09:00:00']);
  });

  test('a series begun long ago is reached without walking it day by day', () => {
    const rule = parseRRule('FREQ=DAILY');
    const from = wall('2026-06-01T00:00');
    const first = [...takeWhile(expand(rule, wall('1990-01-01T09:00'), 'UTC', from), (w) => w < from + 3 * 86_400_000)].filter((w) => w >= from);
    assert.deepEqual(first.map((w) => formatWall(w)), ['2026-06-01T09:00:00', '2026-06-02T09:00:00', '2026-06-03T09:00:00']);
  });

  test('a COUNT rule stops at its last occurrence: no period after it is computed', () => {
    // 29 February, twice: after 2032 the next three years give nothing; they are not computed.
    const rule = parseRRule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2');
    const start = wall('2028-02-29T09:00');
    const whole = new Work(Number.MAX_SAFE_INTEGER);
    assert.deepEqual([...expand(rule, start, 'UTC', start, whole)].map((w) => formatWall(w)), ['2028-02-29T09:00:00', '2032-02-29T09:00:00']);
    const upToLast = new Work(Number.MAX_SAFE_INTEGER);
    for (const w of expand(rule, start, 'UTC', start, upToLast)) if (formatWall(w).startsWith('2032')) break;
    assert.equal(whole.spent, upToLast.spent);
    // COUNT=1: the start is all; no period is computed at all.
    const once = new Work(Number.MAX_SAFE_INTEGER);
    assert.deepEqual([...expand(parseRRule('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=1'), start, 'UTC', start, once)].map((w) => formatWall(w)), ['2028-02-29T09:00:00']);
    assert.equal(once.spent, 0);
  });

  test('rules that cannot be read are refused, naming the part', () => {
    for (const [rule, part] of [
      ['FREQ=HOURLY', 'FREQ'],
      ['FREQ=WEEKLY;BYWEEKNO=3', 'BYWEEKNO'],
      ['FREQ=DAILY;COUNT=2;UNTIL=20260101', 'COUNT and UNTIL'],
      ['FREQ=WEEKLY;BYDAY=2MO', 'BYDAY'],
      ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY'],
      ['FREQ=MONTHLY;BYDAY=XX', 'BYDAY'],
      ['COUNT=3', 'FREQ'],
      ['FREQ=DAILY;FREQ=WEEKLY', 'FREQ'],
      ['FREQ=DAILY;UNTIL=20260230', 'UNTIL'],
      ['FREQ=DAILY;INTERVAL=0', 'INTERVAL'],
    ] as const) {
      assert.throws(() => parseRRule(rule), (e: unknown) => e instanceof RRuleError && e.message.includes(part), rule);
    }
  });

  test('a rule written back reads the same', () => {
    for (const text of ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE', 'FREQ=MONTHLY;COUNT=5;BYDAY=-1FR', 'FREQ=YEARLY;UNTIL=20300101T000000Z;BYMONTH=2;BYMONTHDAY=29', 'FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1;WKST=SU']) {
      assert.equal(formatRRule(parseRRule(text)), text);
    }
  });

  test('a rule that never matches ends instead of looping', () => {
    assert.deepEqual(take('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', '2026-01-01T09:00'), ['2026-01-01T09:00:00']);
  });
});

function* takeWhile<T>(it: Iterable<T>, ok: (v: T) => boolean): Generator<T> {
  for (const v of it) {
    if (!ok(v)) return;
    yield v;
  }
}
