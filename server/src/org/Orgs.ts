// Organizations: members and their roles, invitations (by address, mailed;
// or an open link for collaborators), the welcome
// template. Roles: legal representative (the organization's owner), admin,
// collaborator, and external (a guest who sees only the channels of its
// invitation). Admins and legal representatives manage people; only a legal
// representative makes or unmakes another one, and the last one can be
// neither removed nor demoted.
//
// Its SQL is in store.ts; changes that touch channels run in chat's unit of
// work (Chat.transaction), so the channel events go out after the commit.
import crypto from 'node:crypto';
import { translate } from '@parley/i18n/node';
import { CHAT_LIMITS, TypedEmitter, type InvitationReply, type InvitationView, type InviteBody, type Language, type OrgMemberView, type OrgRole, type OrgView } from '@parley/protocol';
import { userView, type Accounts, type PreparedSignup, type UserRow } from '../accounts/Accounts.ts';
import { newId, sha256 } from '../lib/ids.ts';
import type { Chat, ChatUnit } from '../chat/Chat.ts';
import { requireName } from '../lib/names.ts';
import { queueMail } from '../suite/mail/outbox.ts';
import type { InvitationRow, OrgStore } from './store.ts';
import { UserNotFound } from '../accounts/errors.ts';
import { ChannelNotFound } from '../chat/errors.ts';
import { Forbidden, InvalidRequest, PlanLimit } from '../lib/errors.ts';
import { InvitationInvalid, LastLegalRepresentative, OrgNotFound, TeamNotFound } from './errors.ts';
import { Teams, type TeamUnit } from './Teams.ts';

export interface OrgsEvents {
  /** Someone joined (signup with a new organization, or an invitation): Euria welcomes them. */
  memberAdded: [orgId: string, userId: string, role: OrgRole];
  memberRemoved: [orgId: string, userId: string];
  /** A member's role changed (a guest hears nothing organization-wide, a member does). */
  roleChanged: [orgId: string, userId: string, role: OrgRole, previous: OrgRole];
}

export interface OrgsDeps {
  /** Bots (Euria) are members of every organization, so they can write to anyone. */
  botIds?: string[];
}

/**
 * A change of organizations and channels in one transaction: the
 * organizations' store and chat's unit (whose events go out once it commits).
 */
interface OrgUnit {
  store: OrgStore;
  chat: ChatUnit;
}

const MANAGERS: readonly OrgRole[] = ['legal', 'admin'];
/** The channel every (non-guest) member of a new organization starts in. */
export const DEFAULT_CHANNEL = 'general';
const INVALID_INVITATION = 'This invitation link is unknown, expired or already used. Ask for a new one.';

export class Orgs extends TypedEmitter<OrgsEvents> {
  readonly #store: OrgStore;
  readonly #chat: Chat;
  readonly #botIds: readonly string[];
  /** Work teams and default channels: what members join. */
  readonly teams: Teams;

  constructor(store: OrgStore, chat: Chat, deps: OrgsDeps = {}) {
    super();
    this.#store = store;
    this.#chat = chat;
    this.#botIds = deps.botIds ?? [];
    this.teams = new Teams(store, store.teamStore(), chat);
  }

