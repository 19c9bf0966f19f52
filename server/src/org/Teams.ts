// Work teams and default channels: what a member of an organization joins.
// A team is a named group of members with the channels it works in: a person
// added to a team joins its channels, a channel added to a team gets its
// members, and an invitation may name teams so a newcomer arrives in them
// (kSuite's work teams). Default channels are the public channels every new
// member joins (Mattermost's; #general until an administrator says
// otherwise). Leaving a team, or a channel leaving it, takes nobody out of a
// channel: people keep what they joined, as in Mattermost.
//
// Administrators and legal representatives manage both; members see the
// teams (to add one to a channel); guests see neither and are never in a team.
import { TEAM_LIMITS, type ChangeTeamBody, type OrgRole, type TeamView } from '@parley/protocol';
import type { UserRow } from '../accounts/Accounts.ts';
import { UserNotFound } from '../accounts/errors.ts';
import type { Chat, ChatUnit } from '../chat/Chat.ts';
import { ChannelNotFound } from '../chat/errors.ts';
import { newId } from '../lib/ids.ts';
import { Forbidden, PlanLimit } from '../lib/errors.ts';
import { requireName } from '../lib/names.ts';
import type { OrgStore } from './store.ts';
import type { TeamStore } from './team-store.ts';
import { OrgNotFound, TeamNameTaken, TeamNotFound } from './errors.ts';

/** Teams' unit of work: its store, the organizations' (roles, the lock), and chat's (channels). */
export interface TeamUnit {
  teams: TeamStore;
  orgs: OrgStore;
  chat: ChatUnit;
}

const MANAGERS: readonly OrgRole[] = ['legal', 'admin'];
/** Who may be in a team: members, not guests or bots. */
const TEAMABLE: readonly OrgRole[] = ['legal', 'admin', 'collaborator'];

export class Teams {
  readonly #orgs: OrgStore;
  readonly #store: TeamStore;
  readonly #chat: Chat;

  constructor(orgs: OrgStore, store: TeamStore, chat: Chat) {
    this.#orgs = orgs;
    this.#store = store;
    this.#chat = chat;
  }

