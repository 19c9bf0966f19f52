// An in-memory media plane for unit tests of the meeting's rules: it keeps
// the state the real SFU keeps (producers, consumers, pause, groups) and
// reports what the real one reports, without a mediasoup worker. Media
// itself (RTP, routers, pipes) is tested on real workers in media.test.ts.
import type { types } from 'mediasoup';
import { TypedEmitter, type ConsumerId, type MediaKind, type MediaSource, type ProducerId, type TransportId, type TransportOptionsWire } from '@parley/protocol';
import { CannotConsume, ConsumerNotFound, MediaNotReady, MediaRejected, ProducerNotFound } from '@parley/sfu';
import type { ConsumerView, ProducerView, SfuPeer, SfuPeerEvents, SfuRoom, SfuRoomEvents } from '../src/meet/sfu-port.ts';

let serial = 0;
const nextId = (prefix: string) => `${prefix}-${++serial}`;

class FakeProducer implements ProducerView {
  readonly id = nextId('producer');
  closed = false;
  readonly kind: MediaKind;
  paused: boolean;
  readonly appData: { peerId: string; source: MediaSource };
  constructor(kind: MediaKind, paused: boolean, appData: { peerId: string; source: MediaSource }) {
    this.kind = kind;
    this.paused = paused;
    this.appData = appData;
  }
}

class FakeConsumer implements ConsumerView {
  readonly id = nextId('consumer');
  readonly rtpParameters: types.RtpParameters = { codecs: [] };
  paused = true;
  closed = false;
  readonly producer: FakeProducer;
  producerPaused: boolean;
  constructor(producer: FakeProducer, producerPaused: boolean) {
    this.producer = producer;
    this.producerPaused = producerPaused;
  }
  get producerId(): string {
    return this.producer.id;
  }
  get kind(): MediaKind {
    return this.producer.kind;
  }
  get appData(): types.AppData {
    return { ...this.producer.appData };
  }
}

const transport = (id: string): TransportOptionsWire => ({
  id: id as TransportId,
  iceParameters: { usernameFragment: 'u', password: 'p' },
  iceCandidates: [],
  dtlsParameters: { role: 'auto', fingerprints: [] },
});

export class FakePeer extends TypedEmitter<SfuPeerEvents> implements SfuPeer {
  readonly producers = new Map<ProducerId, FakeProducer>();
  readonly consumers = new Map<ConsumerId, FakeConsumer>();
  readonly routerRtpCapabilities: types.RtpCapabilities = { codecs: [] };
  group = '';
  closed = false;
  #transports: { send: TransportId; recv: TransportId } | undefined;

  readonly id: string;
  readonly room: FakeSfu;

  constructor(id: string, room: FakeSfu) {
    super();
    this.id = id;
    this.room = room;
  }

  get transportIds(): { send: TransportId | null; recv: TransportId | null } {
    return { send: this.#transports?.send ?? null, recv: this.#transports?.recv ?? null };
  }

  get transportCount(): number {
    return this.#transports ? 2 : 0;
  }

  async setup(): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }> {
    const send = nextId('send');
    const recv = nextId('recv');
    this.#transports = { send: send as TransportId, recv: recv as TransportId };
    return { send: transport(send), recv: transport(recv) };
  }

  async connect(): Promise<void> {}

  async restartIce(): Promise<types.IceParameters> {
    return { usernameFragment: 'u2', password: 'p2', iceLite: true };
  }

  async produce(opts: { transportId: string; kind: MediaKind; source: MediaSource; paused: boolean }): Promise<FakeProducer> {
    if (opts.transportId !== this.#transports?.send) throw new MediaRejected('produce needs the send transport');
    for (const p of this.producers.values()) if (p.appData.source === opts.source) throw new MediaRejected(`already producing ${opts.source}`);
    const producer = new FakeProducer(opts.kind, opts.paused, { peerId: this.id, source: opts.source });
    this.producers.set(producer.id as ProducerId, producer);
    return producer;
  }

  closeProducer(producerId: string): void {
    const producer = this.#producer(producerId);
    producer.closed = true;
    this.producers.delete(producerId as ProducerId);
    this.room.producerClosed(producer);
  }

  async setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    const producer = this.#producer(producerId);
    if (producer.paused === paused) return;
    producer.paused = paused;
    this.room.producerPaused(producer);
  }

