// What a person would see wrong in a meeting page, measured from bounding
// boxes: tiles that overlap, run under the toolbar or a banner, leave the
// screen or their area; name labels cut off; a page that scrolls sideways.
// The same for the chat and calendar screens (screenProblems), and the
// pages the browser tests of those screens open (personPage).
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MeetingBoxes {
  viewport: { w: number; h: number };
  scrollWidth: number;
  /** `scroller`: the box of the grid or filmstrip the tile scrolls in, when that one scrolls. */
  tiles: (Box & { id: string; label: Box | null; name: Box | null; nameText: string; nameFull: number; scroller: Box | null })[];
  toolbar: Box | null;
  head: Box | null;
  stage: Box | null;
  panel: Box | null;
  banners: Box[];
}

/** Every box the checks need, read in one go (in the page). */
export function meetingBoxes(page: Page): Promise<MeetingBoxes> {
  return page.evaluate(() => {
    const box = (el: Element | null): Box | null => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    };
    const tiles = [...document.querySelectorAll('[data-testid="tile"], [data-testid="screen-tile"], [data-testid="board"]')].map((t) => {
      const name = t.querySelector('.tile-name');
      const grid = t.closest('.grid');
      const scrolls = grid !== null && (grid.scrollHeight > grid.clientHeight + 1 || grid.scrollWidth > grid.clientWidth + 1);
      return {
        scroller: scrolls ? box(grid) : null,
        ...box(t)!,
        id: (t as HTMLElement).dataset.participantId ?? '?',
        label: box(t.querySelector('.tile-label')),
        name: box(name),
        nameText: name?.textContent ?? '',
        // How wide the name would be uncut: an ellipsis is fine, a name cut to nothing is not.
        nameFull: name ? (name as HTMLElement).scrollWidth : 0,
      };
    });
    return {
      viewport: { w: window.innerWidth, h: window.innerHeight },
      scrollWidth: document.documentElement.scrollWidth,
      tiles,
      toolbar: box(document.querySelector('.toolbar')),
      head: box(document.querySelector('.room-head')),
      stage: box(document.querySelector('.stage-area')),
      panel: box(document.querySelector('.panel')),
      banners: [...document.querySelectorAll('.room > .banners > *, .room > .banner, .room > .lobby-card')].map((b) => box(b)!).filter((b) => b.w > 0 && b.h > 0),
    };
  });
}

const EPS = 1;
const overlap = (a: Box, b: Box): number => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
const inside = (inner: Box, outer: Box): boolean =>
  inner.x >= outer.x - EPS && inner.y >= outer.y - EPS && inner.x + inner.w <= outer.x + outer.w + EPS && inner.y + inner.h <= outer.y + outer.h + EPS;
const fmt = (b: Box) => `${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.w)}×${Math.round(b.h)}`;

/**
 * What is wrong with the meeting page as laid out now (empty: nothing).
 * `panelCoversStage`: on a phone an open panel takes the video area, so the
 * tiles under it are not checked against it.
 */
