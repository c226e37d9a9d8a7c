/**
 * Retry delays: exponential (backoff, 2x, 4x, ... capped at max_backoff) with "equal jitter": half of
 * the delay is fixed and half is random, so retries of many jobs that failed together spread out but
 * never come sooner than half the nominal delay. `random` is injected (a number in [0, 1)) to keep the
 * transition step pure and testable.
 */
import type { CompiledRetry } from '../blueprint/types.js';

/** The delay before attempt `failedAttempt + 1`, after attempt `failedAttempt` (1-based) failed. */
export function retryDelayMs(retry: CompiledRetry, failedAttempt: number, random: number): number {
  const nominal = Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(nominal / 2 + (nominal / 2) * random);
}
