// Invitations as the trust review asked: by address (mailed through the
// outbox, single use, only for that address), listed as pending to
// administrators who revoke or resend them; an open "anyone with the link"
// invitation only for collaborators, with a use cap. Over HTTP, on a real
// PostgreSQL.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { InvitationReply, InvitationView } from '@parley/protocol';
import type { Parley } from '../src/index.ts';
import { authed, emailFor, invited, signup, startChatServer, team } from './chat-helpers.ts';
import { http, rawRequest } from './helpers.ts';

describe('invitations', () => {
  let parley: Parley;
  let base: string;
  beforeAll(async () => {
    parley = await startChatServer();
    base = parley.url;
  });
  afterAll(() => parley.close());

  const mailsTo = (address: string) =>
    parley.chat!.db.query<{ subject: string; body_text: string }>('select subject, body_text from mail_outbox where to_address = $1 order by created_at', [address]);
  const linkIn = (text: string) => /https?:\/\/\S+\/chat\/invite\/([A-Za-z0-9_-]+)/.exec(text)?.[1];
  const invite = (token: string, orgId: string, body: object) => authed<InvitationReply & { error: { code: string; message: string } }>(base, token, 'POST', `/api/orgs/${orgId}/invitations`, body);

  test('an invitation by address is mailed, works once, and only for that address', async () => {
    const { owner, orgId } = await team(base);
    const email = emailFor('Vera');
    const inv = await invite(owner.token, orgId, { role: 'admin', email });
    assert.equal(inv.status, 201);
    assert.equal(inv.body.email, email);
    const [mail] = await mailsTo(email);
    assert.ok(mail, 'the invitation is in the outbox');
    assert.match(mail.subject, /owner invites you to Acme on Parley/);
    assert.match(mail.body_text, /as an administrator/);
    assert.equal(linkIn(mail.body_text), inv.body.token);
    // The sign-up page learns the address only masked.
    const peek = await http<{ email: string; role: string }>(base, 'GET', `/api/invitations/${inv.body.token}`);
    assert.equal(peek.body.role, 'admin');
    assert.equal(peek.body.email, 'v…@example.org');
    // Someone else holding the link: refused before any account is made, and when signed in.
    const thief = await http<{ error: { code: string; message: string } }>(base, 'POST', '/api/auth/signup', {
      email: 'thief@example.org',
      username: 'thief0x',
      name: 'Thief',
      password: 'plum harbour lantern 42',
      invitation: inv.body.token,
    });
    assert.equal(thief.status, 403);
    assert.match(thief.body.error.message, /This invitation is for v…@example\.org/);
    const stranger = await signup(base, 'stranger');
    const taken = await authed<{ error: { code: string } }>(base, stranger.token, 'POST', '/api/invitations/accept', { token: inv.body.token });
    assert.equal(taken.status, 403);
    // Its owner joins as administrator; the link is spent.
    const vera = await signup(base, 'Vera', { invitation: inv.body.token, email });
    assert.equal(vera.orgs[0]!.role, 'admin');
    // Opening her mail's link again leads her into the organization; for anyone else it is spent.
    const again = await authed<{ org: { id: string; role: string } }>(base, vera.token, 'POST', '/api/invitations/accept', { token: inv.body.token });
    assert.equal(again.status, 200);
    assert.equal(again.body.org.role, 'admin');
    assert.equal((await authed(base, stranger.token, 'POST', '/api/invitations/accept', { token: inv.body.token })).status, 410);
    assert.equal((await http(base, 'GET', `/api/invitations/${inv.body.token}`)).status, 410);
  });

  test('administrators and guests are invited by address only; an open link is for collaborators, with a cap', async () => {
    const { owner, orgId } = await team(base);
    for (const body of [
      { role: 'admin' },
      { role: 'admin', open: true, maxUses: 5 },
      { role: 'external', open: true, maxUses: 5, channelIds: ['x'] },
      { role: 'collaborator', open: true },
      { role: 'collaborator', open: true, maxUses: 0 },
      { role: 'collaborator', open: true, maxUses: 501 },
      { role: 'collaborator', open: true, maxUses: 3, email: 'a@example.org' },
      { role: 'collaborator', email: 'a@example.org', maxUses: 3 },
      { role: 'collaborator', open: false, maxUses: 3 },
      { role: 'collaborator', email: 'not an address' },
    ]) {
      const res = await invite(owner.token, orgId, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD', JSON.stringify(body));
    }
    const open = await invite(owner.token, orgId, { role: 'collaborator', open: true, maxUses: 2 });
    assert.equal(open.status, 201);
    assert.equal(open.body.email, null);
    const joined = [await signup(base, 'first', { invitation: open.body.token }), await signup(base, 'second', { invitation: open.body.token })];
    for (const j of joined) assert.equal(j.orgs[0]!.role, 'collaborator');
    const third = await http<{ error: { code: string } }>(base, 'POST', '/api/auth/signup', { email: emailFor('third'), username: 'third0x', name: 'Third', password: 'plum harbour lantern 42', invitation: open.body.token });
    assert.equal(third.status, 410, 'the cap is reached');
    assert.equal(third.body.error.code, 'INVITATION_INVALID');
  });

  test('sign-up is all or nothing: two people racing for the last place of an open link, the loser has no account left behind', async () => {
    const { owner, orgId } = await team(base);
    const open = await invite(owner.token, orgId, { role: 'collaborator', open: true, maxUses: 1 });
    const people = ['racer1', 'racer2'].map((name) => ({ email: emailFor(name), username: `${name}${Date.now().toString(36)}`, name, password: 'plum harbour lantern 42', invitation: open.body.token }));
    const results = await Promise.all(people.map((p) => http<{ error?: { code: string } }>(base, 'POST', '/api/auth/signup', p)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 410]);
    const loser = people[results.findIndex((r) => r.status === 410)]!;
    // The loser's address and username are free: nothing of the failed sign-up stayed.
    const again = await http(base, 'POST', '/api/auth/signup', { ...loser, invitation: undefined, orgName: 'Own Ltd' });
    assert.equal(again.status, 201);
  });

  test('pending invitations are listed to administrators, who revoke and resend them; nobody else sees or touches them', async () => {
    const { owner, orgId, members } = await team(base, ['carla']);
    const email = emailFor('Pia');
    const first = await invite(owner.token, orgId, { role: 'collaborator', email });
    const open = await invite(owner.token, orgId, { role: 'collaborator', open: true, maxUses: 10 });
    const gone = await invite(owner.token, orgId, { role: 'collaborator', email: emailFor('Gone') });
    const list = async () => (await authed<{ invitations: InvitationView[] }>(base, owner.token, 'GET', `/api/orgs/${orgId}/invitations`)).body.invitations;
    const pending = await list();
    assert.deepEqual(pending.map((i) => i.id).sort(), [first.body.id, open.body.id, gone.body.id].sort());
    assert.equal(pending.find((i) => i.id === open.body.id)!.maxUses, 10);
    assert.equal(pending.find((i) => i.id === first.body.id)!.email, email);
    assert.equal(pending.find((i) => i.id === first.body.id)!.createdBy, 'owner');
    assert.ok(!JSON.stringify(pending).includes(first.body.token), 'the list never carries a link');
    // Revoked: off the list, its link refused.
    assert.equal((await authed(base, owner.token, 'DELETE', `/api/orgs/${orgId}/invitations/${gone.body.id}`)).status, 200);
    assert.equal((await http(base, 'GET', `/api/invitations/${gone.body.token}`)).status, 410);
    // Resent: a second mail with a new link; the first link stops working. Not twice in a row.
    const resent = await authed<InvitationReply>(base, owner.token, 'POST', `/api/orgs/${orgId}/invitations/${first.body.id}/resend`);
    assert.equal(resent.status, 200);
    const spam = await authed<{ error: { code: string } }>(base, owner.token, 'POST', `/api/orgs/${orgId}/invitations/${first.body.id}/resend`);
    assert.equal(spam.status, 429);
    assert.equal(spam.body.error.code, 'RATE_LIMITED');
    assert.notEqual(resent.body.token, first.body.token);
    const mails = await mailsTo(email);
    assert.equal(mails.length, 2);
    assert.equal(linkIn(mails[1]!.body_text), resent.body.token);
    assert.equal((await http(base, 'GET', `/api/invitations/${first.body.token}`)).status, 410);
    const pia = await signup(base, 'Pia', { invitation: resent.body.token, email });
    assert.equal(pia.orgs[0]!.id, orgId);
    assert.deepEqual((await list()).map((i) => i.id), [open.body.id], 'used and revoked ones are no longer pending');
    // A collaborator and a stranger: not for them.
    const carla = members[0]!;
    const stranger = await signup(base, 'nosy');
    for (const who of [carla, stranger]) {
      assert.equal((await authed(base, who.token, 'GET', `/api/orgs/${orgId}/invitations`)).status, who === carla ? 403 : 404);
      assert.ok([403, 404].includes((await authed(base, who.token, 'DELETE', `/api/orgs/${orgId}/invitations/${open.body.id}`)).status));
      assert.ok([403, 404].includes((await authed(base, who.token, 'POST', `/api/orgs/${orgId}/invitations/${open.body.id}/resend`)).status));
    }
    // An invitation id of another organization is not found from this one.
    const other = await team(base);
    const theirs = await invite(other.owner.token, other.orgId, { role: 'collaborator', email: emailFor('x') });
    assert.equal((await authed(base, owner.token, 'POST', `/api/orgs/${orgId}/invitations/${theirs.body.id}/resend`)).status, 410);
    assert.equal((await authed(base, owner.token, 'DELETE', `/api/orgs/${orgId}/invitations/${theirs.body.id}`)).status, 410);
    void invited;
  });

  test('the mailed link never takes the Host of the request that made it; the link shown to its maker may', async () => {
    const { owner, orgId } = await team(base);
    const email = emailFor('Hosted');
    const res = await rawRequest(base, 'POST', `/api/orgs/${orgId}/invitations`, { authorization: `Bearer ${owner.token}`, host: 'evil.example' }, { role: 'collaborator', email }, { bodyAfterMs: 100 });
    assert.equal(res.status, 201);
    assert.match(String(res.body.url), /^http:\/\/evil\.example\/chat\/invite\//, 'shown on the address its maker used');
    const [mail] = await mailsTo(email);
    assert.ok(!mail!.body_text.includes('evil.example'), mail!.body_text);
    assert.ok(mail!.body_text.includes(`${base}/chat/invite/`), mail!.body_text);
  });

  test('invitation mails are bounded per administrator', async () => {
    const { owner, orgId } = await team(base);
    const results = [];
    for (let i = 0; i < 52; i++) results.push((await invite(owner.token, orgId, { role: 'collaborator', email: emailFor(`bulk${i}`) })).status);
    assert.deepEqual(results.slice(0, 50), Array(50).fill(201));
    assert.ok(results.slice(50).every((s) => s === 429), JSON.stringify(results.slice(50)));
  });
});
