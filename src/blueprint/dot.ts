/**
 * DOT export of the compiled graph. Deterministic: states in the order they are written, edges in the
 * order of their transitions, so the same blueprint gives the same bytes. Shape and colour say the
 * state type; the start state has an arrow from a dot; finished and failed ends differ in shape and
 * colour; parallel states list their branches. An overlay draws one job's path on top.
 */
import { shortenCondition } from './edges.js';
import type { CompiledBlueprint, CompiledState, GraphEdge, GraphOverlay } from './types.js';

export { toSvg } from './svg.js';

interface Style {
  shape: string;
  fill: string;
  line: string;
  style: string;
  peripheries?: number;
}

const STYLES: Record<string, Style> = {
  task: { shape: 'box', fill: '#dbeafe', line: '#1e40af', style: 'rounded,filled' },
  choice: { shape: 'diamond', fill: '#fef3c7', line: '#92400e', style: 'filled' },
  parallel: { shape: 'box', fill: '#ede9fe', line: '#5b21b6', style: 'filled', peripheries: 2 },
  approval: { shape: 'hexagon', fill: '#ffedd5', line: '#9a3412', style: 'filled' },
  blueprint: { shape: 'component', fill: '#ccfbf1', line: '#115e59', style: 'filled' },
  wait: { shape: 'ellipse', fill: '#f3f4f6', line: '#374151', style: 'filled' },
  set: { shape: 'note', fill: '#f5f5f4', line: '#44403c', style: 'filled' },
  end_finished: { shape: 'box', fill: '#dcfce7', line: '#166534', style: 'rounded,filled', peripheries: 2 },
  end_failed: { shape: 'doubleoctagon', fill: '#fee2e2', line: '#991b1b', style: 'filled' },
};

const OVERLAY = {
  visited: '#2563eb',
  current: { fill: '#fde047', line: '#a16207' },
  failed: { fill: '#f87171', line: '#7f1d1d' },
  faded: '#9ca3af',
} as const;

