// Several server processes, one PostgreSQL, one Redis: events cross nodes
// through the Socket.IO Redis adapter; a server killed mid-send loses
// nothing acknowledged and the client's retries land exactly once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, test } from 'vitest';
import pg from 'pg';
import type { Ack, ChannelEvent, ChatStateReply, MessageView } from '@parley/protocol';
import { ask, chatSocket, clientId, must, signup, team, type ChatSocket } from './chat-helpers.ts';
import { freshPostgresUrl } from './db.ts';
import { next } from './helpers.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface Node {
  url: string;
  port: number;
  child: ChildProcess;
}

/** One server process (server/src/main.ts), as deployed; resolves once it listens. */
function startNode(env: Record<string, string>, port = 0): Promise<Node> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'server/src/main.ts')], {
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Parley is running: (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, port: Number(new URL(m[1]!).port), child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out.slice(-2000)}`));
    });
  });
}

function kill9(node: Node): Promise<void> {
  return new Promise((resolve) => {
    if (node.child.exitCode !== null || node.child.signalCode !== null) return resolve();
    node.child.once('exit', () => resolve());
    node.child.kill('SIGKILL');
  });
}

describe('chat on several server processes', () => {
  const nodes: Node[] = [];
  const dirs: string[] = [];
  const sockets: ChatSocket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await kill9(n);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function clusterEnv(): Promise<Record<string, string>> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
    dirs.push(dir);
    const tag = crypto.randomBytes(4).toString('hex');
    return {
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      DATABASE_URL: await freshPostgresUrl(),
      REDIS_URL: process.env.PARLEY_TEST_REDIS_URL!,
      PARLEY_SECRET: `cluster-secret-${tag}`,
      // One cluster per test: other test files' servers share this redis-server.
      CLUSTER_NAME: `cluster-${tag}`,
      BOTS_QUEUE: `bots-${tag}`,
      CAPTURE_QUEUE: `capture-${tag}`,
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_PORT: '0',
      LOG_LEVEL: 'warn',
      WEB_DIST: path.join(dir, 'no-web'),
    };
  }

  test('two processes, a client on each: messages, edits and presence cross between them', async () => {
    const env = await clusterEnv();
    // Started together: both migrate the same empty database at once.
    const started = await Promise.allSettled([startNode(env), startNode(env)]);
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    const [a, b] = nodes.slice(-2) as [Node, Node];
    const { owner, members } = await team(a.url, ['bea']);
    const sa = await chatSocket(a.url, owner.token);
    const online = next<{ users: { userId: string; presence: string }[] }>(sa as never, 'chat:presence', (p) => p.users.some((u) => u.userId === members[0]!.user.id && u.presence === 'online'));
    const sb = await chatSocket(b.url, members[0]!.token);
    sockets.push(sa, sb);
    await online;
    const ch = (await must<ChatStateReply>(sb, 'chat:state', {})).channels.find((c) => c.name === 'general')!;
    const got = next<ChannelEvent>(sb as never, 'chat:event', (e) => e.kind === 'message' && e.message.text === 'from node A');
    const { message } = await must<{ message: MessageView }>(sa, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'from node A' });
    assert.equal(((await got) as { message: MessageView }).message.id, message.id);
    const back = next<ChannelEvent>(sa as never, 'chat:event', (e) => e.kind === 'message:edited');
    const reply = await must<{ message: MessageView }>(sb, 'message:send', { channelId: ch.id, clientId: clientId(), text: 'from node B' });
    await must(sb, 'message:edit', { messageId: reply.message.id, text: 'from node B, edited' });
    assert.equal(((await back) as { message: MessageView }).message.text, 'from node B, edited');
    // A channel created on one node reaches a member connected to the other.
    const added = next<{ channel: { name: string } }>(sb as never, 'chat:channel', (p) => p.channel.name === 'cross');
    const created = await must<{ channel: { id: string } }>(sa, 'channel:create', { orgId: owner.orgs[0]!.id, name: 'cross', kind: 'private' });
    await must(sa, 'channel:invite', { channelId: created.channel.id, userIds: [members[0]!.user.id] });
    await added;
    const inCross = next<ChannelEvent>(sb as never, 'chat:event', (e) => e.channelId === created.channel.id && e.kind === 'message' && e.message.text === 'welcome');
    await must(sa, 'message:send', { channelId: created.channel.id, clientId: clientId(), text: 'welcome' });
    await inCross;
  });

  test('a server killed with kill -9 mid-send: after restart every retry lands exactly once, nothing acknowledged is lost', async () => {
    const env = await clusterEnv();
    let node = await startNode(env);
    nodes.push(node);
    const me = await signup(node.url, 'kai', { orgName: 'Crash Corp' });
    const s = await chatSocket(node.url, me.token, { reconnection: true });
    sockets.push(s);
    const ch = (await must<ChatStateReply>(s, 'chat:state', {})).channels.find((c) => c.name === 'general')!;

    // The client's outbox, as the web client keeps it: every send keeps its
    // clientId until acknowledged, and is sent again after a reconnection.
    const total = 60;
    const ids = Array.from({ length: total }, () => clientId());
    const acked = new Map<string, MessageView>();
    const sendOne = async (i: number): Promise<void> => {
      for (;;) {
        const res: Ack<{ message: MessageView }> | undefined = await ask<{ message: MessageView }>(s, 'message:send', { channelId: ch.id, clientId: ids[i]!, text: `m${i}` }, 2000).catch(
          () => undefined,
        );
        if (res?.ok) {
          acked.set(ids[i]!, res.message);
          return;
        }
        if (res && !res.ok && res.error.code !== 'RATE_LIMITED') throw new Error(`${res.error.code}: ${res.error.message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // Five at a time (under the per-user rate), killed once a third is in.
    const pump = (async () => {
      for (let i = 0; i < total; i += 5) {
        await Promise.all(Array.from({ length: Math.min(5, total - i) }, (_, k) => sendOne(i + k)));
      }
    })();
    while (acked.size < total / 3) await new Promise((r) => setTimeout(r, 10));
    const ackedBeforeKill = new Map(acked);
    await kill9(node);
    node = await startNode(env, node.port);
    nodes.push(node);
    await pump;

    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      const rows = (await db.query<{ client_id: string; n: number; id: string }>('select client_id, count(*)::int as n, min(id) as id from messages where client_id = any($1) group by client_id', [ids])).rows;
      assert.equal(rows.length, total, 'every send landed');
      assert.ok(rows.every((r) => r.n === 1), 'and each exactly once');
      for (const [cid, m] of ackedBeforeKill) assert.equal(rows.find((r) => r.client_id === cid)!.id, m.id, 'acknowledged before the kill, still there');
      const seqs = (await db.query<{ seq: number }>('select seq from messages where channel_id = $1 order by seq', [ch.id])).rows.map((r) => r.seq);
      assert.equal(new Set(seqs).size, seqs.length);
    } finally {
      await db.end();
    }
  });
});
