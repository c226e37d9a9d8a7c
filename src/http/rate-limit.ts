/**
 * Per-key token buckets (RATE_LIMIT_CLIENT per client, RATE_LIMIT_WORKER per worker id): each key may
 * burst one second's worth of requests, then gets 429 with Retry-After. Buckets of keys that were idle
 * long enough to be full again are dropped, so the map cannot grow without bound.
 */
import { RateLimitedError } from '../errors.js';

export interface RateLimiter {
  /** Throws RateLimitedError when `key` has no request left. */
  take(key: string): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(perSecond: number | undefined, what: string, now: () => number = Date.now): RateLimiter {
  if (perSecond === undefined) return { take: () => undefined };
  const capacity = Math.max(1, perSecond);
  const buckets = new Map<string, Bucket>();
  let lastSweep = now();
  return {
    take(key) {
      const time = now();
      if (time - lastSweep > 60_000) {
        for (const [name, bucket] of buckets) if (bucket.tokens + ((time - bucket.at) / 1000) * perSecond >= capacity) buckets.delete(name);
        lastSweep = time;
      }
      const bucket = buckets.get(key) ?? { tokens: capacity, at: time };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((time - bucket.at) / 1000) * perSecond);
      bucket.at = time;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        throw new RateLimitedError(`too many requests for this ${what}; at most ${perSecond} per second`, (1 - bucket.tokens) / perSecond);
      }
      bucket.tokens -= 1;
    },
  };
}
