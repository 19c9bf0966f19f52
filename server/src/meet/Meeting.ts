import crypto from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import {
  LIMITS,
  TypedEmitter,
  type ChatMessage,
  type ConsumerId,
  type ConsumerOptionsWire,
  type LeaveReason,
  type MediaKind,
  type MediaSource,
  type MeetingId,
  type MeetingSnapshot,
  type MessageId,
  type ParticipantId,
  type ParticipantInfo,
  type ProducerId,
  type Reaction,
  type Role,
  type RtpParametersWire,
  type TransportId,
  type TransportOptionsWire,
} from '@parley/protocol';
import type { MediaPeer, MediaRoom } from '@parley/sfu';
import { ChatTooLarge, InvalidRequest, MeetingFull, MeetingNotFound, ParticipantNotFound } from './errors.ts';
import type { MeetingRecord } from '../store/meetings.ts';

export interface MeetingEvents {
  participantJoined: [info: ParticipantInfo];
  participantUpdated: [info: ParticipantInfo];
  participantLeft: [id: ParticipantId, reason: LeaveReason];
  activeSpeaker: [id: ParticipantId | null];
  chat: [message: ChatMessage];
  reaction: [id: ParticipantId, emoji: Reaction, at: number];
  /** The participant's media was lost with a worker; it must set up media again. */
  mediaReset: [id: ParticipantId];
  consumerClosed: [id: ParticipantId, consumerId: ConsumerId];
  consumerPaused: [id: ParticipantId, consumerId: ConsumerId, producerPaused: boolean];
  consumerLayers: [id: ParticipantId, consumerId: ConsumerId, spatialLayer: number | null];
  /** A participant's session moved to another socket; the old one must be told and dropped. */
  sessionReplaced: [id: ParticipantId, oldSessionId: string];
  closed: [];
}

export interface MeetingOptions {
  /** How long a dropped participant keeps its place. */
  resumeWindowMs: number;
  maxParticipants: number;
}

export class Participant {
  readonly id: ParticipantId;
  readonly name: string;
  role: Role;
  readonly joinedAt: number;
  handRaisedAt: number | null = null;
  connection: 'connected' | 'reconnecting' = 'connected';
  /** The socket currently speaking for this participant. */
  sessionId: string;
  readonly media: MediaPeer;
  leaveTimer: NodeJS.Timeout | undefined;

  constructor(id: ParticipantId, name: string, role: Role, sessionId: string, media: MediaPeer) {
    this.id = id;
    this.name = name;
    this.role = role;
    this.sessionId = sessionId;
    this.media = media;
    this.joinedAt = Date.now();
  }

  info(): ParticipantInfo {
    return {
      id: this.id,
      name: this.name,
      role: this.role,
      joinedAt: this.joinedAt,
      handRaisedAt: this.handRaisedAt,
      connection: this.connection,
      producers: [...this.media.producers.values()]
        .filter((p) => !p.closed)
        .map((p) => ({ id: p.id as ProducerId, kind: p.kind, source: p.appData.source, paused: p.paused })),
    };
  }
}

/**
 * One live meeting: who is in it, what they said, and their media (through
 * its MediaRoom). It owns all meeting state and enforces the rules; the
 * gateway only translates sockets into these calls and these events into
 * socket messages. Identity (`pid`) always comes from a verified token.
 */
export class Meeting extends TypedEmitter<MeetingEvents> {
  readonly id: MeetingId;
  readonly title: string;
  readonly createdAt: number;
  readonly media: MediaRoom;
  readonly #log: Logger;
  readonly #opts: MeetingOptions;
  readonly #participants = new Map<ParticipantId, Participant>();
  readonly #chat: ChatMessage[] = [];
  #activeSpeaker: ParticipantId | null = null;
  /** Joins in flight keep an empty meeting from closing under them. */
  #joining = 0;
  #closed = false;

