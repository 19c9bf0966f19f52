import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { REACTIONS, type TalkMessage, type JoinResult, type MeetingId, type ParticipantInfo, type TransportOptionsWire } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { closeAll, connect, joinAs, mintToken, newMeeting, next, ok, opus, record, refused, request, startServer, type ClientSocket, type Joined } from './helpers.ts';

let parley: Parley;
const opened: ClientSocket[] = [];
async function joined(meetingId: string, name: string, opts: { moderator?: boolean } = {}): Promise<Joined> {
  const j = await joinAs(parley, meetingId, name, opts);
  opened.push(j.socket);
  return j;
}
async function reconnect(token: string): Promise<{ socket: ClientSocket; join: JoinResult }> {
  const socket = await connect(parley.url, token);
  opened.push(socket);
  return { socket, join: await ok<JoinResult>(socket, 'meeting:join', {}) };
}
const live = (id: string) => parley.meetings.live(id as MeetingId);

beforeAll(async () => {
  parley = await startServer();
});
afterAll(async () => {
  closeAll(...opened);
  await parley.close();
});

describe('roles', () => {
  test('without a moderator token, whoever finds the meeting empty is moderator', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'First');
    const b = await joined(m.id, 'Second');
    assert.equal(a.join.self.role, 'moderator');
    assert.equal(b.join.self.role, 'participant');
    assert.deepEqual(b.join.snapshot.participants.map((p) => [p.name, p.role]), [['First', 'moderator'], ['Second', 'participant']]);
  });

  test('the moderator token holder is moderator even when joining second; later joiners are participants', async () => {
    const m = await newMeeting(parley);
    const first = await joined(m.id, 'Early bird');
    const host = await joined(m.id, 'Host', { moderator: true });
    const third = await joined(m.id, 'Third');
    assert.equal(host.join.self.role, 'moderator');
    assert.equal(third.join.self.role, 'participant');
    assert.equal(first.join.self.role, 'moderator');
  });
});

describe('joining', () => {
  test('the join result describes self and the meeting; others hear participantJoined', async () => {
    const m = await newMeeting(parley, 'Design review');
    const a = await joined(m.id, 'Ada');
    const heard = next<ParticipantInfo>(a.socket, 'meeting:participantJoined');
    const b = await joined(m.id, 'Bob');
    const info = await heard;
    assert.deepEqual(info, b.join.self);
    assert.equal(info.id, b.id);
    assert.equal(info.name, 'Bob');
    assert.equal(info.connection, 'connected');
    assert.equal(info.handRaisedAt, null);
    assert.deepEqual(info.producers, []);
    assert.equal(b.join.resumed, false);
    assert.equal(b.join.snapshot.id, m.id);
    assert.equal(b.join.snapshot.title, 'Design review');
    assert.equal(b.join.snapshot.activeSpeakerId, null);
    assert.deepEqual(b.join.transports, { send: null, recv: null });
    assert.equal(b.join.media, null);
    assert.ok(b.join.routerRtpCapabilities.codecs!.length > 0);
  });

  test('two joins in flight at once for one participant make one participant', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const heard = record<ParticipantInfo>(a.socket, 'meeting:participantJoined');
    // From one socket (a double submit)...
    const { token, participantId } = mintToken(m.id, 'Double');
    const s = await connect(parley.url, token);
    opened.push(s);
    const both = await Promise.all([request<JoinResult>(s, 'meeting:join', {}), request<JoinResult>(s, 'meeting:join', {})]);
    const results = both.map((r) => (assert.ok(r.ok), r));
    assert.deepEqual(results.map((r) => r.self.id), [participantId, participantId]);
    assert.deepEqual(results.map((r) => r.resumed).sort(), [false, true]);
    // ...and from two sockets with the same token (two tabs).
    const two = mintToken(m.id, 'Twins');
    const [s1, s2] = [await connect(parley.url, two.token), await connect(parley.url, two.token)];
    opened.push(s1, s2);
    let replaced = 0;
    for (const x of [s1, s2]) x.on('session:replaced', () => replaced++);
    const pair = await Promise.all([request<JoinResult>(s1, 'meeting:join', {}), request<JoinResult>(s2, 'meeting:join', {})]);
    assert.ok(pair.every((r) => r.ok));
    // A later event orders the check: any extra participantJoined came before it.
    const marker = next<ParticipantInfo>(a.socket, 'meeting:participantUpdated', (p) => p.id === a.id);
    await ok(a.socket, 'hand:set', { raised: true });
    await marker;
    assert.deepEqual(heard.map((p) => p.name), ['Double', 'Twins']);
    assert.equal(replaced, 1, 'the socket that lost the race is replaced');
    const snapshot = live(m.id)!.snapshot();
    assert.deepEqual(snapshot.participants.map((p) => p.name), ['A', 'Double', 'Twins']);
  });

  test('a join with capabilities mediasoup refuses is MEDIA_ERROR and leaves nobody behind', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const heard = record<ParticipantInfo>(a.socket, 'meeting:participantJoined');
    const { token } = mintToken(m.id, 'Bad caps');
    const s = await connect(parley.url, token);
    opened.push(s);
    const bad = [
      { codecs: [{ kind: 'audio', mimeType: 'opus', clockRate: 48000 }] },
      { codecs: [{ kind: 'video', mimeType: 'video/', clockRate: 90000 }] },
    ];
    for (const rtpCapabilities of bad) await refused(s, 'meeting:join', { rtpCapabilities }, 'MEDIA_ERROR');
    assert.equal(live(m.id)!.size, 1);
    const good = await ok<JoinResult>(s, 'meeting:join', { rtpCapabilities: a.join.routerRtpCapabilities });
    assert.equal(good.resumed, false);
    assert.ok(good.media && good.media.send.iceCandidates.length > 0);
    assert.deepEqual(good.transports, { send: good.media.send.id, recv: good.media.recv.id });
    const marker = next<ParticipantInfo>(a.socket, 'meeting:participantUpdated', (p) => p.id === a.id);
    await ok(a.socket, 'hand:set', { raised: true });
    await marker;
    assert.deepEqual(heard.map((p) => p.name), ['Bad caps'], 'the others heard of one join only');
  });

  test('joining twice on the same socket is harmless: same participant, resumed', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Twice');
    const again = await ok<JoinResult>(a.socket, 'meeting:join', {});
    assert.equal(again.self.id, a.id);
    assert.equal(again.resumed, true);
    assert.equal(again.snapshot.participants.length, 1);
    assert.ok(a.socket.connected);
  });
});

