import crypto from 'node:crypto';
import { LIMITS, type TalkMessage, type MessageId, type ParticipantId, type Reaction, type RoomId } from '@parley/protocol';
import type { MeetingCore } from '../core.ts';
import { TalkTooLarge, InvalidRequest, ParticipantNotFound } from '../errors.ts';
import type { Participant } from '../Participant.ts';

/**
 * The meeting's own chat (per room, public or private, kept in memory for
 * the meeting's life), reactions and raised hands. Team chat is another
 * feature (server/src/chat).
 */
export class Talk {
  readonly #core: MeetingCore;
  /** Messages with the room they were said in: chat is per room. */
  readonly #messages: { message: TalkMessage; room: RoomId | null }[] = [];

  constructor(core: MeetingCore) {
    this.#core = core;
  }

  /** Public messages of its room and its own private ones, oldest first. */
  messagesFor(id: ParticipantId): TalkMessage[] {
    const room = this.#core.roster.get(id)?.room ?? null;
    return this.#messages.filter(({ message: m, room: r }) => r === room && (m.to === null || m.to === id || m.from === id)).map((c) => c.message);
  }

  /** A room's public messages (what a newcomer without private messages sees). */
  publicMessages(room: RoomId | null): TalkMessage[] {
    return this.#messages.filter((c) => c.room === room && c.message.to === null).map((c) => c.message);
  }

  send(id: ParticipantId, text: string, to?: string): TalkMessage {
    const from = this.#core.participant(id);
    if (Buffer.byteLength(text, 'utf8') > LIMITS.talkBytes) throw new TalkTooLarge(LIMITS.talkBytes);
    if (text.trim() === '') throw new InvalidRequest('empty message');
    let recipient: Participant | undefined;
    if (to !== undefined) {
      if (to === id) throw new InvalidRequest('a private message needs another participant');
      recipient = this.#core.roster.get(to as ParticipantId);
      // Private messages stay within a room too.
      if (!recipient || recipient.room !== from.room) throw new ParticipantNotFound(to);
    }
    const message: TalkMessage = {
      id: crypto.randomUUID() as MessageId,
      from: from.id,
      fromName: from.name,
      to: recipient?.id ?? null,
      toName: recipient?.name ?? null,
      text,
      sentAt: Date.now(),
    };
    this.#messages.push({ message, room: from.room });
    if (this.#messages.length > LIMITS.talkHistory) this.#messages.splice(0, this.#messages.length - LIMITS.talkHistory);
    this.#core.emit('talk', message, from.room);
    return message;
  }

  react(id: ParticipantId, emoji: Reaction): void {
    const p = this.#core.participant(id);
    this.#core.emit('reaction', id, emoji, Date.now(), p.room);
  }

  setHand(id: ParticipantId, raised: boolean): void {
    const p = this.#core.participant(id);
    if (raised === (p.handRaisedAt !== null)) return;
    p.handRaisedAt = raised ? Date.now() : null;
    this.#core.updated(p);
  }
}
