// Euria's welcome against a real server, Redis and BullMQ: in the newcomer's
// language, with the organization's own template, exactly once even when a
// job is retried after it sent, enqueued twice, or served by two bots.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import type { ChannelEvent, ChannelView, ChatStateReply, MessageView, WelcomeJob } from '@parley/protocol';
import type { Parley } from '@parley/server';
import { authed, chatSocket, EURIA_TEST_TOKEN, invited, must, signup, team, startChatServer } from '../../server/test/chat-helpers.ts';
import { next, sleep } from '../../server/test/helpers.ts';
import { Euria } from '../src/Euria.ts';
import { LANGUAGES } from '@parley/protocol';
import { renderWelcome } from '../src/welcome.ts';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('Euria', () => {
  let parley: Parley;
  const bots: Euria[] = [];
  const crashedOnce = new Set<string>();

  beforeAll(async () => {
    parley = await startChatServer();
    const redisUrl = process.env.PARLEY_TEST_REDIS_URL!;
    for (let i = 0; i < 2; i++) {
      bots.push(
        new Euria({
          serverUrl: parley.url,
          token: EURIA_TEST_TOKEN,
          redisUrl,
          queueName: parley.chat!.botQueueName,
          log,
          // The first try of every welcome "crashes" after sending: BullMQ retries it.
          afterSend: (job) => {
            if (crashedOnce.has(job.userId)) return;
            crashedOnce.add(job.userId);
            throw new Error('crash after send (test)');
          },
        }).start(),
      );
    }
  });
  afterAll(async () => {
    for (const b of bots) await b.close();
    await parley.close();
  });

  /** Euria's messages in the newcomer's direct conversation with it, once retries had their time. */
  async function welcomes(token: string): Promise<{ messages: MessageView[]; dm: ChannelView }> {
    const s = await chatSocket(parley.url, token);
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const state = await must<ChatStateReply>(s, 'chat:state', {});
        const euria = state.users.find((u) => u.username === 'euria')!;
        const dm = state.channels.find((c) => c.kind === 'direct' && c.memberIds?.includes(euria.id));
        if (dm) {
          const { messages } = await must<{ messages: MessageView[] }>(s, 'message:history', { channelId: dm.id });
          const mine = messages.filter((m) => m.authorId === euria.id);
          // The conversation opens a moment before the message lands.
          if (mine.length) return { messages: mine, dm };
        }
        if (Date.now() > deadline) throw new Error('no welcome');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      s.close();
    }
  }

  test('a newcomer gets one welcome in its language, live, despite a retry after the send', async () => {
    const { owner, orgId } = await team(parley.url);
    const newcomer = await invited(parley.url, owner.token, orgId, 'Zoé', { language: 'fr' });
    const s = await chatSocket(parley.url, newcomer.token);
    const live = next<ChannelEvent>(s as never, 'chat:event', (e) => e.kind === 'message' && e.message.authorName === 'Euria', 20_000);
    await must(s, 'chat:state', {});
    const arrived = await live.catch(() => undefined);
    s.close();
    // Past the retry's backoff (2 s): the retried job found the first message.
    await new Promise((r) => setTimeout(r, 3500));
    const { messages } = await welcomes(newcomer.token);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.text, renderWelcome({ language: 'fr', template: null, name: 'Zoé', username: newcomer.user.username, orgName: 'Acme' }));
    assert.match(messages[0]!.text, /^Bienvenue dans Acme, Zoé/);
    assert.ok(crashedOnce.has(newcomer.user.id), 'the first try did crash after sending');
    if (arrived) assert.equal((arrived as { message: MessageView }).message.id, messages[0]!.id);
    // The organization's creator is welcomed too.
    assert.equal((await welcomes(owner.token)).messages.length, 1);
  });

  test('a second enqueue of the same welcome sends nothing more', async () => {
    const { members, orgId } = await team(parley.url, ['yann']);
    const yann = members[0]!;
    await welcomes(yann.token);
    await new Promise((r) => setTimeout(r, 3000));
    const job: WelcomeJob = { orgId, userId: yann.user.id, name: 'yann', username: yann.user.username, language: 'en', orgName: 'Acme', template: null };
    await parley.chat!.botQueue!.add(job);
    await parley.chat!.botQueue!.add(job);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await welcomes(yann.token)).messages.length, 1);
  });

  test('an organization’s own template, per language, with the newcomer’s name', async () => {
    const { owner, orgId } = await team(parley.url);
    const set = await authed(parley.url, owner.token, 'PUT', `/api/orgs/${orgId}/welcome`, { language: 'de', template: 'Hallo {name}, willkommen bei {org}! <b>{username}</b>' });
    assert.equal(set.status, 200);
    const newcomer = await invited(parley.url, owner.token, orgId, 'Xaver', { language: 'de' });
    const { messages } = await welcomes(newcomer.token);
    assert.equal(messages[0]!.text, `Hallo Xaver, willkommen bei Acme! <b>${newcomer.user.username}</b>`);
    // A collaborator cannot change it; a bad language is refused.
    const collab = await invited(parley.url, owner.token, orgId, 'Wim');
    assert.equal((await authed(parley.url, collab.token, 'PUT', `/api/orgs/${orgId}/welcome`, { language: 'de', template: 'x' })).status, 403);
    assert.equal((await authed(parley.url, owner.token, 'PUT', `/api/orgs/${orgId}/welcome`, { language: 'nl', template: 'x' })).status, 400);
  });

  test('a job written straight into Redis that is not a welcome (hostile or broken) is refused at once, never retried, and sends nothing', async () => {
    const { owner, orgId } = await team(parley.url);
    const queue = new Queue(parley.chat!.botQueueName, { connection: { url: process.env.PARLEY_TEST_REDIS_URL! } });
    try {
      const bad = [
        { orgId, userId: owner.user.id, name: 'X', username: 'x', language: 'en', orgName: 'Acme', template: 'x'.repeat(5000) },
        { orgId, userId: owner.user.id, name: 'X', username: 'x', language: 'xx', orgName: 'Acme', template: null },
        { orgId: '../../etc', userId: owner.user.id, name: 'X', username: 'x', language: 'en', orgName: 'Acme', template: null },
        { orgId, userId: owner.user.id, name: 'X', username: 'x', language: 'en', orgName: 'Acme', template: null, extra: true },
        'not an object',
      ];
      const jobs = await Promise.all(bad.map((data, i) => queue.add('welcome', data, { jobId: `hostile-${orgId}-${i}`, attempts: 5, backoff: { type: 'fixed', delay: 100 } })));
      const unknown = await queue.add('erase-everything', {}, { attempts: 5 });
      for (const job of [...jobs, unknown]) {
        for (let i = 0; i < 200 && (await queue.getJobState(job.id!)) !== 'failed'; i++) await sleep(100);
        const done = (await queue.getJob(job.id!))!;
        assert.equal(done.attemptsMade, 1, 'not retried');
        assert.match(done.failedReason, /refused|unknown bot job/);
      }
    } finally {
      await queue.close();
    }
    // The owner got its own welcome only (when its organization was made), nothing from these.
    const { messages } = await welcomes(owner.token);
    assert.equal(messages.length, 1);
  });

  test('every language has a default welcome naming the organization and the person', () => {
    for (const language of LANGUAGES) {
      const text = renderWelcome({ language, template: null, name: 'Zoé Quill', username: 'zoe', orgName: 'Acme Ltd' });
      assert.match(text, /Acme Ltd/, language);
      assert.match(text, /Zoé Quill/, language);
      assert.doesNotMatch(text, /[{}]/, language);
    }
    assert.equal(renderWelcome({ language: 'es', template: null, name: '{org}', username: 'u', orgName: 'Acme' }).includes('{org}'), true, 'values are not expanded twice');
    assert.equal(renderWelcome({ language: 'fr', template: "Salut {name}, c'est {org} !", name: 'Zoé', username: 'z', orgName: 'Acme' }), "Salut Zoé, c'est Acme !", "an organization's own text keeps its apostrophes");
  });

  test('a daily agenda asked for over HTTP comes as one direct message from Euria, on the server’s minute clock; its link turns it off', async () => {
    const { owner, orgId } = await team(parley.url);
    const base = parley.url;
    // The clock every node shares: one job scheduler, a tick a minute.
    const schedulers = new Queue(parley.chat!.agendaQueueName, { connection: { url: process.env.PARLEY_TEST_REDIS_URL! } });
    try {
      const [tick] = await schedulers.getJobSchedulers();
      assert.equal(tick?.key, 'agenda-tick');
      assert.equal(Number(tick?.every), 60_000);
    } finally {
      await schedulers.close();
    }
    const cal = (await authed<{ calendars: { id: string; access: string }[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;
    const today = new Date().toISOString().slice(0, 10);
    const event = await authed<{ event: { meetingUrl: string } }>(base, owner.token, 'POST', '/api/events', { calendarId: cal.id, title: 'Design review', timeZone: 'UTC', start: `${today}T10:00`, end: `${today}T11:00`, meeting: true });
    assert.equal(event.status, 201);
    const bad = await authed(base, owner.token, 'POST', '/api/reminders', { orgId, calendarId: cal.id, chat: true, mail: false, time: '25:00', day: 'morning', weekdays: [0], includeRecurring: true });
    assert.equal(bad.status, 400);
    const created = await authed<{ reminder: { id: string } }>(base, owner.token, 'POST', '/api/reminders', {
      orgId,
      calendarId: cal.id,
      chat: true,
      mail: false,
      time: '00:00',
      day: 'morning',
      weekdays: [0, 1, 2, 3, 4, 5, 6],
      includeRecurring: true,
      timeZone: 'UTC',
    });
    assert.equal(created.status, 201);
    // The tick of 00:01 today, given its time instead of waited for; twice, as two nodes would.
    const now = Date.parse(`${today}T00:01:00Z`);
    await Promise.all([parley.chat!.agenda.tick(now), parley.chat!.agenda.tick(now + 60_000)]);
    const agendaMessages = async () => (await welcomes(owner.token)).messages.filter((m) => m.text.startsWith('Your agenda'));
    const deadline = Date.now() + 20_000;
    while (!(await agendaMessages()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    const [message, ...more] = await agendaMessages();
    assert.equal(more.length, 0);
    // The agenda links to the meeting as it is: no moderator secret travels in a chat message;
    // the organizer, signed in, opens it as moderator by their account.
    assert.ok(message!.text.includes(`• 10:00–11:00 Design review ${event.body.event.meetingUrl}\n`), message!.text);
    assert.doesNotMatch(message!.text, /moderatorToken/);
    const organizerJoin = await authed<{ moderatorBy: string | null }>(base, owner.token, 'POST', `/api/meetings/${event.body.event.meetingUrl.split('/m/')[1]}/join`, { name: 'Owner' });
    assert.equal(organizerJoin.body.moderatorBy, 'account');
    const offUrl = /Turn this reminder off: (\S+)$/.exec(message!.text)![1]!;
    assert.ok(offUrl.startsWith(`${base}/agenda/off/`));
    const pageRes = await fetch(offUrl);
    assert.equal(pageRes.status, 200);
    assert.match(await pageRes.text(), /<form method="post">/);
    assert.equal((await fetch(`${offUrl.slice(0, -3)}xyz`, { method: 'POST' })).status, 404);
    const off = await fetch(offUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(off.status, 200);
    assert.match(await off.text(), /turned off/);
    const list = await authed<{ reminders: { enabled: boolean }[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/reminders`);
    assert.deepEqual(list.body.reminders.map((r) => r.enabled), [false]);
  });

  test('Euria’s token is its own: a wrong one is refused', async () => {
    await assert.rejects(chatSocket(parley.url, 'euria-but-wrong-token-0123456789'), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    const s = await chatSocket(parley.url, EURIA_TEST_TOKEN);
    const state = await must<ChatStateReply>(s, 'chat:state', {});
    assert.equal(state.me.isBot, true);
    s.close();
  });
});

