// Costly calendar input against a live server (the calendar-cost test's
// attack: rules and files built to be expensive, and heavy honest listings,
// all at once): how long /healthz waits meanwhile, next to the same probe on
// the idle server in the same run. The test asserts the event loop's work in
// front of each probe; the waits, which the machine's other load stretches,
// are figures, here.
import { prepareCalendarAttack } from './lib/calendar-attack.ts';
import { startEmbedded } from './lib/embedded.ts';
import { percentile, probeHealthz } from './lib/probe.ts';
import type { BenchResult } from './lib/result.ts';

export async function run(opts: { quick?: boolean }): Promise<BenchResult[]> {
  const server = await startEmbedded('calendar-cost');
  try {
    const idle = await probeHealthz(server.url, new Promise((r) => setTimeout(r, opts.quick ? 500 : 2_000)), 10);
    // The attack is sent several times over (each time refused and stored nowhere but for the heavy honest events).
    const rounds = opts.quick ? 1 : 3;
    const during: typeof idle = { spans: [], collections: 0, longestGc: 0 };
    let took = 0;
    // Prepared once: each round lists the same 1200 occurrences (the heavy events it adds go to the costly calendar, which is not listed).
    const attack = await prepareCalendarAttack(server.url, server.token, server.orgId);
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      const sent = attack.run();
      const [probed, replies] = await Promise.all([probeHealthz(server.url, sent, 10), sent]);
      took += performance.now() - started;
      if (replies.zonesBig.status !== 422 || replies.listings.some((l) => l.status !== 200)) throw new Error(`unexpected replies: ${JSON.stringify({ zonesBig: replies.zonesBig, listings: replies.listings.map((l) => l.status) })}`);
      during.spans.push(...probed.spans);
      during.collections += probed.collections;
      during.longestGc = Math.max(during.longestGc, probed.longestGc);
    }
    const of = (p: typeof idle, key: 'wall' | 'besidesGc' | 'cpu') => p.spans.map((s) => s[key]);
    return [
      {
        bench: 'calendar-cost',
        metric: '/healthz p99 while costly calendar input is sent',
        value: percentile(of(during, 'wall'), 99),
        unit: 'ms',
        baseline: percentile(of(idle, 'wall'), 99),
        baselineName: 'idle',
        note: `p50 ${percentile(of(during, 'wall'), 50).toFixed(1)} ms (idle ${percentile(of(idle, 'wall'), 50).toFixed(1)}), max ${Math.max(...of(during, 'wall')).toFixed(0)} ms; ${during.spans.length} probes over ${rounds} attacks of ${(took / rounds / 1000).toFixed(1)} s each`,
      },
      {
        bench: 'calendar-cost',
        metric: '/healthz p99 during it, less the garbage collector\'s pauses',
        value: percentile(of(during, 'besidesGc'), 99),
        unit: 'ms',
        baseline: percentile(of(idle, 'besidesGc'), 99),
        baselineName: 'idle',
        note: `max ${Math.max(...of(during, 'besidesGc')).toFixed(0)} ms; ${during.collections} collections, the longest ${during.longestGc.toFixed(0)} ms (idle ${idle.longestGc.toFixed(0)} ms)`,
      },
      {
        bench: 'calendar-cost',
        metric: 'the event loop\'s work in front of a probe, at most (this thread\'s CPU, less collections; the test\'s bound is 100 ms)',
        value: Math.max(...of(during, 'cpu')),
        unit: 'ms',
        baseline: Math.max(...of(idle, 'cpu')),
        baselineName: 'idle',
        note: `p99 ${percentile(of(during, 'cpu'), 99).toFixed(1)} ms`,
      },
    ];
  } finally {
    await server.close();
  }
}
