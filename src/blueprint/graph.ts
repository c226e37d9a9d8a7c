/**
 * The compiled graph: nodes are state names labelled `GraphNode`, edges are transitions labelled
 * `GraphEdge`. One graph serves the engine, the DOT/SVG export and the docs page.
 */
import { Graph } from '@dagrejs/graphlib';
import { edgesOf } from './edges.js';
import type { BlueprintGraph, RawState } from './types.js';

/** Built from states that passed every check, so every target exists. */
export function buildGraph(name: string, start: string, states: Readonly<Record<string, RawState>>): BlueprintGraph {
  const graph: BlueprintGraph = new Graph({ directed: true, multigraph: true });
  graph.setGraph({ name });
  for (const [state, raw] of Object.entries(states)) {
    graph.setNode(state, Object.freeze({ name: state, type: raw.type, start: state === start, ...detailOf(raw) }));
  }
  for (const [state, raw] of Object.entries(states)) {
    for (const e of edgesOf(raw)) {
      graph.setEdge(state, e.target, Object.freeze({ ...e.edge }), `${e.edge.kind}:${e.edge.label}:${e.path.join('.')}`);
    }
  }
  return graph;
}

function detailOf(raw: RawState): { detail?: string } {
  if (raw.type === 'end') return { detail: raw.status ?? 'finished' };
  if (raw.type === 'parallel') {
    return { detail: raw.for_each !== undefined ? 'for_each' : `${raw.branches?.length ?? 0} branches` };
  }
  return {};
}
