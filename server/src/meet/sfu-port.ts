import type { types } from 'mediasoup';
import type { ConsumerId, MediaKind, MediaSource, ProducerId, TransportId, TransportOptionsWire } from '@parley/protocol';

/**
 * What a meeting needs of the media plane, and nothing more. @parley/sfu's
 * MediaRoom and MediaPeer are the real implementation (over mediasoup
 * workers); the meeting's rules are also tested against an in-memory fake
 * (server/test/fake-media.ts), so they need no worker to be checked.
 */
export interface ProducerView {
  readonly id: string;
  readonly kind: MediaKind;
  readonly paused: boolean;
  readonly closed: boolean;
  /** `height`: a video's height as its sender captured it (ProducerInfo.height). */
  readonly appData: { readonly source: MediaSource; readonly height?: number };
}

export interface ConsumerView {
  readonly id: string;
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly paused: boolean;
  readonly producerPaused: boolean;
  readonly closed: boolean;
  readonly rtpParameters: types.RtpParameters;
  /** Who produces it (`peerId`) and what (`source`), set by the media room. */
  readonly appData: types.AppData;
}

export interface SfuPeerEvents {
  producerClosed: [producerId: ProducerId];
  consumerClosed: [consumerId: ConsumerId];
  consumerPaused: [consumerId: ConsumerId, producerPaused: boolean];
  consumerLayers: [consumerId: ConsumerId, spatialLayer: number | null];
}

/** One participant's media: its transports, producers and consumers. */
export interface SfuPeer {
  readonly id: string;
  readonly producers: ReadonlyMap<ProducerId, ProducerView>;
  readonly consumers: ReadonlyMap<ConsumerId, ConsumerView>;
  readonly transportIds: { send: TransportId | null; recv: TransportId | null };
  readonly transportCount: number;
  /** The capabilities of the router this peer's transports live on. */
  readonly routerRtpCapabilities: types.RtpCapabilities;
  on<K extends keyof SfuPeerEvents>(event: K, fn: (...args: SfuPeerEvents[K]) => void): () => void;
  setup(rtpCapabilities: types.RtpCapabilities): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }>;
  connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void>;
  restartIce(transportId: string): Promise<types.IceParameters>;
  produce(opts: { transportId: string; kind: MediaKind; source: MediaSource; rtpParameters: types.RtpParameters; paused: boolean; height?: number }): Promise<ProducerView>;
  closeProducer(producerId: string): void;
  setProducerPaused(producerId: string, paused: boolean): Promise<void>;
  setConsumerPaused(consumerId: string, paused: boolean): Promise<void>;
  setPreferredLayers(consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void>;
  closeConsumer(consumerId: string): void;
}

export interface SfuRoomEvents {
  /** Who speaks in a group of peers ('' the main room, else a breakout room's id). */
  activeSpeaker: [group: string, peerId: string | null];
  /** The peer's transports died with their worker: it must set up media again. */
  peerReset: [peer: { readonly id: string }];
}

/** The media of one meeting: its peers, who consumes what, who speaks in each group. */
export interface SfuRoom {
  on<K extends keyof SfuRoomEvents>(event: K, fn: (...args: SfuRoomEvents[K]) => void): () => void;
  addPeer(id: string): Promise<SfuPeer>;
  removePeer(id: string): void;
  findProducer(producerId: string): { peer: { readonly id: string } } | undefined;
  /** Lets active speaker detection hear a new producer (a microphone). */
  observeProducer(peer: SfuPeer, producer: ProducerView): Promise<void>;
  consume(peer: SfuPeer, producerId: string): Promise<ConsumerView>;
  /** Moves a peer's microphone to another group's speaker detection. */
  setGroup(peer: SfuPeer, group: string): Promise<void>;
  dropGroup(group: string): void;
  close(): void;
}
