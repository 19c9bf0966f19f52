// Chat fan-out: 2,000 sockets in channels of 50. Each message is persisted
// (PostgreSQL, the production path) and delivered to every member's socket.
// Baseline, same run, same load generator: a bare Socket.IO server that
// broadcasts to a room with nothing else.
//
// Figures: deliveries per second at peak (closed loop: a window of sends in
// flight per channel, from members in turn), p50/p99 delivery latency at half
// of Parley's peak message rate (open loop), server memory per connection.
//
// The load generator gets one core and the server side (the server, its
// PostgreSQL and Redis; the bare server) the others, for both targets. In
// production the clients are other machines: sharing cores here charged the
// server with the generator's own work, which is larger for Parley's richer
// events (more bytes to parse, more reads), and made both figures swing with
// how the scheduler happened to interleave the two. BENCH_PIN=0 runs unpinned.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { startPostgres } from '../scripts/lib/postgres-server.ts';
import { startRedis } from '../scripts/lib/redis-server.ts';
import { processTree } from './lib/proc.ts';
import type { BenchResult } from './lib/result.ts';
import { scrapeStages } from './lib/metrics.ts';

const root = path.resolve(import.meta.dirname, '..');
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

interface Target {
  name: string;
  child: ChildProcess;
  /** Processes whose CPU is accounted (name -> root pid): the server, its database, Redis. */
  parts: Record<string, number>;
  url: string;
  /** Connects member `i` of channel `c`. */
  connect(c: number, i: number): Socket;
  /** Sends one message from member `i` of channel `c`; resolves on ack (false: refused). */
  send(s: Socket, c: number, text: string): Promise<boolean>;
  event: string;
  textOf(payload: unknown): string | undefined;
  /** The server's own counters of where sends' time went (Parley's /metrics), summed since it started. */
  stages?(): Promise<Record<string, number>>;
}

