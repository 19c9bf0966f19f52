import { ortc, type types } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from '@parley/protocol';
import type { ConsumerId, MediaKind, MediaSource, ProducerId, TransportId, TransportOptionsWire } from '@parley/protocol';
import type { SfuConfig } from './config.ts';
import { ConsumerNotFound, MediaNotReady, MediaRejected, ProducerNotFound, TransportNotFound } from './errors.ts';
import type { RouterSlot } from './MediaRoom.ts';

export interface ProducerAppData extends types.AppData {
  peerId: string;
  source: MediaSource;
  /** A video's height as its sender captured it (see ProducerInfo.height). */
  height?: number;
}

export interface MediaPeerEvents {
  /** A producer went away without the client asking (its transport closed). */
  producerClosed: [producerId: ProducerId];
  /** The consumed producer closed: the client must drop its consumer. */
  consumerClosed: [consumerId: ConsumerId];
  consumerPaused: [consumerId: ConsumerId, producerPaused: boolean];
  consumerLayers: [consumerId: ConsumerId, spatialLayer: number | null];
}

/**
 * One participant's media: a send and a receive WebRtcTransport on one
 * router, its producers and consumers. It never trusts ids from the client:
 * every lookup is in this peer's own maps, so a participant can only touch
 * its own transports, producers and consumers.
 */
export class MediaPeer extends TypedEmitter<MediaPeerEvents> {
  readonly id: string;
  /** Who this peer's microphone competes with for active speaker (its room within the meeting). */
  group = '';
  /** Where this peer's transports live; reassigned by the room when a worker dies. */
  slot: RouterSlot;
  rtpCapabilities: types.RtpCapabilities | undefined;
  readonly producers = new Map<ProducerId, types.Producer<ProducerAppData>>();
  readonly consumers = new Map<ConsumerId, types.Consumer>();
  #send: types.WebRtcTransport | undefined;
  #recv: types.WebRtcTransport | undefined;
  #closed = false;
  readonly #config: SfuConfig;
  readonly #log: Logger;

