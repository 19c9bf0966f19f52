/**
 * Token bucket: `burst` requests at once, refilled at `perSecond`. One per
 * socket and kind of request, so one flooding client is slowed down without
 * touching anybody else.
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #at: number;

  constructor(burst: number, perSecond: number, now = Date.now()) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#at = now;
  }

  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export interface RateSpec {
  burst: number;
  perSecond: number;
}

/** Limits per socket. Media requests come in short bursts at join and device changes. */
export const RATES = {
  any: { burst: 200, perSecond: 50 },
  chat: { burst: 20, perSecond: 5 },
  reaction: { burst: 10, perSecond: 3 },
  hand: { burst: 6, perSecond: 1 },
  knock: { burst: 5, perSecond: 0.2 },
  moderation: { burst: 30, perSecond: 5 },
} satisfies Record<string, RateSpec>;
