// WebSocket flushes written in one system call: a socket that queued many
// packets gets them all, in order, in at most two writes to the kernel (the
// first packet goes at once; the rest queue behind it and go as one flush).
// The same server without coalescing is measured alongside, so the test shows
// what it saves and cannot pass on a machine where writes merge anyway.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { test } from 'vitest';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { coalesceWebSocketWrites } from '../src/gateway/coalesce.ts';

const PACKETS = 20;

/** Starts a server, has it emit PACKETS packets to one client in one tick; returns the kernel writes that took and what arrived. */
async function burst(opts: { coalesce: boolean; transports: ('polling' | 'websocket')[] }): Promise<{ writes: number; received: number[] }> {
  const server = http.createServer();
  const io = new Server(server);
  if (opts.coalesce) coalesceWebSocketWrites(io);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const client = connect(url, { transports: opts.transports, forceNew: true, reconnection: false });
  try {
    const received: number[] = [];
    const all = new Promise<void>((resolve) => client.on('n', (i: number) => (received.push(i), received.length === PACKETS && resolve())));
    const [socket] = await Promise.all([
      new Promise<import('socket.io').Socket>((resolve) => io.on('connection', resolve)),
      new Promise<void>((resolve) => client.on('connect', resolve)),
    ]);
    // A client that starts on long-polling moves to WebSocket: wait for that.
    const deadline = Date.now() + 5000;
    while (socket.conn.transport.name !== 'websocket' || socket.conn.upgrading) {
      if (Date.now() > deadline) throw new Error('no WebSocket upgrade');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
    const tcp = (socket.conn.transport as unknown as { socket: { _socket: NetSocket & { _write: Function; _writev: Function } } }).socket._socket;
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      const original = tcp[name].bind(tcp);
      tcp[name] = (...args: unknown[]) => {
        writes += 1;
        return original(...args);
      };
    }
    for (let i = 0; i < PACKETS; i++) socket.emit('n', i);
    await all;
    return { writes, received };
  } finally {
    client.close();
    await io.close();
  }
}

test('a burst of packets to one WebSocket goes to the kernel in at most two writes, complete and in order', async () => {
  const plain = await burst({ coalesce: false, transports: ['websocket'] });
  const coalesced = await burst({ coalesce: true, transports: ['websocket'] });
  const order = Array.from({ length: PACKETS }, (_, i) => i);
  assert.deepEqual(plain.received, order);
  assert.deepEqual(coalesced.received, order);
  assert.ok(plain.writes >= PACKETS - 1, `without coalescing: ${plain.writes} writes`);
  assert.ok(coalesced.writes <= 2, `coalesced: ${coalesced.writes} writes for ${PACKETS} packets`);
});

test('a connection upgraded from long-polling to WebSocket is coalesced too', async () => {
  const upgraded = await burst({ coalesce: true, transports: ['polling', 'websocket'] });
  assert.deepEqual(upgraded.received, Array.from({ length: PACKETS }, (_, i) => i));
  assert.ok(upgraded.writes <= 2, `coalesced after upgrade: ${upgraded.writes} writes for ${PACKETS} packets`);
});
