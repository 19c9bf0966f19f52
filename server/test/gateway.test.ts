import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { LIMITS, type TalkMessage, type ConsumerOptionsWire, type MeetingId, type ParticipantId, type ParticipantInfo, type PayloadName } from '@parley/protocol';
import { TokenSigner, type Parley } from '../src/index.ts';
import { spoiltPayloads } from '../../protocol/test/payload-examples.ts';
import {
  closeAll,
  connect,
  dtlsClient,
  http,
  joinAs,
  mintToken,
  newMeeting,
  next,
  ok,
  opus,
  refused,
  request,
  startServer,
  vp8Simulcast,
  type ClientSocket,
  type Transports,
  type Joined,
} from './helpers.ts';


let parley: Parley;
const opened: ClientSocket[] = [];
/** Every socket a test opens is closed at the end of the file. */
async function open(token: string | undefined): Promise<ClientSocket> {
  const s = await connect(parley.url, token);
  opened.push(s);
  return s;
}
async function joined(meetingId: string, name: string): Promise<Joined> {
  const j = await joinAs(parley, meetingId, name);
  opened.push(j.socket);
  return j;
}
function disconnected(socket: ClientSocket): Promise<string> {
  return new Promise((resolve) => (socket.disconnected ? resolve('already') : socket.once('disconnect', (reason) => resolve(reason))));
}

beforeAll(async () => {
  parley = await startServer();
});
afterAll(async () => {
  closeAll(...opened);
  await parley.close();
});

describe('socket authentication', () => {
  test('connections without a valid, unexpired token get connect_error UNAUTHORIZED', async () => {
    const m = await newMeeting(parley);
    const good = mintToken(m.id, 'Ada').token;
    const [body, mac] = good.split('.') as [string, string];
    const macBytes = Buffer.from(mac, 'base64url');
    const flipped = Buffer.from(macBytes);
    flipped[5]! ^= 0x01;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const lastChar = mac.at(-1)!;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, moderator: true })).toString('base64url');
    const cases: [string, string | undefined][] = [
      ['no token', undefined],
      ['an empty token', ''],
      ['garbage', 'garbage'],
      ['only a dot', '.'],
      ['a flipped signature byte', `${body}.${flipped.toString('base64url')}`],
      ['a signature with its spare bits changed', `${body}.${mac.slice(0, -1)}${alphabet[alphabet.indexOf(lastChar) ^ 1]}`],
      ['a signature with junk after it', `${good}!!`],
      ['a signature with a blank after it', `${good} `],
      ['claims changed, old signature', `${forged}.${mac}`],
      ['no signature', `${body}.`],
      ['signed with another secret', new TokenSigner('another-secret').sign(claims as never)],
      ['expired', mintToken(m.id, 'Ada', { now: Date.now() - 25 * 3600_000 }).token],
      ['far too long', `${body}${'A'.repeat(4000)}.${mac}`],
    ];
    for (const [what, token] of cases) {
      await assert.rejects(open(token), (err: Error & { data?: { code?: string; message?: string } }) => {
        assert.equal(err.data?.code, 'UNAUTHORIZED', what);
        assert.equal(typeof err.data?.message, 'string');
        return true;
      }, what);
    }
    // A token that is not a string at all.
    await assert.rejects(open({ meetingId: m.id } as never), (err: Error & { data?: { code?: string } }) => err.data?.code === 'UNAUTHORIZED');
    // The untouched token works.
    const s = await open(good);
    assert.equal((await ok<{ self: { name: string } }>(s, 'meeting:join', {})).self.name, 'Ada');
  });

  test('a valid token for a meeting that does not exist connects, but cannot join', async () => {
    const s = await open(mintToken('a'.repeat(26), 'Ghost').token);
    await refused(s, 'meeting:join', {}, 'MEETING_NOT_FOUND');
    await refused(s, 'talk:send', { text: 'boo' }, 'NOT_JOINED');
  });
});

