import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import type { types } from 'mediasoup';
import type { RtpCapabilitiesWire } from '@parley/protocol';
import { MediaRoom, routerRtpCapabilities, WorkerPool, type MediaPeer, type MediaWorker } from '../src/index.ts';
import { audioOnly, dtlsClient, nextValue, opus, testLog as log, testSfuConfig, vp8Simulcast } from './fixtures.ts';

const caps = () => structuredClone(routerRtpCapabilities());

/** Asserts that `fn` rejects (or throws) a DomainError with `code`. */
async function rejectsWith(fn: () => unknown, code: string, what?: string): Promise<void> {
  await assert.rejects(
    async () => fn(),
    (error: { code?: string }) => {
      assert.equal(error.code, code, `${what ?? ''}: ${String(error)}`);
      return true;
    },
    what,
  );
}

async function consumersOf(router: types.Router, producerId: string): Promise<string[]> {
  const dump = await router.dump();
  return dump.mapProducerIdConsumerIds.find((e) => e.key === producerId)?.values ?? [];
}

async function producerIdsOn(router: types.Router): Promise<string[]> {
  const dump = await router.dump();
  return dump.mapProducerIdConsumerIds.map((e) => e.key);
}

async function readyPeer(room: MediaRoom, id: string): Promise<MediaPeer> {
  const peer = await room.addPeer(id);
  await peer.setup(caps());
  return peer;
}

async function produce(peer: MediaPeer, what: 'camera' | 'mic', ssrc: number) {
  return peer.produce({
    transportId: peer.transportIds.send!,
    kind: what === 'mic' ? 'audio' : 'video',
    source: what,
    rtpParameters: (what === 'mic' ? opus({ ssrc }) : vp8Simulcast({ ssrc })) as types.RtpParameters,
    paused: false,
  });
}

describe('MediaRoom placement', () => {
  let pool: WorkerPool;
  let room: MediaRoom;
  beforeAll(async () => {
    pool = await WorkerPool.create(testSfuConfig({ workers: 2 }), log);
    room = new MediaRoom(pool, testSfuConfig({ workers: 2, maxPeersPerRouter: 2 }), log);
  });
  afterAll(() => {
    room.close();
    pool.close();
  });

  test('fills a router up to maxPeersPerRouter, then opens one on the least loaded other worker', async () => {
    const [a, b] = await Promise.all([room.addPeer('a'), room.addPeer('b')]);
    assert.equal(a.slot, b.slot, 'two peers fit on one router');
    assert.equal(room.routerCount, 1);
    const c = await room.addPeer('c');
    assert.notEqual(c.slot.router, a.slot.router);
    assert.notEqual(c.slot.worker, a.slot.worker, 'the new router is on the other worker');
    assert.equal(room.routerCount, 2);
    assert.equal(room.workers.length, 2);
    const d = await room.addPeer('d');
    assert.equal(d.slot, c.slot);
    // Every worker hosts this meeting and every router is full: the least
    // crowded router takes one more rather than a second router per worker.
    const e = await room.addPeer('e');
    assert.ok(e.slot === a.slot || e.slot === c.slot);
    assert.equal(room.routerCount, 2);
    for (const w of pool.workers) {
      assert.equal(w.peers, [...room.peers].filter((p) => p.slot.worker === w).length, `peer count of worker ${w.index}`);
    }
  });

  test('the same id gets the same peer; concurrent first joins do not open two routers', async () => {
    const again = await room.addPeer('a');
    assert.equal(again, room.peer('a'));
    const fresh = new MediaRoom(pool, testSfuConfig({ maxPeersPerRouter: 10 }), log);
    try {
      const peers = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((id) => fresh.addPeer(id)));
      assert.equal(fresh.routerCount, 1);
      assert.equal(new Set(peers.map((p) => p.slot)).size, 1);
    } finally {
      fresh.close();
    }
  });

  test('a join whose router loses its last peer (and closes) while the join waits lands on a live router', async () => {
    const fresh = new MediaRoom(pool, testSfuConfig({ maxPeersPerRouter: 10 }), log);
    try {
      // The window is a few microtasks wide; every offset inside it is tried.
      for (let ticks = 0; ticks < 12; ticks += 1) {
        await fresh.addPeer('leaver');
        const joining = fresh.addPeer('joiner');
        for (let i = 0; i < ticks; i += 1) await Promise.resolve();
        fresh.removePeer('leaver');
        const joiner = await joining;
        assert.equal(joiner.slot.router.closed, false, `joined on a closed router (leaver left after ${ticks} ticks)`);
        assert.equal(fresh.routerCount, 1);
        await joiner.setup(caps());
        fresh.removePeer('joiner');
      }
    } finally {
      fresh.close();
    }
  });

  test('a router left empty is closed, and worker peer counts follow', async () => {
    const others = [...room.peers].filter((p) => p.slot !== room.peer('a')!.slot);
    const slot = others[0]!.slot;
    for (const p of others) room.removePeer(p.id);
    assert.equal(slot.router.closed, true);
    assert.equal(room.routerCount, 1);
    assert.equal(slot.worker.peers, 0);
    assert.equal(room.peer(others[0]!.id), undefined);
    assert.equal(others[0]!.closed, true);
  });

  test('close() closes every router and gives the workers their peer counts back', () => {
    const slots = new Set([...room.peers].map((p) => p.slot));
    room.close();
    room.close();
    assert.equal(room.closed, true);
    for (const s of slots) assert.equal(s.router.closed, true);
    for (const w of pool.workers) assert.equal(w.peers, 0);
  });
});

