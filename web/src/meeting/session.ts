// The meeting client: one Socket.IO connection, one mediasoup-client Device,
// a send and a receive transport. The server's participant list is the truth:
// after every change the session reconciles its consumers against the
// producers it lists (consume what is new, drop what is gone), so a missed
// event, a reconnect or a server-side reset all converge to the same state.
import { signal, type Signal } from '@preact/signals';
import { Device, type types as ms } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';
import type {
  BreakoutState,
  CaptureKind,
  CaptureLayout,
  CaptureState,
  TalkMessage,
  ClientToServerEvents,
  ConsumerId,
  ConsumerOptionsWire,
  JoinResult,
  Knocker,
  Layout,
  MediaKind,
  MediaSource,
  MeetingSettings,
  ParticipantId,
  ParticipantInfo,
  ProducerId,
  Reaction,
  RecordingInfo,
  RoomId,
  ServerToClientEvents,
  TransportOptionsWire,
} from '@parley/protocol';
import { RequestError, requester, type RequestPayload } from '@parley/protocol';
import { api, ApiError } from '../api.ts';
import { sessionToken } from '../account/session.ts';
import { describeMediaError, getCameraTrack, getMicTrack, getScreenTracks } from './devices.ts';
import { playReactionSound, reactionSoundsEnabled } from '../reactions/sound.ts';
import { playKnockSound } from '../lobby/knock.ts';
import { playCaptureSignal } from '../capture/signal.ts';
import { E2EE_PC_SETTINGS, E2ee, e2eeSupported } from '../e2ee/E2ee.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type SessionStatus =
  | 'idle'
  | 'joining'
  /** In the waiting room, knocking. */
  | 'waiting'
  /** A moderator said no; may knock again. */
  | 'denied'
  /** The meeting asks for its password. */
  | 'password'
  | 'joined'
  | 'reconnecting'
  | 'left'
  | 'kicked'
  | 'ended'
  | 'replaced'
  | 'failed';

/**
 * Requests whose refusal is shown as a notice: moderator actions (the server
 * checks the role) and picking a breakout room oneself (allowed or not).
 */
export type ModeratorEvent = Extract<
  keyof ClientToServerEvents,
  `moderation:${string}` | `breakout:${string}` | 'lobby:admit' | 'lobby:admitAll' | 'lobby:deny'
>;

export interface RemoteStream {
  producerId: ProducerId;
  consumer: ms.Consumer;
  participantId: ParticipantId;
  source: MediaSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
  producerPaused: boolean;
}

export interface ShownReaction {
  key: number;
  participantId: ParticipantId;
  emoji: Reaction;
}

export interface JoinOptions {
  name: string;
  moderatorToken?: string;
  /** Tracks already opened by the pre-join screen (kept, not re-opened). */
  mic?: MediaStreamTrack | null;
  camera?: MediaStreamTrack | null;
  micMuted?: boolean;
  /** Preferred video codec for the camera ('vp8' default, 'h264' when the browser has it). */
  codec?: 'vp8' | 'h264';
}

/** What a tab keeps to come back as the same participant after a reload. */
interface StoredParticipant {
  token: string;
  name: string;
  moderator: boolean;
  moderatorBy?: 'link' | 'account' | null;
}


/** Longest wait for a first remote frame before sending starts anyway (see #setupMedia). */
const SEND_HOLD_MS = 400;

const SIMULCAST: ms.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
];

export class MeetingSession {
  readonly meetingId: string;
  readonly status = signal<SessionStatus>('idle');
  /** Why the session ended or failed, for the person. */
  readonly error = signal<string | null>(null);
  /** Short-lived notices (device problems, "screen sharing stopped"). */
  readonly notice = signal<string | null>(null);
  readonly self = signal<ParticipantInfo | null>(null);
  readonly participants = signal<ReadonlyMap<ParticipantId, ParticipantInfo>>(new Map());
  readonly streams = signal<ReadonlyMap<ProducerId, RemoteStream>>(new Map());
  readonly activeSpeakerId = signal<ParticipantId | null>(null);
  readonly chat = signal<TalkMessage[]>([]);
  readonly reactions = signal<ShownReaction[]>([]);
  readonly micTrack = signal<MediaStreamTrack | null>(null);
  readonly cameraTrack = signal<MediaStreamTrack | null>(null);
  readonly screenTrack = signal<MediaStreamTrack | null>(null);
  readonly micMuted = signal(false);
  readonly title = signal('');
  /** The meeting's rules (waiting room, moderation, follow me...). */
  readonly settings = signal<MeetingSettings | null>(null);
  /** Who waits in the waiting room (moderators only). */
  readonly lobby = signal<Knocker[]>([]);
  /** While knocking: whether the meeting's password would let us in at once (only then is a field offered). */
  readonly passwordWouldAdmit = signal(false);
  /** A moderator asked us to unmute (a request; we unmute ourselves). */
  readonly askedToUnmute = signal<MediaKind | null>(null);
  /** This screen's own layout (what "follow me" shares when we are a moderator). */
  readonly localLayout = signal<Layout>({ mode: 'stage', pinned: null });
  /** The breakout rooms and who is where (the highest version seen). */
  readonly breakout = signal<BreakoutState | null>(null);
  /** The room we are in; null for the main room. The server moves us. */
  readonly roomId = signal<RoomId | null>(null);
  /** The latest moderator message to all rooms. */
  readonly roomMessage = signal<{ from: string; text: string; at: number } | null>(null);
  /** Our media is encrypted end to end (a passphrase was entered). */
  readonly e2ee = signal(false);
  /** Whether the meeting is being recorded or streamed (everyone sees it). */
  readonly capture = signal<CaptureState>({ recording: null, stream: null });
  /** Why we are moderator by right (the moderator link, our account), or null: what may replace the moderator link. */
  readonly moderatorBy = signal<'link' | 'account' | null>(null);
  #token: string | undefined;
  /** Set once encryption was first switched on: from then on every sender and receiver goes through its worker. */
  #e2ee: E2ee | undefined;
  #password: string | undefined;

