// The contract of the suite's stores (accounts, organizations, team chat,
// agendas), on PGlite and on a real PostgreSQL server: what the rules rely
// on of their SQL. Transactions shared between stores commit or roll back
// together; races the database decides (a reset link used twice, a
// conversation opened twice, a delivery recorded twice) have one winner;
// the batch writer numbers, filters and counts as Chat expects. The rules
// themselves are tested through the domain classes (chat-store.test.ts,
// agenda.test.ts...) on the same two databases.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { MessageView } from '@parley/protocol';
import type { UserRow } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { ChatStore } from '../src/chat/store.ts';
import { OrgStore } from '../src/org/store.ts';
import type { Db } from '../src/store/db.ts';
import { AgendaStore, type ReminderRow } from '../src/suite/calendar/agenda-store.ts';
import { CalendarStore } from '../src/suite/calendar/store.ts';
import { DB_KINDS, testDb } from './db.ts';

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

for (const kind of DB_KINDS) {
  describe(`suite stores' contract on ${kind}`, () => {
    let db: Db;
    let accounts: AccountStore;
    let orgs: OrgStore;
    let chat: ChatStore;
    let agenda: AgendaStore;

    beforeAll(async () => {
      db = await testDb(kind);
      accounts = new AccountStore(db);
      orgs = new OrgStore(db);
      chat = new ChatStore(db);
      agenda = new AgendaStore(db);
    });
    afterAll(() => db.close());

    const person = async (name = 'p'): Promise<UserRow> => {
      const id = uniq();
      const row = await accounts.insertUser({ id, email: `${name}-${id}@example.org`, username: `${name}${id}`, name, passwordHash: 'h', language: 'en', isBot: false, at: Date.now() });
      assert.ok(!('taken' in row));
      return row;
    };
    /** An organization with a member and a public channel they are in. */
    const team = async () => {
      const owner = await person('owner');
      const orgId = uniq();
      await orgs.insertOrg(orgId, 'Acme', Date.now());
      await orgs.addMember(orgId, owner.id, 'legal', Date.now());
      const channelId = uniq();
      assert.equal(await chat.insertChannel({ id: channelId, orgId, kind: 'public', name: `c${channelId}`, topic: '', createdBy: owner.id, at: Date.now() }), true);
      assert.equal(await chat.addMember(channelId, owner.id, 'admin', Date.now()), true);
      return { owner, orgId, channelId };
    };
    const message = (channelId: string, author: UserRow, over: Partial<MessageView> = {}): MessageView => ({
      id: uniq(),
      channelId,
      seq: 0,
      authorId: author.id,
      authorName: author.name,
      clientId: uniq(),
      rootId: null,
      kind: 'user',
      text: 'hello',
      mentions: [],
      attachments: [],
      reactions: [],
      createdAt: Date.now(),
      editedAt: null,
      deletedAt: null,
      pinned: false,
      replyCount: 0,
      call: null,
      ...over,
    });

    test('a user insert says which unique key was taken, in any case of letters', async () => {
      const a = await person('a');
      const clash = (over: Partial<{ email: string; username: string }>) =>
        accounts.insertUser({ id: uniq(), email: `x${uniq()}@example.org`, username: `x${uniq()}`, name: 'x', passwordHash: null, language: 'en', isBot: false, at: 0, ...over });
      assert.deepEqual(await clash({ email: a.email }), { taken: 'email' });
      assert.deepEqual(await clash({ username: a.username }), { taken: 'username' });
      assert.equal((await accounts.withEmailOrUsername(a.email, 'nobody')).length, 1);
    });

    test('sessions: revoking all but one, and a reset link used once by two clicks at once', async () => {
      const a = await person('s');
      for (const h of ['h1', 'h2', 'h3'].map((h) => `${h}-${a.id}`)) await accounts.insertSession({ tokenHash: h, userId: a.id, label: '', at: 1, expiresAt: Date.now() + 60_000 });
      assert.deepEqual((await accounts.revokeSessionsOf(a.id, Date.now(), `h2-${a.id}`)).sort(), [`h1-${a.id}`, `h3-${a.id}`]);
      assert.equal((await accounts.sessionUser(`h2-${a.id}`))?.revoked_at, null);
      assert.ok((await accounts.sessionUser(`h1-${a.id}`))?.revoked_at);
      await accounts.insertReset(`r-${a.id}`, a.id, 1, Date.now() + 60_000);
      const wins = await Promise.all([accounts.tx((s) => s.useReset(`r-${a.id}`, 2)), accounts.tx((s) => s.useReset(`r-${a.id}`, 3))]);
      assert.deepEqual(wins.sort(), [false, true]);
    });

    test('organizations and chat in one transaction commit or roll back together', async () => {
      const owner = await person('tx');
      const orgId = uniq();
      const channelId = uniq();
      await assert.rejects(
        db.tx(async (sql) => {
          const o = orgs.within(sql);
          const c = new ChatStore(db, sql);
          await o.insertOrg(orgId, 'Rolled back', Date.now());
          await o.addMember(orgId, owner.id, 'legal', Date.now());
          await c.insertChannel({ id: channelId, orgId, kind: 'public', name: 'general', topic: '', createdBy: owner.id, at: Date.now() });
          // The transaction's own writes are visible to both stores inside it.
          assert.equal(await c.orgRole(orgId, owner.id), 'legal');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await orgs.role(orgId, owner.id), undefined);
      assert.equal(await chat.access(owner.id, channelId), undefined);
      await db.tx(async (sql) => {
        await orgs.within(sql).insertOrg(orgId, 'Kept', Date.now());
        await orgs.within(sql).addMember(orgId, owner.id, 'legal', Date.now());
        await new ChatStore(db, sql).insertChannel({ id: channelId, orgId, kind: 'public', name: 'general', topic: '', createdBy: owner.id, at: Date.now() });
      });
      assert.equal((await chat.access(owner.id, channelId))?.orgRole, 'legal');
    });

    test('a taken channel name answers false and leaves the transaction usable', async () => {
      const { owner, orgId } = await team();
      const second = uniq();
      await chat.tx(async (store) => {
        assert.equal(await store.insertChannel({ id: uniq(), orgId, kind: 'private', name: 'same', topic: '', createdBy: owner.id, at: 1 }), true);
        assert.equal(await store.insertChannel({ id: uniq(), orgId, kind: 'public', name: 'same', topic: '', createdBy: owner.id, at: 1 }), false);
        assert.equal(await store.insertChannel({ id: second, orgId, kind: 'public', name: 'other', topic: '', createdBy: owner.id, at: 1 }), true);
      });
      assert.ok(await chat.access(owner.id, second));
    });

    test('the same people opening a conversation twice at once get one, made once', async () => {
      const { owner, orgId } = await team();
      const other = await person('o');
      const key = `${orgId}:${[owner.id, other.id].sort().join(',')}`;
      const open = () => chat.tx((s) => s.conversation({ id: uniq(), orgId, kind: 'direct', key, createdBy: owner.id, memberIds: [owner.id, other.id], at: Date.now() }));
      const [a, b] = await Promise.all([open(), open()]);
      assert.equal(a.id, b.id);
      assert.deepEqual([a.created, b.created].sort(), [false, true]);
      assert.deepEqual((await chat.conversationMembers([a.id])).map((m) => m.id).sort(), [owner.id, other.id].sort());
    });

    test('the batch write numbers in batch order per channel, drops non-members, and counts reads, mentions and replies', async () => {
      const { owner, orgId, channelId } = await team();
      const member = await person('m');
      const outsider = await person('x');
      await orgs.addMember(orgId, member.id, 'collaborator', Date.now());
      await chat.addMember(channelId, member.id, 'member', Date.now());
      const root = message(channelId, owner);
      const rootSeq = await chat.messages.insertMessage(root);
      const batch = [
        message(channelId, member, { rootId: root.id }),
        message(channelId, outsider),
        message(channelId, owner, { mentions: [member.id] }),
      ];
      const seqs = await chat.messages.writeBatch(batch);
      assert.deepEqual([...seqs.entries()].sort(), [
        [1, rootSeq + 1],
        [3, rootSeq + 2],
      ]);
      assert.equal((await chat.messages.message(root.id))?.replyCount, 1);
      assert.equal((await chat.access(owner.id, channelId))?.member?.last_read_seq, rootSeq + 2);
      const m = (await chat.access(member.id, channelId))!.member!;
      assert.deepEqual([m.last_read_seq, m.mentions], [rootSeq + 1, 1]);
      assert.deepEqual((await chat.eventsAfter(channelId, rootSeq)).map((e) => e.seq), [rootSeq + 1, rootSeq + 2]);
      // A retry of a send that landed is found by the read; one that did not is not (rows in any order, numbered by send).
      const read = await chat.messages.readBatch([
        { channelId, userId: member.id, clientId: batch[0]!.clientId },
        { channelId, userId: outsider.id, clientId: batch[1]!.clientId },
      ]);
      assert.deepEqual(read.map((r) => [r.i, r.landed, r.m_role]).sort(), [
        [1, batch[0]!.id, 'member'],
        [2, null, null],
      ]);
    });

    test('a tombstone erases the logged copies of the text and hands back the attachments', async () => {
      const { owner, orgId, channelId } = await team();
      const fileId = uniq();
      await chat.messages.insertFile({ id: fileId, orgId, channelId, uploaderId: owner.id, name: 'a.txt', size: 1, mime: 'text/plain', driveKey: `k/${fileId}`, at: 1 });
      const m = message(channelId, owner, { text: 'secret' });
      m.attachments = await chat.messages.claimFiles([fileId], owner.id, channelId, m.id);
      // Claimed once: a second message cannot take it.
      assert.deepEqual(await chat.messages.claimFiles([fileId], owner.id, channelId, uniq()), []);
      const seq = await chat.messages.insertMessage(m);
      assert.deepEqual(await chat.tx((s) => s.messages.tombstone(m, Date.now())), [`k/${fileId}`]);
      const [logged] = await chat.eventsAfter(channelId, seq - 1);
      assert.equal((logged!.data as { message: MessageView }).message.text, '');
      assert.equal(await chat.messages.file(fileId), undefined);
    });

    test('welcomes: two sweeps at once claim different rows', async () => {
      const { orgId } = await team();
      const [a, b] = [await person('w'), await person('w')];
      for (const u of [a, b]) {
        await orgs.addMember(orgId, u.id, 'collaborator', Date.now());
        await orgs.welcomeLater(orgId, u.id, Date.now());
      }
      // Earlier tests' rows (none here) and these two: each sweep takes one and marks it queued.
      const claim = () =>
        orgs.tx(async (s) => {
          const row = await s.claimWelcome();
          if (row) await s.welcomeQueued(row.org_id, row.user_id, Date.now());
          return row?.user_id;
        });
      const claimed = await Promise.all([claim(), claim()]);
      assert.deepEqual(claimed.sort(), [a.id, b.id].sort());
      assert.equal(await orgs.tx((s) => s.claimWelcome()), undefined);
    });

    test('pending invitations leave out the used, revoked, expired and full ones', async () => {
      const { owner, orgId } = await team();
      const now = Date.now();
      const invite = async (over: { email?: string | null; open?: boolean; maxUses?: number | null; expiresAt?: number } = {}) => {
        const id = uniq();
        await orgs.insertInvitation({ id, tokenHash: `t-${id}`, orgId, role: 'collaborator', channelIds: [], teamIds: [], createdBy: owner.id, at: now, expiresAt: now + 60_000, email: `i${id}@example.org`, open: false, maxUses: null, ...over });
        return id;
      };
      const live = await invite();
      const used = await invite();
      await orgs.useInvitation(used, true, now);
      const revoked = await invite();
      assert.equal(await orgs.revokeInvitation(revoked, orgId, now), true);
      assert.equal(await orgs.revokeInvitation(revoked, orgId, now), false);
      await invite({ expiresAt: now - 1 });
      const full = await invite({ email: null, open: true, maxUses: 1 });
      await orgs.useInvitation(full, false, now);
      const open = await invite({ email: null, open: true, maxUses: 2 });
      await orgs.useInvitation(open, false, now);
      assert.equal(await orgs.countPending(orgId, now), 2);
      assert.deepEqual((await orgs.pending(orgId, now, 10)).map((i) => i.id).sort(), [live, open].sort());
      assert.equal((await orgs.invitation({ tokenHash: `t-${open}` }))?.uses, 1);
    });

    test('agendas: due reminders, and a day delivered once by two ticks at once', async () => {
      const { owner, orgId } = await team();
      const calendarId = uniq();
      await new CalendarStore(db).insertCalendar({ id: calendarId, orgId, ownerId: owner.id, roomId: null, name: 'Mine', color: '#000000' });
      const reminder = (over: Partial<ReminderRow> = {}): ReminderRow => ({
        id: uniq(),
        user_id: owner.id,
        org_id: orgId,
        calendar_id: calendarId,
        by_chat: false,
        by_mail: true,
        send_time: '07:30',
        send_day: 'morning',
        weekdays: [1, 2, 3],
        include_recurring: true,
        time_zone: 'Europe/Zurich',
        enabled: true,
        ...over,
      });
      const due = reminder();
      const later = reminder();
      const off = reminder({ enabled: false });
      for (const r of [due, later, off]) await agenda.insert(r, Date.now());
      const now = Date.now();
      await agenda.setNextSendAt(later.id, now + 60_000);
      const ids = (await agenda.due(now)).filter((r) => r.user_id === owner.id).map((r) => r.id);
      assert.deepEqual(ids, [due.id]);
      assert.equal((await agenda.due(now)).find((r) => r.id === due.id)?.email, owner.email);
      assert.deepEqual((await agenda.reminder(due.id, owner.id))?.weekdays, [1, 2, 3]);
      const wins = await Promise.all([agenda.tx((s) => s.recordDelivery(due.id, '2026-12-07', now)), agenda.tx((s) => s.recordDelivery(due.id, '2026-12-07', now))]);
      assert.deepEqual(wins.sort(), [false, true]);
      assert.equal(await agenda.delivered(due.id, '2026-12-07'), true);
      // Changing a reminder makes its next send time be worked out again.
      await agenda.update(later.id, { ...later, send_time: '08:00' });
      assert.ok((await agenda.due(now)).some((r) => r.id === later.id));
      assert.equal(await agenda.disable(due.id), true);
      assert.equal(await agenda.disable('nope'), false);
    });
  });
}
