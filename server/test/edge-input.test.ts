// Input the database cannot store (a NUL character) is the sender's mistake,
// answered 400 / INVALID_PAYLOAD wherever it comes in (a JSON body, the
// address, a socket payload, a file), and the error log never carries the
// values of a failed statement (a password hash, a token's hash).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import type { CalendarView } from '@parley/protocol';
import { createLogger } from '@parley/platform';
import type { Parley } from '../src/index.ts';
import { ask, authed, chatSocket, clientId, signup, startChatServer, team, type ChatSocket } from './chat-helpers.ts';
import { http } from './helpers.ts';

/** A production logger whose lines are kept for the test to read. */
function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

describe('NUL characters', () => {
  let parley: Parley;
  let base: string;
  const { log, lines } = capturedLogger();
  const sockets: ChatSocket[] = [];
  beforeAll(async () => {
    parley = await startChatServer({ logger: log });
    base = parley.url;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await parley.close();
  });

  test('in a JSON body, the address or a query: 400 INVALID_PAYLOAD, never 500', async () => {
    const signupNul = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/signup', {
      email: 'nul@example.org',
      username: 'nul0user',
      name: 'Ann\u0000ie',
      password: 'plum harbour lantern 42',
    });
    assert.equal(signupNul.status, 400);
    assert.equal(signupNul.body.error.code, 'INVALID_PAYLOAD');
    assert.match(JSON.stringify(signupNul.body), /NUL/);

    const loginNul = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/login', { login: 'someone\u0000', password: 'x' });
    assert.equal(loginNul.status, 400);
    assert.equal(loginNul.body.error.code, 'INVALID_PAYLOAD');

    const { owner, orgId } = await team(base);
    for (const url of [`/api/orgs/${orgId}%00/calendars`, `/api/orgs/%00/members`, `/api/orgs/${orgId}/occurrences?from=1%00&to=2`, `/api/chat/channels/x/files?name=a%00.txt`]) {
      const res = await authed<{ error: { code: string } }>(base, owner.token, url.includes('/files') ? 'POST' : 'GET', url);
      assert.equal(res.status, 400, url);
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD', url);
    }
    const nested = await authed<{ error: { code: string } }>(base, owner.token, 'POST', '/api/calendars', { orgId, name: 'Team\u0000' });
    assert.equal(nested.status, 400);
    assert.equal(nested.body.error.code, 'INVALID_PAYLOAD');
  });

  test('in a socket payload (a message, a channel name): INVALID_PAYLOAD and nothing stored', async () => {
    const { owner, orgId } = await team(base);
    const s = await chatSocket(base, owner.token);
    sockets.push(s);
    const made = await ask(s, 'channel:create', { orgId, name: 'bad\u0000name', kind: 'public' });
    assert.equal(!made.ok && made.error.code, 'INVALID_PAYLOAD');
    const state = await ask<{ channels: { id: string; name: string }[] }>(s, 'chat:state', { orgId });
    assert.ok(state.ok);
    const general = state.channels.find((c) => c.name === 'general')!;
    const sent = await ask(s, 'message:send', { channelId: general.id, clientId: clientId(), text: 'hello\u0000world' });
    assert.equal(!sent.ok && sent.error.code, 'INVALID_PAYLOAD');
    assert.match(!sent.ok ? sent.error.message : '', /NUL/);
  });

  test('in an .ics file: INVALID_ICS with its line, nothing imported', async () => {
    const { owner, orgId } = await team(base);
    const made = await authed<{ calendar: CalendarView }>(base, owner.token, 'POST', '/api/calendars', { orgId, name: 'Imports' });
    assert.equal(made.status, 201);
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:nul@example.org', 'DTSTART:20270101T100000Z', 'DTEND:20270101T110000Z', 'SUMMARY:Kick\u0000off', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const res = await fetch(`${base}/api/calendars/${made.body.calendar.id}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/calendar' },
      body: ics,
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 400);
    assert.equal(body.error.code, 'INVALID_ICS');
    assert.match(body.error.message, /line 7/);
  });

  test('none of it was logged as a server failure', () => {
    const failures = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    assert.deepEqual(failures, []);
  });
});

