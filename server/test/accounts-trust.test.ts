// The account doors against people who try to get around them: login
// guessing that neither locks the owner out nor forgets its count under a
// flood, client addresses taken only from trusted proxies, sign-ups that
// cannot slow logins down, weak passwords refused, and passwords changed and
// reset (by e-mail, through the outbox).
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AuthReply } from '@parley/protocol';
import { ACCOUNT_LIMITS } from '../src/accounts/Accounts.ts';
import { MemoryLimiter, RedisLimiter, type Limiter } from '../src/lib/limiter.ts';
import { connectRedis, randomId, type Parley } from '../src/index.ts';
import { authed, signup, startChatServer } from './chat-helpers.ts';
import { closeAll, connect, createMeeting, http, ok, request, type ClientSocket } from './helpers.ts';

const from = (address: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...extra });
const post = <T = { error?: { code: string } }>(base: string, url: string, body: unknown, headers: Record<string, string> = {}) => http<T>(base, 'POST', url, body, false, headers);
const login = (base: string, who: string, password: string, address: string) => post<AuthReply & { error?: { code: string } }>(base, '/api/auth/login', { login: who, password }, from(address));
const strong = () => `plum ${randomId(6)} harbour lantern`;

describe('the limiter keeps what it counts', () => {
  const redisUrl = process.env.PARLEY_TEST_REDIS_URL!;
  const redis = connectRedis(redisUrl, 'limiter-test');
  afterAll(() => redis.disconnect());
  const spec = { burst: 5, perSecond: 1 / 60 };

  for (const [name, make] of [
    ['memory', () => new MemoryLimiter()],
    ['redis', () => new RedisLimiter(redis, { prefix: `parley:test-limit:${randomId(6)}:` })],
  ] as [string, () => Limiter][]) {
    test(`${name}: a drained bucket stays drained while 20,000 other keys are counted`, async () => {
      if (name === 'redis') await redis.connect().catch(() => undefined);
      const limiter = make();
      for (let i = 0; i < 5; i++) assert.equal(await limiter.take('victim', spec), true);
      assert.equal(await limiter.take('victim', spec), false);
      for (let i = 0; i < 20_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => limiter.take(`flood-${i + k}`, spec)));
      assert.equal(await limiter.take('victim', spec), false, 'the flood did not buy fresh tries');
      assert.equal(await limiter.has('victim', spec), false);
      await limiter.mark('known', 60_000);
      assert.equal(await limiter.isMarked('known'), true);
      assert.equal(await limiter.isMarked('unknown'), false);
      limiter.close();
    });
  }

  test('memory: refilled buckets are dropped; a table full of live ones refuses new keys rather than forget old ones', async () => {
    let now = 0;
    const limiter = new MemoryLimiter({ now: () => now, max: 100 });
    await limiter.take('a', spec);
    now += 10 * 60_000;
    limiter.sweep();
    assert.equal(limiter.size, 0, 'a full bucket is the same as none');
    for (let i = 0; i < 5; i++) await limiter.take('victim', spec);
    for (let i = 0; i < 99; i++) assert.equal(await limiter.take(`flood-${i}`, spec), true);
    assert.equal(await limiter.take('one-too-many', spec), false, 'the table is full of buckets that still count');
    assert.equal(limiter.overflowed, 1);
    assert.equal(await limiter.take('victim', spec), false, 'and the victim’s count was not dropped for it');
    // Once they have refilled, there is room again.
    now += 10 * 60_000;
    assert.equal(await limiter.take('one-too-many', spec), true);
    limiter.close();
  });
});

