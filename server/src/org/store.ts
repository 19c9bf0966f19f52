// Organizations' SQL, and nothing else: organizations, their members and
// invitations, and the welcome outbox. The rules are in Orgs.ts.
import type { Language, OrgRole, OrgView } from '@parley/protocol';
import type { UserRow } from '../accounts/Accounts.ts';
import { SqlStore, type Sql } from '../store/db.ts';
import { TeamStore } from './team-store.ts';

export interface OrgRow {
  id: string;
  name: string;
  welcome_templates: Partial<Record<Language, string>>;
  created_at: number;
}
export type InvitedRole = 'admin' | 'collaborator' | 'external';
export interface InvitationRow {
  id: string;
  org_id: string;
  role: InvitedRole;
  channel_ids: string[];
  team_ids: string[];
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  /** The invited person's address (lower case); null for an open link. */
  email: string | null;
  open: boolean;
  max_uses: number | null;
  uses: number;
  sent_count: number;
  created_at: number;
}
export interface NewInvitation {
  id: string;
  tokenHash: string;
  orgId: string;
  role: InvitedRole;
  channelIds: string[];
  teamIds: string[];
  createdBy: string;
  at: number;
  expiresAt: number;
  email: string | null;
  open: boolean;
  maxUses: number | null;
}

/** Pending: neither used, revoked nor expired at $2, and an open link with places left. */
const PENDING = `i.revoked_at is null and i.used_at is null and i.expires_at > $2 and (not i.open or i.uses < i.max_uses)`;

/** Organizations' tables on one database, or inside one of its transactions (another feature's, such as chat's). */
export class OrgStore extends SqlStore<OrgStore> {


  protected on(sql: Sql): OrgStore {
    return new OrgStore(this.db, sql);
  }

  /** Work teams' store on the same database (or transaction). */
  teamStore(): TeamStore {
    return new TeamStore(this.db, this.sql);
  }

  // ---- organizations and members ----

  async insertOrg(id: string, name: string, at: number): Promise<void> {
    await this.sql.query('insert into orgs (id, name, created_at) values ($1, $2, $3)', [id, name, at]);
  }

  /** The organization's row, held until the transaction ends: one membership change at a time per organization. */
  async lockOrg(orgId: string): Promise<OrgRow | undefined> {
    const [row] = await this.sql.query<OrgRow>('select * from orgs where id = $1 for update', [orgId]);
    return row;
  }

  async addMember(orgId: string, userId: string, role: OrgRole, at: number): Promise<void> {
    await this.sql.query('insert into org_members (org_id, user_id, role, joined_at) values ($1, $2, $3, $4)', [orgId, userId, role, at]);
  }

  /** A bot in every organization that does not have it yet. */
  async addBotEverywhere(botId: string, at: number): Promise<void> {
    await this.sql.query(`insert into org_members (org_id, user_id, role, joined_at) select id, $1, 'bot', $2 from orgs on conflict do nothing`, [botId, at]);
  }

  async role(orgId: string, userId: string): Promise<OrgRole | undefined> {
    const [row] = await this.sql.query<{ role: OrgRole }>('select role from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
    return row?.role;
  }

  async setRole(orgId: string, userId: string, role: OrgRole): Promise<void> {
    await this.sql.query('update org_members set role = $3 where org_id = $1 and user_id = $2', [orgId, userId, role]);
  }

  async removeMember(orgId: string, userId: string): Promise<void> {
    await this.sql.query('delete from org_members where org_id = $1 and user_id = $2', [orgId, userId]);
  }

  async countWithRole(orgId: string, role: OrgRole): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>('select count(*)::int as n from org_members where org_id = $1 and role = $2', [orgId, role]);
    return row!.n;
  }

  /** The user's organizations, in the order they joined them. */
  async forUser(userId: string): Promise<OrgView[]> {
    return this.sql.query('select o.id, o.name, m.role from org_members m join orgs o on o.id = m.org_id where m.user_id = $1 order by m.joined_at', [userId]);
  }

