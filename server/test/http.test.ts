import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { CreateMeetingReply, JoinMeetingReply, JoinResult, MeetingInfoReply, ProducerId } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { closeAll, connect, createMeeting, http, joinAs, joinToken, newMeeting, next, ok, opus, request, startServer, type ClientSocket } from './helpers.ts';

type ErrorReply = { ok: false; error: { code: string; message: string } };

/** The one error shape of the whole edge, nothing more. */
function assertError(res: { status: number; body: unknown }, status: number, code: string, what = ''): void {
  assert.equal(res.status, status, `${what}: status (${JSON.stringify(res.body)})`);
  const body = res.body as ErrorReply;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'ok'], what);
  assert.equal(body.ok, false, what);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message'], what);
  assert.equal(body.error.code, code, `${what}: ${body.error.message}`);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

/** Prometheus text -> { 'name' or 'name{labels}': value }. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('HTTP API', () => {
  let parley: Parley;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    parley = await startServer();
  });
  afterAll(async () => {
    closeAll(...sockets);
    await parley.close();
  });

  test('GET /healthz', async () => {
    const res = await http<{ ok: boolean; status: string; workers: number; meetings: number }>(parley.url, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, true);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.body.workers, 1);
    assert.equal(typeof res.body.meetings, 'number');
  });

  test('GET /metrics is Prometheus text whose counts follow joins, media and leaves', async () => {
    const scrape = async () => {
      const res = await fetch(`${parley.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      for (const name of ['parley_rooms', 'parley_participants', 'parley_transports', 'parley_producers', 'parley_consumers', 'parley_media_workers', 'parley_media_worker_cpu_seconds']) {
        assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, 'm'), name);
      }
      return parseMetrics(text);
    };
    const idle = await scrape();
    assert.equal(idle.get('parley_rooms'), 0);
    assert.equal(idle.get('parley_participants'), 0);
    assert.equal(idle.get('parley_transports'), 0);
    assert.equal(idle.get('parley_media_workers'), 1);
    assert.ok(idle.get('parley_media_worker_cpu_seconds{worker="0"}')! >= 0);

    const m = await newMeeting(parley);
    const a = await joinAs(parley, m.id, 'Ada');
    const b = await joinAs(parley, m.id, 'Bob');
    sockets.push(a.socket, b.socket);
    const caps = a.join.routerRtpCapabilities;
    let now = await scrape();
    assert.equal(now.get('parley_rooms'), 1);
    assert.equal(now.get('parley_participants'), 2);
    assert.equal(now.get('parley_transports'), 0);

    const ta = await ok<{ send: { id: string } }>(a.socket, 'media:setup', { rtpCapabilities: caps });
    await ok(b.socket, 'media:setup', { rtpCapabilities: caps });
    const { producerId } = await ok<{ producerId: ProducerId }>(a.socket, 'media:produce', { transportId: ta.send.id, kind: 'audio', source: 'mic', rtpParameters: opus() });
    await ok(b.socket, 'media:consume', { producerId });
    now = await scrape();
    assert.equal(now.get('parley_transports'), 4);
    assert.equal(now.get('parley_producers'), 1);
    assert.equal(now.get('parley_consumers'), 1);

    const left = next(a.socket, 'meeting:participantLeft');
    await ok(b.socket, 'meeting:leave', {});
    await left;
    await ok(a.socket, 'meeting:leave', {});
    now = await scrape();
    assert.equal(now.get('parley_rooms'), 0);
    assert.equal(now.get('parley_participants'), 0);
    assert.equal(now.get('parley_transports'), 0);
    assert.equal(now.get('parley_producers'), 0);
  });

  test('POST /api/meetings with and without a body or title', async () => {
    const cases: [string, unknown, string][] = [
      ['no body', undefined, 'Meeting'],
      ['an empty object', {}, 'Meeting'],
      ['a title', { title: 'Weekly sync' }, 'Weekly sync'],
      ['a blank title', { title: '   ' }, 'Meeting'],
      ['a padded title', { title: '  Retro  ' }, 'Retro'],
    ];
    for (const [what, body, title] of cases) {
      const res = await http<CreateMeetingReply>(parley.url, 'POST', '/api/meetings', body);
      assert.equal(res.status, 201, what);
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'id', 'moderatorToken', 'url']);
      assert.match(res.body.code, /^[0-9]{9}$/);
      assert.equal(res.body.url, `${parley.url}/m/${res.body.id}`);
      assert.ok(res.body.moderatorToken.length >= 32, 'moderator token is long');
      const info = await http<MeetingInfoReply>(parley.url, 'GET', `/api/meetings/${res.body.id}`);
      assert.equal(info.status, 200);
      assert.equal(info.body.title, title, what);
      assert.equal(info.body.participants, 0);
      assert.equal(info.body.code, res.body.code, 'the invitation shows the same code');
      assert.equal(typeof info.body.createdAt, 'number');
      assert.ok(info.body.routerRtpCapabilities.codecs!.some((c) => c.mimeType === 'audio/opus'));
      assert.ok(!('moderatorTokenHash' in info.body), 'the moderator token hash stays on the server');
    }
  });

  test('meeting ids are unguessable: 26+ chars of [a-z2-7], all distinct', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createMeeting(parley.url)).id);
    for (let i = 0; i < 500; i++) ids.push((await newMeeting(parley)).id);
    for (const id of ids) assert.match(id, /^[a-z2-7]{26,}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('POST /api/meetings refuses bad bodies', async () => {
    const cases: [string, unknown, boolean, number, string][] = [
      ['a numeric title', { title: 5 }, false, 400, 'INVALID_PAYLOAD'],
      ['an extra property', { title: 'x', owner: 'me' }, false, 400, 'INVALID_PAYLOAD'],
      ['a 201-char title', { title: 't'.repeat(201) }, false, 400, 'INVALID_PAYLOAD'],
      ['an array', [], false, 400, 'INVALID_PAYLOAD'],
      ['malformed JSON', '{"title":', true, 400, 'INVALID_PAYLOAD'],
      ['an oversized body', { title: 'x'.repeat(20_000) }, false, 413, 'PAYLOAD_TOO_LARGE'],
      ['an empty password', { password: '' }, false, 400, 'INVALID_PAYLOAD'],
      ['a 129-char password', { password: 'p'.repeat(129) }, false, 400, 'INVALID_PAYLOAD'],
      ['a numeric password', { password: 1234 }, false, 400, 'INVALID_PAYLOAD'],
      ['a string for the waiting room', { waitingRoom: 'yes' }, false, 400, 'INVALID_PAYLOAD'],
    ];
    for (const [what, body, raw, status, code] of cases) {
      assertError(await http(parley.url, 'POST', '/api/meetings', body, raw), status, code, what);
    }
  });

  test('POST /api/meetings/:id/join issues a token; bad input is refused with the error shape', async () => {
    const m = await createMeeting(parley.url, 'Join tests');
    const good = await http<JoinMeetingReply>(parley.url, 'POST', `/api/meetings/${m.id}/join`, { name: 'Ada' });
    assert.equal(good.status, 200);
    assert.equal(good.body.title, 'Join tests');
    assert.match(good.body.participantId, /^[a-z2-7]+$/);
    assert.equal(typeof good.body.token, 'string');

    const join = `/api/meetings/${m.id}/join`;
    const cases: [string, string, unknown, boolean, number, string][] = [
      ['missing name', join, {}, false, 400, 'INVALID_PAYLOAD'],
      ['empty name', join, { name: '' }, false, 400, 'INVALID_PAYLOAD'],
      ['65-char name', join, { name: 'n'.repeat(65) }, false, 400, 'INVALID_PAYLOAD'],
      ['control characters only', join, { name: '\u0000\u0007\u001b\u200b' }, false, 400, 'INVALID_PAYLOAD'],
      ['blanks only', join, { name: ' \n\t ' }, false, 400, 'INVALID_PAYLOAD'],
      ['extra property', join, { name: 'Ada', role: 'moderator' }, false, 400, 'INVALID_PAYLOAD'],
      ['numeric name', join, { name: 42 }, false, 400, 'INVALID_PAYLOAD'],
      ['numeric moderatorToken', join, { name: 'Ada', moderatorToken: 42 }, false, 400, 'INVALID_PAYLOAD'],
      ['body is a string', join, 'Ada', false, 400, 'INVALID_PAYLOAD'],
      ['body is null', join, 'null', true, 400, 'INVALID_PAYLOAD'],
      ['malformed JSON', join, '{"name": "Ada"', true, 400, 'INVALID_PAYLOAD'],
      ['oversized body', join, { name: 'Ada', moderatorToken: 'x'.repeat(17 * 1024) }, false, 413, 'PAYLOAD_TOO_LARGE'],
      ['unknown meeting', `/api/meetings/${'a'.repeat(26)}/join`, { name: 'Ada' }, false, 404, 'MEETING_NOT_FOUND'],
      ['bad id pattern', '/api/meetings/not.an.id/join', { name: 'Ada' }, false, 400, 'INVALID_PAYLOAD'],
      ['over-long id', `/api/meetings/${'a'.repeat(65)}/join`, { name: 'Ada' }, false, 400, 'INVALID_PAYLOAD'],
      ['wrong moderatorToken', join, { name: 'Ada', moderatorToken: 'not-the-token' }, false, 403, 'FORBIDDEN'],
      ["another meeting's moderatorToken", join, { name: 'Ada', moderatorToken: (await newMeeting(parley)).moderatorToken }, false, 403, 'FORBIDDEN'],
    ];
    for (const [what, url, body, raw, status, code] of cases) {
      assertError(await http(parley.url, 'POST', url, body, raw), status, code, what);
    }
    // No body at all, and a body that is not JSON.
    assertError(await http(parley.url, 'POST', join), 400, 'INVALID_PAYLOAD', 'no body');
    const text = await fetch(parley.url + join, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=Ada' });
    assertError({ status: text.status, body: await text.json() }, 400, 'INVALID_PAYLOAD', 'text/plain body');
  });

  test('GET /api/meetings/:id: unknown and malformed ids', async () => {
    assertError(await http(parley.url, 'GET', `/api/meetings/${'b'.repeat(26)}`), 404, 'MEETING_NOT_FOUND', 'unknown');
    assertError(await http(parley.url, 'GET', '/api/meetings/has%20space'), 400, 'INVALID_PAYLOAD', 'bad pattern');
  });

  test('unknown routes are NOT_FOUND in the same shape', async () => {
    const cases: [string, string][] = [
      ['GET', '/api/nope'],
      ['POST', '/api/meetings/x/y/z'],
      ['DELETE', '/api/meetings'],
      ['GET', '/api'],
      ['GET', '/no-such-page'],
    ];
    for (const [method, url] of cases) assertError(await http(parley.url, method, url), 404, 'NOT_FOUND', `${method} ${url}`);
  });

  test('names are cleaned: control characters dropped, blanks collapsed, never cut inside a character', async () => {
    const m = await createMeeting(parley.url);
    const cases: [string, string][] = [
      ['  Ada \n\t Lovelace ', 'Ada Lovelace'],
      ['Bob\u0007\u200b', 'Bob'],
      ['Eve\u202Edoc.exe', 'Evedoc.exe'],
      ['a' + '😀'.repeat(63), 'a' + '😀'.repeat(63)], // 64 characters, 127 UTF-16 units
      ['Zoë 🎉', 'Zoë 🎉'],
    ];
    for (const [given, shown] of cases) {
      const t = await joinToken(parley.url, m.id, given);
      const s = await connect(parley.url, t.token);
      sockets.push(s);
      const j = await ok<JoinResult>(s, 'meeting:join', {});
      assert.equal(j.self.name, shown, JSON.stringify(given));
      s.close();
    }
    // A NUL is not cleaned away but refused, as everywhere at the edge.
    const nul = await http<{ error: { code: string } }>(parley.url, 'POST', `/api/meetings/${m.id}/join`, { name: 'Bob\u0000' });
    assert.equal(nul.status, 400);
    assert.equal(nul.body.error.code, 'INVALID_PAYLOAD');
  });

  test('options at creation: the waiting room and the password hold from the first joiner on; the password is kept hashed', async () => {
    const res = await http<CreateMeetingReply>(parley.url, 'POST', '/api/meetings', { title: 'Locked', waitingRoom: true, password: 'open sesame 42' });
    assert.equal(res.status, 201);
    const record = (await parley.meetings.record(res.body.id as never))!;
    assert.ok(!JSON.stringify(record).includes('open sesame'), 'no password in clear in the record');
    assert.match(record.settings!.passwordHash!, /^scrypt\$/);
    // The host's link enters; a guest needs the password (and then skips the waiting room, the default).
    const host = await joinAs(parley, res.body.id, 'Host', { moderator: true });
    sockets.push(host.socket);
    assert.equal(host.join.settings.waitingRoom, true);
    assert.equal(host.join.settings.passwordSet, true);
    const guest = await joinToken(parley.url, res.body.id, 'Guest');
    const socket = await connect(parley.url, guest.token);
    sockets.push(socket);
    const waits = await request(socket, 'meeting:join', {});
    assert.equal(!waits.ok && waits.error.code, 'WAITING_ROOM');
    const wrong = await request(socket, 'meeting:join', { password: 'open sesame 43' });
    assert.equal(!wrong.ok && wrong.error.code, 'WRONG_PASSWORD');
    await ok(socket, 'meeting:join', { password: 'open sesame 42' });
  });

  test('join with a code: the code finds the meeting; malformed codes are refused, unknown ones not found', async () => {
    const m = await createMeeting(parley.url, 'By code');
    const found = await http<{ id: string }>(parley.url, 'GET', `/api/meeting-codes/${m.code}`);
    assert.equal(found.status, 200);
    assert.deepEqual(found.body, { id: m.id });
    for (const bad of ['12345678', '1234567890', 'abcdefghi', '123%20456%20789', '../../../', '%00']) {
      assertError(await http(parley.url, 'GET', `/api/meeting-codes/${bad}`), bad === '../../../' ? 404 : 400, bad === '../../../' ? 'NOT_FOUND' : 'INVALID_PAYLOAD', bad);
    }
    const unknown = m.code === '000000000' ? '000000001' : '000000000';
    assertError(await http(parley.url, 'GET', `/api/meeting-codes/${unknown}`), 404, 'MEETING_NOT_FOUND');
    // A meeting recovered without a code (an old record) is given one when first shown.
    const bare = await parley.meetings.create('Old');
    delete bare.record.code;
    const again = await parley.meetings.codeFor({ ...bare.record });
    assert.equal(again, bare.record.code ?? again);
  });

  test('a moderator link makes a moderator', async () => {
    const m = await createMeeting(parley.url);
    const first = await joinToken(parley.url, m.id, 'First');
    const mod = await joinToken(parley.url, m.id, 'Host', m.moderatorToken);
    const s1 = await connect(parley.url, first.token);
    const s2 = await connect(parley.url, mod.token);
    sockets.push(s1, s2);
    assert.equal((await ok<JoinResult>(s1, 'meeting:join', {})).self.role, 'moderator');
    assert.equal((await ok<JoinResult>(s2, 'meeting:join', {})).self.role, 'moderator');
    const info = await http<MeetingInfoReply>(parley.url, 'GET', `/api/meetings/${m.id}`);
    assert.equal(info.body.participants, 2);
  });
});

describe('HTTP rate limit', () => {
  test('codes cannot be guessed from one address: 10 tries, then RATE_LIMITED, found or not; another address still finds its meeting', async (t) => {
    const proxied = await startServer({ config: { trustProxy: ['127.0.0.1', '::1'] } });
    t.onTestFinished(() => proxied.close());
    const m = await createMeeting(proxied.url, 'Guarded');
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await http(proxied.url, 'GET', `/api/meeting-codes/${String(i).padStart(9, '7')}`, undefined, false, from('203.0.113.8'))).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(404));
    assert.deepEqual(statuses.slice(10), [429, 429]);
    // Even the right code is refused to the guesser now.
    assertError(await http(proxied.url, 'GET', `/api/meeting-codes/${m.code}`, undefined, false, from('203.0.113.8')), 429, 'RATE_LIMITED');
    const elsewhere = await http<{ id: string }>(proxied.url, 'GET', `/api/meeting-codes/${m.code}`, undefined, false, from('198.51.100.3'));
    assert.equal(elsewhere.body.id, m.id);
    // An IPv6 subscriber has a whole /64: changing the address in it changes nothing.
    const six: number[] = [];
    for (let i = 1; i <= 12; i++) six.push((await http(proxied.url, 'GET', `/api/meeting-codes/${String(i).padStart(9, '5')}`, undefined, false, from(`2001:db8:9:9::${i.toString(16)}`))).status);
    assert.deepEqual(six.slice(10), [429, 429]);
  });

  test('a flood of POSTs from one address is RATE_LIMITED while GETs still work', async (t) => {
    const parley = await startServer();
    t.onTestFinished(() => parley.close());
    const statuses: number[] = [];
    let limited: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 60; i++) {
      const res = await http(parley.url, 'POST', '/api/meetings');
      statuses.push(res.status);
      if (res.status !== 201) limited ??= res;
    }
    assert.ok(statuses.slice(0, 30).every((s) => s === 201), 'the first 30 go through');
    assert.ok(limited, 'some are refused');
    assertError(limited, 429, 'RATE_LIMITED');
    assert.equal((await http(parley.url, 'GET', '/healthz')).status, 200);
  });
});
