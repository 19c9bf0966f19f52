// `npm run bench`: every benchmark, one after the other (each loads both
// cores; running two at once would measure their contention). Each figure is
// printed next to its baseline measured in the same run, as a ratio.
//
//   node bench/run.ts                  all benchmarks
//   node bench/run.ts forwarding       only those named
//   BENCH_QUICK=1 node bench/run.ts    fewer samples and smaller sizes (a smoke run, not figures to quote)
//
// Results are also written as JSON lines to BENCH_OUT when it is set.
import fs from 'node:fs';
import type { BenchResult } from './lib/result.ts';

const benches: Record<string, () => Promise<{ run(opts: { quick?: boolean }): Promise<BenchResult[]> }>> = {
  'join-latency': () => import('./join-latency.ts'),
  'admit-latency': () => import('./admit-latency.ts'),
  forwarding: () => import('./forwarding.ts'),
  breakout: () => import('./breakout.ts'),
  recording: () => import('./recording.ts'),
  'chat-fanout': () => import('./chat-fanout.ts'),
  'contacts-import': () => import('./contacts-import.ts'),
  'calendar-cost': () => import('./calendar-cost.ts'),
};

const quick = process.env.BENCH_QUICK === '1';
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in benches));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

const all: BenchResult[] = [];
let failed = false;
for (const name of wanted.length ? wanted : Object.keys(benches)) {
  console.log(`\n=== ${name}${quick ? ' (quick)' : ''}`);
  const started = Date.now();
  try {
    const results = await (await benches[name]!()).run({ quick });
    for (const r of results) {
      const ratio = r.baseline ? r.value / r.baseline : undefined;
      console.log(
        `${r.metric}: ${fmt(r.value)} ${r.unit}` +
          (r.baseline !== undefined ? ` | ${r.baselineName ?? 'baseline'} ${fmt(r.baseline)} ${r.unit} | ratio ${fmt(ratio)}x` : '') +
          (r.goal ? ` | goal ${r.goal}` : '') +
          (r.note ? `\n    ${r.note}` : ''),
      );
    }
    all.push(...results);
  } catch (error) {
    failed = true;
    console.log(`${name} FAILED: ${(error as Error).stack ?? String(error)}`);
  }
  console.log(`=== ${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, all.map((r) => JSON.stringify(r)).join('\n') + '\n');
process.exit(failed ? 1 : 0);
