// Organizations: members and their roles, invitations (by address, mailed;
// or an open link for collaborators), the welcome
// template. Roles: legal representative (the organization's owner), admin,
// collaborator, and external (a guest who sees only the channels of its
// invitation). Admins and legal representatives manage people; only a legal
// representative makes or unmakes another one, and the last one can be
// neither removed nor demoted.
import crypto from 'node:crypto';
import { CHAT_LIMITS, DomainError, TypedEmitter, type InvitationReply, type InvitationView, type InviteBody, type Language, type OrgMemberView, type OrgRole, type OrgView } from '@parley/protocol';
import { newId, sha256, userView, type Accounts, type PreparedSignup, type UserRow } from '../accounts/Accounts.ts';
import type { Chat, Outbox } from '../chat/Chat.ts';
import type { Db, Sql } from '../store/db.ts';
import { requireName } from '../lib/names.ts';
import { queueMail } from '../suite/mail/outbox.ts';

export interface OrgsEvents {
  /** Someone joined (signup with a new organization, or an invitation): Euria welcomes them. */
  memberAdded: [orgId: string, userId: string, role: OrgRole];
  memberRemoved: [orgId: string, userId: string];
  /** A member's role changed (a guest hears nothing organization-wide, a member does). */
  roleChanged: [orgId: string, userId: string, role: OrgRole, previous: OrgRole];
}

interface OrgRow {
  id: string;
  name: string;
  welcome_templates: Partial<Record<Language, string>>;
  created_at: number;
}
interface InvitationRow {
  id: string;
  org_id: string;
  role: 'admin' | 'collaborator' | 'external';
  channel_ids: string[];
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  /** The invited person's address (lower case); null for an open link. */
  email: string | null;
  open: boolean;
  max_uses: number | null;
  uses: number;
  sent_count: number;
}

const MANAGERS: readonly OrgRole[] = ['legal', 'admin'];
/** The channel every (non-guest) member of a new organization starts in. */
export const DEFAULT_CHANNEL = 'general';

export class Orgs extends TypedEmitter<OrgsEvents> {
  readonly #db: Db;
  readonly #chat: Chat;
  /** Bots (Euria) are members of every organization, so they can write to anyone. */
  botIds: string[] = [];

  constructor(db: Db, chat: Chat) {
    super();
    this.#db = db;
    this.#chat = chat;
  }

  /** A new organization: its creator is the legal representative and the admin of its default channel. */
  /** An organization's name as it is kept: something visible, at most 100 characters (INVALID_PAYLOAD otherwise). */
  static orgName(raw: string): string {
    return requireName(raw, 100, "the organization's name");
  }

