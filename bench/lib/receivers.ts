// Load generator process: N people watching the camera, each a werift peer
// connection with its own signaling session. Driven by bench/forwarding.ts
// over IPC (bench/lib/ipc.ts); its CPU is not part of what is measured.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { installFastCipherKeys } from './fast-crypto.ts';
import { serve } from './ipc.ts';
import { Receiver } from './peer.ts';
import { BareSignaling, ParleySignaling, type MediaSignaling } from './signaling.ts';

installFastCipherKeys();

export interface StartParams {
  system: 'parley' | 'bare';
  url: string;
  meetingId: string;
  count: number;
  /** Global index of this process's first receiver (names and local addresses). */
  first: number;
  concurrency: number;
}
export interface StartResult {
  connected: number;
  failed: number;
  errors: string[];
  receiving: number;
  setupMs: number;
}
export interface WindowReport {
  receivers: number;
  /** Window length between this process's two marks, ms. */
  spanMs: number;
  /** RTP packets the receivers got in the window. */
  received: number;
  /**
   * Between the first and last RTCP sender report of each receiver in the
   * window: packets the SFU says it sent, and packets the receiver got.
   */
  reportedSent: number;
  reportedReceived: number;
  /** Retransmissions received and packets failing SRTP authentication, in the window. */
  rtx: number;
  invalid: number;
  /** Receivers without two sender reports in the window (rate unknown). */
  withoutReports: number;
  /** Receivers that got nothing in the window. */
  silent: number;
  /** This process's CPU in the window, core-seconds per second. */
  cpu: number;
  eventLoopP99Ms: number;
}

const receivers: Receiver[] = [];
const marks: { at: number; counts: number[]; rtx: number; invalid: number; cpu: NodeJS.CpuUsage }[] = [];
const eld = monitorEventLoopDelay({ resolution: 10 });

/** 127.0.a.b: every simulated person comes from its own address, as real people do (per-address HTTP limits). */
function localAddress(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

async function start(p: StartParams): Promise<StartResult> {
  const t0 = Date.now();
  const errors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < p.count) {
      const i = p.first + next++;
      const sig: MediaSignaling = p.system === 'parley' ? new ParleySignaling(p.url, p.meetingId, `Viewer ${i}`, localAddress(i)) : new BareSignaling(p.url);
      try {
        receivers.push(await Receiver.start(sig, { fast: process.env.BENCH_WERIFT_PLAIN !== '1' }));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, p.count) }, worker));
  // Media flows once the next keyframe arrives (every 2 s).
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && receivers.some((r) => r.received === 0)) await new Promise((r) => setTimeout(r, 200));
  return {
    connected: receivers.length,
    failed: p.count - receivers.length,
    errors: [...new Set(errors)].slice(0, 5),
    receiving: receivers.filter((r) => r.received > 0).length,
    setupMs: Date.now() - t0,
  };
}

function mark(): { at: number } {
  const at = Date.now();
  marks.push({
    at,
    counts: receivers.map((r) => r.received),
    rtx: receivers.reduce((a, r) => a + (r.fast?.rtx ?? 0), 0),
    invalid: receivers.reduce((a, r) => a + (r.fast?.invalid ?? 0), 0),
    cpu: process.cpuUsage(),
  });
  eld.reset();
  eld.enable();
  return { at };
}

function report(): WindowReport {
  const [a, b] = marks.slice(-2);
  if (!a || !b) throw new Error('report needs two marks');
  let received = 0;
  let reportedSent = 0;
  let reportedReceived = 0;
  let withoutReports = 0;
  let silent = 0;
  receivers.forEach((r, i) => {
    const got = (b.counts[i] ?? 0) - (a.counts[i] ?? 0);
    received += got;
    if (got === 0) silent += 1;
    const srs = r.reports.filter((s) => s.at >= a.at && s.at <= b.at);
    const first = srs[0];
    const last = srs.at(-1);
    if (!first || !last || last === first) {
      withoutReports += 1;
      return;
    }
    reportedSent += (last.packets - first.packets) >>> 0;
    reportedReceived += last.received - first.received;
  });
  const cpu = process.cpuUsage(a.cpu);
  const used = process.cpuUsage(b.cpu); // CPU spent after mark b (tiny), taken back out
  const spanMs = b.at - a.at;
  eld.disable();
  return {
    receivers: receivers.length,
    spanMs,
    received,
    reportedSent,
    reportedReceived,
    rtx: b.rtx - a.rtx,
    invalid: b.invalid - a.invalid,
    withoutReports,
    silent,
    cpu: (cpu.user + cpu.system - used.user - used.system) / 1000 / spanMs,
    eventLoopP99Ms: eld.percentile(99) / 1e6,
  };
}

async function stop(): Promise<void> {
  await Promise.all(receivers.map((r) => r.close()));
  receivers.length = 0;
}

serve({ start, mark, report, stop });
