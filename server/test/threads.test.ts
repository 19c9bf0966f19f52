// The Threads view (followed threads), on PGlite and on a real PostgreSQL
// server: one follows the threads one started or replied in, in channels one
// is still in; replies by others since one last opened a thread are unread.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CHAT_LIMITS, DomainError } from '@parley/protocol';
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
  describe(`followed threads on ${kind}`, () => {
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

    const user = (name: string): Promise<UserRow> => {
      const id = uniq();
      return accounts.signup({ email: `${name}-${id}@example.org`, username: `${name}${id}`, name, password: 'correct horse battery' }, { address: 'test' });
    };
    const org = async () => {
      const ann = await user('ann');
      const o = await orgs.create(ann.id, 'Acme');
      const join = async (name: string) => {
        const u = await user(name);
        const { token } = await orgs.invite(ann.id, o.id, { role: 'collaborator', email: u.email });
        await orgs.accept(u.id, token);
        return u;
      };
      const general = (await chat.channels(ann.id, o.id)).find((c) => c.name === 'general')!;
      return { ann, bob: await join('bob'), cleo: await join('cleo'), orgId: o.id, general: general.id };
    };
    const say = async (who: UserRow, channelId: string, text: string, rootId?: string) =>
      (await chat.messages.send(who.id, { channelId, clientId: `c-${uniq()}`, text, ...(rootId ? { rootId } : {}) })).message;
    const view = async (who: UserRow, orgId: string) => (await chat.messages.followedThreads(who.id, orgId)).map((t) => [t.root.text, t.unread, t.root.replyCount] as const);

    test('started or replied in: followed; replies by others since one last opened it or wrote in it are unread', async () => {
      const { ann, bob, cleo, orgId, general } = await org();
      const root = await say(ann, general, 'plan for Monday?');
      assert.deepEqual(await view(ann, orgId), [], 'no reply yet: not a thread');
      await say(bob, general, 'I can do 10:00', root.id);
      assert.deepEqual(await view(ann, orgId), [['plan for Monday?', 1, 1]]);
      assert.deepEqual(await view(bob, orgId), [['plan for Monday?', 0, 1]], 'his own reply is not unread to him');
      assert.deepEqual(await view(cleo, orgId), [], 'not in it: not followed');
      // Opening the thread reads it; one's own replies never count.
      await chat.messages.thread(ann.id, root.id);
      assert.deepEqual(await view(ann, orgId), [['plan for Monday?', 0, 1]]);
      await say(ann, general, 'fine', root.id);
      await say(bob, general, 'booked', root.id);
      assert.deepEqual(await view(ann, orgId), [['plan for Monday?', 1, 3]]);
      // A reply read while the thread is open (thread:read) — by a reply's id too.
      const late = await say(cleo, general, 'me too', root.id);
      await chat.messages.readThread(ann.id, late.id);
      assert.deepEqual(await view(ann, orgId), [['plan for Monday?', 0, 4]]);
      assert.deepEqual(await view(cleo, orgId), [['plan for Monday?', 0, 4]], 'a reply makes one follow, and reads what came before it');
      await say(bob, general, 'see you', root.id);
      assert.deepEqual(await view(cleo, orgId), [['plan for Monday?', 1, 5]]);
    });

    test('most recently answered first; deleted roots and channels one left are out; other organizations and unreadable threads are refused', async () => {
      const { ann, bob, orgId, general } = await org();
      const older = await say(ann, general, 'older');
      const newer = await say(ann, general, 'newer');
      await say(bob, general, 'r1', newer.id);
      await new Promise((r) => setTimeout(r, 5));
      await say(bob, general, 'r2', older.id);
      assert.deepEqual((await view(ann, orgId)).map((t) => t[0]), ['older', 'newer']);
      await chat.messages.delete(ann.id, older.id);
      assert.deepEqual((await view(ann, orgId)).map((t) => t[0]), ['newer']);
      const side = (await chat.create(ann.id, { orgId, name: 'side', kind: 'private' })).id;
      await chat.invite(ann.id, side, [bob.id]);
      const secret = await say(ann, side, 'in side');
      await say(bob, side, 'reply in side', secret.id);
      assert.deepEqual((await view(bob, orgId)).map((t) => t[0]).sort(), ['in side', 'newer']);
      await chat.leave(bob.id, side);
      assert.deepEqual((await view(bob, orgId)).map((t) => t[0]), ['newer'], 'a channel left takes its threads with it');
      await assert.rejects(chat.messages.readThread(bob.id, secret.id), code('MESSAGE_NOT_FOUND'));
      const stranger = (await org()).ann;
      await assert.rejects(chat.messages.followedThreads(stranger.id, orgId), code('ORG_NOT_FOUND'));
      await assert.rejects(chat.messages.readThread(stranger.id, newer.id), code('MESSAGE_NOT_FOUND'));
    });

    test(`at most ${CHAT_LIMITS.followedThreads} threads are listed`, async () => {
      const { ann, bob, orgId, general } = await org();
      for (let i = 0; i <= CHAT_LIMITS.followedThreads; i += 1) {
        const root = await say(ann, general, `t${i}`);
        await say(bob, general, 'ok', root.id);
      }
      const list = await chat.messages.followedThreads(ann.id, orgId);
      assert.equal(list.length, CHAT_LIMITS.followedThreads);
    });
  });
}
