import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type {
  ConsumerOptionsWire,
  MeetingId,
  ParticipantId,
  ParticipantInfo,
  ProducerInfo,
  RtpCapabilitiesWire,
  RtpParametersWire,
} from '@parley/protocol';
import type { MediaWorker } from '@parley/sfu';
import type { Parley } from '../src/index.ts';
import {
  audioOnly,
  closeAll,
  dtlsClient,
  http,
  joinAs,
  newMeeting,
  next,
  ok,
  opus,
  refused,
  startServer,
  vp8Simulcast,
  type ClientSocket,
  type Transports,
  type Joined,
} from './helpers.ts';


interface MediaParticipant extends Joined {
  t: Transports;
}

/** Joins and sets up media with the router's own capabilities (a browser's would be a subset). */
async function mediaParticipant(parley: Parley, meetingId: string, name: string, sockets: ClientSocket[], caps?: RtpCapabilitiesWire): Promise<MediaParticipant> {
  const j = await joinAs(parley, meetingId, name);
  sockets.push(j.socket);
  const t = await ok<Transports>(j.socket, 'media:setup', { rtpCapabilities: caps ?? j.join.routerRtpCapabilities });
  return { ...j, t };
}

async function produce(p: MediaParticipant, what: 'camera' | 'mic' | 'screen', opts: { ssrc?: number; paused?: boolean; rtpParameters?: RtpParametersWire } = {}): Promise<string> {
  const rtpParameters = opts.rtpParameters ?? (what === 'mic' ? opus({ ssrc: opts.ssrc }) : vp8Simulcast({ ssrc: opts.ssrc }));
  const res = await ok<{ producerId: string }>(p.socket, 'media:produce', {
    transportId: p.t.send.id,
    kind: what === 'mic' ? 'audio' : 'video',
    source: what,
    rtpParameters,
    ...(opts.paused === undefined ? {} : { paused: opts.paused }),
  });
  return res.producerId;
}

async function consume(p: MediaParticipant, producerId: string): Promise<ConsumerOptionsWire> {
  return (await ok<{ consumer: ConsumerOptionsWire }>(p.socket, 'media:consume', { producerId })).consumer;
}

/** The next participantUpdated about `who` whose producers pass `check`. */
function producersUpdate(observer: ClientSocket, who: string, check: (producers: ProducerInfo[]) => boolean): Promise<ParticipantInfo> {
  return next<ParticipantInfo>(observer, 'meeting:participantUpdated', (p) => p.id === who && check(p.producers));
}

const serverPeer = (parley: Parley, meetingId: string, pid: string) =>
  parley.meetings.mediaRoom(parley.meetings.live(meetingId as MeetingId)!)!.peer(pid as ParticipantId)!;

