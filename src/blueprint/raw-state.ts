/**
 * Reading raw (as written) blueprint values defensively: the checks run even on values that failed
 * the schema, so nothing here may assume a shape.
 */
import { suggest } from './diagnostics.js';

type Obj = Record<string, unknown>;

export function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

/**
 * `state[name]`, or the value of a misspelt key that was evidently meant to be `name` (the schema
 * reports the misspelling; reading it here keeps one typo from also making states unreachable).
 */
export function field(state: Obj, name: string): { key: string; value: unknown } | undefined {
  if (Object.hasOwn(state, name)) return { key: name, value: state[name] };
  for (const key of Object.keys(state)) {
    if (suggest(key, [name]) === name) return { key, value: state[key] };
  }
  return undefined;
}

/** A parallel branch's name: its `name`, else `branch_<position>` (1-based). */
export function branchName(branch: unknown, index: number): string {
  const name = asObject(branch)?.name;
  return typeof name === 'string' ? name : `branch_${index + 1}`;
}