describe('logins, sign-ups and passwords on a live server', () => {
  let parley: Parley;
  let base: string;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    // The real rates, and the test runner's loopback as the one trusted proxy.
    parley = await startChatServer({ config: { trustProxy: ['127.0.0.1', '::1'], accountLimits: {} } });
    base = parley.url;
  });
  afterAll(async () => {
    closeAll(...sockets);
    await parley.close();
  });

  const account = async (address: string) => {
    const password = strong();
    const res = await post<AuthReply>(base, '/api/auth/signup', { email: `o-${randomId(6)}@example.org`, username: `o${randomId(6)}`, name: 'Olga', password, orgName: 'Acme' }, from(address));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { ...res.body, password };
  };

  test('one guesser runs out of tries at the account; the owner still signs in from elsewhere', async () => {
    const owner = await account('10.1.0.1');
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push((await login(base, owner.user.username, `wrong ${i} guess here`, '203.0.113.9')).body.error!.code);
    assert.deepEqual(codes.slice(0, 5), Array(5).fill('INVALID_CREDENTIALS'));
    assert.deepEqual(new Set(codes.slice(5)), new Set(['RATE_LIMITED']));
    // Even the right password is refused to the guesser now...
    assert.equal((await login(base, owner.user.username, owner.password, '203.0.113.9')).body.error?.code, 'RATE_LIMITED');
    // ...and not to the owner, from the owner's address.
    assert.equal((await login(base, owner.user.username, owner.password, '10.1.0.1')).status, 200);
  });

  test('guessers from many addresses close the account to new addresses only: the owner signs in from an address they used before', async () => {
    const owner = await account('10.2.0.1');
    assert.equal((await login(base, owner.user.email, owner.password, '10.2.0.1')).status, 200);
    // Tries sent all at once are counted all the same.
    const guesses = await Promise.all(Array.from({ length: ACCOUNT_LIMITS.loginAccount.burst + 10 }, (_, i) => login(base, owner.user.email, `guess number ${i}`, `198.51.100.${i + 1}`)));
    assert.ok(guesses.some((g) => g.body.error?.code === 'RATE_LIMITED'));
    assert.equal(guesses.filter((g) => g.body.error?.code === 'INVALID_CREDENTIALS').length, ACCOUNT_LIMITS.loginAccount.burst);
    assert.equal((await login(base, owner.user.email, owner.password, '192.0.2.77')).body.error?.code, 'RATE_LIMITED');
    assert.equal((await login(base, owner.user.email, owner.password, '10.2.0.1')).status, 200);
  });

  test('X-Forwarded-For is believed from the trusted proxies only', async () => {
    const owner = await account('10.3.0.1');
    // A server that trusts no proxy: every made-up address is the one real client.
    const direct = await startChatServer({ config: { accountLimits: {} } });
    try {
      const d = await signup(direct.url, 'dora', { orgName: 'D' });
      const codes: string[] = [];
      for (let i = 0; i < 7; i++) codes.push((await login(direct.url, d.user.username, `wrong guess ${i}`, `192.0.2.${i + 1}`)).body.error!.code);
      assert.deepEqual(codes, [...Array(5).fill('INVALID_CREDENTIALS'), 'RATE_LIMITED', 'RATE_LIMITED']);
    } finally {
      await direct.close();
    }
    // Behind the trusted proxy, the client's own hop counts, not what it wrote before it.
    for (let i = 0; i < 5; i++) await login(base, owner.user.username, `wrong ${i}`, `6.6.6.${i}, 203.0.113.50`);
    assert.equal((await login(base, owner.user.username, 'wrong again', '6.6.6.99, 203.0.113.50')).body.error?.code, 'RATE_LIMITED');
  });

  test('meeting password guessing behind the proxy: one guesser runs out of tries, a friend enters with the right password', async () => {
    const m = await createMeeting(base, 'Locked');
    const hostToken = (await post<{ token: string }>(base, `/api/meetings/${m.id}/join`, { name: 'Host', moderatorToken: m.moderatorToken })).body.token;
    const host = await connect(base, hostToken);
    sockets.push(host);
    await ok(host, 'meeting:join', {});
    await ok(host, 'moderation:setPassword', { password: 'open sesame' });
    const attempt = async (address: string, password: string) => {
      const t = (await post<{ token: string }>(base, `/api/meetings/${m.id}/join`, { name: 'X' }, from(address))).body.token;
      const s = await connectFrom(base, t, address);
      sockets.push(s);
      const res = await request(s, 'meeting:join', { password });
      s.close();
      return res.ok ? 'ok' : res.error.code;
    };
    const guesses: string[] = [];
    for (let i = 0; i < 8; i++) guesses.push(await attempt('203.0.113.66', `guess ${i}`));
    assert.deepEqual(guesses.slice(0, 5), Array(5).fill('WRONG_PASSWORD'));
    assert.ok(guesses.slice(5).every((c) => c === 'RATE_LIMITED'));
    assert.equal(await attempt('10.4.0.1', 'open sesame'), 'ok');
  });

  test('weak passwords are refused, with a sentence saying why; a taken e-mail is refused before any hashing', async () => {
    const base2 = { email: `w-${randomId(6)}@example.org`, username: `weak${randomId(6)}`, name: 'Wendy' };
    for (const [i, password] of ['12345678', '        ', base2.username, 'password123', 'aaaaaaaaaaaa', 'qwertyuiop'].entries()) {
      const res = await post(base, '/api/auth/signup', { ...base2, password }, from(`10.5.1.${i}`));
      assert.equal(res.status, 400, password);
      assert.equal(res.body.error?.code, 'WEAK_PASSWORD', password);
      assert.match((res.body.error as unknown as { message: string }).message, /^This password is too easy to guess\./);
    }
    const ok1 = await post(base, '/api/auth/signup', { ...base2, password: strong() }, from('10.5.0.2'));
    assert.equal(ok1.status, 201);
    const taken = await post(base, '/api/auth/signup', { ...base2, username: `other${randomId(6)}`, password: strong() }, from('10.5.0.3'));
    assert.equal(taken.body.error?.code, 'EMAIL_TAKEN');
  });

  test('a password is changed with the current one; other sessions end', async () => {
    const owner = await account('10.7.0.1');
    const other = (await login(base, owner.user.username, owner.password, '10.7.0.1')).body.token;
    const change = (body: unknown, token = owner.token) => post(base, '/api/me/password', body, { authorization: `Bearer ${token}`, ...from('10.7.0.1') });
    assert.equal((await change({ current: 'not it at all', password: strong() })).body.error?.code, 'INVALID_CREDENTIALS');
    assert.equal((await change({ current: owner.password, password: 'password1234' })).body.error?.code, 'WEAK_PASSWORD');
    assert.equal((await post(base, '/api/me/password', { current: owner.password, password: strong() })).status, 401);
    const next = strong();
    assert.equal((await change({ current: owner.password, password: next })).status, 200);
    assert.equal((await authed(base, owner.token, 'GET', '/api/me')).status, 200, 'this session stays');
    assert.equal((await authed(base, other, 'GET', '/api/me')).status, 401, 'the others end');
    assert.equal((await login(base, owner.user.username, owner.password, '10.7.0.1')).body.error?.code, 'INVALID_CREDENTIALS');
    assert.equal((await login(base, owner.user.username, next, '10.7.0.1')).status, 200);
  });

  test('a forgotten password is reset by an e-mailed link, once, within the hour; nothing tells whether an address has an account', async () => {
    const owner = await account('10.8.0.1');
    const db = parley.chat!.db;
    const mails = async () => db.query<{ body_text: string; to_address: string }>('select body_text, to_address from mail_outbox where to_address = $1', [owner.user.email]);
    const unknown = await post(base, '/api/auth/reset', { email: `nobody-${randomId(6)}@example.org` }, from('10.8.0.2'));
    const known = await post(base, '/api/auth/reset', { email: owner.user.email.toUpperCase() }, from('10.8.0.2'));
    assert.deepEqual([unknown.status, unknown.body], [known.status, known.body]);
    const [mail] = await mails();
    assert.ok(mail, 'the mail is in the outbox');
    const token = /\/chat\/reset\/([A-Za-z0-9_-]+)/.exec(mail.body_text)![1]!;
    const confirm = (password: string, t = token) => post<AuthReply & { error?: { code: string } }>(base, '/api/auth/reset/confirm', { token: t, password });
    assert.equal((await confirm('12345678')).body.error?.code, 'WEAK_PASSWORD');
    const next = strong();
    const done = await confirm(next);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((await authed(base, done.body.token, 'GET', '/api/me')).status, 200, 'signed in by the reset');
    assert.equal((await authed(base, owner.token, 'GET', '/api/me')).status, 401, 'every earlier session ended');
    assert.equal((await confirm(strong())).body.error?.code, 'RESET_INVALID', 'a link works once');
    assert.equal((await confirm(strong(), 'A'.repeat(43))).body.error?.code, 'RESET_INVALID');
    assert.equal((await login(base, owner.user.username, next, '10.8.0.1')).status, 200);
    // An hour later the link is dead.
    await post(base, '/api/auth/reset', { email: owner.user.email }, from('10.8.0.3'));
    const latest = (await mails()).map((m) => /\/chat\/reset\/([A-Za-z0-9_-]+)/.exec(m.body_text)![1]!).find((t) => t !== token)!;
    await db.query('update password_resets set expires_at = $1 where user_id = $2 and used_at is null', [Date.now() - 1, owner.user.id]);
    assert.equal((await confirm(strong(), latest)).body.error?.code, 'RESET_INVALID');
    // Malformed input.
    for (const body of [{}, { email: 'not an address' }, { email: 'a@b.c', extra: 1 }]) assert.equal((await post(base, '/api/auth/reset', body, from('10.8.0.4'))).status, 400);
    for (const body of [{}, { token: 'short', password: strong() }, { token: 'x'.repeat(43), password: 'short' }]) assert.equal((await post(base, '/api/auth/reset/confirm', body)).status, 400);
  });

  test('sign-ups are limited per address and for everyone, and a flood of them leaves logins fast', async (t) => {
    // Per address: 5, then refused.
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await post(base, '/api/auth/signup', { email: `s${i}-${randomId(6)}@example.org`, username: `s${i}${randomId(6)}`, name: 'S', password: strong() }, from('10.6.0.1'))).status);
    assert.deepEqual(codes, [201, 201, 201, 201, 201, 429, 429]);

    const owner = await account('10.6.1.1');
    const timeLogin = async () => {
      const started = performance.now();
      const res = await login(base, owner.user.username, owner.password, '10.6.1.1');
      assert.equal(res.status, 200);
      return performance.now() - started;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const quiet = median([await timeLogin(), await timeLogin(), await timeLogin()]);
    // 120 sign-ups at once from 120 addresses, as a botnet would.
    const flood = Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        post(base, '/api/auth/signup', { email: `f${i}-${randomId(6)}@example.org`, username: `f${i}${randomId(6)}`, name: 'F', password: strong() }, from(`100.64.${i >> 8}.${i & 255}`)),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    const underFlood = median([await timeLogin(), await timeLogin(), await timeLogin()]);
    const results = await flood;
    const created = results.filter((r) => r.status === 201).length;
    void t.annotate(`login ${quiet.toFixed(0)} ms quiet, ${underFlood.toFixed(0)} ms under a flood of 120 sign-ups (${created} created, the rest refused)`);
    assert.ok(created <= ACCOUNT_LIMITS.signupEveryone.burst, `${created} sign-ups got through`);
    assert.ok(results.every((r) => r.status === 201 || r.status === 429 || r.status === 503));
    // Logins hash on other threads than sign-ups: a flood costs them little (the old server: 138 ms -> 10 s).
    assert.ok(underFlood < quiet * 4 + 300, `login took ${underFlood.toFixed(0)} ms under the flood, ${quiet.toFixed(0)} ms without`);
  });

  test('even with no sign-up limit at all, new passwords are hashed one at a time and logins stay fast', async (t) => {
    const open = await startChatServer({ config: { trustProxy: ['127.0.0.1', '::1'] } });
    try {
      const owner = await signup(open.url, 'olga', { orgName: 'Open' });
      const timeLogin = async () => {
        const started = performance.now();
        const res = await login(open.url, owner.user.username, 'correct horse battery', '10.9.0.1');
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return performance.now() - started;
      };
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const quiet = median([await timeLogin(), await timeLogin(), await timeLogin()]);
      const flood = Promise.all(
        Array.from({ length: 120 }, (_, i) => post(open.url, '/api/auth/signup', { email: `g${i}-${randomId(6)}@example.org`, username: `g${i}${randomId(6)}`, name: 'G', password: strong() }, from('10.9.1.1'))),
      );
      await new Promise((r) => setTimeout(r, 50));
      const underFlood = median([await timeLogin(), await timeLogin(), await timeLogin()]);
      const results = await flood;
      const created = results.filter((r) => r.status === 201).length;
      const busy = results.filter((r) => r.body.error?.code === 'BUSY').length;
      void t.annotate(`no sign-up limit: login ${quiet.toFixed(0)} ms quiet, ${underFlood.toFixed(0)} ms under 120 sign-ups at once (${created} hashed one at a time, ${busy} told BUSY)`);
      assert.equal(created + busy, 120);
      assert.ok(busy > 0, 'the hashing queue is bounded');
      assert.ok(underFlood < quiet * 4 + 300, `login took ${underFlood.toFixed(0)} ms under the flood, ${quiet.toFixed(0)} ms without`);
    } finally {
      await open.close();
    }
  });
});

/** A meeting socket whose handshake comes through the "proxy" with this client address. */
function connectFrom(base: string, token: string, address: string): Promise<ClientSocket> {
  return connect(base, token, { extraHeaders: { 'x-forwarded-for': address } });
}
