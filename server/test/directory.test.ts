// The organization's directory over HTTP: made from the membership as it is
// (a colleague who leaves is gone from it), each person's own name, e-mail
// address and phone, private entries that only administrators see, no
// guests in it nor reading it, no export; and a person's own phone and
// e-mail address, the address changed only with the account password.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AuthReply, ChatStateReply, DirectoryEntryView, MeView } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { authed, chatSocket, invited, must, signup, startChatServer, team } from './chat-helpers.ts';
import { http } from './helpers.ts';

type Err = { error: { code: string; message: string } };

describe('the organization directory', () => {
  let parley: Parley;
  let base: string;
  let owner: AuthReply;
  let ann: AuthReply;
  let guest: AuthReply;
  let orgId: string;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
    const t = await team(base, ['ann']);
    [owner, ann, orgId] = [t.owner, t.members[0]!, t.orgId];
    const socket = await chatSocket(base, owner.token);
    const general = (await must<ChatStateReply>(socket, 'chat:state', {})).channels.find((c) => c.name === 'general')!;
    socket.close();
    guest = await invited(base, owner.token, orgId, 'gus', { role: 'external', channelIds: [general.id] });
  });
  afterAll(() => parley.close());
  const directory = async (who: AuthReply) => authed<{ entries: DirectoryEntryView[] } & Partial<Err>>(base, who.token, 'GET', `/api/orgs/${orgId}/directory`);

  test('members, with the phone each set, no guests; guests and strangers cannot read it; one leaving is gone from it', async () => {
    const phone = await authed<{ user: MeView }>(base, owner.token, 'PATCH', '/api/me', { phone: ' +41 44 123 45 67 ' });
    assert.equal(phone.body.user.phone, '+41 44 123 45 67');
    for (const bad of ['call me', '1'.repeat(41), '+41\u0000', 12345]) assert.equal((await authed<Err>(base, owner.token, 'PATCH', '/api/me', { phone: bad })).status, 400, String(bad));
    const seen = await directory(ann);
    assert.equal(seen.status, 200);
    assert.deepEqual(
      seen.body.entries.map((e) => [e.username, e.phone, e.role]).sort(),
      [
        [ann.user.username, '', 'collaborator'],
        [owner.user.username, '+41 44 123 45 67', 'legal'],
      ].sort(),
    );
    assert.ok(seen.body.entries.every((e) => e.hidden === undefined), 'members are not told which entries are private');
    const byGuest = await directory(guest);
    assert.deepEqual([byGuest.status, byGuest.body.error?.code], [403, 'FORBIDDEN']);
    const stranger = await signup(base, 'stan', { orgName: 'Elsewhere' });
    assert.deepEqual([(await directory(stranger)).status, (await directory(stranger)).body.error?.code], [404, 'ORG_NOT_FOUND']);
    assert.equal((await http(base, 'GET', `/api/orgs/${orgId}/directory`)).status, 401);
    // Not exportable: there is no route for it.
    assert.equal((await authed(base, owner.token, 'GET', `/api/orgs/${orgId}/directory/export`)).status, 404);

    const cid = await invited(base, owner.token, orgId, 'cid');
    assert.ok((await directory(ann)).body.entries.some((e) => e.id === cid.user.id), 'a newcomer is in it at once');
    assert.equal((await authed(base, owner.token, 'DELETE', `/api/orgs/${orgId}/members/${cid.user.id}`)).status, 200);
    assert.ok(!(await directory(ann)).body.entries.some((e) => e.id === cid.user.id), 'one who left is gone from it');
  });

  test('administrators make an entry private: members no longer see it, administrators see it marked; nobody else can', async () => {
    const byMember = await authed<Err>(base, ann.token, 'PUT', `/api/orgs/${orgId}/directory/${owner.user.id}`, { hidden: true });
    assert.deepEqual([byMember.status, byMember.body.error.code], [403, 'FORBIDDEN']);
    assert.equal((await authed(base, owner.token, 'PUT', `/api/orgs/${orgId}/directory/${ann.user.id}`, { hidden: true })).status, 200);
    assert.ok(!(await directory(ann)).body.entries.some((e) => e.id === ann.user.id));
    assert.deepEqual(
      (await directory(owner)).body.entries.find((e) => e.id === ann.user.id),
      { id: ann.user.id, name: ann.user.name, username: ann.user.username, email: ann.user.email, phone: '', role: 'collaborator', hidden: true },
    );
    // Guests are not in the directory, so not made private either; ids of nobody, or malformed bodies, are refused.
    const onGuest = await authed<Err>(base, owner.token, 'PUT', `/api/orgs/${orgId}/directory/${guest.user.id}`, { hidden: true });
    assert.deepEqual([onGuest.status, onGuest.body.error.code], [404, 'USER_NOT_FOUND']);
    for (const body of [{}, { hidden: 'yes' }, { hidden: true, extra: 1 }, null]) assert.equal((await authed(base, owner.token, 'PUT', `/api/orgs/${orgId}/directory/${ann.user.id}`, body)).status, 400, JSON.stringify(body));
    assert.equal((await authed(base, owner.token, 'PUT', `/api/orgs/${orgId}/directory/..%2F..`, { hidden: true })).status, 400);
    assert.equal((await authed(base, owner.token, 'PUT', `/api/orgs/${orgId}/directory/${ann.user.id}`, { hidden: false })).status, 200);
    assert.ok((await directory(ann)).body.entries.some((e) => e.id === ann.user.id));
  });

  test('one’s e-mail address changes with the account password only, never to another account’s; the new one signs in', async () => {
    const wrong = await authed<Err>(base, ann.token, 'PUT', '/api/me/email', { email: 'ann.new@example.org', password: 'not my password' });
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'INVALID_CREDENTIALS']);
    const taken = await authed<Err>(base, ann.token, 'PUT', '/api/me/email', { email: owner.user.email.toUpperCase(), password: 'correct horse battery' });
    assert.deepEqual([taken.status, taken.body.error.code], [409, 'EMAIL_TAKEN']);
    for (const body of [{ email: 'no-at-sign', password: 'x' }, { email: 'a@b.c' }, { email: `${'a'.repeat(250)}@example.org`, password: 'x' }]) assert.equal((await authed(base, ann.token, 'PUT', '/api/me/email', body)).status, 400);
    assert.equal((await http(base, 'PUT', '/api/me/email', { email: 'x@example.org', password: 'x' })).status, 401);
    const done = await authed<{ user: MeView }>(base, ann.token, 'PUT', '/api/me/email', { email: 'Ann.New@Example.org', password: 'correct horse battery' });
    assert.equal(done.body.user.email, 'ann.new@example.org');
    assert.equal((await http(base, 'POST', '/api/auth/login', { login: 'ann.new@example.org', password: 'correct horse battery' })).status, 200);
    assert.equal((await directory(owner)).body.entries.find((e) => e.id === ann.user.id)!.email, 'ann.new@example.org');
  });
});