  #socket: ClientSocket | undefined;
  #device: Device | undefined;
  #deviceReady: Promise<Device | undefined> | undefined;
  #send: ms.Transport | undefined;
  #recv: ms.Transport | undefined;
  readonly #producers = new Map<MediaSource, ms.Producer>();
  /** Consumes in flight on the current receive transport (a new set with each one: see #closeMedia). */
  #consuming = new Set<ProducerId>();
  readonly #hidden = new Set<ProducerId>();
  readonly #layers = new Map<ProducerId, number>();
  #screenAudio: MediaStreamTrack | null = null;
  #codec: 'vp8' | 'h264' = 'vp8';
  /** Bumped whenever media is rebuilt, so a stale async flow stops. */
  #generation = 0;
  #reactionKey = 0;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(meetingId: string) {
    this.meetingId = meetingId;
  }

  get participantId(): ParticipantId | undefined {
    return this.self.value?.id;
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

  async join(opts: JoinOptions): Promise<void> {
    if (this.status.value !== 'idle' && this.status.value !== 'left' && this.status.value !== 'failed') return;
    this.status.value = 'joining';
    this.error.value = null;
    // Marks for each join stage (devtools Performance panel, join benchmark).
    performance.mark('parley:join');
    this.#codec = opts.codec ?? 'vp8';
    this.micTrack.value = opts.mic ?? null;
    this.cameraTrack.value = opts.camera ?? null;
    this.micMuted.value = opts.micMuted ?? false;
    if (this.micTrack.value) this.micTrack.value.enabled = !this.micMuted.value;
    let token: string;
    try {
      token = await this.#tokenFor(opts.name, opts.moderatorToken);
      this.#token = token;
    } catch (error) {
      this.#fail(error instanceof ApiError ? error.message : 'Could not reach the server.');
      return;
    }
    performance.mark('parley:token');
    this.#device ??= (await this.#deviceReady) ?? (await Device.factory());
    performance.mark('parley:device');
    const socket: ClientSocket = io({
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token },
      // Not trusted by the server (the token decides); lets a load balancer
      // send every socket of one meeting to the node that hosts its media.
      query: { meeting: this.meetingId },
      reconnectionDelay: 300,
      reconnectionDelayMax: 2000,
    });
    this.#socket = socket;
    this.#listen(socket);
  }

  /**
   * Leaves the meeting. `unload`: the page is going away (closed or
   * reloaded): the others see us go at once, but the stored token stays, so
   * a reload within the resume window comes back as the same participant,
   * with its role and without knocking again.
   */
  async leave(opts: { unload?: boolean } = {}): Promise<void> {
    const socket = this.#socket;
    if (socket?.connected && this.status.value === 'joined') {
      const sent = this.#request('meeting:leave', opts.unload ? { unload: true } : {}).catch(() => undefined);
      // A page being unloaded cannot wait for the answer.
      if (!opts.unload) await sent;
    }
    if (opts.unload) return;
    // A kicked person keeps its identity: coming back means knocking as itself.
    if (this.status.value !== 'kicked') {
      sessionStorage.removeItem(this.#storageKey());
      this.#teardown('left');
    }
  }

  // ---- local media controls -------------------------------------------------

  async toggleMic(): Promise<void> {
    const track = this.micTrack.value;
    if (!track) {
      try {
        this.micTrack.value = await getMicTrack();
      } catch (error) {
        this.#notify(describeMediaError(error, 'microphone'));
        return;
      }
      this.micMuted.value = false;
      await this.#produce('mic', this.micTrack.value);
      return;
    }
    const muted = !this.micMuted.value;
    if (!muted && this.moderated('audio')) {
      this.#notify('A moderator controls who may speak: raise your hand to ask.');
      return;
    }
    this.micMuted.value = muted;
    track.enabled = !muted;
    if (!muted) this.askedToUnmute.value = null;
    const producer = this.#producers.get('mic');
    if (producer) {
      if (muted) producer.pause();
      else producer.resume();
      await this.#request('media:setProducerPaused', { producerId: producer.id, paused: muted }).catch((error: unknown) => {
        // Refused (moderated meanwhile): show the truth, muted.
        if (!muted && error instanceof RequestError && error.code === 'MODERATED') {
          this.micMuted.value = true;
          track.enabled = false;
          producer.pause();
          this.#notify(error.message);
        }
      });
    }
  }

  async toggleCamera(): Promise<void> {
    const track = this.cameraTrack.value;
    if (!track && this.moderated('video')) {
      this.#notify('A moderator controls who may show video: raise your hand to ask.');
      return;
    }
    if (track) {
      // Camera off stops capture (the light goes off), as people expect.
      this.cameraTrack.value = null;
      track.stop();
      await this.#closeProducer('camera');
      return;
    }
    try {
      this.cameraTrack.value = await getCameraTrack();
    } catch (error) {
      this.#notify(describeMediaError(error, 'camera'));
      return;
    }
    await this.#produce('camera', this.cameraTrack.value);
  }

  async toggleScreen(): Promise<void> {
    if (this.screenTrack.value) {
      await this.#stopScreen();
      return;
    }
    if (this.moderated('video')) {
      this.#notify('A moderator controls who may share: raise your hand to ask.');
      return;
    }
    let tracks: Awaited<ReturnType<typeof getScreenTracks>>;
    try {
      tracks = await getScreenTracks();
    } catch (error) {
      this.#notify(describeMediaError(error, 'screen'));
      return;
    }
    this.screenTrack.value = tracks.video;
    this.#screenAudio = tracks.audio;
    // The browser's own "Stop sharing" button ends the track.
    tracks.video.addEventListener('ended', () => void this.#stopScreen());
    await this.#produce('screen', tracks.video);
    if (tracks.audio) await this.#produce('screenAudio', tracks.audio);
  }

  async switchDevice(kind: 'mic' | 'camera', deviceId: string): Promise<void> {
    try {
      const track = kind === 'mic' ? await getMicTrack(deviceId) : await getCameraTrack(deviceId);
      const sig = kind === 'mic' ? this.micTrack : this.cameraTrack;
      const old = sig.value;
      if (kind === 'mic') track.enabled = !this.micMuted.value;
      sig.value = track;
      const producer = this.#producers.get(kind);
      if (producer) await producer.replaceTrack({ track });
      else if (this.#send) await this.#produce(kind, track);
      old?.stop();
    } catch (error) {
      this.#notify(describeMediaError(error, kind === 'mic' ? 'microphone' : 'camera'));
    }
  }

  async setHand(raised: boolean): Promise<void> {
    await this.#request('hand:set', { raised }).catch((e: unknown) => this.#notify((e as Error).message));
  }

  async sendChat(text: string, to?: ParticipantId): Promise<boolean> {
    try {
      await this.#request('talk:send', to ? { text, to } : { text });
      return true;
    } catch (error) {
      this.#notify((error as Error).message);
      return false;
    }
  }

  async react(emoji: Reaction): Promise<void> {
    await this.#request('reaction:send', { emoji }).catch((e: unknown) => this.#notify((e as Error).message));
  }

  // ---- waiting room, password, moderation -------------------------------------

  /**
   * Turns end-to-end encryption on with `passphrase` (everyone who enters the
   * same one sees and hears each other; the SFU forwards only ciphertext), or
   * off with null. Transforms go on every sender and receiver, now and later.
   */
  async setE2ee(passphrase: string | null): Promise<void> {
    if (passphrase && !e2eeSupported()) {
      this.#notify('This browser cannot encrypt media end to end.');
      return;
    }
    if (passphrase && this.#codec === 'h264') {
      // Encrypted H.264 would break its packetization (see docs/architecture.md).
      this.#notify('End-to-end encryption needs the VP8 codec: join without codec=h264.');
      return;
    }
    if (!passphrase && !this.#e2ee) return;
    const first = !this.#e2ee;
    this.#e2ee ??= new E2ee();
    await this.#e2ee.setPassphrase(passphrase, this.meetingId);
    this.e2ee.value = Boolean(passphrase);
    // Encoded streams must be asked for when a connection is created, and
    // piping every frame through a worker costs a little: so only those who
    // turn encryption on pay for it, by rebuilding their media once (a short
    // gap, then everything runs through the transforms).
    if (first && this.#send && this.status.value === 'joined') await this.#setupMedia(this.#generation + 1);
    await this.#request('e2ee:set', { enabled: Boolean(passphrase) }).catch(() => undefined);
  }

  /** Frames encrypted / decrypted / dropped by our transforms (tests, support). */
  e2eeCounters(): { transforms: number; encrypted: number; decrypted: number; dropped: number } | null {
    return this.#e2ee?.counters ?? null;
  }

  /** The layout shown now: the moderator's while "follow me" is on, else our own. */
  get layout(): Layout {
    const s = this.settings.value;
    return s?.followMe && !this.isModerator ? s.layout : this.localLayout.value;
  }

  /** Changes our layout; a moderator with "follow me" on changes everyone's. */
  setLayout(layout: Layout): void {
    const s = this.settings.value;
    if (s?.followMe && !this.isModerator) return;
    this.localLayout.value = layout;
    if (s?.followMe && this.isModerator) void this.moderate('moderation:settings', { layout });
  }

  get isModerator(): boolean {
    return this.self.value?.role === 'moderator';
  }

  /** Whether hard moderation keeps us from sending `kind` right now. */
  moderated(kind: MediaKind): boolean {
    const s = this.settings.value;
    const me = this.self.value;
    if (!s || !me || me.role === 'moderator') return false;
    return (kind === 'audio' ? s.audioModeration : s.videoModeration) && !me.allowed[kind];
  }

  /** Joins again with the meeting password. */
  submitPassword(password: string): void {
    this.#password = password;
    this.status.value = 'joining';
    const socket = this.#socket;
    if (socket?.connected) void this.#onConnect(socket);
  }

  async knockAgain(): Promise<void> {
    this.error.value = null;
    this.status.value = 'waiting';
    performance.mark('parley:knock');
    await this.#request('lobby:knock', {}).then(
      (r) => (this.passwordWouldAdmit.value = r.password),
      (e: unknown) => this.#teardown('failed', (e as Error).message),
    );
  }

  async cancelKnock(): Promise<void> {
    await this.#request('lobby:cancel', {}).catch(() => undefined);
    this.#teardown('left');
  }

  /** A moderator action; errors become a notice. Resolves true when the server accepted it. */
  async moderate<E extends ModeratorEvent>(event: E, payload: RequestPayload<ClientToServerEvents[E]>): Promise<boolean> {
    try {
      await this.#request(event, payload);
      return true;
    } catch (error) {
      this.#notify((error as Error).message);
      return false;
    }
  }

  /** Starts a recording or a live stream (moderators); errors become a notice. */
  /** `keep`: a stream kept as a recording when it ends (else it is deleted then). */
  async startCapture(kind: CaptureKind, layout: CaptureLayout = 'grid', opts: { keep?: boolean } = {}): Promise<boolean> {
    try {
      const { capture } = await this.#request('capture:start', { kind, layout, ...(kind === 'stream' && opts.keep ? { keep: true } : {}) });
      this.#setCapture({ ...this.capture.value, [kind === 'record' ? 'recording' : 'stream']: capture });
      return true;
    } catch (error) {
      this.#notify((error as Error).message);
      return false;
    }
  }

  async stopCapture(kind: CaptureKind): Promise<boolean> {
    try {
      await this.#request('capture:stop', { kind });
      return true;
    } catch (error) {
      this.#notify((error as Error).message);
      return false;
    }
  }

  /** This meeting's finished recordings, with share links (moderators). */
  async recordings(): Promise<RecordingInfo[]> {
    if (!this.#token) return [];
    return (await api.recordings(this.meetingId, this.#token)).recordings;
  }

  /** Everyone hears a signal when a recording or a stream begins to capture media. */
  #setCapture(state: CaptureState): void {
    const before = this.capture.value;
    const began = (a: CaptureState['recording'], b: CaptureState['recording']) => b?.state === 'live' && (a?.id !== b.id || a.state !== 'live');
    if (began(before.recording, state.recording) || began(before.stream, state.stream)) playCaptureSignal();
    this.capture.value = state;
  }

  /** A breakout room's name (from the latest state). */
  roomName(id: RoomId): string | null {
    return this.breakout.value?.rooms.find((r) => r.id === id)?.name ?? null;
  }

  /** Picks a room (null: main) for ourselves: moderators visit, participants when allowed. */
  async goToRoom(roomId: RoomId | null): Promise<boolean> {
    return this.moderate('breakout:join', { roomId });
  }

  /** The server paused our mic or camera (a moderator, start muted, moderation switched on). */
  #mutedByServer(kind: MediaKind, by: string | null, reason: 'moderator' | 'start-muted' | 'moderation-on'): void {
    if (kind === 'audio') {
      this.micMuted.value = true;
      if (this.micTrack.value) this.micTrack.value.enabled = false;
      this.#producers.get('mic')?.pause();
    } else {
      const track = this.cameraTrack.value;
      if (track) {
        this.cameraTrack.value = null;
        track.stop();
        void this.#closeProducer('camera');
      }
      if (reason !== 'start-muted' && this.screenTrack.value && this.moderated('video')) void this.#stopScreen();
    }
    const what = kind === 'audio' ? 'muted you' : 'turned your camera off';
    if (reason === 'moderator') this.#notify(`${by ?? 'A moderator'} ${what}.`);
    else if (reason === 'moderation-on') this.#notify(kind === 'audio' ? 'A moderator now controls who may speak: raise your hand to ask.' : 'A moderator now controls who may show video: raise your hand to ask.');
    else this.#notify(kind === 'audio' ? 'Everyone starts muted in this meeting.' : 'Everyone starts with the camera off in this meeting.');
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
    void this.#request('media:setConsumerPaused', { consumerId: stream.consumer.id, paused: !visible }).catch(() => undefined);
  }

  /** Asks for the simulcast layer that fits the tile (0 small .. 2 full). */
  setPreferredLayer(producerId: ProducerId, spatialLayer: number): void {
    const stream = this.streams.value.get(producerId);
    if (!stream || stream.kind !== 'video' || this.#layers.get(producerId) === spatialLayer) return;
    this.#layers.set(producerId, spatialLayer);
    void this.#request('media:setPreferredLayers', { consumerId: stream.consumer.id, spatialLayer }).catch(() => undefined);
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

  /**
   * Drops the socket as a network failure would, optionally staying away for
   * `holdMs` before reconnecting (support and end-to-end tests).
   */
  simulateConnectionLoss(holdMs = 0): void {
    const socket = this.#socket;
    if (!socket) return;
    socket.io.reconnection(false);
    socket.io.engine?.close();
    setTimeout(() => {
      socket.io.reconnection(true);
      if (!socket.connected) socket.connect();
    }, holdMs);
  }

  // ---- connection ------------------------------------------------------------

  #storageKey(): string {
    return `parley:participant:${this.meetingId}`;
  }

  /**
   * A stored token lets a reloaded page come back as the same participant.
   * The signed-in account goes with the join: the meeting's organizer (or a
   * co-moderator) is moderator by it, with the plain link.
   */
  async #tokenFor(name: string, moderatorToken?: string): Promise<string> {
    const stored = sessionStorage.getItem(this.#storageKey());
    if (stored) {
      const s = JSON.parse(stored) as StoredParticipant;
      if (s.name === name && s.moderator === Boolean(moderatorToken)) {
        this.moderatorBy.value = s.moderatorBy ?? null;
        return s.token;
      }
    }
    const res = await api.join(this.meetingId, name, moderatorToken, sessionToken.value);
    this.title.value = res.title;
    this.moderatorBy.value = res.moderatorBy;
    this.#store({ token: res.token, name, moderator: Boolean(moderatorToken), moderatorBy: res.moderatorBy });
    return res.token;
  }

  #store(s: StoredParticipant): void {
    sessionStorage.setItem(this.#storageKey(), JSON.stringify(s));
  }

  /**
   * Replaces the meeting's moderator link (moderators by right only): the old
   * link stops working. Answers the new link, to share with co-moderators.
   */
  async newModeratorLink(): Promise<string> {
    if (!this.#token) throw new Error('not joined');
    const res = await api.newModeratorToken(this.meetingId, this.#token);
    // Our own token, under the new link: a reconnect or a reload still makes us moderator.
    this.#token = res.token;
    if (this.#socket) this.#socket.auth = { token: res.token };
    const stored = sessionStorage.getItem(this.#storageKey());
    if (stored) this.#store({ ...(JSON.parse(stored) as StoredParticipant), token: res.token });
    if (sessionStorage.getItem(`parley:moderator:${this.meetingId}`)) sessionStorage.setItem(`parley:moderator:${this.meetingId}`, res.moderatorToken);
    return res.url;
  }

  #listen(socket: ClientSocket): void {
    socket.on('connect', () => void this.#onConnect(socket));
    socket.on('disconnect', (reason) => {
      if (this.status.value === 'joined') this.status.value = 'reconnecting';
      if (reason === 'io server disconnect' && this.status.value !== 'replaced' && this.status.value !== 'ended') {
        // The server closed us on purpose; try once more (a restarted node).
        socket.connect();
      }
    });
    socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;
      if (code === 'UNAUTHORIZED') {
        sessionStorage.removeItem(this.#storageKey());
        this.#teardown('failed', 'Your meeting link has expired. Join again.');
      } else if (this.status.value === 'joined') {
        this.status.value = 'reconnecting';
      }
    });
    socket.on('meeting:participantJoined', (p) => this.#upsert(p));
    socket.on('meeting:participantUpdated', (p) => this.#upsert(p));
    socket.on('meeting:participantLeft', ({ participantId }) => {
      const next = new Map(this.participants.value);
      next.delete(participantId);
      this.participants.value = next;
      this.#reconcile();
    });
    socket.on('meeting:activeSpeaker', ({ participantId }) => (this.activeSpeakerId.value = participantId));
    socket.on('meeting:ended', () => this.#teardown('ended', 'The meeting has ended.'));
    socket.on('session:replaced', () => this.#teardown('replaced', 'You joined this meeting from another tab or device.'));
    socket.on('media:consumerClosed', ({ consumerId }) => this.#dropConsumer(consumerId));
    socket.on('media:consumerPaused', ({ consumerId, producerPaused }) => {
      for (const s of this.streams.value.values()) {
        if (s.consumer.id === consumerId) this.#setStream({ ...s, producerPaused });
      }
    });
    socket.on('media:reset', () => {
      this.#notify('Media connection moved to another server, reconnecting your audio and video…');
      void this.#setupMedia(this.#generation + 1).catch((e: unknown) => this.#notify(`Media reconnection failed: ${(e as Error).message}`));
    });
    socket.on('talk:message', (m) => (this.chat.value = [...this.chat.value, m]));
    socket.on('reaction:shown', ({ participantId, emoji }) => this.#showReaction(participantId, emoji));

    socket.on('meeting:settings', (s) => (this.settings.value = s));
    socket.on('lobby:admitted', () => {
      if (this.status.value === 'waiting' && socket === this.#socket) void this.#onConnect(socket);
    });
    socket.on('lobby:denied', ({ reason }) => {
      this.status.value = 'denied';
      this.error.value = reason;
    });
    socket.on('lobby:knocking', (k) => {
      if (this.lobby.value.some((x) => x.id === k.id)) return;
      this.lobby.value = [...this.lobby.value, k];
      playKnockSound();
    });
    socket.on('lobby:left', ({ participantId }) => (this.lobby.value = this.lobby.value.filter((k) => k.id !== participantId)));
    socket.on('moderation:kicked', ({ reason, by }) => this.#teardown('kicked', `${by} removed you from the meeting${reason ? `: ${reason}` : '.'}`));
    socket.on('moderation:muted', ({ kind, by, reason }) => this.#mutedByServer(kind, by, reason));
    socket.on('moderation:askedToUnmute', ({ kind, by }) => {
      this.askedToUnmute.value = kind;
      this.#notify(`${by} asks you to ${kind === 'audio' ? 'unmute' : 'turn your camera on'}.`);
    });
    socket.on('capture:state', (state) => this.#setCapture(state));
    socket.on('breakout:state', (state) => {
      // Snapshots only move forward: an older one arriving late is ignored.
      if ((this.breakout.value?.version ?? -1) < state.version) this.breakout.value = state;
    });
    socket.on('breakout:moved', ({ roomId, reason, snapshot, chat }) => {
      // The server already closed our consumers of the room we left; the
      // new room's people replace the list and reconcile consumes theirs.
      this.roomId.value = roomId;
      this.participants.value = new Map(snapshot.participants.map((p) => [p.id, p]));
      const self = snapshot.participants.find((p) => p.id === this.participantId);
      if (self) this.self.value = self;
      this.activeSpeakerId.value = snapshot.activeSpeakerId;
      this.chat.value = chat;
      this.#reconcile();
      const name = roomId === null ? null : this.roomName(roomId);
      this.#notify(
        roomId === null
          ? reason === 'timer'
            ? 'Time is up: you are back in the main room.'
            : 'You are back in the main room.'
          : `You are now in ${name ?? 'a breakout room'}.`,
      );
    });
    socket.on('breakout:ending', ({ endsAt }) => {
      const seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      this.#notify(`Breakout rooms close in ${seconds} seconds: everyone returns to the main room.`);
    });
    socket.on('breakout:message', (m) => {
      this.roomMessage.value = m;
      this.#notify(`${m.from} to all rooms: ${m.text}`);
    });
    socket.on('moderation:promoted', ({ reason, lobby }) => {
      this.lobby.value = lobby;
      this.#notify(reason === 'granted' ? 'You are now a moderator.' : 'The moderator left: you are now the moderator.');
    });
  }

  async #onConnect(socket: ClientSocket): Promise<void> {
    performance.mark('parley:connected');
    const device = this.#device!;
    const haveLocal = Boolean(this.#send && this.#recv && !this.#send.closed && !this.#recv.closed);
    let res: JoinResult;
    try {
      // A loaded device and no transports to resume: join and create the
      // transports in one round trip.
      res = await this.#request('meeting:join', {
        ...(device.loaded && !haveLocal ? { rtpCapabilities: device.recvRtpCapabilities as never } : {}),
        ...(this.#password ? { password: this.#password } : {}),
      });
      performance.mark('parley:joined');
    } catch (error) {
      const code = error instanceof RequestError ? error.code : undefined;
      if (code === 'WAITING_ROOM') {
        // Knock and wait: "lobby:admitted" brings us back here.
        await this.knockAgain();
      } else if (code === 'PASSWORD_REQUIRED' || code === 'WRONG_PASSWORD' || (code === 'RATE_LIMITED' && this.#password)) {
        this.#password = undefined;
        this.status.value = 'password';
        this.error.value = code === 'PASSWORD_REQUIRED' ? null : (error as Error).message;
      } else if (code === 'KICKED') {
        this.#teardown('kicked', (error as Error).message);
      } else if (error instanceof RequestError && error.code === 'MEETING_NOT_FOUND') {
        this.#teardown('failed', 'This meeting does not exist or has expired.');
      } else if (error instanceof RequestError && error.code === 'MEETING_FULL') {
        this.#teardown('failed', error.message);
      } else {
        this.#notify(`Could not join: ${(error as Error).message}`);
      }
      return;
    }
    if (socket !== this.#socket) return;
    this.title.value = res.snapshot.title;
    this.self.value = res.self;
    this.participants.value = new Map(res.snapshot.participants.map((p) => [p.id, p]));
    this.activeSpeakerId.value = res.snapshot.activeSpeakerId;
    this.chat.value = res.chat;
    this.settings.value = res.settings;
    this.lobby.value = res.lobby;
    this.breakout.value = res.breakout;
    this.capture.value = res.capture;
    this.roomId.value = res.snapshot.roomId;
    if (!res.resumed) this.#applyStartRules(res);
    if (!device.loaded) await device.load({ routerRtpCapabilities: res.routerRtpCapabilities as ms.RtpCapabilities });
    performance.mark('parley:loaded');
    const haveTransports =
      res.resumed && this.#send && this.#recv && !this.#send.closed && !this.#recv.closed &&
      res.transports.send === this.#send.id && res.transports.recv === this.#recv.id;
    try {
      if (res.media) {
        this.status.value = 'joined';
        await this.#setupMedia(this.#generation + 1, res.media);
      } else if (haveTransports) {
        // Same participant, same server-side transports: only the network path changed.
        await Promise.all([this.#restartIce(this.#send!), this.#restartIce(this.#recv!)]);
        this.status.value = 'joined';
        this.#reconcile();
      } else {
        this.status.value = 'joined';
        await this.#setupMedia(this.#generation + 1);
      }
    } catch (error) {
      this.#notify(`Media setup failed: ${(error as Error).message}`);
    }
  }

  /**
   * A fresh joiner follows the meeting's rules before sending anything: start
   * muted / camera off, and no unmuted mic or camera under hard moderation.
   * (The server enforces them too; this keeps the screen truthful.)
   */
  #applyStartRules(res: JoinResult): void {
    const s = res.settings;
    const mod = res.self.role === 'moderator';
    if (((!mod && s.startMuted) || this.moderated('audio')) && !this.micMuted.value) {
      this.micMuted.value = true;
      if (this.micTrack.value) this.micTrack.value.enabled = false;
      this.#notify(s.startMuted ? 'Everyone starts muted in this meeting.' : 'A moderator controls who may speak: raise your hand to ask.');
    }
    if (((!mod && s.startCameraOff) || this.moderated('video')) && this.cameraTrack.value) {
      this.cameraTrack.value.stop();
      this.cameraTrack.value = null;
    }
  }

  async #restartIce(transport: ms.Transport): Promise<void> {
    const { iceParameters } = await this.#request('media:restartIce', { transportId: transport.id });
    await transport.restartIce({ iceParameters });
  }

  /**
   * (Re)builds both transports, produces the local tracks and consumes
   * everyone. `given` are transports the server already created (with the join).
   */
  async #setupMedia(generation: number, given?: { send: TransportOptionsWire; recv: TransportOptionsWire }): Promise<void> {
    this.#generation = generation;
    this.#closeMedia();
    const device = this.#device!;
    const { send, recv } = given ?? (await this.#request('media:setup', { rtpCapabilities: device.recvRtpCapabilities as never }));
    if (generation !== this.#generation) return;
    performance.mark('parley:transports');
    const extra = this.#e2ee ? { additionalSettings: E2EE_PC_SETTINGS } : {};
    this.#send = this.#transport(device.createSendTransport({ ...transportOptions(send), ...extra }));
    this.#recv = this.#transport(device.createRecvTransport({ ...transportOptions(recv), ...extra }));
    this.#send.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const source = (appData as { source: MediaSource }).source;
      const paused = source === 'mic' && this.micMuted.value;
      this.#request('media:produce', { transportId: this.#send!.id, kind, source, rtpParameters: rtpParameters as never, paused })
        .then((r) => callback({ id: r.producerId }), errback);
    });
    // Ask for the others' streams first: what a joiner waits for is to see
    // and hear the meeting. Sending starts once the first remote video frame
    // is decoded (or after SEND_HOLD_MS): negotiating the send connection and
    // starting three simulcast encoders at the same moment competes with the
    // receive side for the browser's signaling thread and the CPU. Measured on
    // a 2-core machine, camera+mic join to first remote frame: ~450 -> ~280 ms
    // with one publisher, 468 -> 437 ms p50 in bench/join-latency (two
    // publishers encoding beside it). Others get our media <= 400 ms later.
    this.#reconcile();
    await this.#firstRemoteFrame(generation, SEND_HOLD_MS);
    if (generation !== this.#generation) return;
    const jobs: Promise<void>[] = [];
    if (this.micTrack.value) jobs.push(this.#produce('mic', this.micTrack.value));
    if (this.cameraTrack.value) jobs.push(this.#produce('camera', this.cameraTrack.value));
    if (this.screenTrack.value) jobs.push(this.#produce('screen', this.screenTrack.value));
    if (this.#screenAudio && this.screenTrack.value) jobs.push(this.#produce('screenAudio', this.#screenAudio));
    await Promise.all(jobs);
  }

  /** Resolves when a remote video frame has been decoded, when there is no remote video, or after `maxMs`. */
  async #firstRemoteFrame(generation: number, maxMs: number): Promise<void> {
    const me = this.participantId;
    const remoteVideo = () => [...this.participants.value.values()].some((p) => p.id !== me && p.producers.some((x) => x.kind === 'video' && !x.paused));
    const deadline = performance.now() + maxMs;
    while (generation === this.#generation && remoteVideo() && performance.now() < deadline) {
      for (const s of this.streams.value.values()) {
        if (s.kind !== 'video') continue;
        const report = await s.consumer.getStats().catch(() => undefined);
        for (const r of report?.values() ?? []) {
          if (r.type === 'inbound-rtp' && (r as { framesDecoded?: number }).framesDecoded) return;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #transport(t: ms.Transport): ms.Transport {
    t.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#request('media:connect', { transportId: t.id, dtlsParameters: dtlsParameters as never }).then(() => callback(), errback);
    });
    t.on('connectionstatechange', (state) => {
      // A failed path while the socket is fine (network change): restart ICE.
      if (state === 'failed' && this.#socket?.connected && t === (t.direction === 'send' ? this.#send : this.#recv)) {
        void this.#restartIce(t).catch(() => undefined);
      }
    });
    return t;
  }

  async #produce(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    const send = this.#send;
    if (!send || send.closed || this.#producers.has(source)) return;
    const options: ms.ProducerOptions = { track, stopTracks: false, appData: { source } };
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
    const e2ee = this.#e2ee;
    if (e2ee) options.onRtpSender = (sender) => e2ee.attachSender(sender, source === 'mic' || source === 'screenAudio' ? 'audio' : 'video');
    try {
      const producer = await send.produce(options);
      if (send !== this.#send) {
        producer.close();
        return;
      }
      if (source === 'mic' && this.micMuted.value) producer.pause();
      this.#producers.set(source, producer);
      producer.on('trackended', () => this.#notify(`Your ${source === 'mic' ? 'microphone' : source} stopped.`));
    } catch (error) {
      this.#notify(`Could not send your ${source}: ${(error as Error).message}`);
    }
  }

  async #closeProducer(source: MediaSource): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    this.#producers.delete(source);
    producer.close();
    await this.#request('media:closeProducer', { producerId: producer.id }).catch(() => undefined);
  }

  async #stopScreen(): Promise<void> {
    const video = this.screenTrack.value;
    if (!video) return;
    this.screenTrack.value = null;
    video.stop();
    this.#screenAudio?.stop();
    this.#screenAudio = null;
    await Promise.all([this.#closeProducer('screen'), this.#closeProducer('screenAudio')]);
  }

  /** Consume every producer the participant list shows; drop streams whose producer is gone. */
  #reconcile(): void {
    if (!this.#recv || this.#recv.closed || this.status.value !== 'joined') return;
    const me = this.participantId;
    // Video first: its first frame waits for a keyframe, audio plays at once.
    const order: Record<MediaSource, number> = { camera: 0, screen: 1, mic: 2, screenAudio: 3 };
    const wanted = new Map<ProducerId, ParticipantId>(
      [...this.participants.value.values()]
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
    try {
      let c: ConsumerOptionsWire;
      try {
        c = (await this.#request('media:consume', { producerId })).consumer;
      } catch (error) {
        // The producer closed meanwhile: the next participant update says so.
        if (error instanceof RequestError && error.code === 'PRODUCER_NOT_FOUND') return;
        throw error;
      }
      // Media was rebuilt meanwhile: this answer is for the old transport
      // (the new one consumes on its own). If the server made it on the new
      // transport after all, drop it there.
      if (recv !== this.#recv || recv.closed) {
        void this.#request('media:closeConsumer', { consumerId: c.id }).catch(() => undefined);
        return;
      }
      performance.mark(`parley:consume-ack:${c.kind}`);
      const e2ee = this.#e2ee;
      const consumer = await recv.consume({
        id: c.id,
        producerId: c.producerId,
        kind: c.kind,
        rtpParameters: c.rtpParameters as ms.RtpParameters,
        // Decrypting transform (key or not, see #produce) from the receiver's creation on.
        ...(e2ee ? { onRtpReceiver: (receiver: RTCRtpReceiver) => e2ee.attachReceiver(receiver, c.kind) } : {}),
      });
      this.#setStream({
        producerId,
        consumer,
        participantId: c.participantId,
        source: c.source,
        kind: c.kind,
        track: consumer.track,
        producerPaused: c.producerPaused,
      });
      performance.mark(`parley:consumer:${c.kind}`);
      // Resume at once; a tile that is not visible pauses it again right away.
      await this.#request('media:setConsumerPaused', { consumerId: c.id, paused: false });
      performance.mark(`parley:resumed:${c.kind}`);
    } catch (error) {
      console.warn('consume failed', producerId, error);
    } finally {
      consuming.delete(producerId);
    }
    // The producer may have vanished while we were consuming it.
    this.#reconcile();
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

  #dropConsumer(consumerId: ConsumerId): void {
    for (const [producerId, s] of this.streams.value) {
      if (s.consumer.id === consumerId) this.#closeStream(producerId, s);
    }
  }

  #upsert(p: ParticipantInfo): void {
    const before = this.participants.value.get(p.id);
    // Everyone learns who moderates now (the new moderator hears moderation:promoted).
    if (before && before.role !== 'moderator' && p.role === 'moderator' && p.id !== this.participantId) this.#notify(`${p.name} is now a moderator.`);
    const next = new Map(this.participants.value);
    next.set(p.id, p);
    this.participants.value = next;
    if (p.id === this.participantId) this.self.value = p;
    this.#reconcile();
  }

  #showReaction(participantId: ParticipantId, emoji: Reaction): void {
    const key = ++this.#reactionKey;
    this.reactions.value = [...this.reactions.value, { key, participantId, emoji }];
    setTimeout(() => (this.reactions.value = this.reactions.value.filter((r) => r.key !== key)), 3500);
    if (reactionSoundsEnabled.value && this.settings.value?.reactionSounds !== false) playReactionSound();
  }

  #notify(message: string): void {
    this.notice.value = message;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice.value = null), 6000);
  }

  #fail(message: string): void {
    this.#teardown('failed', message);
  }

  #closeMedia(): void {
    // Consumes still in flight belong to the transports closing here (and a
    // consume on a closed transport may never settle): the next transport
    // starts with a clean slate instead of waiting for them.
    this.#consuming = new Set();
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

  #teardown(status: SessionStatus, message?: string): void {
    this.#generation += 1;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.removeAllListeners();
    socket?.disconnect();
    this.#closeMedia();
    for (const sig of [this.micTrack, this.cameraTrack, this.screenTrack] as Signal<MediaStreamTrack | null>[]) {
      sig.value?.stop();
      sig.value = null;
    }
    this.#screenAudio?.stop();
    this.#screenAudio = null;
    this.participants.value = new Map();
    this.activeSpeakerId.value = null;
    this.lobby.value = [];
    this.breakout.value = null;
    this.roomId.value = null;
    this.roomMessage.value = null;
    this.#e2ee?.close();
    this.#e2ee = undefined;
    this.e2ee.value = false;
    this.status.value = status;
    this.error.value = message ?? null;
  }

  /** A request in the meeting, typed by the protocol's event map; RequestError when the server refuses. */
  readonly #request = requester<ClientToServerEvents>(() => {
    if (!this.#socket) throw new Error('not connected');
    return this.#socket;
  }, 15_000);
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
