// Security headers, the drive's share links (ranges for players, who may
// read what from where), /metrics and the device cookie.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Parley } from '../src/index.ts';
import { createMeeting, http, rawRequest, startServer } from './helpers.ts';

/** A fetch whose body is read (an unread body keeps its connection busy, and the server's close waits for it). */
async function get(url: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  return Object.assign(res, { bytes: body, arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.length), text: async () => body.toString('utf8') });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-headers-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('security headers', () => {
  let parley: Parley;
  beforeAll(async () => {
    parley = await startServer({
      config: { drive: { kind: 'local', dir: path.join(tmp, 'drive') }, liveEmbedOrigins: ['https://tv.example.org'], metricsToken: 'scrape-me-0123456789', trustProxy: ['127.0.0.1', '::1'] },
    });
  });
  afterAll(() => parley.close());

  test('every answer carries a CSP, nosniff, a same-origin referrer policy and no framing by other sites', async () => {
    const res = await get(`${parley.url}/healthz`);
    const csp = res.headers.get('content-security-policy')!;
    assert.ok(csp, 'a CSP');
    for (const part of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "worker-src 'self' blob:"]) assert.ok(csp.includes(part), `${part} in ${csp}`);
    assert.ok(!csp.includes('unsafe-eval'));
    assert.ok(!csp.includes('upgrade-insecure-requests'), 'a LAN install over http keeps working');
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
  });

  test('the live viewer page may be framed by the sites the operator names; no other page', async () => {
    const live = await get(`${parley.url}/live/${'a'.repeat(26)}`);
    assert.match(live.headers.get('content-security-policy')!, /frame-ancestors 'self' https:\/\/tv\.example\.org/);
    assert.equal(live.headers.get('x-frame-options'), null);
    const meeting = await get(`${parley.url}/m/${'a'.repeat(26)}`);
    assert.match(meeting.headers.get('content-security-policy')!, /frame-ancestors 'self'(;|$)/);
    assert.equal(meeting.headers.get('x-frame-options'), 'SAMEORIGIN');
  });

  test('/metrics asks for its token', async () => {
    assert.equal((await get(`${parley.url}/metrics`)).status, 401);
    assert.equal((await get(`${parley.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const ok = await get(`${parley.url}/metrics`, { headers: { authorization: 'Bearer scrape-me-0123456789' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /parley_rooms/);
  });

  test('the device cookie is Secure behind https', async () => {
    const m = await createMeeting(parley.url, 'Cookies');
    const plain = await get(`${parley.url}/api/meetings/${m.id}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'A' }) });
    assert.doesNotMatch(plain.headers.get('set-cookie')!, /Secure/);
    const tls = await get(`${parley.url}/api/meetings/${m.id}/join`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ name: 'A' }) });
    assert.match(tls.headers.get('set-cookie')!, /; Secure/);
  });

  test('share links: recordings play and seek (206), attachments are downloaded in a sandbox, only live streams are readable from other origins', async () => {
    const bytes = crypto.randomBytes(100_000);
    await parley.drive.put('meetings/m1/recordings/r1/recording.mp4', bytes);
    await parley.drive.put('chat/org/ch/file.html', '<script>alert(1)</script>');
    await parley.drive.put('live/abc/index.m3u8', '#EXTM3U\n');
    const recording = await parley.drive.shareUrl('meetings/m1/recordings/r1/recording.mp4', 60);
    const whole = await get(recording);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('access-control-allow-origin'), null);
    assert.match(whole.headers.get('content-security-policy')!, /media-src 'self'/);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes);
    const part = await get(recording, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${bytes.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(1000, 2000));
    const open = await get(recording, { headers: { range: 'bytes=99000-' } });
    assert.equal(open.status, 206);
    assert.equal((await open.arrayBuffer()).byteLength, 1000);
    const tail = await get(recording, { headers: { range: 'bytes=-10' } });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), bytes.subarray(bytes.length - 10));
    const beyond = await get(recording, { headers: { range: 'bytes=200000-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${bytes.length}`);
    const other = await get(recording, { headers: { range: 'lines=1-2' } });
    assert.equal(other.status, 200, 'a range of something else: the whole file');
    await other.arrayBuffer();
    await beyond.arrayBuffer();

    const attachment = await get(await parley.drive.shareUrl('chat/org/ch/file.html', 60));
    assert.equal(attachment.headers.get('content-disposition'), 'attachment');
    assert.equal(attachment.headers.get('content-security-policy'), "default-src 'none'; sandbox");
    assert.equal(attachment.headers.get('access-control-allow-origin'), null);
    await attachment.arrayBuffer();
    const live = await get(await parley.drive.shareUrl('live/abc/index.m3u8', 60));
    assert.equal(live.headers.get('access-control-allow-origin'), '*');
    assert.equal(live.headers.get('cache-control'), 'no-cache');
    await live.arrayBuffer();
  });

  test('a malformed TRUST_PROXY or LIVE_EMBED_ORIGINS, or a stream cap past 24 hours, stops the start with a sentence', async () => {
    const { configFromEnv } = await import('../src/config.ts');
    for (const [name, value, words] of [
      ['TRUST_PROXY', '1', /not a number of hops/],
      ['TRUST_PROXY', 'not-an-address', /TRUST_PROXY/],
      ['LIVE_EMBED_ORIGINS', 'example.org', /not an origin/],
      ['LIVE_EMBED_ORIGINS', 'https://example.org/path', /not an origin/],
      ['STREAM_MAX_SECONDS', String(24 * 3600 + 1), /STREAM_MAX_SECONDS must be an integer from 10 to 86400/],
      ['STREAM_MAX_SECONDS', '1e9', /STREAM_MAX_SECONDS/],
    ] as [string, string, RegExp][]) {
      const before = process.env[name];
      process.env[name] = value;
      try {
        assert.throws(() => configFromEnv({ secret: 'x' }), words, `${name}=${value}`);
      } finally {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      }
    }
    process.env.STREAM_MAX_SECONDS = String(24 * 3600);
    try {
      assert.equal(configFromEnv({ secret: 'x' }).capture.streamMaxSeconds, 24 * 3600);
    } finally {
      delete process.env.STREAM_MAX_SECONDS;
    }
    void http;
  });
});

