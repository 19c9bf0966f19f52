import type { Knocker, ParticipantId, Role } from '@parley/protocol';
import type { MeetingCore } from '../core.ts';
import { InvalidRequest, Kicked, MeetingNotFound, ParticipantNotFound, PasswordRequired, TooManyTries, WaitingRoom, WrongPassword } from '../errors.ts';
import { Lobby } from '../Lobby.ts';
import { MeetingPassword } from '../password.ts';
import type { Participant } from '../Participant.ts';

/** Most pages remembered as maybe coming back (each needed a token of its own). */
const RETURNING_MAX = 1000;

/**
 * The meeting's door: the waiting room, the password, the people a moderator
 * removed, and the pages that went away and may come back. It decides who
 * enters; the core then places them.
 */
export class Door {
  readonly #core: MeetingCore;
  readonly #resumeWindowMs: number;
  readonly #lobby = new Lobby();
  readonly #password = new MeetingPassword();
  /** Removed by a moderator (`p:` participant ids, `d:` device cookies): back only through the waiting room. */
  readonly #kicked = new Set<string>();
  /**
   * People whose page went away (closed or reloaded) in the last resume
   * window, with the role they had: a reload comes back through the door
   * without knocking again, as moderator if it was one.
   */
  readonly #returning = new Map<ParticipantId, { role: Role; until: number; name: string }>();

  constructor(core: MeetingCore, resumeWindowMs: number, storedPasswordHash: string | null) {
    this.#core = core;
    this.#resumeWindowMs = resumeWindowMs;
    this.#password.restore(storedPasswordHash);
  }

  get passwordSet(): boolean {
    return this.#password.isSet;
  }

  /** What is kept of the password with the meeting's record. */
  passwordHash(): string | null {
    return this.#password.stored();
  }

  /** How many are waiting: a meeting with people at its door stays open. */
  get waiting(): number {
    return this.#lobby.size;
  }

  /** The waiting list, for moderators only. */
  listFor(id: ParticipantId): Knocker[] {
    return this.#core.roster.get(id)?.role === 'moderator' ? this.#lobby.list() : [];
  }

  /** Whether `id` left within the resume window (and with which role); forgets it either way. */
  takeReturning(id: ParticipantId): { role: Role; name: string } | undefined {
    const r = this.#returning.get(id);
    this.#returning.delete(id);
    return r && r.until > Date.now() ? r : undefined;
  }

