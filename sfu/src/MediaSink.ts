import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ConsumerNotFound } from './errors.ts';
import type { ProducerAppData } from './MediaPeer.ts';

/** Where one stream goes: a recorder's UDP ports. */
export interface PlainTarget {
  ip: string;
  port: number;
  rtcpPort: number;
}

/** Finds a producer this sink may take, with the router it lives on. */
export type ProducerLookup = (producerId: string) => { router: types.Router; producer: types.Producer<ProducerAppData> } | undefined;

export interface SinkConsumer {
  transport: types.PlainTransport;
  consumer: types.Consumer;
}

/**
 * Plain RTP out of a meeting, for a recorder (no browser, no ICE, no DTLS):
 * one PlainTransport per stream on the producer's own router, so nothing is
 * piped, sending to the address the recorder gave. Everything closes with
 * the sink (the recorder went away) or with the router (the meeting ended).
 */
export class MediaSink {
  readonly #listenIp: string;
  readonly #log: Logger;
  readonly #find: ProducerLookup;
  readonly #streams = new Map<string, SinkConsumer>();
  #closed = false;

  readonly #onClose: () => void;

  constructor(listenIp: string, find: ProducerLookup, log: Logger, onClose: () => void = () => undefined) {
    this.#listenIp = listenIp;
    this.#onClose = onClose;
    this.#find = find;
    this.#log = log;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async consume(producerId: string, target: PlainTarget): Promise<types.Consumer> {
    const found = this.#find(producerId);
    if (!found || this.#closed) throw new ConsumerNotFound(producerId);
    const { router, producer } = found;
    // comedia off, RTCP on its own port: the recorder gave both. Bound to
    // the media listen address (0.0.0.0 included), so a recorder on another
    // host is reached by the usual route.
    const transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: this.#listenIp },
      rtcpMux: false,
      comedia: false,
    });
    try {
      await transport.connect({ ip: target.ip, port: target.port, rtcpPort: target.rtcpPort });
      const consumer = await transport.consume({
        producerId,
        rtpCapabilities: router.rtpCapabilities,
        paused: false,
        appData: { peerId: producer.appData.peerId, source: producer.appData.source },
      });
      if (this.#closed) throw new ConsumerNotFound(producerId);
      this.#streams.set(consumer.id, { transport, consumer });
      consumer.observer.once('close', () => {
        this.#streams.delete(consumer.id);
        transport.close();
      });
      return consumer;
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  release(consumerId: string): void {
    const s = this.#streams.get(consumerId);
    if (!s) throw new ConsumerNotFound(consumerId);
    this.#streams.delete(consumerId);
    s.transport.close();
  }

  async requestKeyFrame(consumerId: string): Promise<void> {
    const s = this.#streams.get(consumerId);
    if (!s) throw new ConsumerNotFound(consumerId);
    if (s.consumer.kind === 'video') await s.consumer.requestKeyFrame();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#streams.values()) s.transport.close();
    this.#streams.clear();
    this.#onClose();
    this.#log.debug('media sink closed');
  }
}