describe('payload validation', () => {
  test('malformed payloads of every event are INVALID_PAYLOAD (non-object, extra, missing, wrong type)', async () => {
    const m = await newMeeting(parley);
    const byEvent = new Map<PayloadName, ReturnType<typeof spoiltPayloads>>();
    for (const s of spoiltPayloads()) byEvent.set(s.event, [...(byEvent.get(s.event) ?? []), s]);
    assert.equal(byEvent.size, 53);
    let count = 0;
    for (const [event, cases] of byEvent) {
      // Validation comes after the rate limit: a few requests per socket keep
      // the small per-feature buckets (hand:set: 6) out of the picture.
      for (let i = 0; i < cases.length; i += 4) {
        const j = await joined(m.id, `V ${event} ${i}`);
        for (const c of cases.slice(i, i + 4)) {
          await refused(j.socket, c.event, c.payload, 'INVALID_PAYLOAD', `${c.event} with ${c.what}`);
          count++;
        }
        assert.ok(j.socket.connected);
        j.socket.close();
      }
    }
    assert.ok(count >= 120, `${count} spoilt payloads sent`);
  });

  test('an unknown event is UNKNOWN_EVENT; the socket stays usable', async () => {
    const m = await newMeeting(parley);
    const j = await joined(m.id, 'Curious');
    for (const event of ['chat:delete', 'meeting:kick', 'admin', 'x'.repeat(300), 'media:produce '])
      await refused(j.socket, event, {}, 'UNKNOWN_EVENT', event);
    await refused(j.socket, 'nope', undefined, 'UNKNOWN_EVENT', 'without payload');
    await ok(j.socket, 'hand:set', { raised: true });
  });

  test('requests without an ack callback are ignored and break nothing', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Listener');
    const b = await joined(m.id, 'NoAck');
    const raw = b.socket as unknown as { emit(ev: string, ...args: unknown[]): void };
    raw.emit('talk:send', { text: 'ghost' });
    raw.emit('talk:send', { text: 'ghost' }, 'not a function');
    raw.emit('talk:send');
    raw.emit('meeting:leave', {});
    raw.emit('media:setup', { rtpCapabilities: b.join.routerRtpCapabilities });
    raw.emit('unknown:event', { x: 1 });
    raw.emit('hand:set', 'garbage');
    // Messages from one server arrive in order: if the ghost had been sent,
    // it would come before this one.
    const got = next<TalkMessage>(a.socket, 'talk:message');
    await ok(b.socket, 'talk:send', { text: 'real' });
    assert.equal((await got).text, 'real');
    assert.ok(b.socket.connected);
    assert.equal(parley.meetings.live(m.id as MeetingId)?.participant(b.id as ParticipantId).media.transportCount, 0, 'media:setup without ack did nothing');
  });
});

describe('requests out of order', () => {
  test('before meeting:join every meeting action is NOT_JOINED', async () => {
    const m = await newMeeting(parley);
    const s = await open(mintToken(m.id, 'Early').token);
    const cases: [string, unknown][] = [
      ['talk:send', { text: 'hi' }],
      ['reaction:send', { emoji: '👍' }],
      ['hand:set', { raised: true }],
      ['meeting:leave', {}],
      ['media:setup', { rtpCapabilities: {} }],
      ['media:connect', { transportId: 't', dtlsParameters: dtlsClient() }],
      ['media:restartIce', { transportId: 't' }],
      ['media:produce', { transportId: 't', kind: 'audio', source: 'mic', rtpParameters: opus() }],
      ['media:closeProducer', { producerId: 'p' }],
      ['media:setProducerPaused', { producerId: 'p', paused: true }],
      ['media:consume', { producerId: 'p' }],
      ['media:setConsumerPaused', { consumerId: 'c', paused: true }],
      ['media:setPreferredLayers', { consumerId: 'c', spatialLayer: 1 }],
      ['media:closeConsumer', { consumerId: 'c' }],
    ];
    for (const [event, payload] of cases) await refused(s, event, payload, 'NOT_JOINED', event);
    assert.equal(parley.meetings.live(m.id as MeetingId), undefined, 'nothing opened the meeting');
  });

  test('after meeting:leave the socket is out again', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Stays');
    const b = await joined(m.id, 'Leaves');
    await ok(b.socket, 'meeting:leave', {});
    await refused(b.socket, 'talk:send', { text: 'still here?' }, 'NOT_JOINED');
    await refused(b.socket, 'meeting:leave', {}, 'NOT_JOINED');
    await ok(a.socket, 'talk:send', { text: 'yes' });
  });

  test('media actions before media:setup are MEDIA_NOT_READY', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Ready');
    const b = await joined(m.id, 'NotReady');
    const ta = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: a.join.routerRtpCapabilities });
    const { producerId } = await ok<{ producerId: string }>(a.socket, 'media:produce', { transportId: ta.send.id, kind: 'audio', source: 'mic', rtpParameters: opus() });
    const cases: [string, unknown][] = [
      ['media:produce', { transportId: ta.send.id, kind: 'audio', source: 'mic', rtpParameters: opus() }],
      ['media:consume', { producerId }],
      ['media:consume', { producerId: 'not-produced-by-anyone' }],
      ['media:connect', { transportId: ta.send.id, dtlsParameters: dtlsClient() }],
      ['media:restartIce', { transportId: ta.recv.id }],
    ];
    for (const [event, payload] of cases) await refused(b.socket, event, payload, 'MEDIA_NOT_READY', `${event} ${JSON.stringify(payload).slice(0, 40)}`);
  });
});

