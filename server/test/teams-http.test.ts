// Work teams and default channels over HTTP and the chat socket: the session
// is checked before a body is read, malformed and oversized bodies get
// INVALID_PAYLOAD, members read but do not change, and a whole team added to
// a channel arrives there live. Members (not guests, not other
// organizations) are told of a new public channel. The rules themselves:
// teams.test.ts.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { TEAM_LIMITS, type ChannelView, type TeamView } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { ask, authed, chatSocket, invited, must, signup, startChatServer, team } from './chat-helpers.ts';
import { http } from './helpers.ts';

describe('work teams over HTTP', () => {
  let parley: Parley;
  let base: string;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(() => parley.close());

  test('no session, no answer but 401, whatever the body; malformed and oversized bodies are INVALID_PAYLOAD and change nothing', async () => {
    const { owner, orgId } = await team(base);
    const huge = { name: 'x'.repeat(100_000) };
    for (const [method, url] of [
      ['GET', `/api/orgs/${orgId}/teams`],
      ['POST', `/api/orgs/${orgId}/teams`],
      ['PATCH', `/api/orgs/${orgId}/teams/t1`],
      ['DELETE', `/api/orgs/${orgId}/teams/t1`],
      ['GET', `/api/orgs/${orgId}/default-channels`],
      ['PUT', `/api/orgs/${orgId}/default-channels`],
    ] as const) {
      const res = await http<{ error: { code: string } }>(base, method, url, method === 'GET' || method === 'DELETE' ? undefined : huge);
      assert.equal(res.status, 401, `${method} ${url}`);
    }
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `id${i}`);
    for (const body of [null, 'Ops', [], {}, { name: '' }, { name: 7 }, { name: 'x'.repeat(65) }, { name: 'Ops', extra: 1 }]) {
      const res = await authed<{ error: { code: string } }>(base, owner.token, 'POST', `/api/orgs/${orgId}/teams`, body);
      assert.equal(res.status, 400, `create with ${JSON.stringify(body)}`);
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD');
    }
    const created = await authed<{ team: TeamView }>(base, owner.token, 'POST', `/api/orgs/${orgId}/teams`, { name: 'Ops' });
    assert.equal(created.status, 201);
    const teamUrl = `/api/orgs/${orgId}/teams/${created.body.team.id}`;
    for (const body of [{}, { addMembers: 'u1' }, { addMembers: [7] }, { addMembers: ids(TEAM_LIMITS.perChange + 1) }, { addChannels: ids(TEAM_LIMITS.channels + 1) }, { name: 'x', color: 'red' }, { removeMembers: ['../x'] }]) {
      const res = await authed<{ error: { code: string } }>(base, owner.token, 'PATCH', teamUrl, body);
      assert.equal(res.status, 400, `change with ${JSON.stringify(body).slice(0, 80)}`);
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD');
    }
    for (const body of [{}, { channelIds: 'c' }, { channelIds: ids(TEAM_LIMITS.defaultChannels + 1) }, { channelIds: [], more: true }]) {
      const res = await authed<{ error: { code: string } }>(base, owner.token, 'PUT', `/api/orgs/${orgId}/default-channels`, body);
      assert.equal(res.status, 400, `defaults with ${JSON.stringify(body).slice(0, 80)}`);
    }
    // An id past the router's parameter limit never reaches the handler.
    const long = await authed(base, owner.token, 'PATCH', `/api/orgs/${orgId}/teams/${'z'.repeat(500)}`, { name: 'X' });
    assert.equal(long.status, 414);
    const odd = await authed<{ error: { code: string } }>(base, owner.token, 'PATCH', `/api/orgs/${orgId}/teams/a%20b`, { name: 'X' });
    assert.equal(odd.status, 400);
    const listed = await authed<{ teams: TeamView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/teams`);
    assert.deepEqual(listed.body.teams, [{ id: created.body.team.id, name: 'Ops', memberIds: [], channelIds: [] }]);
  });

  test('members list teams but do not change them; administrators do; a whole team added to a channel arrives live', async () => {
    const { owner, orgId, members } = await team(base, ['ann', 'bob']);
    const [ann, bob] = members as [(typeof members)[0], (typeof members)[0]];
    const created = await authed<{ team: TeamView }>(base, owner.token, 'POST', `/api/orgs/${orgId}/teams`, { name: 'Design' });
    const teamUrl = `/api/orgs/${orgId}/teams/${created.body.team.id}`;
    assert.equal((await authed(base, ann.token, 'PATCH', teamUrl, { addMembers: [ann.user.id] })).status, 403);
    assert.equal((await authed(base, ann.token, 'DELETE', teamUrl)).status, 403);
    assert.equal((await authed(base, ann.token, 'POST', `/api/orgs/${orgId}/teams`, { name: 'Mine' })).status, 403);
    assert.equal((await authed(base, ann.token, 'GET', `/api/orgs/${orgId}/default-channels`)).status, 403);
    const changed = await authed<{ team: TeamView }>(base, owner.token, 'PATCH', teamUrl, { addMembers: [ann.user.id, bob.user.id] });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.body.team.memberIds, [ann.user.id, bob.user.id].sort());
    const seen = await authed<{ teams: TeamView[] }>(base, ann.token, 'GET', `/api/orgs/${orgId}/teams`);
    assert.equal(seen.body.teams[0]!.name, 'Design');
    // A guest sees no teams.
    const guestChannel = (await must<{ channel: ChannelView }>(await chatSocket(base, owner.token), 'channel:create', { orgId, name: 'guests', kind: 'public' })).channel;
    const guest = await invited(base, owner.token, orgId, 'gus', { role: 'external', channelIds: [guestChannel.id] });
    assert.equal((await authed(base, guest.token, 'GET', `/api/orgs/${orgId}/teams`)).status, 403);
    // Ann adds the whole team to her new channel: Bob hears of it on his socket.
    const a = await chatSocket(base, ann.token);
    const b = await chatSocket(base, bob.token);
    try {
      const { channel } = await must<{ channel: ChannelView }>(a, 'channel:create', { orgId, name: 'mockups', kind: 'private' });
      const arrived = new Promise<ChannelView>((resolve) => b.on('chat:channel', ({ channel: c }) => c.id === channel.id && resolve(c)));
      const { added } = await must<{ added: string[] }>(a, 'channel:inviteTeam', { channelId: channel.id, teamId: created.body.team.id });
      assert.deepEqual(added, [bob.user.id]);
      assert.equal((await arrived).name, 'mockups');
      // Someone outside the channel, or a guest, cannot add the team to it.
      const refused = await ask(b, 'channel:inviteTeam', { channelId: guestChannel.id, teamId: created.body.team.id });
      assert.equal(!refused.ok && refused.error.code, 'NOT_A_MEMBER');
      const g = await chatSocket(base, guest.token);
      const byGuest = await ask(g, 'channel:inviteTeam', { channelId: guestChannel.id, teamId: created.body.team.id });
      assert.equal(!byGuest.ok && byGuest.error.code, 'TEAM_NOT_FOUND');
      g.close();
    } finally {
      a.close();
      b.close();
    }
    // Deleted: gone from the list, and its id is TEAM_NOT_FOUND.
    assert.equal((await authed(base, owner.token, 'DELETE', teamUrl)).status, 200);
    assert.equal((await authed<{ error: { code: string } }>(base, owner.token, 'DELETE', teamUrl)).status, 404);
  });

  test('a new public channel is told to the organization’s members, not to its guests nor to other organizations; a private one to nobody', async () => {
    const { owner, orgId, members } = await team(base, ['dana']);
    const outsider = (await team(base)).owner;
    const o = await chatSocket(base, owner.token);
    const { channel: lobby } = await must<{ channel: ChannelView }>(o, 'channel:create', { orgId, name: 'lobby', kind: 'public' });
    const guest = await invited(base, owner.token, orgId, 'gil', { role: 'external', channelIds: [lobby.id] });
    const heard = new Map<string, string[]>();
    const sockets = await Promise.all([members[0]!, guest, outsider].map(async (who) => {
      const s = await chatSocket(base, who.token);
      heard.set(who.user.id, []);
      s.on('chat:channelCreated', ({ channel }) => heard.get(who.user.id)!.push(`${channel.name}:${channel.createdBy}`));
      return s;
    }));
    try {
      await must(o, 'channel:create', { orgId, name: 'secret-plans', kind: 'private' });
      await must(o, 'channel:create', { orgId, name: 'announcements', kind: 'public' });
      const dana = members[0]!.user.id;
      for (let i = 0; i < 100 && heard.get(dana)!.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
      // Anything wrongly sent went out before the public one: it would be here by now.
      assert.deepEqual(heard.get(dana), [`announcements:${owner.user.id}`]);
      assert.deepEqual(heard.get(guest.user.id), []);
      assert.deepEqual(heard.get(outsider.user.id), []);
    } finally {
      o.close();
      for (const s of sockets) s.close();
    }
  });

  test('a team of another organization, though the asker is in both, is no team of this channel', async () => {
    const { owner: alpha, orgId: alphaOrg } = await team(base);
    const beta = await signup(base, 'beta', { orgName: 'Beta' });
    const betaOrg = beta.orgs[0]!.id;
    const inv = await authed<{ token: string }>(base, beta.token, 'POST', `/api/orgs/${betaOrg}/invitations`, { role: 'collaborator', email: alpha.user.email });
    assert.equal((await authed(base, alpha.token, 'POST', '/api/invitations/accept', { token: inv.body.token })).status, 200);
    const betaTeam = await authed<{ team: TeamView }>(base, beta.token, 'POST', `/api/orgs/${betaOrg}/teams`, { name: 'Beta people' });
    await authed(base, beta.token, 'PATCH', `/api/orgs/${betaOrg}/teams/${betaTeam.body.team.id}`, { addMembers: [alpha.user.id] });
    const a = await chatSocket(base, alpha.token);
    try {
      const { channel } = await must<{ channel: ChannelView }>(a, 'channel:create', { orgId: alphaOrg, name: 'alpha-only', kind: 'public' });
      const res = await ask(a, 'channel:inviteTeam', { channelId: channel.id, teamId: betaTeam.body.team.id });
      assert.equal(!res.ok && res.error.code, 'TEAM_NOT_FOUND');
    } finally {
      a.close();
    }
  });
});
