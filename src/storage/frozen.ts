/**
 * Read-only records for the memory store. A record committed to the store becomes the store's: it is
 * frozen in place, to the leaves, and every read hands out that same frozen object instead of a fresh
 * deep copy (copies were ~17 per job and 10.6% of the CPU, docs/benchmarks.md; even one copy per
 * commit still cost 7%). Callers build new objects rather than change what they committed or loaded;
 * a mutation attempt throws (ESM code is strict), so an aliasing bug fails loudly instead of silently
 * changing stored state. Parts shared with an earlier, already frozen version are not walked again.
 */

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
