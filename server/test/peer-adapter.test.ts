// The Redis adapter that broadcasts locally while a node is alone: nothing
// goes through Redis then, and a node that joins later still gets every
// broadcast meant for its sockets, from the moment it takes them. Its own
// redis-server: the shared one hears other test files' servers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { startRedis, type RedisServer } from '../../scripts/lib/redis-server.ts';
import { PeerWatch, peerAwareAdapter } from '../src/gateway/peer-adapter.ts';
import { connectRedis } from '@parley/platform';

interface Node {
  io: Server;
  url: string;
  peers: PeerWatch;
  pub: Redis;
  sub: Redis;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('peer-aware Redis adapter', () => {
  let redis: RedisServer;
  let monitor: Redis;
  /** Every adapter broadcast that went through Redis. */
  let published = 0;
  const nodes: Node[] = [];
  const clients: Socket[] = [];
  const dir = fs.mkdtempSync(path.join(process.env.PARLEY_TEST_TMP ?? os.tmpdir(), 'peer-adapter-'));

  beforeAll(async () => {
    redis = await startRedis(dir);
    monitor = connectRedis(redis.url, 'monitor');
    await monitor.connect();
    monitor.on('pmessageBuffer', () => published++);
    await monitor.psubscribe('test#socket.io#/#*');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const n of nodes) await n.stop();
    monitor.disconnect();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function node(label: string): Promise<Node> {
    const pub = connectRedis(redis.url, `pub-${label}`);
    const sub = connectRedis(redis.url, `sub-${label}`);
    await Promise.all([pub.connect(), sub.connect()]);
    const peers = new PeerWatch(pub, sub, { cluster: 'test', checkMs: 100 });
    await peers.start();
    const server = http.createServer();
    const io = new Server(server, { serveClient: false });
    io.adapter(peerAwareAdapter(pub, sub, peers, 'test') as never);
    io.on('connection', (s) => void s.join('room'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const n: Node = {
      io,
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      peers,
      pub,
      sub,
      async stop() {
        peers.stop();
        await new Promise<void>((r) => io.close(() => r()));
        pub.disconnect();
        sub.disconnect();
      },
    };
    nodes.push(n);
    return n;
  }

  async function client(n: Node): Promise<{ got: string[] }> {
    const s = connect(n.url, { transports: ['websocket'], forceNew: true });
    clients.push(s);
    const got: string[] = [];
    s.on('news', (text: string) => got.push(text));
    await new Promise<void>((r, j) => (s.once('connect', () => r()), s.once('connect_error', j)));
    await sleep(50); // its join, on the server
    return { got };
  }

  test('alone: broadcasts reach local sockets and nothing is published', async () => {
    const a = await node('a');
    await until('node A alone', () => a.peers.alone);
    const ca = await client(a);
    const before = published;
    for (let i = 0; i < 5; i++) a.io.to('room').emit('news', `alone ${i}`);
    await until('local delivery', () => ca.got.length === 5);
    await sleep(200);
    assert.equal(published, before, 'no broadcast went through Redis');
  });

  test('a node that starts next to it gets its broadcasts from its first socket on, and then leaves', async () => {
    const a = nodes[0]!;
    const b = await node('b');
    // B took no socket before A knew of it.
    assert.equal(a.peers.alone, false);
    assert.equal(b.peers.alone, false);
    const cb = await client(b);
    const before = published;
    a.io.to('room').emit('news', 'from A');
    b.io.to('room').emit('news', 'from B');
    await until('both on B', () => cb.got.includes('from A') && cb.got.includes('from B'));
    assert.ok(published >= before + 2);
    await b.stop();
    nodes.pop();
    await until('node A alone again', () => a.peers.alone);
  });

  test('a node whose subscriber connection drops gets the broadcasts again once it is back', async () => {
    const a = nodes[0]!;
    const b = await node('b');
    const cb = await client(b);
    // Redis drops B's subscriber; ioredis reconnects and subscribes again.
    const list = String(await a.pub.call('client', 'list', 'type', 'pubsub'));
    const ids = list.split('\n').filter((l) => l.includes('name=parley-sub-b ')).map((l) => /id=(\d+)/.exec(l)![1]!);
    assert.equal(ids.length, 1);
    await a.pub.call('client', 'kill', 'id', ids[0]!);
    await until('B back and A publishing', () => b.sub.status === 'ready' && !a.peers.alone, 10_000);
    // Resubscribing happens in the background: wait until A's broadcasts reach B again.
    await until(
      'A reaching B',
      () => {
        a.io.to('room').emit('news', 'after drop');
        return cb.got.includes('after drop');
      },
      10_000,
    );
  });
});