describe('media on one worker', () => {
  let parley: Parley;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    parley = await startServer({ sfu: { workers: 1 } });
  });
  afterAll(async () => {
    closeAll(...sockets);
    await parley.close();
  });

  test('media:setup returns a send and a receive transport with ICE candidates on 127.0.0.1', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    assert.notEqual(a.t.send.id, a.t.recv.id);
    for (const t of [a.t.send, a.t.recv]) {
      assert.ok(t.iceParameters.usernameFragment && t.iceParameters.password);
      assert.equal(t.iceParameters.iceLite, true);
      assert.deepEqual(t.iceCandidates.map((c) => c.protocol).sort(), ['tcp', 'udp']);
      for (const c of t.iceCandidates) {
        assert.equal(c.address, '127.0.0.1');
        assert.equal(c.type, 'host');
        assert.ok(c.port > 0);
      }
      assert.ok(t.dtlsParameters.fingerprints.some((f) => f.algorithm === 'sha-256'));
    }
    // Both transports share the worker's WebRtcServer ports.
    assert.deepEqual(a.t.send.iceCandidates.map((c) => c.port), a.t.recv.iceCandidates.map((c) => c.port));
    await ok(a.socket, 'media:connect', { transportId: a.t.send.id, dtlsParameters: dtlsClient() });
    const ice = await ok<{ iceParameters: { usernameFragment: string } }>(a.socket, 'media:restartIce', { transportId: a.t.recv.id });
    assert.notEqual(ice.iceParameters.usernameFragment, a.t.recv.iceParameters.usernameFragment);
    assert.equal(serverPeer(parley, m.id, a.id).transportCount, 2);
    // Setting up again replaces both transports.
    const again = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: a.join.routerRtpCapabilities });
    assert.notEqual(again.send.id, a.t.send.id);
    await refused(a.socket, 'media:connect', { transportId: a.t.send.id, dtlsParameters: dtlsClient() }, 'TRANSPORT_NOT_FOUND', 'an old transport');
  });

  test('overlapping media:setup calls leave one pair of transports, not one per call', async () => {
    const m = await newMeeting(parley);
    const j = await joinAs(parley, m.id, 'Eager');
    sockets.push(j.socket);
    const caps = j.join.routerRtpCapabilities;
    const results = await Promise.all([1, 2, 3].map(() => ok<Transports>(j.socket, 'media:setup', { rtpCapabilities: caps })));
    const peer = serverPeer(parley, m.id, j.id);
    assert.equal(peer.transportCount, 2);
    const live = (await peer.slot.router.dump()).transportIds;
    assert.equal(live.length, 2, 'no transport left behind on the router');
    assert.deepEqual(live.sort(), [peer.transportIds.send, peer.transportIds.recv].sort());
    assert.ok(results.some((r) => r.send.id === peer.transportIds.send), 'one of the answers holds the live pair');
    assert.ok(peer.recvTransport, 'ready to consume');
  });

  test('producing, pausing and closing: participantUpdated carries the producers with their paused state', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const b = await mediaParticipant(parley, m.id, 'B', sockets);

    let update = producersUpdate(b.socket, a.id, (ps) => ps.length === 1);
    const cam = await produce(a, 'camera');
    assert.deepEqual((await update).producers, [{ id: cam, kind: 'video', source: 'camera', paused: false }]);

    update = producersUpdate(b.socket, a.id, (ps) => ps.length === 2);
    const mic = await produce(a, 'mic', { paused: true });
    assert.deepEqual((await update).producers.find((p) => p.id === mic), { id: mic, kind: 'audio', source: 'mic', paused: true });

    update = producersUpdate(b.socket, a.id, (ps) => ps.some((p) => p.id === cam && p.paused));
    await ok(a.socket, 'media:setProducerPaused', { producerId: cam, paused: true });
    await update;
    update = producersUpdate(b.socket, a.id, (ps) => ps.some((p) => p.id === mic && !p.paused));
    await ok(a.socket, 'media:setProducerPaused', { producerId: mic, paused: false });
    await update;

    update = producersUpdate(b.socket, a.id, (ps) => ps.length === 1);
    await ok(a.socket, 'media:closeProducer', { producerId: cam });
    assert.deepEqual((await update).producers.map((p) => p.id), [mic]);
    await refused(a.socket, 'media:closeProducer', { producerId: cam }, 'PRODUCER_NOT_FOUND', 'closed twice');
    // A late joiner sees the producers in the snapshot.
    const late = await joinAs(parley, m.id, 'Late');
    sockets.push(late.socket);
    assert.deepEqual(late.join.snapshot.participants.find((p) => p.id === a.id)!.producers.map((p) => p.source), ['mic']);
  });

  test('producing: source and kind must agree, one producer per source, screen alongside camera', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const cases: [string, object, string][] = [
      ['camera audio', { kind: 'audio', source: 'camera', rtpParameters: opus() }, 'INVALID_PAYLOAD'],
      ['mic video', { kind: 'video', source: 'mic', rtpParameters: vp8Simulcast() }, 'INVALID_PAYLOAD'],
      ['screenAudio video', { kind: 'video', source: 'screenAudio', rtpParameters: vp8Simulcast() }, 'INVALID_PAYLOAD'],
    ];
    for (const [what, p, code] of cases) await refused(a.socket, 'media:produce', { transportId: a.t.send.id, ...p }, code, what);
    await produce(a, 'camera', { ssrc: 1000 });
    await refused(a.socket, 'media:produce', { transportId: a.t.send.id, kind: 'video', source: 'camera', rtpParameters: vp8Simulcast({ ssrc: 2000 }) }, 'MEDIA_ERROR', 'a second camera');
    const screen = { ...vp8Simulcast({ ssrc: 3000 }), mid: '2' };
    await produce(a, 'screen', { rtpParameters: screen });
    assert.equal(serverPeer(parley, m.id, a.id).producers.size, 2);
  });

  test('another participant consumes: a paused consumer, resumed on request, with preferred layers', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const b = await mediaParticipant(parley, m.id, 'B', sockets);
    const cam = await produce(a, 'camera');
    const mic = await produce(a, 'mic');

    const video = await consume(b, cam);
    assert.equal(video.producerId, cam);
    assert.equal(video.participantId, a.id);
    assert.equal(video.kind, 'video');
    assert.equal(video.source, 'camera');
    assert.equal(video.paused, true);
    assert.equal(video.producerPaused, false);
    assert.equal(video.rtpParameters.codecs[0]!.mimeType, 'video/VP8');
    assert.equal(video.rtpParameters.encodings!.length, 1, 'a simulcast consumer sends one stream');
    const audio = await consume(b, mic);
    assert.equal(audio.kind, 'audio');
    assert.equal(audio.rtpParameters.codecs[0]!.mimeType, 'audio/opus');

    const server = serverPeer(parley, m.id, b.id);
    await ok(b.socket, 'media:setConsumerPaused', { consumerId: video.id, paused: false });
    assert.equal(server.consumers.get(video.id)!.paused, false);
    await ok(b.socket, 'media:setPreferredLayers', { consumerId: video.id, spatialLayer: 2, temporalLayer: 1 });
    assert.deepEqual(server.consumers.get(video.id)!.preferredLayers, { spatialLayer: 2, temporalLayer: 1 });
    await ok(b.socket, 'media:setPreferredLayers', { consumerId: video.id, spatialLayer: 0 });
    assert.equal(server.consumers.get(video.id)!.preferredLayers?.spatialLayer, 0);
    // Layers of an audio consumer: accepted, nothing to do.
    await ok(b.socket, 'media:setPreferredLayers', { consumerId: audio.id, spatialLayer: 1 });
    await ok(b.socket, 'media:setConsumerPaused', { consumerId: video.id, paused: true });
    assert.equal(server.consumers.get(video.id)!.paused, true);
    await ok(b.socket, 'media:closeConsumer', { consumerId: audio.id });
    assert.equal(server.consumers.has(audio.id), false);
    await refused(b.socket, 'media:closeConsumer', { consumerId: audio.id }, 'CONSUMER_NOT_FOUND', 'closed twice');

    await refused(a.socket, 'media:consume', { producerId: cam }, 'CANNOT_CONSUME', 'its own producer');
    await refused(b.socket, 'media:consume', { producerId: 'no-such-producer' }, 'PRODUCER_NOT_FOUND');
    const deaf = await mediaParticipant(parley, m.id, 'AudioOnly', sockets, audioOnly(a.join.routerRtpCapabilities));
    await refused(deaf.socket, 'media:consume', { producerId: cam }, 'CANNOT_CONSUME', 'video without a video codec');
    assert.equal((await consume(deaf, mic)).kind, 'audio');
  });

  test("the consumer's owner hears when the producer pauses, resumes and closes", async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const b = await mediaParticipant(parley, m.id, 'B', sockets);
    const c = await mediaParticipant(parley, m.id, 'C', sockets);
    const cam = await produce(a, 'camera');
    const mic = await produce(a, 'mic');
    const consumer = await consume(b, cam);
    const micConsumer = await consume(b, mic);
    const cSaw: string[] = [];
    c.socket.on('media:consumerPaused', () => cSaw.push('paused'));
    c.socket.on('media:consumerClosed', () => cSaw.push('closed'));

    let paused = next<{ consumerId: string; producerPaused: boolean }>(b.socket, 'media:consumerPaused');
    await ok(a.socket, 'media:setProducerPaused', { producerId: cam, paused: true });
    assert.deepEqual(await paused, { consumerId: consumer.id, producerPaused: true });
    // A consumer created now knows its producer is paused.
    const cConsumer = await consume(c, cam);
    assert.equal(cConsumer.producerPaused, true);
    const cClosed = next<{ consumerId: string }>(c.socket, 'media:consumerClosed');
    paused = next(b.socket, 'media:consumerPaused');
    await ok(a.socket, 'media:setProducerPaused', { producerId: cam, paused: false });
    assert.deepEqual(await paused, { consumerId: consumer.id, producerPaused: false });

    const closed = next<{ consumerId: string }>(b.socket, 'media:consumerClosed', (e) => e.consumerId === consumer.id);
    await ok(a.socket, 'media:closeProducer', { producerId: cam });
    await closed;
    assert.deepEqual(await cClosed, { consumerId: cConsumer.id });
    await refused(b.socket, 'media:setConsumerPaused', { consumerId: consumer.id, paused: false }, 'CONSUMER_NOT_FOUND');

    // Leaving closes the rest.
    const micClosed = next<{ consumerId: string }>(b.socket, 'media:consumerClosed');
    await ok(a.socket, 'meeting:leave', {});
    assert.deepEqual(await micClosed, { consumerId: micConsumer.id });
    assert.equal(serverPeer(parley, m.id, b.id).consumers.size, 0);
    // c heard about its own consumer only: the resume, then the close.
    assert.deepEqual(cSaw, ['paused', 'closed']);
  });

  test('parameters mediasoup refuses are MEDIA_ERROR, never INTERNAL, and change nothing', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const send = a.t.send.id;
    const vp8 = vp8Simulcast();
    const cases: [string, string, object][] = [
      ['capabilities with a malformed mimeType', 'media:setup', { rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'opus', clockRate: 48000 }] } }],
      ['capabilities with an empty feedback type', 'media:setup', { rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, rtcpFeedback: [{ type: '' }] }] } }],
      ['capabilities with an empty extension uri', 'media:setup', { rtpCapabilities: { headerExtensions: [{ kind: 'audio', uri: '', preferredId: 1 }] } }],
      ['an unsupported codec', 'media:produce', { transportId: send, kind: 'video', source: 'camera', rtpParameters: { codecs: [{ mimeType: 'video/H265', payloadType: 100, clockRate: 90000 }], encodings: [{ ssrc: 1 }] } }],
      ['an audio codec in a video producer', 'media:produce', { transportId: send, kind: 'video', source: 'camera', rtpParameters: opus() }],
      ['a video codec in an audio producer', 'media:produce', { transportId: send, kind: 'audio', source: 'mic', rtpParameters: vp8 }],
      ['rtx without apt', 'media:produce', { transportId: send, kind: 'video', source: 'camera', rtpParameters: { ...vp8, codecs: [vp8.codecs[0]!, { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000 }] } }],
      ['a malformed mimeType', 'media:produce', { transportId: send, kind: 'audio', source: 'mic', rtpParameters: { codecs: [{ mimeType: 'opus', payloadType: 100, clockRate: 48000 }] } }],
      ['producing on the receive transport', 'media:produce', { transportId: a.t.recv.id, kind: 'audio', source: 'mic', rtpParameters: opus() }],
      ['a bad fingerprint algorithm', 'media:connect', { transportId: send, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'md5', value: 'AB:CD' }] } }],
    ];
    for (const [what, event, payload] of cases) await refused(a.socket, event, payload, 'MEDIA_ERROR', what);
    await ok(a.socket, 'media:connect', { transportId: send, dtlsParameters: dtlsClient() });
    await refused(a.socket, 'media:connect', { transportId: send, dtlsParameters: dtlsClient() }, 'MEDIA_ERROR', 'connecting twice');
    const peer = serverPeer(parley, m.id, a.id);
    assert.deepEqual(peer.transportIds, { send: a.t.send.id, recv: a.t.recv.id });
    assert.equal(peer.producers.size, 0);
    // The transports still work.
    await produce(a, 'mic');
  });
});

