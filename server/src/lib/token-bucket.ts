/**
 * Token bucket in this process: `burst` at once, refilled at `perSecond`.
 * One per socket and kind of request (or per guessed password), so one
 * flooding client is slowed down without touching anybody else. Limits the
 * whole cluster shares go through Limiter (lib/limiter.ts) instead.
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
