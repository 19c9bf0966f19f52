import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from '@parley/protocol';
import { MEDIA_CODECS, type SfuConfig } from './config.ts';
import { CannotConsume, ProducerNotFound } from './errors.ts';
import { MediaPeer, type ProducerAppData } from './MediaPeer.ts';
import { MediaSink } from './MediaSink.ts';
import { MediaUnavailable, type MediaWorker, type WorkerPool } from './WorkerPool.ts';

/** A router of this room on one worker, and the peers whose transports it hosts. */
export interface RouterSlot {
  router: types.Router;
  worker: MediaWorker;
  peers: Set<MediaPeer>;
}

/**
 * The router where every microphone of the room is piped, so one place hears
 * them all: one active speaker observer per group of peers (the main room and
 * each breakout room), since each group has its own speaker.
 */
interface HomeRouter {
  slot: RouterSlot;
  observers: Map<string, Promise<types.ActiveSpeakerObserver>>;
}

export interface MediaRoomEvents {
  activeSpeaker: [group: string, peerId: string | null];
  /** The peer's transports died with their worker; it has been given a live router and must set up again. */
  peerReset: [peer: MediaPeer];
}

/**
 * The media plane of one meeting. Participants are placed on a router of
 * this room with room to spare, or on a new router on the least loaded
 * worker; a producer is piped (pipeToRouter) to each other router only when
 * someone there consumes it. All audio is piped to the "home" router, where
 * the active speaker observer listens to everyone.
 */
export class MediaRoom extends TypedEmitter<MediaRoomEvents> {
  readonly #pool: WorkerPool;
  readonly #config: SfuConfig;
  readonly #log: Logger;
  readonly #slots = new Map<string, RouterSlot>();
  readonly #peers = new Map<string, MediaPeer>();
  /** producerId -> routerId -> pipe in progress or done. */
  readonly #pipes = new Map<string, Map<string, Promise<void>>>();
  #home: HomeRouter | undefined;
  /** Microphones whose pause / resume already moves them out of / into their observer. */
  readonly #watched = new WeakSet<types.Producer>();
  #homePending: Promise<void> | undefined;
  /** Placement is serialized so two joiners do not both open a new router. */
  #placing: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #sinks = new Set<MediaSink>();
  readonly #offWorkerDied: () => void;

