// The meeting's rules as this screen knows them (waiting room, hard
// moderation, follow me...), our own layout, moderator actions, and a
// moderator's requests to us (unmute).
import { signal } from '@preact/signals';
import type { ClientToServerEvents, Layout, MediaKind, MeetingSettings } from '@parley/protocol';
import type { RequestPayload } from '@parley/protocol';
import type { ModeratorEvent, SessionCore } from '../core/session.ts';
import { t } from '../i18n/index.ts';

export class ModerationStore {
  /** The meeting's rules (waiting room, moderation, follow me...). */
  readonly settings = signal<MeetingSettings | null>(null);
  /** This screen's own layout (what "follow me" shares when we are a moderator). */
  readonly localLayout = signal<Layout>({ mode: 'stage', pinned: null });
  /** While following the moderator, we chose our own layout anyway (until a moderator pushes theirs again). */
  readonly ownLayout = signal(false);
  /** A moderator asked us to unmute (a request; we unmute ourselves). */
  readonly askedToUnmute = signal<MediaKind | null>(null);
  /** Why we are moderator by right (the moderator link, our account), or null: what may replace the moderator link. */
  readonly moderatorBy = signal<'link' | 'account' | null>(null);
  readonly #core: SessionCore;
  readonly #renewLink: () => Promise<string>;

  /** `renewLink`: replaces the moderator link (the connection's token changes with it). */
  constructor(core: SessionCore, renewLink: () => Promise<string>) {
    this.#core = core;
    this.#renewLink = renewLink;
    core.on('meeting:settings', (s) => this.#applySettings(s));
    core.on('moderation:askedToUnmute', ({ kind, by }) => {
      this.askedToUnmute.value = kind;
      core.notify(t('moderation.notice.askedToUnmute', { kind, name: by }));
    });
  }

  /** New rules: follow-me switched on, or a push, brings us back to the moderator's layout. */
  #applySettings(s: MeetingSettings): void {
    const before = this.settings.value;
    if (s.followMe && (!before?.followMe || s.layoutPush > before.layoutPush)) this.ownLayout.value = false;
    this.settings.value = s;
  }

  /** Whether we show the moderator's layout now (follow-me on, and we did not choose our own). */
  get following(): boolean {
    const s = this.settings.value;
    return Boolean(s?.followMe && !this.#core.isModerator && !this.ownLayout.value);
  }

  /** The layout shown now: the moderator's while we follow, else our own. */
  get layout(): Layout {
    const s = this.settings.value;
    return s && this.following ? s.layout : this.localLayout.value;
  }

  /**
   * Changes our layout. A participant following the moderator may (as the
   * seeds say) until pushed back; a moderator whose layout is shared (follow
   * me, or the recording uses it) changes everyone's and the recording's.
   */
  setLayout(layout: Layout): void {
    const s = this.settings.value;
    if (this.following) this.ownLayout.value = true;
    this.localLayout.value = layout;
    if ((s?.followMe || s?.recordLayout) && this.#core.isModerator) void this.moderate('moderation:settings', { layout });
  }

  /** Back to the moderator's layout after choosing our own. */
  followAgain(): void {
    this.ownLayout.value = false;
  }

  /** Whether hard moderation keeps us from sending `kind` right now. */
  moderated(kind: MediaKind): boolean {
    const s = this.settings.value;
    const me = this.#core.self.value;
    if (!s || !me || me.role === 'moderator') return false;
    return (kind === 'audio' ? s.audioModeration : s.videoModeration) && !me.allowed[kind];
  }

  /** A moderator action; errors become a notice. Resolves true when the server accepted it. */
  async moderate<E extends ModeratorEvent>(event: E, payload: RequestPayload<ClientToServerEvents[E]>): Promise<boolean> {
    return (await this.#core.attempt(event, payload)) !== undefined;
  }

  /** Replaces the meeting's moderator link (moderators by right only); answers the new link, to share with co-moderators. */
  newModeratorLink(): Promise<string> {
    return this.#renewLink();
  }
}