  /** Every member with their account, by name. */
  async members(orgId: string): Promise<(UserRow & { role: OrgRole })[]> {
    return this.sql.query('select u.*, m.role from org_members m join users u on u.id = m.user_id where m.org_id = $1 order by lower(u.name) limit 10000', [orgId]);
  }

  /** The members a guest may see: itself, the bots, and the people of its channels. */
  async membersSeenByGuest(orgId: string, guestId: string): Promise<(UserRow & { role: OrgRole })[]> {
    return this.sql.query(
      `select distinct u.*, m.role from org_members m join users u on u.id = m.user_id
        where m.org_id = $1 and (u.id = $2 or u.is_bot or u.id in (
          select cm2.user_id from channel_members cm1 join channel_members cm2 on cm2.channel_id = cm1.channel_id
            join channels c on c.id = cm1.channel_id where cm1.user_id = $2 and c.org_id = $1))`,
      [orgId, guestId],
    );
  }

  async user(userId: string): Promise<UserRow | undefined> {
    const [row] = await this.sql.query<UserRow>('select * from users where id = $1', [userId]);
    return row;
  }

  async setWelcomeTemplate(orgId: string, language: Language, template: string | null): Promise<void> {
    await this.sql.query(
      template === null ? 'update orgs set welcome_templates = welcome_templates - $2 where id = $1' : 'update orgs set welcome_templates = welcome_templates || jsonb_build_object($2::text, $3::text) where id = $1',
      template === null ? [orgId, language] : [orgId, language, template],
    );
  }

  /** The organization and one of its members, for Euria's welcome. */
  async orgAndMember(orgId: string, userId: string): Promise<(OrgRow & { user_name: string; username: string; language: Language }) | undefined> {
    const [row] = await this.sql.query<OrgRow & { user_name: string; username: string; language: Language }>(
      `select o.*, u.name as user_name, u.username, u.language from orgs o join org_members m on m.org_id = o.id join users u on u.id = m.user_id
        where o.id = $1 and u.id = $2`,
      [orgId, userId],
    );
    return row;
  }

  /** Euria's welcome of a newcomer, written with the membership (see org/welcome-outbox.ts). */
  async welcomeLater(orgId: string, userId: string, at: number): Promise<void> {
    await this.sql.query('insert into welcome_outbox (org_id, user_id, created_at) values ($1, $2, $3) on conflict do nothing', [orgId, userId, at]);
  }

  /** The oldest welcome not yet queued, held (and skipped by other nodes' sweeps) until the transaction ends. */
  async claimWelcome(): Promise<{ org_id: string; user_id: string } | undefined> {
    const [row] = await this.sql.query<{ org_id: string; user_id: string }>(
      'select org_id, user_id from welcome_outbox where queued_at is null order by created_at limit 1 for update skip locked',
    );
    return row;
  }

  async welcomeFailed(orgId: string, userId: string): Promise<void> {
    await this.sql.query('update welcome_outbox set attempts = attempts + 1 where org_id = $1 and user_id = $2', [orgId, userId]);
  }

  async welcomeQueued(orgId: string, userId: string, at: number): Promise<void> {
    await this.sql.query('update welcome_outbox set queued_at = $3 where org_id = $1 and user_id = $2', [orgId, userId, at]);
  }

  // ---- invitations ----

  async insertInvitation(i: NewInvitation): Promise<void> {
    await this.sql.query(
      'insert into invitations (id, token_hash, org_id, role, channel_ids, team_ids, created_by, created_at, expires_at, email, open, max_uses, sent_count) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
      [i.id, i.tokenHash, i.orgId, i.role, JSON.stringify(i.channelIds), JSON.stringify(i.teamIds), i.createdBy, i.at, i.expiresAt, i.email, i.open, i.maxUses, i.email ? 1 : 0],
    );
  }

  /** Revokes the pending invitation to this address, if any (a new one replaces it). */
  async revokePendingTo(orgId: string, email: string, at: number): Promise<void> {
    await this.sql.query('update invitations set revoked_at = $3 where org_id = $1 and email = $2 and revoked_at is null and used_at is null', [orgId, email, at]);
  }

