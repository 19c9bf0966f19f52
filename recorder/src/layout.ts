// What the recording shows, as a pure function of the meeting's state: which
// videos, where, and which microphones are mixed. The recorder restarts
// ffmpeg only when this changes.
import type { CaptureLayout, MediaSource, ParticipantId, RecorderView } from '@parley/protocol';

/** The picture's size; HD_CANVAS for a live stream whose stage video has 1080 lines or more (see compose). */
export const CANVAS = { width: 1280, height: 720 };
export const HD_CANVAS = { width: 1920, height: 1080 };

export interface Tile {
  /** '' for the whiteboard: it is drawn by the recorder, not received. */
  producerId: string;
  participantId: ParticipantId;
  name: string;
  source: MediaSource | 'board';
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Composition {
  canvas: { width: number; height: number };
  tiles: Tile[];
  /** Microphones (and screen audio) mixed into the soundtrack, paused ones included: they are filled with silence. */
  audio: { producerId: string; participantId: ParticipantId }[];
}

/** A size in even pixels (yuv420p needs them), at least 2. */
export const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

/**
 * Tiles of equal size for 16:9 pictures: the number of columns that shows
 * them largest, the grid centred in `area`, a short last row centred too.
 */
function grid(n: number, area: { x: number; y: number; w: number; h: number }): { x: number; y: number; w: number; h: number }[] {
  if (n === 0) return [];
  let best = { cols: 1, w: 0, h: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = Math.min(area.w / cols, ((area.h / rows) * 16) / 9);
    // On a tie the wider grid wins: two people side by side, as in the meeting.
    if (w >= best.w) best = { cols, w, h: (w * 9) / 16 };
  }
  const cols = best.cols;
  const rows = Math.ceil(n / cols);
  const w = even(best.w);
  const h = even(best.h);
  const top = area.y + Math.floor((area.h - rows * h) / 2);
  const out = [];
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const left = area.x + Math.floor((area.w - inRow * w) / 2);
    out.push({ x: left + (i % cols) * w, y: top + row * h, w, h });
  }
  return out;
}

/**
 * The layout, like the meeting’s own: a screen share (or, with "the recording uses the moderator’s display",
 * the pinned participant) takes the stage with the cameras in a strip on the
 * right; otherwise everyone's camera in a grid, or, in `speaker` mode, the
 * active speaker's camera on the stage (`view.activeSpeakerId`: the caller
 * holds it steady). Paused cameras are not shown. An open whiteboard
 * (`board`) takes the stage before all of these.
 *
 * With `hd` (a live stream), the picture is 1080p while the video that
 * fills it (the stage, or the only tile) has the lines for it, as a shared
 * screen often has; else 720p. Only a live stream changes size: its viewers'
 * player takes the new size at the run's discontinuity, while a recording's
 * runs are joined into one MP4 without re-encoding, which needs one size.
 */
export function compose(view: RecorderView, mode: CaptureLayout = 'grid', board = false, hd = false): Composition {
  type Video = Omit<Tile, 'x' | 'y' | 'w' | 'h'>;
  // Each video's height as its sender captured it (ProducerInfo.height).
  const lines = new Map<string, number>();
  const cameras: Video[] = [];
  const screens: Video[] = [];
  const audio: Composition['audio'] = [];
  const people = [...view.participants].sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
  for (const p of people) {
    for (const prod of p.producers) {
      if (prod.kind === 'audio') {
        audio.push({ producerId: prod.id, participantId: p.id });
        continue;
      }
      if (prod.paused) continue;
      if (prod.height) lines.set(prod.id, prod.height);
      const v = { producerId: prod.id, participantId: p.id, name: p.name, source: prod.source };
      (prod.source === 'screen' ? screens : cameras).push(v);
    }
  }
  let stage: Video | undefined;
  // An open whiteboard takes the stage for the whole room, as on everyone's screen.
  if (board) stage = { producerId: '', participantId: '' as ParticipantId, name: '', source: 'board' };
  else if (view.moderatorLayout && view.layout.mode === 'grid') stage = undefined;
  else if (view.moderatorLayout && view.layout.pinned) {
    const pinned = view.layout.pinned;
    stage = screens.find((s) => s.participantId === pinned) ?? cameras.find((c) => c.participantId === pinned);
  } else {
    stage = screens.at(-1);
    if (!stage && mode === 'speaker') stage = cameras.find((c) => c.participantId === view.activeSpeakerId) ?? cameras[0];
  }
  // A grid's tiles are small anyway: only one video filling the picture earns 1080p.
  const sized = (v: Video | undefined) => (hd && v && (lines.get(v.producerId) ?? 0) >= HD_CANVAS.height ? HD_CANVAS : CANVAS);
  if (!board && view.moderatorLayout && view.layout.mode === 'grid') {
    const all = [...cameras, ...screens];
    const canvas = all.length === 1 ? sized(all[0]) : CANVAS;
    return { canvas, tiles: grid(all.length, { x: 0, y: 0, w: canvas.width, h: canvas.height }).map((r, i) => ({ ...all[i]!, ...r })), audio };
  }
  if (!stage) {
    const canvas = cameras.length === 1 ? sized(cameras[0]) : CANVAS;
    return { canvas, tiles: grid(cameras.length, { x: 0, y: 0, w: canvas.width, h: canvas.height }).map((r, i) => ({ ...cameras[i]!, ...r })), audio };
  }
  const canvas = sized(stage);
  const strip = [...cameras, ...screens].filter((v) => v !== stage).slice(0, 4);
  const stripW = strip.length ? even(canvas.width / 4) : 0;
  const tiles: Tile[] = [{ ...stage, x: 0, y: 0, w: canvas.width - stripW, h: canvas.height }];
  const h = even(canvas.height / 4);
  strip.forEach((v, i) => tiles.push({ ...v, x: canvas.width - stripW, y: i * h + Math.floor((canvas.height - strip.length * h) / 2), w: stripW, h }));
  return { canvas, tiles, audio };
}

/** Equal compositions need no ffmpeg restart. */
export function sameComposition(a: Composition, b: Composition): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