describe('chat', () => {
  test('a public message reaches everyone, the sender included', async () => {
    const m = await newMeeting(parley);
    const [a, b, c] = [await joined(m.id, 'A'), await joined(m.id, 'B'), await joined(m.id, 'C')];
    const got = [a, b, c].map((p) => next<TalkMessage>(p.socket, 'talk:message'));
    const sent = await ok<{ message: TalkMessage }>(b.socket, 'talk:send', { text: 'hello all' });
    assert.equal(sent.message.from, b.id);
    assert.equal(sent.message.fromName, 'B');
    assert.equal(sent.message.to, null);
    assert.equal(sent.message.toName, null);
    assert.equal(typeof sent.message.sentAt, 'number');
    for (const msg of await Promise.all(got)) assert.deepEqual(msg, sent.message);
  });

  test('a private message reaches only its recipient and its sender', async () => {
    const m = await newMeeting(parley);
    const [a, b, c] = [await joined(m.id, 'A'), await joined(m.id, 'B'), await joined(m.id, 'C')];
    const cSaw = record<TalkMessage>(c.socket, 'talk:message');
    const toB = next<TalkMessage>(b.socket, 'talk:message');
    const toA = next<TalkMessage>(a.socket, 'talk:message');
    const sent = await ok<{ message: TalkMessage }>(a.socket, 'talk:send', { text: 'just for you', to: b.id });
    assert.equal(sent.message.to, b.id);
    assert.equal(sent.message.toName, 'B');
    assert.deepEqual(await toB, sent.message);
    assert.deepEqual(await toA, sent.message);
    // A later public message reaches C; the private one would have come first.
    const cPublic = next<TalkMessage>(c.socket, 'talk:message');
    await ok(a.socket, 'talk:send', { text: 'for everyone' });
    await cPublic;
    assert.deepEqual(cSaw.map((msg) => msg.text), ['for everyone']);
  });

  test("a late joiner's history has the public messages and, on its return, its own private ones only", async () => {
    const m = await newMeeting(parley);
    const [a, b, c] = [await joined(m.id, 'A'), await joined(m.id, 'B'), await joined(m.id, 'C')];
    await ok(a.socket, 'talk:send', { text: 'public 1' });
    await ok(a.socket, 'talk:send', { text: 'a to b', to: b.id });
    await ok(b.socket, 'talk:send', { text: 'b to c', to: c.id });
    await ok(c.socket, 'talk:send', { text: 'c to a', to: a.id });
    await ok(c.socket, 'talk:send', { text: 'public 2' });
    const late = await joined(m.id, 'Late');
    assert.deepEqual(late.join.talk.map((msg) => msg.text), ['public 1', 'public 2']);
    // B comes back on another socket: its history has what it sent and received.
    const again = await reconnect(b.token);
    assert.deepEqual(again.join.talk.map((msg) => msg.text), ['public 1', 'a to b', 'b to c', 'public 2']);
  });

  test('private messages to oneself or to someone not in the meeting are refused', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    const gone = await joined(m.id, 'Gone');
    await ok(gone.socket, 'meeting:leave', {});
    await refused(a.socket, 'talk:send', { text: 'me', to: a.id }, 'INVALID_PAYLOAD', 'to self');
    await refused(a.socket, 'talk:send', { text: 'who?', to: 'nobody-here' }, 'PARTICIPANT_NOT_FOUND', 'to an unknown id');
    await refused(a.socket, 'talk:send', { text: 'gone', to: gone.id }, 'PARTICIPANT_NOT_FOUND', 'to someone who left');
    assert.deepEqual(live(m.id)!.talk.messagesFor(b.id as never), []);
  });
});

