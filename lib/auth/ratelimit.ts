/**
 * A small in-memory token-bucket rate limiter (per process; a multi-replica deployment limits per replica).
 * Each key (client address, token id, session) has a bucket of `capacity` requests refilled continuously at
 * `refillPerSecond`; a request takes one. When empty, the caller answers 429 with `Retry-After`.
 * Memory is bounded: beyond `maxKeys` buckets, the least recently used ones are dropped (a dropped bucket restarts
 * full, which only ever errs towards allowing).
 */

export interface RateLimitResult {
  allowed: boolean;
  /** Whole seconds until one request is available again (0 when allowed). */
  retryAfterSeconds: number;
  remaining: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    readonly maxKeys = 10_000,
  ) {
    if (!(capacity >= 1) || !(refillPerSecond > 0)) throw new Error('rate limiter needs capacity >= 1 and a positive refill rate');
  }

  /** Takes one request from `key`'s bucket at time `nowMs`. */
  take(key: string, nowMs: number = Date.now()): RateLimitResult {
    let b = this.#buckets.get(key);
    if (b) {
      this.#buckets.delete(key); // re-insert below: Map order is least recently used first
      b.tokens = Math.min(this.capacity, b.tokens + ((nowMs - b.updated) / 1000) * this.refillPerSecond);
      b.updated = nowMs;
    } else {
      b = { tokens: this.capacity, updated: nowMs };
    }
    this.#buckets.set(key, b);
    while (this.#buckets.size > this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(b.tokens) };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.refillPerSecond)), remaining: 0 };
  }

  get size(): number {
    return this.#buckets.size;
  }
}
