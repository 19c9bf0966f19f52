// The meeting client's core: one Socket.IO connection and who we are in the
// meeting (token, role, the people in our room), with our media link
// (media.ts, controls.ts) and one store per feature, each in its folder:
// talk, lobby, breakout, capture, moderation, e2ee. The stores see this core
// through SessionCore (core/session.ts) and register their own server
// events on it; what joining, reconnecting and leaving do to all of them is
// decided here.
import { computed, signal } from '@preact/signals';
import type { types as ms } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, JoinResult, ParticipantId, ParticipantInfo, ServerToClientEvents } from '@parley/protocol';
import { RequestError, requester, type RequestName, type RequestPayload, type RequestReply } from '@parley/protocol';
import { api, ApiError } from '../core/api.ts';
import { sessionToken } from '../account/session.ts';
import { BreakoutStore } from '../breakout/store.ts';
import { CaptureStore } from '../capture/store.ts';
import { DrawingStore } from '../drawing/store.ts';
import { E2eeStore } from '../e2ee/store.ts';
import { LobbyStore } from '../lobby/store.ts';
import { ModerationStore } from '../moderation/store.ts';
import type { SessionCore, SessionStatus } from '../core/session.ts';
import { TalkStore } from '../talk/store.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { MediaControls } from './controls.ts';
import { StoredIdentity } from '../core/identity.ts';
import { MediaLink } from './media.ts';
import { playHandChime, QUIET_ABOVE, Toasts } from './toasts.ts';

export type { SessionStatus } from '../core/session.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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

