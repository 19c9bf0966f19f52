// Recording and live streaming: what a recording costs, how many one machine
// carries, and how far behind the live stream is.
//
//   cpu          one recording of a meeting with one 720p30 VP8 camera: the
//                recorder's process tree (node + ffmpeg), core-seconds per
//                minute of output; baseline: a bare ffmpeg doing the same
//                decode, layout and encode from the same clip to the same
//                2 s segments (what any recorder must at least spend);
//                then the same for a live stream of a 1080p30 camera, which
//                is composed and encoded at 1080p
//   concurrency  1, 2, 3... meetings recorded at once, each with its own
//                camera: the most this machine keeps at real time (every
//                recording writes >= 95 % of a second of media per second);
//                baseline: what the bare ffmpeg's CPU would allow
//   latency      glass-to-glass: a camera draws the wall clock into its
//                picture; a viewer page (Chromium, hls.js) reads it back from
//                the frame it shows; baseline: the same camera encoded
//                straight to HLS by ffmpeg and played by the same page
//
// The server runs in this process (real mediasoup worker, real Redis), the
// recorder in its own process as in production, cameras in theirs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { configFromEnv, createParley, type Parley } from '@parley/server';
import { startRedis } from '../scripts/lib/redis-server.ts';
import { launchBenchBrowser, percentile } from './lib/browser.ts';
import { ensureClip } from './lib/clip.ts';
import { startClockVideo, VIEWER_PROBE } from './lib/clock-video.ts';
import { PLAYER_CONFIG } from '../web/src/live/player.ts';
import { ChildRpc } from './lib/ipc.ts';
import { machineCpu, processTree } from './lib/proc.ts';
import type { BenchResult } from './lib/result.ts';

const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const treeCpu = (pid: number) => processTree(pid).reduce((a, s) => a + s.cpu, 0);

/** The encoder settings of recorder/src/ffmpeg.ts, for the bare baseline (at 1080p it spends twice the bits). */
const x264 = (height: 720 | 1080 = 720) => [
  '-c:v', 'libx264', '-preset', process.env.RECORDER_X264_PRESET ?? 'superfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-r', '30', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
  ...(height === 1080 ? ['-b:v', '4000k', '-maxrate', '5000k', '-bufsize', '8000k'] : ['-b:v', '2000k', '-maxrate', '2500k', '-bufsize', '4000k']),
];

