/**
 * Does a worker offer what a task requires? Numbers are minimums, strings must be equal (except
 * `gpu.model`, which the worker's model must contain: `A100` matches `NVIDIA A100-SXM4-80GB`), and a
 * list (such as `models`) must be contained item by item. A requirement the worker does not state is
 * not met. Both stores use this rule; the Redis store's Lua mirrors it.
 */
import type { TaskRequires, WorkerMatch } from './types.js';

export function satisfiesRequires(offer: WorkerMatch, requires: TaskRequires | null): boolean {
  if (!requires) return true;
  return matches(offer, requires, '');
}

function matches(offer: unknown, required: unknown, path: string): boolean {
  if (required === null || required === undefined) return true;
  if (typeof required === 'number') return typeof offer === 'number' && offer >= required;
  if (typeof required === 'string') {
    if (typeof offer !== 'string') return false;
    return path === 'gpu.model' ? offer.toLowerCase().includes(required.toLowerCase()) : offer === required;
  }
  if (typeof required === 'boolean') return offer === required;
  if (Array.isArray(required)) {
    if (!Array.isArray(offer)) return false;
    return required.every((item) => offer.some((have) => JSON.stringify(have) === JSON.stringify(item)));
  }
  if (typeof required === 'object') {
    if (typeof offer !== 'object' || offer === null || Array.isArray(offer)) return false;
    const have = offer as Record<string, unknown>;
    return Object.entries(required as Record<string, unknown>).every(([key, value]) =>
      matches(have[key], value, path ? `${path}.${key}` : key),
    );
  }
  return false;
}