describe('oversized input', () => {
  test('chat text: 4096 characters but more than 4096 bytes is PAYLOAD_TOO_LARGE; more than 4096 characters INVALID_PAYLOAD', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Writer');
    const cases: [string, string, string | null][] = [
      ['4096 ASCII characters', 'a'.repeat(4096), null],
      ['2048 two-byte characters (4096 bytes)', 'é'.repeat(2048), null],
      ['1024 four-byte characters (4096 bytes)', '😀'.repeat(1024), null],
      ['4096 two-byte characters (8192 bytes)', 'é'.repeat(4096), 'PAYLOAD_TOO_LARGE'],
      ['2049 two-byte characters (4098 bytes)', 'é'.repeat(2049), 'PAYLOAD_TOO_LARGE'],
      ['4096 emoji (16 KB)', '😀'.repeat(4096), 'PAYLOAD_TOO_LARGE'],
      ['4097 characters', 'a'.repeat(4097), 'INVALID_PAYLOAD'],
      ['blanks only', '  \n ', 'INVALID_PAYLOAD'],
    ];
    for (const [what, text, code] of cases) {
      if (code === null) assert.equal((await ok<{ message: TalkMessage }>(a.socket, 'talk:send', { text })).message.text, text, what);
      else await refused(a.socket, 'talk:send', { text }, code, what);
    }
  });

  test('a socket packet over 128 KB closes that socket only', async () => {
    const m = await newMeeting(parley);
    const big = await joined(m.id, 'Big');
    const other = await joined(m.id, 'Other');
    const bystander = await joined((await newMeeting(parley)).id, 'Elsewhere');
    const dropped = next<ParticipantInfo>(other.socket, 'meeting:participantUpdated', (p) => p.id === big.id && p.connection === 'reconnecting');
    const closed = disconnected(big.socket);
    big.socket.emit('talk:send', { text: 'x'.repeat(LIMITS.socketPayloadBytes + 1) } as never, () => assert.fail('no ack for an oversized packet'));
    assert.equal(await closed, 'transport close');
    await dropped;
    assert.ok(other.socket.connected && bystander.socket.connected);
    const got = next<TalkMessage>(other.socket, 'talk:message');
    await ok(other.socket, 'talk:send', { text: 'still here' });
    assert.equal((await got).text, 'still here');
    await ok(bystander.socket, 'hand:set', { raised: true });
    // Just under the limit is a normal (refused for size, but answered) request.
    await refused(other.socket, 'talk:send', { text: 'x'.repeat(100_000) }, 'INVALID_PAYLOAD');
  });
});