describe('media across routers and workers', () => {
  let parley: Parley;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    parley = await startServer({ sfu: { workers: 2, maxPeersPerRouter: 1 } });
  });
  afterAll(async () => {
    closeAll(...sockets);
    await parley.close();
  });

  test('a participant on another worker consumes through pipeToRouter; pause and close follow the pipe', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const b = await mediaParticipant(parley, m.id, 'B', sockets);
    const room = parley.meetings.mediaRoom(parley.meetings.live(m.id as MeetingId)!)!;
    assert.equal(room.routerCount, 2);
    assert.equal(room.workers.length, 2);
    const pa = serverPeer(parley, m.id, a.id);
    const pb = serverPeer(parley, m.id, b.id);
    assert.notEqual(pa.slot.worker, pb.slot.worker);

    const cam = await produce(a, 'camera');
    const mic = await produce(a, 'mic');
    const video = await consume(b, cam);
    const audio = await consume(b, mic);
    assert.equal(video.paused, true);
    await ok(b.socket, 'media:setConsumerPaused', { consumerId: video.id, paused: false });
    await ok(b.socket, 'media:setPreferredLayers', { consumerId: video.id, spatialLayer: 1 });
    // The piped producer lives on b's router under the same id.
    const dump = await pb.slot.router.dump();
    assert.ok(dump.mapProducerIdConsumerIds.some((e) => e.key === cam && e.values.includes(video.id)));

    const paused = next<{ consumerId: string; producerPaused: boolean }>(b.socket, 'media:consumerPaused');
    await ok(a.socket, 'media:setProducerPaused', { producerId: cam, paused: true });
    assert.deepEqual(await paused, { consumerId: video.id, producerPaused: true });
    const closed = next<{ consumerId: string }>(b.socket, 'media:consumerClosed');
    await ok(a.socket, 'media:closeProducer', { producerId: cam });
    assert.deepEqual(await closed, { consumerId: video.id });
    assert.ok(pb.consumers.has(audio.id));

    // And the other way round, b's producer to a.
    const bMic = await produce(b, 'mic', { ssrc: 9000 });
    assert.equal((await consume(a, bMic)).kind, 'audio');
  });

  test('a worker that dies: its participants get media:reset and come back on a live worker; the process and the others carry on', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const b = await mediaParticipant(parley, m.id, 'B', sockets);
    const cam = await produce(a, 'camera');
    await produce(a, 'mic');
    const bMic = await produce(b, 'mic', { ssrc: 4242 });
    const bSeesA = await consume(b, cam);
    await consume(a, bMic);
    const pa = serverPeer(parley, m.id, a.id);
    const pb = serverPeer(parley, m.id, b.id);
    const dead: MediaWorker = pa.slot.worker;
    assert.notEqual(dead, pb.slot.worker);
    const bResets: unknown[] = [];
    b.socket.on('media:reset', (p) => bResets.push(p));

    const reset = next<{ reason: string }>(a.socket, 'media:reset');
    const consumerClosed = next<{ consumerId: string }>(b.socket, 'media:consumerClosed', (e) => e.consumerId === bSeesA.id);
    const noProducers = producersUpdate(b.socket, a.id, (ps) => ps.length === 0);
    const respawned = new Promise<MediaWorker>((resolve) => {
      const off = parley.pool.on('workerStarted', (w) => {
        off();
        resolve(w);
      });
    });
    process.kill(dead.pid, 'SIGKILL');
    assert.deepEqual(await reset, { reason: 'worker-died' });
    await consumerClosed;
    await noProducers;

    // a sets up again, on a live worker, and produces; b consumes it again.
    const t = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: a.join.routerRtpCapabilities });
    assert.ok(pa.slot.worker.alive);
    assert.notEqual(pa.slot.worker, dead);
    const a2: MediaParticipant = { ...a, t };
    const cam2 = await produce(a2, 'camera');
    const again = await consume(b, cam2);
    assert.equal(again.producerId, cam2);
    assert.equal((await consume(a2, bMic)).kind, 'audio', 'a hears b again');
    // b kept its transports and was never reset.
    assert.deepEqual(pb.transportIds, { send: b.t.send.id, recv: b.t.recv.id });
    assert.deepEqual(bResets, []);

    const fresh = await respawned;
    assert.equal(fresh.index, dead.index);
    assert.notEqual(fresh.pid, dead.pid);
    const health = await http<{ workers: number }>(parley.url, 'GET', '/healthz');
    assert.equal(health.body.workers, 2);
    // Newcomers land on any worker, the new one included.
    const c = await mediaParticipant(parley, (await newMeeting(parley)).id, 'C', sockets);
    assert.ok(c.t.send.iceCandidates.length > 0);
  });
});