  /** `name`: as it was shown (renamed in the meeting, perhaps), which the token does not know. */
  rememberReturning(id: ParticipantId, role: Role, name: string): void {
    const now = Date.now();
    for (const [pid, r] of this.#returning) if (r.until <= now) this.#returning.delete(pid);
    if (this.#returning.size >= RETURNING_MAX) this.#returning.delete(this.#returning.keys().next().value!);
    this.#returning.set(id, { role, name, until: now + this.#resumeWindowMs });
  }

  /** Lets `id` in, or says why not (WAITING_ROOM, PASSWORD_REQUIRED, WRONG_PASSWORD, KICKED). */
  async pass(id: ParticipantId, device: string | null, entry: { password?: string; client?: string }): Promise<void> {
    if (this.#lobby.isAdmitted(id)) return;
    const s = this.#core.settings;
    const kicked = this.#isKicked(id, device);
    if (this.#password.isSet && entry.password !== undefined) {
      if (!this.#password.mayTry([`client:${entry.client ?? '?'}`, `participant:${id}`])) throw new TooManyTries();
      if (!(await this.#password.matches(entry.password))) throw new WrongPassword();
      if (kicked || (s.waitingRoom && !s.passwordSkipsWaitingRoom)) throw new WaitingRoom();
      return;
    }
    if (kicked) {
      // Locked (a password) without a waiting room: nobody to knock to.
      if (this.#password.isSet && !s.waitingRoom) throw new Kicked();
      throw new WaitingRoom();
    }
    if (s.waitingRoom) throw new WaitingRoom();
    if (this.#password.isSet) throw new PasswordRequired();
  }

  /** `id` came in: its admission is used up and it leaves the waiting list. */
  entered(id: ParticipantId): void {
    this.#lobby.takeAdmission(id);
    if (this.#lobby.remove(id)) this.#core.emit('lobbyLeft', id, 'admitted');
  }

  /** Whether the meeting's password would let `id` in without waiting (a knocker is offered the field only then). */
  passwordOpensDoor(id: ParticipantId, device: string | null): boolean {
    const s = this.#core.settings;
    return this.#password.isSet && (!s.waitingRoom || s.passwordSkipsWaitingRoom) && !this.#isKicked(id, device);
  }

  /**
   * A knocker (token, not joined) asks to be let in. Moderators see it. When
   * nothing keeps the door shut any more (the waiting room was switched off
   * meanwhile), it is admitted at once.
   */
  knock(who: { id: ParticipantId; name: string; device?: string | null; address?: string }, sessionId: string): void {
    if (this.#core.closed) throw new MeetingNotFound();
    if (this.#core.roster.has(who.id)) throw new InvalidRequest('already in the meeting');
    const s = this.#core.settings;
    const kicked = this.#isKicked(who.id, who.device ?? null);
    if (kicked && this.#password.isSet && !s.waitingRoom) throw new Kicked();
    if (!s.waitingRoom && !kicked && !this.#password.isSet) {
      this.#lobby.admit(who.id);
      this.#core.emit('admitted', who.id);
      return;
    }
    const { knocker, fresh } = this.#lobby.knock(who.id, who.name, sessionId, who.device ?? null, who.address);
    if (fresh) this.#core.emit('knocking', knocker);
  }

  /** The knocker gave up or its socket dropped (only that socket's knock is withdrawn). */
  cancelKnock(id: ParticipantId, sessionId?: string): void {
    if (this.#lobby.remove(id, sessionId)) {
      this.#core.emit('lobbyLeft', id, 'cancelled');
      this.#core.closeIfEmpty();
    }
  }

  admit(by: ParticipantId, id: ParticipantId): void {
    this.#core.moderator(by);
    if (!this.#lobby.has(id)) throw new ParticipantNotFound(id);
    this.#admit(id);
  }

  admitAll(by: ParticipantId): number {
    this.#core.moderator(by);
    return this.admitEveryone();
  }

  deny(by: ParticipantId, id: ParticipantId, reason: string | undefined): void {
    this.#core.moderator(by);
    if (!this.#lobby.remove(id)) throw new ParticipantNotFound(id);
    this.#core.emit('lobbyLeft', id, 'denied');
    this.#core.emit('denied', id, reason?.trim() || null);
  }

  /** Everyone waiting comes in (the waiting room was switched off). */
  admitEveryone(): number {
    const waiting = this.#lobby.list();
    for (const k of waiting) this.#admit(k.id);
    return waiting.length;
  }

  /**
   * A moderator removed `p`. Without accounts, the door recognizes the person
   * by its participant id and its browser (device cookie) only.
   */
  bar(p: Participant): void {
    this.#kicked.add(`p:${p.id}`);
    if (p.device) this.#kicked.add(`d:${p.device}`);
  }

  async setPassword(password: string | null): Promise<void> {
    await this.#password.set(password);
  }

  #isKicked(id: ParticipantId, device: string | null): boolean {
    return this.#kicked.has(`p:${id}`) || (device !== null && this.#kicked.has(`d:${device}`));
  }

  #admit(id: ParticipantId): void {
    const device = this.#lobby.admit(id);
    // Let in by a moderator: forgiven.
    this.#kicked.delete(`p:${id}`);
    if (device) this.#kicked.delete(`d:${device}`);
    this.#core.emit('lobbyLeft', id, 'admitted');
    this.#core.emit('admitted', id);
  }
}