  constructor(record: MeetingRecord, media: MediaRoom, opts: MeetingOptions, log: Logger) {
    super();
    this.id = record.id;
    this.title = record.title;
    this.createdAt = record.createdAt;
    this.media = media;
    this.#opts = opts;
    this.#log = log;
    this.onListenerError = (error, event) => log.error({ err: error, event }, 'meeting listener failed');
    media.on('activeSpeaker', (peerId) => {
      const id = peerId as ParticipantId | null;
      if (id === this.#activeSpeaker) return;
      this.#activeSpeaker = id;
      this.emit('activeSpeaker', id);
    });
    media.on('peerReset', (peer) => {
      const p = this.#participants.get(peer.id as ParticipantId);
      if (!p) return;
      this.emit('mediaReset', p.id);
      this.emit('participantUpdated', p.info());
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#participants.size;
  }

  get participants(): IterableIterator<Participant> {
    return this.#participants.values();
  }

  participant(id: ParticipantId): Participant {
    const p = this.#participants.get(id);
    if (!p) throw new ParticipantNotFound(id);
    return p;
  }

  snapshot(): MeetingSnapshot {
    return {
      id: this.id,
      title: this.title,
      participants: [...this.#participants.values()].map((p) => p.info()),
      activeSpeakerId: this.#activeSpeaker,
    };
  }

  /** Public messages and this participant's own private ones, oldest first. */
  chatFor(id: ParticipantId): ChatMessage[] {
    return this.#chat.filter((m) => m.to === null || m.to === id || m.from === id);
  }

  routerRtpCapabilities(id: ParticipantId): types.RtpCapabilities {
    return this.participant(id).media.slot.router.rtpCapabilities;
  }

  /**
   * Adds a participant, or gives a returning one (same id, from its token)
   * its place back: a dropped socket that returns, or a reloaded page.
   */
  async join(
    who: { id: ParticipantId; name: string; moderator: boolean },
    sessionId: string,
  ): Promise<{ participant: Participant; resumed: boolean }> {
    if (this.#closed) throw new MeetingNotFound();
    const existing = this.#participants.get(who.id);
    if (existing) return { participant: this.#resume(existing, sessionId), resumed: true };
    if (this.#participants.size + this.#joining >= this.#opts.maxParticipants) throw new MeetingFull(this.#opts.maxParticipants);
    this.#joining += 1;
    let peer: MediaPeer;
    try {
      peer = await this.media.addPeer(who.id);
    } catch (error) {
      // A first joiner who could not be placed must not leave an empty meeting open forever.
      this.#joining -= 1;
      if (this.#participants.size === 0 && this.#joining === 0) this.close();
      throw error;
    }
    this.#joining -= 1;
    if (this.#closed) {
      throw new MeetingNotFound();
    }
    // Two joins for one participant in flight at once (a double submit, two
    // tabs reloading): the first one in created it, this one resumes it.
    const raced = this.#participants.get(who.id);
    if (raced) return { participant: this.#resume(raced, sessionId), resumed: true };
    // The creator (moderator token) is moderator; without one, whoever finds
    // the meeting empty is.
    const role: Role = who.moderator || this.#participants.size === 0 ? 'moderator' : 'participant';
    const participant = new Participant(who.id, who.name, role, sessionId, peer);
    this.#participants.set(who.id, participant);
    this.#watchPeer(participant);
    this.emit('participantJoined', participant.info());
    return { participant, resumed: false };
  }

  #resume(p: Participant, sessionId: string): Participant {
    clearTimeout(p.leaveTimer);
    p.leaveTimer = undefined;
    const old = p.sessionId;
    p.sessionId = sessionId;
    p.connection = 'connected';
    if (old !== sessionId) this.emit('sessionReplaced', p.id, old);
    this.emit('participantUpdated', p.info());
    return p;
  }

  /** The participant's socket dropped: keep its place for the resume window. */
  disconnected(id: ParticipantId, sessionId: string): void {
    const p = this.#participants.get(id);
    if (!p || p.sessionId !== sessionId || p.connection === 'reconnecting') return;
    p.connection = 'reconnecting';
    this.emit('participantUpdated', p.info());
    p.leaveTimer = setTimeout(() => this.leave(id, 'timeout'), this.#opts.resumeWindowMs);
    p.leaveTimer.unref?.();
  }

  leave(id: ParticipantId, reason: LeaveReason): void {
    const p = this.#participants.get(id);
    if (!p) return;
    clearTimeout(p.leaveTimer);
    this.#participants.delete(id);
    this.media.removePeer(id);
    if (this.#activeSpeaker === id) {
      this.#activeSpeaker = null;
      this.emit('activeSpeaker', null);
    }
    this.emit('participantLeft', id, reason);
    if (this.#participants.size === 0 && this.#joining === 0) this.close();
  }

  // ---- media ----------------------------------------------------------------

  async setupMedia(id: ParticipantId, rtpCapabilities: types.RtpCapabilities): Promise<{ send: TransportOptionsWire; recv: TransportOptionsWire }> {
    return this.participant(id).media.setup(rtpCapabilities);
  }

  async connectTransport(id: ParticipantId, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.participant(id).media.connect(transportId, dtlsParameters);
  }

  async restartIce(id: ParticipantId, transportId: string): Promise<types.IceParameters> {
    return this.participant(id).media.restartIce(transportId);
  }

  async produce(
    id: ParticipantId,
    opts: { transportId: string; kind: MediaKind; source: MediaSource; rtpParameters: RtpParametersWire; paused: boolean },
  ): Promise<ProducerId> {
    const p = this.participant(id);
    if ((opts.source === 'mic' || opts.source === 'screenAudio') !== (opts.kind === 'audio')) {
      throw new InvalidRequest(`source ${opts.source} cannot carry ${opts.kind}`);
    }
    const producer = await p.media.produce({ ...opts, rtpParameters: opts.rtpParameters as types.RtpParameters });
    this.emit('participantUpdated', p.info());
    this.media.observeProducer(p.media, producer).catch((error: unknown) => this.#log.warn({ err: error }, 'active speaker observation failed'));
    return producer.id as ProducerId;
  }

  closeProducer(id: ParticipantId, producerId: string): void {
    const p = this.participant(id);
    p.media.closeProducer(producerId);
    this.emit('participantUpdated', p.info());
  }

  async setProducerPaused(id: ParticipantId, producerId: string, paused: boolean): Promise<void> {
    const p = this.participant(id);
    await p.media.setProducerPaused(producerId, paused);
    this.emit('participantUpdated', p.info());
  }

  async consume(id: ParticipantId, producerId: string): Promise<ConsumerOptionsWire> {
    const p = this.participant(id);
    const consumer = await this.media.consume(p.media, producerId);
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
    await this.participant(id).media.setConsumerPaused(consumerId, paused);
  }

  async setPreferredLayers(id: ParticipantId, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    await this.participant(id).media.setPreferredLayers(consumerId, spatialLayer, temporalLayer);
  }

  closeConsumer(id: ParticipantId, consumerId: string): void {
    this.participant(id).media.closeConsumer(consumerId);
  }

  transportsOf(id: ParticipantId): { send: TransportId | null; recv: TransportId | null } {
    return this.participant(id).media.transportIds;
  }

  // ---- chat, reactions, hand -------------------------------------------------

  sendChat(id: ParticipantId, text: string, to?: string): ChatMessage {
    const from = this.participant(id);
    if (Buffer.byteLength(text, 'utf8') > LIMITS.chatBytes) throw new ChatTooLarge(LIMITS.chatBytes);
    if (text.trim() === '') throw new InvalidRequest('empty message');
    let recipient: Participant | undefined;
    if (to !== undefined) {
      if (to === id) throw new InvalidRequest('a private message needs another participant');
      recipient = this.participant(to as ParticipantId);
    }
    const message: ChatMessage = {
      id: crypto.randomUUID() as MessageId,
      from: from.id,
      fromName: from.name,
      to: recipient?.id ?? null,
      toName: recipient?.name ?? null,
      text,
      sentAt: Date.now(),
    };
    this.#chat.push(message);
    if (this.#chat.length > LIMITS.chatHistory) this.#chat.splice(0, this.#chat.length - LIMITS.chatHistory);
    this.emit('chat', message);
    return message;
  }

  react(id: ParticipantId, emoji: Reaction): void {
    this.participant(id);
    this.emit('reaction', id, emoji, Date.now());
  }

  setHand(id: ParticipantId, raised: boolean): void {
    const p = this.participant(id);
    if (raised === (p.handRaisedAt !== null)) return;
    p.handRaisedAt = raised ? Date.now() : null;
    this.emit('participantUpdated', p.info());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#participants.values()) clearTimeout(p.leaveTimer);
    this.#participants.clear();
    this.media.close();
    this.emit('closed');
    this.removeAllListeners();
  }

  #watchPeer(p: Participant): void {
    const peer = p.media;
    peer.on('producerClosed', () => {
      if (this.#participants.get(p.id) === p) this.emit('participantUpdated', p.info());
    });
    peer.on('consumerClosed', (cid) => this.emit('consumerClosed', p.id, cid));
    peer.on('consumerPaused', (cid, paused) => this.emit('consumerPaused', p.id, cid, paused));
    peer.on('consumerLayers', (cid, layer) => this.emit('consumerLayers', p.id, cid, layer));
  }
}