interface Ctx {
  parley: Parley;
  recorder: ChildProcess;
  tmp: string;
  quick: boolean;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A meeting with one camera participant (the first joiner: its moderator). */
async function cameraMeeting(ctx: Ctx, script: 'camera' | 'clock-camera', clip?: string, height?: number): Promise<{ camera: ChildRpc; meetingId: string; moderator: string }> {
  const { record } = await ctx.parley.meetings.create('Bench');
  const camera = new ChildRpc(path.join(root, `bench/lib/${script}.ts`));
  await camera.call('start', { system: 'parley', url: ctx.parley.url, meetingId: record.id, clip, height });
  const meeting = ctx.parley.meetings.live(record.id)!;
  const moderator = [...meeting.participants][0]!.id;
  return { camera, meetingId: record.id, moderator };
}

async function startCapture(ctx: Ctx, meetingId: string, moderator: string, kind: 'record' | 'stream') {
  const meeting = ctx.parley.meetings.live(meetingId as never)!;
  const capture = await ctx.parley.captures.start(meeting, moderator as never, kind);
  await waitUntil('the capture to write media', () => capture.mediaStartedAt !== null, 60_000);
  return capture;
}

async function stopCapture(ctx: Ctx, meetingId: string, moderator: string, kind: 'record' | 'stream', id: string): Promise<void> {
  ctx.parley.captures.stop(ctx.parley.meetings.live(meetingId as never)!, moderator as never, kind);
  await waitUntil('the capture to finish', () => ctx.parley.captures.capture(id) === undefined, 120_000);
}

/** One capture's CPU: a 720p recording, or (height 1080) a live stream of a 1080p camera, composed at 1080p. */
async function cpu(ctx: Ctx, clip: string, height: 720 | 1080 = 720): Promise<{ results: BenchResult[]; bareCores: number }> {
  const windowS = ctx.quick ? 10 : 30;
  const kind = height === 1080 ? 'stream' : 'record';
  const { camera, meetingId, moderator } = await cameraMeeting(ctx, 'camera', clip, height);
  const capture = await startCapture(ctx, meetingId, moderator, kind);
  await sleep(3000);
  const c0 = treeCpu(ctx.recorder.pid!);
  const s0 = capture.seconds;
  await sleep(windowS * 1000);
  const c1 = treeCpu(ctx.recorder.pid!);
  const s1 = capture.seconds;
  await stopCapture(ctx, meetingId, moderator, kind, capture.id);
  await camera.call('stop');
  await camera.stop();
  const parleyCores = (c1 - c0) / windowS;
  const perMinute = ((c1 - c0) / Math.max(1, s1 - s0)) * 60;

  // The bare baseline: the same clip, layout and encoder, straight to segments.
  const bareDir = path.join(ctx.tmp, `bare-cpu-${height}`);
  const size = height === 1080 ? '1920:1080' : '1280:720';
  fs.mkdirSync(bareDir, { recursive: true });
  const bare = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo',
    '-filter_complex', `[0:v]scale=${size}:force_original_aspect_ratio=decrease,pad=${size}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30[v]`,
    '-map', '[v]', '-map', '1:a', ...x264(height), '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
    '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', path.join(bareDir, 'seg%06d.ts'),
  ], { stdio: 'ignore' });
  await sleep(3000);
  const b0 = treeCpu(bare.pid!);
  await sleep(windowS * 1000);
  const b1 = treeCpu(bare.pid!);
  bare.kill('SIGKILL');
  const bareCores = (b1 - b0) / windowS;
  return {
    bareCores,
    results: [
      {
        bench: 'recording',
        metric: height === 1080 ? 'CPU of one 1080p30 live stream (recorder process tree)' : 'CPU of one 720p30 recording (recorder process tree)',
        value: perMinute,
        unit: 'core-s per min of output',
        baseline: bareCores * 60,
        baselineName: 'bare ffmpeg, same decode + layout + encode',
        ...(height === 1080 ? {} : { goal: '<= 18 core-s/min (0.3 core per stream)' }),
        note: `${parleyCores.toFixed(3)} cores while recording (${(s1 - s0).toFixed(1)} s of media in a ${windowS} s window); bare ffmpeg ${bareCores.toFixed(3)} cores`,
      },
    ],
  };
}

async function concurrency(ctx: Ctx, clip: string, bareCores: number): Promise<BenchResult[]> {
  const windowS = ctx.quick ? 10 : 20;
  const counts = ctx.quick ? [1, 2] : [1, 2, 3, 4];
  const lines: string[] = [];
  let best = 0;
  for (const n of counts) {
    const meetings: Awaited<ReturnType<typeof cameraMeeting>>[] = [];
    const captures: Awaited<ReturnType<typeof startCapture>>[] = [];
    try {
      for (let i = 0; i < n; i++) {
        meetings.push(await cameraMeeting(ctx, 'camera', clip));
        captures.push(await startCapture(ctx, meetings[i]!.meetingId, meetings[i]!.moderator, 'record'));
      }
    } catch (error) {
      // A count the machine cannot start is as far as it goes.
      lines.push(`${n}: could not start (${(error as Error).message})`);
      await Promise.all(meetings.map(async (m) => {
        await m.camera.call('stop').catch(() => undefined);
        await m.camera.stop();
      }));
      break;
    }
    await sleep(4000);
    const s0 = captures.map((c) => c.seconds);
    const cpu0 = machineCpu();
    await sleep(windowS * 1000);
    const s1 = captures.map((c) => c.seconds);
    const cpu1 = machineCpu();
    // Progress arrives once a second: a window's figure is good to about 1 s.
    const rates = s1.map((s, i) => (s - s0[i]!) / windowS);
    const worst = Math.min(...rates);
    const busy = (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total);
    const ok = worst >= 0.95;
    lines.push(`${n}: slowest ${(worst * 100).toFixed(0)} % of real time, machine ${(busy * 100).toFixed(0)} % busy${ok ? '' : ' (falls behind)'}`);
    await Promise.all(meetings.map((m, i) => stopCapture(ctx, m.meetingId, m.moderator, 'record', captures[i]!.id)));
    await Promise.all(meetings.map(async (m) => {
      await m.camera.call('stop');
      await m.camera.stop();
    }));
    if (!ok) break;
    best = n;
  }
  const cores = os.availableParallelism();
  return [
    {
      bench: 'recording',
      metric: `recordings at real time on this ${cores}-core machine`,
      value: best,
      unit: 'recordings',
      baseline: Math.floor(cores / Math.max(0.01, bareCores)),
      baselineName: 'what bare ffmpeg CPU would allow',
      note: `${lines.join('; ')}${best === counts.at(-1) ? ' (the largest count tried)' : ''}; each meeting has its own camera (a werift sender) and runs in the same server`,
    },
  ];
}

