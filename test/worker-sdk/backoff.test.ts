import { describe, expect, it } from 'vitest';
import { Backoff, sleep } from '../../src/worker-sdk/backoff.js';

describe('Backoff', () => {
  it('doubles its window up to the maximum and never waits less than half of it', () => {
    const low = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
  });

  it('starts again from the first delay after reset()', () => {
    const backoff = new Backoff(100, 1000, () => 0);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });
});

describe('sleep', () => {
  it('resolves early when its signal aborts', async () => {
    const controller = new AbortController();
    const began = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    expect(Date.now() - began).toBeLessThan(1000);
  });
});
