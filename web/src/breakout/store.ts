// Breakout rooms: the rooms and who is where (the highest version seen), the
// room we are in (the server moves us), and the moderators' messages to all rooms.
import { signal } from '@preact/signals';
import type { BreakoutState, RoomId } from '@parley/protocol';
import type { SessionCore } from '../core/session.ts';
import { t } from '../i18n/index.ts';

export class BreakoutStore {
  readonly state = signal<BreakoutState | null>(null);
  /** The room we are in; null for the main room. */
  readonly roomId = signal<RoomId | null>(null);
  /** The latest moderator message to all rooms. */
  readonly roomMessage = signal<{ from: string; text: string; at: number } | null>(null);
  readonly #core: SessionCore;

  constructor(core: SessionCore) {
    this.#core = core;
    core.on('breakout:state', (state) => {
      // Snapshots only move forward: an older one arriving late is ignored.
      if ((this.state.value?.version ?? -1) < state.version) this.state.value = state;
    });
    core.on('breakout:ending', ({ endsAt }) => {
      const seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      core.notify(t('breakout.notice.ending', { seconds }));
    });
    core.on('breakout:message', (m) => {
      this.roomMessage.value = m;
      core.notify(t('breakout.notice.message', { name: m.from, text: m.text }));
    });
  }

  load(state: BreakoutState | null, roomId: RoomId | null): void {
    this.state.value = state;
    this.roomId.value = roomId;
  }

  /** The server moved us (see MeetingSession: the room's people and talk come with it). */
  moved(roomId: RoomId | null, reason: 'timer' | string): void {
    this.roomId.value = roomId;
    const name = roomId === null ? null : this.roomName(roomId);
    this.#core.notify(
      roomId === null
        ? reason === 'timer'
          ? t('breakout.notice.timeUp')
          : t('breakout.notice.backToMain')
        : name
          ? t('breakout.notice.movedTo', { name })
          : t('breakout.notice.movedToRoom'),
    );
  }

  /** A room's name (from the latest state). */
  roomName(id: RoomId): string | null {
    return this.state.value?.rooms.find((r) => r.id === id)?.name ?? null;
  }

  /** Picks a room (null: main) for ourselves: moderators visit, participants when allowed; false (and a notice) when refused. */
  async goToRoom(roomId: RoomId | null): Promise<boolean> {
    return (await this.#core.attempt('breakout:join', { roomId })) !== undefined;
  }

  reset(): void {
    this.state.value = null;
    this.roomId.value = null;
    this.roomMessage.value = null;
  }
}
