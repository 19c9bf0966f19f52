// Talk, the in-meeting chat: messages of the room we are in (private ones
// to and from us too), the reactions floating over the room, and our hand.
import { signal } from '@preact/signals';
import type { MeetingSettings, ParticipantId, Reaction, TalkMessage } from '@parley/protocol';
import { playReactionSound, reactionSoundsEnabled } from '../reactions/sound.ts';
import type { SessionCore } from '../core/session.ts';

export interface ShownReaction {
  key: number;
  participantId: ParticipantId;
  emoji: Reaction;
}

export class TalkStore {
  readonly messages = signal<TalkMessage[]>([]);
  readonly reactions = signal<ShownReaction[]>([]);
  readonly #core: SessionCore;
  readonly #settings: () => MeetingSettings | null;
  #reactionKey = 0;

  /** `settings`: the meeting's rules (whether reactions make a sound). */
  constructor(core: SessionCore, settings: () => MeetingSettings | null) {
    this.#core = core;
    this.#settings = settings;
    core.on('talk:message', (m) => (this.messages.value = [...this.messages.value, m]));
    core.on('reaction:shown', ({ participantId, emoji }) => this.#show(participantId, emoji));
  }

  /** The messages of the room we (re)entered. */
  load(messages: TalkMessage[]): void {
    this.messages.value = messages;
  }

  /** Sends to our room, or privately `to` someone; false (and a notice) when refused. */
  async send(text: string, to?: ParticipantId): Promise<boolean> {
    return (await this.#core.attempt('talk:send', to ? { text, to } : { text })) !== undefined;
  }

  async react(emoji: Reaction): Promise<void> {
    await this.#core.attempt('reaction:send', { emoji });
  }

  async setHand(raised: boolean): Promise<void> {
    await this.#core.attempt('hand:set', { raised });
  }

  #show(participantId: ParticipantId, emoji: Reaction): void {
    const key = ++this.#reactionKey;
    this.reactions.value = [...this.reactions.value, { key, participantId, emoji }];
    setTimeout(() => (this.reactions.value = this.reactions.value.filter((r) => r.key !== key)), 3500);
    if (reactionSoundsEnabled.value && this.#settings()?.reactionSounds !== false) playReactionSound();
  }
}