describe('reactions and hands', () => {
  test('every allowed reaction is shown to everyone; others are refused', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    for (const emoji of REACTIONS) {
      const shown = [a, b].map((p) => next<{ participantId: string; emoji: string; at: number }>(p.socket, 'reaction:shown'));
      await ok(a.socket, 'reaction:send', { emoji });
      for (const r of await Promise.all(shown)) {
        assert.equal(r.participantId, a.id);
        assert.equal(r.emoji, emoji);
        assert.equal(typeof r.at, 'number');
      }
    }
    for (const emoji of ['💩', '👍👍', '', 'like']) await refused(b.socket, 'reaction:send', { emoji }, 'INVALID_PAYLOAD', emoji);
  });

  test('raising and lowering a hand updates the participant for everyone, once per change', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    const updates = record<ParticipantInfo>(b.socket, 'meeting:participantUpdated');
    await ok(a.socket, 'hand:set', { raised: true });
    await ok(a.socket, 'hand:set', { raised: true });
    const late = await joined(m.id, 'Late');
    const raisedAt = late.join.snapshot.participants.find((p) => p.id === a.id)!.handRaisedAt;
    assert.equal(typeof raisedAt, 'number');
    const lowered = next<ParticipantInfo>(b.socket, 'meeting:participantUpdated', (p) => p.handRaisedAt === null);
    await ok(a.socket, 'hand:set', { raised: false });
    await lowered;
    assert.deepEqual(updates.map((p) => [p.id, p.handRaisedAt]), [[a.id, raisedAt], [a.id, null]]);
  });
});

describe('leaving, dropping and coming back', () => {
  test('leave: the others hear participantLeft (left) and the snapshot shrinks', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    const heard = next<{ participantId: string; reason: string }>(a.socket, 'meeting:participantLeft');
    await ok(b.socket, 'meeting:leave', {});
    assert.deepEqual(await heard, { participantId: b.id, reason: 'left' });
    assert.deepEqual(live(m.id)!.snapshot().participants.map((p) => p.id), [a.id]);
    // The one who left can come back as a new participant.
    const joinedAgain = next<ParticipantInfo>(a.socket, 'meeting:participantJoined');
    const back = await ok<JoinResult>(b.socket, 'meeting:join', {});
    assert.equal(back.resumed, false);
    assert.equal((await joinedAgain).id, b.id);
  });

  test('a dropped socket shows as reconnecting; coming back within the window resumes the same participant with its media', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    const t = await ok<{ send: TransportOptionsWire; recv: TransportOptionsWire }>(b.socket, 'media:setup', { rtpCapabilities: b.join.routerRtpCapabilities });
    const { producerId } = await ok<{ producerId: string }>(b.socket, 'media:produce', { transportId: t.send.id, kind: 'audio', source: 'mic', rtpParameters: opus() });
    const left = record<unknown>(a.socket, 'meeting:participantLeft');
    const joins = record<unknown>(a.socket, 'meeting:participantJoined');

    const dropped = next<ParticipantInfo>(a.socket, 'meeting:participantUpdated', (p) => p.id === b.id && p.connection === 'reconnecting');
    b.socket.close();
    await dropped;
    assert.equal(live(m.id)!.participant(b.id as never).connection, 'reconnecting');

    const back = next<ParticipantInfo>(a.socket, 'meeting:participantUpdated', (p) => p.id === b.id && p.connection === 'connected');
    const again = await reconnect(b.token);
    assert.equal(again.join.resumed, true);
    assert.equal(again.join.self.id, b.id);
    assert.equal(again.join.self.connection, 'connected');
    assert.deepEqual(again.join.transports, { send: t.send.id, recv: t.recv.id });
    assert.deepEqual(again.join.self.producers.map((p) => p.id), [producerId]);
    assert.equal(again.join.snapshot.participants.filter((p) => p.id === b.id).length, 1);
    assert.equal(again.join.snapshot.participants.length, 2);
    assert.equal((await back).producers.length, 1);
    // The resumed socket speaks for the participant: chat, and media on the kept transports.
    const got = next<TalkMessage>(a.socket, 'talk:message');
    await ok(again.socket, 'talk:send', { text: 'I am back' });
    assert.equal((await got).from, b.id);
    await ok(again.socket, 'media:restartIce', { transportId: t.send.id });
    assert.deepEqual(left, []);
    assert.deepEqual(joins, []);
  });

  test('a second socket with the same token replaces the first, which is told and disconnected', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    const aLeft = record<unknown>(a.socket, 'meeting:participantLeft');
    const bOldChat = record<TalkMessage>(b.socket, 'talk:message');
    const replaced = next(b.socket, 'session:replaced');
    const gone = new Promise<string>((resolve) => b.socket.once('disconnect', (reason) => resolve(reason)));
    const second = await reconnect(b.token);
    await replaced;
    assert.equal(await gone, 'io server disconnect');
    assert.equal(second.join.resumed, true);
    assert.equal(second.join.self.id, b.id);
    assert.equal(second.join.snapshot.participants.length, 2);
    assert.equal(live(m.id)!.participant(b.id as never).connection, 'connected', 'the old socket going away does not make it reconnecting');
    const got = next<TalkMessage>(second.socket, 'talk:message');
    await ok(a.socket, 'talk:send', { text: 'to the new socket' });
    assert.equal((await got).text, 'to the new socket');
    assert.deepEqual(bOldChat, []);
    assert.deepEqual(aLeft, []);
  });

  test('an empty meeting closes; the next joiner opens a fresh one', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'A');
    const b = await joined(m.id, 'B');
    const first = live(m.id)!;
    await ok(a.socket, 'meeting:leave', {});
    assert.equal(live(m.id), first);
    await ok(b.socket, 'meeting:leave', {});
    assert.equal(live(m.id), undefined);
    assert.equal(first.closed, true);
    assert.equal(parley.meetings.mediaRoom(first)!.closed, true);
    const c = await joined(m.id, 'C');
    assert.equal(c.join.self.role, 'moderator');
    assert.notEqual(live(m.id), first);
    assert.deepEqual(c.join.talk, []);
  });
});

