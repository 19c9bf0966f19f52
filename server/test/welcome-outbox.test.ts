// Euria's welcome survives a Redis outage at the moment someone joins: the
// welcome is a row written with the membership, handed to the bots' queue
// (real BullMQ on the real redis-server) when it answers, exactly once.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'vitest';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { welcomeJobId } from '@parley/protocol';
import { Accounts } from '../src/accounts/Accounts.ts';
import { AccountStore } from '../src/accounts/store.ts';
import { botQueue } from '../src/org/bot-queue.ts';
import { WelcomeOutbox } from '../src/org/welcome-outbox.ts';
import { TEST_ACCOUNT_LIMITS } from './chat-helpers.ts';
import { DB_KINDS, testDb } from './db.ts';
import { chatDomain } from './domain.ts';

for (const kind of DB_KINDS) test(`a welcome waits in the outbox while the queue is down, then is queued once (${kind})`, async () => {
  const redisUrl = process.env.PARLEY_TEST_REDIS_URL!;
  const db = await testDb(kind);
  const name = `welcome-${crypto.randomBytes(4).toString('hex')}`;
  const check = new Queue(name, { connection: { url: redisUrl } });
  try {
    const accounts = new Accounts(new AccountStore(db), { limits: TEST_ACCOUNT_LIMITS });
    const { chat, orgs, orgStore } = chatDomain(db);
    const user = await accounts.signup({ email: `w-${name}@example.org`, username: `w${crypto.randomBytes(3).toString('hex')}`, name: 'Wanda', password: 'correct horse battery' }, { address: 'test' });
    const org = await orgs.create(user.id, 'Welcoming');
    // Written with the membership, in its transaction.
    const pending = () => db.query<{ queued_at: number | null; attempts: number }>('select queued_at, attempts from welcome_outbox where org_id = $1 and user_id = $2', [org.id, user.id]);
    assert.deepEqual((await pending()).map((r) => r.queued_at), [null]);

    // Redis is away: the queue's connection is gone.
    const down = botQueue(redisUrl, name);
    await down.close();
    const log = pino({ level: 'silent' });
    assert.equal(await new WelcomeOutbox({ store: orgStore, queue: down, log }).sweep(), 0);
    const [waiting] = await pending();
    assert.equal(waiting!.queued_at, null, 'still pending');
    assert.equal(waiting!.attempts, 1);
    assert.equal(await check.getJob(welcomeJobId(org.id, user.id)), undefined);

    // It is back: the next sweep queues it, and later sweeps (of any node) add nothing.
    const up = botQueue(redisUrl, name);
    try {
      const outbox = new WelcomeOutbox({ store: orgStore, queue: up, log });
      const [a, b] = await Promise.all([outbox.sweep(), new WelcomeOutbox({ store: orgStore, queue: up, log }).sweep()]);
      assert.equal(a + b, 1);
      assert.equal(await outbox.sweep(), 0);
      const job = await check.getJob(welcomeJobId(org.id, user.id));
      assert.equal(job?.data.orgName, 'Welcoming');
      assert.equal(job?.data.name, 'Wanda');
      assert.equal(await check.count(), 1);
      assert.ok((await pending())[0]!.queued_at);
    } finally {
      await up.close();
    }
  } finally {
    await check.obliterate({ force: true }).catch(() => undefined);
    await check.close();
    await db.close();
  }
});