  constructor(pool: WorkerPool, config: SfuConfig, log: Logger) {
    super();
    this.#pool = pool;
    this.#config = config;
    this.#log = log;
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'media room listener failed');
    this.#offWorkerDied = pool.on('workerDied', (w) => this.#onWorkerDied(w));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get routerCount(): number {
    return this.#slots.size;
  }

  /** The workers this room currently uses (tests and metrics). */
  get workers(): MediaWorker[] {
    return [...new Set([...this.#slots.values()].map((s) => s.worker))];
  }

  peer(id: string): MediaPeer | undefined {
    return this.#peers.get(id);
  }

  get peers(): IterableIterator<MediaPeer> {
    return this.#peers.values();
  }

  async addPeer(id: string): Promise<MediaPeer> {
    const existing = this.#peers.get(id);
    if (existing) return existing;
    let slot = await this.#place();
    // The router found may have lost its last peer, and been closed, while
    // this join waited for the answer: a peer put there could do nothing.
    for (let tries = 0; !this.#closed && !this.#isLive(slot) && tries < 3; tries += 1) slot = await this.#place();
    const again = this.#peers.get(id);
    if (again) return again;
    // Closed while a router was found (a meeting ended for everyone during a join): nothing is attached to it.
    if (this.#closed || !this.#isLive(slot)) throw new MediaUnavailable();
    const peer = new MediaPeer(id, slot, this.#config, this.#log.child({ peer: id }));
    this.#attach(peer, slot);
    this.#peers.set(id, peer);
    return peer;
  }

  removePeer(id: string): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    this.#peers.delete(id);
    this.#detachFromSlot(peer);
    peer.close();
  }

  /** Finds a producer anywhere in the room, with the peer that owns it. */
  findProducer(producerId: string): { peer: MediaPeer; producer: types.Producer<ProducerAppData> } | undefined {
    for (const peer of this.#peers.values()) {
      const producer = peer.producers.get(producerId as never);
      if (producer && !producer.closed) return { peer, producer };
    }
    return undefined;
  }

  /**
   * Called by the owner after a new producer exists, so active speaker
   * detection (of its peer's group) hears it. A muted (paused) microphone is
   * taken out of the observer until it resumes: muted people are never the
   * speaker, and mediasoup's observer keeps a paused dominant speaker until
   * someone out-talks its decaying history, which with a quiet room can take
   * many seconds. With it out, the one still talking wins at once.
   */
  async observeProducer(peer: MediaPeer, producer: types.Producer<ProducerAppData>): Promise<void> {
    if (producer.kind !== 'audio' || producer.appData.source !== 'mic') return;
    if (!this.#watched.has(producer)) {
      this.#watched.add(producer);
      const follow = () => void this.#hear(peer, producer).catch((error: unknown) => this.#log.debug({ err: error }, 'active speaker update failed'));
      producer.observer.on('pause', follow);
      producer.observer.on('resume', follow);
    }
    await this.#hear(peer, producer);
  }

  /** Puts the microphone in (or, paused, out of) its group's observer. */
  async #hear(peer: MediaPeer, producer: types.Producer<ProducerAppData>): Promise<void> {
    const home = await this.#ensureHome();
    if (!home || producer.closed) return;
    await this.#pipe(peer.slot, producer.id, home.slot);
    const observer = await this.#observer(home, peer.group);
    if (producer.closed || observer.closed || peer.group !== observer.appData.group) return;
    const change = producer.paused ? observer.removeProducer({ producerId: producer.id }) : observer.addProducer({ producerId: producer.id });
    await change.catch((error: unknown) => {
      // Adding one already there, or removing one that is not: nothing to do.
      this.#log.debug({ err: error }, 'active speaker observer refused a change');
    });
  }

  /**
   * Moves a peer to another group (a breakout room): its microphone is heard
   * by that group's active speaker observer from now on, no longer by the old one.
   */
  async setGroup(peer: MediaPeer, group: string): Promise<void> {
    const old = peer.group;
    if (old === group) return;
    peer.group = group;
    const home = this.#home;
    const before = home && (await home.observers.get(old)?.catch(() => undefined));
    for (const producer of [...peer.producers.values()]) {
      if (producer.kind !== 'audio' || producer.appData.source !== 'mic') continue;
      if (before && !before.closed) await before.removeProducer({ producerId: producer.id }).catch(() => undefined);
      await this.observeProducer(peer, producer);
    }
  }

  /** A group is gone (a breakout room removed): its active speaker observer goes too. */
  dropGroup(group: string): void {
    const pending = this.#home?.observers.get(group);
    if (!pending) return;
    this.#home!.observers.delete(group);
    pending.then((observer) => observer.close()).catch(() => undefined);
  }

  /** Creates a paused consumer of `producerId` for `peer`, piping the producer to the peer's router if needed. */
  async consume(peer: MediaPeer, producerId: string): Promise<types.Consumer> {
    // Readiness first: a consume sent before media:setup is out of order,
    // whatever producer it names.
    const transport = peer.recvTransport;
    const caps = peer.rtpCapabilities!;
    const found = this.findProducer(producerId);
    if (!found) throw new ProducerNotFound(producerId);
    if (found.peer === peer) throw new CannotConsume('cannot consume your own producer');
    await this.#pipe(found.peer.slot, producerId, peer.slot);
    if (!peer.slot.router.canConsume({ producerId, rtpCapabilities: caps })) {
      throw new CannotConsume('your browser cannot decode this stream');
    }
    // Paused at first: the client resumes once its consumer exists, so the
    // first packets (and the keyframe mediasoup requests on resume) are not lost.
    const consumer = await transport.consume({
      producerId,
      rtpCapabilities: caps,
      paused: true,
      // Simulcast starts on the middle layer until the receiver's tile says
      // what fits it: no 720p burst to a phone, a smaller first keyframe.
      ...(found.producer.kind === 'video' ? { preferredLayers: { spatialLayer: 1 } } : {}),
      enableRtx: true,
      ignoreDtx: true,
      appData: { peerId: found.peer.id, source: found.producer.appData.source },
    });
    if (found.producer.appData.source === 'screen') await consumer.setPriority(2).catch(() => undefined);
    peer.adoptConsumer(consumer);
    return consumer;
  }

  /**
   * Plain RTP of this room's producers for a recorder. `allowed` says which
   * producers it may have (the main room's): the caller's rule, not the SFU's.
   */
  createSink(allowed: (peerId: string) => boolean): MediaSink {
    const sink = new MediaSink(
      this.#config.listenIp,
      (producerId) => {
        const found = this.findProducer(producerId);
        if (!found || !allowed(found.peer.id) || found.peer.slot.router.closed) return undefined;
        return { router: found.peer.slot.router, producer: found.producer };
      },
      this.#log.child({ sink: true }),
      () => this.#sinks.delete(sink),
    );
    this.#sinks.add(sink);
    return sink;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sink of this.#sinks) sink.close();
    this.#sinks.clear();
    this.#offWorkerDied();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    for (const slot of this.#slots.values()) {
      slot.worker.peers -= slot.peers.size;
      slot.router.close();
    }
    this.#slots.clear();
    this.#pipes.clear();
    this.#home = undefined;
    this.removeAllListeners();
  }

  #isLive(slot: RouterSlot): boolean {
    return !slot.router.closed && this.#slots.get(slot.router.id) === slot;
  }

  #attach(peer: MediaPeer, slot: RouterSlot): void {
    peer.slot = slot;
    slot.peers.add(peer);
    slot.worker.peers += 1;
  }

  #detachFromSlot(peer: MediaPeer): void {
    const slot = peer.slot;
    if (!slot.peers.delete(peer)) return;
    slot.worker.peers -= 1;
    // An empty router other than home only costs memory and pipes: close it.
    if (slot.peers.size === 0 && this.#home?.slot !== slot && this.#slots.has(slot.router.id)) {
      this.#slots.delete(slot.router.id);
      this.#forgetPipesTo(slot.router.id);
      slot.router.close();
    }
  }

  #place(): Promise<RouterSlot> {
    const next = this.#placing.then(async () => {
      const live = [...this.#slots.values()]
        .filter((s) => s.worker.alive && !s.router.closed)
        .sort((a, b) => a.peers.size - b.peers.size);
      const open = live.find((s) => s.peers.size < this.#config.maxPeersPerRouter);
      if (open) return open;
      // At most one router per worker and meeting: a second router on the
      // same worker costs the same CPU plus pipes, and pipeToRouter keeps
      // producer ids, which two routers of one worker cannot share. When
      // every worker already hosts this meeting, the least crowded router
      // takes one more than its share.
      const used = new Set(live.map((s) => s.worker));
      if (live.length > 0 && this.#pool.workers.every((w) => used.has(w))) return live[0]!;
      return this.#newSlot();
    });
    this.#placing = next.catch(() => undefined);
    return next;
  }

  /**
   * Like #place, but when no worker is alive (the only one just died) waits
   * for the pool to start its replacement instead of giving up: the peer must
   * end up on a live router, or its media:reset would never come.
   */
  async #placeOnLiveWorker(): Promise<RouterSlot> {
    for (;;) {
      try {
        return await this.#place();
      } catch (error) {
        if (!(error instanceof MediaUnavailable) || this.#closed) throw error;
        await new Promise<void>((resolve) => this.#pool.once('workerStarted', () => resolve()));
      }
    }
  }

  async #newSlot(): Promise<RouterSlot> {
    const used = new Set([...this.#slots.values()].map((s) => s.worker));
    const worker = this.#pool.pick(used);
    const router = await worker.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const slot: RouterSlot = { router, worker, peers: new Set() };
    if (this.#closed) {
      router.close();
      return slot;
    }
    this.#slots.set(router.id, slot);
    this.#log.debug({ router: router.id, worker: worker.index }, 'router opened for meeting');
    return slot;
  }

  #ensureHome(): Promise<HomeRouter | undefined> {
    if (this.#home && !this.#home.slot.router.closed) return Promise.resolve(this.#home);
    this.#homePending ??= (async () => {
      const slot = [...this.#slots.values()].find((s) => !s.router.closed) ?? (await this.#place());
      this.#home = { slot, observers: new Map() };
    })().finally(() => {
      this.#homePending = undefined;
    });
    return this.#homePending.then(() => this.#home);
  }

  /** The group's observer on the home router, created once. */
  #observer(home: HomeRouter, group: string): Promise<types.ActiveSpeakerObserver> {
    let pending = home.observers.get(group);
    if (!pending) {
      pending = home.slot.router.createActiveSpeakerObserver({ interval: 300, appData: { group } }).then((observer) => {
        observer.on('dominantspeaker', ({ producer }) => {
          const peerId = (producer.appData as Partial<ProducerAppData>).peerId;
          this.emit('activeSpeaker', group, peerId ?? null);
        });
        return observer;
      });
      home.observers.set(group, pending);
      pending.catch(() => home.observers.delete(group));
    }
    return pending;
  }

  /** Makes `producerId` (living on `from`) available on `to`, once. */
  async #pipe(from: RouterSlot, producerId: string, to: RouterSlot): Promise<void> {
    if (from === to) return;
    let byRouter = this.#pipes.get(producerId);
    if (!byRouter) this.#pipes.set(producerId, (byRouter = new Map()));
    let pending = byRouter.get(to.router.id);
    if (!pending) {
      pending = from.router
        .pipeToRouter({ producerId, router: to.router, enableSctp: false })
        .then(({ pipeProducer }) => {
          // Only this pipe's own record: a later pipe of the same producer may have replaced it.
          pipeProducer?.observer.once('close', () => forget());
        });
      const mine = pending;
      const forget = () => {
        const records = this.#pipes.get(producerId);
        if (records?.get(to.router.id) === mine) records.delete(to.router.id);
      };
      byRouter.set(to.router.id, pending);
      pending.catch(forget);
    }
    await pending;
  }

  #forgetPipesTo(routerId: string): void {
    for (const byRouter of this.#pipes.values()) byRouter.delete(routerId);
  }

  #onWorkerDied(worker: MediaWorker): void {
    if (this.#closed) return;
    const lost = [...this.#slots.values()].filter((s) => s.worker === worker);
    if (lost.length === 0) return;
    for (const slot of lost) {
      this.#slots.delete(slot.router.id);
      this.#forgetPipesTo(slot.router.id);
      if (this.#home?.slot === slot) this.#home = undefined;
    }
    // Producers that lived on the dead worker are gone; drop their pipe records.
    for (const [producerId, byRouter] of this.#pipes) {
      if (!this.findProducer(producerId)) this.#pipes.delete(producerId);
      else if (byRouter.size === 0) this.#pipes.delete(producerId);
    }
    const moved = lost.flatMap((s) => [...s.peers]);
    this.#log.warn({ worker: worker.index, peers: moved.length }, 'moving participants off a dead media worker');
    void (async () => {
      for (const peer of moved) {
        peer.detach();
        try {
          const slot = await this.#placeOnLiveWorker();
          if (this.#closed || peer.closed) continue;
          this.#attach(peer, slot);
          this.emit('peerReset', peer);
        } catch (error) {
          this.#log.error({ err: error, peer: peer.id }, 'could not move participant to a live worker');
        }
      }
      // The remaining microphones must be heard by a new active speaker observer.
      if (!this.#home) {
        for (const peer of this.#peers.values()) {
          for (const producer of peer.producers.values()) {
            await this.observeProducer(peer, producer).catch(() => undefined);
          }
        }
      }
    })();
  }
}
