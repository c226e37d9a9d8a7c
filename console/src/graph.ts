/**
 * A blueprint graph as the server renders it (Graphviz SVG: each node a <g class="node"> whose <title>
 * is the state name, each edge a <g class="edge"> titled `from->to`). The console restyles that SVG in
 * place from a job's overlay instead of asking the server to lay the graph out again every second, so
 * a 500-state graph is laid out once per page.
 */
import { h } from './dom.js';
import type { JobOverlay } from './overlay.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MARKS = ['sy-visited', 'sy-current', 'sy-failed', 'sy-stopped', 'sy-unreached'] as const;

interface EdgeRef {
  key: string;
  el: SVGGElement;
  /** Set for the first edge of each key: the text that shows how often it was taken. */
  count?: SVGTextElement;
}

export interface GraphViewOptions {
  onStateClick?: (state: string) => void;
}

/** Parses the server's SVG, dropping anything executable; the graph is data, not a document. */
function parseSvg(text: string): SVGSVGElement {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg') throw new Error('the server did not answer with an SVG graph');
  for (const bad of root.querySelectorAll('script, foreignObject')) bad.remove();
  for (const el of root.querySelectorAll('*')) {
    for (const attr of [...el.attributes]) if (attr.name.startsWith('on')) el.removeAttribute(attr.name);
  }
  return document.importNode(root, true) as unknown as SVGSVGElement;
}

function titleOf(g: Element): string | null {
  const title = g.querySelector(':scope > title');
  return title?.textContent?.trim() ?? null;
}

export class GraphView {
  readonly element: HTMLElement;
  readonly svg: SVGSVGElement;
  readonly nodes = new Map<string, SVGGElement>();
  private readonly edges: EdgeRef[] = [];
  private readonly badges = new Map<string, SVGTextElement>();
  private readonly baseWidth: number;
  private readonly baseHeight: number;
  private scale = 1;
  private selected: string | null = null;

  constructor(svgText: string, options: GraphViewOptions = {}) {
    this.svg = parseSvg(svgText);
    const box = this.svg.viewBox.baseVal;
    this.baseWidth = box && box.width > 0 ? box.width : 800;
    this.baseHeight = box && box.height > 0 ? box.height : 600;
    this.svg.removeAttribute('width');
    this.svg.removeAttribute('height');
    this.svg.classList.add('sy-graph');

    for (const g of this.svg.querySelectorAll<SVGGElement>('g.node')) {
      const name = titleOf(g);
      if (name === null) continue;
      g.dataset.state = name;
      this.nodes.set(name, g);
    }
    const seen = new Set<string>();
    for (const g of this.svg.querySelectorAll<SVGGElement>('g.edge')) {
      const key = titleOf(g);
      if (!key) continue;
      const ref: EdgeRef = { key, el: g };
      if (!seen.has(key)) {
        seen.add(key);
        ref.count = document.createElementNS(SVG_NS, 'text');
        ref.count.classList.add('sy-count');
      }
      this.edges.push(ref);
    }

    const zoomBar = h(
      'div',
      { class: 'zoom' },
      h('button', { type: 'button', title: 'Zoom out', onclick: () => this.zoom(this.scale / 1.25) }, '−'),
      h('button', { type: 'button', title: 'Fit to width', onclick: () => this.fit() }, 'Fit'),
      h('button', { type: 'button', title: 'Zoom in', onclick: () => this.zoom(this.scale * 1.25) }, '+'),
    );
    const scroller = h('div', { class: 'graph-scroll' });
    scroller.appendChild(this.svg);
    this.element = h('div', { class: 'graph', 'data-graph': 'true' }, zoomBar, scroller);

    // One listener for the whole graph: 500 nodes do not need 500 listeners.
    this.svg.addEventListener('click', (event) => {
      const node = (event.target as Element).closest('g.node') as SVGGElement | null;
      const state = node?.dataset.state;
      if (state && options.onStateClick) options.onStateClick(state);
    });
  }

  /** Scales the graph to the width of its box (never above natural size, never unreadably small). */
  fit(): void {
    const width = this.element.clientWidth || 900;
    this.zoom(Math.max(0.3, Math.min(1.5, (width - 16) / this.baseWidth)));
  }

  zoom(scale: number): void {
    this.scale = Math.max(0.1, Math.min(4, scale));
    this.svg.style.width = `${Math.round(this.baseWidth * this.scale)}px`;
    this.svg.style.height = `${Math.round(this.baseHeight * this.scale)}px`;
  }

  select(state: string | null): void {
    if (this.selected) this.nodes.get(this.selected)?.classList.remove('sy-selected');
    this.selected = state;
    if (state) this.nodes.get(state)?.classList.add('sy-selected');
  }

  applyOverlay(overlay: JobOverlay): void {
    const visited = new Set(overlay.visited);
    for (const [name, g] of this.nodes) {
      g.classList.remove(...MARKS);
      if (name === overlay.failed) g.classList.add('sy-failed');
      else if (name === overlay.current) g.classList.add('sy-current');
      else if (name === overlay.stopped) g.classList.add('sy-stopped');
      else if (visited.has(name)) g.classList.add('sy-visited');
      else g.classList.add('sy-unreached');
    }
    for (const edge of this.edges) {
      const taken = overlay.edgeCounts[edge.key] ?? 0;
      edge.el.classList.toggle('sy-taken', taken > 0);
      edge.el.classList.toggle('sy-untaken', taken === 0);
      if (edge.count) this.setEdgeCount(edge, taken);
    }
  }

  private setEdgeCount(edge: EdgeRef, taken: number): void {
    const text = edge.count!;
    if (taken === 0) {
      text.remove();
      return;
    }
    if (!text.isConnected) {
      const path = edge.el.querySelector('path');
      if (!path) return;
      const mid = path.getPointAtLength(path.getTotalLength() / 2);
      text.setAttribute('x', String(mid.x + 4));
      text.setAttribute('y', String(mid.y - 4));
      edge.el.appendChild(text);
    }
    text.textContent = `×${taken}`;
    edge.el.dataset.count = String(taken);
  }

  /** A line of text under a node, e.g. the branch counts of a parallel state. */
  setBadge(state: string, label: string | null): void {
    const existing = this.badges.get(state);
    if (label === null) {
      existing?.remove();
      this.badges.delete(state);
      return;
    }
    const g = this.nodes.get(state);
    if (!g) return;
    let text = existing;
    if (!text) {
      const box = g.getBBox();
      text = document.createElementNS(SVG_NS, 'text');
      text.classList.add('sy-badge');
      text.setAttribute('x', String(box.x + box.width / 2));
      text.setAttribute('y', String(box.y + box.height + 12));
      text.setAttribute('text-anchor', 'middle');
      g.appendChild(text);
      this.badges.set(state, text);
    }
    text.textContent = label;
  }
}
