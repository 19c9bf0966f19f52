// Our media link to the meeting: one mediasoup-client Device, a send and a
// receive transport, our producers (mic, camera, screen) and the consumers of
// everyone else's. The server's participant list is the truth: after every
// change the link reconciles its consumers against the producers it lists
// (consume what is new, drop what is gone), so a missed event, a reconnect
// or a server-side reset all converge to the same state.
import { signal, type Signal } from '@preact/signals';
import { Device, type types as ms } from 'mediasoup-client';
import type { ConsumerId, ConsumerOptionsWire, JoinResult, MediaKind, MediaSource, ParticipantId, ProducerId, TransportOptionsWire } from '@parley/protocol';
import { LIMITS, RequestError } from '@parley/protocol';
import { E2EE_PC_SETTINGS } from '../e2ee/E2ee.ts';
import type { E2eeStore } from '../e2ee/store.ts';
import type { ModerationStore } from '../moderation/store.ts';
import type { SessionCore } from '../core/session.ts';
import { describeMediaError, getCameraTrack, getMicTrack, getScreenTracks } from './devices.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';

export interface RemoteStream {
  producerId: ProducerId;
  consumer: ms.Consumer;
  participantId: ParticipantId;
  source: MediaSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
  producerPaused: boolean;
}

/** Longest wait for a first remote frame before sending starts anyway (see setup). */
const SEND_HOLD_MS = 1000;
/** The same wait when the media is rebuilt (a reset, encryption switched): the others are already hearing us. */
const REBUILD_HOLD_MS = 400;
/** How often the hold looks for the first remote frame (see #firstRemoteFrame). */
const FRAME_POLL_MS = 100;
/** The pause before a consume that failed is asked again. */
const CONSUME_RETRY_MS = 1000;

const SIMULCAST: ms.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
];

export class MediaLink {
  readonly streams = signal<ReadonlyMap<ProducerId, RemoteStream>>(new Map());
  readonly micTrack = signal<MediaStreamTrack | null>(null);
  readonly cameraTrack = signal<MediaStreamTrack | null>(null);
  readonly screenTrack = signal<MediaStreamTrack | null>(null);
  readonly micMuted = signal(false);
  readonly #core: SessionCore;
  readonly #moderation: ModerationStore;
  readonly #e2ee: E2eeStore;
  /** Whether the signaling connection is up (a failed media path then restarts ICE). */
  readonly #connected: () => boolean;
  #device: Device | undefined;
  #deviceReady: Promise<Device | undefined> | undefined;
  #send: ms.Transport | undefined;
  #recv: ms.Transport | undefined;
  readonly #producers = new Map<MediaSource, ms.Producer>();
  /**
   * Sources whose producer is being made on the current send transport: a
   * mic turned on while setup produces it too must not make a second one.
   * Replaced by close(), like #consuming: one on a closed transport may never settle.
   */
  #producing = new Set<MediaSource>();
  /** Consumes in flight on the current receive transport (a new set with each one: see close). */
  #consuming = new Set<ProducerId>();
  readonly #hidden = new Set<ProducerId>();
  readonly #layers = new Map<ProducerId, number>();
  #screenAudio: MediaStreamTrack | null = null;
  #codec: 'vp8' | 'h264' = 'vp8';
  /** Bumped whenever media is rebuilt, so a stale async flow stops. */
  #generation = 0;
  /** Whether our media has been sent once in this session (see REBUILD_HOLD_MS). */
  #sentOnce = false;

  constructor(core: SessionCore, deps: { moderation: ModerationStore; e2ee: E2eeStore; connected: () => boolean }) {
    this.#core = core;
    this.#moderation = deps.moderation;
    this.#e2ee = deps.e2ee;
    this.#connected = deps.connected;
  }