describe('names and reactions', () => {
  let parley: Parley;
  let base: string;
  const sockets: ChatSocket[] = [];
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await parley.close();
  });
  const RLO = '\u202E';

  test('bidi overrides, zero-width and control characters are taken out of every name; joiners that emoji and scripts need stay', async () => {
    const me = await signup(base, `Anna${RLO}exe.jpg\u200B`, { orgName: `Acme${RLO} \u2066Corp\u2069` });
    assert.equal(me.user.name, 'Annaexe.jpg');
    assert.equal(me.orgs[0]!.name, 'Acme Corp');
    const renamed = await authed<{ user: { name: string } }>(base, me.token, 'PATCH', '/api/me', { name: 'Zo\u0007e \u{1F468}\u200D\u{1F469}\u200D\u{1F467} Kh\u00e2n\u200Cnoor' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.user.name, 'Zoe \u{1F468}\u200D\u{1F469}\u200D\u{1F467} Kh\u00e2n\u200Cnoor');
    const s = await chatSocket(base, me.token);
    sockets.push(s);
    const channel = await ask<{ channel: { name: string; topic: string } }>(s, 'channel:create', { orgId: me.orgs[0]!.id, name: `ops${RLO}`, kind: 'public', topic: `a\u202Db` });
    assert.ok(channel.ok);
    assert.equal(channel.channel.name, 'ops');
    assert.equal(channel.channel.topic, 'ab');
  });

  test('a name changed through PATCH /api/me is on the next message at once', async () => {
    const { owner, orgId } = await team(base);
    const s = await chatSocket(base, owner.token);
    sockets.push(s);
    const state = await ask<{ channels: { id: string; name: string }[] }>(s, 'chat:state', { orgId });
    assert.ok(state.ok);
    const general = state.channels.find((c) => c.name === 'general')!;
    const send = (text: string) => ask<{ message: { authorName: string } }>(s, 'message:send', { channelId: general.id, clientId: clientId(), text });
    const before = await send('before');
    assert.ok(before.ok);
    const renamed = await authed(base, owner.token, 'PATCH', '/api/me', { name: 'Nouveau Nom' });
    assert.equal(renamed.status, 200);
    const after = await send('after');
    assert.ok(after.ok);
    assert.notEqual(before.message.authorName, 'Nouveau Nom');
    assert.equal(after.message.authorName, 'Nouveau Nom');
  });

  test('a name of nothing visible is refused with a sentence: organization, person, channel, meeting participant', async () => {
    const org = await http<{ error: { code: string; message: string } }>(base, 'POST', '/api/auth/signup', {
      email: 'spaces@example.org',
      username: 'spaces0org',
      name: 'Spaces',
      password: 'plum harbour lantern 42',
      orgName: '   \u200B ',
    });
    assert.equal(org.status, 400);
    assert.equal(org.body.error.code, 'INVALID_PAYLOAD');
    assert.match(org.body.error.message, /organization's name needs at least one visible character/);
    // Refused before the account was made: the same address signs up fine.
    const again = await http(base, 'POST', '/api/auth/signup', { email: 'spaces@example.org', username: 'spaces0org', name: 'Spaces', password: 'plum harbour lantern 42', orgName: 'Spaces Ltd' });
    assert.equal(again.status, 201);

    const { owner, orgId } = await team(base);
    const created = await authed<{ error: { code: string } }>(base, owner.token, 'POST', '/api/orgs', { name: ' \u202E ' });
    assert.equal(created.status, 400);
    const profile = await authed<{ error: { code: string } }>(base, owner.token, 'PATCH', '/api/me', { name: '\u2066\u2069 ' });
    assert.equal(profile.status, 400);
    assert.equal(profile.body.error.code, 'INVALID_PAYLOAD');
    // Blank "letters" and joiners alone are nothing to read either.
    for (const name of ['\u3164', '\u3164\u3164', '\u200D', '\u2800', '\u115F\u1160', '\u{E0041}']) {
      const res = await authed<{ error: { code: string } }>(base, owner.token, 'PATCH', '/api/me', { name });
      assert.equal(res.status, 400, JSON.stringify(name));
    }
    const s = await chatSocket(base, owner.token);
    sockets.push(s);
    const channel = await ask(s, 'channel:create', { orgId, name: '\u200B\u200B', kind: 'public' });
    assert.equal(!channel.ok && channel.error.code, 'INVALID_PAYLOAD');
    const meeting = await http<{ id: string }>(base, 'POST', '/api/meetings', {});
    const join = await http<{ error: { code: string } }>(base, 'POST', `/api/meetings/${meeting.body.id}/join`, { name: `${RLO}\u2066 ` });
    assert.equal(join.status, 400);
  });

  test('a reaction is one emoji; words, several emoji and markup are refused; a status emoji likewise', async () => {
    const { owner, orgId } = await team(base);
    const s = await chatSocket(base, owner.token);
    sockets.push(s);
    const state = await ask<{ channels: { id: string; name: string }[] }>(s, 'chat:state', { orgId });
    assert.ok(state.ok);
    const general = state.channels.find((c) => c.name === 'general')!;
    const sent = await ask<{ message: { id: string } }>(s, 'message:send', { channelId: general.id, clientId: clientId(), text: 'react to me' });
    assert.ok(sent.ok);
    const messageId = sent.message.id;
    for (const emoji of ['lol', '👍👍', 'a', '1', `👍${RLO}`, ':+1:']) {
      const r = await ask(s, 'message:react', { messageId, emoji, on: true });
      assert.equal(!r.ok && r.error.code, 'INVALID_PAYLOAD', emoji);
    }
    for (const emoji of ['👍', '❤️', '👍🏽', '🇨🇭', '👨‍👩‍👧']) {
      const added = await ask(s, 'message:react', { messageId, emoji, on: true });
      assert.ok(added.ok, emoji);
    }
    const status = await ask(s, 'presence:set', { presence: 'away', statusEmoji: 'brb' });
    assert.equal(!status.ok && status.error.code, 'INVALID_PAYLOAD');
    const fine = await ask(s, 'presence:set', { presence: 'away', statusEmoji: '☕', statusText: `lunch${RLO}` });
    assert.ok(fine.ok);
    const me = await authed<{ user: { statusText: string; statusEmoji: string } }>(base, owner.token, 'GET', '/api/me');
    assert.equal(me.body.user.statusText, 'lunch');
    assert.equal(me.body.user.statusEmoji, '☕');
  });
});