/** A page with hls.js and the clock probe; `src` is the playlist. */
function viewerServer(bareDir: string): Promise<{ url: string; close(): void }> {
  const hlsJs = fs.readFileSync(path.join(root, 'node_modules/hls.js/dist/hls.min.js'));
  const page = `<!doctype html><html><body style="margin:0;background:#000"><video id="v" muted playsinline style="width:1280px;height:720px"></video>
<script src="/hls.js"></script><script>${VIEWER_PROBE}
const src = new URLSearchParams(location.search).get('src');
const v = document.getElementById('v');
// The same player settings as web/src/live/LiveViewer.tsx.
const hls = new Hls(${JSON.stringify(PLAYER_CONFIG)});
hls.loadSource(src); hls.attachMedia(v);
hls.on(Hls.Events.MANIFEST_PARSED, () => v.play());
window.edge = [];
setInterval(() => { if (hls.latency) window.edge.push(hls.latency * 1000); }, 500);
startProbe(v);
</script></body></html>`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/viewer.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (url.pathname === '/hls.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    if (url.pathname.startsWith('/bare/')) {
      const file = path.join(bareDir, path.basename(url.pathname));
      if (!fs.existsSync(file)) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'cache-control': 'no-cache' }).end(fs.readFileSync(file));
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
  }));
}

