/**
 * Durations: a number of seconds (`90`, `0.5`), or a string of one or more `<number><unit>` parts with
 * units `ms`, `s`, `m`, `h`, `d` (`500ms`, `30s`, `5m`, `2h`, `1d`, `1h30m`).
 */
import type { Duration } from './types.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WHOLE = /^([0-9]+(\.[0-9]+)?(ms|s|m|h|d))+$/;
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

/** Milliseconds, rounded; undefined for anything that is not a duration. */
export function parseDuration(value: Duration): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (!WHOLE.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(PART)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** Like parseDuration, for values the schema already accepted. */
export function durationMs(value: Duration): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new TypeError(`not a duration: ${JSON.stringify(value)}`);
  return ms;
}