  async countPending(orgId: string, now: number): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from invitations i where i.org_id = $1 and ${PENDING}`, [orgId, now]);
    return row!.n;
  }

  /** Pending invitations with their makers' names, newest first. */
  async pending(orgId: string, now: number, limit: number): Promise<(InvitationRow & { by: string })[]> {
    return this.sql.query(
      `select i.*, u.name as by from invitations i join users u on u.id = i.created_by
        where i.org_id = $1 and ${PENDING} order by i.created_at desc limit $3`,
      [orgId, now, limit],
    );
  }

  /** An invitation, by its id (`lock`: held until the transaction ends) or by its token's hash. */
  async invitation(by: { id: string; orgId?: string; lock?: boolean } | { tokenHash: string }): Promise<InvitationRow | undefined> {
    const [row] =
      'tokenHash' in by
        ? await this.sql.query<InvitationRow>('select * from invitations where token_hash = $1', [by.tokenHash])
        : await this.sql.query<InvitationRow>(`select * from invitations where id = $1 and ($2::text is null or org_id = $2)${by.lock ? ' for update' : ''}`, [by.id, by.orgId ?? null]);
    return row;
  }

  /** An invitation and its organization's name, by its token's hash. */
  async invitationWithOrg(tokenHash: string): Promise<(InvitationRow & { name: string }) | undefined> {
    const [row] = await this.sql.query<InvitationRow & { name: string }>('select i.*, o.name from invitations i join orgs o on o.id = i.org_id where i.token_hash = $1', [tokenHash]);
    return row;
  }

  async renewInvitation(id: string, tokenHash: string, expiresAt: number, sentCount: number): Promise<void> {
    await this.sql.query('update invitations set token_hash = $2, expires_at = $3, sent_count = $4 where id = $1', [id, tokenHash, expiresAt, sentCount]);
  }

  /** One more use; an invitation by address is then used up. */
  async useInvitation(id: string, usedUp: boolean, at: number): Promise<void> {
    if (usedUp) await this.sql.query('update invitations set used_at = $2, uses = uses + 1 where id = $1', [id, at]);
    else await this.sql.query('update invitations set uses = uses + 1 where id = $1', [id]);
  }

  async revokeInvitation(id: string, orgId: string, at: number): Promise<boolean> {
    return (await this.sql.query('update invitations set revoked_at = $3 where id = $1 and org_id = $2 and revoked_at is null returning 1', [id, orgId, at])).length > 0;
  }

  /** The organization's and the inviter's names, for an invitation's mail. */
  async inviteNames(orgId: string, inviterId: string): Promise<{ org: string; inviter: string; language: Language } | undefined> {
    const [row] = await this.sql.query<{ org: string; inviter: string; language: Language }>(
      'select o.name as org, u.name as inviter, u.language from orgs o, users u where o.id = $1 and u.id = $2',
      [orgId, inviterId],
    );
    return row;
  }

  /** The directory: members (not guests, not bots) with their contact details; `withHidden`: private entries too. */
  async directory(orgId: string, withHidden: boolean): Promise<DirectoryRow[]> {
    return this.sql.query<DirectoryRow>(
      `select u.id, u.name, u.username, u.email, u.phone, m.role, m.directory_hidden as hidden
         from org_members m join users u on u.id = m.user_id
        where m.org_id = $1 and m.role not in ('external', 'bot') and ($2 or not m.directory_hidden)
        order by lower(u.name), u.id`,
      [orgId, withHidden],
    );
  }

  /** Makes a member's directory entry private (or public again); false if they are no member the directory lists. */
  async setDirectoryHidden(orgId: string, userId: string, hidden: boolean): Promise<boolean> {
    const rows = await this.sql.query(`update org_members set directory_hidden = $3 where org_id = $1 and user_id = $2 and role not in ('external', 'bot') returning 1`, [orgId, userId, hidden]);
    return rows.length > 0;
  }
}

export interface DirectoryRow {
  id: string;
  name: string;
  username: string;
  email: string;
  phone: string;
  role: OrgRole;
  hidden: boolean;
}
