// Drawing on a shared screen and on the whiteboard, in real Chromium pages:
// the sharer draws on their screen, a participant the sharer allowed draws
// too, and the others see the strokes where they were drawn (read from the
// pixels of a screenshot, over the live screen share); undo, a new share
// starting blank; the moderator's whiteboard, drawn on by a participant and
// laid out at 1280×800 and on a 390×844 phone.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { createMeeting, inRoom, launchBrowser, openParticipant, shotsDir, startStack, stats, waitFor, type Participant } from './helpers.ts';
import { layoutProblems, meetingBoxes } from './layout.ts';

type Rgb = [number, number, number];
const isRed = ([r, g, b]: Rgb) => r > 170 && g < 130 && b < 130;
const isBlue = ([r, g, b]: Rgb) => b > 170 && r < 130 && b - r > 80;

/** The colours the page shows at these points (CSS pixels), read from a real screenshot. */
async function pixels(page: Page, points: [number, number][]): Promise<Rgb[]> {
  const png = await page.screenshot();
  return page.evaluate(
    async ({ b64, points }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      const scale = bmp.width / window.innerWidth;
      return points.map(([x, y]) => {
        const d = ctx.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data;
        return [d[0]!, d[1]!, d[2]!] as [number, number, number];
      });
    },
    { b64: png.toString('base64'), points },
  );
}

