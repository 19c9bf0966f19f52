// Drawings of our room: strokes on shared screens and on the whiteboard,
// who may draw, and the pen in our hand. Strokes arrive point by point
// while someone draws (draw:stroke); ours are shown at once and sent in
// small batches, so the others see them drawn, not only finished.
import { signal } from '@preact/signals';
import { BOARD, DRAW_LIMITS, type DrawColor, type DrawingState, type DrawSurface, type DrawTool, type ParticipantId, type Stroke } from '@parley/protocol';
import type { SessionCore } from '../core/session.ts';
import { errorText } from '../i18n/errors.ts';

/** A stroke as this screen keeps it: when its last points came (a fading one goes DRAW_LIMITS.fadeMs later). */
export interface ShownStroke extends Stroke {
  lastAt: number;
}

/** Our stroke being drawn: its points not sent yet, and whether the server took any of it. */
interface Pending {
  surface: DrawSurface;
  stroke: ShownStroke;
  unsent: number[];
  sent: number;
  accepted: boolean;
}

/** How often our points leave: ~25 messages a second, under the server's rate. */
const FLUSH_MS = 40;

export class DrawingStore {
  /** A moderator opened the whiteboard in our room. */
  readonly board = signal(false);
  readonly drawers = signal<ReadonlySet<ParticipantId>>(new Set());
  /** Bumped on every change of any surface: canvases redraw (once per frame at most). */
  readonly version = signal(0);
  /** The surface we draw on now (our drawing mode), or null. */
  readonly active = signal<DrawSurface | null>(null);
  readonly tool = signal<DrawTool>('pen');
  readonly color = signal<DrawColor>('#ef4444');
  readonly fade = signal(false);

  readonly #core: SessionCore;
  readonly #surfaces = new Map<DrawSurface, ShownStroke[]>();
  #pending: Pending | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;

  constructor(core: SessionCore) {
    this.#core = core;
    core.on('draw:stroke', ({ surface, stroke }) => {
      const list = this.#list(surface);
      const known = list.find((s) => s.by === stroke.by && s.id === stroke.id);
      if (known) {
        if (known.tool === 'arrow') known.points = stroke.points;
        else known.points.push(...stroke.points);
        known.lastAt = Date.now();
      } else {
        // The server bounds each surface and says which strokes it let go (draw:removed).
        list.push({ ...stroke, points: [...stroke.points], lastAt: Date.now() });
      }
      this.#changed();
    });
    core.on('draw:removed', ({ surface, by, id }) => {
      const list = this.#surfaces.get(surface);
      if (!list) return;
      this.#surfaces.set(
        surface,
        list.filter((s) => !(s.by === by && s.id === id)),
      );
      this.#dropPendingIfGone();
      this.#changed();
    });
    core.on('draw:cleared', ({ surface, by }) => {
      if (by === null) this.#surfaces.delete(surface);
      else this.#surfaces.set(surface, this.#list(surface).filter((s) => s.by !== by));
      this.#dropPendingIfGone();
      this.#changed();
    });
    core.on('draw:meta', (meta) => this.#meta(meta));
  }

  /** What the join (or draw:sync after a move between rooms) says our room holds. */
  load(state: DrawingState): void {
    this.#surfaces.clear();
    const now = Date.now();
    for (const { surface, strokes } of state.surfaces) this.#surfaces.set(surface, strokes.map((s) => ({ ...s, lastAt: now })));
    this.#dropPendingIfGone();
    this.#meta(state);
    this.#changed();
  }

  /** Another room: its drawings replace ours. */
  async sync(): Promise<void> {
    const res = await this.#core.request('draw:sync', {}).catch(() => undefined);
    if (res) this.load(res.drawing);
  }

  reset(): void {
    this.load({ board: false, drawers: [], surfaces: [] });
    this.active.value = null;
  }

  strokes(surface: DrawSurface): readonly ShownStroke[] {
    return this.#surfaces.get(surface) ?? [];
  }

