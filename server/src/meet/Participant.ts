import type { ParticipantId, ParticipantInfo, ProducerId, Role, RoomId } from '@parley/protocol';
import type { SfuPeer } from './sfu-port.ts';

/** One person in a meeting: identity, role, state the others see, and its media. */
export class Participant {
  readonly id: ParticipantId;
  /** As shown to everyone; the person may change it in the meeting. */
  name: string;
  role: Role;
  readonly joinedAt: number;
  handRaisedAt: number | null = null;
  connection: 'connected' | 'reconnecting' = 'connected';
  /** Allowed to unmute / show video while that kind is moderated. */
  readonly allowed = { audio: false, video: false };
  e2ee = false;
  /** The breakout room this participant is in; null for the main room. Only the server moves it. */
  room: RoomId | null = null;
  /** The meeting said "start muted / camera off" when this one joined: its first mic / camera starts paused. */
  readonly startOff = { audio: false, video: false };
  /** The socket currently speaking for this participant. */
  sessionId: string;
  readonly media: SfuPeer;
  leaveTimer: NodeJS.Timeout | undefined;

  /** The browser's device cookie, when the token carried one. */
  readonly device: string | null;

  constructor(id: ParticipantId, name: string, role: Role, sessionId: string, media: SfuPeer, device: string | null = null) {
    this.id = id;
    this.device = device;
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
        .map((p) => ({ id: p.id as ProducerId, kind: p.kind, source: p.appData.source, paused: p.paused, ...(typeof p.appData.height === 'number' ? { height: p.appData.height } : {}) })),
      allowed: { ...this.allowed },
      e2ee: this.e2ee,
    };
  }
}
