import type { Layout, MediaKind, MeetingSettings, ParticipantId, PayloadOf } from '@parley/protocol';
import type { MeetingCore } from '../core.ts';
import { InvalidRequest, LastModerator } from '../errors.ts';
import type { Door } from './door.ts';
import { MODERATED_SOURCES, MUTED_SOURCES, type MeetingMediaPart } from './media.ts';

export type SettingsPatch = PayloadOf<'moderation:settings'>;

/**
 * What moderators do to people and to the meeting's settings: roles,
 * removal, muting and media moderation. Every call names its caller, and
 * each one checks that the caller is a moderator.
 */
export class Moderation {
  readonly #core: MeetingCore;
  readonly #door: Door;
  readonly #media: MeetingMediaPart;

  constructor(core: MeetingCore, door: Door, media: MeetingMediaPart) {
    this.#core = core;
    this.#door = door;
    this.#media = media;
  }

  grant(by: ParticipantId, id: ParticipantId): void {
    this.#core.moderator(by);
    this.#core.setRole(this.#core.participant(id), 'moderator', 'granted');
  }

  /** Gives the role up; the only moderator hands it to whoever has been here longest. */
  renounce(by: ParticipantId): void {
    const me = this.#core.moderator(by);
    if (this.#core.roster.size === 1) throw new LastModerator();
    this.#core.keepAModerator(me);
    this.#core.setRole(me, 'participant', 'renounced');
  }

  /**
   * Removes someone. Without accounts, a kick recognizes the person by its
   * participant id and its browser (device cookie) only: from another browser
   * with the link it is a new person. So `waitingRoom` switches the waiting
   * room on in the same step, for moderators who want to decide who comes back.
   */
  kick(by: ParticipantId, id: ParticipantId, reason: string | undefined, opts: { waitingRoom?: boolean } = {}): void {
    const core = this.#core;
    const mod = core.moderator(by);
    if (id === by) throw new InvalidRequest('you cannot kick yourself (leave instead)');
    const target = core.participant(id);
    if (opts.waitingRoom && !core.settings.waitingRoom) core.setSettings({ ...core.settings, waitingRoom: true });
    this.#door.bar(target);
    core.emit('kicked', id, reason?.trim() || null, mod.name);
    core.leave(id, 'kicked');
  }

  /** Pauses someone's mic (audio) or camera (video); they may unmute themself unless that kind is moderated. */
  async mute(by: ParticipantId, id: ParticipantId, kind: MediaKind): Promise<void> {
    const mod = this.#core.moderator(by);
    await this.#media.pauseSources(this.#core.participant(id), MUTED_SOURCES[kind], kind, mod.name, 'moderator');
  }

  /** Everyone but the caller; answers how many had something to pause. */
  async muteAll(by: ParticipantId, kind: MediaKind): Promise<number> {
    const mod = this.#core.moderator(by);
    let n = 0;
    for (const p of [...this.#core.roster.values()]) {
      if (p !== mod && (await this.#media.pauseSources(p, MUTED_SOURCES[kind], kind, mod.name, 'moderator'))) n += 1;
    }
    return n;
  }

  /** While `kind` is moderated: lets someone unmute (or takes it back, which mutes them). */
  async allow(by: ParticipantId, id: ParticipantId, kind: MediaKind, allowed: boolean): Promise<void> {
    const mod = this.#core.moderator(by);
    const p = this.#core.participant(id);
    p.allowed[kind] = allowed;
    this.#core.updated(p);
    if (!allowed && this.#media.isModerated(kind)) await this.#media.pauseSources(p, MODERATED_SOURCES[kind], kind, mod.name, 'moderator');
  }

  /** A request, never a remote unmute: the participant is allowed (if moderated) and asked; they unmute themself. */
  askToUnmute(by: ParticipantId, id: ParticipantId, kind: MediaKind): void {
    const mod = this.#core.moderator(by);
    const p = this.#core.participant(id);
    if (!p.allowed[kind]) {
      p.allowed[kind] = true;
      this.#core.updated(p);
    }
    this.#core.emit('askedToUnmute', id, kind, mod.name);
  }

  async updateSettings(by: ParticipantId, patch: SettingsPatch): Promise<MeetingSettings> {
    const core = this.#core;
    const mod = core.moderator(by);
    if (patch.layout?.pinned) core.participant(patch.layout.pinned as ParticipantId);
    const before = core.settings;
    const { layout, ...flags } = patch;
    core.setSettings({ ...before, ...flags, layout: (layout as Layout | undefined) ?? before.layout });
    for (const kind of ['audio', 'video'] as const) {
      const key = kind === 'audio' ? 'audioModeration' : 'videoModeration';
      if (!before[key] && core.settings[key]) {
        // Turning moderation on starts from silence: everyone but moderators
        // is muted and must be allowed again.
        for (const p of [...core.roster.values()]) {
          if (p.role === 'moderator') continue;
          if (p.allowed[kind]) {
            p.allowed[kind] = false;
            core.updated(p);
          }
          await this.#media.pauseSources(p, MODERATED_SOURCES[kind], kind, mod.name, 'moderation-on');
        }
      }
    }
    // No waiting room any more: everyone waiting comes in.
    if (before.waitingRoom && !core.settings.waitingRoom) this.#door.admitEveryone();
    return { ...core.settings, layout: { ...core.settings.layout } };
  }

  /** Lowers someone's hand (a moderator answering it, or one forgotten up). */
  lowerHand(by: ParticipantId, id: ParticipantId): void {
    this.#core.moderator(by);
    const p = this.#core.participant(id);
    if (p.handRaisedAt === null) return;
    p.handRaisedAt = null;
    this.#core.updated(p);
  }

  /** "Force compliance": everyone who changed their own layout goes back to the moderator's. */
  pushLayout(by: ParticipantId): MeetingSettings {
    this.#core.moderator(by);
    const s = this.#core.settings;
    this.#core.setSettings({ ...s, followMe: true, layoutPush: s.layoutPush + 1 });
    return this.#core.settings;
  }

  async setPassword(by: ParticipantId, password: string | null): Promise<void> {
    this.#core.moderator(by);
    await this.#door.setPassword(password);
    this.#core.setSettings({ ...this.#core.settings, passwordSet: this.#door.passwordSet });
  }
}