function spawnReady(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${out.slice(-2000)}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onErr);
        // BENCH_SERVER_OUT=1: the servers' own output goes to stderr (to see what they log under load).
        const echo = (d: Buffer) => void (process.env.BENCH_SERVER_OUT === '1' && process.stderr.write(d));
        child.stdout!.on('data', echo);
        child.stderr!.on('data', echo);
        resolve({ child, match: m });
      }
    };
    child.stdout!.on('data', onData);
    const onErr = (d: Buffer) => void (out += d.toString());
    child.stderr!.on('data', onErr);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out.slice(-2000)}`)));
  });
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU sets: the load generator's and the server side's (null: unpinned, or a single core). */
const pinning = (() => {
  const n = os.availableParallelism();
  if (process.env.BENCH_PIN === '0' || n < 2) return null;
  return { generator: '0', server: n === 2 ? '1' : `1-${n - 1}` };
})();

/** Pins every thread of `pids` and of their descendants (PostgreSQL's backends fork from a pinned postmaster and stay pinned). */
function pin(pids: number[], cpus: string): void {
  for (const pid of new Set(pids.flatMap((p) => processTree(p).map((s) => s.pid)))) {
    const res = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
    // A process that ended meanwhile (a backend, a server shutting down) needs no pinning.
    if (res.status !== 0 && !/No such process/.test(res.stderr)) throw new Error(`taskset failed for ${pid}: ${res.stderr}`);
  }
}

function ackOf(socket: Socket, event: string, payload: unknown): Promise<{ ok: boolean }> {
  return socket.timeout(30_000).emitWithAck(event, payload) as Promise<{ ok: boolean }>;
}

async function parleyTarget(channels: number, members: number, tmp: string): Promise<Target & { stop(): Promise<void> }> {
  const pgServer = await startPostgres();
  const redis = await startRedis(path.join(tmp, 'redis'));
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  await admin.query('create database bench');
  await admin.end();
  const dbUrl = pgServer.url.replace(/\/postgres$/, '/bench');
  const prof = profileArgs();
  const { child, match } = await spawnReady(
    [...prof, path.join(root, 'server/src/main.ts')],
    {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: path.join(tmp, 'data'),
      DATABASE_URL: dbUrl,
      DATABASE_POOL_SIZE: '20',
      REDIS_URL: redis.url,
      PARLEY_SECRET: 'bench-secret',
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_PORT: '0',
      LOG_LEVEL: 'warn',
      WEB_DIST: path.join(tmp, 'none'),
    },
    /Parley is running: (http:\/\/\S+)/,
  );
  const url = match[1]!;

  // Setup straight into the database (accounts by sign-up would spend minutes
  // in scrypt): one organization, `channels` public channels of `members`.
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const now = Date.now();
  const tokens: string[][] = [];
  const channelIds: string[] = [];
  await db.query(`insert into orgs (id, name, created_at) values ('bench-org', 'Bench', $1)`, [now]);
  for (let c = 0; c < channels; c++) {
    const cid = `bench-ch-${c}`;
    channelIds.push(cid);
    tokens.push([]);
    for (let i = 0; i < members; i++) tokens[c]!.push(`bench-token-${c}-${i}-${crypto.randomBytes(8).toString('hex')}`);
    const prefix = `bench-u-${c}-`;
    await db.query(
      `insert into users (id, email, username, name, created_at)
       select $1 || g, $1 || g || '@bench.invalid', $1 || g, 'User ' || g, $3 from generate_series(0, $2 - 1) g`,
      [prefix, members, now],
    );
    await db.query(
      `insert into sessions (token_hash, user_id, created_at, expires_at)
       select h, $1 || (i - 1), $3, $4 from unnest($2::text[]) with ordinality as t(h, i)`,
      [prefix, tokens[c]!.map(sha256), now, now + 86_400_000],
    );
    await db.query(`insert into org_members (org_id, user_id, role, joined_at) select 'bench-org', id, 'collaborator', $2 from users where id like $1`, [`bench-u-${c}-%`, now]);
    await db.query(`insert into channels (id, org_id, kind, name, created_by, created_at) values ($1, 'bench-org', 'public', $2, $3, $4)`, [cid, `bench-${c}`, `bench-u-${c}-0`, now]);
    await db.query(`insert into channel_members (channel_id, user_id, joined_at) select $1, id, $3 from users where id like $2`, [cid, `bench-u-${c}-%`, now]);
  }
  await db.end();

  return {
    name: 'parley',
    child,
    parts: { server: child.pid!, postgres: pgServer.process.pid!, redis: redis.process.pid! },
    url,
    event: 'chat:event',
    connect: (c, i) => io(`${url}/chat`, { auth: { token: tokens[c]![i]! }, transports: ['websocket'], reconnection: false, forceNew: true }),
    async send(s, c, text) {
      const res = await ackOf(s, 'message:send', { channelId: channelIds[c]!, clientId: `b-${crypto.randomBytes(8).toString('hex')}`, text });
      return res.ok;
    },
    textOf: (p) => {
      const e = p as { kind?: string; message?: { text: string } };
      return e.kind === 'message' ? e.message!.text : undefined;
    },
    stages: () => scrapeStages(url),
    async stop() {
      await stopServer(child, prof.length > 0);
      await redis.stop();
      await pgServer.stop();
    },
  };
}

/**
 * BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when
 * stopped (open it in Chrome DevTools); the phases' windows are printed on
 * the profiles' clock, to look at one phase alone.
 */
const profileArgs = () => (process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : []);

/** Stops a server; SIGTERM first when it was started to write a profile. */
async function stopServer(child: ChildProcess, profiled: boolean): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(profiled ? 'SIGTERM' : 'SIGKILL');
  await Promise.race([exited, sleep(10_000)]);
  child.kill('SIGKILL');
}

/** `shaped`: it broadcasts events shaped and sized as Parley's (see bare-server.ts). */
async function bareTarget(shaped = false): Promise<Target & { stop(): Promise<void> }> {
  const prof = profileArgs();
  const { child, match } = await spawnReady([...prof, path.join(root, 'bench/chat/bare-server.ts')], shaped ? { BARE_EVENT: 'parley' } : {}, /bare ready (http:\/\/\S+)/);
  const url = match[1]!;
  return {
    name: shaped ? 'bare-shaped' : 'bare',
    child,
    parts: { server: child.pid! },
    url,
    event: shaped ? 'chat:event' : 'msg',
    connect: (c) => io(url, { auth: { room: `r${c}` }, transports: ['websocket'], reconnection: false, forceNew: true }),
    async send(s, _c, text) {
      return (await ackOf(s, 'send', { text })).ok;
    },
    textOf: shaped ? (p) => (p as { message: { text: string } }).message.text : (p) => (p as { text: string }).text,
    async stop() {
      await stopServer(child, prof.length > 0);
    },
  };
}

interface Measured {
  /** CPU cores used on average during the run, per part (and the load generator). */
  cores: Record<string, number>;
  deliveriesPerSecond: number;
  messagesPerSecond: number;
  p50: number;
  p99: number;
  mean: number;
  /**
   * Where a send's time went on the server, ms per send on average (the
   * server's own counters over the same window): the rest of `mean` is the
   * way in (client, network, Socket.IO, validation) and out (encoding,
   * socket writes, the receiving client).
   */
  stages?: Record<string, number>;
  /** Sends per batch on average. */
  batchSize?: number;
  refused: number;
  /**
   * p99 of the load generator's own event-loop delay, ms: a delivery waits
   * that long to be timed once the generator itself is busy, whatever the
   * server did.
   */
  generatorLagP99: number;
}

interface Memory {
  /** RSS growth over the whole connect, per socket: what the connections cost, with whatever the process grew by once (V8's young generation grows with the allocation rate). */
  bytesPerSocket: number;
  /** RSS growth per socket from half of the sockets to all of them: the cost of one more connection. */
  marginalPerSocket: number;
}

/** Connects every member; returns sockets[channel][member] and the server's RSS growth per socket. */
async function connectAll(t: Target, channels: number, members: number): Promise<{ sockets: Socket[][]; memory: Memory }> {
  const before = rssOf(t.child.pid!);
  let half = before;
  const sockets: Socket[][] = [];
  for (let c = 0; c < channels; c++) {
    const row: Socket[] = [];
    for (let i = 0; i < members; i++) row.push(t.connect(c, i));
    await Promise.all(row.map((s) => new Promise<void>((resolve, reject) => (s.connected ? resolve() : (s.once('connect', () => resolve()), s.once('connect_error', reject))))));
    sockets.push(row);
    if (c + 1 === Math.floor(channels / 2)) {
      await sleep(2000);
      half = rssOf(t.child.pid!);
    }
  }
  await sleep(2000);
  const after = rssOf(t.child.pid!);
  const n = channels * members;
  const firstHalf = Math.floor(channels / 2) * members;
  return { sockets, memory: { bytesPerSocket: (after - before) / n, marginalPerSocket: (after - half) / (n - firstHalf) } };
}

/**
 * Runs load for `seconds`: closed loop (`window` sends in flight per channel)
 * when `ratePerChannel` is undefined, else open loop at that rate.
 */
async function load(t: Target, sockets: Socket[][], opts: { seconds: number; window?: number; ratePerChannel?: number }): Promise<Measured> {
  const latencies: number[] = [];
  let deliveries = 0;
  let sent = 0;
  let refused = 0;
  let measuring = false;
  const listeners: [Socket, (p: unknown) => void][] = [];
  const phase = crypto.randomBytes(4).toString('hex');
  for (const row of sockets) {
    for (const s of row) {
      const fn = (p: unknown) => {
        const text = t.textOf(p);
        if (!text || !measuring) return;
        const at = Number(text.split(' ')[1]);
        // Deliveries of an earlier run still draining from the sockets are not this run's.
        if (text.split(' ')[2] !== phase) return;
        deliveries++;
        if (at) latencies.push(performance.now() - at);
      };
      s.on(t.event, fn);
      listeners.push([s, fn]);
    }
  }
  let running = true;
  const loops: Promise<void>[] = [];
  const cpu = () => ({
    // Exited children count too (PostgreSQL's backends come and go with the pool).
    ...Object.fromEntries(Object.entries(t.parts).map(([name, pid]) => [name, processTree(pid).reduce((a, s) => a + s.cpu + s.reaped, 0)])),
    load: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
  const cpuBefore = cpu();
  const stagesBefore = await t.stages?.();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const started = performance.now();
  const startedMono = process.hrtime.bigint() / 1000n;
  const phaseName = `${t.name} ${opts.ratePerChannel === undefined ? 'closed' : 'open'} loop`;
  // To attach a profiler (perf record -p) to the server for one phase.
  console.error(`[chat-fanout] ${phaseName} starts (server pid ${t.child.pid}) for ${opts.seconds} s`);
  measuring = true;
  sockets.forEach((row, c) => {
    let turn = 0;
    const one = async () => {
      const s = row[turn++ % row.length]!;
      const ok = await t.send(s, c, `m ${performance.now().toFixed(3)} ${phase}`).catch(() => false);
      sent++;
      if (!ok) refused++;
    };
    if (opts.ratePerChannel === undefined) {
      for (let w = 0; w < (opts.window ?? 2); w++) {
        loops.push(
          (async () => {
            while (running) await one();
          })(),
        );
      }
    } else {
      const gap = 1000 / opts.ratePerChannel;
      loops.push(
        (async () => {
          // Spread channels over the interval, then fire on schedule without waiting for acks.
          let next = started + (c / sockets.length) * gap;
          const inflight: Promise<void>[] = [];
          while (running) {
            const wait = next - performance.now();
            if (wait > 0) await sleep(wait);
            inflight.push(one());
            next += gap;
          }
          await Promise.all(inflight);
        })(),
      );
    }
  });
  await sleep(opts.seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  // A CPU profile's sample times are on this same monotonic clock (microseconds): this window picks the phase out of it.
  if (process.env.BENCH_CPU_PROF) console.error(`[chat-fanout] ${phaseName} window ${startedMono}-${process.hrtime.bigint() / 1000n} us`);
  const counted = deliveries;
  const sentCount = sent;
  const cpuAfter = cpu();
  const stagesAfter = await t.stages?.();
  lag.disable();
  const cores = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, (v - (cpuBefore as Record<string, number>)[k]!) / elapsed]));
  running = false;
  await Promise.all(loops);
  // Let the sockets drain before the next run.
  await sleep(1500);
  measuring = false;
  for (const [s, fn] of listeners) s.off(t.event, fn);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  let stages: Record<string, number> | undefined;
  let batchSize: number | undefined;
  if (stagesBefore && stagesAfter) {
    const d = (k: string) => (stagesAfter[k] ?? 0) - (stagesBefore[k] ?? 0);
    const sends = d('sends');
    stages = Object.fromEntries(['queued', 'read', 'writeWait', 'write', 'announce'].map((k) => [k, (d(k) * 1000) / sends]));
    batchSize = sends / d('batches');
  }
  return {
    cores,
    deliveriesPerSecond: counted / elapsed,
    messagesPerSecond: sentCount / elapsed,
    p50: pct(50),
    p99: pct(99),
    mean,
    ...(stages ? { stages, batchSize: batchSize! } : {}),
    refused,
    generatorLagP99: lag.percentile(99) / 1e6,
  };
}

export async function run(opts: { quick?: boolean }): Promise<BenchResult[]> {
  const channels = opts.quick ? 8 : 40;
  const members = 50;
  const seconds = opts.quick ? 4 : 10;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-chat-'));
  const results: BenchResult[] = [];
  if (pinning) pin([process.pid], pinning.generator);
  const figures: Record<string, { peak: Measured; half: Measured; memory: Memory }> = {};
  let parleyPeakRate = 0;
  try {
    for (const make of [() => parleyTarget(channels, members, tmp), () => bareTarget(), () => bareTarget(true)]) {
      const t = await make();
      try {
        if (pinning) pin(Object.values(t.parts), pinning.server);
        const { sockets, memory } = await connectAll(t, channels, members);
        await load(t, sockets, { seconds: 2, window: 2 }); // warm-up
        const peak = await load(t, sockets, { seconds, window: 4 });
        if (t.name === 'parley') parleyPeakRate = peak.messagesPerSecond;
        // Both at half of Parley's peak message rate: the same offered load.
        const half = await load(t, sockets, { seconds, ratePerChannel: parleyPeakRate / 2 / channels });
        figures[t.name] = { peak, half, memory };
        for (const row of sockets) for (const s of row) s.close();
      } finally {
        await t.stop();
      }
    }
  } finally {
    // The benchmarks after this one run in this process too: give it every core back.
    if (pinning) pin([process.pid], `0-${os.availableParallelism() - 1}`);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const p = figures.parley!;
  const b = figures.bare!;
  // The same bare server broadcasting events shaped and sized as Parley's: what those bytes cost the clients and the socket writes alone.
  const s = figures['bare-shaped']!;
  const shapedNote = (m: Measured) => `bare with Parley-shaped events: p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, mean ${m.mean.toFixed(1)} ms, cores busy ${fmtCores(m.cores)}, load generator's event-loop delay p99 ${m.generatorLagP99.toFixed(1)} ms`;
  const sockets = channels * members;
  results.push(
    {
      bench: 'chat-fanout',
      metric: `deliveries/s at peak (${sockets} sockets, channels of ${members}, every message persisted)`,
      value: p.peak.deliveriesPerSecond,
      unit: 'deliveries/s',
      baseline: b.peak.deliveriesPerSecond,
      baselineName: 'bare Socket.IO room broadcast',
      goal: '>= 0.8x',
      note: `${pinning ? `load generator on CPU ${pinning.generator}, server side on CPU ${pinning.server}` : 'unpinned'}; messages/s: parley ${p.peak.messagesPerSecond.toFixed(0)}, bare ${b.peak.messagesPerSecond.toFixed(0)}; refused sends: ${p.peak.refused}; cores busy: parley ${fmtCores(p.peak.cores)}, bare ${fmtCores(b.peak.cores)}; bare with Parley-shaped events: ${s.peak.deliveriesPerSecond.toFixed(0)} deliveries/s`,
    },
    {
      bench: 'chat-fanout',
      metric: `p99 delivery latency at half of peak (${(parleyPeakRate / 2).toFixed(0)} messages/s)`,
      value: p.half.p99,
      unit: 'ms',
      baseline: b.half.p99,
      baselineName: 'bare Socket.IO, same rate',
      goal: '<= 3x',
      note: `deliveries/s parley ${p.half.deliveriesPerSecond.toFixed(0)}, bare ${b.half.deliveriesPerSecond.toFixed(0)}; cores busy: parley ${fmtCores(p.half.cores)}, bare ${fmtCores(b.half.cores)}; load generator's event-loop delay p99: parley ${p.half.generatorLagP99.toFixed(1)} ms, bare ${b.half.generatorLagP99.toFixed(1)} ms; ${shapedNote(s.half)}`,
    },
    {
      bench: 'chat-fanout',
      metric: 'p50 delivery latency at half of peak',
      value: p.half.p50,
      unit: 'ms',
      baseline: b.half.p50,
      baselineName: 'bare Socket.IO, same rate',
      goal: `<= bare + 10 ms (${(b.half.p50 + 10).toFixed(1)} ms)`,
      note: `mean ${p.half.mean.toFixed(1)} ms (bare ${b.half.mean.toFixed(1)} ms), of which on the server per send: ${fmtStages(p.half)}; at peak: mean ${p.peak.mean.toFixed(1)} ms, ${fmtStages(p.peak)}`,
    },
    {
      bench: 'chat-fanout',
      metric: 'server memory per connection (RSS growth over the whole connect / sockets)',
      value: p.memory.bytesPerSocket / 1024,
      unit: 'KiB',
      baseline: b.memory.bytesPerSocket / 1024,
      baselineName: 'bare Socket.IO',
      goal: '<= 1.5x',
    },
    {
      bench: 'chat-fanout',
      metric: `server memory of one more connection (RSS growth from ${(channels >> 1) * members} to ${sockets} sockets / sockets added)`,
      value: p.memory.marginalPerSocket / 1024,
      unit: 'KiB',
      baseline: b.memory.marginalPerSocket / 1024,
      baselineName: 'bare Socket.IO',
      goal: '<= 1.5x',
    },
  );
  return results;
}

const fmtStages = (m: Measured) =>
  m.stages
    ? `${Object.entries(m.stages)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')} ms (batches of ${m.batchSize!.toFixed(1)} sends)`
    : 'no stage counters';
const fmtCores = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
