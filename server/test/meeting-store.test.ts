// One contract, every MeetingStore implementation: the memory store and the
// Redis store (against the real redis-server the test runner starts).
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TalkMessage, MeetingId, MeetingInfoReply } from '@parley/protocol';
import { connectRedis, MemoryMeetingStore, randomId, RedisMeetingStore, type MeetingRecord, type MeetingStore, type Parley } from '../src/index.ts';
import { closeAll, connect, createMeeting, http, joinToken, next, ok, sleep, startServer, type ClientSocket } from './helpers.ts';

const TTL_MS = 2000;

function record(overrides: Partial<MeetingRecord> = {}): MeetingRecord {
  return {
    id: randomId() as MeetingId,
    title: 'Contract — “quotes”, emoji 🎉 and\nnewlines',
    createdAt: Date.now(),
    moderatorTokenHash: crypto.randomBytes(32).toString('base64url'),
    ...overrides,
  };
}

interface Implementation {
  name: string;
  /** A store whose records live TTL_MS. */
  make(): Promise<MeetingStore>;
  cleanup(): Promise<void>;
}

function contract(impl: Implementation): void {
  describe(impl.name, () => {
    let store: MeetingStore;
    beforeAll(async () => {
      store = await impl.make();
    });
    afterAll(async () => {
      await store.close();
      await impl.cleanup();
    });

    test('create then get returns an equal record', async () => {
      const r = record();
      assert.equal(await store.create(r), true);
      assert.deepEqual(await store.get(r.id), r);
    });

    test('the record handed back is a copy', async () => {
      const r = record();
      await store.create(r);
      r.title = 'changed by the caller after create';
      const got = (await store.get(r.id))!;
      assert.notEqual(got.title, r.title);
      got.title = 'changed by the caller after get';
      assert.notEqual((await store.get(r.id))!.title, got.title);
    });

    test('a duplicate id is refused and the first record is kept', async () => {
      const first = record();
      assert.equal(await store.create(first), true);
      const second = record({ id: first.id, title: 'impostor' });
      assert.equal(await store.create(second), false);
      assert.deepEqual(await store.get(first.id), first);
    });

    test('concurrent creates of one id: exactly one wins', async () => {
      const id = randomId() as MeetingId;
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.create(record({ id, title: `racer ${i}` }))));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await store.get(id))!.title, `racer ${winner}`);
    });

    test('an unknown id is undefined, and touching it does not create it', async () => {
      const id = randomId() as MeetingId;
      assert.equal(await store.get(id), undefined);
      await store.touch(id);
      assert.equal(await store.get(id), undefined);
    });

    test('patch changes the given fields and keeps the others, nested settings and all; an unknown id is false', async () => {
      const r = record({ ownerId: 'owner-1' });
      await store.create(r);
      const settings = {
        waitingRoom: true,
        passwordHash: 'scrypt$c2FsdA$aGFzaA',
        passwordSkipsWaitingRoom: false,
        startMuted: true,
        startCameraOff: false,
        reactionSounds: false,
        audioModeration: true,
        videoModeration: false,
      };
      assert.equal(await store.patch(r.id, { settings }), true);
      assert.deepEqual(await store.get(r.id), { ...r, settings });
      assert.equal(await store.patch(r.id, { moderatorTokenHash: 'new-hash', settings: { ...settings, passwordHash: null } }), true);
      assert.deepEqual(await store.get(r.id), { ...r, moderatorTokenHash: 'new-hash', settings: { ...settings, passwordHash: null } });
      assert.equal(await store.patch(randomId() as MeetingId, { title: 'nobody' }), false);
      // Concurrent patches of different fields both land.
      await Promise.all([store.patch(r.id, { title: 'renamed' }), store.patch(r.id, { ownerId: 'owner-2' })]);
      const got = (await store.get(r.id))!;
      assert.equal(got.title, 'renamed');
      assert.equal(got.ownerId, 'owner-2');
      assert.equal(got.createdAt, r.createdAt);
    });

    test('a patch is not a use: the record still expires when it would have', async () => {
      const r = record();
      await store.create(r);
      await sleep(TTL_MS / 2);
      assert.equal(await store.patch(r.id, { title: 'patched' }), true);
      await sleep((TTL_MS * 3) / 4);
      assert.equal(await store.get(r.id), undefined);
      assert.equal(await store.patch(r.id, { title: 'too late' }), false);
    });

    test('records expire after the TTL unless touched; an expired id can be created again', async () => {
      const kept = record();
      const dropped = record();
      await store.create(kept);
      await store.create(dropped);
      await sleep(TTL_MS / 2);
      await store.touch(kept.id); // now lives until 1.5 TTL
      await sleep((TTL_MS * 3) / 4); // 1.25 TTL
      assert.equal(await store.get(dropped.id), undefined, 'untouched record expired');
      await store.touch(dropped.id);
      assert.equal(await store.get(dropped.id), undefined, 'touching an expired record does not revive it');
      assert.deepEqual(await store.get(kept.id), kept, 'touched record still there');
      await sleep(TTL_MS / 2); // 1.75 TTL
      assert.equal(await store.get(kept.id), undefined, 'touched record expired in its turn');
      const reborn = record({ id: dropped.id, title: 'reborn' });
      assert.equal(await store.create(reborn), true);
      assert.deepEqual(await store.get(dropped.id), reborn);
    });

    test('a code belongs to one meeting while it lives: claimed again by it, refused to another, expires unless touched with its meeting', async () => {
      const a = record();
      const b = record();
      const code = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
      const other = code === '999999999' ? '999999998' : '999999999';
      assert.equal(await store.claimCode(code, a.id), true);
      assert.equal(await store.claimCode(code, a.id), true, 'the same meeting again');
      assert.equal(await store.claimCode(code, b.id), false, 'another meeting');
      assert.equal(await store.byCode(code), a.id);
      assert.equal(await store.claimCode(other, b.id), true);
      await sleep(TTL_MS / 2);
      await store.touch(a.id, code);
      await sleep((TTL_MS * 3) / 4);
      assert.equal(await store.byCode(code), a.id, 'touched with its meeting');
      assert.equal(await store.byCode(other), undefined, 'untouched: expired');
      assert.equal(await store.claimCode(other, a.id), true, 'an expired code is free again');
    });
  });
}