describe('MediaPeer', () => {
  let pool: WorkerPool;
  let room: MediaRoom;
  let a: MediaPeer;
  let b: MediaPeer;
  beforeAll(async () => {
    pool = await WorkerPool.create(testSfuConfig({ workers: 1 }), log);
    room = new MediaRoom(pool, testSfuConfig({ workers: 1 }), log);
    a = await readyPeer(room, 'a');
    b = await readyPeer(room, 'b');
  });
  afterAll(() => {
    room.close();
    pool.close();
  });

  test('before setup, media actions are MEDIA_NOT_READY', async () => {
    const early = await room.addPeer('early');
    try {
      await rejectsWith(() => produce(early, 'mic', 1), 'MEDIA_NOT_READY');
      await rejectsWith(() => early.connect('whatever', dtlsClient() as types.DtlsParameters), 'MEDIA_NOT_READY');
      const p = await produce(a, 'camera', 5000);
      await rejectsWith(() => room.consume(early, p.id), 'MEDIA_NOT_READY');
      // Not ready comes first, whatever the id.
      await rejectsWith(() => room.consume(early, 'no-such-producer'), 'MEDIA_NOT_READY');
      a.closeProducer(p.id);
    } finally {
      room.removePeer('early');
    }
  });

  test("another peer's ids are not found, and its objects are unchanged", async () => {
    const p = await produce(b, 'camera', 6000);
    const c = await room.consume(a, p.id);
    const bTransports = b.transportIds;
    await rejectsWith(() => a.connect(bTransports.send!, dtlsClient() as types.DtlsParameters), 'TRANSPORT_NOT_FOUND');
    await rejectsWith(() => a.restartIce(bTransports.recv!), 'TRANSPORT_NOT_FOUND');
    await rejectsWith(() => a.produce({ transportId: bTransports.send!, kind: 'audio', source: 'mic', rtpParameters: opus() as types.RtpParameters, paused: false }), 'TRANSPORT_NOT_FOUND');
    await rejectsWith(() => a.closeProducer(p.id), 'PRODUCER_NOT_FOUND');
    await rejectsWith(() => a.setProducerPaused(p.id, true), 'PRODUCER_NOT_FOUND');
    await rejectsWith(() => b.closeConsumer(c.id), 'CONSUMER_NOT_FOUND');
    await rejectsWith(() => b.setConsumerPaused(c.id, false), 'CONSUMER_NOT_FOUND');
    await rejectsWith(() => b.setPreferredLayers(c.id, 0), 'CONSUMER_NOT_FOUND');
    assert.equal(p.closed, false);
    assert.equal(p.paused, false);
    assert.equal(c.closed, false);
    assert.equal(c.paused, true);
    assert.deepEqual(b.transportIds, bTransports);
    const gone = nextValue<string>((fn) => a.on('consumerClosed', fn));
    b.closeProducer(p.id);
    assert.equal(await gone, c.id, 'the consumer went with its producer');
    assert.equal(a.consumers.size, 0);
  });

  test('refusals by mediasoup are MEDIA_ERROR and change nothing', async () => {
    const before = a.transportIds;
    const cases: [string, () => Promise<unknown>][] = [
      ['capabilities with an unknown codec kind', () => a.setup({ codecs: [{ kind: 'text', mimeType: 'text/plain', clockRate: 1 }] } as never)],
      ['capabilities with a bad mimeType', () => a.setup({ codecs: [{ kind: 'audio', mimeType: 'opus', clockRate: 48000 }] } as never)],
      ['an unsupported codec', () => a.produce({ transportId: before.send!, kind: 'video', source: 'camera', rtpParameters: { codecs: [{ mimeType: 'video/H265', payloadType: 100, clockRate: 90000 }], encodings: [{ ssrc: 1 }] } as never, paused: false })],
      ['kind not matching the codec', () => a.produce({ transportId: before.send!, kind: 'video', source: 'camera', rtpParameters: opus() as types.RtpParameters, paused: false })],
      ['rtx without apt', () => a.produce({ transportId: before.send!, kind: 'video', source: 'camera', rtpParameters: { ...vp8Simulcast(), codecs: [vp8Simulcast().codecs[0]!, { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000 }] } as never, paused: false })],
      ['producing on the receive transport', () => a.produce({ transportId: before.recv!, kind: 'audio', source: 'mic', rtpParameters: opus() as types.RtpParameters, paused: false })],
      ['a bad DTLS role', () => a.connect(before.send!, { role: 'sideways', fingerprints: dtlsClient().fingerprints } as never)],
      ['a bad fingerprint algorithm', () => a.connect(before.send!, { role: 'client', fingerprints: [{ algorithm: 'md5', value: 'AA' }] } as never)],
    ];
    for (const [what, fn] of cases) await rejectsWith(fn, 'MEDIA_ERROR', what);
    assert.deepEqual(a.transportIds, before);
    assert.equal(a.producers.size, 0);
  });

  test('one producer per source', async () => {
    const p = await produce(a, 'mic', 7000);
    await rejectsWith(() => produce(a, 'mic', 7001), 'MEDIA_ERROR');
    a.closeProducer(p.id);
    const again = await produce(a, 'mic', 7002);
    a.closeProducer(again.id);
  });

  test('consuming: own producer and undecodable streams are CANNOT_CONSUME, unknown ids PRODUCER_NOT_FOUND', async () => {
    const video = await produce(a, 'camera', 8000);
    await rejectsWith(() => room.consume(a, video.id), 'CANNOT_CONSUME');
    await rejectsWith(() => room.consume(b, 'no-such-producer'), 'PRODUCER_NOT_FOUND');
    const deaf = await room.addPeer('deaf');
    await deaf.setup(audioOnly(caps() as RtpCapabilitiesWire) as types.RtpCapabilities);
    await rejectsWith(() => room.consume(deaf, video.id), 'CANNOT_CONSUME');
    room.removePeer('deaf');
    a.closeProducer(video.id);
  });

  test('a simulcast consumer starts paused, resumes, takes preferred layers and follows its producer', async () => {
    const video = await produce(a, 'camera', 9000);
    const c = await room.consume(b, video.id);
    assert.equal(c.type, 'simulcast');
    assert.equal(c.paused, true);
    await b.setConsumerPaused(c.id, false);
    assert.equal(c.paused, false);
    await b.setPreferredLayers(c.id, 2, 1);
    assert.deepEqual(c.preferredLayers, { spatialLayer: 2, temporalLayer: 1 });
    const paused = nextValue<[string, boolean]>((fn) => b.on('consumerPaused', (id, p) => fn([id, p])));
    await a.setProducerPaused(video.id, true);
    assert.deepEqual(await paused, [c.id, true]);
    const closed = nextValue<string>((fn) => b.on('consumerClosed', fn));
    a.closeProducer(video.id);
    assert.equal(await closed, c.id);
    assert.equal(b.consumers.size, 0);
  });

  test('setup again replaces the transports; the old producers close and are reported', async () => {
    const mic = await produce(a, 'mic', 9500);
    const c = await room.consume(b, mic.id);
    const old = a.transportIds;
    const consumerClosed = nextValue<string>((fn) => b.on('consumerClosed', fn));
    await a.setup(caps());
    assert.notEqual(a.transportIds.send, old.send);
    assert.notEqual(a.transportIds.recv, old.recv);
    assert.equal(mic.closed, true);
    assert.equal(a.producers.size, 0);
    assert.equal(await consumerClosed, c.id);
  });
});

