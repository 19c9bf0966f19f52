// Team chat over the wire: HTTP accounts and organizations, the /chat
// namespace's live delivery, bad input, permissions, presence, catch-up,
// attachments and call cards, on a real server (PostgreSQL, Redis).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ChatPayloads, type AuthReply, type CaptureState, type ChannelEvent, type ChannelView, type ChatStateReply, type JoinResult, type MessageView, type PresenceUpdate, type WireEvent, expandEvent } from '@parley/protocol';
import { spoiltPayloads } from '../../protocol/test/payload-examples.ts';
import type { Parley } from '../src/index.ts';
import { authed, ask, chatSocket, clientId, emailFor, invited, must, signup, startChatServer, team, type ChatSocket } from './chat-helpers.ts';
import { connect, http, joinToken, next, ok, request } from './helpers.ts';

type PresenceNote = { users: PresenceUpdate[] };

describe('chat gateway', () => {
  let parley: Parley;
  let base: string;
  const sockets: ChatSocket[] = [];
  const open = async (token: string) => {
    const s = await chatSocket(base, token);
    sockets.push(s);
    return s;
  };
  const general = async (s: ChatSocket): Promise<ChannelView> => (await must<ChatStateReply>(s, 'chat:state', {})).channels.find((c) => c.name === 'general')!;

  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await parley.close();
  });

  test('sign-up and login refuse malformed, oversized and wrong input with stable codes', async () => {
    const good = { email: 'a@example.org', username: 'alice', name: 'Alice', password: 'long enough pw' };
    for (const body of [
      {},
      { ...good, email: 'not-an-email' },
      { ...good, password: 'short' },
      { ...good, username: 'has space' },
      { ...good, extra: 1 },
      { ...good, name: 42 },
      { ...good, language: 'xx' },
      { ...good, orgName: 'A', invitation: 'x'.repeat(20) },
    ]) {
      const res = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/signup', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD');
    }
    const huge = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/signup', { ...good, name: 'x'.repeat(20_000) });
    assert.equal(huge.status, 413);
    assert.equal((await http(base, 'POST', '/api/auth/signup', '{"email":', true)).status, 400);
    const bad = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/signup', { ...good, invitation: 'x'.repeat(30) });
    assert.equal(bad.body.error.code, 'INVITATION_INVALID');
    assert.equal((await http(base, 'POST', '/api/auth/login', { login: 'alice' })).status, 400);

    const me = await signup(base, 'carol');
    const dup = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/signup', { ...good, email: me.user.email });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'EMAIL_TAKEN');
    const wrong = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/login', { login: me.user.username, password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    const right = await http<AuthReply>(base, 'POST', '/api/auth/login', { login: me.user.email, password: 'correct horse battery' });
    assert.equal(right.status, 200);
    assert.equal((await authed(base, right.body.token, 'GET', '/api/me')).status, 200);
    assert.equal((await http(base, 'GET', '/api/me')).status, 401);
    assert.equal((await authed(base, 'forged-token-forged-token-forged-token', 'GET', '/api/me')).status, 401);
  });

  test('sockets need a live session; logout ends them and the token with them', async () => {
    await assert.rejects(chatSocket(base, undefined), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    await assert.rejects(chatSocket(base, 'x'.repeat(43)), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    const me = await signup(base, 'dave', { orgName: 'Dave Inc' });
    const s = await open(me.token);
    const gone = next(s as never, 'chat:signedOut');
    const closed = new Promise((r) => s.once('disconnect', r));
    assert.equal((await authed(base, me.token, 'POST', '/api/auth/logout')).status, 200);
    assert.deepEqual(await gone, { reason: 'logout' });
    await closed;
    await assert.rejects(chatSocket(base, me.token), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
    // A participant's meeting token is no session token.
    await assert.rejects(chatSocket(base, 'eyJtZWV0aW5nSWQiOiJ4In0.abc'), (e: Error & { data?: { code: string } }) => e.data?.code === 'UNAUTHORIZED');
  });

  test('every malformed chat payload gets INVALID_PAYLOAD; unknown events and oversized text are refused', async () => {
    const { owner } = await team(base);
    const cases = spoiltPayloads(ChatPayloads);
    assert.equal(new Set(cases.map((c) => c.event)).size, Object.keys(ChatPayloads).length);
    // Validation comes after the per-socket rate limit: a fresh socket per
    // batch keeps the limit out of the picture.
    for (let i = 0; i < cases.length; i += 100) {
      const s = await chatSocket(base, owner.token);
      for (const spoilt of cases.slice(i, i + 100)) {
        const res = await ask(s, spoilt.event, spoilt.payload);
        assert.equal(res.ok, false, `${spoilt.event} with ${spoilt.what}`);
        if (!res.ok) assert.equal(res.error.code, 'INVALID_PAYLOAD', `${spoilt.event} with ${spoilt.what}: ${res.error.message}`);
      }
      assert.ok(s.connected);
      s.close();
    }
    const s = await open(owner.token);
    const unknown = await ask(s, 'channel:explode', {});
    assert.equal(!unknown.ok && unknown.error.code, 'UNKNOWN_EVENT');
    const ch = await general(s);
    // Within the character limit, over the byte limit (4-byte emoji).
    const big = await ask(s, 'message:send', { channelId: ch.id, clientId: clientId(), text: '😀'.repeat(4001) });
    assert.equal(!big.ok && big.error.code, 'PAYLOAD_TOO_LARGE');
    const tooLong = await ask(s, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'x'.repeat(16_001) });
    assert.equal(!tooLong.ok && tooLong.error.code, 'INVALID_PAYLOAD');
    const { messages } = await must<{ messages: MessageView[] }>(s, 'message:history', { channelId: ch.id });
    assert.ok(!messages.some((m) => m.authorId === owner.user.id && m.kind === 'user'), 'nothing was stored');
  });

  test('two users: messages, thread replies, reactions and edits arrive live; markup stays text', async () => {
    const { owner, members } = await team(base, ['erin']);
    const a = await open(owner.token);
    const b = await open(members[0]!.token);
    const ch = await general(a);
    const events: ChannelEvent[] = [];
    const wire: WireEvent[] = [];
    b.on('chat:event', (e) => {
      wire.push(e);
      events.push(expandEvent(e));
    });
    const xss = `<img src=x onerror="alert(1)"><script>alert(2)</script> hi @${members[0]!.user.username}`;
    const notified = next(b as never, 'chat:notify');
    const { message } = await must<{ message: MessageView }>(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: xss });
    assert.equal(message.text, xss, 'stored as typed: clients render it as text');
    assert.equal(((await notified) as { messageId: string }).messageId, message.id);
    const reply = await must<{ message: MessageView }>(b, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'in the thread', rootId: message.id });
    await must(b, 'message:react', { messageId: message.id, emoji: '👍', on: true });
    await must(a, 'message:edit', { messageId: message.id, text: 'edited' });
    await must(a, 'message:pin', { messageId: message.id, on: true });
    await new Promise((r) => setTimeout(r, 300));
    const kinds = events.filter((e) => e.channelId === ch.id).map((e) => e.kind);
    assert.deepEqual(kinds, ['message', 'message', 'reactions', 'message:edited', 'pin']);
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal((events[1] as { message: MessageView }).message.rootId, message.id);
    assert.equal((events[1] as { message: MessageView }).message.id, reply.message.id);
    // Live, a message travels without what its event says and without its defaults; expanded, it is the message the sender got.
    const [first, second] = wire as { message: Record<string, unknown> }[];
    assert.deepEqual(Object.keys(first!.message).sort(), ['authorId', 'authorName', 'clientId', 'id', 'mentions', 'text']);
    assert.deepEqual((events[0] as { message: MessageView }).message, message);
    assert.deepEqual((events[1] as { message: MessageView }).message, reply.message);
    assert.equal(second!.message.rootId, message.id);
    const edited = events.find((e) => e.kind === 'message:edited') as { seq: number; message: MessageView };
    assert.deepEqual([edited.message.seq, edited.message.createdAt, edited.message.text], [message.seq, message.createdAt, 'edited'], 'an edit keeps the message’s own number and time');
    const forged = await ask(b, 'message:edit', { messageId: message.id, text: 'not mine' });
    assert.equal(!forged.ok && forged.error.code, 'FORBIDDEN');
  });

  test('a flood from one user is cut with RATE_LIMITED and nothing refused is stored', async () => {
    const { owner } = await team(base);
    const s = await open(owner.token);
    const ch = await general(s);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => ask(s, 'message:send', { channelId: ch.id, clientId: clientId(), text: `flood ${i}` })));
    const accepted = results.filter((r) => r.ok).length;
    assert.ok(results.some((r) => !r.ok && r.error.code === 'RATE_LIMITED'));
    assert.ok(accepted >= 10 && accepted < 40, `accepted ${accepted}`);
    const { messages } = await must<{ messages: MessageView[] }>(s, 'message:history', { channelId: ch.id, limit: 100 });
    assert.equal(messages.filter((m) => m.text.startsWith('flood')).length, accepted);
  });

  test('a guest hears only its channel; members hear that it joined', async () => {
    const { owner, orgId } = await team(base);
    const a = await open(owner.token);
    const room = (await must<{ channel: ChannelView }>(a, 'channel:create', { orgId, name: 'partners', kind: 'private' })).channel;
    const joined = next<ChannelEvent>(a as never, 'chat:event', (e) => e.channelId === room.id && e.kind === 'member:joined');
    const guestEmail = emailFor('guest');
    const inv = await authed<{ token: string; url: string }>(base, owner.token, 'POST', `/api/orgs/${orgId}/invitations`, { role: 'external', channelIds: [room.id], email: guestEmail });
    assert.match(inv.body.url, /\/chat\/invite\//);
    const guest = await signup(base, 'guest', { invitation: inv.body.token, email: guestEmail });
    assert.equal(guest.orgs[0]!.role, 'external');
    await joined;
    const g = await open(guest.token);
    const state = await must<ChatStateReply>(g, 'chat:state', {});
    assert.deepEqual(state.channels.map((c) => c.id), [room.id]);
    const heard: ChannelEvent[] = [];
    g.on('chat:event', (e) => heard.push(expandEvent(e)));
    const ch = await general(a);
    await must(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'members only' });
    await must(a, 'message:send', { channelId: room.id, clientId: clientId(), text: 'hello partners' });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heard.map((e) => e.channelId), [room.id]);
    for (const [event, payload] of [
      ['message:history', { channelId: ch.id }],
      ['message:send', { channelId: ch.id, clientId: clientId(), text: 'let me in' }],
      ['channel:join', { channelId: ch.id }],
      ['channel:members', { channelId: ch.id }],
    ] as const) {
      const res = await ask(g, event, payload);
      assert.equal(!res.ok && res.error.code, 'CHANNEL_NOT_FOUND', event);
    }
    // Nothing organization-wide reaches the guest: not the next newcomer, not others' presence.
    const orgNews: string[] = [];
    g.on('org:member', () => orgNews.push('org:member'));
    g.on('chat:presence', (p) => p.users.some((u) => u.userId !== guest.user.id) && orgNews.push('chat:presence'));
    const newcomer = await invited(base, owner.token, orgId, 'nina');
    // The owner hears the newcomer's news: the guest would have heard it by then, from the same emit.
    const away = next<PresenceNote>(a as never, 'chat:presence', (p) => p.users.some((u) => u.userId === newcomer.user.id && u.presence === 'away'));
    const n = await chatSocket(base, newcomer.token);
    await must(n, 'presence:set', { presence: 'away' });
    await away;
    const offline = next<PresenceNote>(a as never, 'chat:presence', (p) => p.users.some((u) => u.userId === newcomer.user.id && u.presence === 'offline'));
    n.close();
    await offline;
    assert.deepEqual(orgNews, []);
    const create = await ask(g, 'channel:create', { orgId, name: 'mine', kind: 'public' });
    assert.equal(!create.ok && create.error.code, 'FORBIDDEN');
    assert.equal((await authed(base, guest.token, 'POST', `/api/orgs/${orgId}/invitations`, { role: 'collaborator' })).status, 403);
  });

  test('a member made a guest leaves the channels and hears nothing organization-wide any more; its conversations stay', async () => {
    const { owner, members, orgId } = await team(base, ['iris']);
    const iris = members[0]!;
    const a = await open(owner.token);
    const i = await open(iris.token);
    const ch = await general(a);
    const priv = (await must<{ channel: ChannelView }>(a, 'channel:create', { orgId, name: 'board', kind: 'private' })).channel;
    await must(a, 'channel:invite', { channelId: priv.id, userIds: [iris.user.id] });
    const dm = (await must<{ channel: ChannelView }>(a, 'dm:open', { orgId, userIds: [iris.user.id] })).channel;
    const gone = new Set<string>();
    const bothGone = new Promise<void>((resolve) =>
      i.on('chat:channelGone', ({ channelId }) => {
        gone.add(channelId);
        if (gone.has(ch.id) && gone.has(priv.id)) resolve();
      }),
    );
    const updated = next<{ user: { id: string; role: string } }>(a as never, 'org:member', (p) => p.user.id === iris.user.id && p.user.role === 'external');
    const res = await authed(base, owner.token, 'PATCH', `/api/orgs/${orgId}/members/${iris.user.id}`, { role: 'external' });
    assert.equal(res.status, 200);
    await bothGone;
    await updated;
    const state = await must<ChatStateReply>(i, 'chat:state', { orgId });
    assert.deepEqual(state.channels.map((c) => c.id), [dm.id], 'only the direct conversation is left');
    const read = await ask(i, 'message:history', { channelId: ch.id });
    assert.equal(!read.ok && read.error.code, 'CHANNEL_NOT_FOUND');
    // No one's presence, no newcomer, reaches the guest any more (the same socket as before).
    const heard: string[] = [];
    i.on('chat:presence', (p) => p.users.some((u) => u.userId !== iris.user.id) && heard.push('chat:presence'));
    const dnd = next<PresenceNote>(a as never, 'chat:presence', (p) => p.users.some((u) => u.userId === owner.user.id && u.presence === 'dnd'));
    await must(a, 'presence:set', { presence: 'dnd' });
    await invited(base, owner.token, orgId, 'olaf');
    await dnd;
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heard, []);
    // Made a member again, it hears the organization again (it joins channels as anyone does).
    await authed(base, owner.token, 'PATCH', `/api/orgs/${orgId}/members/${iris.user.id}`, { role: 'collaborator' });
    await new Promise((r) => setTimeout(r, 200));
    const back = next<PresenceNote>(i as never, 'chat:presence', (p) => p.users.some((u) => u.userId === owner.user.id));
    await must(a, 'presence:set', { presence: 'auto' });
    await back;
  });

  test('organization admin over HTTP: roles, the last legal representative, removal reaches the sockets', async () => {
    const { owner, members, orgId } = await team(base, ['finn', 'gina']);
    const [finn, gina] = members as [AuthReply, AuthReply];
    assert.equal((await authed(base, finn.token, 'PATCH', `/api/orgs/${orgId}/members/${gina.user.id}`, { role: 'admin' })).status, 403);
    const last = await authed<{ error: { code: string } }>(base, owner.token, 'PATCH', `/api/orgs/${orgId}/members/${owner.user.id}`, { role: 'admin' });
    assert.equal(last.status, 409);
    assert.equal(last.body.error.code, 'LAST_LEGAL_REPRESENTATIVE');
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/orgs/${orgId}/members/${finn.user.id}`, { role: 'admin' })).status, 200);
    assert.equal((await authed(base, owner.token, 'PATCH', `/api/orgs/${orgId}/members/${finn.user.id}`, { role: 'boss' })).status, 400);
    const g = await open(gina.token);
    const gone = next(g as never, 'chat:channelGone');
    const orgGone = next(g as never, 'org:memberGone');
    assert.equal((await authed(base, finn.token, 'DELETE', `/api/orgs/${orgId}/members/${gina.user.id}`)).status, 200);
    await gone;
    await orgGone;
    const after = await must<ChatStateReply>(g, 'chat:state', {});
    assert.deepEqual(after.orgs, []);
    assert.equal((await authed(base, finn.token, 'DELETE', `/api/orgs/${orgId}/members/${owner.user.id}`)).status, 403);
    const members2 = await authed<{ members: { id: string; role: string }[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/members`);
    assert.ok(members2.body.members.some((m) => m.role === 'bot'), 'Euria is a member');
    assert.ok(!members2.body.members.some((m) => m.id === gina.user.id));
  });

  test('presence: online, do not disturb with a status, offline', async () => {
    const { owner, members } = await team(base, ['hank']);
    const a = await open(owner.token);
    const hank = members[0]!;
    const of = (p: PresenceNote, presence: string) => p.users.find((u) => u.userId === hank.user.id && u.presence === presence);
    const online = next<PresenceNote>(a as never, 'chat:presence', (p) => !!of(p, 'online'));
    const h = await chatSocket(base, hank.token);
    await online;
    const dnd = next<PresenceNote>(a as never, 'chat:presence', (p) => !!of(p, 'dnd'));
    await must(h, 'presence:set', { presence: 'dnd', statusText: 'focus time', statusEmoji: '🎧' });
    assert.equal(of(await dnd, 'dnd')!.statusText, 'focus time');
    const state = await must<ChatStateReply>(a, 'chat:state', {});
    assert.equal(state.users.find((u) => u.id === hank.user.id)!.presence, 'dnd');
    const offline = next<PresenceNote>(a as never, 'chat:presence', (p) => !!of(p, 'offline'));
    h.close();
    await offline;
  });

  test('a client that was away catches up with chat:sync', async () => {
    const { owner, members } = await team(base, ['ivy']);
    const a = await open(owner.token);
    const ch = await general(a);
    let b = await chatSocket(base, members[0]!.token);
    const seen = (await general(b)).lastSeq;
    b.close();
    for (let i = 0; i < 3; i++) await must(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: `missed ${i}` });
    b = await open(members[0]!.token);
    const { events, reload } = await must<{ events: ChannelEvent[]; reload: string[] }>(b, 'chat:sync', { since: { [ch.id]: seen } });
    assert.deepEqual(reload, []);
    assert.deepEqual(events.map((e) => e.kind === 'message' && e.message.text), ['missed 0', 'missed 1', 'missed 2']);
  });


  test('/metrics counts chat sends and where their time went', async () => {
    const scrape = async () => {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      const value = (name: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${name} `));
        assert.ok(line, `${name} is listed`);
        return Number(line.split(' ')[1]);
      };
      return {
        sends: value('parley_chat_sends_total'),
        batches: value('parley_chat_send_batches_total'),
        stages: Object.fromEntries(['queued', 'read', 'writeWait', 'write', 'announce'].map((s) => [s, value(`parley_chat_send_stage_seconds_total{stage="${s}"}`)])),
      };
    };
    const before = await scrape();
    const { owner } = await team(base, []);
    const a = await open(owner.token);
    const ch = await general(a);
    // Four at once (one batch or a few), then one alone: each is counted once.
    await Promise.all(Array.from({ length: 4 }, (_, i) => must(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: `counted ${i}` })));
    await must(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'counted alone' });
    // A refused send (not a member) is not counted as written.
    const refused = await ask(a, 'message:send', { channelId: 'no-such-channel', clientId: clientId(), text: 'nowhere' });
    assert.ok(!refused.ok && refused.error.code === 'CHANNEL_NOT_FOUND');
    const after = await scrape();
    assert.equal(after.sends - before.sends, 5);
    const batches = after.batches - before.batches;
    assert.ok(batches >= 2 && batches <= 5, `5 sends in ${batches} batches`);
    // Each stage only grows, and a written send spent time in the write at least.
    for (const [stage, seconds] of Object.entries(after.stages)) assert.ok(seconds >= before.stages[stage]!, stage);
    assert.ok(after.stages.write! > before.stages.write!);
  });
  test('attachments: stored in the drive, for the channel’s members only', async () => {
    const { owner, members, orgId } = await team(base, ['jack']);
    const a = await open(owner.token);
    const ch = await general(a);
    const bytes = Buffer.from('%PDF-1.4 not really a pdf\n'.repeat(100));
    const up = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=${encodeURIComponent('../../report.pdf')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/pdf' },
      body: bytes,
    });
    assert.equal(up.status, 201);
    const { file } = (await up.json()) as { file: { id: string; name: string; size: number } };
    assert.equal(file.size, bytes.length);
    assert.ok(!file.name.includes('/'));
    const { message } = await must<{ message: MessageView }>(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'the report', fileIds: [file.id] });
    assert.deepEqual(message.attachments.map((f) => f.id), [file.id]);
    const again = await ask(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'again', fileIds: [file.id] });
    assert.equal(!again.ok && again.error.code, 'FILE_NOT_FOUND');
    const link = await authed<{ url: string }>(base, members[0]!.token, 'GET', `/api/chat/files/${file.id}`);
    assert.equal(link.status, 200);
    const dl = await fetch(link.body.url);
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-disposition'), 'attachment');
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), bytes);
    const outsider = await signup(base, 'kim', { orgName: 'Other' });
    assert.equal((await authed(base, outsider.token, 'GET', `/api/chat/files/${file.id}`)).status, 404);
    const upOut = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=x.txt`, { method: 'POST', headers: { authorization: `Bearer ${outsider.token}` }, body: 'x' });
    assert.equal(upOut.status, 404);
    const big = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=big.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(25 * 1024 * 1024 + 1),
    });
    assert.equal(big.status, 413);
    void orgId;
  });

  test('uploads and imports: the session is checked before the body is read, and an upload streams to the drive', async () => {
    const { owner } = await team(base);
    const a = await open(owner.token);
    const ch = await general(a);
    const cal = (await authed<{ calendars: { id: string; access: string }[] }>(base, owner.token, 'GET', `/api/orgs/${ch.orgId}/calendars`)).body.calendars.find((c) => c.access === 'owner')!;
    // A request that announces 24 MB and sends 1 KB of it: answered at once when it has no session, not after the body.
    const announce = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(24 * 1024 * 1024), ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
          req.destroy();
        });
        req.on('error', (e) => (String(e).includes('socket hang up') ? undefined : reject(e)));
        req.write(Buffer.alloc(1024));
        setTimeout(() => reject(new Error(`${path}: no answer before the body was complete`)), 5000).unref();
      });
    assert.equal(await announce(`/api/chat/channels/${ch.id}/files?name=x.bin`), 401);
    assert.equal(await announce(`/api/calendars/${cal.id}/import`), 401);
    assert.equal(await announce(`/api/chat/channels/${ch.id}/files?name=x.bin`, { authorization: 'Bearer not-a-session-token-at-all-0000' }), 401);
    // An outsider with a session is refused before the body too (the channel is checked first).
    const outsider = await signup(base, 'olaf', { orgName: 'Elsewhere' });
    assert.equal(await announce(`/api/chat/channels/${ch.id}/files?name=x.bin`, { authorization: `Bearer ${outsider.token}` }), 404);
    // A real upload of 5 MB lands whole, from a stream.
    const five = Buffer.alloc(5 * 1024 * 1024, 7);
    const up = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=five.bin`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}` }, body: five });
    assert.equal(up.status, 201);
    const { file } = (await up.json()) as { file: { id: string; size: number } };
    assert.equal(file.size, five.length);
    const [row] = await parley.chat!.db.query<{ drive_key: string }>('select drive_key from files where id = $1', [file.id]);
    assert.equal((await parley.drive.head(row!.drive_key))?.size, five.length);
    // A body over the limit without a declared length (chunked) is cut off at the limit, and nothing is kept.
    const chunked = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=huge.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
      body: Readable.toWeb(Readable.from((function* () {
        for (let i = 0; i < 27; i++) yield Buffer.alloc(1024 * 1024, 2);
      })())) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    const empty = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=empty.bin`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/plain' }, body: '' });
    assert.equal(empty.status, 400);
  });

  test('a deleted message leaves a tombstone only: no text, no earlier versions, no attachment, in sync from 0 or by its links', async () => {
    const { owner, members } = await team(base, ['nia']);
    const a = await open(owner.token);
    const ch = await general(a);
    const bytes = Buffer.from('secret plans\n'.repeat(50));
    const up = await fetch(`${base}/api/chat/channels/${ch.id}/files?name=plans.txt`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/plain' }, body: bytes });
    const { file } = (await up.json()) as { file: { id: string } };
    const { message } = await must<{ message: MessageView }>(a, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'first draft: the password is hunter2', fileIds: [file.id] });
    await must(a, 'message:edit', { messageId: message.id, text: 'second draft: still hunter2' });
    const link = await authed<{ url: string }>(base, members[0]!.token, 'GET', `/api/chat/files/${file.id}`);
    assert.equal((await fetch(link.body.url)).status, 200);
    const [row] = await parley.chat!.db.query<{ drive_key: string }>('select drive_key from files where id = $1', [file.id]);
    assert.ok(await parley.drive.head(row!.drive_key));

    await must(a, 'message:delete', { messageId: message.id });
    // Everything a client can ask for from the start of the channel.
    const b = await open(members[0]!.token);
    const { events } = await must<{ events: ChannelEvent[] }>(b, 'chat:sync', { since: { [ch.id]: 0 } });
    const dump = JSON.stringify(events);
    for (const gone of ['hunter2', 'first draft', 'second draft', 'plans.txt', file.id]) assert.equal(dump.includes(gone), false, `"${gone}" is still in chat:sync`);
    const mine = events.filter((e) => (e.kind === 'message' || e.kind === 'message:edited') && e.message.id === message.id) as { message: MessageView }[];
    assert.equal(mine.length, 2, 'its creation and its edit stay in the log, as tombstones');
    for (const e of mine) {
      assert.equal(e.message.text, '');
      assert.deepEqual(e.message.attachments, []);
      assert.ok(e.message.deletedAt);
    }
    assert.ok(events.some((e) => e.kind === 'message:deleted' && e.messageId === message.id));
    // The attachment: no link, the earlier link refused, the bytes gone from the drive.
    assert.equal((await authed(base, members[0]!.token, 'GET', `/api/chat/files/${file.id}`)).status, 404);
    for (let i = 0; i < 50 && (await parley.drive.head(row!.drive_key)); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await parley.drive.head(row!.drive_key), null);
    assert.equal((await fetch(link.body.url)).status, 404);
    // And it cannot be found by search.
    const found = await must<{ hits: unknown[] }>(b, 'message:search', { orgId: ch.orgId, query: 'hunter2' });
    assert.deepEqual(found.hits, []);
  });

  test('a call started from a channel: a card with the link and the live count, closed when the meeting ends', async () => {
    const { owner, members } = await team(base, ['lea']);
    const a = await open(owner.token);
    const b = await open(members[0]!.token);
    const ch = await general(a);
    const started = next<ChannelEvent>(b as never, 'chat:event', (e) => e.kind === 'message' && e.message.kind === 'call');
    const call = await must<{ message: MessageView; url: string; moderatorToken: string }>(a, 'call:start', { channelId: ch.id });
    const card = ((await started) as { message: MessageView }).message;
    assert.equal(card.call!.url, call.url);
    const meetingId = call.url.split('/m/')[1]!;
    const counted = next<ChannelEvent>(b as never, 'chat:event', (e) => e.kind === 'message:edited' && e.message.call?.participants === 1);
    const t = await joinToken(base, meetingId, 'Lea', call.moderatorToken);
    const p = await connect(base, t.token);
    await ok(p, 'meeting:join', {});
    await counted;
    const ended = next<ChannelEvent>(b as never, 'chat:event', (e) => e.kind === 'message:edited' && e.message.call?.endedAt !== null);
    await ok(p, 'meeting:leave', {});
    p.close();
    await ended;
  });

  test('live streaming follows the organization’s plan: refused on free and standard (recording still works), allowed on business', async () => {
    const { owner, orgId } = await team(base);
    const a = await open(owner.token);
    const ch = await general(a);
    const inCall = async () => {
      const call = await must<{ url: string; moderatorToken: string }>(a, 'call:start', { channelId: ch.id });
      const t = await joinToken(base, call.url.split('/m/')[1]!, 'Owner', call.moderatorToken);
      const socket = await connect(base, t.token);
      return { socket, join: await ok<JoinResult>(socket, 'meeting:join', {}) };
    };
    for (const plan of ['free', 'standard'] as const) {
      assert.equal((await authed(base, owner.token, 'PUT', `/api/orgs/${orgId}/plan`, { plan })).status, 200);
      const { socket, join } = await inCall();
      assert.equal(join.capture.streamAllowed, false);
      const refused = await request(socket, 'capture:start', { kind: 'stream' });
      assert.equal(!refused.ok && refused.error.code, 'PLAN_LIMIT', plan);
      await ok(socket, 'capture:start', { kind: 'record' });
      await ok(socket, 'capture:stop', { kind: 'record' });
      socket.close();
    }
    assert.equal((await authed(base, owner.token, 'PUT', `/api/orgs/${orgId}/plan`, { plan: 'business' })).status, 200);
    const { socket, join } = await inCall();
    if (!join.capture.streamAllowed) await next<CaptureState>(socket, 'capture:state', (s) => s.streamAllowed);
    await ok(socket, 'capture:start', { kind: 'stream' });
    await ok(socket, 'capture:stop', { kind: 'stream' });
    socket.close();
  });

  test('calls started in a burst are cut with RATE_LIMITED: no meeting and no card for the refused ones', async () => {
    const { owner } = await team(base);
    const a = await open(owner.token);
    const ch = await general(a);
    const results = await Promise.all(Array.from({ length: 10 }, () => ask<{ url: string }>(a, 'call:start', { channelId: ch.id })));
    const started = results.filter((r) => r.ok);
    assert.equal(started.length, 3, 'a few calls at once, not ten');
    for (const r of results) if (!r.ok) assert.equal(r.error.code, 'RATE_LIMITED');
    // Another socket of the same user shares the count.
    const again = await ask(await open(owner.token), 'call:start', { channelId: ch.id });
    assert.equal(!again.ok && again.error.code, 'RATE_LIMITED');
    const { messages } = await must<{ messages: MessageView[] }>(a, 'message:history', { channelId: ch.id, limit: 100 });
    assert.equal(messages.filter((m) => m.kind === 'call').length, 3);
  });
});
