// Team chat: channels, members and messages. Every change of a channel
// takes the next number of that channel's counter (channels.last_seq,
// bumped under the channel row's lock, so numbers follow commit order) and
// is logged in the same transaction. Live delivery, history and a
// reconnecting client's catch-up all read that one order.
//
// Chat owns the rules (who may read, write, invite, remove, pin...): the
// channels and their members here; messages, calls and attachments in its
// parts (chat.messages, chat.calls, chat.attachments); their SQL in
// store.ts. It never touches sockets: it emits typed events after each
// commit, and the gateway turns them into Socket.IO rooms and emits.
import { CHAT_LIMITS, type ChannelView, type SystemNote } from '@parley/protocol';
import { type UserRow } from '../accounts/Accounts.ts';
import { newId } from '../lib/ids.ts';
import { cleanText, requireName } from '../lib/names.ts';
import { Attachments, type FileRemover } from './attachments.ts';
import { ChannelCalls, type CallFactory } from './calls.ts';
import { ChatCore, channelNotFound, isConversation, moderates, type ChatUnit } from './core.ts';
import { ChatMessages } from './messages.ts';
import type { ChannelRole, ChannelRow, ChatStore, MemberChannelRow } from './store.ts';
import { UserNotFound } from '../accounts/errors.ts';
import { ChannelNameTaken } from './errors.ts';
import { Forbidden, InvalidRequest, OrgNotFound } from '../lib/errors.ts';

/** A system message's English (what clients that do not word notes themselves show). */
function noteText(n: SystemNote): string {
  switch (n.event) {
    case 'joined':
      return `@${n.user} joined the channel.`;
    case 'left':
      return `@${n.user} left the channel.`;
    case 'added':
      return `@${n.user} was added to the channel by @${n.by}.`;
    case 'removed':
      return `@${n.user} was removed from the channel by @${n.by}.`;
  }
}

export type { SendInput } from './batch.ts';
export type { CallFactory } from './calls.ts';
export type { ChatEvents, ChatUnit } from './core.ts';
export { parseMentions } from './messages.ts';

export interface ChatDeps {
  /** Meetings for calls started in channels (none: calls are unavailable). */
  calls?: CallFactory;
  /** Removes attachments' bytes from the drive (after the deleting transaction commits). */
  files?: FileRemover;
}

/** A channel member, for the edge to show (with presence, which only it knows). */
export interface ChannelMember {
  user: UserRow;
  channelRole: ChannelRole;
}

export class Chat extends ChatCore {
  readonly attachments: Attachments;
  readonly messages: ChatMessages;
  readonly calls: ChannelCalls;

  constructor(store: ChatStore, deps: ChatDeps = {}) {
    super(store);
    this.attachments = new Attachments(this, store, deps.files);
    this.messages = new ChatMessages(this, store, this.attachments);
    this.calls = new ChannelCalls(this, store, this.messages, deps.calls);
  }

  // -------------------------------------------------------------- channels

  /** The user's channels in an organization, with unread and mention counts. */
  async channels(userId: string, orgId: string): Promise<ChannelView[]> {
    return this.#views(userId, await this.store.memberChannels(userId, orgId, null));
  }

  /** One channel as its member sees it (access checked first). */
  async channel(userId: string, channelId: string): Promise<ChannelView> {
    const { channel } = await this.access(userId, channelId);
    const [view] = await this.#views(userId, await this.store.memberChannels(userId, channel.org_id, channelId));
    return view!;
  }

