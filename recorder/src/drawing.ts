// Strokes drawn on a shared screen or the whiteboard, as pictures ffmpeg lays
// over that screen (or the board's white page) in the recording and the live
// stream. The meeting sends the main room's drawings (recorder:drawing); the
// stage surface's strokes become one RGBA frame, written to ffmpeg a few
// times a second (see ffmpeg.ts, the overlay input).
//
// The strokes are thick polylines in a fixed palette: a few lines of
// anti-aliased capsule filling do it, without a native canvas library in the
// recorder (the browser draws the same strokes with its canvas, DrawLayer.tsx).
import { DRAW_COLORS, DRAW_LIMITS, type DrawingState, type DrawSurface, type Stroke } from '@parley/protocol';

/** The overlay's size: stretched by ffmpeg over the screen's picture, whatever its shape. */
export const OVERLAY = { width: 640, height: 360 };

const rgb = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
const PALETTE = new Map<string, [number, number, number]>(DRAW_COLORS.map((c) => [c, rgb(c)]));

/**
 * The most pixels one picture may visit (tens of milliseconds): strokes
 * are user input, and a drawer's zig-zags from corner to corner would
 * otherwise cost seconds of the recorder's event loop, which also relays
 * the meeting's media. Past it, the oldest strokes are left out.
 */
export const RASTER_BUDGET = 3_000_000;

type Segment = [number, number, number, number];

/** A stroke as segments in pixels, with its pen's radius. */
function segmentsOf(s: Stroke, w: number, h: number, pen: number): { segments: Segment[]; r: number } {
  const r = (s.tool === 'highlighter' ? pen * 4 : pen) / 2;
  const pts = s.points.map((v, i) => v * (i % 2 === 0 ? w : h));
  const segments: Segment[] = [];
  if (pts.length === 2) segments.push([pts[0]!, pts[1]!, pts[0]!, pts[1]!]);
  for (let i = 2; i + 1 < pts.length; i += 2) segments.push([pts[i - 2]!, pts[i - 1]!, pts[i]!, pts[i + 1]!]);
  if (s.tool === 'arrow' && pts.length >= 4) {
    const [x0, y0, x1, y1] = pts as [number, number, number, number];
    const angle = Math.atan2(y1 - y0, x1 - x0);
    const head = pen * 5;
    for (const turn of [-0.5, 0.5]) segments.push([x1 - head * Math.cos(angle + turn), y1 - head * Math.sin(angle + turn), x1, y1]);
  }
  return { segments, r };
}

/** At most how many pixels painting these segments visits (see the row spans in rasterize). */
function cost(segments: Segment[], r: number): number {
  const R = r + 1;
  let c = 0;
  for (const [ax, ay, bx, by] of segments) c += (Math.hypot(bx - ax, by - ay) + 2 * R + 2) * (4 * R + 4);
  return c;
}

/**
 * Paints `strokes` (coordinates 0..1) into a transparent w×h RGBA picture,
 * as the meeting's pages do: pen, a wider translucent highlighter, arrows
 * with their head. Each stroke is one coverage mask (the most any of its
 * segments covers a pixel), so a highlighter does not darken where it
 * crosses itself. Only pixels near each segment are visited, row by row,
 * and the newest strokes within RASTER_BUDGET are painted.
 */
