// Calls started from a channel: a meeting, and a call card message with its
// join link that follows the meeting (participant count, then its end).
import type { CallInfo, MessageView } from '@parley/protocol';
import { isConversation, type ChatCore } from './core.ts';
import type { ChatMessages } from './messages.ts';
import type { ChatStore } from './store.ts';
import { MediaUnavailable } from '../lib/errors.ts';
import { translate } from '@parley/i18n/node';

export interface CallFactory {
  /** Creates a meeting for a call started in a channel; its starter's account owns it, the channel's organization holds it. */
  create(title: string, ownerId: string, orgId: string): Promise<{ meetingId: string; url: string; moderatorToken: string }>;
}

export class ChannelCalls {
  readonly #core: ChatCore;
  readonly #store: ChatStore;
  readonly #messages: ChatMessages;
  readonly #factory: CallFactory | undefined;

  constructor(core: ChatCore, store: ChatStore, messages: ChatMessages, factory: CallFactory | undefined) {
    this.#core = core;
    this.#store = store;
    this.#messages = messages;
    this.#factory = factory;
  }

  /** A meeting started from a channel: a call card message with the join link. */
  async start(userId: string, channelId: string): Promise<{ message: MessageView; url: string; moderatorToken: string }> {
    if (!this.#factory) throw new MediaUnavailable('meetings are not available on this server');
    const { channel } = await this.#core.access(userId, channelId);
    // A conversation's call is named in its caller's language (the meeting's title is then everyone's).
    const caller = isConversation(channel.kind) ? await this.#store.user(userId) : undefined;
    const title = caller ? translate(caller.language, 'org.callTitle') : `#${channel.name}`;
    const call = await this.#factory.create(title, userId, channel.org_id);
    const info: CallInfo = { meetingId: call.meetingId, url: call.url, participants: 0, endedAt: null };
    const card = { channelId, clientId: `call:${call.meetingId}`, text: `Call started: ${call.url}` };
    const message = await this.#core.transaction((unit) => this.#messages.insert(unit, userId, card, 'call', info));
    return { message, url: call.url, moderatorToken: call.moderatorToken };
  }

  /** Whether a meeting was started from a channel (only those have a card to follow). */
  async has(meetingId: string): Promise<boolean> {
    return (await this.#store.messages.callCard(meetingId)) !== undefined;
  }

  /** The call card follows its meeting: participant count, then its end. */
  async update(meetingId: string, change: { participants?: number; ended?: boolean }): Promise<void> {
    const card = await this.#store.messages.callCard(meetingId);
    if (!card) return;
    await this.#core.transaction(async (unit) => {
      await unit.store.lockChannel(card.channel_id);
      const message = (await unit.store.messages.message(card.id))!;
      const call = message.call!;
      if (call.endedAt) return;
      const next: CallInfo = { ...call, participants: change.ended ? 0 : (change.participants ?? call.participants), endedAt: change.ended ? Date.now() : null };
      if (next.participants === call.participants && next.endedAt === call.endedAt) return;
      await unit.store.messages.setCall(card.id, next);
      await this.#core.append(unit, card.channel_id, { kind: 'message:edited', message: { ...message, call: next } });
    });
  }
}
