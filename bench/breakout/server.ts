// The server side of the breakout benchmark, in its own process so that its
// CPU time is its own: either Parley (the real gateway and Meeting) or the
// baseline, a bare Socket.IO server doing the least a move needs (switch
// each socket's room, tell it, broadcast one state) and nothing else.
//
//   node bench/breakout/server.ts parley|bare    (forked by bench/breakout.ts)
import http from 'node:http';
import { Server } from 'socket.io';
import type { MeetingId, ParticipantId } from '@parley/protocol';
import { TokenSigner, randomId, type Parley } from '@parley/server';
import { serve } from '../lib/ipc.ts';
import { startLoopbackParley } from '../lib/browser.ts';

const mode = process.argv[2];

async function bare(): Promise<string> {
  const server = http.createServer();
  const io = new Server(server, { serveClient: false });
  let version = 0;
  // One operation: each participant socket to its room, one message each, one state to all.
  const move = (to: (i: number) => string | null) => {
    version += 1;
    const sockets = [...io.sockets.sockets.values()].filter((s) => s.handshake.auth.role !== 'moderator');
    const rooms: Record<string, string[]> = {};
    sockets.forEach((s, i) => {
      const room = to(i);
      for (const r of s.rooms) if (r !== s.id) s.leave(r);
      s.join(room ?? 'main');
      s.emit('moved', { roomId: room, version });
      (rooms[room ?? 'main'] ??= []).push(s.handshake.auth.name as string);
    });
    io.emit('state', { version, rooms });
  };
  io.on('connection', (socket) => {
    socket.on('autoAssign', (n: number, ack: () => void) => {
      move((i) => `room-${i % n}`);
      ack();
    });
    socket.on('closeAll', (_: unknown, ack: () => void) => {
      move(() => null);
      ack();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

const parley: Parley | undefined = mode === 'bare' ? undefined : await startLoopbackParley();
const url = parley?.url ?? (await bare());
// Tokens as POST /join issues them, minted here: a hundred joins from one
// address would (rightly) hit the HTTP rate limit.
const signer = new TokenSigner('bench');
serve({
  url: () => url,
  meeting: async () => (await parley!.meetings.create('Breakout bench')).record.id,
  token: ({ meetingId, name, moderator }: { meetingId: string; name: string; moderator: boolean }) =>
    signer.sign({ meetingId: meetingId as MeetingId, participantId: randomId(10) as ParticipantId, name, moderator }),
  /** CPU microseconds (user + system) of this process so far. */
  cpu: () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
});