export function rasterize(strokes: readonly Stroke[], w = OVERLAY.width, h = OVERLAY.height): Buffer {
  const out = Buffer.alloc(w * h * 4);
  const mask = new Float32Array(w * h);
  // The pixels one stroke touched, to paint and clear after it.
  const touched = new Int32Array(w * h);
  const pen = Math.max(1.5, w * 0.005);
  const shapes: { s: Stroke; color: [number, number, number]; segments: Segment[]; r: number }[] = [];
  let spent = 0;
  for (let i = strokes.length - 1; i >= 0; i--) {
    const s = strokes[i]!;
    const color = PALETTE.get(s.color);
    if (!color || s.points.length < 2) continue;
    const shape = segmentsOf(s, w, h, pen);
    const c = cost(shape.segments, shape.r);
    // One stroke too costly for what is left is skipped, not the rest with it.
    if (spent + c > RASTER_BUDGET) continue;
    spent += c;
    shapes.push({ s, color, ...shape });
  }
  shapes.reverse();
  for (const { s, color, segments, r } of shapes) {
    let n = 0;
    const R = r + 1;
    for (const [ax, ay, bx, by] of segments) {
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - R));
      const y1 = Math.min(h - 1, Math.ceil(Math.max(ay, by) + R));
      for (let y = y0; y <= y1; y++) {
        const py = y + 0.5;
        // The part of the segment within R of this row, widened by R: no
        // pixel of the row outside it is within R of the segment.
        let lo = Math.min(ax, bx);
        let hi = Math.max(ax, bx);
        if (Math.abs(dy) > 1e-9) {
          const ta = Math.max(0, Math.min((py - R - ay) / dy, (py + R - ay) / dy));
          const tb = Math.min(1, Math.max((py - R - ay) / dy, (py + R - ay) / dy));
          if (ta > tb) continue;
          lo = Math.min(ax + ta * dx, ax + tb * dx);
          hi = Math.max(ax + ta * dx, ax + tb * dx);
        }
        const x0 = Math.max(0, Math.floor(lo - R));
        const x1 = Math.min(w - 1, Math.ceil(hi + R));
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5 - ax;
          const qy = py - ay;
          const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, (px * dx + qy * dy) / len2));
          const ex = px - t * dx;
          const ey = qy - t * dy;
          // Coverage falls from 1 to 0 over the last pixel at the edge (anti-aliasing).
          const cover = Math.min(1, Math.max(0, r + 0.5 - Math.sqrt(ex * ex + ey * ey)));
          if (cover <= 0) continue;
          const k = y * w + x;
          if (mask[k] === 0) touched[n++] = k;
          if (cover > mask[k]!) mask[k] = cover;
        }
      }
    }
    const alpha = s.tool === 'highlighter' ? 0.4 : 1;
    for (let j = 0; j < n; j++) {
      const k = touched[j]!;
      const a = mask[k]! * alpha;
      mask[k] = 0;
      // "Over" onto what is there, in straight (not premultiplied) alpha, as ffmpeg's rgba expects.
      const o = k * 4;
      const below = out[o + 3]! / 255;
      const total = a + below * (1 - a);
      for (let c = 0; c < 3; c++) out[o + c] = Math.round((color[c]! * a + out[o + c]! * below * (1 - a)) / total);
      out[o + 3] = Math.round(total * 255);
    }
  }
  return out;
}

/**
 * The main room's drawings as the recorder knows them, and each screen's
 * picture of them, painted again only when its strokes change (at most a few
 * times a second: the server throttles what it sends).
 */
export class DrawingFeed {
  #state: DrawingState = { board: false, drawers: [], surfaces: [] };
  readonly #pictures = new Map<DrawSurface, { key: string; picture: Buffer }>();
  readonly #blank = Buffer.alloc(OVERLAY.width * OVERLAY.height * 4);

  /** Whether the main room's whiteboard is open (it then takes the recording's stage). */
  get board(): boolean {
    return this.#state.board;
  }

  set(state: DrawingState): void {
    this.#state = state;
    for (const surface of this.#pictures.keys()) if (!state.surfaces.some((s) => s.surface === surface)) this.#pictures.delete(surface);
  }

  /** The current picture of `surface`'s strokes (transparent when there are none). */
  frame(surface: DrawSurface): Buffer {
    const strokes = this.#state.surfaces.find((s) => s.surface === surface)?.strokes;
    if (!strokes?.length) return this.#blank;
    // Each message carries the whole state: the picture is painted again only
    // when this surface's strokes changed (a stroke only ever grows, or goes).
    // (An arrow keeps its four values and moves its end: the last point is in the key.)
    const key = strokes.map((s) => `${s.id}:${s.by}:${s.points.length}:${s.points.at(-2)}:${s.points.at(-1)}`).join(',');
    const known = this.#pictures.get(surface);
    if (known?.key === key) return known.picture;
    const picture = rasterize(strokes.slice(-DRAW_LIMITS.strokesPerSurface));
    this.#pictures.set(surface, { key, picture });
    return picture;
  }
}