export class MeetingSession implements SessionCore {
  readonly meetingId: string;
  readonly status = signal<SessionStatus>('idle');
  /** Why the session ended or failed, as a sentence made when read (it follows a language change). */
  readonly #why = signal<(() => string) | null>(null);
  /** Why the session ended or failed, for the person. */
  readonly error = computed(() => this.#why.value?.() ?? null);
  /** Short-lived notices (device problems, "screen sharing stopped"). */
  readonly notice = signal<string | null>(null);
  /** Who joined or left, raised hands (moderators), "you are muted". */
  readonly toasts = new Toasts();
  readonly self = signal<ParticipantInfo | null>(null);
  readonly participants = signal<ReadonlyMap<ParticipantId, ParticipantInfo>>(new Map());
  readonly activeSpeakerId = signal<ParticipantId | null>(null);
  /**
   * Who the speaker view puts on the stage: the last other person who spoke.
   * Silence, or our own voice, leaves it where it is (no flicker back and forth).
   */
  readonly stageSpeaker = signal<ParticipantId | null>(null);
  readonly title = signal('');
  /** The meeting's short code (shown with the invitation), once the page has asked for it. */
  readonly code = signal<string | null>(null);
  /** While knocking: whether the meeting's password would let us in at once (only then is a field offered). */
  readonly passwordWouldAdmit = signal(false);

  readonly moderation: ModerationStore;
  readonly talk: TalkStore;
  readonly lobby: LobbyStore;
  readonly breakout: BreakoutStore;
  readonly capture: CaptureStore;
  readonly e2ee: E2eeStore;
  readonly drawing: DrawingStore;
  readonly media: MediaLink;
  readonly controls: MediaControls;

  readonly #identity: StoredIdentity;
  #token: string | undefined;
  #password: string | undefined;
  #socket: ClientSocket | undefined;
  /** A token and an open socket got on the pre-join screen for this name (see prepare). */
  #prepared: { name: string; moderator: boolean; ready: Promise<{ token: string; socket: ClientSocket } | undefined> } | undefined;
  /** Server events the stores listen to, attached to every connection of this session. */
  readonly #listeners: [keyof ServerToClientEvents, (...args: never[]) => void][] = [];
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(meetingId: string) {
    this.meetingId = meetingId;
    this.#identity = new StoredIdentity(meetingId);
    this.moderation = new ModerationStore(this, () => this.#newModeratorLink());
    this.talk = new TalkStore(this, () => this.moderation.settings.value);
    this.lobby = new LobbyStore(this);
    this.breakout = new BreakoutStore(this);
    this.capture = new CaptureStore(this);
    this.drawing = new DrawingStore(this);
    this.e2ee = new E2eeStore(this, {
      rebuild: async () => {
        if (this.media.live && this.status.value === 'joined') await this.media.rebuild();
      },
    });
    this.media = new MediaLink(this, { moderation: this.moderation, e2ee: this.e2ee, connected: () => this.#socket?.connected === true });
    this.controls = new MediaControls(this, this.media, this.moderation);
  }

  get participantId(): ParticipantId | undefined {
    return this.self.value?.id;
  }

  get isModerator(): boolean {
    return this.self.value?.role === 'moderator';
  }

  get token(): string | undefined {
    return this.#token;
  }

  on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): void {
    this.#listeners.push([event, handler as (...args: never[]) => void]);
    // Attached at once when connected; #listen attaches them to each new connection.
    (this.#socket as Socket | undefined)?.on(event as string, handler as (...args: unknown[]) => void);
  }

  async attempt<E extends RequestName<ClientToServerEvents>>(event: E, payload: RequestPayload<ClientToServerEvents[E]>): Promise<RequestReply<ClientToServerEvents[E]> | undefined> {
    try {
      return await this.request(event, payload);
    } catch (error) {
      this.notify(errorText(error));
      return undefined;
    }
  }

  notify(message: string): void {
    this.notice.value = message;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice.value = null), 6000);
  }

  /** Loads the WebRTC device on the pre-join screen (see MediaLink.preload). */
  preload(routerRtpCapabilities: ms.RtpCapabilities): void {
    this.media.preload(routerRtpCapabilities);
  }

  /**
   * On the pre-join screen, with the name already known: asks for our token
   * and opens the socket, as Jitsi Meet connects before its Join button, so
   * that a join under this name starts with its meeting:join request (the
   * two round trips were ~90 ms of each join here). Nothing is joined
   * before the click: the server does nothing with a socket until
   * meeting:join. Failures are left to the join, which tries again.
   */
  prepare(name: string, moderatorToken?: string): void {
    if (this.#prepared || this.status.value !== 'idle' || !name.trim()) return;
    const ready = this.#tokenFor(name.trim(), moderatorToken).then(
      (token) => ({ token, socket: this.#connect(token) }),
      () => undefined,
    );
    this.#prepared = { name: name.trim(), moderator: moderatorToken !== undefined, ready };
  }

  async join(opts: JoinOptions): Promise<void> {
    if (this.status.value !== 'idle' && this.status.value !== 'left' && this.status.value !== 'failed') return;
    this.status.value = 'joining';
    this.#why.value = null;
    // Marks for each join stage (devtools Performance panel, join benchmark).
    performance.mark('parley:join');
    this.media.take(opts);
    const prepared = this.#prepared;
    this.#prepared = undefined;
    const ready = prepared && prepared.name === opts.name.trim() && prepared.moderator === (opts.moderatorToken !== undefined) ? await prepared.ready : undefined;
    // Prepared under another name: that participant never joins. Its answer
    // is awaited first, so that it cannot overwrite the identity this join keeps.
    if (prepared && !ready) (await prepared.ready)?.socket.disconnect();
    let token: string;
    try {
      token = ready?.token ?? (await this.#tokenFor(opts.name.trim(), opts.moderatorToken));
      this.#token = token;
    } catch (error) {
      // A moderator link refused at the door is a replaced (or mistyped) one: say so, and what to do.
      const staleLink = error instanceof ApiError && error.code === 'FORBIDDEN' && opts.moderatorToken !== undefined;
      this.#teardown('failed', () => (staleLink ? t('meeting.session.moderatorLinkInvalid') : error instanceof ApiError ? errorText(error) : t('error.network')));
      return;
    }
    performance.mark('parley:token');
    await this.media.loadDevice();
    performance.mark('parley:device');
    const socket = ready?.socket ?? this.#connect(token);
    this.#socket = socket;
    this.#listen(socket);
    // A prepared socket may be connected already (its "connect" has passed),
    // or closed by the server while we were on the pre-join screen.
    if (socket.connected) void this.#onConnect(socket);
    else if (!socket.active) socket.connect();
  }

  #connect(token: string): ClientSocket {
    return io({
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token },
      // Not trusted by the server (the token decides); lets a load balancer
      // send every socket of one meeting to the node that hosts its media.
      query: { meeting: this.meetingId },
      reconnectionDelay: 300,
      reconnectionDelayMax: 2000,
    });
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
      const sent = this.request('meeting:leave', opts.unload ? { unload: true } : {}).catch(() => undefined);
      // A page being unloaded cannot wait for the answer.
      if (!opts.unload) await sent;
    }
    if (opts.unload) return;
    // A kicked person keeps its identity: coming back means knocking as itself.
    if (this.status.value !== 'kicked') {
      this.#identity.clear();
      this.#teardown('left');
    }
  }

  /** A new name for us in this meeting (and the next ones, from this browser). */
  async rename(name: string): Promise<void> {
    const res = await this.attempt('meeting:rename', { name });
    if (!res) return;
    localStorage.setItem('parley:name', res.name);
    // A reload comes back as the same participant under the new name (the server keeps it too).
    this.#identity.update({ name: res.name });
  }

  /** Ends the meeting for everyone (moderators); the server's `meeting:ended` closes our page too. */
  async endForAll(): Promise<void> {
    await this.moderation.moderate('moderation:endMeeting', {});
  }

  // ---- the door: waiting room and password -------------------------------------

  /** Joins again with the meeting password. */
  submitPassword(password: string): void {
    this.#password = password;
    this.status.value = 'joining';
    const socket = this.#socket;
    if (socket?.connected) void this.#onConnect(socket);
  }

  async knockAgain(): Promise<void> {
    this.#why.value = null;
    this.status.value = 'waiting';
    performance.mark('parley:knock');
    await this.request('lobby:knock', {}).then(
      (r) => (this.passwordWouldAdmit.value = r.password),
      (e: unknown) => this.#teardown('failed', () => errorText(e)),
    );
  }

  async cancelKnock(): Promise<void> {
    await this.request('lobby:cancel', {}).catch(() => undefined);
    this.#teardown('left');
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

  // ---- identity ----------------------------------------------------------------

  /**
   * A stored token lets a reloaded page come back as the same participant.
   * The signed-in account goes with the join: the meeting's organizer (or a
   * co-moderator) is moderator by it, with the plain link.
   */
  async #tokenFor(name: string, moderatorToken?: string): Promise<string> {
    const s = this.#identity.get();
    if (s && s.name === name && s.moderator === Boolean(moderatorToken)) {
      this.moderation.moderatorBy.value = s.moderatorBy ?? null;
      return s.token;
    }
    const res = await api.join(this.meetingId, name, moderatorToken, sessionToken.value);
    this.title.value = res.title;
    this.moderation.moderatorBy.value = res.moderatorBy;
    this.#identity.set({ token: res.token, name, moderator: Boolean(moderatorToken), moderatorBy: res.moderatorBy });
    return res.token;
  }

  /**
   * Replaces the meeting's moderator link (moderators by right only): the old
   * link stops working. Answers the new link, to share with co-moderators.
   */
  async #newModeratorLink(): Promise<string> {
    if (!this.#token) throw new Error('not joined');
    const res = await api.newModeratorToken(this.meetingId, this.#token);
    // Our own token, under the new link: a reconnect or a reload still makes us moderator.
    this.#token = res.token;
    if (this.#socket) this.#socket.auth = { token: res.token };
    this.#identity.update({ token: res.token });
    if (sessionStorage.getItem(`parley:moderator:${this.meetingId}`)) sessionStorage.setItem(`parley:moderator:${this.meetingId}`, res.moderatorToken);
    return res.url;
  }

  // ---- connection ----------------------------------------------------------------

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
        this.#identity.clear();
        this.#teardown('failed', () => t('meeting.session.linkExpired'));
      } else if (this.status.value === 'joined') {
        this.status.value = 'reconnecting';
      }
    });
    socket.on('meeting:participantJoined', (p) => {
      if (p.id !== this.participantId && !this.participants.value.has(p.id) && this.participants.value.size < QUIET_ABOVE) {
        this.toasts.show('joined', () => t('meeting.toast.joined', { name: p.name }));
      }
      this.#upsert(p);
    });
    socket.on('meeting:participantUpdated', (p) => this.#upsert(p));
    socket.on('meeting:participantLeft', ({ participantId, reason }) => {
      const gone = this.participants.value.get(participantId);
      if (gone && reason !== 'moved' && this.participants.value.size <= QUIET_ABOVE) this.toasts.show('left', () => t('meeting.toast.left', { name: gone.name }));
      const next = new Map(this.participants.value);
      next.delete(participantId);
      this.participants.value = next;
      this.media.reconcile();
    });
    socket.on('meeting:activeSpeaker', ({ participantId }) => {
      this.activeSpeakerId.value = participantId;
      if (participantId !== null && participantId !== this.participantId) this.stageSpeaker.value = participantId;
    });
    socket.on('meeting:ended', ({ by }) => this.#teardown('ended', () => (by ? t('meeting.session.endedBy', { name: by }) : t('meeting.session.ended'))));
    socket.on('session:replaced', () => this.#teardown('replaced', () => t('meeting.session.replaced')));
    socket.on('media:consumerClosed', ({ consumerId }) => this.media.dropConsumer(consumerId));
    socket.on('media:consumerPaused', ({ consumerId, producerPaused }) => this.media.setConsumerPaused(consumerId, producerPaused));
    socket.on('media:reset', () => {
      this.notify(t('meeting.session.mediaMoved'));
      void this.media.rebuild().catch((e: unknown) => this.notify(t('meeting.session.mediaReconnectFailed', { detail: errorText(e) })));
    });
    socket.on('lobby:admitted', () => {
      if (this.status.value === 'waiting' && socket === this.#socket) void this.#onConnect(socket);
    });
    socket.on('lobby:denied', ({ reason }) => {
      this.status.value = 'denied';
      this.#why.value = reason === null ? null : () => reason;
    });
    socket.on('moderation:kicked', ({ reason, by }) => this.#teardown('kicked', () => (reason ? t('meeting.session.kickedWithReason', { name: by, reason }) : t('meeting.session.kicked', { name: by }))));
    socket.on('moderation:muted', ({ kind, by, reason }) => this.controls.mutedByServer(kind, by, reason));
    socket.on('moderation:promoted', ({ reason }) => this.notify(reason === 'granted' ? t('meeting.session.promoted') : t('meeting.session.promotedModeratorLeft')));
    socket.on('breakout:moved', ({ roomId, reason, snapshot, talk }) => {
      // The server already closed our consumers of the room we left; the
      // new room's people replace the list and reconcile consumes theirs.
      this.participants.value = new Map(snapshot.participants.map((p) => [p.id, p]));
      const self = snapshot.participants.find((p) => p.id === this.participantId);
      if (self) this.self.value = self;
      this.activeSpeakerId.value = snapshot.activeSpeakerId;
      this.talk.load(talk);
      // Another room, other drawings (asked for: a mass move would otherwise send them to each mover).
      void this.drawing.sync();
      this.media.reconcile();
      this.breakout.moved(roomId, reason);
    });
    for (const [event, handler] of this.#listeners) (socket as Socket).on(event as string, handler as (...args: unknown[]) => void);
  }

  async #onConnect(socket: ClientSocket): Promise<void> {
    performance.mark('parley:connected');
    const device = this.media.device;
    let res: JoinResult;
    try {
      // A loaded device and no transports to resume: join and create the
      // transports in one round trip.
      res = await this.request('meeting:join', {
        ...(device.loaded && !this.media.live ? { rtpCapabilities: device.recvRtpCapabilities as never } : {}),
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
        this.#why.value = code === 'PASSWORD_REQUIRED' ? null : () => errorText(error);
      } else if (code === 'KICKED') {
        this.#teardown('kicked', () => errorText(error));
      } else if (code === 'MEETING_NOT_FOUND') {
        this.#teardown('failed', () => t('meeting.page.notFound'));
      } else if (code === 'MEETING_FULL') {
        this.#teardown('failed', () => errorText(error));
      } else {
        this.notify(t('meeting.session.joinFailed', { detail: errorText(error) }));
      }
      return;
    }
    if (socket !== this.#socket) return;
    this.title.value = res.snapshot.title;
    this.self.value = res.self;
    this.participants.value = new Map(res.snapshot.participants.map((p) => [p.id, p]));
    this.activeSpeakerId.value = res.snapshot.activeSpeakerId;
    this.talk.load(res.talk);
    this.moderation.settings.value = res.settings;
    this.lobby.load(res.lobby);
    this.breakout.load(res.breakout, res.snapshot.roomId);
    this.capture.state.value = res.capture;
    this.drawing.load(res.drawing);
    if (!res.resumed) this.controls.applyStartRules(res);
    if (!device.loaded) await device.load({ routerRtpCapabilities: res.routerRtpCapabilities as ms.RtpCapabilities });
    performance.mark('parley:loaded');
    const haveTransports = res.resumed && this.media.has(res.transports);
    try {
      if (haveTransports && !res.media) {
        await this.media.resume();
        this.status.value = 'joined';
        this.media.reconcile();
      } else {
        this.status.value = 'joined';
        await this.media.rebuild(res.media ?? undefined);
      }
    } catch (error) {
      this.notify(t('meeting.session.mediaFailed', { detail: errorText(error) }));
    }
  }

  #upsert(p: ParticipantInfo): void {
    const before = this.participants.value.get(p.id);
    // Everyone learns who moderates now (the new moderator hears moderation:promoted).
    if (before && before.role !== 'moderator' && p.role === 'moderator' && p.id !== this.participantId) this.notify(t('meeting.session.nowModerator', { name: p.name }));
    // Moderators hear a raised hand (and see who), as they would in a room.
    if (before && before.handRaisedAt === null && p.handRaisedAt !== null && p.id !== this.participantId && this.isModerator) {
      this.toasts.show('hand', () => t('meeting.toast.hand', { name: p.name }));
      playHandChime();
    }
    const next = new Map(this.participants.value);
    next.set(p.id, p);
    this.participants.value = next;
    if (p.id === this.participantId) this.self.value = p;
    this.media.reconcile();
  }

  /** `why`: the sentence for the person, made when shown. */
  #teardown(status: SessionStatus, why?: () => string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.removeAllListeners();
    socket?.disconnect();
    this.media.stop();
    this.participants.value = new Map();
    this.toasts.clear();
    this.activeSpeakerId.value = null;
    this.lobby.load([]);
    this.breakout.reset();
    this.drawing.reset();
    this.e2ee.close();
    this.status.value = status;
    this.#why.value = why ?? null;
  }

  /** A request in the meeting, typed by the protocol's event map; RequestError when the server refuses. */
  readonly request = requester<ClientToServerEvents>(() => {
    if (!this.#socket) throw new Error('not connected');
    return this.#socket;
  }, 15_000);
}
