// Rate limits that hold against people who try to get around them: login
// guesses, sign-ups, meeting creation and joins. Token buckets keyed by
// what is being limited ("login:<name>|<address>"), kept in Redis when there
// is one (every node sees the same counts, and no flood of other keys can
// push a counter out), in memory otherwise.
//
// Memory: a bucket that has refilled is dropped (it is the same as none), so
// the table holds only the buckets that still remember something. If a
// flood of distinct keys fills it all the same, new keys are refused rather
// than old ones forgotten: forgetting is what would hand a guesser fresh
// tries.
import type { Redis } from 'ioredis';

export interface RateSpec {
  /** Tokens at most (what may happen at once). */
  burst: number;
  /** Tokens back per second. */
  perSecond: number;
}

export interface Limiter {
  /**
   * Takes `cost` tokens from the bucket `key` if it has them; false (and
   * nothing taken) when it has not.
   */
  take(key: string, spec: RateSpec, cost?: number): Promise<boolean>;
  /** Whether the bucket has `cost` tokens, without taking any. */
  has(key: string, spec: RateSpec, cost?: number): Promise<boolean>;
  /** Gives back tokens taken for something that turned out fine (a right password): never above `burst`. */
  refund(key: string, spec: RateSpec, cost?: number): Promise<void>;
  /** A flag that lives `ttlMs` (a known address of an account). */
  mark(key: string, ttlMs: number): Promise<void>;
  isMarked(key: string): Promise<boolean>;
  close(): void;
}

/** Most buckets the memory limiter keeps (about 100 bytes each). */
const MEMORY_MAX = 200_000;

interface Bucket {
  tokens: number;
  at: number;
  spec: RateSpec;
}

export class MemoryLimiter implements Limiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #marks = new Map<string, number>();
  readonly #now: () => number;
  readonly #max: number;
  readonly #sweep: NodeJS.Timeout;
  /** Keys refused because the table was full (an operator may want to know). */
  overflowed = 0;

  constructor(opts: { now?: () => number; max?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = opts.max ?? MEMORY_MAX;
    this.#sweep = setInterval(() => this.sweep(), 60_000);
    this.#sweep.unref();
  }

  get size(): number {
    return this.#buckets.size;
  }

  async take(key: string, spec: RateSpec, cost = 1): Promise<boolean> {
    return this.#take(key, spec, cost, true);
  }

  async has(key: string, spec: RateSpec, cost = 1): Promise<boolean> {
    return this.#take(key, spec, cost, false);
  }

  async refund(key: string, spec: RateSpec, cost = 1): Promise<void> {
    const b = this.#buckets.get(key);
    if (b) b.tokens = Math.min(spec.burst, b.tokens + cost);
  }

  #take(key: string, spec: RateSpec, cost: number, consume: boolean): boolean {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b) {
      b.tokens = Math.min(spec.burst, b.tokens + ((now - b.at) / 1000) * spec.perSecond);
      b.at = now;
    } else {
      if (!consume) return cost <= spec.burst;
      if (this.#buckets.size >= this.#max) {
        this.sweep();
        if (this.#buckets.size >= this.#max) {
          this.overflowed += 1;
          return false;
        }
      }
      b = { tokens: spec.burst, at: now, spec };
      this.#buckets.set(key, b);
    }
    if (b.tokens < cost) return false;
    if (consume) b.tokens -= cost;
    return true;
  }

  /** Drops the buckets that have refilled, and marks that have expired. */
  sweep(): void {
    const now = this.#now();
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * b.spec.perSecond >= b.spec.burst) this.#buckets.delete(key);
    }
    for (const [key, until] of this.#marks) if (until <= now) this.#marks.delete(key);
  }

  async mark(key: string, ttlMs: number): Promise<void> {
    if (this.#marks.size >= this.#max) this.sweep();
    if (this.#marks.size < this.#max) this.#marks.set(key, this.#now() + ttlMs);
  }

  async isMarked(key: string): Promise<boolean> {
    return (this.#marks.get(key) ?? 0) > this.#now();
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}

/**
 * KEYS[1]: the bucket (a hash of tokens and time); ARGV: burst, per second,
 * cost, now (ms), consume (1/0). Answers 1 when the tokens are there. The
 * key expires once the bucket would be full again (nothing to remember).
 */
const BUCKET_SCRIPT = `
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local consume = ARGV[5] == '1'
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
if tokens < cost then
  return 0
end
if consume then
  tokens = math.min(burst, tokens - cost)
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
end
return 1
`;

export class RedisLimiter implements Limiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(redis: Redis, opts: { prefix?: string; now?: () => number } = {}) {
    this.#redis = redis;
    this.#prefix = opts.prefix ?? 'parley:limit:';
    this.#now = opts.now ?? Date.now;
  }

  async take(key: string, spec: RateSpec, cost = 1): Promise<boolean> {
    return (await this.#redis.eval(BUCKET_SCRIPT, 1, this.#prefix + key, spec.burst, spec.perSecond, cost, this.#now(), 1)) === 1;
  }

  async has(key: string, spec: RateSpec, cost = 1): Promise<boolean> {
    return (await this.#redis.eval(BUCKET_SCRIPT, 1, this.#prefix + key, spec.burst, spec.perSecond, cost, this.#now(), 0)) === 1;
  }

  async refund(key: string, spec: RateSpec, cost = 1): Promise<void> {
    // A negative cost, capped at the burst by the script.
    await this.#redis.eval(BUCKET_SCRIPT, 1, this.#prefix + key, spec.burst, spec.perSecond, -cost, this.#now(), 1);
  }

  async mark(key: string, ttlMs: number): Promise<void> {
    await this.#redis.set(`${this.#prefix}mark:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async isMarked(key: string): Promise<boolean> {
    return (await this.#redis.exists(`${this.#prefix}mark:${key}`)) === 1;
  }

  close(): void {
    // The connection belongs to the caller.
  }
}
