// Join to first decoded remote frame, on loopback, in real Chromium.
//
// A publisher sends its fake camera (720p, 3 simulcast layers). Each sample
// is a new person (fresh browser context) on the pre-join screen with the
// preview running, who clicks Join; the time runs from the click to the
// first remote frame the page presents (requestVideoFrameCallback).
//
//   parley, camera+mic   the real flow: token, socket, join, transports,
//                        sending own camera and mic, receiving the publisher
//   parley, receive-only the same with camera and mic off
//   bare mediasoup       baseline: mediasoup-client + the same worker and
//                        codecs behind minimal HTTP signaling, receive-only
//
// Samples of the three kinds are interleaved so machine noise hits all alike.
// The ratio compares like with like: parley receive-only / bare.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import type { Parley } from '@parley/server';
import { startBareServer, type BareServer } from './join/bare-server.ts';
import type { BenchResult } from './lib/result.ts';
import { launchBenchBrowser, p50p95, startLoopbackParley } from './lib/browser.ts';

/** Where a join's time goes: each client mark (session.ts, media.ts), ms after the click. */
type Steps = Record<string, number>;

/** Clicks Join on the pre-join screen and waits for the publisher's first frame. */
async function timedJoin(page: Page, publisherId: string): Promise<{ ms: number; steps: Steps }> {
  return page.evaluate(
    (pub) =>
      new Promise<{ ms: number; steps: Steps }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no remote frame within 20 s')), 20_000);
        let start = 0;
        const watch = () => {
          const v = document.querySelector<HTMLVideoElement>(`[data-testid="tile"][data-participant-id="${pub}"] video`);
          if (!v) return false;
          v.requestVideoFrameCallback(() => {
            clearTimeout(timer);
            const ms = performance.now() - start;
            const steps: Steps = {};
            for (const m of performance.getEntriesByType('mark')) {
              if (m.name.startsWith('parley:') && m.startTime >= start && !(m.name in steps)) steps[m.name.slice(7)] = m.startTime - start;
            }
            resolve({ ms, steps });
          });
          return true;
        };
        const mo = new MutationObserver(() => watch() && mo.disconnect());
        mo.observe(document.body, { childList: true, subtree: true });
        start = performance.now();
        document.querySelector<HTMLButtonElement>('[data-testid="join-button"]')!.click();
      }),
    publisherId,
  );
}

async function parleySample(browser: Browser, parley: Parley, meetingId: string, publisherId: string, withDevices: boolean, i: number): Promise<{ ms: number; steps: Steps }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await ctx.newPage();
    await page.goto(`${parley.url}/m/${meetingId}?name=Joiner${i}`);
    await page.getByTestId('prejoin').waitFor();
    if (withDevices) {
      // A real person waits for their own preview before clicking Join.
      await page.locator('.preview video').waitFor();
    } else {
      await page.getByTestId('prejoin-mic').click();
      await page.getByTestId('prejoin-camera').click();
    }
    // A person reads the pre-join screen for a second or more before
    // clicking Join: what the page gets ready meanwhile (its device, its
    // token and socket) is not part of the join, as for the bare page.
    await page.waitForTimeout(1000);
    // BENCH_PROFILE=1 (or =cam): where the page's main thread spends the
    // first receive-only (camera+mic) join, as self time per function.
    const profiling = (process.env.BENCH_PROFILE === '1' && !withDevices && i === 0) || (process.env.BENCH_PROFILE === 'cam' && withDevices && i === 1);
    const cdp = profiling ? await ctx.newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const sample = await timedJoin(page, publisherId);
    if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
    await page.getByTestId('leave').click();
    await page.getByTestId('left').waitFor();
    return sample;
  } finally {
    await ctx.close();
  }
}

/** The 25 functions with the most self time in a CPU profile (what the page did between click and frame). */
function printProfile(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] }): void {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const f = byNode.get(samples[i]!)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [k, ms] of top) console.error(`profile ${ms.toFixed(1).padStart(7)} ms  ${k}`);
}

