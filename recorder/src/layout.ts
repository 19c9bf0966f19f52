// What the recording shows, as a pure function of the meeting's state: which
// videos, where, and which microphones are mixed. The recorder restarts
// ffmpeg only when this changes.
import type { CaptureLayout, MediaSource, ParticipantId, RecorderView } from '@parley/protocol';

export const CANVAS = { width: 1280, height: 720 };

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
 */
export function compose(view: RecorderView, mode: CaptureLayout = 'grid', board = false): Composition {
  type Video = Omit<Tile, 'x' | 'y' | 'w' | 'h'>;
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
  if (!board && view.moderatorLayout && view.layout.mode === 'grid') {
    const all = [...cameras, ...screens];
    return { tiles: grid(all.length, { x: 0, y: 0, w: CANVAS.width, h: CANVAS.height }).map((r, i) => ({ ...all[i]!, ...r })), audio };
  }
  if (!stage) {
    return { tiles: grid(cameras.length, { x: 0, y: 0, w: CANVAS.width, h: CANVAS.height }).map((r, i) => ({ ...cameras[i]!, ...r })), audio };
  }
  const strip = [...cameras, ...screens].filter((v) => v !== stage).slice(0, 4);
  const stripW = strip.length ? even(CANVAS.width / 4) : 0;
  const tiles: Tile[] = [{ ...stage, x: 0, y: 0, w: CANVAS.width - stripW, h: CANVAS.height }];
  const h = even(CANVAS.height / 4);
  strip.forEach((v, i) => tiles.push({ ...v, x: CANVAS.width - stripW, y: i * h + Math.floor((CANVAS.height - strip.length * h) / 2), w: stripW, h }));
  return { tiles, audio };
}

/** Equal compositions need no ffmpeg restart. */
export function sameComposition(a: Composition, b: Composition): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
