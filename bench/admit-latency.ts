// Admit latency: a person knocks on a meeting with a waiting room, a
// moderator admits them, and they see the meeting. Real Chromium pages on
// loopback; the moderator's page admits as soon as the knock shows in its
// waiting list (the figure is the system's part, not a human's reaction).
//
//   knock -> first frame     from the knock to the first decoded frame of the
//                            moderator's camera on the admitted page
//   join -> first frame      from "Join" (token, socket, refused join, knock,
//                            admission, join, media) to that frame
//   baseline                 join -> first frame in the same kind of meeting
//                            without a waiting room, same run, interleaved
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import type { CreateMeetingReply } from '@parley/protocol';
import { launchBenchBrowser, p50p95, startLoopbackParley } from './lib/browser.ts';
import type { BenchResult } from './lib/result.ts';

async function create(parley: Parley, waitingRoom: boolean): Promise<CreateMeetingReply> {
  const res = await fetch(`${parley.url}/api/meetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Admit bench', waitingRoom }) });
  return (await res.json()) as CreateMeetingReply;
}

/** The moderator's page: joins with camera and mic, and admits whoever knocks at once. */
async function moderator(browser: Browser, parley: Parley, m: CreateMeetingReply): Promise<{ page: Page; id: string }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await ctx.newPage();
  await page.goto(`${parley.url}/m/${m.id}?name=Host&prejoin=0&moderatorToken=${m.moderatorToken}`);
  await page.getByTestId('room').waitFor();
  await page.getByTestId('toggle-mic').click();
  await page.evaluate(() => {
    const s = window.parley!.session;
    s.lobby.knockers.subscribe((list) => {
      for (const k of list) void s.moderation.moderate('lobby:admit', { participantId: k.id });
    });
  });
  return { page, id: (await page.evaluate(() => window.parley!.session.self.value!.id))! };
}

/** A newcomer joins straight from the link (?prejoin=0); ms from Join (and from the knock) to the host's first frame. */
async function newcomer(browser: Browser, parley: Parley, meetingId: string, hostId: string, i: number): Promise<{ join: number; knock: number | null }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await ctx.newPage();
    await page.goto(`${parley.url}/m/${meetingId}?name=Guest${i}&prejoin=0`);
    const out = await page.evaluate(
      (host) =>
        new Promise<{ join: number; knock: number | null }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no remote frame within 20 s')), 20_000);
          const watch = () => {
            const v = document.querySelector<HTMLVideoElement>(`[data-testid="tile"][data-participant-id="${host}"] video`);
            if (!v) return false;
            v.requestVideoFrameCallback((now) => {
              clearTimeout(timer);
              const mark = (name: string) => performance.getEntriesByName(name, 'mark').at(-1)?.startTime ?? null;
              const join = mark('parley:join')!;
              const knock = mark('parley:knock');
              resolve({ join: now - join, knock: knock === null ? null : now - knock });
            });
            return true;
          };
          if (!watch()) {
            const mo = new MutationObserver(() => watch() && mo.disconnect());
            mo.observe(document.body, { childList: true, subtree: true });
          }
        }),
      hostId,
    );
    await page.getByTestId('leave').click();
    return out;
  } finally {
    await ctx.close();
  }
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const samples = opts.quick ? 5 : 20;
  const parley = await startLoopbackParley();
  const browser = await launchBenchBrowser();
  try {
    const lobbyMeeting = await create(parley, true);
    const openMeeting = await create(parley, false);
    const lobbyHost = await moderator(browser, parley, lobbyMeeting);
    const openHost = await moderator(browser, parley, openMeeting);
    await new Promise((r) => setTimeout(r, 3000));
    await newcomer(browser, parley, lobbyMeeting.id, lobbyHost.id, 0); // warm-up
    await newcomer(browser, parley, openMeeting.id, openHost.id, 0);
    const knock: number[] = [];
    const admitted: number[] = [];
    const open: number[] = [];
    for (let i = 1; i <= samples; i++) {
      const a = await newcomer(browser, parley, lobbyMeeting.id, lobbyHost.id, i);
      if (a.knock === null) throw new Error('the newcomer never knocked');
      knock.push(a.knock);
      admitted.push(a.join);
      open.push((await newcomer(browser, parley, openMeeting.id, openHost.id, i)).join);
    }
    const k = p50p95(knock);
    const a = p50p95(admitted);
    const o = p50p95(open);
    const note = `${samples} newcomers each, camera+mic, loopback, 1 worker; the moderator's page admits on the knock`;
    return [
      { bench: 'admit', metric: 'knock to first frame p50', value: k.p50, unit: 'ms', note },
      { bench: 'admit', metric: 'knock to first frame p95', value: k.p95, unit: 'ms' },
      { bench: 'admit', metric: 'join to first frame through the waiting room p50', value: a.p50, unit: 'ms', baseline: o.p50, baselineName: 'same join, no waiting room' },
      { bench: 'admit', metric: 'join to first frame through the waiting room p95', value: a.p95, unit: 'ms', baseline: o.p95, baselineName: 'same join, no waiting room' },
    ];
  } finally {
    await browser.close();
    await parley.close();
  }
}

if (import.meta.main) {
  for (const r of await run({ quick: process.env.BENCH_QUICK === '1' })) console.log(JSON.stringify(r));
}
