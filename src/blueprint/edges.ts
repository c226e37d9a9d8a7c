/**
 * The transitions of one state as graph edges, read defensively from the raw value: the graph check
 * runs even when the schema found problems, so that all problems are reported at once.
 */
import { asObject, field } from './raw-state.js';
import type { PathSegment } from './parse.js';
import type { GraphEdge } from './types.js';

export interface RawEdge {
  readonly target: string;
  /** Path of the target inside the state, e.g. ['transitions', 'success']. */
  readonly path: readonly PathSegment[];
  readonly edge: GraphEdge;
}

const TRANSITION_KIND = { task: 'status', approval: 'decision', blueprint: 'child' } as const;

export function edgesOf(state: unknown): RawEdge[] {
  const s = asObject(state);
  if (!s) return [];
  const type = s.type;
  const out: RawEdge[] = [];
  const add = (target: unknown, path: PathSegment[], edge: GraphEdge): void => {
    if (typeof target === 'string') out.push({ target, path, edge });
  };
  if (type === 'task' || type === 'approval' || type === 'blueprint') {
    const f = field(s, 'transitions');
    const transitions = asObject(f?.value);
    if (f && transitions) {
      for (const [status, target] of Object.entries(transitions)) {
        add(target, [f.key, status], { kind: TRANSITION_KIND[type], label: status });
      }
    }
  } else if (type === 'choice') {
    const f = field(s, 'choices');
    if (f && Array.isArray(f.value)) {
      f.value.forEach((choice: unknown, i) => {
        const c = asObject(choice);
        if (c) add(c.next, [f.key, i, 'next'], { kind: 'condition', label: shortenCondition(c.when) });
      });
    }
    const o = field(s, 'otherwise');
    if (o) add(o.value, [o.key], { kind: 'otherwise', label: 'otherwise' });
  } else if (type === 'parallel' || type === 'wait' || type === 'set') {
    const f = field(s, 'next');
    if (f) add(f.value, [f.key], { kind: 'next', label: '' });
  } else if (type !== 'end') {
    // An unknown or missing type is reported by the schema; its targets still count as edges so that
    // the states after it are not also reported as unreachable.
    for (const e of edgesOf({ ...s, type: 'task' })) out.push(e);
    for (const e of edgesOf({ ...s, type: 'choice' })) out.push(e);
    for (const e of edgesOf({ ...s, type: 'set' })) out.push(e);
  }
  return out;
}

/** `${ state_history.bytes > 1000000 }` -> `state_history.bytes > 1000000`, cut to 40 characters. */
export function shortenCondition(when: unknown, max = 40): string {
  if (typeof when !== 'string') return '?';
  const body = when.trim().replace(/^\$\{/, '').replace(/\}$/, '').replace(/\s+/g, ' ').trim();
  return body.length <= max ? body : `${body.slice(0, max - 1)}…`;
}
