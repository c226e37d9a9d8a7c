/**
 * The counts of a parallel state drawn under its node: a bar split by branch status and a short
 * "done/total" line, with every count in its tooltip. One node however many branches.
 */
export const SVG_NS = 'http://www.w3.org/2000/svg';

export interface BranchCounts {
  total: number;
  by_status: Record<string, number>;
}

/** Branch statuses that are not finished yet. */
const OPEN_BRANCH = new Set(['queued', 'pending', 'running', 'retrying', 'leased', 'waiting']);
const ORDER = ['success', 'done', 'finished', 'failed', 'failure', 'cancelled', 'timed_out', 'running', 'retrying', 'queued'];

function statusOrder(status: string): number {
  const i = ORDER.indexOf(status);
  return i < 0 ? ORDER.length : i;
}

/** Redraws `group`, whose data-x, data-y and data-width say where (under the node). */
export function drawBranchCounts(group: SVGGElement, counts: BranchCounts): void {
  const x = Number(group.dataset.x);
  const y = Number(group.dataset.y);
  const width = Number(group.dataset.width);
  const parts: Element[] = [];
  let offset = 0;
  const entries = Object.entries(counts.by_status)
    .filter(([, n]) => n > 0)
    .sort((a, b) => statusOrder(a[0]) - statusOrder(b[0]));
  for (const [status, n] of entries) {
    const rect = document.createElementNS(SVG_NS, 'rect');
    const w = (n / counts.total) * width;
    rect.setAttribute('x', String(x + offset));
    rect.setAttribute('y', String(y));
    rect.setAttribute('width', String(w));
    rect.setAttribute('height', '5');
    rect.setAttribute('class', `sy-fan-${status}`);
    offset += w;
    parts.push(rect);
  }
  const done = entries.filter(([status]) => !OPEN_BRANCH.has(status)).reduce((sum, [, n]) => sum + n, 0);
  const failed = (counts.by_status.failed ?? 0) + (counts.by_status.failure ?? 0);
  const text = document.createElementNS(SVG_NS, 'text');
  text.classList.add('sy-badge');
  text.setAttribute('x', String(x + width / 2));
  text.setAttribute('y', String(y + 15));
  text.setAttribute('text-anchor', 'middle');
  text.textContent = `${done}/${counts.total} done${failed ? ` · ${failed} failed` : ''}`;
  const tip = document.createElementNS(SVG_NS, 'title');
  tip.textContent = entries.map(([status, n]) => `${n} ${status}`).join(', ');
  parts.push(text, tip);
  group.replaceChildren(...parts);
}