describe('the resume window', () => {
  let short: Parley;
  beforeAll(async () => {
    short = await startServer({ meeting: { resumeWindowMs: 300 } });
  });
  afterAll(() => short.close());

  test('not coming back within the window: participantLeft with reason timeout; the last one out closes the meeting', async () => {
    const m = await newMeeting(short);
    const a = await joinAs(short, m.id, 'Stays');
    const b = await joinAs(short, m.id, 'Drops');
    opened.push(a.socket, b.socket);
    const reconnecting = next<ParticipantInfo>(a.socket, 'meeting:participantUpdated', (p) => p.id === b.id && p.connection === 'reconnecting');
    const timedOut = next<{ participantId: string; reason: string }>(a.socket, 'meeting:participantLeft');
    b.socket.close();
    await reconnecting;
    assert.deepEqual(await timedOut, { participantId: b.id, reason: 'timeout' });
    assert.deepEqual(short.meetings.live(m.id as MeetingId)!.snapshot().participants.map((p) => p.id), [a.id]);

    // Its token still works, as a new participant.
    const s = await connect(short.url, b.token);
    opened.push(s);
    const again = await ok<JoinResult>(s, 'meeting:join', {});
    assert.equal(again.resumed, false);
    assert.equal(again.self.id, b.id);

    const meeting = short.meetings.live(m.id as MeetingId)!;
    const closed = new Promise<void>((resolve) => meeting.on('closed', () => resolve()));
    a.socket.close();
    s.close();
    await closed;
    assert.equal(short.meetings.live(m.id as MeetingId), undefined);
  });

  test('a connection lost while its join is in flight still gets the resume window, then times out', async () => {
    const m = await newMeeting(short);
    const { token, participantId } = mintToken(m.id, 'Flaky');
    const s = await connect(short.url, token);
    opened.push(s);
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no timeout leave; saw ${seen.join(', ')}`)), 10_000);
      short.meetings.once('opened', (meeting) => {
        // The server loses the connection right when the join has started.
        short.io.in(s.id!).disconnectSockets(true);
        meeting.on('participantJoined', (p) => seen.push(`joined ${p.connection}`));
        meeting.on('participantUpdated', (p) => seen.push(`updated ${p.connection}`));
        meeting.on('participantLeft', (id, reason) => {
          seen.push(`left ${reason}`);
          assert.equal(id, participantId);
          clearTimeout(timer);
          resolve();
        });
      });
    });
    s.emit('meeting:join', {}, () => undefined);
    await done;
    assert.deepEqual(seen, ['joined connected', 'updated reconnecting', 'left timeout']);
    assert.equal(short.meetings.live(m.id as MeetingId), undefined, 'and the empty meeting closed');
  });
});