describe('media when the only worker dies', () => {
  let parley: Parley;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    parley = await startServer({ sfu: { workers: 1 } });
  });
  afterAll(async () => {
    closeAll(...sockets);
    await parley.close();
  });

  test('every participant gets media:reset once the replacement runs, and media works again', async () => {
    const m = await newMeeting(parley);
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    const b = await mediaParticipant(parley, m.id, 'B', sockets);
    await produce(a, 'mic');
    const resets = [next(a.socket, 'media:reset'), next(b.socket, 'media:reset')];
    process.kill(parley.pool.workers[0]!.pid, 'SIGKILL');
    await Promise.all(resets);
    const ta = await ok<Transports>(a.socket, 'media:setup', { rtpCapabilities: a.join.routerRtpCapabilities });
    const tb = await ok<Transports>(b.socket, 'media:setup', { rtpCapabilities: b.join.routerRtpCapabilities });
    const mic = await produce({ ...a, t: ta }, 'mic');
    assert.equal((await consume({ ...b, t: tb }, mic)).producerId, mic);
  });

  test('a first joiner who finds no live worker gets MEDIA_UNAVAILABLE and leaves no empty meeting open', async () => {
    const m = await newMeeting(parley);
    const attempt = new Promise<unknown>((resolve) => {
      const off = parley.pool.on('workerDied', () => {
        off();
        // Right when the worker died, before its replacement can start.
        parley.meetings
          .open(m.id as MeetingId)
          .then((meeting) => meeting.join({ id: 'first' as ParticipantId, name: 'First', moderator: false }, 'session-1'))
          .then(() => resolve(undefined), resolve);
      });
    });
    const started = new Promise<void>((resolve) => {
      const off = parley.pool.on('workerStarted', () => {
        off();
        resolve();
      });
    });
    process.kill(parley.pool.workers[0]!.pid, 'SIGKILL');
    const error = (await attempt) as { code?: string } | undefined;
    assert.equal(error?.code, 'MEDIA_UNAVAILABLE');
    assert.equal(parley.meetings.live(m.id as MeetingId), undefined);
    await started;
    // Once the worker is back, the meeting opens normally.
    const a = await mediaParticipant(parley, m.id, 'A', sockets);
    assert.equal(a.join.self.role, 'moderator');
  });
});
