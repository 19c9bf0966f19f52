// What is drawn on a shared screen, and the whiteboard, are in the
// recording: a real recorder process composes the meeting with ffmpeg, the
// strokes laid over the shared picture or the board's white page; the MP4's
// frames show them in their colour where they were drawn.
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { newestRecordingLink, recordedSeconds, recorderLogsOnFailure, startCaptureStack, type CaptureStack } from './capture-helpers.ts';
import { createMeeting, inRoom, launchBrowser, openParticipant, shotsDir, waitFor, type Participant } from './helpers.ts';

type Ink = { count: number; x0: number; x1: number; y0: number; y1: number };
interface Frame {
  red: Ink;
  blue: Ink;
  /** White pixels on the stage (the whiteboard's page). */
  white: number;
}

/**
 * The MP4's frames, two a second, as the pixels in the pen's red and blue
 * (the fake screen and cameras are green, the canvas grey): how many and
 * their box, and how much of the stage is white.
 */
function frames(file: string): Frame[] {
  const W = 1280;
  const H = 720;
  const res = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', 'fps=2', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-'], { maxBuffer: W * H * 3 * 200 });
  const buf = res.stdout as Buffer;
  const out: Frame[] = [];
  const ink = (): Ink => ({ count: 0, x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity });
  const add = (k: Ink, x: number, y: number) => {
    k.count += 1;
    k.x0 = Math.min(k.x0, x);
    k.x1 = Math.max(k.x1, x);
    k.y0 = Math.min(k.y0, y);
    k.y1 = Math.max(k.y1, y);
  };
  for (let f = 0; (f + 1) * W * H * 3 <= buf.length; f++) {
    const frame: Frame = { red: ink(), blue: ink(), white: 0 };
    for (let p = 0; p < W * H; p++) {
      const i = (f * W * H + p) * 3;
      const [r, g, b] = [buf[i]!, buf[i + 1]!, buf[i + 2]!];
      const x = p % W;
      const y = Math.floor(p / W);
      if (r > 170 && g < 120 && b < 120) add(frame.red, x, y);
      else if (b > 170 && r < 120 && g < 170) add(frame.blue, x, y);
      else if (r > 235 && g > 235 && b > 235 && x < 960) frame.white += 1;
    }
    out.push(frame);
  }
  return out;
}

const seconds = recordedSeconds;

