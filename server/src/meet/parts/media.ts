import type { types } from 'mediasoup';
import type {
  ConsumerId,
  ConsumerOptionsWire,
  MediaKind,
  MediaSource,
  ParticipantId,
  ProducerId,
  RtpParametersWire,
  TransportId,
  TransportOptionsWire,
} from '@parley/protocol';
import type { MeetingCore, MuteReason } from '../core.ts';
import { InvalidRequest, Moderated, ProducerNotFound } from '../errors.ts';
import type { Participant } from '../Participant.ts';

/** Sources under hard moderation of each kind: screen sharing counts as video. */
export const MODERATED_SOURCES: Record<MediaKind, MediaSource[]> = { audio: ['mic'], video: ['camera', 'screen', 'screenAudio'] };
/** What "mute" and "stop camera" pause. */
export const MUTED_SOURCES: Record<MediaKind, MediaSource[]> = { audio: ['mic'], video: ['camera'] };
const kindOfSource = (source: MediaSource): MediaKind => (MODERATED_SOURCES.audio.includes(source) ? 'audio' : 'video');

/**
 * Each participant's media in the meeting: transports, producers (under the
 * moderation rules), consumers of its own room only, and end-to-end
 * encryption. The SFU does the work; this part decides what is allowed.
 */
export class MeetingMediaPart {
  readonly #core: MeetingCore;

  constructor(core: MeetingCore) {
    this.#core = core;
  }

  routerRtpCapabilities(id: ParticipantId): types.RtpCapabilities {
    return this.#core.participant(id).media.routerRtpCapabilities;
  }

  /** Follows a new participant's media: what its peer reports, the room hears. */
  watch(p: Participant): void {
    const core = this.#core;
    const peer = p.media;
    peer.on('producerClosed', () => {
      if (core.roster.get(p.id) === p) core.updated(p);
    });
    peer.on('consumerClosed', (cid) => core.emit('consumerClosed', p.id, cid));
    peer.on('consumerPaused', (cid, paused) => core.emit('consumerPaused', p.id, cid, paused));
    peer.on('consumerLayers', (cid, layer) => core.emit('consumerLayers', p.id, cid, layer));
  }

