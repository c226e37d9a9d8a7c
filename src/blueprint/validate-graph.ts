/**
 * Stage 3: the graph. `start` exists; every target exists ("did you mean"); every state is reachable
 * from `start`; an `end` is reachable from every state; `blueprint` states name known blueprints;
 * `for_each`'s `as` hides no scope variable; an approval with `timeout` has a `timeout` transition;
 * a parallel state has exactly one of `branches`/`for_each`; a wait state one of `duration`/`until`.
 * A typo that has an evident fix is read as that fix, so one typo gives one diagnostic, not a cascade.
 */
import { alg, Graph } from '@dagrejs/graphlib';
import { didYouMean, formatPath, suggest } from './diagnostics.js';
import { edgesOf } from './edges.js';
import { asObject, branchName, field } from './raw-state.js';
import type { ParsedFile, PathSegment } from './parse.js';
import type { Diagnostic } from './types.js';

export interface GraphContext {
  /** Names of the blueprints that a `blueprint` state may start (those of the same directory). */
  readonly blueprintNames: ReadonlySet<string>;
}

/** Names that every expression sees; a `for_each` item must not hide them. */
export const SCOPE_NAMES = ['initial_data', 'state_history', 'job'] as const;

export function validateGraph(parsed: ParsedFile, context: GraphContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const root = asObject(parsed.value);
  const states = asObject(root?.states);
  if (!root || !states) return out;
  const report = (path: PathSegment[], part: 'key' | 'value', message: string): void => {
    out.push({ file: parsed.file, ...parsed.locate(path, part), path: formatPath(path), check: 'graph', message });
  };
  const names = Object.keys(states);
  const resolve = (target: string): string | undefined =>
    Object.hasOwn(states, target) ? target : suggest(target, names);

  // Edges, with every unknown target reported once; a typo with an evident fix leads to that fix.
  const graph = new Graph({ directed: true, multigraph: true });
  for (const name of names) graph.setNode(name);
  /** States with a target that cannot be resolved: whether they reach an end is unknown. */
  const open = new Set<string>();
  for (const [name, state] of Object.entries(states)) {
    const edges = edgesOf(state);
    for (const e of edges) {
      if (!Object.hasOwn(states, e.target)) {
        report(['states', name, ...e.path], 'value', `unknown state "${e.target}"${didYouMean(e.target, names)}`);
      }
      const resolved = resolve(e.target);
      if (resolved === undefined) open.add(name);
      else graph.setEdge(name, resolved, e.edge, `${e.edge.kind}:${e.edge.label}`);
    }
    const type = asObject(state)?.type;
    if (edges.length === 0 && type !== 'end') open.add(name); // the schema reports the missing keys
  }

  const start = root.start;
  let startName: string | undefined;
  if (typeof start === 'string') {
    if (!Object.hasOwn(states, start)) report(['start'], 'value', `unknown state "${start}"${didYouMean(start, names)}`);
    startName = resolve(start);
  }

  if (startName !== undefined) {
    const reached = new Set(alg.preorder(graph, [startName]));
    const endReachers = reachBackwards(
      graph,
      names.filter((n) => asObject(states[n])?.type === 'end' || open.has(n)),
    );
    for (const name of names) {
      if (!reached.has(name)) {
        report(['states', name], 'key', `state "${name}" is unreachable: no transition leads to it from start "${startName}"`);
      } else if (!endReachers.has(name)) {
        report(['states', name], 'key', `no end state can be reached from "${name}", so a job here could never finish`);
      }
    }
  }

  for (const [name, state] of Object.entries(states)) {
    const s = asObject(state);
    if (s) checkState(name, s, context, report);
  }
  return out;
}

type Report = (path: PathSegment[], part: 'key' | 'value', message: string) => void;

function checkState(name: string, s: Record<string, unknown>, context: GraphContext, report: Report): void {
  const at = (...rest: PathSegment[]): PathSegment[] => ['states', name, ...rest];
  switch (s.type) {
    case 'blueprint': {
      const child = s.blueprint;
      if (typeof child === 'string' && !context.blueprintNames.has(child)) {
        const known = [...context.blueprintNames].sort();
        const shown = known.length > 12 ? [...known.slice(0, 12), `and ${known.length - 12} more`] : known;
        const list = known.length > 0 ? `; blueprints in this directory: ${shown.join(', ')}` : '';
        report(at('blueprint'), 'value', `unknown blueprint "${child}"${didYouMean(child, known)}${list}`);
      }
      break;
    }
    case 'approval': {
      const transitions = asObject(field(s, 'transitions')?.value);
      if (has(s, 'timeout') && transitions && !has(transitions, 'timeout')) {
        report(
          at('timeout'),
          'key',
          'an approval with a timeout needs a "timeout" transition: add transitions.timeout (the state to go to when nobody decides in time)',
        );
      }
      break;
    }
    case 'parallel': {
      const hasBranches = has(s, 'branches');
      const hasForEach = has(s, 'for_each');
      if (hasBranches && hasForEach) {
        report(at('for_each'), 'key', 'a parallel state takes either "branches" or "for_each", not both');
      } else if (!hasBranches && !hasForEach) {
        report(at(), 'key', 'a parallel state needs "branches" (a list of tasks) or "for_each" (one task per item)');
      }
      if (hasBranches && !hasForEach) {
        for (const key of ['task', 'params', 'as']) {
          if (has(s, key)) report(at(key), 'key', `"${key}" belongs to "for_each"; with "branches", each branch names its own task and params`);
        }
        checkBranchNames(s.branches, at('branches'), report);
      }
      const as = s.as;
      if (typeof as === 'string' && (SCOPE_NAMES as readonly string[]).includes(as)) {
        report(at('as'), 'value', `"${as}" would hide the "${as}" that expressions see; choose another name for the item`);
      }
      break;
    }
    case 'wait':
      if (has(s, 'duration') && has(s, 'until')) {
        report(at('until'), 'key', 'a wait state takes either "duration" or "until", not both');
      } else if (!has(s, 'duration') && !has(s, 'until')) {
        report(at(), 'key', 'a wait state needs "duration" (how long) or "until" (an expression giving a time)');
      }
      break;
    default:
      break;
  }
}

/** Own keys only: a state named `constructor` must not be found on Object.prototype. */
const has = (o: object, key: string): boolean => Object.hasOwn(o, key);

function checkBranchNames(branches: unknown, path: PathSegment[], report: Report): void {
  if (!Array.isArray(branches)) return;
  const seen = new Set<string>();
  branches.forEach((branch: unknown, i) => {
    const name = branchName(branch, i);
    if (seen.has(name)) report([...path, i], 'value', `branch name "${name}" is used twice in this state`);
    seen.add(name);
  });
}

/** Every node from which one of `targets` can be reached (the targets included). */
function reachBackwards(graph: Graph, targets: readonly string[]): Set<string> {
  const seen = new Set<string>(targets);
  const stack = [...targets];
  while (stack.length > 0) {
    const node = stack.pop() as string;
    for (const previous of graph.predecessors(node) ?? []) {
      if (!seen.has(previous)) {
        seen.add(previous);
        stack.push(previous);
      }
    }
  }
  return seen;
}
