// The waiting room as moderators see it: who knocks, with a sound.
import { signal } from '@preact/signals';
import type { Knocker } from '@parley/protocol';
import type { SessionCore } from '../core/session.ts';
import { playKnockSound } from './knock.ts';

export class LobbyStore {
  /** Who waits in the waiting room (moderators only). */
  readonly knockers = signal<Knocker[]>([]);

  constructor(core: SessionCore) {
    core.on('lobby:knocking', (k) => {
      if (this.knockers.value.some((x) => x.id === k.id)) return;
      this.knockers.value = [...this.knockers.value, k];
      playKnockSound();
    });
    core.on('lobby:left', ({ participantId }) => (this.knockers.value = this.knockers.value.filter((k) => k.id !== participantId)));
    // Made moderator: the waiting list comes with the role.
    core.on('moderation:promoted', ({ lobby }) => (this.knockers.value = lobby));
  }

  load(knockers: Knocker[]): void {
    this.knockers.value = knockers;
  }
}