const redisUrl = process.env.PARLEY_TEST_REDIS_URL;

describe.concurrent('MeetingStore contract', () => {
  contract({
    name: 'MemoryMeetingStore',
    make: async () => new MemoryMeetingStore(TTL_MS),
    cleanup: async () => undefined,
  });

  let redis: Redis | undefined;
  const prefix = `parley:test:${randomId(6)}:`;
  contract({
    name: 'RedisMeetingStore',
    make: async () => {
      assert.ok(redisUrl, 'PARLEY_TEST_REDIS_URL is set by the test runner');
      redis = connectRedis(redisUrl, 'store-test');
      await redis.connect();
      return new RedisMeetingStore(redis, TTL_MS, prefix);
    },
    cleanup: async () => {
      if (!redis) return;
      // Only this run's keys: the prefix keeps it apart from anything else in this Redis.
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  });
});

describe('the server on Redis', () => {
  let parley: Parley;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    parley = await startServer({ redis: true });
  });
  afterAll(async () => {
    closeAll(...sockets);
    await parley.close();
  });

  test('meetings are stored in Redis, and a meeting works through the Redis adapter', async () => {
    const m = await createMeeting(parley.url, 'On Redis');
    const info = await http<MeetingInfoReply>(parley.url, 'GET', `/api/meetings/${m.id}`);
    assert.equal(info.body.title, 'On Redis');
    const check = connectRedis(redisUrl!, 'store-check');
    await check.connect();
    try {
      const raw = await check.get(`parley:meeting:${m.id}`);
      assert.equal((JSON.parse(raw!) as MeetingRecord).title, 'On Redis');
      const ttl = await check.ttl(`parley:meeting:${m.id}`);
      assert.ok(ttl > 0, 'the record expires some day');
    } finally {
      check.disconnect();
    }
    const a = await joinToken(parley.url, m.id, 'Ada');
    const b = await joinToken(parley.url, m.id, 'Bob');
    const sa = await connect(parley.url, a.token);
    const sb = await connect(parley.url, b.token);
    sockets.push(sa, sb);
    await ok(sa, 'meeting:join', {});
    await ok(sb, 'meeting:join', {});
    const got = next<TalkMessage>(sa, 'talk:message');
    const mine = next<TalkMessage>(sb, 'talk:message');
    await ok(sb, 'talk:send', { text: 'via redis', to: a.participantId });
    assert.equal((await got).text, 'via redis');
    assert.equal((await mine).text, 'via redis');
    assert.equal(parley.meetings.live(m.id as MeetingId)!.size, 2);
  });
});

describe('two nodes of one cluster', () => {
  test('a node that shuts down ends its own participants only, not the other node’s', async () => {
    const cluster = `stop-${Date.now().toString(36)}`;
    const a = await startServer({ redis: true, config: { clusterName: cluster } });
    const b = await startServer({ redis: true, config: { clusterName: cluster } });
    const sockets: ClientSocket[] = [];
    try {
      const m = await createMeeting(a.url, 'Stays');
      const t = await joinToken(a.url, m.id, 'Ada');
      const sa = await connect(a.url, t.token);
      sockets.push(sa);
      await ok(sa, 'meeting:join', {});
      const ended: unknown[] = [];
      sa.on('meeting:ended', (p) => ended.push(p));
      let dropped = false;
      sa.on('disconnect', () => (dropped = true));
      await b.close();
      // Whatever B broadcast on its way out has had time to arrive.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(ended, []);
      assert.equal(dropped, false);
      assert.equal(sa.connected, true);
    } finally {
      closeAll(...sockets);
      await a.close();
    }
  });
});