describe('MediaRoom pipes and the active speaker router', () => {
  let pool: WorkerPool;
  let room: MediaRoom;
  const peers: Record<string, MediaPeer> = {};
  beforeAll(async () => {
    pool = await WorkerPool.create(testSfuConfig({ workers: 3 }), log);
    room = new MediaRoom(pool, testSfuConfig({ workers: 3, maxPeersPerRouter: 2 }), log);
    // Sequential joins: a,x on router 0; b,c on router 1; d,e on router 2.
    for (const id of ['a', 'x', 'b', 'c', 'd', 'e']) peers[id] = await readyPeer(room, id);
  });
  afterAll(() => {
    room.close();
    pool.close();
  });

  test('the room spans three routers on three workers', () => {
    assert.equal(room.routerCount, 3);
    assert.equal(room.workers.length, 3);
    assert.equal(peers.a!.slot, peers.x!.slot);
    assert.equal(peers.b!.slot, peers.c!.slot);
    assert.equal(peers.d!.slot, peers.e!.slot);
  });

  test('a producer is piped once to each router that consumes it, however many consume there at once', async () => {
    const video = await produce(peers.a!, 'camera', 10_000);
    const consumers = await Promise.all(['b', 'c', 'd', 'e', 'x'].map((id) => room.consume(peers[id]!, video.id)));
    assert.equal(consumers.length, 5);
    // On the source router: x's consumer plus one pipe consumer per other router.
    assert.equal((await consumersOf(peers.a!.slot.router, video.id)).length, 3);
    // On each other router: the piped producer keeps its id, consumed by both local peers.
    for (const id of ['b', 'd']) {
      const here = await consumersOf(peers[id]!.slot.router, video.id);
      assert.equal(here.length, 2, `consumers on ${id}'s router`);
    }
    // Consuming again later reuses the pipe.
    const more = await room.consume(peers.b!, video.id);
    assert.equal((await consumersOf(peers.a!.slot.router, video.id)).length, 3);
    peers.b!.closeConsumer(more.id);
    peers.a!.closeProducer(video.id);
  });

  test('every microphone is piped to the home router and observed there', async () => {
    const micA = await produce(peers.a!, 'mic', 11_000);
    await room.observeProducer(peers.a!, micA);
    const micB = await produce(peers.b!, 'mic', 11_100);
    await room.observeProducer(peers.b!, micB);
    const cam = await produce(peers.d!, 'camera', 11_200);
    await room.observeProducer(peers.d!, cam);
    const home = peers.a!.slot.router; // the first router of the room
    const dump = await home.dump();
    const observed = dump.mapProducerIdObserverIds.map((e) => e.key);
    assert.deepEqual(observed.sort(), [micA.id, micB.id].sort());
    assert.ok((await producerIdsOn(home)).includes(micB.id), 'b\'s mic was piped home');
    assert.ok(!(await producerIdsOn(home)).includes(cam.id), 'video is not piped home');
    // A consumer of b's mic on the home router reuses that pipe.
    await room.consume(peers.x!, micB.id);
    assert.equal((await consumersOf(peers.b!.slot.router, micB.id)).length, 1);
    peers.d!.closeProducer(cam.id);
  });

  test('a router closed for lack of peers is piped to afresh when someone lands there again', async () => {
    const video = await produce(peers.d!, 'camera', 12_000);
    await room.consume(peers.b!, video.id);
    const oldRouter = peers.b!.slot.router;
    room.removePeer('b');
    room.removePeer('c');
    assert.equal(oldRouter.closed, true);
    peers.f = await readyPeer(room, 'f');
    assert.notEqual(peers.f.slot.router, oldRouter);
    const c = await room.consume(peers.f, video.id);
    assert.equal(c.producerId, video.id);
    assert.deepEqual(await consumersOf(peers.f.slot.router, video.id), [c.id]);
    peers.d!.closeProducer(video.id);
  });
});