export function toDot(compiled: CompiledBlueprint, overlay?: GraphOverlay): string {
  const visited = new Set(overlay?.visited ?? []);
  const lines: string[] = [];
  const title = compiled.description ? `${compiled.name} v${compiled.version}\n${wrap(compiled.description, 70)}` : `${compiled.name} v${compiled.version}`;
  lines.push(`digraph ${quote(compiled.name)} {`);
  lines.push(`  graph [label=${quote(title)}, labelloc=t, fontname="Helvetica", fontsize=14, rankdir=TB, nodesep=0.4, ranksep=0.5];`);
  lines.push('  node [fontname="Helvetica", fontsize=11, penwidth=1.2];');
  lines.push('  edge [fontname="Helvetica", fontsize=9, color="#4b5563", fontcolor="#374151"];');
  lines.push('  "__start" [shape=point, width=0.18, color="#111827", label=""];');
  lines.push(`  "__start" -> ${quote(compiled.start)} [penwidth=1.5];`);

  for (const state of compiled.states.values()) {
    lines.push(`  ${quote(state.name)} [${nodeAttributes(compiled, state, overlay, visited).join(', ')}];`);
  }
  for (const state of compiled.states.values()) {
    for (const [target, edges] of groupedEdges(compiled, state.name)) {
      lines.push(`  ${quote(state.name)} -> ${quote(target)} [${edgeAttributes(state.name, target, edges, overlay).join(', ')}];`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function nodeAttributes(
  compiled: CompiledBlueprint,
  state: CompiledState,
  overlay: GraphOverlay | undefined,
  visited: ReadonlySet<string>,
): string[] {
  const key = state.type === 'end' ? `end_${state.status}` : state.type;
  const style = STYLES[key] as Style;
  let fill = style.fill;
  let line = style.line;
  let penwidth = state.name === compiled.start ? 2.2 : 1.2;
  let fontcolor = '#111827';
  if (overlay) {
    if (overlay.failed === state.name) {
      ({ fill, line } = OVERLAY.failed);
      penwidth = 3;
    } else if (overlay.current === state.name) {
      ({ fill, line } = OVERLAY.current);
      penwidth = 3;
    } else if (visited.has(state.name)) {
      line = OVERLAY.visited;
      penwidth = 2.5;
    } else {
      line = OVERLAY.faded;
      fontcolor = '#6b7280';
    }
  }
  const attrs = [
    `shape=${style.shape}`,
    `style=${quote(style.style)}`,
    `fillcolor=${quote(fill)}`,
    `color=${quote(line)}`,
    `penwidth=${penwidth}`,
    `fontcolor=${quote(fontcolor)}`,
  ];
  if (style.peripheries) attrs.push(`peripheries=${style.peripheries}`);
  attrs.push(state.type === 'parallel' ? `label=${parallelLabel(state)}` : `label=${quote(`${state.name}\n${caption(state)}`)}`);
  if (state.description) attrs.push(`tooltip=${quote(state.description)}`);
  return attrs;
}

/** The second line of a node: what the state does, in a few words. */
function caption(state: CompiledState): string {
  switch (state.type) {
    case 'task':
      return `task: ${state.spec.task}`;
    case 'choice':
      return 'choice';
    case 'approval':
      return state.timeoutMs !== undefined ? `approval (timeout ${formatMs(state.timeoutMs)})` : 'approval';
    case 'blueprint':
      return `child: ${state.blueprint}`;
    case 'wait':
      return state.durationMs !== undefined ? `wait ${formatMs(state.durationMs)}` : `wait until ${shortenCondition(state.until?.source, 30)}`;
    case 'set':
      return `set: ${shorten(state.values.map(([k]) => k).join(', '), 40)}`;
    case 'end':
      return state.status === 'failed' ? 'end: failed' : 'end: finished';
    case 'parallel':
      return 'parallel';
  }
}

/** An HTML-like label: name, mode, and one row per branch task (or the for_each task). */
function parallelLabel(state: Extract<CompiledState, { type: 'parallel' }>): string {
  const rows: string[] = [`<TR><TD><B>${html(state.name)}</B></TD></TR>`];
  const limit = state.maxConcurrency !== undefined ? `, max ${state.maxConcurrency} at once` : '';
  const failure = state.onFailure === 'continue' ? ', on failure continue' : '';
  if (state.forEach) {
    rows.push(`<TR><TD>parallel for_each${html(limit + failure)}</TD></TR>`);
    rows.push(
      `<TR><TD BORDER="1" SIDES="T">${html(`${state.forEach.spec.task} for each ${state.forEach.as} in ${shortenCondition(state.forEach.items.source, 30)}`)}</TD></TR>`,
    );
  } else {
    rows.push(`<TR><TD>parallel, ${state.branches?.length ?? 0} branches${html(limit + failure)}</TD></TR>`);
    (state.branches ?? []).forEach((b, i) => {
      const sides = i === 0 ? ' BORDER="1" SIDES="T"' : '';
      rows.push(`<TR><TD${sides}>${html(`${b.name}: ${b.task}`)}</TD></TR>`);
    });
  }
  rows.push(`<TR><TD><FONT POINT-SIZE="9">into ${html(state.into)}</FONT></TD></TR>`);
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">${rows.join('')}</TABLE>>`;
}

/** Edges to the same target are drawn as one, labelled with all their statuses. */
function groupedEdges(compiled: CompiledBlueprint, from: string): Map<string, GraphEdge[]> {
  const out = new Map<string, GraphEdge[]>();
  for (const e of compiled.graph.outEdges(from) ?? []) {
    const label = compiled.graph.edge(e);
    let list = out.get(e.w);
    if (!list) out.set(e.w, (list = []));
    list.push(label);
  }
  return out;
}

function edgeAttributes(from: string, to: string, edges: readonly GraphEdge[], overlay: GraphOverlay | undefined): string[] {
  let label = edges
    .map((e) => e.label)
    .filter((l) => l !== '')
    .join(', ');
  const attrs: string[] = [];
  if (edges.every((e) => e.kind === 'otherwise')) attrs.push('style=dashed');
  if (edges.every((e) => e.kind === 'condition')) attrs.push('fontcolor="#92400e"');
  const count = overlay?.edgeCounts?.[`${from}->${to}`];
  if (count !== undefined && count > 0) {
    label = label === '' ? `×${count}` : `${label} ×${count}`;
    attrs.push(`color=${quote(OVERLAY.visited)}`, 'penwidth=2');
  }
  if (label !== '') attrs.unshift(`label=${quote(label)}`);
  return attrs;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function wrap(text: string, width: number): string {
  const words = text.trim().split(/\s+/);
  const out: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(line);
  return out.join('\n');
}

export function formatMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}
