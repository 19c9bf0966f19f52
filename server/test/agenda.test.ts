// Daily agendas with a controllable clock (each tick is given its "now"):
// when a reminder falls due across time zones and daylight-saving nights,
// what the agenda says, and exactly one delivery per reminder and day
// whatever the number of ticking nodes, repeated ticks or restarts. Real
// PostgreSQL and real BullMQ on Redis (the bots queue Euria reads).
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { AgendaJob } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { botQueue, type BotQueue } from '../src/org/bot-queue.ts';
import type { Db } from '../src/store/db.ts';
import { Agenda, CATCH_UP_MS, dueDay, nextSendAt } from '../src/suite/calendar/Agenda.ts';
import { AgendaStore } from '../src/suite/calendar/agenda-store.ts';
import { Calendar } from '../src/suite/calendar/Calendar.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import { testDb } from './db.ts';
import { chatDomain } from './domain.ts';
import type { Orgs } from '../src/org/Orgs.ts';

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

describe('when an agenda is due', () => {
  const weekdays = [0, 1, 2, 3, 4];
  test('a morning reminder: from its time, for a few hours, on chosen weekdays only', () => {
    const r = { sendTime: '07:30', sendDay: 'morning' as const, weekdays, timeZone: 'Europe/Zurich' };
    // Tuesday 1 December 2026, 07:30 in Zurich is 06:30 UTC.
    assert.equal(dueDay(r, at('2026-12-01T06:29Z')), null);
    assert.deepEqual(dueDay(r, at('2026-12-01T06:30Z')), { day: '2026-12-01', sendAt: at('2026-12-01T06:30Z') });
    assert.equal(dueDay(r, at('2026-12-01T11:00Z'))?.day, '2026-12-01');
    assert.equal(dueDay(r, at('2026-12-01T06:30Z') + CATCH_UP_MS), null);
    // Saturday is not chosen.
    assert.equal(dueDay(r, at('2026-12-05T07:00Z')), null);
  });

  test('an evening reminder sends the next day’s agenda; Sunday evening brings Monday’s', () => {
    const r = { sendTime: '18:00', sendDay: 'evening' as const, weekdays, timeZone: 'America/New_York' };
    // Sunday 6 December, 18:00 in New York is 23:00 UTC: Monday 7 December's agenda.
    assert.equal(dueDay(r, at('2026-12-06T22:59Z')), null);
    assert.equal(dueDay(r, at('2026-12-06T23:00Z'))?.day, '2026-12-07');
    // Friday evening would bring Saturday's: not chosen.
    assert.equal(dueDay(r, at('2026-12-04T23:30Z')), null);
  });

  test('the same wall-clock time in winter and in summer; 02:30 on the nights clocks skip or repeat it', () => {
    const r = { sendTime: '07:00', sendDay: 'morning' as const, weekdays: [0, 1, 2, 3, 4, 5, 6], timeZone: 'America/New_York' };
    assert.equal(dueDay(r, at('2026-03-07T12:00Z'))?.sendAt, at('2026-03-07T12:00Z'));
    assert.equal(dueDay(r, at('2026-03-09T11:00Z'))?.sendAt, at('2026-03-09T11:00Z'));
    const night = { ...r, sendTime: '02:30', timeZone: 'Europe/Zurich' };
    // 29 March 2026: 02:00 becomes 03:00; 02:30 is read as 03:30 (01:30 UTC).
    assert.equal(dueDay(night, at('2026-03-29T01:29Z')), null);
    assert.equal(dueDay(night, at('2026-03-29T01:30Z'))?.day, '2026-03-29');
    // 25 October 2026: 02:30 happens at 00:30 and at 01:30 UTC; it is due from the first, for the same day.
    assert.equal(dueDay(night, at('2026-10-25T00:29Z')), null);
    assert.deepEqual(dueDay(night, at('2026-10-25T00:30Z')), { day: '2026-10-25', sendAt: at('2026-10-25T00:30Z') });
    assert.equal(dueDay(night, at('2026-10-25T01:30Z'))?.day, '2026-10-25');
  });

  test('the next send time: the first one after now, weekends and daylight-saving nights included', () => {
    const r = { sendTime: '07:30', sendDay: 'morning' as const, weekdays, timeZone: 'Europe/Zurich' };
    // Tuesday 1 December, before and at 07:30; Friday after it: Monday next.
    assert.equal(nextSendAt(r, at('2026-12-01T06:29Z')), at('2026-12-01T06:30Z'));
    assert.equal(nextSendAt(r, at('2026-12-01T06:30Z')), at('2026-12-02T06:30Z'));
    assert.equal(nextSendAt(r, at('2026-12-04T07:00Z')), at('2026-12-07T06:30Z'));
    // Sunday evening brings Monday's agenda; Friday evening's (Saturday) is not chosen.
    const evening = { ...r, sendTime: '18:00', sendDay: 'evening' as const };
    assert.equal(nextSendAt(evening, at('2026-12-04T12:00Z')), at('2026-12-06T17:00Z'));
    // Across the spring-forward night: 02:30 is 03:30 local.
    const night = { ...r, sendTime: '02:30', weekdays: [0, 1, 2, 3, 4, 5, 6] };
    assert.equal(nextSendAt(night, at('2026-03-28T12:00Z')), at('2026-03-29T01:30Z'));
    assert.equal(nextSendAt(night, at('2026-10-24T12:00Z')), at('2026-10-25T00:30Z'));
    assert.equal(nextSendAt({ ...r, weekdays: [] }, at('2026-12-01T00:00Z')), null);
  });
});