  async #views(userId: string, rows: (ChannelRow | MemberChannelRow)[]): Promise<ChannelView[]> {
    const convs = rows.filter((r) => isConversation(r.kind)).map((r) => r.id);
    const people = new Map<string, { id: string; name: string }[]>();
    for (const m of convs.length ? await this.store.conversationMembers(convs) : []) people.set(m.channel_id, [...(people.get(m.channel_id) ?? []), { id: m.id, name: m.name }]);
    return rows.map((r) => {
      const view: ChannelView = { id: r.id, orgId: r.org_id, kind: r.kind, name: r.name, topic: r.topic, lastSeq: r.last_seq, createdAt: r.created_at, createdBy: r.created_by };
      if ('role' in r) Object.assign(view, { role: r.role, lastReadSeq: r.last_read_seq, unread: r.unread, mentions: r.mentions, muted: r.muted ?? false });
      const ps = people.get(r.id);
      if (ps) {
        view.memberIds = ps.map((p) => p.id);
        const others = ps.filter((p) => p.id !== userId);
        view.name = (others.length ? others : ps).map((p) => p.name).join(', ');
      }
      return view;
    });
  }

  /** Mutes or unmutes a channel for its member (CHANNEL_NOT_FOUND / NOT_A_MEMBER otherwise); the channel as they now see it. */
  async mute(userId: string, channelId: string, muted: boolean): Promise<ChannelView> {
    await this.access(userId, channelId);
    await this.store.setMuted(channelId, userId, muted);
    return this.channel(userId, channelId);
  }

  async create(userId: string, p: { orgId: string; name: string; kind: 'public' | 'private'; topic?: string }): Promise<ChannelView> {
    const name = requireName(p.name, 64, 'a channel name');
    const topic = p.topic === undefined ? '' : cleanText(p.topic, 250);
    const id = await this.transaction(async (unit) => {
      const role = await unit.store.orgRole(p.orgId, userId);
      if (!role) throw new OrgNotFound('no such organization');
      if (role === 'external') throw new Forbidden('guests cannot create channels');
      const channelId = await this.insertChannel(unit, { orgId: p.orgId, kind: p.kind, name, topic, createdBy: userId });
      await this.addMembers(unit, channelId, [userId], null, 'admin');
      return channelId;
    });
    const view = await this.channel(userId, id);
    // Members hear of a new public channel (Mattermost lists them in "more channels"; here they are also told).
    if (p.kind === 'public') {
      const { id: cid, orgId, kind, name: cname, topic: ctopic, lastSeq, createdAt, createdBy } = view;
      this.emit('channelCreated', p.orgId, { id: cid, orgId, kind, name: cname, topic: ctopic, lastSeq, createdAt, createdBy });
    }
    return view;
  }

  /** Makes a public or private channel; CHANNEL_NAME_TAKEN when the organization has one of that name. */
  async insertChannel(unit: ChatUnit, p: { orgId: string; kind: 'public' | 'private'; name: string; topic: string; createdBy: string }): Promise<string> {
    const id = newId();
    if (!(await unit.store.insertChannel({ id, ...p, at: Date.now() }))) throw new ChannelNameTaken(`a channel named "${p.name}" exists`);
    return id;
  }

  /** Public channels of the organization the user has not joined (guests see none). */
  async browse(userId: string, orgId: string): Promise<ChannelView[]> {
    const role = await this.store.orgRole(orgId, userId);
    if (!role) throw new OrgNotFound('no such organization');
    if (role === 'external') return [];
    return this.#views(userId, await this.store.publicChannelsWithout(orgId, userId));
  }

  async join(userId: string, channelId: string): Promise<ChannelView> {
    await this.transaction(async (unit) => {
      const { channel, member, orgRole } = await this.access(userId, channelId, { store: unit.store, member: false, lock: true });
      if (member) return;
      if (channel.kind !== 'public' || orgRole === 'external') throw channelNotFound();
      await this.addMembers(unit, channelId, [userId], null);
    });
    return this.channel(userId, channelId);
  }

  /**
   * Adds people to a channel: a system message and a member:joined event for
   * each (existing members are told), and the channel for the newcomers.
   * Returns who was actually added (members already in are skipped).
   */
  async addMembers(unit: ChatUnit, channelId: string, userIds: string[], by: UserRow | null, role: ChannelRole = 'member'): Promise<string[]> {
    const added: string[] = [];
    for (const userId of userIds) {
      if (!(await unit.store.addMember(channelId, userId, role, Date.now()))) continue;
      added.push(userId);
      const user = (await unit.store.user(userId))!;
      await this.#system(unit, channelId, userId, by && by.id !== userId ? { event: 'added', user: user.username, by: by.username } : { event: 'joined', user: user.username });
      await this.append(unit, channelId, { kind: 'member:joined', userId, name: user.name, by: by?.id ?? null });
      // What they see starts here: their own join is already read.
      await unit.store.readToEnd(channelId, userId);
    }
    if (added.length) unit.out.add(() => this.emit('channelAdded', channelId, added));
    return added;
  }

  /** A system message: what happened (each reader's page words it), and its English for other clients. */
  async #system(unit: ChatUnit, channelId: string, authorId: string, note: SystemNote): Promise<void> {
    const seq = await unit.store.nextSeq(channelId);
    const id = newId();
    await unit.store.messages.insertSystemMessage({ id, channelId, seq, authorId, text: noteText(note), note, at: Date.now() });
    await this.append(unit, channelId, { kind: 'message', message: (await unit.store.messages.message(id))! }, seq);
  }

  async leave(userId: string, channelId: string): Promise<void> {
    await this.transaction(async (unit) => {
      const { channel } = await this.access(userId, channelId, { store: unit.store, lock: true });
      if (channel.kind === 'direct') throw new Forbidden('a direct conversation cannot be left');
      await this.#removeMember(unit, channel.id, userId, null);
    });
  }

  async #removeMember(unit: ChatUnit, channelId: string, userId: string, by: UserRow | null): Promise<void> {
    if (!(await unit.store.removeMember(channelId, userId))) return;
    const user = (await unit.store.user(userId))!;
    await this.#system(unit, channelId, userId, by ? { event: 'removed', user: user.username, by: by.username } : { event: 'left', user: user.username });
    await this.append(unit, channelId, { kind: 'member:left', userId, by: by?.id ?? null });
    unit.out.add(() => this.emit('channelRemoved', channelId, [userId]));
  }

  async invite(actorId: string, channelId: string, userIds: string[]): Promise<string[]> {
    return this.transaction(async (unit) => {
      const { channel, orgRole } = await this.access(actorId, channelId, { store: unit.store, lock: true });
      if (orgRole === 'external') throw new Forbidden('guests cannot add people');
      if (isConversation(channel.kind)) throw new Forbidden('conversations keep their members; open a new one');
      const ids = [...new Set(userIds)];
      if ((await unit.store.orgMembersAmong(channel.org_id, ids)).length !== ids.length) throw new UserNotFound('some of these people are not in the organization');
      return this.addMembers(unit, channelId, ids, (await unit.store.user(actorId))!);
    });
  }

  /** Channel admins and organization admins may remove members. */
  async remove(actorId: string, channelId: string, userId: string): Promise<void> {
    await this.transaction(async (unit) => {
      const access = await this.access(actorId, channelId, { store: unit.store, lock: true });
      if (isConversation(access.channel.kind)) throw new Forbidden('conversations keep their members');
      if (!moderates(access)) throw new Forbidden('only channel admins remove members');
      if (!(await unit.store.isMember(channelId, userId))) throw new UserNotFound('not a member of this channel');
      await this.#removeMember(unit, channelId, userId, (await unit.store.user(actorId))!);
    });
  }

  /** Drops a user from every channel of an organization (they left it or were removed). */
  async removeFromOrg(unit: ChatUnit, orgId: string, userId: string, by: UserRow | null): Promise<void> {
    for (const channel of await unit.store.lockMemberChannels(orgId, userId)) await this.#removeMember(unit, channel.id, userId, by);
  }

  /**
   * A member made a guest: out of the organization's channels (a guest is in
   * the channels someone adds it to, not in all it could once see); its
   * direct and group conversations stay, as they would for a guest.
   */
  async removeFromChannelsOnDemotion(unit: ChatUnit, orgId: string, userId: string, by: UserRow): Promise<void> {
    for (const channel of await unit.store.lockMemberChannels(orgId, userId, ['public', 'private'])) await this.#removeMember(unit, channel.id, userId, by);
  }

  /** Adds a newcomer of the organization to these of its channels (those that still exist). */
  async welcome(unit: ChatUnit, channelIds: string[], userId: string): Promise<void> {
    for (const channelId of channelIds) if (await unit.store.lockChannel(channelId)) await this.addMembers(unit, channelId, [userId], null);
  }

  async setRole(actorId: string, channelId: string, userId: string, role: ChannelRole): Promise<void> {
    await this.transaction(async (unit) => {
      const access = await this.access(actorId, channelId, { store: unit.store, lock: true });
      if (isConversation(access.channel.kind)) throw new Forbidden('conversations have no admins');
      if (!moderates(access)) throw new Forbidden('only channel admins change roles');
      if (!(await unit.store.setMemberRole(channelId, userId, role))) throw new UserNotFound('not a member of this channel');
      await this.append(unit, channelId, { kind: 'member:role', userId, role });
    });
  }

  async members(userId: string, channelId: string): Promise<ChannelMember[]> {
    await this.access(userId, channelId);
    return (await this.store.members(channelId)).map(({ channel_role, ...user }) => ({ user, channelRole: channel_role }));
  }

  /** A direct (two people, or oneself) or group conversation; the same people always get the same one. */
  async openDirect(userId: string, orgId: string, userIds: string[]): Promise<ChannelView> {
    const everyone = [...new Set([userId, ...userIds])].sort();
    if (everyone.length > CHAT_LIMITS.groupMembers + 1) throw new InvalidRequest(`at most ${CHAT_LIMITS.groupMembers} others in a group conversation`);
    const id = await this.transaction(async (unit) => {
      const role = await unit.store.orgRole(orgId, userId);
      if (!role) throw new OrgNotFound('no such organization');
      if (role === 'external') throw new Forbidden('guests cannot start conversations');
      if ((await unit.store.orgMembersAmong(orgId, everyone)).length !== everyone.length) throw new UserNotFound('some of these people are not in the organization');
      const kind = everyone.length > 2 ? 'group' : 'direct';
      const conv = await unit.store.conversation({ id: newId(), orgId, kind, key: `${orgId}:${everyone.join(',')}`, createdBy: userId, memberIds: everyone, at: Date.now() });
      if (conv.created) unit.out.add(() => this.emit('channelAdded', conv.id, everyone));
      return conv.id;
    });
    return this.channel(userId, id);
  }

  /** Every channel the user is in, across organizations (the rooms of their sockets). */
  async channelIdsOf(userId: string): Promise<string[]> {
    return this.store.channelIdsOf(userId);
  }
}