describe('drawing in the recording', () => {
  let stack: CaptureStack;
  let browser: Browser;
  let mod: Participant;

  beforeAll(async () => {
    stack = await startCaptureStack();
    await stack.recorder();
    browser = await launchBrowser();
    const m = await createMeeting(stack.parley.url, 'Drawn and recorded');
    mod = await openParticipant(browser, stack.parley.url, m.id, 'Mona', { prejoin: '0', moderatorToken: m.moderatorToken });
    await inRoom(mod);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  afterEach((t) => recorderLogsOnFailure(t, stack));

  test('strokes on the shared screen, then the whiteboard, are in the MP4 where they were drawn', async () => {
    await mod.page.getByTestId('toggle-screen').click();
    await waitFor('the screen being sent', async () => (await mod.page.evaluate(() => window.parley!.session.media.sendStats())).some((r) => r.source === 'screen' && r.framesEncoded > 0));
    await mod.page.getByTestId('sharing-placeholder').getByTestId('draw-start').click();
    await mod.page.getByTestId('toggle-capture').click();
    await mod.page.getByTestId('start-recording').click();
    await mod.page.locator('[data-testid="rec-indicator"][data-state="live"]').waitFor({ timeout: 30_000 });
    await waitFor('recorded seconds', async () => (await seconds(mod)) >= 3, 30_000);
    // A red horizontal line across the middle of the shared picture.
    const drawnAt = await seconds(mod);
    const layer = (await mod.page.locator('.stage [data-testid="draw-layer"]').boundingBox())!;
    await mod.page.mouse.move(layer.x + layer.width * 0.2, layer.y + layer.height * 0.5);
    await mod.page.mouse.down();
    await mod.page.mouse.move(layer.x + layer.width * 0.8, layer.y + layer.height * 0.5, { steps: 10 });
    await mod.page.mouse.up();
    await waitFor('recorded seconds after the stroke', async () => (await seconds(mod)) >= drawnAt + 4, 30_000);
    // The whiteboard takes the stage; a blue vertical line down its middle.
    await mod.page.getByTestId('toggle-board').click();
    const board = mod.page.locator('.stage [data-testid="board"]');
    await board.waitFor();
    await board.getByTestId('draw-color-3b82f6').click();
    const page = await waitFor('the board with a size', async () => {
      const b = await board.getByTestId('draw-layer').boundingBox();
      return b && b.width > 100 ? b : undefined;
    });
    // The board's 16:9 page, centred in its tile: its middle is the tile's.
    const pageH = Math.min(page.height, (page.width * 9) / 16);
    await mod.page.mouse.move(page.x + page.width / 2, page.y + page.height / 2 - pageH * 0.3);
    await mod.page.mouse.down();
    await mod.page.mouse.move(page.x + page.width / 2, page.y + page.height / 2 + pageH * 0.3, { steps: 10 });
    await mod.page.mouse.up();
    const boardAt = await seconds(mod);
    await waitFor('recorded seconds after the board', async () => (await seconds(mod)) >= boardAt + 5, 30_000);
    await mod.page.getByTestId('stop-recording').click();

    const link = await newestRecordingLink(mod, 1, 60_000);
    const file = path.join(stack.tmp, 'drawn.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(link)).arrayBuffer()));
    const all = frames(file);
    // What the recording looks like with the screen's strokes, and at the end (the board).
    const shots = shotsDir('drawing');
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-sseof', '-1', '-i', file, '-frames:v', '1', `${shots}/recording-board.png`]);
    assert.ok(all.length >= 20, `${all.length} frames`);
    const near = (v: number, want: number, what: string) => assert.ok(Math.abs(v - want) <= 12, `${what}: ${v}, not ~${want}`);
    // The shared screen takes the stage (960×540 at (0, 90) beside the camera
    // strip): nothing red on it at first, then the line from 20 % to 80 % of
    // its width, across its middle, a pen thick.
    const firstRed = all.findIndex((f) => f.red.count > 1000);
    assert.ok(firstRed > 0, `the red stroke shows, after a time without it (frame ${firstRed} of ${all.length})`);
    assert.ok(all[0]!.red.count < 50, `nothing red at first (${all[0]!.red.count} px)`);
    const red = all[firstRed + 1]!.red;
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-ss', String((firstRed + 1) / 2), '-i', file, '-frames:v', '1', `${shots}/recording-screen.png`]);
    near(red.x0, 192, 'the red line starts');
    near(red.x1, 768, 'the red line ends');
    near((red.y0 + red.y1) / 2, 360, 'the red line runs across the middle');
    assert.ok(red.y1 - red.y0 <= 10, `a pen's thickness (${red.y1 - red.y0 + 1} px)`);
    // At the end the whiteboard is on the stage: a white 16:9 page (the
    // screen's strokes are not on it) with the blue line down its middle.
    const last = all.at(-1)!;
    assert.ok(last.white > 960 * 540 * 0.9, `the white page on the stage (${last.white} px)`);
    assert.ok(last.red.count < 50, `the screen's strokes are not on the board (${last.red.count} red px)`);
    assert.ok(last.blue.count > 500, `the board's stroke (${last.blue.count} blue px)`);
    near((last.blue.x0 + last.blue.x1) / 2, 480, 'the blue line runs down the middle');
    near(last.blue.y0, 360 - 162, 'the blue line starts');
    near(last.blue.y1, 360 + 162, 'the blue line ends');
    assert.ok(last.blue.x1 - last.blue.x0 <= 10, `a pen's thickness (${last.blue.x1 - last.blue.x0 + 1} px)`);
  });
});
