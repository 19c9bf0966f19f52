import { useEffect, useRef, useState } from 'preact/hooks';
import { DRAW_LIMITS, type DrawSurface } from '@parley/protocol';
import type { DrawingStore, ShownStroke } from './store.ts';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a picture of `aspect` sits in a w×h box when shown whole (object-fit: contain). */
export function contentBox(w: number, h: number, aspect: number): Box {
  if (!aspect || !w || !h) return { x: 0, y: 0, w, h };
  if (w / h > aspect) {
    const cw = h * aspect;
    return { x: (w - cw) / 2, y: 0, w: cw, h };
  }
  const ch = w / aspect;
  return { x: 0, y: (h - ch) / 2, w, h: ch };
}

/** A fading stroke is whole until its last second, then fades out. */
function alphaOf(s: ShownStroke, now: number): number {
  if (!s.fade) return 1;
  const left = DRAW_LIMITS.fadeMs - (now - s.lastAt);
  return left <= 0 ? 0 : Math.min(1, left / 1000);
}

/** Paints the strokes on a canvas of w×h device pixels; answers whether some are still fading. */
function paint(ctx: CanvasRenderingContext2D, strokes: readonly ShownStroke[], w: number, h: number, now: number): boolean {
  ctx.clearRect(0, 0, w, h);
  let fading = false;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const s of strokes) {
    const alpha = alphaOf(s, now);
    if (alpha <= 0) continue;
    if (s.fade) fading = true;
    const pen = Math.max(3, w * 0.005);
    ctx.globalAlpha = (s.tool === 'highlighter' ? 0.4 : 1) * alpha;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.tool === 'highlighter' ? pen * 4 : pen;
    const pts = s.points;
    if (pts.length === 2) {
      // A tap: a dot (a path of one point draws nothing).
      ctx.beginPath();
      ctx.arc(pts[0]! * w, pts[1]! * h, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(pts[0]! * w, pts[1]! * h);
    for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i]! * w, pts[i + 1]! * h);
    ctx.stroke();
    if (s.tool === 'arrow') {
      const [x0, y0, x1, y1] = [pts[0]! * w, pts[1]! * h, pts[2]! * w, pts[3]! * h];
      const angle = Math.atan2(y1 - y0, x1 - x0);
      const head = pen * 5;
      ctx.beginPath();
      ctx.moveTo(x1 - head * Math.cos(angle - 0.5), y1 - head * Math.sin(angle - 0.5));
      ctx.lineTo(x1, y1);
      ctx.lineTo(x1 - head * Math.cos(angle + 0.5), y1 - head * Math.sin(angle + 0.5));
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  return fading;
}

/**
 * The strokes of one surface, over the picture they were drawn on: the
 * canvas covers exactly the shown part of the shared screen (letterboxed
 * inside its tile) or the board, so a stroke stays on the same spot of the
 * picture whatever the tile's size. With `drawing`, the pointer draws.
 */
export function DrawLayer({ store, surface, aspect, drawing }: { store: DrawingStore; surface: DrawSurface; aspect?: number; drawing: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [box, setBox] = useState<Box>({ x: 0, y: 0, w: 0, h: 0 });
  /** The pointer drawing now (a second finger on a touch screen draws nothing). */
  const down = useRef<number | null>(null);
  const version = store.version.value;

  // The box follows the tile's size and, for a screen, the shared picture's shape.
  useEffect(() => {
    const host = canvas.current?.parentElement;
    if (!host) return;
    const measure = () => {
      let ratio = aspect ?? 0;
      if (!aspect) {
        const v = host.querySelector<HTMLVideoElement>('video:not(.back)');
        if (v?.videoWidth) ratio = v.videoWidth / v.videoHeight;
      }
      const next = contentBox(host.clientWidth, host.clientHeight, ratio);
      setBox((b) => (b.x === next.x && b.y === next.y && b.w === next.w && b.h === next.h ? b : next));
    };
    const ro = new ResizeObserver(measure);
    ro.observe(host);
    // A video's own size events do not bubble; a capturing listener on the tile hears them.
    host.addEventListener('resize', measure, true);
    host.addEventListener('loadedmetadata', measure, true);
    measure();
    return () => {
      ro.disconnect();
      host.removeEventListener('resize', measure, true);
      host.removeEventListener('loadedmetadata', measure, true);
    };
  }, [aspect]);

  // Repaint once per frame at most, and keep going while strokes fade.
  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    let frame = 0;
    const draw = () => {
      frame = 0;
      const ratio = window.devicePixelRatio || 1;
      const w = Math.round(box.w * ratio);
      const h = Math.round(box.h * ratio);
      if (el.width !== w || el.height !== h) {
        el.width = w;
        el.height = h;
      }
      if (paint(ctx, store.strokes(surface), w, h, Date.now())) frame = requestAnimationFrame(draw);
      // Faded away: they are let go (the sharer's own tile may go back to its placeholder).
      else store.expire(surface);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, [version, box, surface]);

  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.current!.getBoundingClientRect();
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)];
  };
  const last = useRef<[number, number]>([0, 0]);

  return (
    <canvas
      ref={canvas}
      class={`draw-layer ${drawing ? 'drawing' : ''} ${surface === 'board' ? 'board' : ''}`}
      data-testid="draw-layer"
      data-surface={surface}
      style={{ left: `${box.x}px`, top: `${box.y}px`, width: `${box.w}px`, height: `${box.h}px` }}
      onDblClick={(e) => {
        // A double click while drawing is two dots, not "pin this tile".
        if (drawing) e.stopPropagation();
      }}
      onPointerDown={(e) => {
        if (!drawing || e.button !== 0 || down.current !== null) return;
        e.preventDefault();
        canvas.current!.setPointerCapture(e.pointerId);
        down.current = e.pointerId;
        const [x, y] = at(e);
        last.current = [x, y];
        store.begin(surface, x, y);
      }}
      onPointerMove={(e) => {
        if (down.current !== e.pointerId) return;
        const [x, y] = at(e);
        // Moves smaller than a pixel or so add nothing but bytes.
        if (Math.abs(x - last.current[0]) < 0.0015 && Math.abs(y - last.current[1]) < 0.0015) return;
        last.current = [x, y];
        store.extend(x, y);
      }}
      onPointerUp={(e) => {
        if (down.current !== e.pointerId) return;
        down.current = null;
        store.end();
      }}
      onPointerCancel={(e) => {
        if (down.current !== e.pointerId) return;
        down.current = null;
        store.end();
      }}
    />
  );
}