  /** Whether both transports are up (an ICE restart can resume them). */
  get live(): boolean {
    return Boolean(this.#send && this.#recv && !this.#send.closed && !this.#recv.closed);
  }

  /** Whether these are the server's transports this link already has. */
  has(transports: { send: string | null; recv: string | null }): boolean {
    return this.live && transports.send === this.#send!.id && transports.recv === this.#recv!.id;
  }

  /**
   * Loads the WebRTC device while the person is still on the pre-join screen
   * (router capabilities are the same for every router), so Join does not
   * wait for it: it is the slowest step of a join.
   */
  preload(routerRtpCapabilities: ms.RtpCapabilities): void {
    this.#deviceReady ??= (async () => {
      const device = await Device.factory();
      await device.load({ routerRtpCapabilities });
      return device;
    })().catch((error: unknown) => {
      console.warn('device preload failed; loading at join', error);
      return undefined;
    });
  }

  /** Takes the tracks the pre-join screen opened: from now on they are ours to stop (a join that fails stops them). */
  take(opts: { mic?: MediaStreamTrack | null; camera?: MediaStreamTrack | null; micMuted?: boolean; codec?: 'vp8' | 'h264' }): void {
    this.#codec = opts.codec ?? 'vp8';
    this.micTrack.value = opts.mic ?? null;
    this.cameraTrack.value = opts.camera ?? null;
    this.micMuted.value = opts.micMuted ?? false;
    if (this.micTrack.value) this.micTrack.value.enabled = !this.micMuted.value;
  }

  /** The device: preloaded on the pre-join screen, or made now. */
  async loadDevice(): Promise<void> {
    this.#device ??= (await this.#deviceReady) ?? (await Device.factory());
  }

  get device(): Device {
    return this.#device!;
  }

  /**
   * Builds the media from scratch (a join, a server-side reset, encryption
   * switched on); `given`: transports the server already created with the join.
   */
  rebuild(given?: { send: TransportOptionsWire; recv: TransportOptionsWire }): Promise<void> {
    return this.#setup(this.#generation + 1, given);
  }

  /** Same participant, same server-side transports: only the network path changed. */
  async resume(): Promise<void> {
    await Promise.all([this.#restartIce(this.#send!), this.#restartIce(this.#recv!)]);
  }

  /** Media is no longer wanted (the session ended): stale flows stop, connections close, capture stops. */
  stop(): void {
    this.#generation += 1;
    this.close();
    for (const sig of [this.micTrack, this.cameraTrack, this.screenTrack] as Signal<MediaStreamTrack | null>[]) {
      sig.value?.stop();
      sig.value = null;
    }
    this.#screenAudio?.stop();
    this.#screenAudio = null;
  }

  /** Our producer of `source`, if we send it. */
  producer(source: MediaSource): ms.Producer | undefined {
    return this.#producers.get(source);
  }

  /** A screen share's tracks: the video, and the tab's or system's sound when shared. */
  setScreen(video: MediaStreamTrack, audio: MediaStreamTrack | null): void {
    this.screenTrack.value = video;
    this.#screenAudio = audio;
  }

  setConsumerPaused(consumerId: ConsumerId, producerPaused: boolean): void {
    for (const s of this.streams.value.values()) {
      if (s.consumer.id === consumerId) this.#setStream({ ...s, producerPaused });
    }
  }

  // ---- what tiles tell us ---------------------------------------------------

  /** A tile scrolled out of view (or the page was hidden): stop receiving its video. */
  setVisible(producerId: ProducerId, visible: boolean): void {
    const stream = this.streams.value.get(producerId);
    if (!stream || stream.kind !== 'video') return;
    if (visible === !this.#hidden.has(producerId)) return;
    if (visible) this.#hidden.delete(producerId);
    else this.#hidden.add(producerId);
    if (visible) stream.consumer.resume();
    else stream.consumer.pause();
    void this.#core.request('media:setConsumerPaused', { consumerId: stream.consumer.id, paused: !visible }).catch(() => undefined);
  }

  /** Asks for the simulcast layer that fits the tile (0 small .. 2 full). */
  setPreferredLayer(producerId: ProducerId, spatialLayer: number): void {
    const stream = this.streams.value.get(producerId);
    if (!stream || stream.kind !== 'video' || this.#layers.get(producerId) === spatialLayer) return;
    this.#layers.set(producerId, spatialLayer);
    void this.#core.request('media:setPreferredLayers', { consumerId: stream.consumer.id, spatialLayer }).catch(() => undefined);
  }

  /** Receive statistics per remote stream (used by the end-to-end tests and the stats overlay). */
  async stats(): Promise<
    { producerId: string; participantId: string; kind: string; source: string; codec: string; packetsReceived: number; bytesReceived: number; framesDecoded: number; frameHeight: number }[]
  > {
    const out = [];
    for (const s of this.streams.value.values()) {
      const report = await s.consumer.getStats();
      let row = { producerId: s.producerId, participantId: s.participantId, kind: s.kind, source: s.source, codec: '', packetsReceived: 0, bytesReceived: 0, framesDecoded: 0, frameHeight: 0 };
      report.forEach((r: { type: string; codecId?: string; packetsReceived?: number; bytesReceived?: number; framesDecoded?: number; frameHeight?: number }) => {
        if (r.type !== 'inbound-rtp') return;
        row = {
          ...row,
          codec: (r.codecId ? (report.get(r.codecId) as { mimeType?: string } | undefined)?.mimeType : undefined) ?? row.codec,
          packetsReceived: row.packetsReceived + (r.packetsReceived ?? 0),
          bytesReceived: row.bytesReceived + (r.bytesReceived ?? 0),
          framesDecoded: row.framesDecoded + (r.framesDecoded ?? 0),
          frameHeight: Math.max(row.frameHeight, r.frameHeight ?? 0),
        };
      });
      out.push(row);
    }
    return out;
  }

  /** Send-side statistics: one row per sent RTP stream (a simulcast camera has three). */
  async sendStats(): Promise<{ source: string; rid: string; ssrc: number; bytesSent: number; framesEncoded: number; frameHeight: number }[]> {
    const out = [];
    for (const [source, producer] of this.#producers) {
      const report = await producer.getStats();
      for (const r of report.values() as IterableIterator<{ type: string; rid?: string; ssrc: number; bytesSent?: number; framesEncoded?: number; frameHeight?: number }>) {
        if (r.type !== 'outbound-rtp') continue;
        out.push({ source, rid: r.rid ?? '', ssrc: r.ssrc, bytesSent: r.bytesSent ?? 0, framesEncoded: r.framesEncoded ?? 0, frameHeight: r.frameHeight ?? 0 });
      }
    }
    return out;
  }

  async #restartIce(transport: ms.Transport): Promise<void> {
    const { iceParameters } = await this.#core.request('media:restartIce', { transportId: transport.id });
    await transport.restartIce({ iceParameters });
  }

  /**
   * (Re)builds both transports, produces the local tracks and consumes
   * everyone. `given` are transports the server already created (with the join).
   */
  async #setup(generation: number, given?: { send: TransportOptionsWire; recv: TransportOptionsWire }): Promise<void> {
    this.#generation = generation;
    this.close();
    const device = this.#device!;
    const { send, recv } = given ?? (await this.#core.request('media:setup', { rtpCapabilities: device.recvRtpCapabilities as never }));
    if (generation !== this.#generation) return;
    performance.mark('parley:transports');
    const extra = this.#e2ee.transforms ? { additionalSettings: E2EE_PC_SETTINGS } : {};
    this.#recv = this.#transport(device.createRecvTransport({ ...transportOptions(recv), ...extra }));
    // Ask for the others' streams first: what a joiner waits for is to see
    // and hear the meeting. Sending starts once the first remote video frame
    // is decoded (or after SEND_HOLD_MS): the send connection and three
    // simulcast encoders would compete with the receive side for the
    // signaling thread and the CPU. Measured on 2 cores (bench/join-latency):
    // camera+mic p50 468 -> 437 ms; a 1 s hold (not 400 ms) took p95 from
    // 1229-1531 to 900 ms. Others get our media at most 1 s later (400 ms on a rebuild).
    this.reconcile();
    // The send side is built once the consume requests are out: making a
    // peer connection costs the page ~20 ms, spent while the answers travel.
    this.#send = this.#transport(device.createSendTransport({ ...transportOptions(send), ...extra }));
    this.#send.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const { source, height } = appData as { source: MediaSource; height?: number };
      const paused = source === 'mic' && this.micMuted.value;
      this.#core.request('media:produce', { transportId: this.#send!.id, kind, source, rtpParameters: rtpParameters as never, paused, ...(height ? { height } : {}) })
        .then((r) => callback({ id: r.producerId }), errback);
    });
    // Nothing to send (a listener without camera or mic): nothing to hold.
    const sending = this.micTrack.value || this.cameraTrack.value || this.screenTrack.value;
    if (sending) await this.#firstRemoteFrame(generation, this.#sentOnce ? REBUILD_HOLD_MS : SEND_HOLD_MS);
    if (generation !== this.#generation) return;
    const jobs: Promise<void>[] = [];
    if (this.micTrack.value) jobs.push(this.produce('mic', this.micTrack.value));
    if (this.cameraTrack.value) jobs.push(this.produce('camera', this.cameraTrack.value));
    if (this.screenTrack.value) jobs.push(this.produce('screen', this.screenTrack.value));
    if (this.#screenAudio && this.screenTrack.value) jobs.push(this.produce('screenAudio', this.#screenAudio));
    this.#sentOnce = true;
    await Promise.all(jobs);
  }

  /** Resolves when a remote video frame has been decoded, when there is no remote video, or after `maxMs`. */
  async #firstRemoteFrame(generation: number, maxMs: number): Promise<void> {
    const me = this.#core.participantId;
    const remoteVideo = () => [...this.#core.participants.value.values()].some((p) => p.id !== me && p.producers.some((x) => x.kind === 'video' && !x.paused));
    const deadline = performance.now() + maxMs;
    while (generation === this.#generation && remoteVideo() && performance.now() < deadline) {
      for (const s of this.streams.value.values()) {
        if (s.kind !== 'video') continue;
        const report = await s.consumer.getStats().catch(() => undefined);
        for (const r of report?.values() ?? []) {
          if (r.type === 'inbound-rtp' && (r as { framesDecoded?: number }).framesDecoded) return;
        }
      }
      // Not more often: each getStats crosses the browser's signaling
      // thread, which the consumers still being set up need too.
      await new Promise((r) => setTimeout(r, FRAME_POLL_MS));
    }
  }

  #transport(t: ms.Transport): ms.Transport {
    t.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#core.request('media:connect', { transportId: t.id, dtlsParameters: dtlsParameters as never }).then(() => callback(), errback);
    });
    t.on('connectionstatechange', (state) => {
      // A failed path while the socket is fine (network change): restart ICE.
      if (state === 'failed' && this.#connected() && t === (t.direction === 'send' ? this.#send : this.#recv)) {
        void this.#restartIce(t).catch(() => undefined);
      }
    });
    return t;
  }

  async produce(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    const send = this.#send;
    const producing = this.#producing;
    if (!send || send.closed || this.#producers.has(source) || producing.has(source)) return;
    producing.add(source);
    // A video's height goes with it: a live stream is composed at 1080p while its stage video has that many lines.
    const height = track.kind === 'video' ? track.getSettings().height : undefined;
    const options: ms.ProducerOptions = { track, stopTracks: false, appData: { source, ...(height ? { height: Math.min(Math.round(height), LIMITS.videoHeight) } : {}) } };
    if (source === 'camera') {
      options.encodings = SIMULCAST;
      options.codecOptions = { videoGoogleStartBitrate: 1000 };
      const h264 = this.#codec === 'h264' ? this.#device!.sendRtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/h264') : undefined;
      if (h264) options.codec = h264;
    } else if (source === 'screen') {
      options.encodings = [{ maxBitrate: 2_500_000 }];
    } else if (source === 'mic') {
      options.codecOptions = { opusDtx: true, opusFec: true };
    }
    // Once encryption was used, every sender gets the encrypting transform,
    // key or not (with encoded streams a sender must be piped; without a key
    // the worker passes frames through). It is attached the moment the sender
    // exists, before negotiation: no frame leaves unencrypted.
    const e2ee = this.#e2ee.transforms;
    if (e2ee) options.onRtpSender = (sender) => e2ee.attachSender(sender, source === 'mic' || source === 'screenAudio' ? 'audio' : 'video');
    try {
      const producer = await send.produce(options);
      if (send !== this.#send) {
        producer.close();
        return;
      }
      if (source === 'mic' && this.micMuted.value) producer.pause();
      this.#producers.set(source, producer);
      producer.on('trackended', () => this.#core.notify(t('meeting.media.trackEnded', { source })));
    } catch (error) {
      this.#core.notify(t('meeting.media.sendFailed', { source, detail: errorText(error) }));
    } finally {
      producing.delete(source);
    }
  }

  async closeProducer(source: MediaSource): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    this.#producers.delete(source);
    producer.close();
    await this.#core.request('media:closeProducer', { producerId: producer.id }).catch(() => undefined);
  }

  async stopScreen(): Promise<void> {
    const video = this.screenTrack.value;
    if (!video) return;
    this.screenTrack.value = null;
    video.stop();
    this.#screenAudio?.stop();
    this.#screenAudio = null;
    await Promise.all([this.closeProducer('screen'), this.closeProducer('screenAudio')]);
  }

  /** Consume every producer the participant list shows; drop streams whose producer is gone. */
  reconcile(): void {
    if (!this.#recv || this.#recv.closed || this.#core.status.value !== 'joined') return;
    const me = this.#core.participantId;
    // Video first: its first frame waits for a keyframe, audio plays at once.
    const order: Record<MediaSource, number> = { camera: 0, screen: 1, mic: 2, screenAudio: 3 };
    const wanted = new Map<ProducerId, ParticipantId>(
      [...this.#core.participants.value.values()]
        .filter((p) => p.id !== me)
        .flatMap((p) => p.producers.map((prod) => ({ prod, p })))
        .sort((x, y) => order[x.prod.source] - order[y.prod.source])
        .map(({ prod, p }) => [prod.id, p.id]),
    );
    for (const [producerId, s] of this.streams.value) {
      if (!wanted.has(producerId)) this.#closeStream(producerId, s);
    }
    for (const producerId of wanted.keys()) {
      if (!this.streams.value.has(producerId) && !this.#consuming.has(producerId)) void this.#consume(producerId);
    }
  }

  async #consume(producerId: ProducerId): Promise<void> {
    const recv = this.#recv;
    if (!recv) return;
    const consuming = this.#consuming;
    consuming.add(producerId);
    let failed = false;
    try {
      let c: ConsumerOptionsWire;
      try {
        performance.mark('parley:consume-sent');
        c = (await this.#core.request('media:consume', { producerId })).consumer;
      } catch (error) {
        // The producer closed meanwhile: the next participant update says so.
        if (error instanceof RequestError && error.code === 'PRODUCER_NOT_FOUND') return;
        throw error;
      }
      // Media was rebuilt meanwhile: this answer is for the old transport
      // (the new one consumes on its own). If the server made it on the new
      // transport after all, drop it there.
      if (recv !== this.#recv || recv.closed) {
        void this.#core.request('media:closeConsumer', { consumerId: c.id }).catch(() => undefined);
        return;
      }
      performance.mark(`parley:consume-ack:${c.kind}`);
      const e2ee = this.#e2ee.transforms;
      const consumer = await recv.consume({
        id: c.id,
        producerId: c.producerId,
        kind: c.kind,
        rtpParameters: c.rtpParameters as ms.RtpParameters,
        // Decrypting transform (key or not, see produce) from the receiver's creation on.
        ...(e2ee ? { onRtpReceiver: (receiver: RTCRtpReceiver) => e2ee.attachReceiver(receiver, c.kind) } : {}),
      });
      performance.mark(`parley:consumer:${c.kind}`);
      // Resume at once (a tile that is not visible pauses it again right
      // away), asked before the tile is rendered: the keyframe request
      // travels while the page builds the tile, not after.
      const resumed = this.#core.request('media:setConsumerPaused', { consumerId: c.id, paused: false });
      this.#setStream({
        producerId,
        consumer,
        participantId: c.participantId,
        source: c.source,
        kind: c.kind,
        track: consumer.track,
        producerPaused: c.producerPaused,
      });
      await resumed;
      performance.mark(`parley:resumed:${c.kind}`);
    } catch (error) {
      console.warn('consume failed', producerId, error);
      failed = true;
    } finally {
      // A failed one is asked again after a pause, not at once: a stream the server cannot
      // give now must not become a flood of requests (it crowded out our own media's).
      if (failed) setTimeout(() => (consuming.delete(producerId), this.reconcile()), CONSUME_RETRY_MS);
      else consuming.delete(producerId);
    }
    // The producer may have vanished while we were consuming it.
    if (!failed) this.reconcile();
  }

  #setStream(s: RemoteStream): void {
    const next = new Map(this.streams.value);
    next.set(s.producerId, s);
    this.streams.value = next;
  }

  #closeStream(producerId: ProducerId, s: RemoteStream): void {
    s.consumer.close();
    this.#hidden.delete(producerId);
    this.#layers.delete(producerId);
    const next = new Map(this.streams.value);
    next.delete(producerId);
    this.streams.value = next;
  }

  dropConsumer(consumerId: ConsumerId): void {
    for (const [producerId, s] of this.streams.value) {
      if (s.consumer.id === consumerId) this.#closeStream(producerId, s);
    }
  }

  close(): void {
    // Consumes still in flight belong to the transports closing here (and a
    // consume on a closed transport may never settle): the next transport
    // starts with a clean slate instead of waiting for them.
    this.#consuming = new Set();
    this.#producing = new Set();
    for (const p of this.#producers.values()) p.close();
    this.#producers.clear();
    for (const s of this.streams.value.values()) s.consumer.close();
    this.streams.value = new Map();
    this.#hidden.clear();
    this.#layers.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
  }
}

function transportOptions(t: TransportOptionsWire): ms.TransportOptions {
  return {
    id: t.id,
    iceParameters: t.iceParameters,
    iceCandidates: t.iceCandidates as ms.IceCandidate[],
    dtlsParameters: t.dtlsParameters as ms.DtlsParameters,
    iceServers: [],
  };
}
