// The strokes' picture the recorder lays over a shared screen: painted where
// the meeting's pages paint them, in their colour, transparent elsewhere.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import type { ParticipantId, Stroke } from '@parley/protocol';
import { DrawingFeed, OVERLAY, rasterize } from '../src/drawing.ts';

const by = 'p1' as ParticipantId;
const stroke = (more: Partial<Stroke>): Stroke => ({ id: 's', by, tool: 'pen', color: '#ef4444', fade: false, points: [0.25, 0.5, 0.75, 0.5], ...more });
const px = (buf: Buffer, x: number, y: number, w = OVERLAY.width) => [...buf.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];

test('a pen stroke is opaque in its colour along its path, and nothing else is painted', () => {
  const pic = rasterize([stroke({})]);
  assert.equal(pic.length, OVERLAY.width * OVERLAY.height * 4);
  const y = OVERLAY.height / 2;
  for (const x of [170, 320, 470]) assert.deepEqual(px(pic, x, y), [0xef, 0x44, 0x44, 255], `at ${x}`);
  assert.deepEqual(px(pic, 320, y - 10), [0, 0, 0, 0], 'above the line');
  assert.deepEqual(px(pic, 100, y), [0, 0, 0, 0], 'before its start');
  let painted = 0;
  for (let i = 3; i < pic.length; i += 4) if (pic[i]! > 0) painted++;
  // About 320 px long and 3 px wide (anti-aliased edges included), not more.
  assert.ok(painted > 320 * 2 && painted < 330 * 6, `${painted} pixels painted`);
});

test('a highlighter is translucent and wider, even where it crosses itself; an arrow has a head; a tap is a dot', () => {
  const hl = rasterize([stroke({ tool: 'highlighter', color: '#f59e0b', points: [0.2, 0.5, 0.8, 0.5, 0.5, 0.5] })]);
  const a = px(hl, 320, 180);
  assert.equal(a[3], Math.round(0.4 * 255), 'one layer of 40 % where it doubles back');
  assert.ok(px(hl, 320, 180 + 5)[3]! > 0, 'four pens wide');
  const arrow = rasterize([stroke({ tool: 'arrow', points: [0.1, 0.5, 0.5, 0.5] })]);
  // The head's two strokes go back and out from the tip (320, 180).
  assert.ok(px(arrow, 320 - 10, 180 - 5)[3]! > 0 && px(arrow, 320 - 10, 180 + 5)[3]! > 0, 'the head');
  const dot = rasterize([stroke({ points: [0.5, 0.5] })]);
  assert.equal(px(dot, 320, 180)[3], 255);
});

test('colours outside the palette and empty strokes paint nothing; the feed paints a screen once per change', () => {
  const none = rasterize([stroke({ color: '#00ff00' as never }), stroke({ points: [] })]);
  assert.ok(none.every((b) => b === 0));
  const feed = new DrawingFeed();
  const blank = feed.frame('screen:abc');
  assert.ok(blank.every((b) => b === 0));
  const strokes = [stroke({})];
  feed.set({ board: false, drawers: [], surfaces: [{ surface: 'screen:abc', strokes }] });
  const first = feed.frame('screen:abc');
  assert.equal(feed.frame('screen:abc'), first, 'the same strokes: the same picture, not painted again');
  assert.ok(feed.frame('screen:other').every((b) => b === 0), 'another screen has nothing');
  feed.set({ board: false, drawers: [], surfaces: [] });
  assert.ok(feed.frame('screen:abc').every((b) => b === 0), 'cleared');
});

test('hostile zig-zags from corner to corner: the picture stays within its budget, the newest strokes painted, the oldest left out', () => {
  // About what a drawer may keep on one surface (60,000 values), each segment across the whole picture.
  const zigzag = (color: Stroke['color'], values = 2000): Stroke =>
    stroke({ color, points: Array.from({ length: values }, (_, i) => (Math.floor(i / 2) % 2 === 0 ? 0 : 1)) });
  const strokes = [zigzag('#ef4444'), ...Array.from({ length: 28 }, () => zigzag('#f59e0b')), zigzag('#3b82f6', 200), stroke({ color: '#22c55e', points: [0.1, 0.1, 0.2, 0.1] })];
  const pic = rasterize(strokes);
  // The newest (a short green line, then the blue zig-zag) are there; the oldest (red) is not.
  assert.deepEqual(px(pic, Math.round(0.15 * OVERLAY.width), Math.round(0.1 * OVERLAY.height)).slice(0, 3), [0x22, 0xc5, 0x5e]);
  let red = 0;
  let blue = 0;
  for (let i = 0; i < pic.length; i += 4) {
    if (pic[i] === 0xef && pic[i + 1] === 0x44) red++;
    if (pic[i] === 0x3b && pic[i + 1] === 0x82) blue++;
  }
  assert.ok(blue > 1000, `the newest zig-zag is painted (${blue} px)`);
  assert.equal(red, 0, 'the oldest is left out');
});

test('a newest stroke too costly on its own is left out, not the ones before it; an arrow whose end moves is painted again', () => {
  const huge = stroke({ id: 'huge', color: '#ef4444', points: Array.from({ length: 2000 }, (_, i) => (Math.floor(i / 2) % 2 === 0 ? 0 : 1)) });
  const pic = rasterize([stroke({ id: 'old', color: '#22c55e', points: [0.1, 0.1, 0.2, 0.1] }), huge]);
  assert.deepEqual(px(pic, Math.round(0.15 * OVERLAY.width), Math.round(0.1 * OVERLAY.height)).slice(0, 3), [0x22, 0xc5, 0x5e], 'the older stroke is there');
  const feed = new DrawingFeed();
  const arrow = (x: number) => stroke({ id: 'a', tool: 'arrow', points: [0.1, 0.5, x, 0.5] });
  feed.set({ board: false, drawers: [], surfaces: [{ surface: 'board', strokes: [arrow(0.3)] }] });
  const first = feed.frame('board');
  feed.set({ board: false, drawers: [], surfaces: [{ surface: 'board', strokes: [arrow(0.3)] }] });
  assert.equal(feed.frame('board'), first, 'the same strokes in a new message: not painted again');
  feed.set({ board: false, drawers: [], surfaces: [{ surface: 'board', strokes: [arrow(0.8)] }] });
  const moved = feed.frame('board');
  assert.notEqual(moved, first);
  assert.ok(px(moved, Math.round(0.6 * OVERLAY.width), Math.round(0.5 * OVERLAY.height))[3]! > 0, 'the arrow reaches its new end');
});
