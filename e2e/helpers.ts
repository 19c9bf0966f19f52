// Browser end-to-end harness: a real Parley server (in this process) serving
// the built web client, and real Chromium (Debian's /usr/bin/chromium) driven
// by playwright-core with fake camera and microphone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import type { CreateMeetingReply } from '@parley/protocol';
import { configFromEnv, createParley, type Parley, type ServerConfig } from '@parley/server';

const root = path.resolve(import.meta.dirname, '..');
export const WEB_DIST = path.join(root, 'web/dist');

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Screen sharing without a picker: capture the tab itself.
  '--auto-accept-this-tab-capture',
  '--auto-select-tab-capture-source-by-title=Parley',
  // Several pages share two cores: do not let hidden ones be throttled.
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
];

export async function startStack(opts: { sfu?: Partial<ServerConfig['sfu']>; config?: Partial<ServerConfig>; meeting?: { resumeWindowMs?: number } } = {}): Promise<Parley> {
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error('web/dist is missing: run `bash scripts/setup.sh` (npm test does)');
  const base = configFromEnv({ secret: 'e2e-secret' });
  const config: ServerConfig = {
    ...base,
    host: '127.0.0.1',
    port: 0,
    publicUrl: undefined,
    secret: 'e2e-secret',
    redisUrl: process.env.PARLEY_TEST_REDIS_URL,
    webDist: WEB_DIST,
    // Meetings only unless a test asks for chat.
    database: undefined,
    // Browser tests sign up many people from one address in seconds; the
    // sign-up limits themselves are tested in server/test/accounts-trust.test.ts.
    accountLimits: { signupAddress: { burst: 1000, perSecond: 100 }, signupEveryone: { burst: 1000, perSecond: 100 } },
    ...opts.config,
    sfu: { ...base.sfu, workers: 2, listenIp: '127.0.0.1', announcedAddress: undefined, port: 0, logLevel: 'warn', ...opts.sfu },
  };
  return createParley(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'error' }), meeting: opts.meeting });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export async function createMeeting(base: string, title = 'E2E meeting'): Promise<CreateMeetingReply> {
  const res = await fetch(`${base}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
  if (res.status !== 201) throw new Error(`create meeting: ${res.status}`);
  return (await res.json()) as CreateMeetingReply;
}

export interface Participant {
  context: BrowserContext;
  page: Page;
  name: string;
}

/** Opens a page in its own browser context (own storage, like another person) and joins. */
export async function openParticipant(
  browser: Browser,
  base: string,
  meetingId: string,
  name: string,
  query: Record<string, string> = { prejoin: '0' },
  viewport = { width: 1280, height: 720 },
): Promise<Participant> {
  const context = await browser.newContext({ viewport, permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  const qs = new URLSearchParams({ name, ...query }).toString();
  await page.goto(`${base}/m/${meetingId}?${qs}`);
  return { context, page, name };
}

export interface StreamStats {
  producerId: string;
  participantId: string;
  kind: string;
  source: string;
  codec: string;
  packetsReceived: number;
  bytesReceived: number;
  framesDecoded: number;
  frameHeight: number;
}

export function stats(page: Page): Promise<StreamStats[]> {
  return page.evaluate(() => window.parley!.session.media.stats());
}

export function participantId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => window.parley?.session.self.value?.id);
}

/** Waits until the page is in the meeting room; answers its participant id. */
export async function inRoom(p: Participant): Promise<string> {
  await p.page.getByTestId('room').waitFor({ timeout: 30_000 });
  return (await participantId(p.page))!;
}

/** Whether `page` shows participant `of`'s microphone as paused (undefined: no mic). */
export function micPaused(page: Page, of: string): Promise<boolean | undefined> {
  return page.evaluate((id) => window.parley!.session.participants.value.get(id as never)?.producers.find((p) => p.source === 'mic')?.paused, of);
}

/** Polls until `check` returns a truthy value; fails with the last value seen. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until `page` decodes video and receives audio from each of `fromIds`
 * (getStats: framesDecoded > 0 and audio packetsReceived > 0).
 */
export async function waitForMediaFrom(page: Page, fromIds: string[], timeoutMs = 30_000): Promise<StreamStats[]> {
  let seen: StreamStats[] = [];
  try {
    return await waitFor(
      `media from ${fromIds.join(', ')}`,
      async () => {
        const s = (seen = await stats(page));
        const ok = fromIds.every(
          (id) =>
            s.some((x) => x.participantId === id && x.kind === 'video' && x.source === 'camera' && x.framesDecoded > 0) &&
            s.some((x) => x.participantId === id && x.kind === 'audio' && x.packetsReceived > 0),
        );
        return ok ? s : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    // What the page did receive, and what it was told: the difference says where media stopped.
    const told = await page.evaluate(() => [...(window.parley?.session.participants.value.values() ?? [])].map((p) => ({ id: p.id, producers: p.producers.map((x) => `${x.kind}/${x.source}${x.paused ? ' paused' : ''}`) }))).catch(() => 'unreadable');
    const rows = seen.map((x) => `${x.participantId} ${x.kind}/${x.source} packets ${x.packetsReceived} frames ${x.framesDecoded}`);
    throw new Error(`${(error as Error).message}\n  received: ${rows.join('; ') || 'nothing'}\n  participants: ${JSON.stringify(told)}`);
  }
}

/**
 * Where browser tests write screenshots for a person to look at: data/screenshots/<name>
 * (ignored by git), or PARLEY_SHOTS when set. Kept after the run, unlike tmpDir.
 */
export function shotsDir(name: string): string {
  const dir = path.join(process.env.PARLEY_SHOTS ?? path.join(root, 'data/screenshots'), name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(process.env.PARLEY_TEST_TMP ?? os.tmpdir(), prefix));
}
