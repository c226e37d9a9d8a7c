/**
 * A blueprint graph as the server renders it (Graphviz SVG: each node a <g class="node"> whose <title>
 * is the state name, each edge a <g class="edge"> titled `from->to`). The console restyles that SVG in
 * place from a job's overlay instead of asking the server to lay the graph out again every second, so
 * a 500-state graph is laid out once per page.
 */
import { h } from './dom.js';
import { drawBranchCounts, SVG_NS, type BranchCounts } from './graph-fanout.js';
import type { JobOverlay } from './overlay.js';

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
  private readonly fanouts = new Map<string, SVGGElement>();
  private readonly baseWidth: number;
  private readonly baseHeight: number;
  private scale = 1;
  private selected: string | null = null;

  constructor(svgText: string, options: GraphViewOptions = {}) {
    this.svg = parseSvg(svgText);
    // Graphviz sizes the drawing in points; 4/3 of the viewBox is its natural size in CSS pixels.
    const box = this.svg.viewBox.baseVal;
    this.baseWidth = (box && box.width > 0 ? box.width : 600) * (4 / 3);
    this.baseHeight = (box && box.height > 0 ? box.height : 450) * (4 / 3);
    this.svg.removeAttribute('width');
    this.svg.removeAttribute('height');
    this.svg.classList.add('sy-graph');

    for (const g of this.svg.querySelectorAll<SVGGElement>('g.node')) {
      const name = titleOf(g);
      // `__start` and the like are drawing aids (the arrow into the start state), not states.
      if (name === null || name.startsWith('__')) continue;
      g.dataset.state = name;
      // Reachable by keyboard too: Tab to a state, Enter to open it.
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.setAttribute('aria-label', `state ${name}`);
      this.nodes.set(name, g);
    }
    const seen = new Set<string>();
    for (const g of this.svg.querySelectorAll<SVGGElement>('g.edge')) {
      const key = titleOf(g);
      if (!key || key.startsWith('__')) continue;
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
    this.svg.addEventListener('keydown', (event) => {
      const state = ((event.target as Element).closest('g.node') as SVGGElement | null)?.dataset.state;
      if (!state || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      options.onStateClick?.(state);
    });
  }

  /**
   * Scales the graph to its box: never above natural size, and never below 60% just to fit the
   * height (a tall graph scrolls and the current state is followed), nor below 30% to fit the width.
   */
  fit(): void {
    const width = (this.element.clientWidth || 900) - 16;
    const height = Math.max(300, window.innerHeight * 0.75 - 16);
    this.zoom(Math.max(0.3, Math.min(1, width / this.baseWidth, Math.max(0.6, height / this.baseHeight))));
  }

  zoom(scale: number): void {
    this.scale = Math.max(0.1, Math.min(4, scale));
    this.svg.style.width = `${Math.round(this.baseWidth * this.scale)}px`;
    this.svg.style.height = `${Math.round(this.baseHeight * this.scale)}px`;
  }

  /** Scrolls the graph's box (not the page) so that the state is in the middle of it. */
  reveal(state: string): void {
    const node = this.nodes.get(state);
    const scroller = this.svg.parentElement;
    if (!node || !scroller) return;
    const box = node.getBoundingClientRect();
    const view = scroller.getBoundingClientRect();
    scroller.scrollBy({
      left: box.left + box.width / 2 - (view.left + view.width / 2),
      top: box.top + box.height / 2 - (view.top + view.height / 2),
    });
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

  /**
   * Shows how often an edge was taken once that is more than once (a loop); a single pass is already
   * told by the edge's colour. The count joins the edge's own label when it has one.
   */
  private setEdgeCount(edge: EdgeRef, taken: number): void {
    const count = edge.count!;
    edge.el.dataset.count = String(taken);
    if (taken < 2) {
      count.remove();
      return;
    }
    if (!count.isConnected) {
      const label = edge.el.querySelector('text:not(.sy-count)');
      const path = edge.el.querySelector('path');
      if (label) {
        count.setAttribute('x', String(Number(label.getAttribute('x') ?? 0)));
        count.setAttribute('y', String(Number(label.getAttribute('y') ?? 0) + 14));
        count.setAttribute('text-anchor', label.getAttribute('text-anchor') ?? 'middle');
      } else if (path) {
        const mid = path.getPointAtLength(path.getTotalLength() / 2);
        count.setAttribute('x', String(mid.x + 4));
        count.setAttribute('y', String(mid.y - 4));
      } else {
        return;
      }
      edge.el.appendChild(count);
    }
    count.textContent = `×${taken}`;
  }

  /**
   * A parallel state stays one node however many branches it has: under it, a bar split by branch
   * status and a short "done/total" line; the full counts are its tooltip and its data attributes.
   */
  setBranchCounts(state: string, counts: BranchCounts | null): void {
    const existing = this.fanouts.get(state);
    if (counts === null || counts.total === 0) {
      existing?.remove();
      this.fanouts.delete(state);
      return;
    }
    const g = this.nodes.get(state);
    if (!g) return;
    let group = existing;
    if (!group) {
      group = document.createElementNS(SVG_NS, 'g');
      group.classList.add('sy-fanout');
      const box = g.getBBox();
      group.dataset.x = String(box.x);
      group.dataset.y = String(box.y + box.height + 3);
      group.dataset.width = String(Math.max(60, box.width));
      g.appendChild(group);
      this.fanouts.set(state, group);
    }
    drawBranchCounts(group, counts);
    group.dataset.total = String(counts.total);
    group.dataset.counts = JSON.stringify(counts.by_status);
  }
}