describe('daily agendas, ticked', () => {
  let db: Db;
  let accounts: Accounts;
  let orgs: Orgs;
  let calendar: Calendar;
  let bots: BotQueue;
  let queue: Queue<AgendaJob>;
  let redis: Redis;
  const queueName = `agenda-test-${crypto.randomBytes(4).toString('hex')}`;
  const node = () => {
    return new Agenda({ store: new AgendaStore(db), calendar, secret: 'test-secret', publicUrl: () => 'https://parley.example', bots });
  };

  beforeAll(async () => {
    db = await testDb('postgres');
    accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
    ({ orgs } = chatDomain(db));
    calendar = new Calendar(new CalendarStore(db));
    const redisUrl = process.env.PARLEY_TEST_REDIS_URL!;
    bots = botQueue(redisUrl, queueName);
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue<AgendaJob>(queueName, { connection: redis });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await bots.close();
    redis.disconnect();
    await db.close();
  });

  let n = 0;
  const person = async (language: 'en' | 'fr' = 'en'): Promise<{ user: UserRow; orgId: string; calendarId: string }> => {
    const id = `${Date.now().toString(36)}${(n++).toString(36)}`;
    const user = await accounts.signup({ email: `p-${id}@example.org`, username: `p${id}`, name: `P ${id}`, password: 'correct horse battery', language }, { address: 'test' });
    const org = await orgs.create(user.id, 'Acme');
    const calendarId = (await calendar.calendars(user.id, org.id))[0]!.id;
    return { user, orgId: org.id, calendarId };
  };
  const jobs = async (reminderId: string) => (await queue.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active'])).filter((j) => j.data.reminderId === reminderId);
  const delivered = async (reminderId: string) => ((await db.query('select 1 from agenda_deliveries where reminder_id = $1', [reminderId])) as unknown[]).length;
  const mails = (userId: string) => db.query<{ subject: string; body_text: string; to_address: string }>('select subject, body_text, to_address from mail_outbox where user_id = $1 order by created_at', [userId]);

  test('what the agenda says: times in one’s zone, place, room, meeting link, the turn-off link; in one’s language', async () => {
    const { user, orgId, calendarId } = await person('fr');
    const room = await calendar.rooms.create(user.id, orgId, { name: 'Alpes', capacity: 6 });
    await calendar.createEvent(user.id, { calendarId, title: 'Revue', timeZone: 'Europe/Zurich', start: '2026-12-02T10:00', end: '2026-12-02T11:00', location: 'Bâtiment B', roomId: room.id });
    await db.query(`update events set meeting_url = 'https://parley.example/m/abc' where title = 'Revue' and calendar_id = $1`, [calendarId]);
    await calendar.createEvent(user.id, { calendarId, title: 'Point quotidien', timeZone: 'Europe/Zurich', start: '2026-11-30T09:00', end: '2026-11-30T09:15', rrule: 'FREQ=DAILY' });
    await calendar.createEvent(user.id, { calendarId, title: 'Demain', timeZone: 'Europe/Zurich', start: '2026-12-03T09:00', end: '2026-12-03T10:00' });
    const agenda = node();
    const r = await agenda.create(user.id, { orgId, calendarId, chat: true, mail: true, time: '07:30', day: 'morning', weekdays: [0, 1, 2, 3, 4], includeRecurring: true, timeZone: 'Europe/Zurich' });
    await agenda.tick(at('2026-12-02T06:31Z'));
    assert.equal(await delivered(r.id), 1);
    const [job] = await jobs(r.id);
    assert.ok(job, 'Euria has the job');
    assert.equal(job.id, `agenda-${r.id}-2026-12-02`);
    const text = job.data.text;
    assert.match(text, /^Votre agenda du mercredi 2 décembre 2026\s:/);
    assert.match(text, /• 09:00–09:15 Point quotidien\n/);
    assert.match(text, /• 10:00–11:00 Revue \(Alpes, Bâtiment B\) https:\/\/parley\.example\/m\/abc/);
    assert.doesNotMatch(text, /Demain/);
    assert.ok(text.endsWith(`Désactiver ce rappel\u00a0: https://parley.example/agenda/off/${agenda.offKey(r.id)}`), text);
    const [mail] = await mails(user.id);
    assert.deepEqual([mail?.to_address, mail?.subject, mail?.body_text], [user.email, 'Agenda du mercredi 2 décembre 2026', text]);
    // Without recurring events, and with an empty day.
    await agenda.update(user.id, r.id, { includeRecurring: false });
    await agenda.tick(at('2026-12-03T06:31Z'));
    const [, second] = await jobs(r.id).then((js) => js.sort((a, b) => a.timestamp - b.timestamp));
    assert.doesNotMatch(second!.data.text, /Point quotidien/);
    assert.match(second!.data.text, /09:00–10:00 Demain/);
    await agenda.tick(at('2026-12-04T06:31Z'));
    assert.match((await mails(user.id)).at(-1)!.body_text, /Aucun événement dans votre calendrier ce jour-là\./);
  });

  test('exactly once per day: three nodes ticking at once, ticks every minute, a restart, a retried job', async () => {
    const { user, orgId, calendarId } = await person();
    const r = await node().create(user.id, { orgId, calendarId, chat: true, mail: true, time: '08:00', day: 'morning', weekdays: [0, 1, 2, 3, 4, 5, 6], includeRecurring: true, timeZone: 'Asia/Tokyo' });
    const nodes = [node(), node(), node()];
    // Tuesday 8 December 2026, 08:00 in Tokyo is 23:00 UTC the day before.
    const due = at('2026-12-07T23:00Z');
    await Promise.all(nodes.map((a) => a.tick(due - MIN)));
    assert.equal(await delivered(r.id), 0);
    await Promise.all(nodes.map((a) => a.tick(due)));
    assert.equal(await delivered(r.id), 1);
    for (let t = due + MIN; t < due + 3 * 3_600_000; t += 10 * MIN) await nodes[(t / MIN) % 3]!.tick(t);
    // A restarted node (a new instance on the same database) sends nothing again.
    await node().tick(due + 20 * MIN);
    assert.equal(await delivered(r.id), 1);
    // The chat job queued twice (a node that died after queueing it) is still one job.
    const [job] = await jobs(r.id);
    await bots.addAgenda(job!.data);
    assert.equal((await jobs(r.id)).length, 1);
    assert.equal((await mails(user.id)).length, 1);
    // The next day, once more.
    await nodes[0]!.tick(due + 24 * 3_600_000);
    assert.equal(await delivered(r.id), 2);
    assert.equal((await jobs(r.id)).length, 2);
    assert.equal((await mails(user.id)).length, 2);
  });

  test('a tick reads only the reminders due: the others wait for their next send time, and a change works it out again', async () => {
    const { user, orgId, calendarId } = await person();
    const agenda = node();
    const r = await agenda.create(user.id, { orgId, calendarId, chat: false, mail: true, time: '07:30', day: 'morning', weekdays: [0, 1, 2, 3, 4], includeRecurring: true, timeZone: 'Europe/Zurich' });
    const next = async () => ((await db.query<{ next_send_at: number | null }>('select next_send_at::float8 as next_send_at from agenda_reminders where id = $1', [r.id]))[0]!.next_send_at);
    assert.equal(await next(), null);
    // Friday 4 December 2026 at noon in Zurich: this morning's agenda is caught up; Monday's is next.
    await agenda.tick(at('2026-12-04T11:00Z'));
    assert.equal(await delivered(r.id), 1);
    assert.equal(await next(), at('2026-12-07T06:30Z'));
    // The weekend's ticks do not touch it.
    await db.query('update agenda_reminders set send_time = $2 where id = $1', [r.id, '07:31']);
    await agenda.tick(at('2026-12-05T06:30Z'));
    await agenda.tick(at('2026-12-06T20:00Z'));
    assert.equal(await next(), at('2026-12-07T06:30Z'));
    // Monday: it is read again; the time changed behind the tick's back counts from then on (07:31).
    await agenda.tick(at('2026-12-07T06:30Z'));
    assert.equal(await delivered(r.id), 1);
    assert.equal(await next(), at('2026-12-07T06:31Z'));
    await agenda.tick(at('2026-12-07T06:31Z'));
    assert.equal(await delivered(r.id), 2);
    // A change through the service is worked out again at the next tick.
    await agenda.update(user.id, r.id, { time: '09:00' });
    assert.equal(await next(), null);
    await agenda.tick(at('2026-12-07T06:40Z'));
    assert.equal(await next(), at('2026-12-07T08:00Z'));
    // Monday's agenda went out at 07:31 already: 09:00 sends nothing twice.
    await agenda.tick(at('2026-12-07T08:00Z'));
    assert.equal(await delivered(r.id), 2);
    assert.equal(await next(), at('2026-12-08T08:00Z'));
  });

  test('across daylight-saving nights, a 02:30 reminder goes out once each day', async () => {
    const { user, orgId, calendarId } = await person();
    const r = await node().create(user.id, { orgId, calendarId, chat: false, mail: true, time: '02:30', day: 'morning', weekdays: [0, 1, 2, 3, 4, 5, 6], includeRecurring: true, timeZone: 'Europe/Zurich' });
    const agenda = node();
    // Other tests' reminders share the database: count this one's deliveries only.
    const tickEvery = async (fromIso: string, toIso: string) => {
      const times: number[] = [];
      for (let t = at(fromIso); t < at(toIso); t += 5 * MIN) {
        const before = await delivered(r.id);
        await agenda.tick(t);
        if ((await delivered(r.id)) > before) times.push(t);
      }
      return times;
    };
    // Spring forward (29 March): sent at 03:30 local, 01:30 UTC.
    assert.deepEqual(await tickEvery('2026-03-28T22:00Z', '2026-03-29T08:00Z'), [at('2026-03-29T01:30Z')]);
    // Fall back (25 October): 02:30 comes twice; sent at the first.
    assert.deepEqual(await tickEvery('2026-10-24T22:00Z', '2026-10-25T08:00Z'), [at('2026-10-25T00:30Z')]);
    const days = await db.query<{ day: string }>('select day from agenda_deliveries where reminder_id = $1 order by day', [r.id]);
    assert.deepEqual(days.map((d) => d.day), ['2026-03-29', '2026-10-25']);
  });

  test('the turn-off link works only with its own key; a turned-off reminder sends nothing; others’ reminders are not one’s own', async () => {
    const { user, orgId, calendarId } = await person();
    const other = await person();
    const agenda = node();
    const r = await agenda.create(user.id, { orgId, calendarId, chat: false, mail: true, time: '09:00', day: 'morning', weekdays: [0, 1, 2, 3, 4, 5, 6], includeRecurring: true, timeZone: 'UTC' });
    assert.equal(await agenda.turnOff(`${r.id}.forged-forged-forged-forged-forged0`), false);
    assert.equal(await agenda.turnOff(agenda.offKey(other.calendarId)), false);
    await assert.rejects(agenda.update(other.user.id, r.id, { enabled: false }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
    await assert.rejects(agenda.remove(other.user.id, r.id), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
    await assert.rejects(agenda.create(other.user.id, { orgId, calendarId, chat: true, mail: false, time: '09:00', day: 'morning', weekdays: [0], includeRecurring: true }), (e: Error & { code?: string }) => e.code === 'ORG_NOT_FOUND');
    await assert.rejects(agenda.create(user.id, { orgId, calendarId, chat: false, mail: false, time: '09:00', day: 'morning', weekdays: [0], includeRecurring: true }), (e: Error & { code?: string }) => e.code === 'INVALID_PAYLOAD');
    assert.equal(await agenda.turnOff(agenda.offKey(r.id)), true);
    await agenda.tick(at('2026-12-01T09:00Z'));
    assert.equal(await delivered(r.id), 0);
    assert.deepEqual((await agenda.reminders(user.id, orgId)).map((x) => x.enabled), [false]);
  });
});