/** The drawing layer of the tile on the stage (or of the board), as a box. */
async function layerBox(page: Page, surface: 'screen' | 'board'): Promise<{ x: number; y: number; w: number; h: number }> {
  const layer = page.locator(surface === 'board' ? '[data-testid="board"] [data-testid="draw-layer"]' : '.stage [data-testid="screen-tile"] [data-testid="draw-layer"]');
  const b = await waitFor('a drawing layer with a size', async () => {
    const box = await layer.boundingBox();
    return box && box.width > 50 && box.height > 30 ? box : undefined;
  });
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

/** Points of a surface (0..1) on this page's screen. */
async function at(page: Page, surface: 'screen' | 'board', pts: [number, number][]): Promise<[number, number][]> {
  const b = await layerBox(page, surface);
  return pts.map(([x, y]) => [b.x + x * b.w, b.y + y * b.h]);
}

/** Drags the mouse through these surface points, as a person drawing. */
async function draw(page: Page, surface: 'screen' | 'board', pts: [number, number][]): Promise<void> {
  const [first, ...rest] = await at(page, surface, pts);
  await page.mouse.move(first![0], first![1]);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(x, y, { steps: 8 });
  await page.mouse.up();
}

const HORIZONTAL: [number, number][] = [
  [0.3, 0.5],
  [0.7, 0.5],
];
const ON_HORIZONTAL: [number, number][] = [
  [0.4, 0.5],
  [0.5, 0.5],
  [0.6, 0.5],
];
const VERTICAL: [number, number][] = [
  [0.8, 0.2],
  [0.8, 0.8],
];
const ON_VERTICAL: [number, number][] = [
  [0.8, 0.35],
  [0.8, 0.5],
  [0.8, 0.65],
];

describe('drawing', () => {
  let parley: Parley;
  let browser: Browser;
  let ada: Participant, bo: Participant, cy: Participant;
  let idb: string, idc: string;
  const shots = shotsDir('drawing');

  beforeAll(async () => {
    parley = await startStack();
    browser = await launchBrowser();
    const { id } = await createMeeting(parley.url, 'Drawing');
    const desktop = { width: 1280, height: 800 };
    ada = await openParticipant(browser, parley.url, id, 'Ada', { prejoin: '0' }, desktop);
    await inRoom(ada);
    bo = await openParticipant(browser, parley.url, id, 'Bo', { prejoin: '0' }, desktop);
    cy = await openParticipant(browser, parley.url, id, 'Cy', { prejoin: '0' }, desktop);
    [idb, idc] = [await inRoom(bo), await inRoom(cy)];
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  test('the sharer draws on the shared screen and the others see it there; someone allowed draws too; undo; a new share starts blank', async () => {
    await bo.page.getByTestId('toggle-screen').click();
    for (const p of [ada, cy]) {
      await waitFor('screen frames', async () => (await stats(p.page)).find((s) => s.participantId === idb && s.source === 'screen' && s.framesDecoded > 0));
      await p.page.locator('.stage [data-testid="screen-tile"]').waitFor();
    }
    const before = await pixels(cy.page, await at(cy.page, 'screen', ON_HORIZONTAL));
    assert.ok(!before.some(isRed), `nothing red there before: ${JSON.stringify(before)}`);
    // Cy may not draw (no pen on the tile); the sharer may, on a preview of their screen.
    assert.equal(await cy.page.locator('.stage [data-testid="draw-start"]').count(), 0);
    await bo.page.getByTestId('sharing-placeholder').getByTestId('draw-start').click();
    await bo.page.getByTestId('draw-tools').waitFor();
    await draw(bo.page, 'screen', HORIZONTAL);
    for (const p of [cy, ada]) {
      const seen = await waitFor('the red stroke on the shared screen', async () => {
        const px = await pixels(p.page, await at(p.page, 'screen', ON_HORIZONTAL));
        return px.every(isRed) ? px : undefined;
      });
      assert.equal(seen.length, 3);
    }
    await cy.page.screenshot({ path: `${shots}/screen-seen-by-viewer-1280.png` });
    await bo.page.screenshot({ path: `${shots}/screen-sharer-drawing-1280.png` });

    // The sharer lets Cy draw, from the participants list; Cy draws in blue; Ada sees it; Cy takes it back.
    await bo.page.getByTestId('toggle-participants').click();
    await bo.page.locator(`[data-testid="participant-row"][data-participant-id="${idc}"] [data-testid="person-menu"]`).click();
    await bo.page.getByTestId('sharer-actions').getByTestId('allow-draw').click();
    await bo.page.getByTestId('toggle-participants').click();
    await cy.page.locator('.stage [data-testid="draw-start"]').click();
    await cy.page.getByTestId('draw-color-3b82f6').click();
    await draw(cy.page, 'screen', VERTICAL);
    await waitFor('the blue stroke at Ada’s', async () => (await pixels(ada.page, await at(ada.page, 'screen', ON_VERTICAL))).every(isBlue));
    const tools = await cy.page.getByTestId('draw-tools').boundingBox();
    const tile = await cy.page.locator('.stage [data-testid="screen-tile"]').boundingBox();
    assert.ok(tools && tile && tools.x >= tile.x && tools.y >= tile.y && tools.x + tools.width <= tile.x + tile.width && tools.y + tools.height <= tile.y + tile.height, 'the tools sit inside the tile');
    await cy.page.screenshot({ path: `${shots}/screen-allowed-drawer-1280.png` });
    await cy.page.getByTestId('draw-undo').click();
    await waitFor('the blue stroke gone at Ada’s', async () => !(await pixels(ada.page, await at(ada.page, 'screen', ON_VERTICAL))).some(isBlue));
    assert.ok((await pixels(ada.page, await at(ada.page, 'screen', ON_HORIZONTAL))).every(isRed), 'Bo’s stroke stays');
    assert.deepEqual(layoutProblems(await meetingBoxes(cy.page)), []);

    // Sharing stops: the drawings go with it; a new share starts blank.
    await bo.page.getByTestId('toggle-screen').click();
    await cy.page.locator('[data-testid="screen-tile"]').waitFor({ state: 'detached' });
    await bo.page.getByTestId('toggle-screen').click();
    await cy.page.locator('.stage [data-testid="screen-tile"] [data-testid="draw-layer"]').waitFor();
    await waitFor('screen frames again', async () => (await stats(cy.page)).find((s) => s.participantId === idb && s.source === 'screen' && s.framesDecoded > 0));
    const surfaces = await cy.page.evaluate(() => {
      const layer = document.querySelector<HTMLElement>('.stage [data-testid="draw-layer"]')!;
      return window.parley!.session.drawing.strokes(layer.dataset.surface as never).length;
    });
    assert.equal(surfaces, 0);
    await bo.page.getByTestId('toggle-screen').click();
    await cy.page.locator('[data-testid="screen-tile"]').waitFor({ state: 'detached' });
  });

  test('the moderator’s whiteboard: everyone sees it on the stage, a participant draws on it, closing it wipes it; laid out on a phone too', async () => {
    await ada.page.getByTestId('toggle-board').click();
    for (const p of [ada, bo, cy]) await p.page.locator('.stage [data-testid="board"]').waitFor();
    await cy.page.getByTestId('draw-color-ef4444').click();
    await draw(cy.page, 'board', HORIZONTAL);
    for (const p of [ada, bo]) await waitFor('the stroke on the board', async () => (await pixels(p.page, await at(p.page, 'board', ON_HORIZONTAL))).every(isRed));
    for (const p of [ada, cy]) assert.deepEqual(layoutProblems(await meetingBoxes(p.page)), [], p.name);
    await ada.page.screenshot({ path: `${shots}/board-moderator-1280.png` });

    // On a phone: the board and its tools fit, nothing scrolls sideways, and drawing works.
    await cy.page.setViewportSize({ width: 390, height: 844 });
    await cy.page.locator('.stage [data-testid="board"]').waitFor();
    assert.deepEqual(layoutProblems(await meetingBoxes(cy.page)), []);
    const board = (await cy.page.locator('[data-testid="board"]').boundingBox())!;
    for (const el of await cy.page.locator('[data-testid="draw-tools"] button').all()) {
      const b = (await el.boundingBox())!;
      assert.ok(b.x >= board.x && b.x + b.width <= board.x + board.width && b.y >= board.y && b.y + b.height <= board.y + board.height, `a tool leaves the board: ${JSON.stringify(b)}`);
      assert.ok(b.x >= 0 && b.x + b.width <= 390, 'a tool is off screen');
    }
    await draw(cy.page, 'board', VERTICAL);
    await waitFor('the phone’s stroke at Ada’s', async () => (await pixels(ada.page, await at(ada.page, 'board', ON_VERTICAL))).every(isRed));
    await cy.page.screenshot({ path: `${shots}/board-phone-390.png` });

    await ada.page.getByTestId('draw-close').click();
    for (const p of [ada, bo, cy]) await p.page.locator('[data-testid="board"]').waitFor({ state: 'detached' });
    // Opened again: a blank page.
    await ada.page.getByTestId('toggle-board').click();
    await cy.page.locator('[data-testid="board"]').waitFor();
    assert.equal(await cy.page.evaluate(() => window.parley!.session.drawing.strokes('board').length), 0);

    // A notice on the phone (Bo leaves) shows above the toolbar, clear of the header and its buttons.
    await bo.page.getByTestId('leave').click();
    const toast = cy.page.getByTestId('toast-left');
    await toast.waitFor();
    const [tb, head, bar] = [await toast.boundingBox(), await cy.page.locator('.room-head').boundingBox(), await cy.page.locator('.toolbar').boundingBox()];
    assert.ok(tb && head && bar, 'toast, header and toolbar are there');
    assert.ok(tb.y >= head.y + head.height && tb.y + tb.height <= bar.y && tb.x >= 0 && tb.x + tb.width <= 390, `the notice sits between header and toolbar: ${JSON.stringify({ tb, head, bar })}`);
    await cy.page.screenshot({ path: `${shots}/notice-phone-390.png` });
  });
});
