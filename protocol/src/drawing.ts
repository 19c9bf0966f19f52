// Drawing on a shared screen and on the meeting's whiteboard: the strokes,
// who may draw, and the socket payloads. Coordinates are fractions (0..1) of
// the surface (the shared picture, or the 16:9 board), so a stroke lands on
// the same spot of the picture whatever the size of each person's tile.
import Type from 'typebox';
import { IdSchema, type ParticipantId } from './ids.ts';

export const DRAW_TOOLS = ['pen', 'highlighter', 'arrow'] as const;
export type DrawTool = (typeof DRAW_TOOLS)[number];
/** The palette: a fixed set, so that no one paints the screen in an invisible colour. */
export const DRAW_COLORS = ['#ef4444', '#f59e0b', '#22c55e', '#3b82f6', '#a855f7', '#111827', '#ffffff'] as const;
export type DrawColor = (typeof DRAW_COLORS)[number];

export const DRAW_LIMITS = {
  /** Coordinates (x and y counted apart) in one draw:stroke message: a pointer's moves over ~1 s. */
  valuesPerMessage: 400,
  /** Coordinates one stroke may hold; beyond, the client starts a new stroke. */
  valuesPerStroke: 2000,
  /** Strokes kept per surface; the oldest go first (a long session of drawing stays bounded). */
  strokesPerSurface: 200,
  /**
   * Coordinates kept per surface, all strokes together: what a newcomer
   * receives with its join stays small (~0.5 MB at most); the oldest go first.
   */
  valuesPerSurface: 60_000,
  /** A fading stroke disappears this long after its last point (on every screen and on the server). */
  fadeMs: 3000,
  /** Participants one meeting may allow to draw. */
  drawers: 100,
} as const;

/**
 * A surface to draw on: `screen:<producerId>` (a shared screen, while it is
 * shared; a new share starts blank) or `board` (the whiteboard of the room,
 * while a moderator keeps it open).
 */
export type DrawSurface = `screen:${string}` | 'board';
export const BOARD: DrawSurface = 'board';
export const screenSurface = (producerId: string): DrawSurface => `screen:${producerId}`;

export interface Stroke {
  /** The author's own id for it (unique per author and surface). */
  id: string;
  by: ParticipantId;
  tool: DrawTool;
  color: DrawColor;
  /** Fades out DRAW_LIMITS.fadeMs after its last point (else it stays until undone or cleared). */
  fade: boolean;
  /** x0, y0, x1, y1... in 0..1 of the surface; an arrow holds its two ends. */
  points: number[];
}

/** What a participant sees of the drawings of its room. */
export interface DrawingState {
  /** A moderator opened the whiteboard in this room. */
  board: boolean;
  /** Allowed (by a moderator or a sharer) to draw on shared screens, besides sharers and moderators. */
  drawers: ParticipantId[];
  surfaces: { surface: DrawSurface; strokes: Stroke[] }[];
}

const Surface = Type.String({ maxLength: 80, pattern: '^(board|screen:[A-Za-z0-9_-]{1,64})$' });
const Coordinate = Type.Number({ minimum: 0, maximum: 1 });

export const DrawPayloads = {
  /**
   * Starts a stroke, or adds points to one of ours: sent while the pointer
   * moves, so the others see it drawn. An arrow's points replace its ends.
   */
  'draw:stroke': Type.Object(
    {
      surface: Surface,
      id: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' }),
      tool: Type.Enum(DRAW_TOOLS),
      color: Type.Enum(DRAW_COLORS),
      fade: Type.Boolean(),
      points: Type.Array(Coordinate, { minItems: 2, maxItems: DRAW_LIMITS.valuesPerMessage }),
    },
    { additionalProperties: false },
  ),
  /** Takes back our last stroke on the surface. */
  'draw:undo': Type.Object({ surface: Surface }, { additionalProperties: false }),
  /** Clears the surface: everyone's strokes for its sharer and moderators, one's own for the others. */
  'draw:clear': Type.Object({ surface: Surface }, { additionalProperties: false }),
  /** A moderator, or someone sharing their screen, lets a participant draw on shared screens (or stops them). */
  'draw:allow': Type.Object({ participantId: IdSchema, allowed: Type.Boolean() }, { additionalProperties: false }),
  /** A moderator opens or closes the room's whiteboard (closing wipes it). */
  'draw:board': Type.Object({ open: Type.Boolean() }, { additionalProperties: false }),
  /** The drawings of our room (after a move between breakout rooms). */
  'draw:sync': Type.Object({}, { additionalProperties: false }),
} as const;