export function layoutProblems(b: MeetingBoxes, opts: { panelCoversStage?: boolean } = {}): string[] {
  const problems: string[] = [];
  const screen: Box = { x: 0, y: 0, w: b.viewport.w, h: b.viewport.h };
  if (b.scrollWidth > b.viewport.w + EPS) problems.push(`the page scrolls sideways (${b.scrollWidth} > ${b.viewport.w})`);
  if (!b.toolbar || !inside(b.toolbar, screen)) problems.push(`the toolbar is not fully on screen (${b.toolbar ? fmt(b.toolbar) : 'missing'})`);
  if (b.panel) {
    if (!inside(b.panel, screen)) problems.push(`the panel leaves the screen (${fmt(b.panel)})`);
    if (b.toolbar && overlap(b.panel, b.toolbar) > EPS) problems.push('the panel covers the toolbar');
  }
  for (const [i, banner] of b.banners.entries()) {
    if (!inside(banner, screen)) problems.push(`banner ${i} leaves the screen (${fmt(banner)})`);
    for (const other of b.banners.slice(i + 1)) if (overlap(banner, other) > EPS) problems.push(`banners overlap (${fmt(banner)} / ${fmt(other)})`);
    if (b.toolbar && overlap(banner, b.toolbar) > EPS) problems.push('a banner covers the toolbar');
  }
  const covered = opts.panelCoversStage && b.panel;
  for (const [i, t] of b.tiles.entries()) {
    const who = `tile of ${t.nameText || t.id}`;
    if (covered) continue;
    if (t.w < 40 || t.h < 30) problems.push(`${who} is too small to see (${fmt(t)})`);
    if (t.scroller) {
      // In a filmstrip (or a grid of too many) that scrolls: the strip must fit, its tiles may be scrolled away.
      if (b.stage && !inside(t.scroller, b.stage)) problems.push(`the scrolling strip of ${who} leaves the video area (${fmt(t.scroller)})`);
      if (b.toolbar && overlap(t.scroller, b.toolbar) > EPS) problems.push('a scrolling strip runs under the toolbar');
      if (!inside(t, t.scroller)) continue;
    }
    if (!inside(t, screen)) problems.push(`${who} leaves the screen (${fmt(t)})`);
    if (b.stage && !inside(t, b.stage)) problems.push(`${who} leaves the video area (${fmt(t)} outside ${fmt(b.stage)})`);
    if (b.toolbar && overlap(t, b.toolbar) > EPS) problems.push(`${who} runs under the toolbar`);
    if (b.head && overlap(t, b.head) > EPS) problems.push(`${who} runs under the header`);
    if (b.panel && overlap(t, b.panel) > EPS) problems.push(`${who} is under the open panel`);
    for (const banner of b.banners) if (overlap(t, banner) > EPS) problems.push(`${who} is under a banner`);
    for (const other of b.tiles.slice(i + 1)) {
      const o = overlap(t, other);
      if (o > EPS) problems.push(`${who} and the tile of ${other.nameText || other.id} overlap by ${Math.round(o)} px²`);
    }
    if (!t.label || !inside(t.label, t)) problems.push(`${who}: its name label is cut off (${t.label ? fmt(t.label) : 'missing'} in ${fmt(t)})`);
    else if (!inside(t.label, screen)) problems.push(`${who}: its name label is off screen`);
    if (!t.name || t.name.w + EPS < Math.min(40, t.nameFull)) problems.push(`${who}: the name shows as ${t.name ? Math.round(t.name.w) : 0} px of ${t.nameFull}`);
  }
  return problems;
}

export interface ScreenCheck {
  /** Elements (by data-testid) that must be on screen, whole, and not covered by anything else. */
  shown: string[];
  /** Of those, the ones a finger presses: at least 44×44 px. */
  touch?: string[];
  /** Of those, the ones that take the screen's whole width (the one pane a phone shows). */
  fullWidth?: string[];
}

/**
 * What is wrong with a page of the chat or the calendar as laid out now
 * (empty: nothing): sideways scroll; an element missing, cut by the screen's
 * edge, or covered (the element at its centre is not it or inside it: a
 * toast, a drawer or a pane over it); a touch target under 44 px; a pane
 * that should take the whole width and does not.
 */
export function screenProblems(page: Page, check: ScreenCheck): Promise<string[]> {
  return page.evaluate(({ shown, touch, fullWidth }) => {
    const problems: string[] = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    if (document.documentElement.scrollWidth > vw + 1) problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${vw})`);
    for (const id of shown) {
      const el = [...document.querySelectorAll(`[data-testid="${id}"]`)].find((e) => (e as HTMLElement).offsetParent !== null || e.getClientRects().length > 0);
      if (!el) {
        problems.push(`${id} is not shown`);
        continue;
      }
      const r = el.getBoundingClientRect();
      const at = `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}×${Math.round(r.height)}`;
      if (r.width < 1 || r.height < 1) problems.push(`${id} has no size (${at})`);
      else if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) problems.push(`${id} is cut by the screen's edge (${at} in ${vw}×${vh})`);
      else {
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!top || !(el === top || el.contains(top))) problems.push(`${id} is covered by ${top ? `${top.tagName.toLowerCase()}.${[...top.classList].join('.')}` : 'nothing'} (${at})`);
      }
      if (touch?.includes(id) && (r.width < 44 - 0.5 || r.height < 44 - 0.5)) problems.push(`${id} is too small to touch (${at})`);
      if (fullWidth?.includes(id) && r.width < vw - 2) problems.push(`${id} does not take the screen's width (${at} in ${vw})`);
    }
    return problems;
  }, check);
}

/** Screenshots the page into `dir` (named by `what` and its width) and asserts `screenProblems` finds nothing. */
export async function assertScreen(page: Page, dir: string, what: string, check: ScreenCheck): Promise<void> {
  const size = page.viewportSize()!;
  await page.screenshot({ path: `${dir}/${what}-${size.width}.png` });
  const problems = await screenProblems(page, check);
  assert.deepEqual(problems, [], `${what} at ${size.width}×${size.height}: ${problems.join('; ')}`);
}

/** A person's page in a context of its own, at `viewport` (touch below 800 px), in British English and Zurich time; page errors are printed. */
export async function personPage(browser: Browser, name: string, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/Zurich', hasTouch: viewport.width < 800 });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  return page;
}

