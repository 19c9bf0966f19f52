// The fan-out baseline: bare Socket.IO, no database, no validation. Each
// socket joins the room named in its handshake; "send" broadcasts to that
// room and acknowledges. Run as its own process, like the Parley server.
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server, { serveClient: false, pingInterval: 10_000, pingTimeout: 10_000 });
io.on('connection', (socket) => {
  const room = String(socket.handshake.auth.room ?? '');
  void socket.join(room);
  socket.on('send', (payload: { text: string }, ack: (r: { ok: true }) => void) => {
    io.to(room).emit('msg', payload);
    ack({ ok: true });
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`bare ready http://127.0.0.1:${port}`);
});
// A normal exit on SIGTERM, so that a profiled run (BENCH_CPU_PROF) writes its profile.
process.on('SIGTERM', () => process.exit(0));
