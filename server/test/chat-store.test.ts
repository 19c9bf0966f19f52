// The store contract: accounts, organizations and chat on PGlite and on a
// real PostgreSQL server, the same tests on both.
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DomainError, type ChannelEvent } from '@parley/protocol';
import { Accounts, type UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import type { Db } from '../src/store/db.ts';
import { loadMigrations, migrate } from '../src/store/migrate.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';
import type { CallFactory, Chat } from '../src/chat/Chat.ts';
import { SEND_READ_SQL, SEND_WRITE_SQL } from '../src/chat/store.ts';
import type { Orgs } from '../src/org/Orgs.ts';

const code = (c: string) => (e: unknown) => e instanceof DomainError && e.code === c;
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

for (const kind of DB_KINDS) {
  describe(`chat store on ${kind}`, () => {
    let db: Db;
    let accounts: Accounts;
    let chat: Chat;
    let orgs: Orgs;
    const events: ChannelEvent[] = [];
    const notes: [string, string][] = [];

    /** Meetings for calls from channels: each call its own id. */
    const calls: CallFactory = { create: async () => ({ meetingId: `meet${uniq()}`, url: 'http://x/m/1', moderatorToken: 'tok' }) };

    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
      ({ chat, orgs } = chatDomain(db, { chat: { calls } }));
      chat.on('event', (e) => events.push(e));
      chat.on('notify', (userId, note) => notes.push([userId, note.messageId]));
    });
    afterAll(() => db.close());

    const user = (name = 'user'): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `${name}-${id}@example.org`, username: `${name}${id}`, name: `${name} ${id}`, password: 'correct horse battery' }, { address: 'test' });
    };
    /** An organization with its legal representative and a collaborator, both in #general. */
    const team = async () => {
      const owner = await user('owner');
      const org = await orgs.create(owner.id, 'Acme');
      const member = await user('member');
      const { token } = await orgs.invite(owner.id, org.id, { role: 'collaborator', email: member.email });
      await orgs.accept(member.id, token);
      const general = (await chat.channels(owner.id, org.id)).find((c) => c.name === 'general')!;
      return { owner, member, org, general };
    };

    test('migrations are versioned and applied once, even by two migrators at once', async () => {
      assert.deepEqual(await migrate(db), []);
      const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
      assert.deepEqual(rows.map((r) => r.version), loadMigrations().map((m) => m.version));
      const other = await testDb(kind); // already migrated once
      try {
        assert.deepEqual(await Promise.all([migrate(other), migrate(other)]), [[], []]);
      } finally {
        await other.close();
      }
    });

    test('sign up, log in, sessions that end by revocation', async () => {
      const u = await user('ann');
      await assert.rejects(accounts.signup({ email: u.email.toUpperCase(), username: `x${uniq()}`, name: 'x', password: 'whatever123' }, { address: 'test' }), code('EMAIL_TAKEN'));
      await assert.rejects(accounts.signup({ email: `y${uniq()}@example.org`, username: u.username.toUpperCase(), name: 'y', password: 'whatever123' }, { address: 'test' }), code('USERNAME_TAKEN'));
      assert.ok(u.password_hash?.startsWith('scrypt$'));
      assert.ok(!u.password_hash!.includes('correct horse'));
      const { token } = await accounts.login(u.username, 'correct horse battery', 'addr-1');
      const session = await accounts.authenticate(token);
      assert.equal(session?.user.id, u.id);
      await assert.rejects(accounts.login(u.email, 'wrong password', 'addr-1'), code('INVALID_CREDENTIALS'));
      await assert.rejects(accounts.login('nobody-at-all', 'wrong password', 'addr-1'), code('INVALID_CREDENTIALS'));
      await accounts.revokeSession(session!.sessionId);
      assert.equal(await accounts.authenticate(token), undefined);
      assert.equal(await accounts.authenticate('x'.repeat(43)), undefined);
      assert.equal(await accounts.authenticate({ token }), undefined);
    });

    test('logins are rate-limited per login name and address; a guesser does not lock the owner out', async () => {
      const u = await user('flood');
      for (let i = 0; i < 5; i++) await assert.rejects(accounts.login(u.username, `wrong ${i}`, 'guesser'), code('INVALID_CREDENTIALS'));
      // Even the right password waits now, from the guesser's address...
      await assert.rejects(accounts.login(u.username, 'correct horse battery', 'guesser'), code('RATE_LIMITED'));
      // ...not from the owner's (the account was made from it).
      assert.equal((await accounts.login(u.username, 'correct horse battery', 'test')).user.id, u.id);
    });

    test('an organization: legal representative, invitations, roles, the last legal representative stays', async () => {
      const { owner, member, org, general } = await team();
      assert.equal(general.role, 'admin');
      assert.deepEqual((await orgs.forUser(member.id)).map((o) => [o.id, o.role]), [[org.id, 'collaborator']]);
      assert.ok((await chat.channels(member.id, org.id)).some((c) => c.id === general.id), 'invited members land in #general');
      await assert.rejects(orgs.invite(member.id, org.id, { role: 'collaborator', email: 'x@example.org' }), code('FORBIDDEN'));
      await assert.rejects(orgs.setRole(member.id, org.id, owner.id, 'collaborator'), code('FORBIDDEN'));
      await assert.rejects(orgs.setRole(owner.id, org.id, owner.id, 'admin'), code('LAST_LEGAL_REPRESENTATIVE'));
      await assert.rejects(orgs.remove(owner.id, org.id, owner.id), code('LAST_LEGAL_REPRESENTATIVE'));
      await orgs.setRole(owner.id, org.id, member.id, 'admin');
      // An admin manages people but cannot touch a legal representative.
      await assert.rejects(orgs.setRole(member.id, org.id, owner.id, 'collaborator'), code('FORBIDDEN'));
      await assert.rejects(orgs.setRole(member.id, org.id, member.id, 'legal'), code('FORBIDDEN'));
      await orgs.setRole(owner.id, org.id, member.id, 'legal');
      // Two legal representatives demoting each other at once: one must stay.
      const results = await Promise.allSettled([orgs.setRole(owner.id, org.id, member.id, 'admin'), orgs.setRole(member.id, org.id, owner.id, 'admin')]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const legal = (await orgs.members(org.id, owner.id)).filter((m) => m.role === 'legal');
      assert.equal(legal.length, 1);
    });

    test('invitation links: expired, revoked and reused guest links are refused', async () => {
      const { owner, org, general } = await team();
      const guest = await user('guest');
      const inv = await orgs.invite(owner.id, org.id, { role: 'external', channelIds: [general.id], email: guest.email });
      await orgs.accept(guest.id, inv.token);
      const other = await user('guest2');
      await assert.rejects(orgs.accept(other.id, inv.token), code('INVITATION_INVALID'));
      await assert.rejects(orgs.accept(other.id, 'not-a-real-token-at-all'), code('INVITATION_INVALID'));
      const revoked = await orgs.invite(owner.id, org.id, { role: 'collaborator', email: other.email });
      await orgs.revokeInvitation(owner.id, org.id, revoked.id);
      await assert.rejects(orgs.accept(other.id, revoked.token), code('INVITATION_INVALID'));
      const old = await orgs.invite(owner.id, org.id, { role: 'collaborator', email: other.email });
      await db.query('update invitations set expires_at = $2 where id = $1', [old.id, Date.now() - 1]);
      await assert.rejects(orgs.accept(other.id, old.token), code('INVITATION_INVALID'));
      await assert.rejects(orgs.invite(owner.id, org.id, { role: 'external', email: other.email }), code('INVALID_PAYLOAD'));
      await assert.rejects(orgs.invite(owner.id, org.id, { role: 'external', channelIds: ['nope'], email: other.email }), code('CHANNEL_NOT_FOUND'));
    });

    test('guests see only the channels of their invitation', async () => {
      const { owner, org, general } = await team();
      const secret = await chat.create(owner.id, { orgId: org.id, name: `secret-${uniq()}`, kind: 'private' });
      const open = await chat.create(owner.id, { orgId: org.id, name: `open-${uniq()}`, kind: 'public' });
      const guest = await user('guest');
      const inv = await orgs.invite(owner.id, org.id, { role: 'external', channelIds: [open.id], email: guest.email });
      await orgs.accept(guest.id, inv.token);
      assert.deepEqual((await chat.channels(guest.id, org.id)).map((c) => c.id), [open.id]);
      assert.deepEqual(await chat.browse(guest.id, org.id), []);
      for (const id of [general.id, secret.id]) {
        await assert.rejects(chat.messages.history(guest.id, id), code('CHANNEL_NOT_FOUND'));
        await assert.rejects(chat.join(guest.id, id), code('CHANNEL_NOT_FOUND'));
        await assert.rejects(chat.messages.send(guest.id, { channelId: id, clientId: `c-${uniq()}`, text: 'hi' }), code('CHANNEL_NOT_FOUND'));
      }
      await assert.rejects(chat.create(guest.id, { orgId: org.id, name: 'mine', kind: 'public' }), code('FORBIDDEN'));
      await assert.rejects(chat.openDirect(guest.id, org.id, [owner.id]), code('FORBIDDEN'));
      await assert.rejects(chat.invite(guest.id, open.id, [owner.id]), code('FORBIDDEN'));
      const inGeneral = await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'budget numbers' });
      await assert.rejects(chat.messages.thread(guest.id, inGeneral.message.id), code('MESSAGE_NOT_FOUND'));
      await assert.rejects(chat.messages.react(guest.id, inGeneral.message.id, '👍', true), code('MESSAGE_NOT_FOUND'));
      assert.deepEqual(await chat.messages.search(guest.id, org.id, 'budget'), []);
      // Members of the guest's channel were told someone joined.
      const joined = events.filter((e) => e.channelId === open.id && e.kind === 'member:joined').map((e) => (e as { userId: string }).userId);
      assert.ok(joined.includes(guest.id));
      // The guest's directory holds only the people of its channels.
      const directory = (await orgs.members(org.id, guest.id)).filter((m) => !m.isBot).map((m) => m.id).sort();
      assert.deepEqual(directory, [guest.id, owner.id].sort());
    });

    test('sending is idempotent on the client id, even when retries race', async () => {
      const { owner, org, general } = await team();
      const clientId = `c-${uniq()}`;
      const first = await chat.messages.send(owner.id, { channelId: general.id, clientId, text: 'once' });
      const again = await chat.messages.send(owner.id, { channelId: general.id, clientId, text: 'once' });
      assert.equal(again.duplicate, true);
      assert.equal(again.message.id, first.message.id);
      const racing = `c-${uniq()}`;
      const raced = await Promise.all(Array.from({ length: 5 }, () => chat.messages.send(owner.id, { channelId: general.id, clientId: racing, text: 'race' })));
      assert.equal(new Set(raced.map((r) => r.message.id)).size, 1);
      const rows = await db.query('select 1 from messages where client_id = any($1)', [[clientId, racing]]);
      assert.equal(rows.length, 2);
      // The same clientId for another channel is a client bug, not a retry.
      const other = await chat.create(owner.id, { orgId: org.id, name: `other-${uniq()}`, kind: 'public' });
      await assert.rejects(chat.messages.send(owner.id, { channelId: other.id, clientId, text: 'once' }), code('INVALID_PAYLOAD'));
      assert.equal((await chat.messages.history(owner.id, other.id)).messages.filter((m) => m.kind === 'user').length, 0);
    });

    test('a sender’s access, remembered for a moment, never lets through someone removed meanwhile; a retry beside fresh sends', async () => {
      const { owner, member, org, general } = await team();
      await chat.messages.send(member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'remembered' });
      // Removed behind this node's back (as by another node: no event here): the write's own check refuses the next send.
      await db.query('delete from channel_members where channel_id = $1 and user_id = $2', [general.id, member.id]);
      await assert.rejects(chat.messages.send(member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'after removal' }), code('CHANNEL_NOT_FOUND'));
      assert.equal((await db.query('select 1 from messages where body = $1', ['after removal'])).length, 0);
      // A refusal is not remembered: joining a public channel lets the next send through at once.
      const open = await chat.create(owner.id, { orgId: org.id, name: `open-${uniq()}`, kind: 'public' });
      await assert.rejects(chat.messages.send(member.id, { channelId: open.id, clientId: `c-${uniq()}`, text: 'too early' }), code('NOT_A_MEMBER'));
      await chat.join(member.id, open.id);
      assert.equal((await chat.messages.send(member.id, { channelId: open.id, clientId: `c-${uniq()}`, text: 'joined' })).duplicate, false);
      // Leaving is heard: the next send is read again, and refused as a non-member's.
      await chat.leave(member.id, open.id);
      await assert.rejects(chat.messages.send(member.id, { channelId: open.id, clientId: `c-${uniq()}`, text: 'left' }), code('NOT_A_MEMBER'));
      // A retry of a landed send (its sender's access remembered), in one batch with fresh ones: the retry gets the
      // first message; the others are written by that batch, in their order (not each on its own).
      const landed = await chat.messages.send(owner.id, { channelId: open.id, clientId: 'retry-me', text: 'first try' });
      const batched = chat.messages.sendStages.sends;
      const [retry, ...fresh] = await Promise.all([
        chat.messages.send(owner.id, { channelId: open.id, clientId: 'retry-me', text: 'first try' }),
        ...Array.from({ length: 3 }, (_, i) => chat.messages.send(owner.id, { channelId: open.id, clientId: `c-${uniq()}`, text: `fresh ${i}` })),
      ]);
      assert.deepEqual([retry!.duplicate, retry!.message.id], [true, landed.message.id]);
      assert.deepEqual(fresh.map((f) => f.duplicate), [false, false, false]);
      assert.equal(chat.messages.sendStages.sends - batched, 3, 'the fresh sends went through the batch writer');
      const texts = (await chat.messages.history(owner.id, open.id)).messages.filter((m) => m.kind === 'user').map((m) => m.text);
      assert.deepEqual(texts, ['joined', 'first try', 'fresh 0', 'fresh 1', 'fresh 2']);
    });

    test('a sender who changes their name sends under the new one at once, their access remembered or not', async () => {
      const { member, general } = await team();
      const before = await chat.messages.send(member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'as before' });
      await accounts.updateProfile(member.id, { name: 'Renamed Person' });
      chat.messages.renamed(member.id);
      const after = await chat.messages.send(member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'renamed' });
      assert.notEqual(before.message.authorName, 'Renamed Person');
      assert.equal(after.message.authorName, 'Renamed Person');
      // Remembered again, with the new name.
      assert.equal((await chat.messages.send(member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'again' })).message.authorName, 'Renamed Person');
    });

    test('order: concurrent sends get distinct, gapless numbers in commit order', async () => {
      const { owner, member, general } = await team();
      const start = (await chat.channel(owner.id, general.id)).lastSeq;
      const sent = await Promise.all(
        Array.from({ length: 20 }, (_, i) => chat.messages.send(i % 2 ? owner.id : member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: `m${i}` })),
      );
      const seqs = sent.map((s) => s.message.seq).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => start + i + 1));
      const seen = events.filter((e) => e.channelId === general.id && e.seq > start).map((e) => e.seq);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'events go out in seq order');
    });

    test('threads, edits, deletes, reactions, pins', async () => {
      const { owner, member, general } = await team();
      const root = (await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'root' })).message;
      const reply = (await chat.messages.send(member.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'reply', rootId: root.id })).message;
      const nested = (await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'nested', rootId: reply.id })).message;
      assert.equal(nested.rootId, root.id, 'a reply to a reply stays in the thread');
      const thread = await chat.messages.thread(member.id, reply.id);
      assert.equal(thread.root.id, root.id);
      assert.equal(thread.root.replyCount, 2);
      assert.deepEqual(thread.replies.map((m) => m.text), ['reply', 'nested']);
      assert.ok(!(await chat.messages.history(owner.id, general.id)).messages.some((m) => m.rootId), 'replies stay out of the channel');

      await assert.rejects(chat.messages.edit(member.id, root.id, 'hijack'), code('FORBIDDEN'));
      const edited = await chat.messages.edit(owner.id, root.id, 'root, edited');
      assert.ok(edited.editedAt);
      await assert.rejects(chat.messages.edit(owner.id, root.id, 'x'.repeat(16_001)), code('PAYLOAD_TOO_LARGE'));

      assert.deepEqual(await chat.messages.react(member.id, root.id, '🎉', true), [{ emoji: '🎉', userIds: [member.id] }]);
      await chat.messages.react(owner.id, root.id, '🎉', true);
      await chat.messages.react(owner.id, root.id, '🎉', true);
      assert.deepEqual(await chat.messages.react(member.id, root.id, '🎉', false), [{ emoji: '🎉', userIds: [owner.id] }]);

      await chat.messages.pin(member.id, root.id, true);
      assert.deepEqual((await chat.messages.pins(owner.id, general.id)).map((m) => m.id), [root.id]);

      await assert.rejects(chat.messages.delete(member.id, root.id), code('FORBIDDEN'));
      await chat.messages.delete(member.id, reply.id);
      assert.equal((await chat.messages.thread(owner.id, root.id)).root.replyCount, 1);
      // The channel admin (owner) may delete anyone's message.
      await chat.messages.delete(owner.id, nested.id);
      await chat.messages.delete(owner.id, root.id);
      await assert.rejects(chat.messages.edit(owner.id, root.id, 'back'), code('MESSAGE_NOT_FOUND'));
      const [row] = await db.query<{ body: string }>('select body from messages where id = $1', [root.id]);
      assert.equal(row!.body, '', 'deleted text is gone from the database');
      assert.deepEqual(await chat.messages.pins(owner.id, general.id), []);
    });

    test('unread counts, read positions, mentions and notifications', async () => {
      const { owner, member, org, general } = await team();
      const before = (await chat.channels(member.id, org.id)).find((c) => c.id === general.id)!;
      assert.equal(before.unread, 0);
      await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'one' });
      const mention = await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: `hey @${member.username}, look` });
      await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: '@channel all hands' });
      assert.deepEqual(mention.message.mentions, [member.id]);
      assert.ok(notes.some(([u, m]) => u === member.id && m === mention.message.id));
      let view = (await chat.channels(member.id, org.id)).find((c) => c.id === general.id)!;
      assert.equal(view.unread, 3);
      assert.equal(view.mentions, 2);
      const ownerView = (await chat.channels(owner.id, org.id)).find((c) => c.id === general.id)!;
      assert.equal(ownerView.unread, 0, 'one’s own messages are read');
      await chat.messages.markRead(member.id, general.id, mention.message.seq);
      view = (await chat.channels(member.id, org.id)).find((c) => c.id === general.id)!;
      assert.equal(view.unread, 1);
      assert.equal(view.lastReadSeq, mention.message.seq);
      await chat.messages.markRead(member.id, general.id, 1); // backwards: ignored
      await chat.messages.markRead(member.id, general.id, Number.MAX_SAFE_INTEGER); // past the end: clamped
      view = (await chat.channels(member.id, org.id)).find((c) => c.id === general.id)!;
      assert.equal(view.unread, 0);
      assert.equal(view.lastReadSeq, view.lastSeq);
    });

    test('one batch of sends: arrival order, replies, mentions and read positions together', async () => {
      const { owner, member, org, general } = await team();
      const root = await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'root' });
      const send = (who: { id: string }, text: string, rootId?: string) => chat.messages.send(who.id, { channelId: general.id, clientId: `c-${uniq()}`, text, ...(rootId ? { rootId } : {}) });
      // Not awaited one by one: they are written together.
      const [a, b, r1, r2, c] = await Promise.all([
        send(owner, 'a'),
        send(member, `b @${owner.username}`),
        send(member, 'r1', root.message.id),
        send(owner, 'r2', root.message.id),
        send(owner, `c @${member.username}`),
      ]);
      assert.deepEqual(
        [a, b, r1, r2, c].map((s) => s.message.seq),
        [1, 2, 3, 4, 5].map((n) => a.message.seq + n - 1),
        'numbered in arrival order',
      );
      assert.deepEqual(b.message.mentions, [owner.id]);
      const ownerView = (await chat.channels(owner.id, org.id)).find((ch) => ch.id === general.id)!;
      assert.equal(ownerView.lastReadSeq, c.message.seq);
      assert.equal(ownerView.mentions, 1);
      const memberView = (await chat.channels(member.id, org.id)).find((ch) => ch.id === general.id)!;
      // The member's own reply is read; after it come a reply (not counted) and c.
      assert.equal(memberView.lastReadSeq, r1.message.seq);
      assert.equal(memberView.unread, 1);
      assert.equal(memberView.mentions, 1);
      const thread = await chat.messages.thread(owner.id, root.message.id);
      assert.equal(thread.root.replyCount, 2);
      assert.deepEqual(thread.replies.map((m) => m.text), ['r1', 'r2']);
      const events = await chat.messages.sync(member.id, { [general.id]: root.message.seq });
      assert.deepEqual(events.events.filter((e) => e.channelId === general.id).map((e) => e.kind === 'message' && e.message.seq), [a, b, r1, r2, c].map((s) => s.message.seq));
      assert.ok(notes.some(([u, m]) => u === owner.id && m === b.message.id));
    });

    // PGlite plans each query anew: there is no cached plan to check there.
    test.skipIf(kind !== 'postgres')('the batch writer probes indexes only, however small the tables look', async () => {
      // Its plans are cached: one made for tiny tables (a new database) must
      // not scan them whole once they have grown.
      const plan = async (name: string, sql: string, params: unknown[]) =>
        (await db.prepared<{ 'QUERY PLAN': string }>(name, `explain ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
      const read = await plan('t_explain_read', SEND_READ_SQL, [['c'], ['u'], ['k']]);
      const write = await plan('t_explain_write', SEND_WRITE_SQL, [['i'], ['c'], ['u'], ['k'], [null], ['t'], ['[]'], [1], ['{}'], ['c']]);
      for (const p of [read, write]) {
        assert.doesNotMatch(p, /Seq Scan|Hash Join|Merge Join/, p);
        assert.match(p, /Index (Only )?Scan/);
      }
    });

    test('history pages by cursor, oldest first', async () => {
      const { owner, org } = await team();
      const ch = await chat.create(owner.id, { orgId: org.id, name: `paging-${uniq()}`, kind: 'public' });
      for (let i = 0; i < 7; i++) await chat.messages.send(owner.id, { channelId: ch.id, clientId: `c-${uniq()}`, text: `p${i}` });
      const page1 = await chat.messages.history(owner.id, ch.id, undefined, 3);
      assert.deepEqual(page1.messages.map((m) => m.text), ['p4', 'p5', 'p6']);
      assert.equal(page1.more, true);
      const page2 = await chat.messages.history(owner.id, ch.id, page1.messages[0]!.seq, 3);
      assert.deepEqual(page2.messages.map((m) => m.text), ['p1', 'p2', 'p3']);
      const page3 = await chat.messages.history(owner.id, ch.id, page2.messages[0]!.seq, 3);
      assert.deepEqual(page3.messages.map((m) => m.text), ['@' + owner.username + ' joined the channel.', 'p0']);
      assert.equal(page3.more, false);
    });

    test('channels: public join and leave, private invite, admin-only removal, names unique per organization', async () => {
      const { owner, member, org } = await team();
      const name = `room-${uniq()}`;
      const pub = await chat.create(owner.id, { orgId: org.id, name, kind: 'public' });
      await assert.rejects(chat.create(member.id, { orgId: org.id, name: name.toUpperCase(), kind: 'private' }), code('CHANNEL_NAME_TAKEN'));
      await assert.rejects(chat.messages.history(member.id, pub.id), code('NOT_A_MEMBER'));
      await assert.rejects(chat.messages.send(member.id, { channelId: pub.id, clientId: `c-${uniq()}`, text: 'x' }), code('NOT_A_MEMBER'));
      assert.ok((await chat.browse(member.id, org.id)).some((c) => c.id === pub.id));
      await chat.join(member.id, pub.id);
      await chat.leave(member.id, pub.id);
      await assert.rejects(chat.messages.history(member.id, pub.id), code('NOT_A_MEMBER'));
      const priv = await chat.create(owner.id, { orgId: org.id, name: `priv-${uniq()}`, kind: 'private' });
      assert.ok(!(await chat.browse(member.id, org.id)).some((c) => c.id === priv.id));
      await assert.rejects(chat.join(member.id, priv.id), code('CHANNEL_NOT_FOUND'));
      assert.deepEqual(await chat.invite(owner.id, priv.id, [member.id, member.id]), [member.id]);
      assert.deepEqual(await chat.invite(owner.id, priv.id, [member.id]), []);
      await assert.rejects(chat.remove(member.id, priv.id, owner.id), code('FORBIDDEN'));
      await chat.setRole(owner.id, priv.id, member.id, 'admin');
      const stranger = await user('stranger');
      await assert.rejects(chat.invite(owner.id, priv.id, [stranger.id]), code('USER_NOT_FOUND'));
      await chat.remove(member.id, priv.id, owner.id);
      await assert.rejects(chat.messages.history(owner.id, priv.id), code('CHANNEL_NOT_FOUND'));
      const members = await chat.members(member.id, priv.id);
      assert.deepEqual(members.map((m) => [m.user.id, m.channelRole]), [[member.id, 'admin']]);
    });

    test('direct and group conversations', async () => {
      const { owner, member, org } = await team();
      const dm = await chat.openDirect(owner.id, org.id, [member.id]);
      assert.equal(dm.kind, 'direct');
      assert.equal(dm.name, member.name);
      assert.equal((await chat.openDirect(member.id, org.id, [owner.id])).id, dm.id, 'the same two people share one conversation');
      await chat.messages.send(owner.id, { channelId: dm.id, clientId: `c-${uniq()}`, text: 'psst' });
      assert.ok(notes.some(([u]) => u === member.id), 'a direct message notifies');
      const third = await user('third');
      const inv = await orgs.invite(owner.id, org.id, { role: 'collaborator', email: third.email });
      await orgs.accept(third.id, inv.token);
      const group = await chat.openDirect(owner.id, org.id, [member.id, third.id]);
      assert.equal(group.kind, 'group');
      assert.deepEqual(group.memberIds?.sort(), [owner.id, member.id, third.id].sort());
      await assert.rejects(chat.leave(owner.id, dm.id), code('FORBIDDEN'));
      const stranger = await user('stranger');
      await assert.rejects(chat.openDirect(owner.id, org.id, [stranger.id]), code('USER_NOT_FOUND'));
      await assert.rejects(chat.messages.history(stranger.id, dm.id), code('CHANNEL_NOT_FOUND'));
    });

    test('search covers the channels one can read, and only those', async () => {
      const { owner, member, org, general } = await team();
      const word = `zebra${uniq()}`;
      const priv = await chat.create(owner.id, { orgId: org.id, name: `p-${uniq()}`, kind: 'private' });
      const pub = await chat.create(owner.id, { orgId: org.id, name: `o-${uniq()}`, kind: 'public' });
      await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: `the ${word} in general` });
      await chat.messages.send(owner.id, { channelId: priv.id, clientId: `c-${uniq()}`, text: `the ${word} in private` });
      await chat.messages.send(owner.id, { channelId: pub.id, clientId: `c-${uniq()}`, text: `the ${word} in public` });
      assert.equal((await chat.messages.search(owner.id, org.id, word)).length, 3);
      const seen = (await chat.messages.search(member.id, org.id, word)).map((h) => h.message.text).sort();
      assert.deepEqual(seen, [`the ${word} in general`, `the ${word} in public`]);
      const other = await team();
      assert.deepEqual(await chat.messages.search(other.owner.id, other.org.id, word), []);
      await assert.rejects(chat.messages.search(other.owner.id, org.id, word), code('ORG_NOT_FOUND'));
    });

    test('search: words as prefixes, whatever their accents and case; in:channel and from:user; typed syntax stays words', async () => {
      const { owner, member, org, general } = await team();
      const tag = uniq();
      const side = await chat.create(owner.id, { orgId: org.id, name: `side-${tag}`, kind: 'public' });
      await chat.join(member.id, side.id);
      const say = (who: string, channelId: string, text: string) => chat.messages.send(who, { channelId, clientId: `c-${uniq()}`, text });
      await say(owner.id, general.id, `Le ROBOT${tag} arrive après la réunion à Zürich, Œuvre`);
      await say(member.id, side.id, `robot${tag} déjà là`);
      const texts = async (q: string) => (await chat.messages.search(owner.id, org.id, q)).map((h) => h.message.text).sort();
      assert.deepEqual(await texts(`robot${tag}`), [`Le ROBOT${tag} arrive après la réunion à Zürich, Œuvre`, `robot${tag} déjà là`].sort());
      // A prefix of the word, its accents left out or put in, any case.
      assert.equal((await texts(`ROB robot${tag.slice(0, 2)} apres`)).length, 1);
      assert.equal((await texts(`robot${tag} reunion zurich oeuvre`)).length, 1);
      assert.equal((await texts(`robot${tag} DÉJÀ`)).length, 1);
      assert.equal((await texts(`robot${tag} REUNIÓN`)).length, 1);
      // Filters: the channel (with or without #), the author (with or without @), alone or with words.
      assert.deepEqual(await texts(`robot${tag} in:#side-${tag}`), [`robot${tag} déjà là`]);
      assert.deepEqual(await texts(`robot${tag} in:${general.name}`), [`Le ROBOT${tag} arrive après la réunion à Zürich, Œuvre`]);
      assert.deepEqual(await texts(`from:@${member.username} robot${tag}`), [`robot${tag} déjà là`]);
      assert.deepEqual(await texts(`from:${owner.username.toUpperCase()} robot${tag}`), [`Le ROBOT${tag} arrive après la réunion à Zürich, Œuvre`]);
      assert.deepEqual(await texts(`in:side-${tag}`), [`robot${tag} déjà là`]);
      // Domains, addresses and versions are one stored word each, found whole or by their start; one letter alone is no search.
      await say(member.id, side.id, `docs on wiki${tag}.example.com, ask ana${tag}@example.org, since v2.${tag}`);
      assert.equal((await texts(`wiki${tag}.example.com`)).length, 1);
      assert.equal((await texts(`(ana${tag}@example.org),`)).length, 1);
      assert.equal((await texts(`wiki${tag}.exa`)).length, 1);
      assert.deepEqual(await texts('a b c'), []);
      // tsquery's own syntax typed in a query is words and spaces, never an error or an operator.
      for (const hostile of [`robot${tag}:* | !x & (`, "robot' or 1=1 --", '!!!', '(((', '<->', `${'a'.repeat(500)}`]) {
        await chat.messages.search(owner.id, org.id, hostile);
      }
      assert.deepEqual(await texts('  '), []);
      assert.deepEqual(await texts('!!! ((('), []);
    });

    test('a muted channel notifies its member of nothing, mentions included; replies notify those who follow the thread', async () => {
      const { owner, member, org, general } = await team();
      const third = await user('third');
      const { token } = await orgs.invite(owner.id, org.id, { role: 'collaborator', email: third.email });
      await orgs.accept(third.id, token);
      const told = (userId: string, messageId: string) => notes.some(([u, m]) => u === userId && m === messageId);
      const say = (who: string, text: string, rootId?: string) => chat.messages.send(who, { channelId: general.id, clientId: `c-${uniq()}`, text, ...(rootId ? { rootId } : {}) });

      // Muted: a mention tells nothing (it still counts); the channel says it is muted; unmuted, it tells again.
      assert.equal((await chat.mute(member.id, general.id, true)).muted, true);
      assert.equal((await chat.channels(member.id, org.id)).find((c) => c.id === general.id)?.muted, true);
      const quiet = await say(owner.id, `@${member.username} are you there?`);
      assert.equal(told(member.id, quiet.message.id), false);
      assert.deepEqual(quiet.message.mentions, [member.id]);
      await chat.mute(member.id, general.id, false);
      const loud = await say(owner.id, `@${member.username} now?`);
      assert.equal(told(member.id, loud.message.id), true);

      // A thread: its root's author and each replier are told of later replies; the one replying is not; a muted follower is not.
      const root = await say(owner.id, 'Plan for Monday');
      const first = await say(member.id, 'I can present', root.message.id);
      assert.equal(told(owner.id, first.message.id), true);
      assert.equal(told(member.id, first.message.id), false);
      assert.equal(told(third.id, first.message.id), false, 'not in the thread: not told');
      const second = await say(third.id, 'Me too', root.message.id);
      assert.equal(told(owner.id, second.message.id) && told(member.id, second.message.id), true);
      await chat.mute(owner.id, general.id, true);
      const third2 = await say(member.id, 'Agreed', root.message.id);
      assert.equal(told(owner.id, third2.message.id), false, 'muted: the thread tells nothing');
      assert.equal(told(third.id, third2.message.id), true);

      // Only a member mutes: another organization's member does not even see the channel.
      const other = await team();
      await assert.rejects(chat.mute(other.owner.id, general.id, true), code('CHANNEL_NOT_FOUND'));
    });

    test('a reconnecting client gets what it missed, in order', async () => {
      const { owner, member, general } = await team();
      const mark = (await chat.channel(member.id, general.id)).lastSeq;
      const m = await chat.messages.send(owner.id, { channelId: general.id, clientId: `c-${uniq()}`, text: 'while you were away' });
      await chat.messages.edit(owner.id, m.message.id, 'while you were away (edited)');
      await chat.messages.react(owner.id, m.message.id, '👋', true);
      const { events: missed, reload } = await chat.messages.sync(member.id, { [general.id]: mark, 'not-mine': 0 });
      assert.deepEqual(reload, []);
      assert.deepEqual(missed.map((e) => e.kind), ['message', 'message:edited', 'reactions']);
      assert.deepEqual(missed.map((e) => e.seq), [mark + 1, mark + 2, mark + 3]);
      const stranger = await user('stranger');
      assert.deepEqual(await chat.messages.sync(stranger.id, { [general.id]: 0 }), { events: [], reload: [] });
    });

    test('removal from the organization takes the member out of every channel', async () => {
      const { owner, member, org, general } = await team();
      await orgs.remove(owner.id, org.id, member.id);
      assert.deepEqual(await orgs.forUser(member.id), []);
      await assert.rejects(chat.messages.history(member.id, general.id), code('CHANNEL_NOT_FOUND'));
      assert.ok(!(await chat.members(owner.id, general.id)).some((m) => m.user.id === member.id));
    });

    test('call cards follow their meeting', async () => {
      const { owner, general } = await team();
      const { message } = await chat.calls.start(owner.id, general.id);
      assert.equal(message.kind, 'call');
      await chat.calls.update(message.call!.meetingId, { participants: 2 });
      await chat.calls.update(message.call!.meetingId, { ended: true });
      await chat.calls.update(message.call!.meetingId, { participants: 5 }); // after the end: ignored
      const [last] = (await chat.messages.history(owner.id, general.id)).messages.slice(-1);
      assert.equal(last!.call!.participants, 0);
      assert.ok(last!.call!.endedAt);
      const edits = events.filter((e) => e.kind === 'message:edited' && e.message.id === message.id);
      assert.deepEqual(edits.map((e) => (e as { message: { call: { participants: number } } }).message.call.participants), [2, 0]);
    });
  });
}
