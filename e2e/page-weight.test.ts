// What each page costs to open, on the wire: its own code only (one chunk
// per page), precompressed (brotli), and cached for good once seen (hashed
// names). The live viewer, which thousands may open at once, downloads the
// player and little more. The figures are printed; the assertions hold the
// shape (nobody downloads another page's code) and a ceiling per page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import type { AuthReply, CreateMeetingReply } from '@parley/protocol';
import type { Parley } from '@parley/server';
import { launchBrowser, startStack, tmpDir, waitFor } from './helpers.ts';

interface Download {
  url: string;
  bytes: number;
  encoding: string | null;
  cache: string | null;
}

let parley: Parley;
let browser: Browser;
let token = '';
let meetingId = '';

beforeAll(async () => {
  parley = await startStack({ config: { database: { kind: 'pglite', dir: path.join(tmpDir('weight-e2e'), 'pglite') } } });
  browser = await launchBrowser();
  const res = await fetch(`${parley.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'weigh@example.org', username: 'weigher', name: 'Weigher', password: 'plum harbour lantern 42', orgName: 'Scales' }),
  });
  token = ((await res.json()) as AuthReply).token;
  meetingId = ((await (await fetch(`${parley.url}/api/meetings`, { method: 'POST' })).json()) as CreateMeetingReply).id;
});
afterAll(async () => {
  await browser?.close();
  await parley?.close();
});

/** Opens `url` in a fresh browser (empty cache), waits for `ready`, and answers what the page's code and styles cost. */
async function weigh(url: string, ready: string, signedIn = false): Promise<{ downloads: Download[]; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (signedIn) await context.addInitScript((t) => localStorage.setItem('parley:session', t), token);
  const page = await context.newPage();
  const pending: Promise<Download | null>[] = [];
  // Requests in flight, but for the stream of live changes (GET /api/changes
  // stays open for as long as the page: Chromium would never call the
  // network idle while it is).
  const inFlight = new Set<Request>();
  let lastActivity = Date.now();
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/changes') return;
    inFlight.add(request);
    lastActivity = Date.now();
  });
  const settled = (request: Request) => {
    if (inFlight.delete(request)) lastActivity = Date.now();
  };
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  page.on('requestfinished', (request) => {
    const u = new URL(request.url());
    if (u.origin !== new URL(parley.url).origin || u.pathname.startsWith('/api/') || u.pathname.startsWith('/socket.io/')) return;
    pending.push(
      (async () => {
        const response = await request.response();
        const sizes = await request.sizes();
        const headers = (await response?.allHeaders()) ?? {};
        return { url: u.pathname, bytes: sizes.responseBodySize, encoding: headers['content-encoding'] ?? null, cache: headers['cache-control'] ?? null };
      })(),
    );
  });
  await page.goto(`${parley.url}${url}`);
  await page.getByTestId(ready).waitFor({ timeout: 30_000 });
  // Chunks the page asked for after it showed (none expected) are counted
  // too: wait until nothing is asked for half a second, as Chromium's network idle does.
  await waitFor('the network idle', async () => inFlight.size === 0 && Date.now() - lastActivity >= 500, 30_000, 100);
  const downloads = (await Promise.all(pending)).filter((d): d is Download => d !== null);
  return { downloads, page };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const total = (ds: Download[]) => ds.reduce((a, d) => a + d.bytes, 0);
const code = (ds: Download[]) => ds.filter((d) => /\.(js|css)$/.test(d.url));

describe('what each page downloads', () => {
  const weights = new Map<string, Download[]>();

  test('every page fetches its own chunk, brotli-compressed, cached for a year; the live viewer stays light', async (t) => {
    const pages: [string, string, string, boolean][] = [
      ['home', '/', 'home', false],
      ['meeting (pre-join)', `/m/${meetingId}`, 'prejoin', false],
      ['sign-in', '/chat', 'auth-page', false],
      ['chat', '/chat', 'chat-app', true],
      ['calendar', '/calendar', 'calendar-app', true],
      ['live viewer', `/live/${'a'.repeat(26)}`, 'live-page', false],
    ];
    for (const [name, url, ready, signedIn] of pages) {
      const { downloads, page } = await weigh(url, ready, signedIn);
      weights.set(name, downloads);
      await page.context().close();
    }
    const table = [...weights].map(([name, ds]) => `${name.padEnd(20)} ${kb(total(ds)).padStart(9)} on the wire (${code(ds).length} code files)`).join('\n');
    void t.annotate(`bytes each page downloads, compressed, empty cache:\n${table}`);

    for (const [name, ds] of weights) {
      for (const d of code(ds)) {
        // Files under 1 KB are not worth compressing (the build leaves them as they are).
        assert.ok(d.encoding === 'br' || d.bytes < 1024, `${name}: ${d.url} is sent brotli-compressed`);
        if (d.url.startsWith('/assets/')) assert.match(d.cache ?? '', /immutable/, `${name}: ${d.url} is cached for good`);
      }
    }
    const files = (name: string) => new Set(code(weights.get(name)!).map((d) => d.url));
    // Nobody downloads another page's code: the meeting's chunk (mediasoup) is the meeting page's alone.
    const meetingOnly = [...files('meeting (pre-join)')].filter((f) => ![...weights.keys()].filter((n) => n !== 'meeting (pre-join)').some((n) => files(n).has(f)));
    assert.ok(meetingOnly.length > 0, 'the meeting page has code of its own');
    for (const other of ['home', 'sign-in', 'chat', 'calendar', 'live viewer']) {
      for (const f of meetingOnly) assert.ok(!files(other).has(f), `${other} downloads the meeting's ${f}`);
    }
    // Ceilings, well above today's figures (printed above): a page that starts pulling in
    // another page's code, or an uncompressed bundle, crosses them. Chat's went from 80 to
    // 95 KB with its Markdown parser (marked, ~12 KB compressed: every message needs it).
    const ceilings: Record<string, number> = { home: 30, 'sign-in': 50, 'meeting (pre-join)': 120, chat: 95, calendar: 50, 'live viewer': 150 };
    for (const [name, limit] of Object.entries(ceilings)) assert.ok(total(weights.get(name)!) <= limit * 1024, `${name}: ${kb(total(weights.get(name)!))} > ${limit} KB`);
    // The live viewer: its chunk is the player (hls.js, light build) and its page; beside it, the shared core only.
    const live = weights.get('live viewer')!;
    const beside = total(live.filter((d) => !/\/assets\/LiveViewer-/.test(d.url)));
    assert.ok(beside <= 20 * 1024, `the live viewer downloads ${kb(beside)} beside its player`);
  });

  test('a second visit downloads no code again: it comes from the cache, without asking the server', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const first = await context.newPage();
    await first.goto(`${parley.url}/m/${meetingId}`);
    await first.getByTestId('prejoin').waitFor();
    await first.close();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const fromNetwork: string[] = [];
    let fromCache = 0;
    cdp.on('Network.responseReceived', (e) => {
      const u = new URL(e.response.url);
      if (!/^\/assets\/.*\.(js|css)$/.test(u.pathname)) return;
      if (e.response.fromDiskCache || e.response.fromPrefetchCache) fromCache += 1;
      else fromNetwork.push(`${u.pathname} (${e.response.status})`);
    });
    cdp.on('Network.requestServedFromCache', () => (fromCache += 1));
    await page.goto(`${parley.url}/m/${meetingId}`);
    await page.getByTestId('prejoin').waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(fromNetwork, [], 'no code file asked of the server again (not even a 304)');
    assert.ok(fromCache > 0, 'the code came from the cache');
    await context.close();
  });
});
