/**
 * The job list: newest first, filtered by status, blueprint and a text search on the id, paged by the
 * server's cursor. Filters and the cursor live in the hash, so a filtered view is a link.
 */
import { h, replace } from '../dom.js';
import { ago } from '../format.js';
import { JOB_STATUSES } from '../types.js';
import type { JobView } from '../types.js';
import { poll } from '../view.js';
import type { Cleanup, ViewContext } from '../view.js';
import { statusBadge } from './status.js';

const PAGE_SIZES = [20, 50, 100];
/** Stands for the first page in the list of earlier cursors (the first page has no cursor). */
const FIRST = '-';

export async function jobListView(ctx: ViewContext): Promise<Cleanup> {
  const status = ctx.query.get('status') ?? '';
  const blueprint = ctx.query.get('blueprint') ?? '';
  const q = ctx.query.get('q') ?? '';
  const limit = Number(ctx.query.get('limit')) || PAGE_SIZES[0]!;
  const cursor = ctx.query.get('cursor') ?? '';
  // Earlier pages' cursors, so "Newer" can go back: the server's cursors only go forward.
  const back = ctx.query.getAll('back');
  const blueprints = await ctx.api.blueprints().catch(() => []);

  const go = (params: Record<string, string | string[]>): void => {
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== '') next.append(key, v);
    }
    ctx.navigate(`#/jobs?${next.toString()}`);
  };

  const statusSelect = h('select', { name: 'status', 'aria-label': 'status' }, h('option', { value: '' }, 'any status'), JOB_STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)));
  const blueprintSelect = h('select', { name: 'blueprint', 'aria-label': 'blueprint' }, h('option', { value: '' }, 'any blueprint'), blueprints.map((b) => h('option', { value: b.name, selected: b.name === blueprint }, b.name)));
  const search = h('input', { name: 'q', type: 'search', placeholder: 'job id contains…', value: q, 'aria-label': 'search job id' });
  const sizeSelect = h('select', { name: 'limit', 'aria-label': 'page size' }, PAGE_SIZES.map((n) => h('option', { value: n, selected: n === limit }, `${n} per page`)));
  const filters = h('form', { class: 'filters', 'data-form': 'job-filters' }, statusSelect, blueprintSelect, search, sizeSelect, h('button', { type: 'submit' }, 'Filter'));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    go({ status: statusSelect.value, blueprint: blueprintSelect.value, q: search.value.trim(), limit: sizeSelect.value });
  });
  for (const select of [statusSelect, blueprintSelect, sizeSelect]) select.addEventListener('change', () => filters.requestSubmit());

  const table = h('div', { class: 'job-table' });
  const pager = h('div', { class: 'pager' });
  replace(ctx.root, h('h1', {}, 'Jobs'), filters, table, pager);

  const base = { status, blueprint, q, limit: String(limit) };
  const render = (jobs: JobView[], nextCursor: string | null, now: number): void => {
    replace(
      table,
      jobs.length === 0
        ? h('p', { class: 'muted', 'data-empty': 'jobs' }, 'No jobs match these filters.')
        : h(
            'table',
            { class: 'list', 'data-list': 'jobs' },
            h('thead', {}, h('tr', {}, ['Job', 'Blueprint', 'Status', 'Current state', 'Created', 'Updated'].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              jobs.map((job) =>
                h(
                  'tr',
                  { 'data-job': job.id },
                  h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, h('code', {}, job.id))),
                  h('td', {}, h('a', { href: `#/blueprints/${encodeURIComponent(job.blueprint_name)}` }, job.blueprint_name)),
                  h('td', {}, statusBadge(job.status)),
                  h('td', {}, job.current_state ?? '—'),
                  h('td', { title: job.created_at }, ago(job.created_at, now)),
                  h('td', { title: job.updated_at }, ago(job.updated_at, now)),
                ),
              ),
            ),
          ),
    );
    const previous = back[back.length - 1];
    replace(
      pager,
      h('button', { type: 'button', disabled: previous === undefined, onclick: () => go({ ...base, cursor: previous === FIRST ? '' : (previous ?? ''), back: back.slice(0, -1) }) }, '← Newer'),
      h('span', { class: 'muted', 'data-page': back.length + 1 }, `page ${back.length + 1}`),
      h('button', { type: 'button', disabled: !nextCursor, 'data-next': 'true', onclick: () => nextCursor && go({ ...base, cursor: nextCursor, back: [...back, cursor || FIRST] }) }, 'Older →'),
    );
  };

  // The first page follows new jobs live; later pages stay put so that paging is stable.
  return poll(
    2000,
    async () => {
      const reply = await ctx.api.jobs({ status, blueprint, q, limit, cursor });
      render(reply.jobs, reply.next_cursor, Date.now());
      return !cursor;
    },
    ctx.fail,
    ctx.recover,
  );
}
