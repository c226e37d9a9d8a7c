/** Workers and dashboard, live: job counts by status, queue depths by task type, and every live worker. */
import { h, replace } from '../dom.js';
import { ago, formatTime } from '../format.js';
import { JOB_STATUSES } from '../types.js';
import type { Dashboard, WorkerView } from '../types.js';
import { poll } from '../view.js';
import type { Cleanup, ViewContext } from '../view.js';
import { statusBadge } from './status.js';

export function overviewView(ctx: ViewContext): Cleanup {
  const jobs = h('section', { class: 'cards', 'data-dashboard': 'jobs' });
  const queues = h('section', { 'data-dashboard': 'queues' });
  const workers = h('section', { 'data-dashboard': 'workers' });
  replace(ctx.root, h('h1', {}, 'Dashboard'), h('h2', {}, 'Jobs by status'), jobs, h('h2', {}, 'Queues'), queues, h('h2', {}, 'Workers'), workers);

  const render = (dash: Dashboard, list: WorkerView[], now: number): void => {
    replace(
      jobs,
      JOB_STATUSES.map((status) =>
        h(
          'a',
          { class: 'card', href: `#/jobs?status=${status}`, 'data-count': status },
          statusBadge(status),
          h('strong', {}, String(dash.jobs[status] ?? 0)),
        ),
      ),
    );
    const depths = Object.entries(dash.queues).sort((a, b) => b[1] - a[1]);
    replace(
      queues,
      depths.length === 0
        ? h('p', { class: 'muted' }, 'No task is waiting in any queue.')
        : h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', {}, 'Task type'), h('th', {}, 'Waiting tasks'))), h('tbody', {}, depths.map(([type, n]) => h('tr', { 'data-queue': type }, h('td', {}, h('code', {}, type)), h('td', {}, String(n)))))),
    );
    replace(
      workers,
      h('p', {}, `${dash.workers.total} live (${dash.workers.busy} busy, ${dash.workers.idle} idle)`),
      list.length === 0
        ? h('p', { class: 'muted' }, 'No worker is connected. Start one with `switchyard worker` or any HTTP worker.')
        : h(
            'table',
            { class: 'list', 'data-list': 'workers' },
            h('thead', {}, h('tr', {}, ['Worker', 'Status', 'Task types', 'Current tasks', 'Last heartbeat', 'Registered'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              list.map((w) =>
                h(
                  'tr',
                  { 'data-worker': w.worker_id },
                  h('td', { class: 'nowrap' }, h('code', {}, w.worker_id)),
                  h('td', {}, h('span', { class: `status status-${w.status}` }, w.status)),
                  h('td', {}, w.supported_tasks.flatMap((t) => [h('code', { class: 'tag' }, t), ' '])),
                  h('td', {}, w.current_tasks.length ? w.current_tasks.flatMap((t) => [h('code', { class: 'tag' }, t), ' ']) : h('span', { class: 'muted' }, 'none')),
                  h('td', { class: 'nowrap', title: formatTime(w.last_heartbeat) }, ago(w.last_heartbeat, now)),
                  h('td', {}, formatTime(w.registered_at)),
                ),
              ),
            ),
          ),
    );
  };

  return poll(
    1000,
    async () => {
      const [dash, list] = await Promise.all([ctx.api.dashboard(), ctx.api.workers()]);
      render(dash, list, Date.now());
    },
    ctx.fail,
    ctx.recover,
  );
}
