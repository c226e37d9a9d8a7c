/** A parallel state seen as one node: counts by status, and on click the list of its branches. */
import { h } from '../dom.js';
import type { BranchCounts } from '../graph-fanout.js';
import type { BranchRow } from '../overlay.js';


export function countsOf(rows: readonly BranchRow[]): BranchCounts {
  const by_status: Record<string, number> = {};
  for (const row of rows) by_status[row.status] = (by_status[row.status] ?? 0) + 1;
  return { total: rows.length, by_status };
}

export function countLabel(total: number, byStatus: Record<string, number>): string {
  const parts = Object.entries(byStatus)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${n} ${status}`);
  return `${total} branch${total === 1 ? '' : 'es'}${parts.length ? `: ${parts.join(' · ')}` : ''}`;
}

/** Rows shown at once; the filter narrows a 1,000-branch list to the ones that matter. */
const SHOWN = 200;

export function branchPanel(state: string, rows: readonly BranchRow[], live: BranchCounts | undefined): HTMLElement {
  const counts = live ?? countsOf(rows);
  const body = h('tbody');
  const note = h('p', { class: 'muted small' });
  const filter = h(
    'select',
    { 'aria-label': 'branch status' },
    h('option', { value: '' }, `all (${rows.length})`),
    Object.entries(countsOf(rows).by_status).map(([status, n]) => h('option', { value: status }, `${status} (${n})`)),
  );
  const render = (): void => {
    const chosen = rows.filter((r) => !filter.value || r.status === filter.value);
    body.replaceChildren(
      ...chosen.slice(0, SHOWN).map((r) =>
        h(
          'tr',
          { 'data-branch': r.key },
          h('td', {}, r.label),
          h('td', {}, h('span', { class: `status status-${r.status}` }, r.status)),
          h('td', {}, r.workerId ?? '—'),
          h('td', {}, r.attempt === null ? '—' : String(r.attempt)),
          h('td', { title: r.taskId ?? '' }, h('code', { class: 'small' }, r.taskId ? r.taskId.slice(0, 8) : '')),
        ),
      ),
    );
    note.textContent = chosen.length > SHOWN ? `Showing ${SHOWN} of ${chosen.length}; filter by status to narrow.` : `${chosen.length} shown.`;
  };
  filter.addEventListener('change', render);
  render();
  return h(
    'section',
    { class: 'branch-panel', 'data-branches': state },
    h('h3', {}, `Branches of ${state}`),
    h('p', { 'data-branch-counts': String(counts.total) }, countLabel(counts.total, counts.by_status)),
    rows.length ? h('label', {}, 'Show ', filter) : h('p', { class: 'muted' }, 'No branch has started yet.'),
    rows.length ? h('table', { class: 'list small nowrap' }, h('thead', {}, h('tr', {}, ['Branch', 'Status', 'Worker', 'Attempt', 'Task'].map((t) => h('th', {}, t)))), body) : null,
    note,
  );
}