describe("other participants' objects", () => {
  test("a participant sending another's transport, producer or consumer ids gets *_NOT_FOUND and changes nothing", async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Mallory');
    const b = await joined(m.id, 'Victim');
    const caps = a.join.routerRtpCapabilities;
    const ta = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: caps });
    const tb = await ok<Transports>(b.socket, 'media:setup', { rtpCapabilities: caps });
    const { producerId: pb } = await ok<{ producerId: string }>(b.socket, 'media:produce', { transportId: tb.send.id, kind: 'video', source: 'camera', rtpParameters: vp8Simulcast() });
    const { producerId: pa } = await ok<{ producerId: string }>(a.socket, 'media:produce', { transportId: ta.send.id, kind: 'audio', source: 'mic', rtpParameters: opus() });
    const { consumer: cb } = await ok<{ consumer: ConsumerOptionsWire }>(b.socket, 'media:consume', { producerId: pa });
    await ok(b.socket, 'media:setConsumerPaused', { consumerId: cb.id, paused: false });

    const cases: [string, unknown, string][] = [
      ['media:connect', { transportId: tb.send.id, dtlsParameters: dtlsClient() }, 'TRANSPORT_NOT_FOUND'],
      ['media:connect', { transportId: tb.recv.id, dtlsParameters: dtlsClient() }, 'TRANSPORT_NOT_FOUND'],
      ['media:restartIce', { transportId: tb.send.id }, 'TRANSPORT_NOT_FOUND'],
      ['media:produce', { transportId: tb.send.id, kind: 'video', source: 'screen', rtpParameters: vp8Simulcast({ ssrc: 5000 }) }, 'TRANSPORT_NOT_FOUND'],
      ['media:closeProducer', { producerId: pb }, 'PRODUCER_NOT_FOUND'],
      ['media:setProducerPaused', { producerId: pb, paused: true }, 'PRODUCER_NOT_FOUND'],
      ['media:setConsumerPaused', { consumerId: cb.id, paused: true }, 'CONSUMER_NOT_FOUND'],
      ['media:setPreferredLayers', { consumerId: cb.id, spatialLayer: 0 }, 'CONSUMER_NOT_FOUND'],
      ['media:closeConsumer', { consumerId: cb.id }, 'CONSUMER_NOT_FOUND'],
      // Ids of the wrong kind are not found either.
      ['media:closeConsumer', { consumerId: pb }, 'CONSUMER_NOT_FOUND'],
      ['media:closeProducer', { producerId: cb.id }, 'PRODUCER_NOT_FOUND'],
      ['media:connect', { transportId: pb, dtlsParameters: dtlsClient() }, 'TRANSPORT_NOT_FOUND'],
    ];
    for (const [event, payload, code] of cases) await refused(a.socket, event, payload, code, event);

    const victim = parley.meetings.live(m.id as MeetingId)!.participant(b.id as ParticipantId).media;
    assert.deepEqual(victim.transportIds, { send: tb.send.id, recv: tb.recv.id });
    const producer = victim.producers.get(pb as never)!;
    assert.equal(producer.closed, false);
    assert.equal(producer.paused, false);
    const consumer = victim.consumers.get(cb.id)!;
    assert.equal(consumer.closed, false);
    assert.equal(consumer.paused, false);
    assert.equal(victim.producers.size, 1);

    // Ids from another meeting are unknown here.
    const other = await joined((await newMeeting(parley)).id, 'Outsider');
    await ok(other.socket, 'media:setup', { rtpCapabilities: caps });
    await refused(other.socket, 'media:consume', { producerId: pb }, 'PRODUCER_NOT_FOUND');
    await refused(other.socket, 'media:closeConsumer', { consumerId: cb.id }, 'CONSUMER_NOT_FOUND');
  });

  test('a token for meeting A only ever joins A, and hears nothing of meeting B', async () => {
    const mA = await newMeeting(parley, 'A');
    const mB = await newMeeting(parley, 'B');
    const inB = await joined(mB.id, 'In B');
    const { token } = mintToken(mA.id, 'From A');
    const s = await open(token);
    const heardChat: TalkMessage[] = [];
    const heardJoins: ParticipantInfo[] = [];
    s.on('talk:message', (msg) => heardChat.push(msg));
    s.on('meeting:participantJoined', (p) => heardJoins.push(p));
    // The payload cannot name a meeting: the token does.
    await refused(s, 'meeting:join', { meetingId: mB.id }, 'INVALID_PAYLOAD');
    const j = await ok<{ snapshot: { id: string; title: string; participants: ParticipantInfo[] } }>(s, 'meeting:join', {});
    assert.equal(j.snapshot.id, mA.id);
    assert.equal(j.snapshot.title, 'A');
    assert.deepEqual(j.snapshot.participants.map((p) => p.name), ['From A']);
    // Ids of B's participants are unknown in A.
    await refused(s, 'talk:send', { text: 'psst', to: inB.id }, 'PARTICIPANT_NOT_FOUND');

    // Activity in B, then in A: had any of B's reached s, it would arrive first.
    await ok(inB.socket, 'talk:send', { text: 'secret of B' });
    await ok(inB.socket, 'reaction:send', { emoji: '🎉' });
    await joined(mB.id, 'Second in B');
    const laterA = await joined(mA.id, 'Second in A');
    const seen = next<TalkMessage>(s, 'talk:message', (msg) => msg.text === 'news of A');
    await ok(laterA.socket, 'talk:send', { text: 'news of A' });
    await seen;
    assert.deepEqual(heardChat.map((msg) => msg.text), ['news of A']);
    assert.deepEqual(heardJoins.map((p) => p.name), ['Second in A']);
    assert.ok(!parley.meetings.live(mB.id as MeetingId)!.snapshot().participants.some((p) => p.name === 'From A'));
  });
});

