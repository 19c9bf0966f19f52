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

/** What tells a client that an operation reached it: its own move and a state showing everyone placed. */
interface Protocol {
  moved: string;
  state: string;
  /** Whether a state payload shows the 100 in rooms (or, `inRooms` false, all back in main). */
  placed(state: never, inRooms: boolean): boolean;
}

const PARLEY: Protocol = {
  moved: 'breakout:moved',
  state: 'breakout:state',
  placed: (s: BreakoutState, inRooms: boolean) => {
    const inAny = s.rooms.reduce((n, r) => n + r.members.length, 0);
    return inRooms ? inAny === 100 && s.main.length === 1 : inAny === 0 && s.main.length === 101;
  },
};
const BARE: Protocol = {
  moved: 'moved',
  state: 'state',
  placed: (s: { rooms: Record<string, string[]> }, inRooms: boolean) => {
    const inAny = Object.entries(s.rooms).reduce((n, [room, names]) => n + (room === 'main' ? 0 : names.length), 0);
    return inAny === (inRooms ? 100 : 0);
  },
};

/** Resolves with the time this client became consistent with the operation. */
function settled(socket: Socket, protocol: Protocol, isModerator: boolean, inRooms: boolean): Promise<number> {
  return new Promise((resolve) => {
    // The moderator is not moved: it only waits for the state.
    let moved = isModerator;
    let placed = false;
    const check = () => {
      if (!moved || !placed) return;
      socket.off(protocol.moved, onMoved);
      socket.off(protocol.state, onState);
      resolve(performance.now());
    };
    const onMoved = (m: { roomId: string | null }) => {
      moved = (m.roomId !== null) === inRooms;
      check();
    };
    const onState = (state: unknown) => {
      placed = protocol.placed(state as never, inRooms);
      check();
    };
    socket.on(protocol.moved, onMoved);
    socket.on(protocol.state, onState);
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
      const protocol = kind === 'parley' ? PARLEY : BARE;
      const done = sockets.map((s, i) => settled(s, protocol, names[i] === 'moderator', expectInRoom));
      const cpu0 = await server.call<number>('cpu');
      const t0 = performance.now();
      if (kind === 'parley') await request(moderator, expectInRoom ? 'breakout:autoAssign' : 'breakout:closeAll', {});
      else await moderator.timeout(20_000).emitWithAck(expectInRoom ? 'autoAssign' : 'closeAll', ROOMS);
      const last = Math.max(...(await Promise.all(done)));
      const cpu1 = await server.call<number>('cpu');
      return { ms: last - t0, cpu: (cpu1 - cpu0) / 1000 };
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