  constructor(id: string, slot: RouterSlot, config: SfuConfig, log: Logger) {
    super();
    this.id = id;
    this.slot = slot;
    this.#config = config;
    this.#log = log;
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'media peer listener failed');
  }

  get closed(): boolean {
    return this.#closed;
  }

  get transportIds(): { send: TransportId | null; recv: TransportId | null } {
    return {
      send: this.#send && !this.#send.closed ? (this.#send.id as TransportId) : null,
      recv: this.#recv && !this.#recv.closed ? (this.#recv.id as TransportId) : null,
    };
  }

  /** The capabilities of the router this peer's transports live on (it changes when a worker dies). */
  get routerRtpCapabilities(): types.RtpCapabilities {
    return this.slot.router.rtpCapabilities;
  }

  get transportCount(): number {
    return (this.#send && !this.#send.closed ? 1 : 0) + (this.#recv && !this.#recv.closed ? 1 : 0);
  }

  /** The receive transport, for the room to create consumers on. */
  get recvTransport(): types.WebRtcTransport {
    if (!this.#recv || this.#recv.closed || !this.rtpCapabilities) throw new MediaNotReady('consume');
    return this.#recv;
  }

  /**
   * Creates a fresh pair of transports. Any previous pair (a reloaded page, a
   * reset after a worker died) is closed first, with its producers and consumers.
   */
  async setup(rtpCapabilities: types.RtpCapabilities): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }> {
    // Checked before anything is torn down: bad capabilities change nothing.
    checkRtpCapabilities(rtpCapabilities);
    // Calls run one after the other: two overlapping setups (a double click,
    // a reset racing a reload) would each create a pair, and the pair of the
    // one that finished first would never be closed.
    const run = this.#setupQueue.then(() => this.#setup(rtpCapabilities));
    this.#setupQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #setupQueue: Promise<void> = Promise.resolve();

  async #setup(rtpCapabilities: types.RtpCapabilities): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }> {
    if (this.#closed) throw new MediaNotReady('peer closed during setup');
    this.#closeTransports();
    this.rtpCapabilities = rtpCapabilities;
    const [send, recv] = await Promise.all([this.#createTransport('send'), this.#createTransport('recv')]);
    if (this.#closed) {
      send.close();
      recv.close();
      throw new MediaNotReady('peer closed during setup');
    }
    this.#send = send;
    this.#recv = recv;
    await send.setMaxIncomingBitrate(this.#config.maxIncomingBitrate).catch(() => undefined);
    return { send: wireTransport(send), recv: wireTransport(recv) };
  }

  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    const transport = this.#transport(transportId);
    try {
      await transport.connect({ dtlsParameters });
    } catch (error) {
      throw new MediaRejected(`connect refused: ${(error as Error).message}`);
    }
  }

  async restartIce(transportId: string): Promise<types.IceParameters> {
    return this.#transport(transportId).restartIce();
  }

  async produce(opts: {
    transportId: string;
    kind: MediaKind;
    source: MediaSource;
    rtpParameters: types.RtpParameters;
    paused: boolean;
    height?: number;
  }): Promise<types.Producer<ProducerAppData>> {
    const transport = this.#transport(opts.transportId);
    if (transport !== this.#send) throw new MediaRejected('produce needs the send transport');
    // One producer per source: a device switch replaces the track client-side,
    // a second camera producer would be a second tile.
    for (const p of this.producers.values()) {
      if (p.appData.source === opts.source) throw new MediaRejected(`already producing ${opts.source}`);
    }
    // mediasoup does not check the codecs against `kind`: a "video" producer
    // carrying opus would be handed to every consumer as video and break
    // their clients, so the mismatch is refused here.
    const foreign = opts.rtpParameters.codecs.find((c) => !c.mimeType.toLowerCase().startsWith(`${opts.kind}/`));
    if (foreign) throw new MediaRejected(`a ${opts.kind} producer cannot carry ${foreign.mimeType}`);
    let producer: types.Producer<ProducerAppData>;
    try {
      producer = await transport.produce<ProducerAppData>({
        kind: opts.kind,
        rtpParameters: opts.rtpParameters,
        paused: opts.paused,
        appData: { peerId: this.id, source: opts.source, ...(opts.kind === 'video' && opts.height !== undefined ? { height: opts.height } : {}) },
      });
    } catch (error) {
      throw new MediaRejected(`produce refused: ${(error as Error).message}`);
    }
    const id = producer.id as ProducerId;
    this.producers.set(id, producer);
    producer.on('transportclose', () => {
      this.producers.delete(id);
      this.emit('producerClosed', id);
    });
    return producer;
  }

  producer(producerId: string): types.Producer<ProducerAppData> {
    const p = this.producers.get(producerId as ProducerId);
    if (!p || p.closed) throw new ProducerNotFound(producerId);
    return p;
  }

  closeProducer(producerId: string): void {
    this.producer(producerId).close();
    this.producers.delete(producerId as ProducerId);
  }

  async setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    const p = this.producer(producerId);
    if (paused) await p.pause();
    else await p.resume();
  }

  /** Registers a consumer the room created on this peer's receive transport. */
  adoptConsumer(consumer: types.Consumer): void {
    const id = consumer.id as ConsumerId;
    this.consumers.set(id, consumer);
    consumer.on('transportclose', () => this.consumers.delete(id));
    consumer.on('producerclose', () => {
      this.consumers.delete(id);
      this.emit('consumerClosed', id);
    });
    consumer.on('producerpause', () => this.emit('consumerPaused', id, true));
    consumer.on('producerresume', () => this.emit('consumerPaused', id, false));
    consumer.on('layerschange', (layers) => this.emit('consumerLayers', id, layers?.spatialLayer ?? null));
  }

  consumer(consumerId: string): types.Consumer {
    const c = this.consumers.get(consumerId as ConsumerId);
    if (!c || c.closed) throw new ConsumerNotFound(consumerId);
    return c;
  }

  async setConsumerPaused(consumerId: string, paused: boolean): Promise<void> {
    const c = this.consumer(consumerId);
    await this.#onLive(c, consumerId, () => (paused ? c.pause() : c.resume()));
  }

  async setPreferredLayers(consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    const c = this.consumer(consumerId);
    // Only simulcast/SVC consumers have layers; for the others it is a no-op.
    if (c.type !== 'simulcast' && c.type !== 'svc') return;
    await this.#onLive(c, consumerId, () => c.setPreferredLayers(temporalLayer === undefined ? { spatialLayer } : { spatialLayer, temporalLayer }));
  }

  /**
   * A request on a consumer that closes while the worker handles it (its
   * producer left a moment ago) is a consumer not found, as it would have
   * been a moment later, not a failure of the server.
   */
  async #onLive(c: types.Consumer, consumerId: string, op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (error) {
      if (c.closed || (error as Error).name === 'NotFoundError') throw new ConsumerNotFound(consumerId);
      throw error;
    }
  }

  closeConsumer(consumerId: string): void {
    this.consumer(consumerId).close();
    this.consumers.delete(consumerId as ConsumerId);
  }

  /**
   * Forgets transports that died with their worker (they are already closed)
   * so the peer can be set up again on another router.
   */
  detach(): void {
    this.#send = undefined;
    this.#recv = undefined;
    this.producers.clear();
    this.consumers.clear();
    this.rtpCapabilities = undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeTransports();
    this.removeAllListeners();
  }

  #closeTransports(): void {
    this.#send?.close();
    this.#recv?.close();
    this.detach();
  }

  #transport(transportId: string): types.WebRtcTransport {
    for (const t of [this.#send, this.#recv]) {
      if (t && !t.closed && t.id === transportId) return t;
    }
    if (!this.#send && !this.#recv) throw new MediaNotReady('transport');
    throw new TransportNotFound(transportId);
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<types.WebRtcTransport> {
    const transport = await this.slot.router.createWebRtcTransport({
      webRtcServer: this.slot.worker.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: this.#config.initialOutgoingBitrate,
      appData: { peerId: this.id, direction },
    });
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') this.#log.warn({ transport: transport.id, direction, state }, 'DTLS state');
    });
    return transport;
  }
}

/** Throws MEDIA_ERROR unless mediasoup accepts these client RTP capabilities. */
export function checkRtpCapabilities(rtpCapabilities: unknown): void {
  try {
    ortc.validateAndNormalizeRtpCapabilities(structuredClone(rtpCapabilities) as types.RtpCapabilities);
  } catch (error) {
    throw new MediaRejected(`invalid RTP capabilities: ${(error as Error).message}`);
  }
}

function wireTransport(t: types.WebRtcTransport): TransportOptionsWire {
  return {
    id: t.id as TransportId,
    iceParameters: t.iceParameters,
    iceCandidates: t.iceCandidates.map((c) => ({
      foundation: c.foundation,
      priority: c.priority,
      address: c.address,
      protocol: c.protocol,
      port: c.port,
      type: 'host',
      ...(c.tcpType ? { tcpType: 'passive' as const } : {}),
    })),
    dtlsParameters: t.dtlsParameters,
  };
}
