// The fan-out baseline: bare Socket.IO, no database, no validation. Each
// socket joins the room named in its handshake; "send" broadcasts to that
// room and acknowledges. Run as its own process, like the Parley server.
//
// BARE_EVENT=parley: what it broadcasts is shaped and sized as Parley's
// chat:event of a plain message as it travels (compacted: protocol's
// chat-wire.ts), made up here: the same bytes to write, parse and hand over
// as Parley's, nothing stored.
import crypto from 'node:crypto';
import http from 'node:http';
import { Server } from 'socket.io';

const parleyShaped = process.env.BARE_EVENT === 'parley';
let seq = 0;
const shaped = (room: string, text: string) => {
  const at = Date.now();
  seq++;
  const channelId = `bench-ch-${room.slice(1)}`;
  return {
    channelId,
    seq,
    at,
    kind: 'message',
    message: { id: crypto.randomUUID(), authorId: `bench-u-${room.slice(1)}-0`, authorName: 'User 0', clientId: `b-${crypto.randomBytes(8).toString('hex')}`, text },
  };
};

const server = http.createServer();
const io = new Server(server, { serveClient: false, pingInterval: 10_000, pingTimeout: 10_000 });
io.on('connection', (socket) => {
  const room = String(socket.handshake.auth.room ?? '');
  void socket.join(room);
  socket.on('send', (payload: { text: string }, ack: (r: { ok: true }) => void) => {
    if (parleyShaped) io.to(room).emit('chat:event', shaped(room, payload.text));
    else io.to(room).emit('msg', payload);
    ack({ ok: true });
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`bare ready http://127.0.0.1:${port}`);
});
// A normal exit on SIGTERM, so that a profiled run (BENCH_CPU_PROF) writes its profile.
process.on('SIGTERM', () => process.exit(0));
