// /healthz asked again and again while a benchmark (or a test) loads the
// server, which runs in the same process as the prober. Shared by the
// contacts-import and calendar-cost benchmarks and the calendar-cost test.
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** One /healthz round trip (ms). */
export interface ProbeSpan {
  /** From when it was due to its answer: a timer held back by a busy event loop is a wait too. */
  wall: number;
  /** `wall` less the garbage collector's pauses inside it (a collection stops prober and server alike). */
  besidesGc: number;
  /**
   * This thread's CPU time meanwhile, less the collector's pauses: the work
   * the event loop did while the probe waited. Other processes taking the
   * cores stretch `wall`; they do not stretch this. Counted from the
   * previous probe's answer (a timer cannot fire exactly when due), so it
   * also holds up to `everyMs` of work that delayed nothing: it errs high.
   * A collection's pause is taken off as it lasted: if the thread was also
   * made to wait during it, that errs low by the wait.
   */
  cpu: number;
}

export interface Probed {
  spans: ProbeSpan[];
  collections: number;
  longestGc: number;
}

/** This thread's CPU time (ms); the process's where Node has no threadCpuUsage (before 23.9: the setup installs 24). */
const cpuNow = () => {
  const u = typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Probes `${base}/healthz` every `everyMs` until `stop` settles. */
export async function probeHealthz(base: string, stop: Promise<unknown>, everyMs: number): Promise<Probed> {
  const pauses: PerformanceEntry[] = [];
  const collector = new PerformanceObserver((list) => pauses.push(...list.getEntries()));
  collector.observe({ entryTypes: ['gc'] });
  const raw: { start: number; end: number; cpu: number }[] = [];
  let done = false;
  void stop.then(
    () => (done = true),
    () => (done = true),
  );
  let due = performance.now();
  let cpuAtDue = cpuNow();
  while (!done) {
    await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
    const end = performance.now();
    const cpu = cpuNow();
    raw.push({ start: due, end, cpu: cpu - cpuAtDue });
    due = end + everyMs;
    cpuAtDue = cpu;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  // Observers are told of collections a turn later: let the last ones in.
  await new Promise((r) => setTimeout(r, 20));
  collector.disconnect();
  const inGc = (s: { start: number; end: number }) => pauses.reduce((sum, g) => sum + Math.max(0, Math.min(s.end, g.startTime + g.duration) - Math.max(s.start, g.startTime)), 0);
  return {
    spans: raw.map((s) => ({ wall: s.end - s.start, besidesGc: s.end - s.start - inGc(s), cpu: Math.max(0, s.cpu - inGc(s)) })),
    collections: pauses.length,
    longestGc: Math.max(0, ...pauses.map((g) => g.duration)),
  };
}

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
