// Forwarding cost: one camera (VP8 720p30, ~1 Mbit/s) watched by 50, 100 and
// 200 people, through Parley and through a bare mediasoup script, in the
// same run, with the same worker binary, codecs and media.
//
//   parley   `node server/src/main.ts`, 1 worker: the camera and every viewer
//            use the real protocol (HTTP token, Socket.IO, meeting:join with
//            capabilities, media:connect/produce/consume/setConsumerPaused)
//   bare     bench/lib/bare-sfu.ts: one worker, WebRtcServer, router, the
//            same codecs, JSON-over-HTTP signaling and nothing else
//
// Viewers are real WebRTC endpoints (werift: ICE, DTLS, SRTP, RTCP feedback,
// transport-cc), in load-generator processes of their own; so is the camera.
// Only the SFU's process tree is measured, from /proc, over a steady window
// after every viewer receives media:
//
//   worker CPU per forwarded packet   mediasoup-worker CPU time / RTP packets
//                                     the SFU sent (from its own RTCP sender
//                                     reports as received by the viewers)
//   process tree CPU                  node process + worker, % of one core
//
// A configuration the machine cannot carry (viewers losing packets, their
// event loop lagging, no idle CPU left) is reported as such, not as a figure.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureClip } from './lib/clip.ts';
import { ChildRpc } from './lib/ipc.ts';
import { cpuSeconds, exePath, machineCpu, processTree } from './lib/proc.ts';
import type { StartResult, WindowReport } from './lib/receivers.ts';
import type { BenchResult } from './lib/result.ts';
import { requestJson } from './lib/signaling.ts';

type System = 'parley' | 'bare';
const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sfu {
  proc: ChildProcess;
  url: string;
  workerPid: number;
  stop(): Promise<void>;
}