  /** Lets go of strokes that have faded out (the server dropped them too); a change only if some had. */
  expire(surface: DrawSurface): void {
    const list = this.#surfaces.get(surface);
    if (!list) return;
    const now = Date.now();
    const left = list.filter((s) => !s.fade || now - s.lastAt < DRAW_LIMITS.fadeMs || s === this.#pending?.stroke);
    if (left.length === list.length) return;
    this.#surfaces.set(surface, left);
    this.#changed();
  }

  /** Whether we may draw on a screen shared by `sharer` (the server checks again). */
  mayDrawOnScreen(sharer: ParticipantId): boolean {
    const me = this.#core.participantId;
    return me !== undefined && (me === sharer || this.#core.isModerator || this.drawers.value.has(me));
  }

  /** Whether we may clear everyone's strokes (else only ours). */
  mayClearAll(surface: DrawSurface, sharer: ParticipantId | null): boolean {
    return this.#core.isModerator || (surface !== BOARD && sharer === this.#core.participantId);
  }

  /** Starts our stroke at a point (0..1 of the surface). */
  begin(surface: DrawSurface, x: number, y: number): void {
    this.end();
    const me = this.#core.participantId;
    if (!me) return;
    const stroke: ShownStroke = { id: `s${Date.now().toString(36)}${(++this.#seq).toString(36)}`, by: me, tool: this.tool.value, color: this.color.value, fade: this.fade.value, points: [x, y], lastAt: Date.now() };
    if (stroke.tool === 'arrow') stroke.points = [x, y, x, y];
    this.#list(surface).push(stroke);
    this.#pending = { surface, stroke, unsent: [...stroke.points], sent: 0, accepted: false };
    this.#changed();
    this.#schedule();
  }

  /** The pointer moved on: the stroke grows (an arrow's head follows it). */
  extend(x: number, y: number): void {
    const p = this.#pending;
    if (!p) return;
    const s = p.stroke;
    s.lastAt = Date.now();
    if (s.tool === 'arrow') {
      s.points = [s.points[0]!, s.points[1]!, x, y];
      p.unsent = [...s.points];
    } else {
      // Too long for one stroke: go on with a new one from here (the server caps a stroke's length).
      if (p.sent + p.unsent.length + 2 > DRAW_LIMITS.valuesPerStroke) {
        const surface = p.surface;
        const [lx, ly] = s.points.slice(-2) as [number, number];
        this.begin(surface, lx, ly);
        this.extend(x, y);
        return;
      }
      s.points.push(x, y);
      p.unsent.push(x, y);
    }
    this.#changed();
    this.#schedule();
  }

  /** The pointer is up: what is left goes now. */
  end(): void {
    if (!this.#pending) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
    this.#pending = null;
  }

  async undo(surface: DrawSurface): Promise<void> {
    this.end();
    const me = this.#core.participantId;
    const list = this.#list(surface);
    const i = list.findLastIndex((s) => s.by === me);
    if (i >= 0) list.splice(i, 1);
    this.#changed();
    await this.#core.attempt('draw:undo', { surface });
  }

  async clear(surface: DrawSurface, sharer: ParticipantId | null): Promise<void> {
    this.end();
    const me = this.#core.participantId;
    if (this.mayClearAll(surface, sharer)) this.#surfaces.delete(surface);
    else this.#surfaces.set(surface, this.#list(surface).filter((s) => s.by !== me));
    this.#changed();
    await this.#core.attempt('draw:clear', { surface });
  }

  async allow(participantId: ParticipantId, allowed: boolean): Promise<void> {
    await this.#core.attempt('draw:allow', { participantId, allowed });
  }

  async setBoard(open: boolean): Promise<void> {
    await this.#core.attempt('draw:board', { open });
  }

  /** Our stroke was removed under us (cleared, taken back, another room): the pointer's next moves draw nothing. */
  #dropPendingIfGone(): void {
    const p = this.#pending;
    if (p && !this.#surfaces.get(p.surface)?.includes(p.stroke)) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#pending = null;
    }
  }

  #meta({ board, drawers }: { board: boolean; drawers: ParticipantId[] }): void {
    if (!board) {
      this.#surfaces.delete(BOARD);
      if (this.active.value === BOARD) this.active.value = null;
    }
    this.board.value = board;
    this.drawers.value = new Set(drawers);
    this.#changed();
  }

  #list(surface: DrawSurface): ShownStroke[] {
    let list = this.#surfaces.get(surface);
    if (!list) {
      list = [];
      this.#surfaces.set(surface, list);
    }
    return list;
  }

  #changed(): void {
    this.version.value++;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, FLUSH_MS);
  }

  #flush(): void {
    const p = this.#pending;
    if (!p || p.unsent.length === 0) return;
    const s = p.stroke;
    while (p.unsent.length > 0) {
      const points = p.unsent.splice(0, DRAW_LIMITS.valuesPerMessage);
      p.sent += points.length;
      void this.#core.request('draw:stroke', { surface: p.surface, id: s.id, tool: s.tool, color: s.color, fade: s.fade, points }).then(
        () => (p.accepted = true),
        (error: unknown) => this.#refused(p, error),
      );
    }
  }

  /**
   * Refused (the share ended, the right was taken back): a stroke the others
   * never got goes from our screen too; one they have part of stays, as far
   * as we drew it.
   */
  #refused(p: Pending, error: unknown): void {
    const list = this.#surfaces.get(p.surface);
    if (list && !p.accepted) this.#surfaces.set(p.surface, list.filter((x) => x !== p.stroke));
    if (this.#pending?.stroke === p.stroke) this.#pending = null;
    if (this.active.value === p.surface) this.active.value = null;
    this.#changed();
    this.#core.notify(errorText(error));
  }
}