async function latency(ctx: Ctx): Promise<BenchResult[]> {
  const windowS = ctx.quick ? 8 : 20;
  const bareDir = path.join(ctx.tmp, 'bare-hls');
  fs.mkdirSync(bareDir, { recursive: true });
  const site = await viewerServer(bareDir);
  const browser = await launchBenchBrowser();
  /** Latency samples (sorted) and hls.js's own distance to the live edge (median), in ms. */
  const measure = async (src: string): Promise<number[] & { edge?: number }> => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/viewer.html?src=${encodeURIComponent(src)}`);
    // Measured once the player has settled at its distance from the live edge.
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 8, undefined, { timeout: 60_000 });
    await page.evaluate(() => ((window as unknown as { latencies: number[] }).latencies.length = 0));
    await sleep(windowS * 1000);
    const xs = await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies.slice());
    const edge = await page.evaluate(() => (window as unknown as { edge: number[] }).edge.slice().sort((a, b) => a - b));
    await page.close();
    return Object.assign(xs.sort((a, b) => a - b), { edge: percentile(edge, 50) });
  };
  try {
    const { camera, meetingId, moderator } = await cameraMeeting(ctx, 'clock-camera');
    const capture = await startCapture(ctx, meetingId, moderator, 'stream');
    await waitUntil('the playlist', async () => (await ctx.parley.captures.liveStatus(capture.liveId!))?.state === 'live', 60_000);
    const status = (await ctx.parley.captures.liveStatus(capture.liveId!))!;
    const parley = await measure(status.playlistUrl!);
    await stopCapture(ctx, meetingId, moderator, 'stream', capture.id);
    await camera.call('stop');
    await camera.stop();

    const bare = startClockVideo([
      '-vf', 'scale=1280:720', ...x264(),
      '-f', 'hls', '-hls_time', '2', '-hls_list_size', '6', '-hls_flags', 'delete_segments+omit_endlist', path.join(bareDir, 'index.m3u8'),
    ]);
    // The viewer starts as Parley's does: once the playlist lists three
    // segments (the stream turns live then). A player started on one segment
    // would sit one segment behind the edge, not three, and the ratio would
    // measure the start rule, not the pipeline.
    const playlist = path.join(bareDir, 'index.m3u8');
    await waitUntil('the bare playlist', () => fs.existsSync(playlist) && (fs.readFileSync(playlist, 'utf8').match(/#EXTINF/g)?.length ?? 0) >= 3, 30_000);
    const baseline = await measure(`${site.url}/bare/index.m3u8`);
    bare.kill('SIGKILL');
    if (parley.length < 10 || baseline.length < 10) throw new Error(`too few frames read (${parley.length}, ${baseline.length})`);
    return [
      {
        bench: 'recording',
        metric: 'live stream glass-to-glass latency p50',
        value: percentile(parley, 50),
        unit: 'ms',
        baseline: percentile(baseline, 50),
        baselineName: 'bare ffmpeg to HLS, same camera and player',
        goal: '<= 8000 ms with 2 s segments, the player three behind the live edge (RFC 8216)',
        note:
          `p95 ${percentile(parley, 95).toFixed(0)} ms (bare ${percentile(baseline, 95).toFixed(0)} ms); ${parley.length} frames read; camera -> SFU -> recorder -> drive (local) -> hls.js; ` +
          `of which the player stays behind the playlist's live edge ${parley.edge?.toFixed(0)} ms (bare ${baseline.edge?.toFixed(0)} ms)`,
      },
    ];
  } finally {
    await browser.close();
    site.close();
  }
}

export async function run(opts: { quick?: boolean }): Promise<BenchResult[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-rec-'));
  const redis = await startRedis(path.join(tmp, 'redis'));
  const queueName = 'bench-capture';
  const base = configFromEnv({ secret: 'bench' });
  const parley = await createParley(
    {
      ...base,
      host: '127.0.0.1',
      port: 0,
      secret: 'bench',
      redisUrl: redis.url,
      webDist: undefined,
      drive: { kind: 'local', dir: path.join(tmp, 'drive') },
      capture: { ...base.capture, queueName },
      sfu: { ...base.sfu, workers: 1, listenIp: '127.0.0.1', announcedAddress: undefined, port: 0 },
    },
    { logger: pino({ level: 'warn' }) },
  );
  const recorder = spawn(process.execPath, [path.join(root, 'recorder/src/main.ts')], {
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      CAPTURE_QUEUE: queueName,
      DRIVE: 'local',
      DRIVE_DIR: path.join(tmp, 'drive'),
      DATA_DIR: path.join(tmp, 'data'),
      PARLEY_SECRET: 'bench',
      PUBLIC_URL: parley.url,
      RECORDER_CONCURRENCY: '8',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  recorder.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const ctx: Ctx = { parley, recorder, tmp, quick: opts.quick ?? false };
  try {
    await waitUntil('the recorder', () => out.includes('recorder ready'), 30_000);
    const clip = await ensureClip();
    const { results, bareCores } = await cpu(ctx, clip);
    results.push(...(await cpu(ctx, await ensureClip(1080), 1080)).results);
    results.push(...(await concurrency(ctx, clip, bareCores)));
    results.push(...(await latency(ctx)));
    return results;
  } finally {
    recorder.kill('SIGTERM');
    await new Promise((r) => recorder.once('exit', r));
    await parley.close();
    await redis.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