describe('links without PUBLIC_URL', () => {


  test('a meeting link names the address the request came on; behind a trusted proxy, its forwarded host and scheme', async () => {
    const direct = await startServer();
    const proxied = await startServer({ config: { trustProxy: ['127.0.0.1', '::1'] } });
    try {
      const lan = await rawRequest(direct.url, 'POST', '/api/meetings', { host: '192.168.1.20:3000' });
      assert.equal(lan.status, 201);
      assert.match(String(lan.body.url), /^http:\/\/192\.168\.1\.20:3000\/m\/[a-z2-7]{26}$/);
      const named = await rawRequest(direct.url, 'POST', '/api/meetings', { host: 'Meet.Example.LAN' });
      assert.match(String(named.body.url), /^http:\/\/meet\.example\.lan\/m\//);
      // Not from a trusted proxy: forwarded headers are nobody's word.
      const forged = await rawRequest(direct.url, 'POST', '/api/meetings', { host: '192.168.1.20:3000', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
      assert.match(String(forged.body.url), /^http:\/\/192\.168\.1\.20:3000\/m\//);
      const behind = await rawRequest(proxied.url, 'POST', '/api/meetings', { host: '127.0.0.1', 'x-forwarded-host': 'meet.example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
      assert.match(String(behind.body.url), /^https:\/\/meet\.example\.org\/m\//);
      // A Host that is not a plain host never makes it into a link.
      for (const host of ['evil.example/phish?', 'a b', 'x'.repeat(300)]) {
        const res = await rawRequest(direct.url, 'POST', '/api/meetings', { host });
        if (res.status === 201) assert.ok(String(res.body.url).startsWith(`${direct.url}/m/`), `${host}: ${String(res.body.url)}`);
        else assert.equal(res.status, 400);
      }
    } finally {
      await direct.close();
      await proxied.close();
    }
  });

  test('socket requests build links on the address the socket connected on (a call from a channel)', async () => {
    const { startChatServer, team, chatSocket } = await import('./chat-helpers.ts');
    const chatServer = await startChatServer();
    try {
      const { owner, orgId } = await team(chatServer.url);
      const s = await chatSocket(chatServer.url, owner.token, { extraHeaders: { host: 'parley.office.lan:3000' } });
      const state = (await s.emitWithAck('chat:state', { orgId })) as { ok: boolean; channels: { id: string; name: string }[] };
      const general = state.channels.find((c) => c.name === 'general')!;
      const call = (await s.emitWithAck('call:start', { channelId: general.id })) as { ok: boolean; url: string };
      assert.ok(call.ok);
      assert.match(call.url, /^http:\/\/parley\.office\.lan:3000\/m\/[a-z2-7]{26}$/);
      s.close();
    } finally {
      await chatServer.close();
    }
  });

  test('a password reset link never takes the Host of whoever asked for it', async () => {
    const { startChatServer, signup } = await import('./chat-helpers.ts');
    const chatServer = await startChatServer();
    try {
      const me = await signup(chatServer.url, 'resetme');
      const res = await rawRequest(chatServer.url, 'POST', '/api/auth/reset', { host: 'evil.example' }, { email: me.user.email });
      assert.equal(res.status, 200);
      const [row] = await chatServer.chat!.db.query<{ body: string }>('select body_text as body from mail_outbox where to_address = $1 order by created_at desc limit 1', [me.user.email]);
      assert.ok(row, 'a reset mail is queued');
      assert.ok(!row.body.includes('evil.example'), row.body);
      assert.ok(row.body.includes(`${chatServer.url}/chat/reset/`), row.body);
    } finally {
      await chatServer.close();
    }
  });
});