describe('rate limits', () => {
  test('a chat flood is RATE_LIMITED while another socket still chats', async () => {
    const m = await newMeeting(parley);
    const flooder = await joined(m.id, 'Flooder');
    const calm = await joined(m.id, 'Calm');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => request(flooder.socket, 'talk:send', { text: `spam ${i}` })));
    const codes = results.map((r) => (r.ok ? 'ok' : r.error.code));
    assert.ok(codes.slice(0, 20).every((c) => c === 'ok'), 'the burst goes through');
    assert.ok(codes.includes('RATE_LIMITED'), 'the flood is cut');
    assert.deepEqual([...new Set(codes)].sort(), ['RATE_LIMITED', 'ok']);
    const got = next<TalkMessage>(flooder.socket, 'talk:message', (msg) => msg.from === calm.id);
    await ok(calm.socket, 'talk:send', { text: 'hello, calmly' });
    assert.equal((await got).text, 'hello, calmly');
    // Other kinds of request of the flooder still work: the limit is per kind.
    await ok(flooder.socket, 'hand:set', { raised: true });
  });

  test('a flood of any requests is RATE_LIMITED for that socket only', async () => {
    const m = await newMeeting(parley);
    const flooder = await joined(m.id, 'Flooder');
    const calm = await joined(m.id, 'Calm');
    const results = await Promise.all(Array.from({ length: 400 }, () => request(flooder.socket, 'media:closeConsumer', { consumerId: 'nope' })));
    const codes = new Set(results.map((r) => (r.ok ? 'ok' : r.error.code)));
    assert.deepEqual([...codes].sort(), ['CONSUMER_NOT_FOUND', 'RATE_LIMITED']);
    await refused(calm.socket, 'media:closeConsumer', { consumerId: 'nope' }, 'CONSUMER_NOT_FOUND');
  });
});

describe('after all of the above', () => {
  test('the server still serves a new participant normally', async () => {
    const health = await http<{ workers: number }>(parley.url, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.workers, 1);
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Fresh');
    const b = await joined(m.id, 'Peer');
    const t = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: a.join.routerRtpCapabilities });
    assert.ok(t.send.iceCandidates.length > 0);
    await ok(b.socket, 'media:setup', { rtpCapabilities: b.join.routerRtpCapabilities });
    const { producerId } = await ok<{ producerId: string }>(a.socket, 'media:produce', { transportId: t.send.id, kind: 'audio', source: 'mic', rtpParameters: opus() });
    await ok(b.socket, 'media:consume', { producerId });
    const got = next<TalkMessage>(b.socket, 'talk:message');
    await ok(a.socket, 'talk:send', { text: 'all good' });
    assert.equal((await got).text, 'all good');
  });
});

describe('a video producer says its height', () => {
  test('the height a sender gives goes with its video to everyone (recordings compose by it); out of range is INVALID_PAYLOAD', async () => {
    const m = await newMeeting(parley);
    const a = await joined(m.id, 'Sharer');
    const ta = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: a.join.routerRtpCapabilities });
    for (const height of [0, -1, LIMITS.videoHeight + 1, 1080.5, '1080', null]) {
      await refused(a.socket, 'media:produce', { transportId: ta.send.id, kind: 'video', source: 'screen', rtpParameters: vp8Simulcast(), height }, 'INVALID_PAYLOAD', `height ${String(height)}`);
    }
    const { producerId: screen } = await ok<{ producerId: string }>(a.socket, 'media:produce', { transportId: ta.send.id, kind: 'video', source: 'screen', rtpParameters: vp8Simulcast(), height: 1080 });
    // A height on a sound means nothing and is not kept.
    const { producerId: mic } = await ok<{ producerId: string }>(a.socket, 'media:produce', { transportId: ta.send.id, kind: 'audio', source: 'mic', rtpParameters: opus(), height: 1080 });
    const b = await joined(m.id, 'Viewer');
    const sharer = b.join.snapshot.participants.find((p: ParticipantInfo) => p.id === a.id)!;
    assert.equal(sharer.producers.find((p) => p.id === screen)?.height, 1080);
    assert.equal(sharer.producers.find((p) => p.id === mic)?.height, undefined);
  });
});
