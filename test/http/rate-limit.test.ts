import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/errors.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';

describe('createRateLimiter', () => {
  it('lets a key burst one second of requests, then refuses with the wait until the next one', () => {
    let now = 0;
    const limiter = createRateLimiter(2, 'client', () => now);
    limiter.take('a');
    limiter.take('a');
    const error = (() => {
      try {
        limiter.take('a');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBeCloseTo(0.5);
    now = 500;
    expect(() => limiter.take('a')).not.toThrow();
  });

  it('keeps keys apart', () => {
    const limiter = createRateLimiter(1, 'worker', () => 0);
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
    expect(() => limiter.take('b')).not.toThrow();
  });

  it('never refuses when no rate is configured', () => {
    const limiter = createRateLimiter(undefined, 'client', () => 0);
    for (let i = 0; i < 1000; i += 1) limiter.take('a');
  });
});
