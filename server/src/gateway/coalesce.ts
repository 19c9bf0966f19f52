// One system call per flush, not one per packet.
//
// Engine.IO's WebSocket transport sends a flush (the packets a socket queued
// while its last write was in flight) frame by frame, and each frame is its
// own write to the kernel. Chat fan-out queues several packets per socket at
// once (one batch of messages written to the database is several events for
// the same channel), and under load those writes were the largest part of the
// server's CPU (about 40% of its busy time in `writev`). Corking the TCP
// socket for the length of the flush hands the kernel the whole flush in one
// `writev`. Nothing else changes: the same frames, in the same order, with the
// same callbacks.
import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/** What this module needs of Engine.IO's transport (its `socket` is the `ws` WebSocket, whose `_socket` is the TCP socket). */
interface WsTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: NetSocket };
}

const patched = new WeakSet<object>();

function coalesce(transport: WsTransport): void {
  if (transport.name !== 'websocket' || patched.has(transport)) return;
  patched.add(transport);
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    const tcp = transport.socket?._socket;
    if (packets.length < 2 || !tcp || tcp.destroyed) {
      send(packets);
      return;
    }
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}

/** Makes every WebSocket connection of `io` (first or upgraded to) write each flush at once. */
export function coalesceWebSocketWrites(io: Server): void {
  io.engine.on('connection', (conn: { transport: WsTransport; on(event: 'upgrade', fn: (t: WsTransport) => void): void }) => {
    coalesce(conn.transport);
    conn.on('upgrade', (transport) => coalesce(transport));
  });
}