  adopt(consumer: FakeConsumer): void {
    this.consumers.set(consumer.id as ConsumerId, consumer);
  }

  async setConsumerPaused(consumerId: string, paused: boolean): Promise<void> {
    this.#consumer(consumerId).paused = paused;
  }

  async setPreferredLayers(consumerId: string): Promise<void> {
    this.#consumer(consumerId);
  }

  closeConsumer(consumerId: string): void {
    this.#consumer(consumerId).closed = true;
    this.consumers.delete(consumerId as ConsumerId);
  }

  /** The consumed producer went away (as mediasoup's `producerclose`). */
  lose(consumer: FakeConsumer): void {
    consumer.closed = true;
    this.consumers.delete(consumer.id as ConsumerId);
    this.emit('consumerClosed', consumer.id as ConsumerId);
  }

  close(): void {
    this.closed = true;
    for (const p of [...this.producers.values()]) this.closeProducer(p.id);
    this.consumers.clear();
    this.#transports = undefined;
  }

  #producer(id: string): FakeProducer {
    const p = this.producers.get(id as ProducerId);
    if (!p || p.closed) throw new ProducerNotFound(id);
    return p;
  }

  #consumer(id: string): FakeConsumer {
    const c = this.consumers.get(id as ConsumerId);
    if (!c || c.closed) throw new ConsumerNotFound(id);
    return c;
  }
}

export class FakeSfu extends TypedEmitter<SfuRoomEvents> implements SfuRoom {
  readonly peers = new Map<string, FakePeer>();
  /** Microphones the speaker detection was told about. */
  readonly observed: ProducerView[] = [];
  readonly droppedGroups: string[] = [];
  closed = false;

  async addPeer(id: string): Promise<FakePeer> {
    let peer = this.peers.get(id);
    if (!peer) this.peers.set(id, (peer = new FakePeer(id, this)));
    return peer;
  }

  removePeer(id: string): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  findProducer(producerId: string): { peer: FakePeer; producer: FakeProducer } | undefined {
    for (const peer of this.peers.values()) {
      const producer = peer.producers.get(producerId as ProducerId);
      if (producer && !producer.closed) return { peer, producer };
    }
    return undefined;
  }

  async observeProducer(_peer: SfuPeer, producer: ProducerView): Promise<void> {
    if (producer.kind === 'audio' && producer.appData.source === 'mic') this.observed.push(producer);
  }

  async consume(peer: SfuPeer, producerId: string): Promise<FakeConsumer> {
    const holder = this.peers.get(peer.id)!;
    if (holder.transportCount === 0) throw new MediaNotReady('consume');
    const found = this.findProducer(producerId);
    if (!found) throw new ProducerNotFound(producerId);
    if (found.peer === holder) throw new CannotConsume('cannot consume your own producer');
    const consumer = new FakeConsumer(found.producer, found.producer.paused);
    holder.adopt(consumer);
    return consumer;
  }

  async setGroup(peer: SfuPeer, group: string): Promise<void> {
    this.peers.get(peer.id)!.group = group;
  }

  dropGroup(group: string): void {
    this.droppedGroups.push(group);
  }

  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }

  /** The speaker detection of `group` names `peerId` (as mediasoup's observer would). */
  speak(group: string, peerId: string | null): void {
    this.emit('activeSpeaker', group, peerId);
  }

  producerClosed(producer: FakeProducer): void {
    for (const peer of this.peers.values()) {
      for (const c of [...peer.consumers.values()]) if (c.producer === producer) peer.lose(c);
    }
  }

  producerPaused(producer: FakeProducer): void {
    for (const peer of this.peers.values()) {
      for (const c of peer.consumers.values()) {
        if (c.producer !== producer) continue;
        c.producerPaused = producer.paused;
        peer.emit('consumerPaused', c.id as ConsumerId, producer.paused);
      }
    }
  }
}
