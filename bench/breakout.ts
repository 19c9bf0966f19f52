// Breakout moves at scale: 100 participants (protocol-level Socket.IO
// clients, no media) and a moderator in one meeting with 10 rooms. The
// moderator auto-assigns everyone, then closes all rooms.
//
//   time to consistent   from the moderator's request to the moment the last
//                        of the 101 clients holds a breakout state in which
//                        everyone is where the server put them (and has
//                        received its own move)
//   server CPU           CPU milliseconds the server process spent from the
//                        request until every client was consistent
//   baseline             a bare Socket.IO server (own process, same clients)
//                        doing the least a move needs: switch each socket's
//                        room, one message to each, one state broadcast
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import type { Ack, BreakoutState, JoinResult } from '@parley/protocol';
import { ChildRpc } from './lib/ipc.ts';
import { p50p95 } from './lib/browser.ts';
import type { BenchResult } from './lib/result.ts';

const SERVER = path.join(import.meta.dirname, 'breakout/server.ts');
const ROOMS = 10;

interface Client {
  socket: Socket;
  /** Resolves when this client is consistent with the operation in progress. */
  settled: Promise<number>;
}

const request = <T extends object>(s: Socket, event: string, payload: unknown): Promise<T> =>
  (s.timeout(20_000).emitWithAck(event, payload) as Promise<Ack<T>>).then((res) => {
    if (!res.ok) throw new Error(`${event}: ${res.error.code} ${res.error.message}`);
    return res as T;
  });

async function open(url: string, auth: Record<string, unknown>): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** One operation on Parley: every client must see itself moved and a state where the 100 are where `done` says. */
function parleyWatch(socket: Socket, self: string, expectInRoom: boolean): Promise<number> {
  return new Promise((resolve) => {
    let moved = false;
    let stateOk = false;
    const check = () => {
      if (moved && stateOk) {
        socket.off('breakout:moved', onMoved);
        socket.off('breakout:state', onState);
        resolve(performance.now());
      }
    };
    const onMoved = (m: { roomId: string | null }) => {
      moved = (m.roomId !== null) === expectInRoom;
      check();
    };
    const onState = (s: BreakoutState) => {
      const placed = s.rooms.reduce((n, r) => n + r.members.length, 0);
      stateOk = expectInRoom ? placed === 100 && s.main.length === 1 : placed === 0 && s.main.length === 101;
      check();
    };
    socket.on('breakout:moved', onMoved);
    socket.on('breakout:state', onState);
    // The moderator is not moved: it only waits for the state.
    if (self === 'moderator') moved = true;
  });
}

function bareWatch(socket: Socket, self: string, expectInRoom: boolean): Promise<number> {
  return new Promise((resolve) => {
    let moved = self === 'moderator';
    let stateOk = false;
    const check = () => {
      if (!moved || !stateOk) return;
      socket.off('moved', onMoved);
      socket.off('state', onState);
      resolve(performance.now());
    };
    const onMoved = (m: { roomId: string | null }) => {
      moved = (m.roomId !== null) === expectInRoom;
      check();
    };
    const onState = (s: { rooms: Record<string, string[]> }) => {
      const placed = Object.entries(s.rooms).reduce((n, [room, names]) => n + (room === 'main' ? 0 : names.length), 0);
      stateOk = expectInRoom ? placed === 100 : placed === 0;
      check();
    };
    socket.on('moved', onMoved);
    socket.on('state', onState);
  });
}

interface Measured {
  inMs: number[];
  backMs: number[];
  inCpu: number[];
  backCpu: number[];
}

async function measure(kind: 'parley' | 'bare', rounds: number): Promise<Measured> {
  const server = new ChildRpc(SERVER, [kind]);
  const sockets: Socket[] = [];
  try {
    const url = await server.call<string>('url');
    const out: Measured = { inMs: [], backMs: [], inCpu: [], backCpu: [] };
    let moderator: Socket;
    const names: string[] = [];
    if (kind === 'parley') {
      const meetingId = await server.call<string>('meeting');
      const join = async (name: string, mod: boolean) => {
        const token = await server.call<string>('token', { meetingId, name, moderator: mod });
        const s = await open(url, { token });
        await request<JoinResult>(s, 'meeting:join', {});
        sockets.push(s);
        names.push(mod ? 'moderator' : name);
        return s;
      };
      moderator = await join('Moderator', true);
      for (let i = 0; i < 100; i++) await join(`P${i}`, false);
      for (let i = 0; i < ROOMS; i++) await request(moderator, 'breakout:create', { name: `Room ${i + 1}` });
    } else {
      moderator = await open(url, { role: 'moderator', name: 'Moderator' });
      sockets.push(moderator);
      names.push('moderator');
      for (let i = 0; i < 100; i++) {
        sockets.push(await open(url, { role: 'participant', name: `P${i}` }));
        names.push(`P${i}`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    const op = async (expectInRoom: boolean): Promise<{ ms: number; cpu: number }> => {
      const watch = kind === 'parley' ? parleyWatch : bareWatch;
      const settled = sockets.map((s, i) => watch(s, names[i]!, expectInRoom));
      const cpu0 = await server.call<number>('cpu');
      const t0 = performance.now();
      if (kind === 'parley') await request(moderator, expectInRoom ? 'breakout:autoAssign' : 'breakout:closeAll', {});
      else await moderator.timeout(20_000).emitWithAck(expectInRoom ? 'autoAssign' : 'closeAll', ROOMS);
      const done = Math.max(...(await Promise.all(settled)));
      const cpu1 = await server.call<number>('cpu');
      return { ms: done - t0, cpu: (cpu1 - cpu0) / 1000 };
    };
    for (let r = 0; r < rounds; r++) {
      const a = await op(true);
      out.inMs.push(a.ms);
      out.inCpu.push(a.cpu);
      await new Promise((res) => setTimeout(res, 300));
      const b = await op(false);
      out.backMs.push(b.ms);
      out.backCpu.push(b.cpu);
      await new Promise((res) => setTimeout(res, 300));
    }
    return out;
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
  }
}

export async function run({ quick }: { quick?: boolean }): Promise<BenchResult[]> {
  const rounds = quick ? 3 : 15;
  const parley = await measure('parley', rounds);
  const bare = await measure('bare', rounds);
  const med = (xs: number[]) => p50p95(xs).p50;
  const note = `${rounds} rounds of 100 participants into ${ROOMS} rooms and back; p50 of each; p95 Parley in ${p50p95(parley.inMs).p95.toFixed(0)} ms, back ${p50p95(parley.backMs).p95.toFixed(0)} ms`;
  const base = { bench: 'breakout', baselineName: 'bare Socket.IO' };
  return [
    { ...base, metric: 'into rooms: time to consistent state on all 101 clients', value: med(parley.inMs), baseline: med(bare.inMs), unit: 'ms', note },
    { ...base, metric: 'back to main: time to consistent state on all 101 clients', value: med(parley.backMs), baseline: med(bare.backMs), unit: 'ms' },
    { ...base, metric: 'into rooms: server CPU', value: med(parley.inCpu), baseline: med(bare.inCpu), unit: 'ms' },
    { ...base, metric: 'back to main: server CPU', value: med(parley.backCpu), baseline: med(bare.backCpu), unit: 'ms' },
  ];
}