  #transaction<T>(fn: (unit: TeamUnit) => Promise<T>): Promise<T> {
    return this.#chat.transaction((chat) => fn({ teams: this.#store.within(chat.store.sql), orgs: this.#orgs.within(chat.store.sql), chat }));
  }

  /** The organization's teams, by name: members see them (to add one to a channel), guests do not. */
  async list(actorId: string, orgId: string): Promise<TeamView[]> {
    const role = await this.#orgs.role(orgId, actorId);
    if (!role) throw new OrgNotFound('no such organization');
    if (!TEAMABLE.includes(role)) throw new Forbidden('guests do not see the organization’s teams');
    return (await this.#store.teams(orgId)).map((t) => ({ id: t.id, name: t.name, memberIds: t.member_ids, channelIds: t.channel_ids }));
  }

  async create(actorId: string, orgId: string, rawName: string): Promise<TeamView> {
    const name = requireName(rawName, 64, 'a team name');
    return this.#transaction(async ({ teams, orgs }) => {
      await Teams.#manage(orgs, orgId, actorId);
      if ((await teams.count(orgId)) >= TEAM_LIMITS.teams) throw new PlanLimit(`An organization has at most ${TEAM_LIMITS.teams} teams.`);
      if (await teams.nameTaken(orgId, name, null)) throw new TeamNameTaken(`a team named "${name}" exists`);
      const id = newId();
      await teams.insert({ id, orgId, name, at: Date.now() });
      return { id, name, memberIds: [], channelIds: [] };
    });
  }

  /**
   * Renames a team, and takes people and channels in or out, in one
   * transaction. Newcomers join every channel of the team; a new channel
   * gets every member of the team (after this change's own additions).
   */
  async change(actorId: string, orgId: string, teamId: string, body: ChangeTeamBody): Promise<TeamView> {
    const name = body.name === undefined ? undefined : requireName(body.name, 64, 'a team name');
    return this.#transaction(async (unit) => {
      const { teams, orgs, chat } = unit;
      await Teams.#manage(orgs, orgId, actorId);
      const team = await teams.team(orgId, teamId);
      if (!team) throw new TeamNotFound('no such team');
      if (name !== undefined && name !== team.name) {
        if (await teams.nameTaken(orgId, name, teamId)) throw new TeamNameTaken(`a team named "${name}" exists`);
        await teams.rename(teamId, name);
      }
      if (body.removeMembers?.length) await teams.removeMembers(teamId, [...new Set(body.removeMembers)]);
      if (body.removeChannels?.length) await teams.removeChannels(teamId, [...new Set(body.removeChannels)]);
      const actor = (await chat.store.user(actorId))!;
      const newPeople = [...new Set(body.addMembers ?? [])];
      if (newPeople.length) {
        const roles = await chat.store.orgMembersAmong(orgId, newPeople);
        if (roles.length !== newPeople.length || roles.some((r) => !TEAMABLE.includes(r.role))) {
          throw new UserNotFound('some of these people are not members of the organization (guests are never in a team)');
        }
        const added = await teams.addMembers(teamId, newPeople);
        if ((await teams.memberIds(teamId)).length > TEAM_LIMITS.members) throw new PlanLimit(`A team has at most ${TEAM_LIMITS.members} people.`);
        await this.#join(unit, await teams.channelIds(teamId), added, actor);
      }
      const newChannels = [...new Set(body.addChannels ?? [])];
      if (newChannels.length) {
        if ((await chat.store.namedChannelsAmong(orgId, newChannels)).length !== newChannels.length) throw new ChannelNotFound('no such channel in this organization');
        // A private channel is its members' to open: an administrator outside it cannot hand it to a team (and so to themselves).
        if ((await teams.privateChannelsWithout(orgId, newChannels, actorId)).length) throw new ChannelNotFound('no such channel in this organization');
        const added = await teams.addChannels(teamId, newChannels);
        if ((await teams.channelIds(teamId)).length > TEAM_LIMITS.channels) throw new PlanLimit(`A team has at most ${TEAM_LIMITS.channels} channels.`);
        await this.#join(unit, added, await teams.memberIds(teamId), actor);
      }
      return { id: teamId, name: name ?? team.name, memberIds: await teams.memberIds(teamId), channelIds: await teams.channelIds(teamId) };
    });
  }

  /** Deletes a team; its people keep the channels they are in. */
  async delete(actorId: string, orgId: string, teamId: string): Promise<void> {
    await this.#transaction(async ({ teams, orgs }) => {
      await Teams.#manage(orgs, orgId, actorId);
      if (!(await teams.team(orgId, teamId))) throw new TeamNotFound('no such team');
      await teams.delete(teamId);
    });
  }

  /**
   * The members of a team, for adding them all to a channel: anyone of the
   * team's organization but a guest may ask (the channel's own rules are
   * checked when they are added). TEAM_NOT_FOUND for another organization's.
   */
  async memberIdsFor(actorId: string, teamId: string): Promise<{ orgId: string; userIds: string[] }> {
    const team = await this.#store.teamAnywhere(teamId);
    const role = team && (await this.#orgs.role(team.org_id, actorId));
    if (!team || !role || !TEAMABLE.includes(role)) throw new TeamNotFound('no such team');
    return { orgId: team.org_id, userIds: await this.#store.memberIds(teamId) };
  }

  async defaultChannels(actorId: string, orgId: string): Promise<string[]> {
    await Teams.#manage(this.#orgs, orgId, actorId);
    return this.#store.defaultChannels(orgId);
  }

  /** The public channels new members join from now on (people already in the organization are not added). */
  async setDefaultChannels(actorId: string, orgId: string, channelIds: string[]): Promise<string[]> {
    const ids = [...new Set(channelIds)];
    return this.#transaction(async ({ teams, orgs }) => {
      await Teams.#manage(orgs, orgId, actorId);
      if ((await teams.publicChannelsAmong(orgId, ids)).length !== ids.length) throw new ChannelNotFound('default channels are public channels of this organization');
      await teams.setDefaultChannels(orgId, ids);
      return teams.defaultChannels(orgId);
    });
  }

  /**
   * A newcomer arrives (an invitation accepted, inside its transaction):
   * guests get nothing here (their invitation names their channels);
   * members join the default channels, and the invitation's teams (those
   * that still exist) with their channels.
   */
  async arrive(unit: TeamUnit, orgId: string, userId: string, role: OrgRole, teamIds: string[]): Promise<void> {
    if (!TEAMABLE.includes(role)) return;
    const { teams } = unit;
    const channels = new Set(await teams.defaultChannels(orgId));
    for (const teamId of await teams.teamsAmong(orgId, teamIds)) {
      // A team filled up since the invitation: the newcomer gets the default channels, not this team.
      if ((await teams.memberIds(teamId)).length >= TEAM_LIMITS.members) continue;
      await teams.addMembers(teamId, [userId]);
      for (const c of await teams.channelIds(teamId)) channels.add(c);
    }
    await this.#join(unit, [...channels], [userId], null);
  }

  /** Out of the organization's teams (they left it, or became a guest). */
  async leave(unit: TeamUnit, orgId: string, userId: string): Promise<void> {
    await unit.teams.leaveAll(orgId, userId);
  }

  /** These people into these channels (those that still exist), each locked while it changes. */
  async #join(unit: TeamUnit, channelIds: string[], userIds: string[], by: UserRow | null): Promise<void> {
    if (!userIds.length) return;
    for (const channelId of channelIds) if (await unit.chat.store.lockChannel(channelId)) await this.#chat.addMembers(unit.chat, channelId, userIds, by);
  }

  /** Managers only; the organization is locked for the rest of the transaction (one change of its teams at a time). */
  static async #manage(orgs: OrgStore, orgId: string, actorId: string): Promise<void> {
    // Locked first: a demotion at the same moment is either before this check or after the change.
    await orgs.lockOrg(orgId);
    const role = await orgs.role(orgId, actorId);
    if (!role) throw new OrgNotFound('no such organization');
    if (!MANAGERS.includes(role)) throw new Forbidden('only administrators manage teams and default channels');
  }
}