async function bareSample(browser: Browser, bare: BareServer): Promise<number> {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(bare.url);
    return await page.evaluate(() => window.bare.join());
  } finally {
    await ctx.close();
  }
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const joins = opts.quick ? 5 : 20;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-join-'));
  const bareDist = path.join(tmp, 'bare');
  await build({ root: path.join(import.meta.dirname, 'join/bare-client'), configFile: false, logLevel: 'warn', build: { outDir: bareDist, emptyOutDir: true } });

  const parley = await startLoopbackParley();
  const bare = await startBareServer(bareDist);
  const browser = await launchBenchBrowser();
  try {
    // Publishers: one per system, running for the whole benchmark.
    const meeting = await (await fetch(`${parley.url}/api/meetings`, { method: 'POST' })).json() as { id: string };
    const pubCtx = await browser.newContext();
    const pub = await pubCtx.newPage();
    await pub.goto(`${parley.url}/m/${meeting.id}?name=Publisher&prejoin=0`);
    await pub.getByTestId('room').waitFor();
    const publisherId = (await pub.evaluate(() => window.parley!.session.self.value?.id))!;
    await pub.getByTestId('toggle-mic').click(); // only the camera matters here
    const barePubCtx = await browser.newContext();
    const barePub = await barePubCtx.newPage();
    await barePub.goto(bare.url);
    await barePub.evaluate(() => window.bare.publish());
    // Let both senders ramp up their simulcast layers, then one warm-up join each.
    await new Promise((r) => setTimeout(r, 3000));
    await parleySample(browser, parley, meeting.id, publisherId, false, 0);
    await bareSample(browser, bare);

    const full: { ms: number; steps: Steps }[] = [];
    const recv: { ms: number; steps: Steps }[] = [];
    const bareMs: number[] = [];
    for (let i = 1; i <= joins; i++) {
      full.push(await parleySample(browser, parley, meeting.id, publisherId, true, i));
      recv.push(await parleySample(browser, parley, meeting.id, publisherId, false, i));
      bareMs.push(await bareSample(browser, bare));
    }
    const f = p50p95(full.map((s) => s.ms));
    const r = p50p95(recv.map((s) => s.ms));
    const b = p50p95(bareMs);
    const note = `${joins} joins each, loopback, 1 worker; publisher 720p simulcast`;
    // Where the time goes: the median of each step's time after the click
    // (token = HTTP join, device = mediasoup Device loaded, connected = socket
    // up, joined = meeting:join answered with transports, transports = both
    // created, consume-ack = the server's consumer, then the first frame).
    const breakdown = (samples: { steps: Steps }[], what: string): BenchResult[] => {
      const names = [...new Set(samples.flatMap((s) => Object.keys(s.steps)))];
      return names
        .map((name) => ({ name, p50: p50p95(samples.map((s) => s.steps[name]).filter((x): x is number => x !== undefined)).p50 }))
        .sort((a, b) => a.p50 - b.p50)
        .map(({ name, p50 }) => ({ bench: 'join', metric: `step ${name}, ${what} (ms after the click, p50)`, value: p50, unit: 'ms' }));
    };
    return [
      ...breakdown(recv, 'receive-only'),
      ...breakdown(full, 'camera+mic'),
      { bench: 'join', metric: 'join to first frame p50, camera+mic on', value: f.p50, unit: 'ms', baseline: b.p50, baselineName: 'bare mediasoup receive-only', goal: 'p50 <= 1.3x bare receive-only', note },
      { bench: 'join', metric: 'join to first frame p95, camera+mic on', value: f.p95, unit: 'ms', baseline: b.p95, baselineName: 'bare mediasoup receive-only' },
      { bench: 'join', metric: 'join to first frame p50, receive-only', value: r.p50, unit: 'ms', baseline: b.p50, baselineName: 'bare mediasoup receive-only', goal: 'p50 <= 1.05x bare' },
      { bench: 'join', metric: 'join to first frame p95, receive-only', value: r.p95, unit: 'ms', baseline: b.p95, baselineName: 'bare mediasoup receive-only' },
    ];
  } finally {
    await browser.close();
    await bare.close();
    await parley.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  for (const r of await run({ quick: process.env.BENCH_QUICK === '1' })) console.log(JSON.stringify(r));
}
