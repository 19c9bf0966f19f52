// What the browser benchmarks share: a Parley server on loopback with one
// worker, Chromium with fake devices and no background throttling, and the
// percentiles they report.
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { pino } from 'pino';
import { configFromEnv, createParley, type Parley } from '@parley/server';

const root = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM_BENCH_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required', '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows',
];

export function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function p50p95(xs: number[]): { p50: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
}

/** Parley in this process on a free loopback port: one media worker, the built web client, in-memory store. */
export async function startLoopbackParley(): Promise<Parley> {
  const base = configFromEnv({ secret: 'bench' });
  return createParley(
    {
      ...base,
      host: '127.0.0.1',
      port: 0,
      redisUrl: undefined,
      webDist: path.join(root, 'web/dist'),
      sfu: { ...base.sfu, workers: 1, listenIp: '127.0.0.1', announcedAddress: undefined, port: 0 },
    },
    { logger: pino({ level: 'warn' }) },
  );
}

export function launchBenchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_BENCH_ARGS });
}
