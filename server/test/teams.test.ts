// Work teams and default channels (org/Teams.ts), on PGlite and on a real
// PostgreSQL server: who joins what, who may change it, and what is refused.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError, TEAM_LIMITS } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import type { Chat } from '../src/chat/Chat.ts';
import type { Orgs } from '../src/org/Orgs.ts';
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';

const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

for (const kind of DB_KINDS) {
  describe(`work teams and default channels on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let chat: Chat;
    let orgs: Orgs;

    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      ({ chat, orgs } = chatDomain(db));
    });
    afterAll(() => db.close());

    const user = (name = 'user'): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `${name}-${id}@example.org`, username: `${name}${id}`, name: `${name} ${id}`, password: 'correct horse battery' }, { address: 'test' });
    };
    const join = async (orgId: string, by: string, role: 'admin' | 'collaborator' | 'external', extra: { teamIds?: string[]; channelIds?: string[] } = {}) => {
      const u = await user(role);
      const { token } = await orgs.invite(by, orgId, { role, email: u.email, ...extra });
      await orgs.accept(u.id, token);
      return u;
    };
    const channelNames = async (userId: string, orgId: string) => (await chat.channels(userId, orgId)).map((c) => c.name).sort();
    const org = async () => {
      const owner = await user('owner');
      const o = await orgs.create(owner.id, 'Acme');
      const mk = async (name: string, kind: 'public' | 'private' = 'public') => (await chat.create(owner.id, { orgId: o.id, name, kind })).id;
      return { owner, orgId: o.id, mk };
    };

    test('a new organization has #general as its default channel; the defaults an administrator sets are what newcomers join', async () => {
      const { owner, orgId, mk } = await org();
      const [general] = await orgs.teams.defaultChannels(owner.id, orgId);
      assert.ok(general);
      const first = await join(orgId, owner.id, 'collaborator');
      assert.deepEqual(await channelNames(first.id, orgId), ['general']);
      const news = await mk('news');
      const help = await mk('help');
      await mk('random');
      const set = await orgs.teams.setDefaultChannels(owner.id, orgId, [news, help, news]);
      assert.deepEqual(set.sort(), [help, news].sort());
      const second = await join(orgId, owner.id, 'collaborator');
      assert.deepEqual(await channelNames(second.id, orgId), ['help', 'news']);
      // People already in are not added; a guest gets only its invitation's channels.
      assert.deepEqual(await channelNames(first.id, orgId), ['general']);
      const guest = await join(orgId, owner.id, 'external', { channelIds: [help] });
      assert.deepEqual(await channelNames(guest.id, orgId), ['help']);
    });

    test('default channels are public channels of the organization, set by administrators only', async () => {
      const { owner, orgId, mk } = await org();
      const secret = await mk('secret', 'private');
      const other = await org();
      const elsewhere = await other.mk('elsewhere');
      await assert.rejects(orgs.teams.setDefaultChannels(owner.id, orgId, [secret]), code('CHANNEL_NOT_FOUND'));
      await assert.rejects(orgs.teams.setDefaultChannels(owner.id, orgId, [elsewhere]), code('CHANNEL_NOT_FOUND'));
      await assert.rejects(orgs.teams.setDefaultChannels(owner.id, orgId, ['no-such-id']), code('CHANNEL_NOT_FOUND'));
      const member = await join(orgId, owner.id, 'collaborator');
      const guest = await join(orgId, owner.id, 'external', { channelIds: [secret] });
      for (const who of [member, guest]) {
        await assert.rejects(orgs.teams.setDefaultChannels(who.id, orgId, []), code('FORBIDDEN'));
        await assert.rejects(orgs.teams.defaultChannels(who.id, orgId), code('FORBIDDEN'));
      }
      await assert.rejects(orgs.teams.setDefaultChannels(other.owner.id, orgId, []), code('ORG_NOT_FOUND'));
      // None at all is allowed: newcomers then start with nothing but their teams.
      assert.deepEqual(await orgs.teams.setDefaultChannels(owner.id, orgId, []), []);
      const bare = await join(orgId, owner.id, 'collaborator');
      assert.deepEqual(await channelNames(bare.id, orgId), []);
    });

    test("a team's members join its channels, its new channels get its members, and an invitation naming it brings the newcomer in", async () => {
      const { owner, orgId, mk } = await org();
      const design = await mk('design');
      const sprint = await mk('sprint', 'private');
      const ann = await join(orgId, owner.id, 'collaborator');
      const bob = await join(orgId, owner.id, 'collaborator');
      const team = await orgs.teams.create(owner.id, orgId, 'Product');
      const withAnn = await orgs.teams.change(owner.id, orgId, team.id, { addMembers: [ann.id], addChannels: [design] });
      assert.deepEqual(withAnn.memberIds, [ann.id]);
      assert.deepEqual(await channelNames(ann.id, orgId), ['design', 'general']);
      // A new member joins every channel of the team, a new channel (private too) gets every member.
      await orgs.teams.change(owner.id, orgId, team.id, { addMembers: [bob.id] });
      assert.deepEqual(await channelNames(bob.id, orgId), ['design', 'general']);
      await orgs.teams.change(owner.id, orgId, team.id, { addChannels: [sprint] });
      assert.deepEqual(await channelNames(ann.id, orgId), ['design', 'general', 'sprint']);
      assert.deepEqual(await channelNames(bob.id, orgId), ['design', 'general', 'sprint']);
      // The channel says who added them.
      const history = await chat.messages.history(ann.id, sprint);
      assert.ok(history.messages.some((m) => m.note?.event === 'added' && m.note.user === ann.username && m.note.by === owner.username));
      // An invitation naming the team: the newcomer is in it, with its channels and the defaults.
      const cleo = await join(orgId, owner.id, 'collaborator', { teamIds: [team.id] });
      assert.deepEqual(await channelNames(cleo.id, orgId), ['design', 'general', 'sprint']);
      const [listed] = await orgs.teams.list(ann.id, orgId);
      assert.deepEqual(listed!.memberIds, [ann.id, bob.id, cleo.id].sort());
      assert.deepEqual(listed!.channelIds, [design, sprint].sort());
      // Out of the team, or the channel out of it: nobody leaves a channel.
      await orgs.teams.change(owner.id, orgId, team.id, { removeMembers: [bob.id], removeChannels: [design] });
      assert.deepEqual(await channelNames(bob.id, orgId), ['design', 'general', 'sprint']);
      const after = (await orgs.teams.list(owner.id, orgId))[0]!;
      assert.deepEqual(after.memberIds, [ann.id, cleo.id].sort());
      assert.deepEqual(after.channelIds, [sprint]);
      // Leaving the organization, or becoming a guest, takes them out of its teams.
      await orgs.setRole(owner.id, orgId, cleo.id, 'external');
      await orgs.remove(owner.id, orgId, ann.id);
      assert.deepEqual((await orgs.teams.list(owner.id, orgId))[0]!.memberIds, []);
      // Deleting the team keeps everyone in its channels.
      await orgs.teams.delete(owner.id, orgId, team.id);
      assert.deepEqual(await orgs.teams.list(owner.id, orgId), []);
      assert.deepEqual(await channelNames(bob.id, orgId), ['design', 'general', 'sprint']);
    });

    test('a whole team is added to a channel by any member; later team members are not', async () => {
      const { owner, orgId, mk } = await org();
      const ann = await join(orgId, owner.id, 'collaborator');
      const bob = await join(orgId, owner.id, 'collaborator');
      const team = await orgs.teams.create(owner.id, orgId, 'Sales');
      await orgs.teams.change(owner.id, orgId, team.id, { addMembers: [ann.id, bob.id] });
      const deals = (await chat.create(ann.id, { orgId, name: 'deals', kind: 'private' })).id;
      const { userIds } = await orgs.teams.memberIdsFor(ann.id, team.id);
      assert.deepEqual((await chat.invite(ann.id, deals, userIds)).sort(), [bob.id]);
      assert.ok((await channelNames(bob.id, orgId)).includes('deals'));
      // A guest, or someone of another organization, learns nothing of the team.
      const guest = await join(orgId, owner.id, 'external', { channelIds: [await mk('lobby')] });
      const stranger = (await org()).owner;
      await assert.rejects(orgs.teams.memberIdsFor(guest.id, team.id), code('TEAM_NOT_FOUND'));
      await assert.rejects(orgs.teams.memberIdsFor(stranger.id, team.id), code('TEAM_NOT_FOUND'));
      await assert.rejects(orgs.teams.list(guest.id, orgId), code('FORBIDDEN'));
      await assert.rejects(orgs.teams.list(stranger.id, orgId), code('ORG_NOT_FOUND'));
    });

    test('only administrators change teams; names are unique and visible; guests, strangers and other organizations’ ids are refused, and a refused change changes nothing', async () => {
      const { owner, orgId, mk } = await org();
      const chan = await mk('ops');
      const member = await join(orgId, owner.id, 'collaborator');
      const guest = await join(orgId, owner.id, 'external', { channelIds: [chan] });
      const other = await org();
      const foreignChannel = await other.mk('theirs');
      const foreignTeam = await orgs.teams.create(other.owner.id, other.orgId, 'Theirs');
      const team = await orgs.teams.create(owner.id, orgId, 'Ops');
      await assert.rejects(orgs.teams.create(owner.id, orgId, 'ops'), code('TEAM_NAME_TAKEN'));
      await assert.rejects(orgs.teams.create(owner.id, orgId, '\u202e\u200b '), code('INVALID_PAYLOAD'));
      await assert.rejects(orgs.teams.create(member.id, orgId, 'Mine'), code('FORBIDDEN'));
      await assert.rejects(orgs.teams.create(other.owner.id, orgId, 'Intruders'), code('ORG_NOT_FOUND'));
      await assert.rejects(orgs.teams.change(member.id, orgId, team.id, { name: 'X' }), code('FORBIDDEN'));
      await assert.rejects(orgs.teams.delete(member.id, orgId, team.id), code('FORBIDDEN'));
      await assert.rejects(orgs.teams.change(owner.id, orgId, foreignTeam.id, { name: 'Mine now' }), code('TEAM_NOT_FOUND'));
      await assert.rejects(orgs.teams.delete(owner.id, orgId, foreignTeam.id), code('TEAM_NOT_FOUND'));
      // All or nothing: a good member beside a guest, a stranger or a bot; a good channel beside another organization's.
      for (const bad of [guest.id, other.owner.id, 'no-such-user']) {
        await assert.rejects(orgs.teams.change(owner.id, orgId, team.id, { name: 'Renamed', addMembers: [member.id, bad] }), code('USER_NOT_FOUND'));
      }
      await assert.rejects(orgs.teams.change(owner.id, orgId, team.id, { addMembers: [member.id], addChannels: [chan, foreignChannel] }), code('CHANNEL_NOT_FOUND'));
      // A private channel an administrator is not in cannot be handed to a team (and so to them).
      const secret = (await chat.create(member.id, { orgId, name: 'members-only', kind: 'private' })).id;
      await assert.rejects(orgs.teams.change(owner.id, orgId, team.id, { addMembers: [owner.id], addChannels: [secret] }), code('CHANNEL_NOT_FOUND'));
      assert.ok(!(await channelNames(owner.id, orgId)).includes('members-only'));
      const [unchanged] = await orgs.teams.list(owner.id, orgId);
      assert.deepEqual(unchanged, { id: team.id, name: 'Ops', memberIds: [], channelIds: [] });
      assert.ok(!(await channelNames(member.id, orgId)).includes('ops'));
      // Invitations name teams of their own organization, for members only.
      await assert.rejects(orgs.invite(owner.id, orgId, { role: 'collaborator', email: 'x@example.org', teamIds: [foreignTeam.id] }), code('TEAM_NOT_FOUND'));
      await assert.rejects(orgs.invite(owner.id, orgId, { role: 'external', email: 'y@example.org', channelIds: [chan], teamIds: [team.id] }), code('INVALID_PAYLOAD'));
      // A second team of another name is fine; renaming onto a taken name is not.
      const second = await orgs.teams.create(owner.id, orgId, 'Support');
      await assert.rejects(orgs.teams.change(owner.id, orgId, second.id, { name: 'OPS' }), code('TEAM_NAME_TAKEN'));
      assert.equal((await orgs.teams.change(owner.id, orgId, second.id, { name: 'Support' })).name, 'Support');
    });

    test(`a team holds at most ${TEAM_LIMITS.channels} channels`, async () => {
      const { owner, orgId, mk } = await org();
      const team = await orgs.teams.create(owner.id, orgId, 'Big');
      const ids: string[] = [];
      for (let i = 0; i <= TEAM_LIMITS.channels; i += 1) ids.push(await mk(`c${i}`));
      await orgs.teams.change(owner.id, orgId, team.id, { addChannels: ids.slice(0, TEAM_LIMITS.channels) });
      await assert.rejects(orgs.teams.change(owner.id, orgId, team.id, { addChannels: [ids.at(-1)!] }), code('PLAN_LIMIT'));
      assert.equal((await orgs.teams.list(owner.id, orgId))[0]!.channelIds.length, TEAM_LIMITS.channels);
    });
  });
}