describe('MediaRoom when a worker dies', () => {
  test('its peers are reset onto a live router; consumers elsewhere of their producers are closed; the others keep their media', async (t) => {
    const pool = await WorkerPool.create(testSfuConfig({ workers: 2 }), log);
    const room = new MediaRoom(pool, testSfuConfig({ workers: 2, maxPeersPerRouter: 1 }), log);
    t.onTestFinished(() => {
      room.close();
      pool.close();
    });
    const a = await readyPeer(room, 'a');
    const b = await readyPeer(room, 'b');
    assert.notEqual(a.slot.worker, b.slot.worker);
    const micA = await produce(a, 'mic', 13_000);
    await room.observeProducer(a, micA);
    const camB = await produce(b, 'camera', 13_100);
    await room.observeProducer(b, camB);
    const bConsumesA = await room.consume(b, micA.id);
    await room.consume(a, camB.id);
    const bTransports = b.transportIds;

    const reset = nextValue<MediaPeer>((fn) => room.on('peerReset', fn), 10_000, 'peerReset');
    const bLost = nextValue<string>((fn) => b.on('consumerClosed', fn), 10_000, 'consumerClosed');
    const dead: MediaWorker = a.slot.worker;
    process.kill(dead.pid, 'SIGKILL');
    assert.equal(await reset, a);
    assert.equal(await bLost, bConsumesA.id);
    assert.ok(a.slot.worker.alive);
    assert.notEqual(a.slot.worker, dead);
    assert.equal(a.producers.size, 0);
    assert.deepEqual(a.transportIds, { send: null, recv: null });
    assert.deepEqual(b.transportIds, bTransports, 'b keeps its transports');
    assert.equal(camB.closed, false);

    // a sets up again on the live router; both directions work again.
    await a.setup(caps());
    const mic2 = await produce(a, 'mic', 13_200);
    await room.observeProducer(a, mic2);
    const c = await room.consume(b, mic2.id);
    assert.equal(c.closed, false);
    const back = await room.consume(a, camB.id);
    assert.equal(back.closed, false);
  });

  test('with a single worker, its peers are reset once the replacement worker runs', async (t) => {
    const pool = await WorkerPool.create(testSfuConfig({ workers: 1 }), log);
    const room = new MediaRoom(pool, testSfuConfig({ workers: 1 }), log);
    t.onTestFinished(() => {
      room.close();
      pool.close();
    });
    const a = await readyPeer(room, 'a');
    const b = await readyPeer(room, 'b');
    const dead = a.slot.worker;
    const resets: MediaPeer[] = [];
    const both = new Promise<void>((resolve) => room.on('peerReset', (p) => resets.push(p) === 2 && resolve()));
    const timeout = AbortSignal.timeout(10_000);
    process.kill(dead.pid, 'SIGKILL');
    await Promise.race([both, new Promise((_, reject) => timeout.addEventListener('abort', () => reject(new Error(`only ${resets.length} peerReset`))))]);
    assert.deepEqual(resets.map((p) => p.id).sort(), ['a', 'b']);
    assert.ok(a.slot.worker.alive);
    assert.notEqual(a.slot.worker, dead);
    await a.setup(caps());
    await b.setup(caps());
    const mic = await produce(a, 'mic', 14_000);
    const c = await room.consume(b, mic.id);
    assert.equal(c.producerId, mic.id);
  });
});