describe('error logs', () => {
  test("a failed statement's values (a password hash) never reach the log; its message and statement do", async () => {
    const db = new PGlite();
    afterAll(() => db.close());
    const hash = 'scrypt$32768$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
    let error: unknown;
    try {
      await db.query('insert into nowhere (password_hash) values ($1)', [hash]);
    } catch (e) {
      error = e;
    }
    assert.ok(error, 'the statement failed');
    assert.deepEqual((error as { params?: unknown }).params, [hash], 'the driver did attach the values');
    const { log, lines } = capturedLogger();
    log.error({ err: error }, 'request failed');
    // PostgreSQL says the values in `detail`: not logged either.
    const pgLike = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      detail: `Key (password_hash)=(${hash}) already exists.`,
      constraint: 'users_email_key',
    });
    log.error({ err: pgLike }, 'request failed');
    log.child({ module: 'http' }).error({ err: new Error('outer', { cause: error }) }, 'request failed');
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.ok(!line.includes(hash), line);
      assert.ok(!line.includes('c2FsdHNhbHQ'), line);
    }
    const first = JSON.parse(lines[0]!) as { err: { message: string; query?: string } };
    assert.match(first.err.message, /nowhere/);
    assert.equal(first.err.query, 'insert into nowhere (password_hash) values ($1)');
  });

  test('a signup with a taken address logs nothing of the password or its hash', async () => {
    const { log, lines } = capturedLogger();
    const parley = await startChatServer({ logger: log });
    try {
      const first = await signup(parley.url, 'dup');
      const again = await http(parley.url, 'POST', '/api/auth/signup', { email: first.user.email, username: 'another0dup', name: 'Dup', password: 'plum harbour lantern 42' });
      assert.equal(again.status, 409);
      for (const line of lines) {
        assert.ok(!line.includes('plum harbour lantern'), line);
        assert.ok(!/scrypt\$/.test(line), line);
      }
    } finally {
      await parley.close();
    }
  });
});