  async create(userId: string, rawName: string): Promise<OrgView> {
    const name = Orgs.orgName(rawName);
    return this.#chat.transaction((q, out) => this.#create(q, out, userId, name));
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
    return this.#chat.transaction(async (sql, out) => {
      const user = await accounts.insertSignup(sql, prepared);
      if (orgName !== undefined) await this.#create(sql, out, user.id, orgName);
      if (join.invitation !== undefined) await this.#accept(sql, out, user.id, join.invitation);
      return { user, token: await accounts.createSession(user.id, label, sql) };
    });
  }

  async #create(q: Sql, out: Outbox, userId: string, name: string): Promise<OrgView> {
    const id = newId();
    await q.query('insert into orgs (id, name, created_at) values ($1, $2, $3)', [id, name, Date.now()]);
    await q.query(`insert into org_members (org_id, user_id, role, joined_at) values ($1, $2, 'legal', $3)`, [id, userId, Date.now()]);
    for (const bot of this.botIds) await q.query(`insert into org_members (org_id, user_id, role, joined_at) values ($1, $2, 'bot', $3)`, [id, bot, Date.now()]);
    const channelId = await this.#chat.insertChannel(q, { orgId: id, kind: 'public', name: DEFAULT_CHANNEL, topic: 'Everyone in the organization', createdBy: userId });
    await this.#chat.addMembers(q, out, channelId, [userId], null, 'admin');
    await welcomeLater(q, id, userId);
    out.add(() => this.emit('memberAdded', id, userId, 'legal'));
    return { id, name, role: 'legal' as const };
  }

  /** Adds the bots to organizations created before them (first start of a new bot). */
  async addBots(): Promise<void> {
    for (const bot of this.botIds) {
      await this.#db.query(`insert into org_members (org_id, user_id, role, joined_at) select id, $1, 'bot', $2 from orgs on conflict do nothing`, [bot, Date.now()]);
    }
  }

  async forUser(userId: string): Promise<OrgView[]> {
    return this.#db.query<OrgView>('select o.id, o.name, m.role from org_members m join orgs o on o.id = m.org_id where m.user_id = $1 order by m.joined_at', [userId]);
  }

  async role(orgId: string, userId: string, sql: Sql = this.#db): Promise<OrgRole | undefined> {
    const [row] = await sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    return row?.role;
  }

  /** Refuses (ORG_NOT_FOUND, FORBIDDEN) anyone but an administrator or legal representative of `orgId`. */
  async requireManager(actorId: string, orgId: string): Promise<void> {
    await this.#manager(this.#db, orgId, actorId);
  }

  async #manager(sql: Sql, orgId: string, actorId: string): Promise<OrgRole> {
    const role = await this.role(orgId, actorId, sql);
    if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    if (!MANAGERS.includes(role)) throw new DomainError('FORBIDDEN', 'only administrators manage people');
    return role;
  }

  async members(orgId: string, userId: string, online: (userIds: string[]) => Promise<Set<string>> = async () => new Set()): Promise<OrgMemberView[]> {
    const role = await this.role(orgId, userId);
    if (!role) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
    // A guest sees the people of its channels only.
    const rows =
      role === 'external'
        ? await this.#db.query<UserRow & { role: OrgRole }>(
            `select distinct u.*, m.role from org_members m join users u on u.id = m.user_id
              where m.org_id = $1 and (u.id = $2 or u.is_bot or u.id in (
                select cm2.user_id from channel_members cm1 join channel_members cm2 on cm2.channel_id = cm1.channel_id
                  join channels c on c.id = cm1.channel_id where cm1.user_id = $2 and c.org_id = $1))`,
            [orgId, userId],
          )
        : await this.#db.query<UserRow & { role: OrgRole }>('select u.*, m.role from org_members m join users u on u.id = m.user_id where m.org_id = $1 order by lower(u.name) limit 10000', [
            orgId,
          ]);
    const on = await online(rows.map((r) => r.id));
    return rows.map((r) => ({ ...userView(r, on.has(r.id)), role: r.role }));
  }

  /** An invitation link, valid CHAT_LIMITS.invitationDays. Guests' links name their channels and work once. */
  /**
   * Invites one person by address (mailed through the outbox; works once,
   * for an account with that address only), or, for collaborators, anyone
   * with the link up to `maxUses` people. `link` makes the URL a token opens.
   */
  async invite(actorId: string, orgId: string, body: InviteBody, links: InvitationLinks = PLAIN_LINKS): Promise<InvitationReply> {
    return this.#db.tx(async (sql) => {
      await sql.query('select 1 from orgs where id = $1 for update', [orgId]);
      await this.#manager(sql, orgId, actorId);
      const channelIds = [...new Set(body.channelIds ?? [])];
      if (body.open) {
        if (body.role !== 'collaborator') throw new DomainError('INVALID_PAYLOAD', 'Only collaborators may be invited by an open link; invite administrators and guests by their e-mail address.');
        if (body.email !== undefined) throw new DomainError('INVALID_PAYLOAD', 'An open link names no address: leave the e-mail out, or untick "anyone with the link".');
        if (body.maxUses === undefined) throw new DomainError('INVALID_PAYLOAD', 'Say how many people the open link may let in (maxUses).');
      } else {
        if (body.email === undefined) throw new DomainError('INVALID_PAYLOAD', 'Give the e-mail address of the person you invite.');
        if (body.maxUses !== undefined) throw new DomainError('INVALID_PAYLOAD', 'An invitation by address works once: maxUses is for open links.');
      }
      if (body.role === 'external' && channelIds.length === 0) throw new DomainError('INVALID_PAYLOAD', 'A guest invitation names at least one channel.');
      if (body.role !== 'external' && channelIds.length) throw new DomainError('INVALID_PAYLOAD', 'Only guest invitations name channels.');
      if (channelIds.length) {
        const found = await sql.query(`select id from channels where org_id = $1 and id = any($2) and kind in ('public', 'private')`, [orgId, channelIds]);
        if (found.length !== channelIds.length) throw new DomainError('CHANNEL_NOT_FOUND', 'no such channel in this organization');
      }
      const now = Date.now();
      const email = body.email?.trim().toLowerCase() ?? null;
      // A new invitation to the same address replaces the pending one.
      if (email) await sql.query('update invitations set revoked_at = $3 where org_id = $1 and email = $2 and revoked_at is null and used_at is null', [orgId, email, now]);
      const [pending] = await sql.query<{ n: number }>(
        'select count(*)::int as n from invitations where org_id = $1 and revoked_at is null and used_at is null and expires_at > $2 and (not open or uses < max_uses)',
        [orgId, now],
      );
      if (pending!.n >= CHAT_LIMITS.pendingInvitations) {
        throw new DomainError('PLAN_LIMIT', `An organization has at most ${CHAT_LIMITS.pendingInvitations} pending invitations: revoke some before inviting more.`);
      }
      const token = crypto.randomBytes(24).toString('base64url');
      const id = newId();
      const expiresAt = now + CHAT_LIMITS.invitationDays * 24 * 3600_000;
      await sql.query(
        'insert into invitations (id, token_hash, org_id, role, channel_ids, created_by, created_at, expires_at, email, open, max_uses, sent_count) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
        [id, sha256(token), orgId, body.role, JSON.stringify(channelIds), actorId, now, expiresAt, email, body.open === true, body.maxUses ?? null, email ? 1 : 0],
      );
      if (email) await this.#mailInvitation(sql, { id, orgId, actorId, email, role: body.role, token, expiresAt, link: links.mailed, sent: 1 });
      return { id, token, url: links.shown(token), expiresAt, email };
    });
  }

  /** An invitation by address, mailed again with a fresh link (the earlier one stops working) and a fresh expiry. */
  async resendInvitation(actorId: string, orgId: string, invitationId: string, links: InvitationLinks = PLAIN_LINKS): Promise<InvitationReply> {
    return this.#db.tx(async (sql) => {
      await this.#manager(sql, orgId, actorId);
      const [inv] = await sql.query<InvitationRow>('select * from invitations where id = $1 and org_id = $2 for update', [invitationId, orgId]);
      if (!inv || inv.revoked_at !== null || inv.used_at !== null || inv.expires_at <= Date.now()) throw new DomainError('INVITATION_INVALID', 'This invitation is no longer pending: invite the person again.');
      if (!inv.email) throw new DomainError('INVALID_PAYLOAD', 'An open link is not mailed: copy it again, or make a new one.');
      const token = crypto.randomBytes(24).toString('base64url');
      const expiresAt = Date.now() + CHAT_LIMITS.invitationDays * 24 * 3600_000;
      const sent = inv.sent_count + 1;
      await sql.query('update invitations set token_hash = $2, expires_at = $3, sent_count = $4 where id = $1', [inv.id, sha256(token), expiresAt, sent]);
      await this.#mailInvitation(sql, { id: inv.id, orgId, actorId, email: inv.email, role: inv.role, token, expiresAt, link: links.mailed, sent });
      return { id: inv.id, token, url: links.shown(token), expiresAt, email: inv.email };
    });
  }

  async #mailInvitation(
    sql: Sql,
    m: { id: string; orgId: string; actorId: string; email: string; role: InvitationRow['role']; token: string; expiresAt: number; link: (token: string) => string; sent: number },
  ): Promise<void> {
    const [row] = await sql.query<{ org: string; inviter: string }>('select o.name as org, u.name as inviter from orgs o, users u where o.id = $1 and u.id = $2', [m.orgId, m.actorId]);
    const as = m.role === 'admin' ? 'as an administrator' : m.role === 'external' ? 'as a guest, in the channels chosen for you' : 'as a member';
    await queueMail(sql, {
      dedupeKey: `invite:${m.id}:${m.sent}`,
      userId: null,
      to: m.email,
      subject: `${row!.inviter} invites you to ${row!.org} on Parley`,
      text: [
        'Hello,',
        '',
        `${row!.inviter} invites you to join ${row!.org} on Parley ${as}. Open this link to join, with an account for ${m.email}:`,
        m.link(m.token),
        '',
        `The link works once, until ${new Date(m.expiresAt).toUTCString()}. If you did not expect it, ignore this mail.`,
      ].join('\n'),
    });
  }

  /** Pending invitations (not used, revoked or expired), newest first: administrators only. */
  async invitations(actorId: string, orgId: string): Promise<InvitationView[]> {
    await this.#manager(this.#db, orgId, actorId);
    const rows = await this.#db.query<InvitationRow & { created_at: number; by: string }>(
      `select i.*, u.name as by from invitations i join users u on u.id = i.created_by
       where i.org_id = $1 and i.revoked_at is null and i.used_at is null and i.expires_at > $2 and (not i.open or i.uses < i.max_uses)
       order by i.created_at desc limit $3`,
      [orgId, Date.now(), CHAT_LIMITS.pendingInvitations],
    );
    return rows.map((r) => ({
      id: r.id,
      role: r.role,
      email: r.email,
      channelIds: r.channel_ids,
      open: r.open,
      uses: r.uses,
      maxUses: r.max_uses,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      createdBy: r.by,
    }));
  }

  async revokeInvitation(actorId: string, orgId: string, invitationId: string): Promise<void> {
    await this.#manager(this.#db, orgId, actorId);
    const rows = await this.#db.query('update invitations set revoked_at = $3 where id = $1 and org_id = $2 and revoked_at is null returning 1', [invitationId, orgId, Date.now()]);
    if (!rows.length) throw new DomainError('INVITATION_INVALID', 'no such invitation');
  }

  /** What an invitation link leads to, for the sign-up page (nothing for a bad link). */
  async peek(token: string): Promise<{ orgName: string; role: string; email: string | null } | undefined> {
    const [row] = await this.#db.query<InvitationRow & { name: string }>('select i.*, o.name from invitations i join orgs o on o.id = i.org_id where i.token_hash = $1', [
      sha256(token),
    ]);
    if (!row || !usable(row)) return undefined;
    return { orgName: row.name, role: row.role, email: row.email };
  }

  /**
   * Joins the organization of an invitation. An invitation by address
   * works once, for the account with that address; an open one for as many
   * people as it allows. Members keep their role (a second click changes
   * nothing). Guests land in the invitation's channels, everyone else in the
   * default channel.
   */
  async accept(userId: string, token: string): Promise<OrgView> {
    return this.#chat.transaction((sql, out) => this.#accept(sql, out, userId, token));
  }

  async #accept(sql: Sql, out: Outbox, userId: string, token: string): Promise<OrgView> {
    const [found] = await sql.query<InvitationRow>('select * from invitations where token_hash = $1', [sha256(token)]);
    if (!found) throw new DomainError('INVITATION_INVALID', 'This invitation link is unknown, expired or already used. Ask for a new one.');
    // One membership change at a time per organization (two open links accepted at once by one person).
    const [org] = await sql.query<OrgRow>('select * from orgs where id = $1 for update', [found.org_id]);
    const [inv] = await sql.query<InvitationRow>('select * from invitations where id = $1 for update', [found.id]);
    const [user] = await sql.query<UserRow>('select * from users where id = $1', [userId]);
    const existing = await this.role(inv!.org_id, userId, sql);
    // Opening one's own (used) invitation again leads into the organization.
    if (existing && (!inv!.email || inv!.email === user!.email.toLowerCase())) return { id: org!.id, name: org!.name, role: existing };
    if (!inv || !usable(inv)) throw new DomainError('INVITATION_INVALID', 'This invitation link is unknown, expired or already used. Ask for a new one.');
    if (inv.email && user!.email.toLowerCase() !== inv.email) {
      throw new DomainError('FORBIDDEN', `This invitation is for ${maskEmail(inv.email)}. Sign in with the account of that address, or ask for an invitation to yours.`);
    }
    if (existing) return { id: org!.id, name: org!.name, role: existing };
    if (inv.email) await sql.query('update invitations set used_at = $2, uses = uses + 1 where id = $1', [inv.id, Date.now()]);
    else await sql.query('update invitations set uses = uses + 1 where id = $1', [inv.id]);
    await sql.query('insert into org_members (org_id, user_id, role, joined_at) values ($1, $2, $3, $4)', [inv.org_id, userId, inv.role, Date.now()]);
    const channelIds =
      inv.role === 'external'
        ? inv.channel_ids
        : (await sql.query<{ id: string }>(`select id from channels where org_id = $1 and kind = 'public' and lower(name) = $2`, [inv.org_id, DEFAULT_CHANNEL])).map((c) => c.id);
    for (const channelId of channelIds) {
      // Channels deleted since the invitation are skipped.
      const [exists] = await sql.query('select 1 from channels where id = $1 for update', [channelId]);
      if (exists) await this.#chat.addMembers(sql, out, channelId, [userId], null);
    }
    await welcomeLater(sql, inv.org_id, userId);
    out.add(() => this.emit('memberAdded', inv.org_id, userId, inv.role));
    return { id: org!.id, name: org!.name, role: inv.role };
  }

  async setRole(actorId: string, orgId: string, userId: string, role: Exclude<OrgRole, 'bot'>): Promise<void> {
    await this.#chat.transaction(async (sql, out) => {
      // One change of roles at a time per organization: two admins demoting
      // the last two legal representatives at once must not both succeed.
      await sql.query('select 1 from orgs where id = $1 for update', [orgId]);
      const actorRole = await this.#manager(sql, orgId, actorId);
      const current = await this.role(orgId, userId, sql);
      if (!current) throw new DomainError('USER_NOT_FOUND', 'no such member');
      if (current === 'bot') throw new DomainError('FORBIDDEN', 'bots keep their role');
      if ((current === 'legal' || role === 'legal') && actorRole !== 'legal') throw new DomainError('FORBIDDEN', 'only a legal representative appoints or removes one');
      if (current === 'legal' && role !== 'legal') await this.#keepOneLegal(sql, orgId);
      if (current === role) return;
      await sql.query('update org_members set role = $3 where org_id = $1 and user_id = $2', [orgId, userId, role]);
      if (role === 'external') {
        const [actor] = await sql.query<UserRow>('select * from users where id = $1', [actorId]);
        await this.#chat.removeFromChannelsOnDemotion(sql, out, orgId, userId, actor!);
      }
      out.add(() => this.emit('roleChanged', orgId, userId, role, current));
    });
  }

  async #keepOneLegal(sql: Sql, orgId: string): Promise<void> {
    const [row] = await sql.query<{ n: number }>(`select count(*)::int as n from org_members where org_id = $1 and role = 'legal'`, [orgId]);
    if (row!.n <= 1) throw new DomainError('LAST_LEGAL_REPRESENTATIVE', 'the organization keeps at least one legal representative');
  }

  /** Removes a member (or lets one leave): out of every channel of the organization too. */
  async remove(actorId: string, orgId: string, userId: string): Promise<void> {
    await this.#chat.transaction(async (sql, out) => {
      await sql.query('select 1 from orgs where id = $1 for update', [orgId]);
      const actorRole = actorId === userId ? await this.role(orgId, actorId, sql) : await this.#manager(sql, orgId, actorId);
      if (!actorRole) throw new DomainError('ORG_NOT_FOUND', 'no such organization');
      const current = await this.role(orgId, userId, sql);
      if (!current) throw new DomainError('USER_NOT_FOUND', 'no such member');
      if (current === 'bot') throw new DomainError('FORBIDDEN', 'bots stay');
      if (current === 'legal' && actorRole !== 'legal') throw new DomainError('FORBIDDEN', 'only a legal representative removes one');
      if (current === 'legal') await this.#keepOneLegal(sql, orgId);
      const [actor] = await sql.query<UserRow>('select * from users where id = $1', [actorId]);
      await this.#chat.removeFromOrg(sql, out, orgId, userId, actorId === userId ? null : actor!);
      await sql.query('delete from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
      out.add(() => this.emit('memberRemoved', orgId, userId));
    });
  }

  async setWelcomeTemplate(actorId: string, orgId: string, language: Language, template: string | null): Promise<void> {
    await this.#manager(this.#db, orgId, actorId);
    await this.#db.query(
      template === null ? 'update orgs set welcome_templates = welcome_templates - $2 where id = $1' : 'update orgs set welcome_templates = welcome_templates || jsonb_build_object($2::text, $3::text) where id = $1',
      template === null ? [orgId, language] : [orgId, language, template],
    );
  }

  /** What Euria's welcome needs: the newcomer, the organization, its template for their language. */
  async welcomeContext(orgId: string, userId: string, sql: Sql = this.#db): Promise<{ orgName: string; name: string; username: string; language: Language; template: string | null } | undefined> {
    const [row] = await sql.query<OrgRow & { user_name: string; username: string; language: Language }>(
      `select o.*, u.name as user_name, u.username, u.language from orgs o join org_members m on m.org_id = o.id join users u on u.id = m.user_id
        where o.id = $1 and u.id = $2`,
      [orgId, userId],
    );
    if (!row) return undefined;
    return { orgName: row.name, name: row.user_name, username: row.username, language: row.language, template: row.welcome_templates[row.language] ?? null };
  }
}

/** Euria's welcome of a newcomer, in the transaction that adds them (see org/welcome-outbox.ts). */
async function welcomeLater(sql: Sql, orgId: string, userId: string): Promise<void> {
  await sql.query('insert into welcome_outbox (org_id, user_id, created_at) values ($1, $2, $3) on conflict do nothing', [orgId, userId, Date.now()]);
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