  /** Runs `fn` in one transaction shared with chat (organizations change channels). */
  #transaction<T>(fn: (unit: OrgUnit) => Promise<T>): Promise<T> {
    return this.#chat.transaction((chat) => fn({ store: this.#store.within(chat.store.sql), chat }));
  }

  /** The same transaction as teams see it. */
  static #teamUnit({ store, chat }: OrgUnit): TeamUnit {
    return { teams: store.teamStore(), orgs: store, chat };
  }

  /** An organization's name as it is kept: something visible, at most 100 characters (INVALID_PAYLOAD otherwise). */
  static orgName(raw: string): string {
    return requireName(raw, 100, "the organization's name");
  }

  /** A new organization: its creator is the legal representative and the admin of its default channel. */
  async create(userId: string, rawName: string): Promise<OrgView> {
    const name = Orgs.orgName(rawName);
    return this.#transaction((unit) => this.#create(unit, userId, name));
  }

  /**
   * A new account with its new organization or its invitation, and its first
   * session, in one transaction: a sign-up whose invitation turns out spent
   * (another took the last place meanwhile) leaves no account behind.
   */
  async signUp(
    accounts: Accounts,
    prepared: PreparedSignup,
    join: { orgName?: string; invitation?: string },
    label: string,
  ): Promise<{ user: UserRow; token: string }> {
    const orgName = join.orgName === undefined ? undefined : Orgs.orgName(join.orgName);
    return this.#transaction(async (unit) => {
      const user = await accounts.insertSignup(unit.store.sql, prepared);
      if (orgName !== undefined) await this.#create(unit, user.id, orgName);
      if (join.invitation !== undefined) await this.#accept(unit, user.id, join.invitation);
      return { user, token: await accounts.createSession(user.id, label, unit.store.sql) };
    });
  }

  async #create({ store, chat }: OrgUnit, userId: string, name: string): Promise<OrgView> {
    const id = newId();
    await store.insertOrg(id, name, Date.now());
    await store.addMember(id, userId, 'legal', Date.now());
    for (const bot of this.#botIds) await store.addMember(id, bot, 'bot', Date.now());
    // The default channel's topic is the organization's text from then on: written in its creator's language.
    const creator = await chat.store.user(userId);
    const topic = translate(creator?.language ?? 'en', 'org.generalTopic');
    const channelId = await this.#chat.insertChannel(chat, { orgId: id, kind: 'public', name: DEFAULT_CHANNEL, topic, createdBy: userId });
    await store.teamStore().setDefaultChannels(id, [channelId]);
    await this.#chat.addMembers(chat, channelId, [userId], null, 'admin');
    await store.welcomeLater(id, userId, Date.now());
    chat.out.add(() => this.emit('memberAdded', id, userId, 'legal'));
    return { id, name, role: 'legal' as const };
  }

  /** Adds the bots to organizations created before them (first start of a new bot). */
  async addBots(): Promise<void> {
    for (const bot of this.#botIds) await this.#store.addBotEverywhere(bot, Date.now());
  }

  async forUser(userId: string): Promise<OrgView[]> {
    return this.#store.forUser(userId);
  }

  async role(orgId: string, userId: string): Promise<OrgRole | undefined> {
    return this.#store.role(orgId, userId);
  }

  /** Refuses (ORG_NOT_FOUND, FORBIDDEN) anyone but an administrator or legal representative of `orgId`. */
  async requireManager(actorId: string, orgId: string): Promise<void> {
    await Orgs.#manager(this.#store, orgId, actorId);
  }

  static async #manager(store: OrgStore, orgId: string, actorId: string): Promise<OrgRole> {
    const role = await store.role(orgId, actorId);
    if (!role) throw new OrgNotFound('no such organization');
    if (!MANAGERS.includes(role)) throw new Forbidden('only administrators manage people');
    return role;
  }

  async members(orgId: string, userId: string, online: (userIds: string[]) => Promise<Set<string>> = async () => new Set()): Promise<OrgMemberView[]> {
    const role = await this.#store.role(orgId, userId);
    if (!role) throw new OrgNotFound('no such organization');
    // A guest sees the people of its channels only.
    const rows = role === 'external' ? await this.#store.membersSeenByGuest(orgId, userId) : await this.#store.members(orgId);
    const on = await online(rows.map((r) => r.id));
    return rows.map((r) => ({ ...userView(r, on.has(r.id)), role: r.role }));
  }

  /**
   * Invites one person by address (mailed through the outbox; works once,
   * for an account with that address only), or, for collaborators, anyone
   * with the link up to `maxUses` people, for CHAT_LIMITS.invitationDays.
   * Guests' invitations name their channels. `links` makes the URLs a token opens.
   */
  async invite(actorId: string, orgId: string, body: InviteBody, links: InvitationLinks = PLAIN_LINKS): Promise<InvitationReply> {
    return this.#transaction(async ({ store, chat }) => {
      await store.lockOrg(orgId);
      await Orgs.#manager(store, orgId, actorId);
      const channelIds = [...new Set(body.channelIds ?? [])];
      const teamIds = [...new Set(body.teamIds ?? [])];
      if (body.open) {
        if (body.role !== 'collaborator') throw new InvalidRequest('Only collaborators may be invited by an open link; invite administrators and guests by their e-mail address.');
        if (body.email !== undefined) throw new InvalidRequest('An open link names no address: leave the e-mail out, or untick "anyone with the link".');
        if (body.maxUses === undefined) throw new InvalidRequest('Say how many people the open link may let in (maxUses).');
      } else {
        if (body.email === undefined) throw new InvalidRequest('Give the e-mail address of the person you invite.');
        if (body.maxUses !== undefined) throw new InvalidRequest('An invitation by address works once: maxUses is for open links.');
      }
      if (body.role === 'external' && channelIds.length === 0) throw new InvalidRequest('A guest invitation names at least one channel.');
      if (body.role !== 'external' && channelIds.length) throw new InvalidRequest('Only guest invitations name channels.');
      if (channelIds.length && (await chat.store.namedChannelsAmong(orgId, channelIds)).length !== channelIds.length) {
        throw new ChannelNotFound('no such channel in this organization');
      }
      if (body.role === 'external' && teamIds.length) throw new InvalidRequest('Guests are never in a team: name their channels instead.');
      if (teamIds.length && (await store.teamStore().teamsAmong(orgId, teamIds)).length !== teamIds.length) throw new TeamNotFound('no such team in this organization');
      const now = Date.now();
      const email = body.email?.trim().toLowerCase() ?? null;
      // A new invitation to the same address replaces the pending one.
      if (email) await store.revokePendingTo(orgId, email, now);
      if ((await store.countPending(orgId, now)) >= CHAT_LIMITS.pendingInvitations) {
        throw new PlanLimit(`An organization has at most ${CHAT_LIMITS.pendingInvitations} pending invitations: revoke some before inviting more.`);
      }
      const token = crypto.randomBytes(24).toString('base64url');
      const id = newId();
      const expiresAt = now + CHAT_LIMITS.invitationDays * 24 * 3600_000;
      await store.insertInvitation({ id, tokenHash: sha256(token), orgId, role: body.role, channelIds, teamIds, createdBy: actorId, at: now, expiresAt, email, open: body.open === true, maxUses: body.maxUses ?? null });
      if (email) await Orgs.#mailInvitation(store, { id, orgId, actorId, email, role: body.role, token, expiresAt, link: links.mailed, sent: 1 });
      return { id, token, url: links.shown(token), expiresAt, email };
    });
  }

  /** An invitation by address, mailed again with a fresh link (the earlier one stops working) and a fresh expiry. */
  async resendInvitation(actorId: string, orgId: string, invitationId: string, links: InvitationLinks = PLAIN_LINKS): Promise<InvitationReply> {
    return this.#store.tx(async (store) => {
      await Orgs.#manager(store, orgId, actorId);
      const inv = await store.invitation({ id: invitationId, orgId, lock: true });
      if (!inv || inv.revoked_at !== null || inv.used_at !== null || inv.expires_at <= Date.now()) throw new InvitationInvalid('This invitation is no longer pending: invite the person again.');
      if (!inv.email) throw new InvalidRequest('An open link is not mailed: copy it again, or make a new one.');
      const token = crypto.randomBytes(24).toString('base64url');
      const expiresAt = Date.now() + CHAT_LIMITS.invitationDays * 24 * 3600_000;
      const sent = inv.sent_count + 1;
      await store.renewInvitation(inv.id, sha256(token), expiresAt, sent);
      await Orgs.#mailInvitation(store, { id: inv.id, orgId, actorId, email: inv.email, role: inv.role, token, expiresAt, link: links.mailed, sent });
      return { id: inv.id, token, url: links.shown(token), expiresAt, email: inv.email };
    });
  }

  static async #mailInvitation(
    store: OrgStore,
    m: { id: string; orgId: string; actorId: string; email: string; role: InvitationRow['role']; token: string; expiresAt: number; link: (token: string) => string; sent: number },
  ): Promise<void> {
    const names = (await store.inviteNames(m.orgId, m.actorId))!;
    // In the inviter's language: the invited person has no account (and so no language) yet.
    const lang = names.language;
    const expires = new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(m.expiresAt);
    await queueMail(store.sql, {
      dedupeKey: `invite:${m.id}:${m.sent}`,
      userId: null,
      to: m.email,
      subject: translate(lang, 'mail.invite.subject', { inviter: names.inviter, org: names.org }),
      text: translate(lang, 'mail.invite.body', { inviter: names.inviter, org: names.org, role: m.role, email: m.email, link: m.link(m.token), expires }),
    });
  }

  /** Pending invitations (not used, revoked or expired), newest first: administrators only. */
  async invitations(actorId: string, orgId: string): Promise<InvitationView[]> {
    await Orgs.#manager(this.#store, orgId, actorId);
    const rows = await this.#store.pending(orgId, Date.now(), CHAT_LIMITS.pendingInvitations);
    return rows.map((r) => ({
      id: r.id,
      role: r.role,
      email: r.email,
      channelIds: r.channel_ids,
      teamIds: r.team_ids,
      open: r.open,
      uses: r.uses,
      maxUses: r.max_uses,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      createdBy: r.by,
    }));
  }

  async revokeInvitation(actorId: string, orgId: string, invitationId: string): Promise<void> {
    await Orgs.#manager(this.#store, orgId, actorId);
    if (!(await this.#store.revokeInvitation(invitationId, orgId, Date.now()))) throw new InvitationInvalid('no such invitation');
  }

  /** What an invitation link leads to, for the sign-up page (nothing for a bad link). */
  async peek(token: string): Promise<{ orgName: string; role: string; email: string | null } | undefined> {
    const row = await this.#store.invitationWithOrg(sha256(token));
    if (!row || !usable(row)) return undefined;
    return { orgName: row.name, role: row.role, email: row.email };
  }

  /**
   * Joins the organization of an invitation. An invitation by address
   * works once, for the account with that address; an open one for as many
   * people as it allows. Members keep their role (a second click changes
   * nothing). Guests land in the invitation's channels, everyone else in the
   * default channels and the invitation's teams.
   */
  async accept(userId: string, token: string): Promise<OrgView> {
    return this.#transaction((unit) => this.#accept(unit, userId, token));
  }

  async #accept({ store, chat }: OrgUnit, userId: string, token: string): Promise<OrgView> {
    const found = await store.invitation({ tokenHash: sha256(token) });
    if (!found) throw new InvitationInvalid(INVALID_INVITATION);
    // One membership change at a time per organization (two open links accepted at once by one person).
    const org = (await store.lockOrg(found.org_id))!;
    const inv = await store.invitation({ id: found.id, lock: true });
    const user = (await store.user(userId))!;
    const existing = await store.role(found.org_id, userId);
    // Opening one's own (used) invitation again leads into the organization.
    if (existing && (!inv?.email || inv.email === user.email.toLowerCase())) return { id: org.id, name: org.name, role: existing };
    if (!inv || !usable(inv)) throw new InvitationInvalid(INVALID_INVITATION);
    if (inv.email && user.email.toLowerCase() !== inv.email) {
      throw new Forbidden(`This invitation is for ${maskEmail(inv.email)}. Sign in with the account of that address, or ask for an invitation to yours.`);
    }
    if (existing) return { id: org.id, name: org.name, role: existing };
    await store.useInvitation(inv.id, inv.email !== null, Date.now());
    await store.addMember(inv.org_id, userId, inv.role, Date.now());
    // Channels and teams deleted since the invitation are skipped.
    if (inv.role === 'external') await this.#chat.welcome(chat, inv.channel_ids, userId);
    else await this.teams.arrive(Orgs.#teamUnit({ store, chat }), inv.org_id, userId, inv.role, inv.team_ids);
    await store.welcomeLater(inv.org_id, userId, Date.now());
    chat.out.add(() => this.emit('memberAdded', inv.org_id, userId, inv.role));
    return { id: org.id, name: org.name, role: inv.role };
  }

  async setRole(actorId: string, orgId: string, userId: string, role: Exclude<OrgRole, 'bot'>): Promise<void> {
    await this.#transaction(async ({ store, chat }) => {
      // One change of roles at a time per organization: two admins demoting
      // the last two legal representatives at once must not both succeed.
      await store.lockOrg(orgId);
      const actorRole = await Orgs.#manager(store, orgId, actorId);
      const current = await store.role(orgId, userId);
      if (!current) throw new UserNotFound('no such member');
      if (current === 'bot') throw new Forbidden('bots keep their role');
      if ((current === 'legal' || role === 'legal') && actorRole !== 'legal') throw new Forbidden('only a legal representative appoints or removes one');
      if (current === 'legal' && role !== 'legal') await Orgs.#keepOneLegal(store, orgId);
      if (current === role) return;
      await store.setRole(orgId, userId, role);
      if (role === 'external') {
        await this.#chat.removeFromChannelsOnDemotion(chat, orgId, userId, (await store.user(actorId))!);
        await this.teams.leave(Orgs.#teamUnit({ store, chat }), orgId, userId);
      }
      chat.out.add(() => this.emit('roleChanged', orgId, userId, role, current));
    });
  }

  static async #keepOneLegal(store: OrgStore, orgId: string): Promise<void> {
    if ((await store.countWithRole(orgId, 'legal')) <= 1) throw new LastLegalRepresentative('the organization keeps at least one legal representative');
  }

  /** Removes a member (or lets one leave): out of every channel of the organization too. */
  async remove(actorId: string, orgId: string, userId: string): Promise<void> {
    await this.#transaction(async ({ store, chat }) => {
      await store.lockOrg(orgId);
      const actorRole = actorId === userId ? await store.role(orgId, actorId) : await Orgs.#manager(store, orgId, actorId);
      if (!actorRole) throw new OrgNotFound('no such organization');
      const current = await store.role(orgId, userId);
      if (!current) throw new UserNotFound('no such member');
      if (current === 'bot') throw new Forbidden('bots stay');
      if (current === 'legal' && actorRole !== 'legal') throw new Forbidden('only a legal representative removes one');
      if (current === 'legal') await Orgs.#keepOneLegal(store, orgId);
      const actor = (await store.user(actorId))!;
      await this.#chat.removeFromOrg(chat, orgId, userId, actorId === userId ? null : actor);
      await this.teams.leave(Orgs.#teamUnit({ store, chat }), orgId, userId);
      await store.removeMember(orgId, userId);
      chat.out.add(() => this.emit('memberRemoved', orgId, userId));
    });
  }

  async setWelcomeTemplate(actorId: string, orgId: string, language: Language, template: string | null): Promise<void> {
    await Orgs.#manager(this.#store, orgId, actorId);
    await this.#store.setWelcomeTemplate(orgId, language, template);
  }

  /** What Euria's welcome needs: the newcomer, the organization, its template for their language. */
  async welcomeContext(orgId: string, userId: string): Promise<WelcomeContext | undefined> {
    return welcomeContext(this.#store, orgId, userId);
  }
}

export interface WelcomeContext {
  orgName: string;
  name: string;
  username: string;
  language: Language;
  template: string | null;
}

/** What Euria's welcome needs, read through `store` (which may be inside a transaction). */
export async function welcomeContext(store: OrgStore, orgId: string, userId: string): Promise<WelcomeContext | undefined> {
  const row = await store.orgAndMember(orgId, userId);
  if (!row) return undefined;
  return { orgName: row.name, name: row.user_name, username: row.username, language: row.language, template: row.welcome_templates[row.language] ?? null };
}

/** What an invitation's links look like: the one shown to its maker, and the one mailed (never from a request's Host). */
export interface InvitationLinks {
  shown: (token: string) => string;
  mailed: (token: string) => string;
}
const PLAIN_LINKS: InvitationLinks = { shown: (t) => t, mailed: (t) => t };

const usable = (inv: InvitationRow): boolean =>
  inv.revoked_at === null && inv.expires_at > Date.now() && inv.used_at === null && (!inv.open || inv.uses < (inv.max_uses ?? 0));

/** An address as said to someone who may not own it: enough to recognize, not to harvest (a…@example.org). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '…' : `${email[0]}…${email.slice(at)}`;
}
