// How fast one socket may send each kind of request (token buckets per socket, lib/token-bucket.ts).
import type { RateSpec } from '../lib/limiter.ts';

/** Limits per socket. Media requests come in short bursts at join and device changes. */
export const RATES = {
  any: { burst: 200, perSecond: 50 },
  talk: { burst: 20, perSecond: 5 },
  reaction: { burst: 10, perSecond: 3 },
  hand: { burst: 6, perSecond: 1 },
  /** Renaming oneself: a few tries to fix a typo, not a stream of names for everyone's screen. */
  rename: { burst: 10, perSecond: 0.5 },
  /** Strokes are sent while the pointer moves (a message every 40 ms or so) and taken back quickly. */
  draw: { burst: 60, perSecond: 30 },
  /** The whole of a room's drawings: asked for after a move between rooms, not in a loop. */
  drawSync: { burst: 5, perSecond: 0.5 },
  knock: { burst: 5, perSecond: 0.2 },
  moderation: { burst: 30, perSecond: 5 },
} satisfies Record<string, RateSpec>;