  async setup(id: ParticipantId, rtpCapabilities: types.RtpCapabilities): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }> {
    return this.#core.participant(id).media.setup(rtpCapabilities);
  }

  async connectTransport(id: ParticipantId, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#core.participant(id).media.connect(transportId, dtlsParameters);
  }

  async restartIce(id: ParticipantId, transportId: string): Promise<types.IceParameters> {
    return this.#core.participant(id).media.restartIce(transportId);
  }

  transportsOf(id: ParticipantId): { send: TransportId | null; recv: TransportId | null } {
    return this.#core.participant(id).media.transportIds;
  }

  async produce(
    id: ParticipantId,
    opts: { transportId: string; kind: MediaKind; source: MediaSource; rtpParameters: RtpParametersWire; paused: boolean; height?: number },
  ): Promise<ProducerId> {
    const core = this.#core;
    const p = core.participant(id);
    if ((opts.source === 'mic' || opts.source === 'screenAudio') !== (opts.kind === 'audio')) {
      throw new InvalidRequest(`source ${opts.source} cannot carry ${opts.kind}`);
    }
    const kind = kindOfSource(opts.source);
    if (!opts.paused && !this.#mayUnmute(p, opts.source)) throw new Moderated(kind);
    // "Everyone starts muted / camera off" applies to the first mic / camera
    // of those who joined under it, whatever their client asks.
    const startOff = (opts.source === 'mic' && p.startOff.audio) || (opts.source === 'camera' && p.startOff.video);
    if (opts.source === 'mic') p.startOff.audio = false;
    if (opts.source === 'camera') p.startOff.video = false;
    const forced = startOff && !opts.paused;
    const producer = await p.media.produce({ ...opts, paused: opts.paused || forced, rtpParameters: opts.rtpParameters as types.RtpParameters });
    if (forced) core.emit('muted', p.id, kind, null, 'start-muted');
    core.updated(p);
    core.sfu.observeProducer(p.media, producer).catch((error: unknown) => core.log.warn({ err: error }, 'active speaker observation failed'));
    return producer.id as ProducerId;
  }

  closeProducer(id: ParticipantId, producerId: string): void {
    const p = this.#core.participant(id);
    p.media.closeProducer(producerId);
    this.#core.updated(p);
  }

  async setProducerPaused(id: ParticipantId, producerId: string, paused: boolean): Promise<void> {
    const p = this.#core.participant(id);
    const producer = p.media.producers.get(producerId as ProducerId);
    if (!paused && producer && !this.#mayUnmute(p, producer.appData.source)) throw new Moderated(kindOfSource(producer.appData.source));
    await p.media.setProducerPaused(producerId, paused);
    // A muted speaker is not the speaker any more (the SFU takes its mic out of detection too).
    if (paused && producer?.appData.source === 'mic') this.#core.hush(p.room, p.id);
    this.#core.updated(p);
  }

  async consume(id: ParticipantId, producerId: string): Promise<ConsumerOptionsWire> {
    const core = this.#core;
    const p = core.participant(id);
    // Only the producers of one's own room exist for a participant: a client
    // that stays behind after a move, or guesses ids, gets PRODUCER_NOT_FOUND.
    const owner = core.sfu.findProducer(producerId);
    if (owner && core.roster.get(owner.peer.id as ParticipantId)?.room !== p.room) throw new ProducerNotFound(producerId);
    const consumer = await core.sfu.consume(p.media, producerId);
    const appData = consumer.appData as { peerId: string; source: MediaSource };
    return {
      id: consumer.id as ConsumerId,
      producerId: consumer.producerId as ProducerId,
      participantId: appData.peerId as ParticipantId,
      kind: consumer.kind,
      source: appData.source,
      rtpParameters: consumer.rtpParameters as RtpParametersWire,
      producerPaused: consumer.producerPaused,
      paused: consumer.paused,
    };
  }

  async setConsumerPaused(id: ParticipantId, consumerId: string, paused: boolean): Promise<void> {
    await this.#core.participant(id).media.setConsumerPaused(consumerId, paused);
  }

  async setPreferredLayers(id: ParticipantId, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    await this.#core.participant(id).media.setPreferredLayers(consumerId, spatialLayer, temporalLayer);
  }

  closeConsumer(id: ParticipantId, consumerId: string): void {
    this.#core.participant(id).media.closeConsumer(consumerId);
  }

  setE2ee(id: ParticipantId, enabled: boolean): void {
    const p = this.#core.participant(id);
    if (p.e2ee === enabled) return;
    p.e2ee = enabled;
    this.#core.updated(p);
  }

  /**
   * Pauses (screen: closes) `p`'s producers of `sources` on the server, so it
   * takes effect whatever the client does, and tells its client. Answers
   * whether anything changed.
   */
  async pauseSources(p: Participant, sources: MediaSource[], kind: MediaKind, by: string | null, reason: MuteReason): Promise<boolean> {
    let changed = false;
    for (const producer of [...p.media.producers.values()]) {
      if (producer.closed || !sources.includes(producer.appData.source)) continue;
      if (producer.appData.source === 'screen' || producer.appData.source === 'screenAudio') {
        p.media.closeProducer(producer.id);
        changed = true;
      } else if (!producer.paused) {
        await p.media.setProducerPaused(producer.id, true);
        if (producer.appData.source === 'mic') this.#core.hush(p.room, p.id);
        changed = true;
      }
    }
    if (changed || reason === 'moderator') this.#core.emit('muted', p.id, kind, by, reason);
    if (changed) this.#core.updated(p);
    return changed;
  }

  /**
   * One pass over every consumer after people changed rooms: whatever now
   * consumes a producer of another room is closed, which covers both
   * directions of every move (movers' consumers of the room they left, and
   * that room's consumers of them).
   */
  closeCrossRoomConsumers(): void {
    const core = this.#core;
    for (const holder of core.roster.values()) {
      for (const [cid, consumer] of [...holder.media.consumers]) {
        const owner = core.roster.get((consumer.appData as { peerId: string }).peerId as ParticipantId);
        if (owner && owner.room === holder.room) continue;
        try {
          holder.media.closeConsumer(cid);
        } catch {
          continue; // already gone
        }
        core.emit('consumerClosed', holder.id, cid);
      }
    }
  }

  isModerated(kind: MediaKind): boolean {
    return kind === 'audio' ? this.#core.settings.audioModeration : this.#core.settings.videoModeration;
  }

  /** Whether `p` may send `source` unpaused right now. */
  #mayUnmute(p: Participant, source: MediaSource): boolean {
    const kind = kindOfSource(source);
    return p.role === 'moderator' || !this.isModerated(kind) || p.allowed[kind];
  }
}