async function startSfu(system: System, dataDir: string): Promise<Sfu> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.REDIS_URL;
  const args =
    system === 'parley'
      ? [path.join(root, 'server/src/main.ts')]
      : [path.join(root, 'bench/lib/bare-sfu.ts')];
  if (system === 'parley') {
    Object.assign(env, {
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIA_WORKERS: '1',
      MEDIA_PORT: '0',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_LOG_LEVEL: 'warn',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PARLEY_SECRET: 'forwarding-bench',
    });
    delete env.MEDIA_ANNOUNCED_ADDRESS;
  }
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${system} SFU did not start: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /(?:Parley is running|bare mediasoup listening): (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${system} SFU exited (${code}): ${out}`)));
  });
  // Keep draining its output (a full pipe would block it); show warnings and errors.
  proc.stdout!.removeAllListeners('data').on('data', () => undefined);
  proc.stderr!.removeAllListeners('data').on('data', (d: Buffer) => process.stderr.write(`[${system}] ${d.toString()}`));
  const worker = processTree(proc.pid!).find((s) => s.pid !== proc.pid && s.comm.startsWith('mediasoup-work'));
  if (!worker) throw new Error(`${system}: no mediasoup worker under pid ${proc.pid}`);
  return {
    proc,
    url,
    workerPid: worker.pid,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Phase {
  system: System;
  viewers: number;
  connected: number;
  setupMs: number;
  windowS: number;
  /** Cores (1 = one core busy for the whole window). */
  workerCpu: number;
  treeCpu: number;
  treeProcs: string[];
  forwardedPps: number;
  receivedPps: number;
  /** Share of the packets the SFU sent (by its sender reports) that viewers received. */
  delivered: number;
  rtxPps: number;
  cameraPps: number;
  /** Busy fraction of the whole machine (all cores) during the window. */
  machineBusy: number;
  receiverCpu: number;
  receiverLagP99Ms: number;
  workerExe: string | undefined;
  problems: string[];
  /** Oddities that do not void the run. */
  notes: string[];
}

async function phase(system: System, viewers: number, o: Options): Promise<Phase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-fwd-'));
  const sfu = await startSfu(system, dataDir);
  const camera = new ChildRpc(path.join(root, 'bench/lib/camera.ts'));
  const procs = Math.max(1, Math.min(o.receiverProcs, Math.ceil(viewers / 10)));
  const gens = Array.from({ length: procs }, () => new ChildRpc(path.join(root, 'bench/lib/receivers.ts')));
  try {
    const meetingId =
      system === 'parley' ? (await requestJson<{ id: string }>('POST', `${sfu.url}/api/meetings`, { title: 'forwarding bench' })).body.id : '';
    await camera.call('start', { system, url: sfu.url, meetingId, clip: o.clip });
    const starts = await Promise.all(
      gens.map((g, k) => {
        const first = Math.floor((viewers * k) / procs);
        const count = Math.floor((viewers * (k + 1)) / procs) - first;
        return g.call<StartResult>('start', { system, url: sfu.url, meetingId, count, first, concurrency: 8 });
      }),
    );
    const connected = starts.reduce((a, s) => a + s.connected, 0);
    const receiving = starts.reduce((a, s) => a + s.receiving, 0);
    const problems: string[] = [];
    if (connected < viewers) problems.push(`${viewers - connected} viewers failed to connect: ${starts.flatMap((s) => s.errors).join('; ')}`);
    if (receiving < connected) problems.push(`${connected - receiving} viewers never received media`);

    await sleep(o.warmupMs);
    const tree = processTree(sfu.proc.pid!);
    const pids = tree.map((s) => s.pid);
    const cpu0 = cpuSeconds(pids);
    const m0 = machineCpu();
    const fed0 = (await camera.call<{ fed: number }>('stats')).fed;
    const t0 = Date.now();
    await Promise.all(gens.map((g) => g.call('mark')));
    await sleep(o.windowMs);
    await Promise.all(gens.map((g) => g.call('mark')));
    const cpu1 = cpuSeconds(pids);
    const m1 = machineCpu();
    const windowS = (Date.now() - t0) / 1000;
    const fed1 = (await camera.call<{ fed: number }>('stats')).fed;
    const reports = await Promise.all(gens.map((g) => g.call<WindowReport>('report')));

    const delta = (pid: number) => {
      const a = cpu0.get(pid);
      const b = cpu1.get(pid);
      if (a === undefined || b === undefined) {
        problems.push(`process ${pid} ended during the window`);
        return 0;
      }
      return b - a;
    };
    const workerCpu = delta(sfu.workerPid) / windowS;
    const treeCpu = pids.reduce((a, pid) => a + delta(pid), 0) / windowS;
    const receivedPps = reports.reduce((a, r) => a + r.received / (r.spanMs / 1000), 0);
    const reportedSent = reports.reduce((a, r) => a + r.reportedSent, 0);
    const reportedReceived = reports.reduce((a, r) => a + r.reportedReceived, 0);
    // The SFU's own count (its RTCP sender reports) over the same packets the
    // viewers counted: the share that arrived; forwarded = received / share.
    const delivered = reportedSent > 0 ? reportedReceived / reportedSent : 0;
    const forwardedPps = delivered > 0 ? receivedPps / delivered : 0;
    const invalid = reports.reduce((a, r) => a + r.invalid, 0);
    const rtx = reports.reduce((a, r) => a + r.rtx, 0);
    // A handful of packets the load generator's SRTP check drops (seen around
    // sequence wraps under load) does not change what the SFU forwarded; more
    // than 0.1% means the viewers are not keeping up and the run is void.
    const notes: string[] = [];
    const receivedTotal = reports.reduce((a, r) => a + r.received, 0);
    if (invalid > receivedTotal / 1000) problems.push(`${invalid} packets failed SRTP authentication`);
    else if (invalid > 0) notes.push(`${invalid} of ${receivedTotal} packets failed SRTP authentication at a viewer`);
    const withoutReports = reports.reduce((a, r) => a + r.withoutReports, 0);
    const silent = reports.reduce((a, r) => a + r.silent, 0);
    const lag = Math.max(...reports.map((r) => r.eventLoopP99Ms));
    const machineBusy = (m1.busy - m0.busy) / (m1.total - m0.total);
    if (withoutReports > 0) problems.push(`${withoutReports} viewers got no RTCP sender reports in the window`);
    if (silent > 0) problems.push(`${silent} viewers received nothing in the window`);
    if (delivered < 0.99) problems.push(`viewers received only ${(100 * delivered).toFixed(1)}% of the packets the SFU sent`);
    if (lag > 200) problems.push(`viewer event loop lag p99 ${lag.toFixed(0)} ms`);
    if (machineBusy > 0.95) problems.push(`machine ${(machineBusy * 100).toFixed(0)}% busy: no idle CPU left`);
    return {
      system,
      viewers,
      connected,
      setupMs: Math.max(...starts.map((s) => s.setupMs)),
      windowS,
      workerCpu,
      treeCpu,
      treeProcs: tree.map((s) => s.comm),
      forwardedPps,
      receivedPps,
      delivered,
      rtxPps: rtx / windowS,
      cameraPps: (fed1 - fed0) / windowS,
      machineBusy,
      receiverCpu: reports.reduce((a, r) => a + r.cpu, 0),
      receiverLagP99Ms: lag,
      workerExe: exePath(sfu.workerPid),
      problems,
      notes,
    };
  } finally {
    await Promise.all(gens.map((g) => g.call('stop').catch(() => undefined)));
    await Promise.all(gens.map((g) => g.stop()));
    await camera.call('stop').catch(() => undefined);
    await camera.stop();
    await sfu.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Options {
  clip: string;
  warmupMs: number;
  windowMs: number;
  receiverProcs: number;
}

function describe(p: Phase): string {
  return (
    `${p.system}: ${p.connected}/${p.viewers} viewers up in ${(p.setupMs / 1000).toFixed(1)} s; ` +
    `camera ${p.cameraPps.toFixed(0)} pkt/s; SFU sent ${p.forwardedPps.toFixed(0)} pkt/s, viewers got ${p.receivedPps.toFixed(0)} pkt/s ` +
    `(${(100 * p.delivered).toFixed(2)}%), ${p.rtxPps.toFixed(1)} retransmissions/s; ` +
    `worker ${(100 * p.workerCpu).toFixed(1)}%, tree ${(100 * p.treeCpu).toFixed(1)}% [${p.treeProcs.join(', ')}]; ` +
    `viewers' processes ${(100 * p.receiverCpu).toFixed(0)}%, lag p99 ${p.receiverLagP99Ms.toFixed(0)} ms; machine ${(100 * p.machineBusy).toFixed(0)}% busy` +
    (p.notes.length ? `; ${p.notes.join('; ')}` : '') +
    (p.problems.length ? `; PROBLEMS: ${p.problems.join('; ')}` : '')
  );
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const sizes = (process.env.BENCH_FORWARDING_VIEWERS ?? (opts.quick ? '10' : '50,100,200')).split(',').map(Number);
  const o: Options = {
    clip: await ensureClip(),
    warmupMs: opts.quick ? 3000 : 5000,
    windowMs: Number(process.env.BENCH_FORWARDING_WINDOW_S ?? (opts.quick ? 6 : 15)) * 1000,
    receiverProcs: Number(process.env.BENCH_FORWARDING_RECEIVER_PROCS ?? 2),
  };
  const results: BenchResult[] = [];
  for (const [i, n] of sizes.entries()) {
    // Alternate which system goes first, so slow drift in machine load does not favour one.
    const order: System[] = i % 2 === 0 ? ['bare', 'parley'] : ['parley', 'bare'];
    const done: Partial<Record<System, Phase>> = {};
    for (const system of order) {
      const p = await phase(system, n, o);
      done[system] = p;
      console.error(`[forwarding] ${n} viewers, ${describe(p)}`);
    }
    const ours = done.parley!;
    const bare = done.bare!;
    const bad = [...ours.problems.map((x) => `parley: ${x}`), ...bare.problems.map((x) => `bare: ${x}`)];
    if (ours.workerExe !== bare.workerExe) bad.push(`different worker binaries: ${ours.workerExe} vs ${bare.workerExe}`);
    const perPacket = (p: Phase) => (p.forwardedPps > 0 ? (1e6 * p.workerCpu) / p.forwardedPps : NaN);
    const delivery = (p: Phase) => `${p.forwardedPps.toFixed(0)} pkt/s sent, ${(100 * p.delivered).toFixed(1)}% received`;
    const status = bad.length ? `NOT VALID: ${bad.join('; ')}` : `ok; parley ${delivery(ours)}; bare ${delivery(bare)}; machine ${(100 * Math.max(ours.machineBusy, bare.machineBusy)).toFixed(0)}% busy`;
    results.push(
      {
        bench: 'forwarding',
        metric: `worker CPU per forwarded packet, ${n} viewers`,
        value: perPacket(ours),
        unit: 'us/pkt',
        baseline: perPacket(bare),
        baselineName: 'bare mediasoup',
        goal: '<= 1.1x',
        note: status,
      },
      {
        bench: 'forwarding',
        metric: `SFU process tree CPU, ${n} viewers`,
        value: 100 * ours.treeCpu,
        unit: '% core',
        baseline: 100 * bare.treeCpu,
        baselineName: 'bare mediasoup',
        goal: '<= 1.1x',
        note: bad.length ? 'see above' : `worker ${(100 * ours.workerCpu).toFixed(1)}% vs ${(100 * bare.workerCpu).toFixed(1)}%; node ${(100 * (ours.treeCpu - ours.workerCpu)).toFixed(1)}% vs ${(100 * (bare.treeCpu - bare.workerCpu)).toFixed(1)}%`,
      },
    );
  }
  return results;
}

if (import.meta.main) {
  for (const r of await run({ quick: process.env.BENCH_QUICK === '1' })) console.log(JSON.stringify(r));
}
